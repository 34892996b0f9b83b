"""The Train page's inputs: the model family, the options that family reads, regularisation and training
settings. Each returns plain values; `configs()` turns them into aelib configs or a message in words."""
from __future__ import annotations

import streamlit as st

from aelib.data import DATASETS, Dataset
from aelib.data.noise import NOISES
from aelib.experiment import model_config
from aelib.i18n import t
from aelib.models import MODELS, ModelConfig
from aelib.models.pretrain import PRETRAINABLE
from aelib.sharing.share import Choice, Flag, Float, Int, Text
from aelib.train import TrainConfig, available_devices
from appkit import state
from appkit.i18n import family_summary, family_title, tr

LOCKED_HELP = t("controls.locked_help")  # English; the widgets show tr("controls.locked_help")


def noise_titles() -> dict[str, str]:
    """The noise kinds' names (aelib.data.noise.NOISES keys) in the learner's language."""
    return {"gaussian": tr("controls.noise.gaussian"), "salt_pepper": tr("controls.noise.salt_pepper"),
            "mask": tr("controls.noise.mask")}


def noise_descriptions() -> dict[str, str]:
    """What each noise does (aelib.data.noise.NOISES' descriptions) in the learner's language."""
    return {"gaussian": tr("controls.noise_desc.gaussian"), "salt_pepper": tr("controls.noise_desc.salt_pepper"),
            "mask": tr("controls.noise_desc.mask")}


