"""The Train page's inputs: the model family, the options that family reads, regularisation and training
settings. Each returns plain values; `configs()` turns them into aelib configs or a message in words."""
from __future__ import annotations

import re
from dataclasses import asdict

import streamlit as st

from aelib.data import DATASETS, Dataset
from aelib.experiment import model_config
from aelib.i18n import t
from aelib.limits import check_train, from_env
from aelib.models import MODELS, ModelConfig, Option, declared_options
from aelib.models.pretrain import PRETRAINABLE
from aelib.sharing.checkpoint import check_sizes
from aelib.sharing.share import Choice, Flag, Float, Int, Text
from aelib.train import TrainConfig, available_devices
from appkit import state
from appkit.i18n import family_summary, family_title, tr

LOCKED_HELP = t("controls.locked_help")  # English; the widgets show tr("controls.locked_help")


# text a message may quote back as it is (anything else might be markup from a link)
ECHOABLE = re.compile(r"[A-Za-z0-9 ,;._+-]{0,40}")  # no-i18n


def parse_widths(text: str) -> tuple[int, ...]:
    """"512, 256" -> (512, 256), or a ValueError that says what is wrong."""
    pieces = [v.strip() for v in text.replace(";", ",").split(",") if v.strip()]
    if len(pieces) > 64 or not all(re.fullmatch(r"[0-9]{1,6}", v) for v in pieces):  # ASCII digits only
        shown = repr(text) if ECHOABLE.fullmatch(text) else "…"  # never echo markup a link may carry
        raise ValueError(tr("controls.widths_not_numbers", text=shown))
    widths = tuple(int(v) for v in pieces)
    if not widths or min(widths) < 1 or max(widths) > 4096 or len(widths) > 8:
        raise ValueError(tr("controls.widths_range"))
    return widths


def _widths_text(text: str) -> str:
    return ", ".join(map(str, parse_widths(text)))


def _schema() -> dict:
    """Every Train setting a share link may carry, with the values its widget allows: the widgets below read their
    ranges and choices from here, and aelib.sharing.share validates a link against it. The families' own options
    come from their declarations in aelib.models. (data_dir and device stay out: a path and a machine's devices
    mean nothing on another computer.)"""
    return {
        "dataset": Choice(tuple(DATASETS)), "model": Choice(tuple(MODELS)), "latent_dim": Int(1, 1024),
        "hidden": Text(_widths_text), **{k: o.offered for k, o in declared_options().items() if o.widget},
        "recon_loss": Choice(("bce", "mse")),
        "dropout": Float(0.0, 0.8), "tied": Flag(), "weight_decay": Choice((0.0, 1e-5, 1e-4, 1e-3, 1e-2)),
        "l1_weight": Choice((0.0, 1e-6, 1e-5, 1e-4, 1e-3)), "patience": Int(0, 50), "train_subset": Int(0, 100_000),
        "epochs": Int(1, 500), "batch": Choice((16, 32, 64, 128, 256, 512, 1024)),
        "lr": Choice((1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0, 10.0)), "seed": Int(0, 2**31 - 1),
        "pretrain_epochs": Int(0, 50),
    }


SCHEMA = state.Derived(_schema)


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


def _choice_words(option: Option) -> dict:
    """format_func for a choice option whose choices have words (noise kinds, penalties): the names are looked up
    now, in the learner's language, as AppTest calls format_func outside the script run."""
    if not option.words:
        return {}
    return {"format_func": {c: tr(option.words.format(c)) for c in option.offered.options}.get}


def _option_help(option: Option) -> str | None:
    if option.choice_help:  # a bullet per choice: its name and what it does
        return "\n".join(f"- {tr(option.words.format(c))}: {tr(option.choice_help.format(c))}"
                         for c in option.offered.options)
    return tr(option.help) if option.help else None


# How each kind of option widget is drawn: (label, option, its key/disabled/help) -> the widget's value
WIDGETS = {
    "slider": lambda label, o, kw: st.slider(label, o.offered.lo, o.offered.hi, step=o.step, **kw),
    "number": lambda label, o, kw: st.number_input(label, o.offered.lo, o.offered.hi, step=o.step, format=o.format,
                                                   **kw),
    "select_slider": lambda label, o, kw: st.select_slider(label, list(o.offered.options), **_choice_words(o), **kw),
    "radio": lambda label, o, kw: st.radio(label, list(o.offered.options), horizontal=True, **_choice_words(o), **kw),
    "select": lambda label, o, kw: st.selectbox(label, list(o.offered.options), **_choice_words(o), **kw),
}


def _family_options(model: str, busy: bool) -> dict:
    """Widgets for the options this family reads (its layers, its own declared options, its loss); returns their
    values. An option declared to show only beside another's value (sparsity_target: with "kl") waits for it."""
    family, values = MODELS[model], {}
    if "hidden" in family.reads:
        values["hidden"] = st.text_input(tr("controls.hidden"), **ui("hidden", busy, tr("controls.hidden_help")))
    for option in family.options:
        if option.widget and (option.when is None or values.get(option.when[0]) == option.when[1]):
            values[option.name] = WIDGETS[option.widget](tr(option.label), option,
                                                         ui(option.name, busy, _option_help(option)))
    if "recon_loss" in family.reads:
        losses = {"bce": tr("controls.recon_bce"), "mse": tr("controls.recon_mse")}
        values["recon_loss"] = st.radio(tr("controls.recon_loss"), opts("recon_loss"), horizontal=True,
                                        **ui("recon_loss", busy), format_func=losses.get)
    return values


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
    used = MODELS[model].reads
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
    used = MODELS[model].reads
    options.update({k: reg[k] for k in ("dropout", "tied") if k in used})
    mcfg = model_config(ds, model, latent, **options)
    tcfg = TrainConfig(**{k: reg[k] for k in ("weight_decay", "l1_weight", "patience", "train_subset")},
                       **{**training, "pretrain_epochs": training.get("pretrain_epochs", 0)})
    limits = from_env()  # the limits every front end's settings meet (aelib.limits): a link, a form, a file
    check_train(asdict(tcfg), limits)
    check_sizes(mcfg, limits)
    return mcfg, tcfg
