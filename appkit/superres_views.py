"""The Super-resolution page's helpers: its own session-state slot (the Train page's model is never replaced),
training the model live in a shared training slot, and the views of what it restores."""
from __future__ import annotations

import numpy as np
import streamlit as st

from aelib import superres as sr
from aelib.data import DATASETS, Dataset
from aelib.plots import image_rows
from aelib.superres_plots import psnr_scatter
from appkit.lab import Lab

RESULT = "aelab_superres"
LAB = Lab("superres")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]
SHOW = 8  # test images per row
N_EVAL = 500  # held-out images the PSNRs are averaged over


def get_result() -> sr.SuperRes | None:
    return st.session_state.get(RESULT)


def training_inputs(disabled: bool) -> tuple[str, int, int]:
    """(dataset, scale, epochs) as chosen."""
    c = st.columns(3)
    name = c[0].selectbox("Data", IMAGE_SETS, key="sr_dataset", disabled=disabled,
                          format_func=lambda k: DATASETS[k].title)
    scale = c[1].selectbox("Shrink by", list(sr.SCALES), key="sr_scale", disabled=disabled,
                           format_func=lambda s: f"×{s}: each {s}×{s} block becomes one pixel",
                           help="Each low-resolution pixel is the average of its block: ×2 takes MNIST's 28×28 to "
                                "14×14, ×4 to 7×7.")
    epochs = c[2].number_input("Epochs", 1, 100, step=1, key="sr_epochs", disabled=disabled,
                               help="About 5 seconds an epoch for ×2 on MNIST on a laptop CPU; ×4 is faster.")
    return name, int(scale), int(epochs)


def train_new(settings: tuple[str, int, int], seed: int = 0) -> None:
    """sr.fit() in a shared training slot with a progress bar. A failure leaves a message and the page's
    previous model (if any) in place."""
    name, scale, epochs = settings
    ds = load(name)
    if ds is None:
        return
    try:
        cfg, tcfg = sr.SuperResConfig(ds.shape, scale), sr.train_config(epochs, seed)
    except ValueError as err:
        fail(str(err))
        return
    result = LAB.run(lambda report: sr.fit(ds, cfg, tcfg, report, progress_every_s=0.3))
    if result is not None:
        st.session_state[RESULT] = result


def _restored(result: sr.SuperRes, ds: Dataset) -> dict[str, np.ndarray]:
    """sr.restore() on the first N_EVAL held-out images, computed once per model."""
    if "eval" not in result.cache:
        result.cache["eval"] = sr.restore(result, ds.x_test[:N_EVAL])
    return result.cache["eval"]


def show(result: sr.SuperRes, ds: Dataset) -> None:
    """The image rows, the mean PSNRs and the per-image comparison with bicubic."""
    r, x, s = _restored(result, ds), ds.x_test[:N_EVAL], result.scale
    _, h, w = result.model.cfg.low_shape
    rows = [r["nearest"][:SHOW], r["bicubic"][:SHOW], r["model"][:SHOW], x[:SHOW]]
    st.plotly_chart(image_rows(rows, ds.shape, [f"low-res {h}×{w}", "bicubic", "model", "original"]))
    st.caption(f"Top row: the {h}×{w} input each method starts from, drawn with every pixel repeated {s}×{s} "
               "times (nearest-neighbour), so it is shown at the same size.")
    means = {m: float(np.mean(r[f"psnr_{m}"])) for m in sr.METHODS}
    m = st.columns(3)
    m[0].metric("Pixels repeated (PSNR)", f"{means['nearest']:.1f} dB")
    m[1].metric("Bicubic (PSNR)", f"{means['bicubic']:.1f} dB",
                delta=f"{means['bicubic'] - means['nearest']:+.1f} dB vs repeated")
    m[2].metric("Model (PSNR)", f"{means['model']:.1f} dB",
                delta=f"{means['model'] - means['bicubic']:+.1f} dB vs bicubic")
    wins = float(np.mean(r["psnr_model"] > r["psnr_bicubic"]))
    gain = means["model"] - means["bicubic"]
    if gain <= 0:
        st.warning(f"The model does **not** beat bicubic upsampling yet ({means['model']:.1f} vs "
                   f"{means['bicubic']:.1f} dB): train it for more epochs. Bicubic is a strong baseline.")
    elif gain < 2:
        st.info(f"The model beats bicubic by only {gain:.1f} dB so far; a few more epochs usually add more.")
    st.plotly_chart(psnr_scatter(r["psnr_bicubic"], r["psnr_model"], s))
    st.caption(f"Mean PSNR over {len(x)} held-out images the model never trained on. It restores {wins:.0%} of "
               f"them better than bicubic. Bicubic: torch's `interpolate(mode='bicubic', align_corners=False)`, "
               f"clipped to [0, 1]. Trained for {len(result.history)} epochs in {result.seconds:.0f} s on "
               f"{result.device}.")