def parse_widths(text: str) -> tuple[int, ...]:
    """"512, 256" -> (512, 256), or a ValueError that says what is wrong."""
    try:
        widths = tuple(int(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise ValueError(tr("controls.widths_not_numbers", text=repr(text))) from None
    if not widths or min(widths) < 1 or max(widths) > 4096 or len(widths) > 8:
        raise ValueError(tr("controls.widths_range"))
    return widths


def _widths_text(text: str) -> str:
    return ", ".join(map(str, parse_widths(text)))


# Every Train setting a share link may carry, with the values its widget allows: the widgets below read their
# ranges and choices from here, and aelib.sharing.share validates a link against it. (data_dir and device stay out:
# a path and a machine's devices mean nothing on another computer.)
SCHEMA = {
    "dataset": Choice(tuple(DATASETS)), "model": Choice(tuple(MODELS)), "latent_dim": Int(1, 1024),
    "hidden": Text(_widths_text), "beta": Float(0.0, 10.0), "noise": Choice(tuple(NOISES)),
    "noise_level": Float(0.0, 1.0), "sparsity": Choice(("l1", "kl")), "sparsity_weight": Float(0.0, 100.0),
    "sparsity_target": Float(0.01, 0.5), "contractive_weight": Float(0.0, 100.0),
    "codebook_size": Choice((8, 16, 32, 64, 128, 256, 512)), "vq_dim": Choice((1, 2, 4, 8, 16)),
    "commitment": Float(0.0, 2.0), "adversarial_weight": Float(0.0, 100.0), "rnn": Choice(("gru", "lstm")),
    "recon_loss": Choice(("bce", "mse")),
    "dropout": Float(0.0, 0.8), "tied": Flag(), "weight_decay": Choice((0.0, 1e-5, 1e-4, 1e-3, 1e-2)),
    "l1_weight": Choice((0.0, 1e-6, 1e-5, 1e-4, 1e-3)), "patience": Int(0, 50), "train_subset": Int(0, 100_000),
    "epochs": Int(1, 500), "batch": Choice((16, 32, 64, 128, 256, 512, 1024)),
    "lr": Choice((1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0, 10.0)), "seed": Int(0, 2**31 - 1),
    "pretrain_epochs": Int(0, 50),
}


def lim(key: str) -> tuple:
    """(min, max) of a number setting."""
    return SCHEMA[key].lo, SCHEMA[key].hi


def opts(key: str) -> list:
    return list(SCHEMA[key].options)


def disabled(key: str, busy: bool) -> bool:
    """Frozen while a run trains, or for good when a teacher's link locked it."""
    return busy or key in state.locked()


def ui(key: str, busy: bool, help: str | None = None) -> dict:
    """A setting widget's key, disabled and help: a locked one says why it cannot be changed."""
    locked = key in state.locked()
    return {"key": key, "disabled": busy or locked,
            "help": f"{tr('controls.locked_help')} {help or ''}".strip() if locked else help}


def _family_options(model: str, busy: bool) -> dict:
    """Widgets for the options this family reads; returns their values."""
    opts_, used = {}, MODELS[model].options
    if "hidden" in used:
        opts_["hidden"] = st.text_input(tr("controls.hidden"), **ui("hidden", busy, tr("controls.hidden_help")))
    if "beta" in used:
        opts_["beta"] = st.slider(tr("controls.beta"), *lim("beta"), step=0.1,
                                  **ui("beta", busy, tr("controls.beta_help")))
    if "noise" in used:
        titles, descriptions = noise_titles(), noise_descriptions()
        opts_["noise"] = st.selectbox(tr("controls.noise_label"), opts("noise"), format_func=titles.get, **ui(
            "noise", busy, "\n".join(f"- {titles[k]}: {descriptions[k]}" for k in NOISES)))
        opts_["noise_level"] = st.slider(tr("controls.noise_level"), *lim("noise_level"), step=0.05,
                                         **ui("noise_level", busy))
    if "sparsity" in used:
        penalties = {"l1": tr("controls.sparsity_l1"), "kl": tr("controls.sparsity_kl")}
        opts_["sparsity"] = st.radio(tr("controls.sparsity"), opts("sparsity"), horizontal=True,
                                     **ui("sparsity", busy), format_func=penalties.get)
        opts_["sparsity_weight"] = st.number_input(tr("controls.sparsity_weight"), *lim("sparsity_weight"),
                                                   step=0.05, format="%.3f", **ui("sparsity_weight", busy))
        if opts_["sparsity"] == "kl":
            opts_["sparsity_target"] = st.slider(tr("controls.sparsity_target"), *lim("sparsity_target"),
                                                 step=0.01, **ui("sparsity_target", busy))
    if "contractive_weight" in used:
        opts_["contractive_weight"] = st.number_input(tr("controls.contractive"), *lim("contractive_weight"),
                                                      step=0.05, format="%.3f", **ui("contractive_weight", busy))
    if "codebook_size" in used:
        opts_["codebook_size"] = st.select_slider(tr("controls.codebook"), opts("codebook_size"),
                                                  **ui("codebook_size", busy))
        opts_["vq_dim"] = st.select_slider(tr("controls.vq_dim"), opts("vq_dim"),
                                           **ui("vq_dim", busy, tr("controls.vq_dim_help")))
        opts_["commitment"] = st.slider(tr("controls.commitment"), *lim("commitment"), step=0.05,
                                        **ui("commitment", busy))
    if "adversarial_weight" in used:
        opts_["adversarial_weight"] = st.number_input(tr("controls.adversarial"), *lim("adversarial_weight"), step=0.5,
                                                      **ui("adversarial_weight", busy))
    if "rnn" in used:
        opts_["rnn"] = st.radio(tr("controls.rnn"), opts("rnn"), horizontal=True, format_func=str.upper,
                                **ui("rnn", busy))
    if "recon_loss" in used:
        losses = {"bce": tr("controls.recon_bce"), "mse": tr("controls.recon_mse")}
        opts_["recon_loss"] = st.radio(tr("controls.recon_loss"), opts("recon_loss"), horizontal=True,
                                       **ui("recon_loss", busy), format_func=losses.get)
    return opts_


def model_inputs(busy: bool) -> tuple[str, int, dict]:
    families = {k: family_title(k) for k in opts("model")}
    model = st.selectbox(tr("controls.model"), opts("model"), on_change=state.apply_family_defaults,
                         format_func=families.__getitem__,
                         **ui("model", busy, tr("controls.model_help", n=len(MODELS))))
    st.caption(family_summary(model))
    vq = model == "vq_vae"
    latent = st.number_input(tr("controls.latent_vq") if vq else tr("controls.latent"), *lim("latent_dim"), **ui(
        "latent_dim", busy, tr("controls.latent_vq_help") if vq else tr("controls.latent_help")))
    return model, int(latent), _family_options(model, busy)


def _g(v: float) -> str:
    return f"{v:g}"


def regularisation_inputs(model: str, busy: bool) -> dict:
    used = MODELS[model].options
    with st.expander(tr("controls.regularisation")):
        out = {
            "dropout": st.slider(tr("controls.dropout"), *lim("dropout"), step=0.05, **{
                **ui("dropout", busy, tr("controls.dropout_help")),
                "disabled": disabled("dropout", busy) or "dropout" not in used}),
            "tied": st.checkbox(tr("controls.tied"), **{
                **ui("tied", busy, tr("controls.tied_help")),
                "disabled": disabled("tied", busy) or "tied" not in used}),
            "weight_decay": st.select_slider(tr("controls.weight_decay"), opts("weight_decay"), format_func=_g,
                                             **ui("weight_decay", busy)),
            "l1_weight": st.select_slider(tr("controls.l1_weight"), opts("l1_weight"), format_func=_g,
                                          **ui("l1_weight", busy)),
            "patience": st.number_input(tr("controls.patience"), *lim("patience"),
                                        **ui("patience", busy, tr("controls.patience_help"))),
            "train_subset": st.number_input(tr("controls.train_subset"), *lim("train_subset"), step=50,
                                            **ui("train_subset", busy, tr("controls.train_subset_help"))),
        }
    return out


def training_inputs(model: str, busy: bool) -> dict:
    devices = {"auto": tr("controls.device_auto")}
    with st.expander(tr("controls.training")):
        out = {
            "epochs": st.number_input(tr("controls.epochs"), *lim("epochs"), **ui("epochs", busy)),
            "batch_size": st.select_slider(tr("controls.batch"), opts("batch"), **ui("batch", busy)),
            "lr": st.select_slider(tr("controls.lr"), opts("lr"), format_func=_g,
                                   **ui("lr", busy, tr("controls.lr_help"))),
            "seed": st.number_input(tr("controls.seed"), *lim("seed"), **ui("seed", busy, tr("controls.seed_help"))),
            "device": st.selectbox(tr("controls.device"), available_devices(), key="device", disabled=busy,
                                   format_func=lambda d: devices.get(d, d), help=tr("controls.device_help")),
        }
        if model in PRETRAINABLE:
            out["pretrain_epochs"] = st.number_input(tr("controls.pretrain"), *lim("pretrain_epochs"),
                                                     **ui("pretrain_epochs", busy, tr("controls.pretrain_help")))
    return out


def configs(ds: Dataset, model: str, latent: int, options: dict, reg: dict,
            training: dict) -> tuple[ModelConfig, TrainConfig]:
    """aelib configs from the inputs; ValueError, in words, for a combination that cannot train."""
    options = dict(options)
    if "hidden" in options:
        options["hidden"] = parse_widths(options["hidden"])
    used = MODELS[model].options
    options.update({k: reg[k] for k in ("dropout", "tied") if k in used})
    mcfg = model_config(ds, model, latent, **options)
    tcfg = TrainConfig(**{k: reg[k] for k in ("weight_decay", "l1_weight", "patience", "train_subset")},
                       **{**training, "pretrain_epochs": training.get("pretrain_epochs", 0)})
    return mcfg, tcfg
