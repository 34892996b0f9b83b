"""The Super-resolution page's helpers: its own session-state slot (the Train page's model is never replaced),
training the model live in a shared training slot, and the views of what it restores."""
from __future__ import annotations

import numpy as np
import streamlit as st

from aelib.data import IMAGE_SETS, Dataset
from aelib.labs import superres as sr
from aelib.labs.superres_plots import psnr_scatter
from aelib.plots import image_rows
from appkit.i18n import current_lang, dataset_title, explain, tr
from appkit.lab import Lab

RESULT = "aelab_superres"
LAB = Lab("superres")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
SHOW = 8  # test images per row
N_EVAL = 500  # held-out images the PSNRs are averaged over


def get_result() -> sr.SuperRes | None:
    return st.session_state.get(RESULT)


def training_inputs(disabled: bool) -> tuple[str, int, int]:
    """(dataset, scale, epochs) as chosen."""
    c = st.columns([2, 2, 1])  # the dataset's and the scale's names whole on a 1024-px screen
    names = {k: dataset_title(k) for k in IMAGE_SETS}  # built here: format_func runs outside the script
    scales = {s: tr("superres.scale_option", s=s) for s in sr.SCALES}
    name = c[0].selectbox(tr("superres.data"), IMAGE_SETS, key="sr_dataset", disabled=disabled,
                          format_func=names.__getitem__)
    scale = c[1].selectbox(tr("superres.scale"), list(sr.SCALES), key="sr_scale", disabled=disabled,
                           format_func=scales.__getitem__, help=tr("superres.scale_help"))
    epochs = c[2].number_input(tr("superres.epochs"), 1, 100, step=1, key="sr_epochs", disabled=disabled,
                               help=tr("superres.epochs_help"))
    return name, int(scale), int(epochs)


def train_new(settings: tuple[str, int, int], seed: int = 0) -> None:
    """sr.fit() on the server, followed with a progress bar. A failure leaves a message and the page's
    previous model (if any) in place."""
    name, scale, epochs = settings
    ds = load(name)
    if ds is None:
        return
    try:
        cfg, tcfg = sr.SuperResConfig(ds.shape, scale), sr.train_config(epochs, seed)
    except ValueError as err:
        fail(explain(err))
        return
    LAB.run(lambda report: sr.fit(ds, cfg, tcfg, report, progress_every_s=0.3))


@LAB.inputs_of
def inputs_of(result: sr.SuperRes) -> dict:
    """The training inputs that made the model."""
    scale, epochs = result.model.cfg.scale, len(result.history)
    if result.dataset not in IMAGE_SETS or scale not in sr.SCALES or not 1 <= epochs <= 100:
        return {}
    return {"sr_dataset": result.dataset, "sr_scale": scale, "sr_epochs": epochs}


@LAB.keeper
def keep(result: sr.SuperRes) -> None:
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
    labels = [tr("superres.row_low", h=h, w=w), tr("superres.row_bicubic"), tr("superres.row_model"),
              tr("superres.row_original")]
    st.plotly_chart(image_rows(rows, ds.shape, labels))
    st.caption(tr("superres.rows_caption", h=h, w=w, s=s))
    means = {m: float(np.mean(r[f"psnr_{m}"])) for m in sr.METHODS}
    m = st.columns(3)
    m[0].metric(tr("superres.metric_nearest"), f"{means['nearest']:.1f} dB")
    m[1].metric(tr("superres.metric_bicubic"), f"{means['bicubic']:.1f} dB",
                delta=tr("superres.delta_vs_repeated", d=f"{means['bicubic'] - means['nearest']:+.1f}"))
    m[2].metric(tr("superres.metric_model"), f"{means['model']:.1f} dB",
                delta=tr("superres.delta_vs_bicubic", d=f"{means['model'] - means['bicubic']:+.1f}"))
    wins = float(np.mean(r["psnr_model"] > r["psnr_bicubic"]))
    gain = means["model"] - means["bicubic"]
    if gain <= 0:
        st.warning(tr("superres.behind", model=f"{means['model']:.1f}", bicubic=f"{means['bicubic']:.1f}"))
    elif gain < 2:
        st.info(tr("superres.small_gain", gain=f"{gain:.1f}"))
    st.plotly_chart(psnr_scatter(r["psnr_bicubic"], r["psnr_model"], s, lang=current_lang()))
    st.caption(tr("superres.scatter_caption", n=len(x), wins=f"{wins:.0%}", epochs=len(result.history),
                  seconds=f"{result.seconds:.0f}", device=result.device))
