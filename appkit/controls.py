"""The Train page's inputs: the model family, the options that family reads, regularisation and training
settings. Each returns plain values; `configs()` turns them into aelib configs or a message in words."""
from __future__ import annotations

import streamlit as st

from aelib.data import Dataset
from aelib.experiment import model_config
from aelib.models import MODELS, ModelConfig
from aelib.noise import NOISES
from aelib.pretrain import PRETRAINABLE
from aelib.train import TrainConfig, available_devices
from appkit import state

NOISE_TITLES = {"gaussian": "Gaussian", "salt_pepper": "salt and pepper", "mask": "masking (zeros)"}


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


def _family_options(model: str, busy: bool) -> dict:
    """Widgets for the options this family reads; returns their values."""
    opts, used = {}, MODELS[model].options
    if "hidden" in used:
        opts["hidden"] = st.text_input(
            "Hidden layer widths (encoder order)", key="hidden", disabled=busy,
            help="Comma-separated; the decoder mirrors them. More numbers = a deeper network.")
    if "beta" in used:
        opts["beta"] = st.slider("β (weight on the KL term)", 0.0, 10.0, step=0.1, key="beta", disabled=busy,
                                 help="β = 1 is the standard VAE; β > 1 (a β-VAE) trades reconstruction for a "
                                      "smoother, more regular latent space. β = 0 is a plain AE with noise.")
    if "noise" in used:
        opts["noise"] = st.selectbox("Noise", list(NOISES), key="noise", disabled=busy,
                                     format_func=NOISE_TITLES.get, help="\n".join(
                                         f"- {NOISE_TITLES[k]}: {v}" for k, v in NOISES.items()))
        opts["noise_level"] = st.slider("Noise level", 0.0, 1.0, step=0.05, key="noise_level", disabled=busy)
    if "sparsity" in used:
        opts["sparsity"] = st.radio("Sparsity penalty", ["l1", "kl"], key="sparsity", horizontal=True,
                                    disabled=busy, format_func={"l1": "L1 on activations",
                                                                "kl": "KL to a target rate ρ"}.get)
        opts["sparsity_weight"] = st.number_input("Penalty weight", 0.0, 100.0, step=0.05, key="sparsity_weight",
                                                  disabled=busy, format="%.3f")
        if opts["sparsity"] == "kl":
            opts["sparsity_target"] = st.slider("Target activation ρ", 0.01, 0.5, step=0.01,
                                                key="sparsity_target", disabled=busy)
    if "contractive_weight" in used:
        opts["contractive_weight"] = st.number_input("Contractive weight λ", 0.0, 100.0, step=0.05, disabled=busy,
                                                     key="contractive_weight", format="%.3f")
    if "codebook_size" in used:
        opts["codebook_size"] = st.select_slider("Codebook entries", [8, 16, 32, 64, 128, 256, 512],
                                                 key="codebook_size", disabled=busy)
        opts["vq_dim"] = st.select_slider("Length of each code vector", [1, 2, 4, 8, 16], key="vq_dim",
                                          disabled=busy, help="The latent size is the number of code vectors.")
        opts["commitment"] = st.slider("Commitment weight", 0.0, 2.0, step=0.05, key="commitment", disabled=busy)
    if "adversarial_weight" in used:
        opts["adversarial_weight"] = st.number_input("Adversarial weight", 0.0, 100.0, step=0.5, disabled=busy,
                                                     key="adversarial_weight")
    if "rnn" in used:
        opts["rnn"] = st.radio("Recurrent cell", ["gru", "lstm"], key="rnn", horizontal=True, disabled=busy,
                               format_func=str.upper)
    if "recon_loss" in used:
        opts["recon_loss"] = st.radio("Reconstruction loss", ["bce", "mse"], key="recon_loss", horizontal=True,
                                      disabled=busy, format_func={"bce": "binary cross-entropy",
                                                                  "mse": "squared error"}.get)
    return opts


def model_inputs(busy: bool) -> tuple[str, int, dict]:
    model = st.selectbox("Model", list(MODELS), key="model", disabled=busy, on_change=state.apply_family_defaults,
                         format_func=lambda k: MODELS[k].title,
                         help=f"{len(MODELS)} families; each has its own view below the results once trained.")
    st.caption(MODELS[model].summary)
    vq = model == "vq_vae"
    latent = st.number_input("Code vectors per sample" if vq else "Latent size", 1, 1024, key="latent_dim",
                             disabled=busy, help="How many codebook vectors describe each sample." if vq else
                             "The bottleneck: how many numbers describe each sample. 2 can be plotted.")
    return model, int(latent), _family_options(model, busy)


def regularisation_inputs(model: str, busy: bool) -> dict:
    used = MODELS[model].options
    with st.expander("Regularisation (against overfitting)"):
        out = {
            "dropout": st.slider("Dropout", 0.0, 0.8, step=0.05, key="dropout", disabled=busy or "dropout" not in used,
                                 help="Zero a random share of hidden units at each training step."),
            "tied": st.checkbox("Tie decoder weights to the encoder's", key="tied", disabled=busy or "tied" not in used,
                                help="The decoder reuses the encoder's weight matrices, transposed: half the "
                                     "parameters."),
            "weight_decay": st.select_slider("Weight decay (L2)", [0.0, 1e-5, 1e-4, 1e-3, 1e-2], key="weight_decay",
                                             disabled=busy, format_func=lambda v: f"{v:g}"),
            "l1_weight": st.select_slider("L1 on the weights", [0.0, 1e-6, 1e-5, 1e-4, 1e-3], key="l1_weight",
                                          disabled=busy, format_func=lambda v: f"{v:g}"),
            "patience": st.number_input("Early stopping patience (0 = off)", 0, 50, key="patience", disabled=busy,
                                        help="Stop when the validation loss has not improved for this many epochs "
                                             "and keep the best epoch's weights. A tenth of the training split "
                                             "becomes the validation set: the test set is never peeked at."),
            "train_subset": st.number_input("Train on only this many samples (0 = all)", 0, 100_000, step=50,
                                            key="train_subset", disabled=busy,
                                            help="A tiny training set makes overfitting visible: the training "
                                                 "loss keeps falling while the held-out loss rises."),
        }
    return out


def training_inputs(model: str, busy: bool) -> dict:
    with st.expander("Training settings"):
        out = {
            "epochs": st.number_input("Epochs", 1, 500, key="epochs", disabled=busy),
            "batch_size": st.select_slider("Batch size", [16, 32, 64, 128, 256, 512, 1024], key="batch",
                                           disabled=busy),
            "lr": st.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0, 10.0], key="lr",
                                   disabled=busy, format_func=lambda v: f"{v:g}",
                                   help="Adam's step size. Too large and the loss explodes: try 10."),
            "seed": st.number_input("Seed", 0, 2**31 - 1, key="seed", disabled=busy,
                                    help="Same seed and settings, same result."),
            "device": st.selectbox("Device", available_devices(), key="device", disabled=busy,
                                   help="auto uses a CUDA GPU, then Apple's MPS, then the CPU."),
        }
        if model in PRETRAINABLE:
            out["pretrain_epochs"] = st.number_input(
                "Greedy layer-wise pretraining: epochs per layer (0 = off)", 0, 50, key="pretrain_epochs",
                disabled=busy, help="The historical recipe for stacked autoencoders: train each layer pair as a "
                                    "shallow autoencoder, outside in, then fine-tune the whole network.")
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
