"""The Train page's inputs: the model family, the options that family reads, regularisation and training
settings. Each returns plain values; `configs()` turns them into aelib configs or a message in words."""
from __future__ import annotations

import streamlit as st

from aelib.data import DATASETS, Dataset
from aelib.experiment import model_config
from aelib.models import MODELS, ModelConfig
from aelib.noise import NOISES
from aelib.pretrain import PRETRAINABLE
from aelib.share import Choice, Flag, Float, Int, Text
from aelib.train import TrainConfig, available_devices
from appkit import state

NOISE_TITLES = {"gaussian": "Gaussian", "salt_pepper": "salt and pepper", "mask": "masking (zeros)"}
LOCKED_HELP = "Locked by your teacher's link."


def parse_widths(text: str) -> tuple[int, ...]:
    """"512, 256" -> (512, 256), or a ValueError that says what is wrong."""
    try:
        widths = tuple(int(v) for v in text.replace(";", ",").split(",") if v.strip())
    except ValueError:
        raise ValueError(f"layer widths must be whole numbers separated by commas, e.g. 512, 256 — "
                         f"got {text!r}") from None
    if not widths or min(widths) < 1 or max(widths) > 4096 or len(widths) > 8:
        raise ValueError("give 1 to 8 layer widths, each between 1 and 4096")
    return widths


def _widths_text(text: str) -> str:
    return ", ".join(map(str, parse_widths(text)))


# Every Train setting a share link may carry, with the values its widget allows: the widgets below read their
# ranges and choices from here, and aelib.share validates a link against it. (data_dir and device stay out:
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
            "help": f"{LOCKED_HELP} {help or ''}".strip() if locked else help}


def _family_options(model: str, busy: bool) -> dict:
    """Widgets for the options this family reads; returns their values."""
    opts_, used = {}, MODELS[model].options
    if "hidden" in used:
        opts_["hidden"] = st.text_input("Hidden layer widths (encoder order)", **ui(
            "hidden", busy, "Comma-separated; the decoder mirrors them. More numbers = a deeper network."))
    if "beta" in used:
        opts_["beta"] = st.slider("β (weight on the KL term)", *lim("beta"), step=0.1, **ui(
            "beta", busy, "β = 1 is the standard VAE; β > 1 (a β-VAE) trades reconstruction for a smoother, "
                          "more regular latent space. β = 0 is a plain AE with noise."))
    if "noise" in used:
        opts_["noise"] = st.selectbox("Noise", opts("noise"), format_func=NOISE_TITLES.get, **ui(
            "noise", busy, "\n".join(f"- {NOISE_TITLES[k]}: {v}" for k, v in NOISES.items())))
        opts_["noise_level"] = st.slider("Noise level", *lim("noise_level"), step=0.05, **ui("noise_level", busy))
    if "sparsity" in used:
        opts_["sparsity"] = st.radio("Sparsity penalty", opts("sparsity"), horizontal=True, **ui("sparsity", busy),
                                     format_func={"l1": "L1 on activations", "kl": "KL to a target rate ρ"}.get)
        opts_["sparsity_weight"] = st.number_input("Penalty weight", *lim("sparsity_weight"), step=0.05,
                                                   format="%.3f", **ui("sparsity_weight", busy))
        if opts_["sparsity"] == "kl":
            opts_["sparsity_target"] = st.slider("Target activation ρ", *lim("sparsity_target"), step=0.01,
                                                 **ui("sparsity_target", busy))
    if "contractive_weight" in used:
        opts_["contractive_weight"] = st.number_input("Contractive weight λ", *lim("contractive_weight"), step=0.05,
                                                      format="%.3f", **ui("contractive_weight", busy))
    if "codebook_size" in used:
        opts_["codebook_size"] = st.select_slider("Codebook entries", opts("codebook_size"),
                                                  **ui("codebook_size", busy))
        opts_["vq_dim"] = st.select_slider("Length of each code vector", opts("vq_dim"), **ui(
            "vq_dim", busy, "The latent size is the number of code vectors."))
        opts_["commitment"] = st.slider("Commitment weight", *lim("commitment"), step=0.05, **ui("commitment", busy))
    if "adversarial_weight" in used:
        opts_["adversarial_weight"] = st.number_input("Adversarial weight", *lim("adversarial_weight"), step=0.5,
                                                      **ui("adversarial_weight", busy))
    if "rnn" in used:
        opts_["rnn"] = st.radio("Recurrent cell", opts("rnn"), horizontal=True, format_func=str.upper,
                                **ui("rnn", busy))
    if "recon_loss" in used:
        opts_["recon_loss"] = st.radio("Reconstruction loss", opts("recon_loss"), horizontal=True, **ui(
            "recon_loss", busy), format_func={"bce": "binary cross-entropy", "mse": "squared error"}.get)
    return opts_


