"""The Denoising page's helpers: its own settings and session-state slot (the learner's main run from the Train
page is never replaced), training the denoising/plain pair live in a shared training slot, and the views."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from aelib import denoise_lab as dl
from aelib.data import DATASETS, Dataset
from aelib.models import ModelConfig
from aelib.noise import NOISES
from aelib.plots import image_rows
from aelib.train import TrainConfig
from aelib.zoo_plots import curves
from appkit.lab import Lab
from appkit.state import Run

PAIR = "aelab_denoise_pair"
LAB = Lab("denoise")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
NOISE_TITLES = {"gaussian": "Gaussian", "salt_pepper": "salt and pepper", "mask": "masking (occlusion)"}
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]
SHOW = 8  # test images per row
N_EVAL = 500  # held-out images the PSNRs are averaged over


def get_pair() -> dl.DenoisePair | None:
    return st.session_state.get(PAIR)


def training_inputs(disabled: bool) -> tuple[str, str, float, int, int]:
    """(dataset, noise, level, epochs, latent size) as chosen for the pair."""
    c = st.columns(5)
    name = c[0].selectbox("Data", IMAGE_SETS, key="dn_dataset", disabled=disabled,
                          format_func=lambda k: DATASETS[k].title)
    noise = c[1].selectbox("Training noise", list(NOISES), key="dn_noise", disabled=disabled,
                           format_func=NOISE_TITLES.get, help="\n\n".join(f"{NOISE_TITLES[k]}: {v}"
                                                                          for k, v in NOISES.items()))
    level = c[2].slider("Training noise level", 0.05, 1.0, step=0.05, key="dn_level", disabled=disabled)
    epochs = c[3].number_input("Epochs (each model)", 1, 200, step=1, key="dn_epochs", disabled=disabled)
    latent = c[4].number_input("Latent size", 1, 256, step=1, key="dn_latent", disabled=disabled,
                               help="Both models get the same code size and layers (512, 256).")
    return name, noise, float(level), int(epochs), int(latent)


def train_live(ds: Dataset, dae_cfg: ModelConfig, tcfg: TrainConfig, **given) -> dl.DenoisePair | None:
    """dl.train_pair() in a shared training slot with a progress bar. A failure leaves a message and the page's
    previous pair (if any) in place."""
    return LAB.run(lambda report: dl.train_pair(ds, dae_cfg, tcfg, report, **given))


def train_new(settings: tuple[str, str, float, int, int], seed: int = 0) -> None:
    name, noise, level, epochs, latent = settings
    ds = load(name)
    if ds is not None:
        try:
            dae_cfg, _ = dl.pair_configs(ds, noise, level, latent)
            tcfg = TrainConfig(epochs=epochs, seed=seed)
        except ValueError as err:
            fail(str(err))
            return
        pair = train_live(ds, dae_cfg, tcfg)
        if pair is not None:
            keep(pair)


def adopt_main_run(run: Run) -> None:
    """The learner's denoising AE from the Train page, beside a plain AE with its network and settings (the
    one its own view trained, if it did; otherwise trained now). The main run itself is only read."""
    ds = load(run.dataset, data_dir=run.data_dir)
    if ds is None:
        return
    plain = run.extras.get("plain_ae")  # (model, history)
    pair = train_live(ds, run.model_cfg, run.train_cfg, dae=run.model, plain=plain[0] if plain else None)
    if pair is not None:
        keep(replace(pair, histories=(run.history, plain[1] if plain else pair.histories[1]),
                     source="your model from the Train page", data_dir=run.data_dir))


def keep(pair: dl.DenoisePair) -> None:
    """Store a new pair and start its test noise at the noise it was trained on (the test widgets are not
    drawn in a training run, so their values may be set here)."""
    st.session_state[PAIR] = pair
    st.session_state["dn_test_noise"] = pair.noise
    st.session_state["dn_test_level"] = round(pair.noise_level * 20) / 20  # on the slider's 0.05 grid


def _db(v: float) -> str:
    return "∞ dB" if math.isinf(v) else f"{v:.1f} dB"


def show_pair(pair: dl.DenoisePair, ds: Dataset) -> None:
    """Test-noise pickers, the image rows with PSNRs, and the PSNR-vs-level curve of the pair."""
    c = st.columns(2)
    kind = c[0].selectbox("Test noise", list(NOISES), key="dn_test_noise", format_func=NOISE_TITLES.get)
    level = float(c[1].slider("Test noise level", 0.0, 1.0, step=0.05, key="dn_test_level",
                              help="Try a level or a kind the denoising model never saw in training."))
    x = ds.x_test[:N_EVAL]
    r = dl.side_by_side(pair, x, kind, level, seed=0)
    means = {k: float(np.mean(r[f"psnr_{k}"])) for k in ("noisy", "denoised", "plain")}
    rows = [r["noisy"][:SHOW], r["denoised"][:SHOW], r["plain"][:SHOW], x[:SHOW]]
    st.plotly_chart(image_rows(rows, ds.shape, ["noisy input", "denoising AE", "plain AE", "clean"]))
    m = st.columns(3)
    m[0].metric("Noisy input (PSNR)", _db(means["noisy"]), help=f"Mean over {len(x)} held-out images.")
    for col, key, label in ((m[1], "denoised", "Denoising AE"), (m[2], "plain", "Plain AE")):
        gain = means[key] - means["noisy"]
        col.metric(label, _db(means[key]), delta=None if math.isinf(gain) else f"{gain:+.1f} dB vs noisy")
    if not means["denoised"] > means["plain"]:
        own = kind == pair.noise and abs(level - pair.noise_level) < 0.1
        why = ("even at the noise it was trained on: it may need more epochs or a wider code" if own else
               "a denoiser learns the corruption it was trained on, and at another level or kind it may smooth "
               "away detail the plain model keeps")
        st.info(f"Here the denoising autoencoder does **not** beat the plain one ({_db(means['denoised'])} vs "
                f"{_db(means['plain'])}): {why}. That is a real result, not a bug — see the curve below.")
    curve = dl.pair_curve(pair, x, kind)
    series = {"noisy input": dl.finite_or_none(curve["noisy"]), "denoising AE": dl.finite_or_none(curve["denoised"]),
              "plain AE": dl.finite_or_none(curve["plain"])}
    fig = curves(curve["levels"], series, f"PSNR against {NOISE_TITLES[kind]} noise level (higher is better)",
                 "noise level", "mean PSNR (dB)", dashed=("noisy input",))
    fig.add_vline(x=level, line_dash="dot", line_color="#888", annotation_text="shown above")
    st.plotly_chart(fig)
    worse = dl.losing_levels(curve)
    notes = [f"Mean PSNR over {len(x)} held-out images at each level; the same noisy images go into both models."]
    if any(math.isinf(v) for v in curve["noisy"]):
        notes.append("At level 0 the input is the clean image itself (PSNR = ∞), so its line starts at the next level.")
    if worse:
        notes.append(f"The denoising AE does not beat the plain AE at level{'s' * (len(worse) > 1)} "
                     f"{', '.join(f'{v:g}' for v in worse)}.")
    st.caption(" ".join(notes))
