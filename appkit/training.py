"""Drives aelib's training generator from a page: one training slot per run, live placeholders updated
every epoch (and a few times a second inside long epochs), the run saved to session state as it goes."""
from __future__ import annotations

import time

import streamlit as st

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import history_dicts, summarize
from aelib.models import build_model
from aelib.plots import image_rows, loss_curves
from aelib.train import EpochStats, Progress, TrainingDiverged, pick_device, train
from appkit import resources
from appkit.state import Run, get_run, give_back_previous, set_run

PREVIEW = 10  # test samples shown as originals vs reconstructions
DEVICE_NAMES = {"cpu": "the CPU", "cuda": "a CUDA GPU", "mps": "Apple's GPU (MPS)"}


def show_results(run: Run, ds: Dataset, curves=None, grid=None) -> None:
    """Loss curves and the originals-vs-reconstructions grid, into placeholders or the page."""
    loss = "binary cross-entropy" if run.model_cfg.recon_loss == "bce" else "squared error"
    with (curves or st).container():
        st.plotly_chart(loss_curves(history_dicts(run.history)))
        st.caption(f"Loss per sample: the {loss} summed over its {ds.input_dim} values"
                   + (", plus β × KL for a VAE" if run.model_cfg.model == "vae" else "")
                   + ". Held-out samples were never trained on.")
    x = ds.x_test[:PREVIEW]
    with (grid or st).container():
        st.plotly_chart(image_rows([x, infer.reconstruct(run.model, x)], ds.shape, ["original", "reconstruction"]))
        if not ds.is_image:
            st.caption(f"Each block is one held-out sample's {ds.input_dim} values, coloured from 0 (dark) to 1 "
                       "(yellow); the reconstruction should repeat the pattern above it.")


def _progress_text(run: Run, epoch: int, fraction: float, t0: float) -> str:
    elapsed = time.perf_counter() - t0
    left = f"about {elapsed / fraction * (1 - fraction):.0f} s left" if fraction > 0 else "estimating time left…"
    return f"Epoch {epoch} of {run.train_cfg.epochs} · {elapsed:.0f} s elapsed · {left}"


def _acquire_slot(status) -> object:
    slots = resources.training_slots()
    while not slots.acquire(timeout=0.5):
        status.info("Waiting for a free training slot: other learners on this server are training.")
    status.empty()
    return slots


def run_training(run: Run, ds: Dataset) -> None:
    """Train run.model_cfg on ds, updating the page live. Stop and page changes interrupt this at the
    next Streamlit call; the run in session state then keeps the last epoch's weights."""
    status, bar, curves, grid = st.empty(), st.progress(0.0, text="Starting…"), st.empty(), st.empty()
    slots = _acquire_slot(status)
    try:
        run.model = build_model(run.model_cfg, seed=run.train_cfg.seed)
        previous = get_run()
        run.previous = previous if previous is None or previous.history else previous.previous
        set_run(run)
        t0, epochs = time.perf_counter(), run.train_cfg.epochs
        bar.progress(0.0, text=_progress_text(run, 1, 0.0, t0))
        for ev in train(run.model, ds.x_train, ds.x_test, run.train_cfg, progress_every_s=0.3):
            if isinstance(ev, Progress):
                frac = (ev.epoch - 1 + ev.batch / ev.n_batches) / epochs
                bar.progress(frac, text=_progress_text(run, ev.epoch, frac, t0))
            elif isinstance(ev, EpochStats):
                run.history.append(ev)
                bar.progress(ev.epoch / epochs, text=_progress_text(run, ev.epoch, ev.epoch / epochs, t0))
                show_results(run, ds, curves, grid)
        device = DEVICE_NAMES[pick_device(run.train_cfg.device).type]
        run.status, run.message = "finished", f"Finished {epochs} epochs in {run.seconds:.1f} s on {device}."
    except TrainingDiverged as err:
        run.status, run.message = "diverged", str(err)
    finally:
        slots.release()
    if not run.history:
        give_back_previous(run, run.message, "error")
        return
    run.previous = None  # this run now has weights worth keeping; free the old model
    run.summary = summarize(run.model, ds, run.history, run.train_cfg.seed)


def ensure_summary(run: Run, ds: Dataset) -> dict | None:
    """A stopped run has no summary yet: compute it once (about a second)."""
    if run.summary is None and run.history and run.status != "training":
        with st.spinner("Measuring the model on the held-out split…"):
            run.summary = summarize(run.model, ds, run.history, run.train_cfg.seed)
    return run.summary