def model_inputs(busy: bool) -> tuple[str, int, dict]:
    model = st.selectbox("Model", opts("model"), on_change=state.apply_family_defaults,
                         format_func=lambda k: MODELS[k].title, **ui(
                             "model", busy, f"{len(MODELS)} families; each has its own view below the results "
                                            f"once trained."))
    st.caption(MODELS[model].summary)
    vq = model == "vq_vae"
    latent = st.number_input("Code vectors per sample" if vq else "Latent size", *lim("latent_dim"), **ui(
        "latent_dim", busy, "How many codebook vectors describe each sample." if vq else
        "The bottleneck: how many numbers describe each sample. 2 can be plotted."))
    return model, int(latent), _family_options(model, busy)


def _g(v: float) -> str:
    return f"{v:g}"


def regularisation_inputs(model: str, busy: bool) -> dict:
    used = MODELS[model].options
    with st.expander("Regularisation (against overfitting)"):
        out = {
            "dropout": st.slider("Dropout", *lim("dropout"), step=0.05, **{**ui(
                "dropout", busy, "Zero a random share of hidden units at each training step."),
                "disabled": disabled("dropout", busy) or "dropout" not in used}),
            "tied": st.checkbox("Tie decoder weights to the encoder's", **{**ui(
                "tied", busy, "The decoder reuses the encoder's weight matrices, transposed: half the parameters."),
                "disabled": disabled("tied", busy) or "tied" not in used}),
            "weight_decay": st.select_slider("Weight decay (L2)", opts("weight_decay"), format_func=_g,
                                             **ui("weight_decay", busy)),
            "l1_weight": st.select_slider("L1 on the weights", opts("l1_weight"), format_func=_g,
                                          **ui("l1_weight", busy)),
            "patience": st.number_input("Early stopping patience (0 = off)", *lim("patience"), **ui(
                "patience", busy, "Stop when the validation loss has not improved for this many epochs and keep "
                                  "the best epoch's weights. A tenth of the training split becomes the validation "
                                  "set: the test set is never peeked at.")),
            "train_subset": st.number_input("Train on only this many samples (0 = all)", *lim("train_subset"),
                                            step=50, **ui(
                "train_subset", busy, "A tiny training set makes overfitting visible: the training loss keeps "
                                      "falling while the held-out loss rises.")),
        }
    return out


def training_inputs(model: str, busy: bool) -> dict:
    with st.expander("Training settings"):
        out = {
            "epochs": st.number_input("Epochs", *lim("epochs"), **ui("epochs", busy)),
            "batch_size": st.select_slider("Batch size", opts("batch"), **ui("batch", busy)),
            "lr": st.select_slider("Learning rate", opts("lr"), format_func=_g, **ui(
                "lr", busy, "Adam's step size. Too large and the loss explodes: try 10.")),
            "seed": st.number_input("Seed", *lim("seed"), **ui("seed", busy, "Same seed and settings, same result.")),
            "device": st.selectbox("Device", available_devices(), key="device", disabled=busy,
                                   help="auto uses a CUDA GPU, then Apple's MPS, then the CPU."),
        }
        if model in PRETRAINABLE:
            out["pretrain_epochs"] = st.number_input(
                "Greedy layer-wise pretraining: epochs per layer (0 = off)", *lim("pretrain_epochs"), **ui(
                    "pretrain_epochs", busy, "The historical recipe for stacked autoencoders: train each layer pair "
                                             "as a shallow autoencoder, outside in, then fine-tune the whole network."))
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
