"""Drives aelib's training generator from a page: one training slot per run, live placeholders updated
every epoch (and a few times a second inside long epochs), the run saved to session state as it goes."""
from __future__ import annotations

import time

import streamlit as st

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import history_dicts, summarize, training_split
from aelib.i18n import Words
from aelib.models import build_model
from aelib.models.pretrain import PretrainStats
from aelib.plots import image_rows, loss_curves, series_rows, split_name, term_titles
from aelib.replay import REPLAY_POINTS, snapshot_epochs
from aelib.train import EarlyStop, EpochStats, Preparing, Progress, TimeUp, TrainingDiverged, pick_device, train
from appkit import resources
from appkit.i18n import current_lang, explain, in_lang, plain, tr
from appkit.state import Run, get_run, give_back_previous, set_run

PREVIEW = 10  # test samples shown as originals vs reconstructions


# torch device types in words (table keys)
DEVICE_KEYS = {"cpu": "training.device.cpu", "cuda": "training.device.cuda", "mps": "training.device.mps"}


def show_results(run: Run, ds: Dataset, curves=None, grid=None) -> None:
    """Loss curves and the originals-vs-reconstructions grid, into placeholders or the page."""
    lang = current_lang()
    loss = tr("controls.recon_bce") if run.model_cfg.recon_loss == "bce" else tr("controls.recon_mse")
    split = split_name(run.val_name, lang=lang)
    with (curves or st).container():
        st.plotly_chart(loss_curves(history_dicts(run.history), run.val_name, lang=lang))
        extra = [term for term in run.history[-1].train if term not in ("loss", "recon")] if run.history else []
        if extra:
            titles = term_titles(lang=lang)
            terms = tr("training.and").join(plain(titles.get(term, term)) for term in extra)  # a file's names: text
            st.caption(tr("training.loss_caption_terms", loss=loss, n=ds.input_dim, terms=terms, split=split))
        else:
            st.caption(tr("training.loss_caption", loss=loss, n=ds.input_dim, split=split))
    x, y = ds.x_test[:PREVIEW], ds.y_test[:PREVIEW]
    x_hat = infer.reconstruct(run.model, x, y)
    with (grid or st).container():
        if ds.kind == "sequence":
            st.plotly_chart(series_rows(x[:6], x_hat[:6], ds.shape, lang=lang))
        else:
            st.plotly_chart(image_rows([x, x_hat], ds.shape, [tr("plots.original"), tr("plots.reconstruction")]))
        if ds.kind == "table":
            st.caption(tr("training.table_caption", n=ds.input_dim))


def _progress_text(run: Run, epoch: int, fraction: float, t0: float, t_epochs: float | None = None) -> str:
    """The bar's text: time since t0, and the time left estimated from the epochs' pace since t_epochs (after any
    set-up such as a kNN graph; t0 when there was none)."""
    now = time.perf_counter()
    elapsed = now - t0
    left = tr("training.estimating")
    if fraction > 0:
        left = tr("training.time_left", s=f"{(now - (t_epochs or t0)) / fraction * (1 - fraction):.0f}")
    return tr("training.progress", epoch=epoch, epochs=run.train_cfg.epochs, elapsed=f"{elapsed:.0f}", left=left)


def acquire_slot(status) -> object:
    slots = resources.training_slots()
    while not slots.acquire(timeout=0.5):
        status.info(tr("training.waiting_slot"))
    status.empty()
    return slots


def run_training(run: Run, ds: Dataset) -> None:
    """Train run.model_cfg on ds, updating the page live. Stop and page changes interrupt this at the
    next Streamlit call; the run in session state then keeps the last epoch's weights."""
    status, bar, curves, grid = st.empty(), st.progress(0.0, text=tr("training.starting")), st.empty(), st.empty()
    slots = acquire_slot(status)
    try:
        run.model = build_model(run.model_cfg, seed=run.train_cfg.seed)
        x_tr, y_tr, x_val, y_val, run.val_name = training_split(ds, run.train_cfg)
        previous = get_run()
        run.previous = previous if previous is None or previous.history else previous.previous
        set_run(run)
        t0, epochs = time.perf_counter(), run.train_cfg.epochs
        bar.progress(0.0, text=_progress_text(run, 1, 0.0, t0))
        snap_at, x_snap, y_snap = snapshot_epochs(epochs), ds.x_test[:REPLAY_POINTS], ds.y_test[:REPLAY_POINTS]
        run.snapshots = [(0, infer.encode(run.model, x_snap, y_snap))]
        early, t_epochs, time_up = None, None, None
        for ev in train(run.model, x_tr, x_val, run.train_cfg, progress_every_s=0.3, y_train=y_tr, y_val=y_val):
            if isinstance(ev, PretrainStats):
                bar.progress(0.0, text=tr("training.pretraining", layer=ev.layer, layers=ev.layers, epoch=ev.epoch,
                                          epochs=ev.epochs, loss=f"{ev.loss:.4f}"))
            elif isinstance(ev, Preparing):
                bar.progress(0.0, text=in_lang(ev.words))
                t_epochs = time.perf_counter() if ev.done else None
            elif isinstance(ev, EarlyStop):
                early = ev
            elif isinstance(ev, TimeUp):
                time_up = ev
            elif isinstance(ev, Progress):
                frac = (ev.epoch - 1 + ev.batch / ev.n_batches) / epochs
                bar.progress(frac, text=_progress_text(run, ev.epoch, frac, t0, t_epochs))
            elif isinstance(ev, EpochStats):
                run.history.append(ev)
                if ev.epoch in snap_at:
                    run.snapshots.append((ev.epoch, infer.encode(run.model, x_snap, y_snap)))
                bar.progress(ev.epoch / epochs, text=_progress_text(run, ev.epoch, ev.epoch / epochs, t0, t_epochs))
                show_results(run, ds, curves, grid)
        if run.history and run.snapshots[-1][0] != run.history[-1].epoch:  # early stopping ended it: the kept weights
            run.snapshots.append((run.history[-1].epoch, infer.encode(run.model, x_snap, y_snap)))
        # kept as Words, so the message follows the learner's language when it is shown again
        device = Words(DEVICE_KEYS[pick_device(run.train_cfg.device).type])
        run.status, run.message = "finished", Words("training.finished", n=len(run.history), s=f"{run.seconds:.1f}",
                                                    device=device)
        if early is not None:
            run.message = Words("training.finished_early", finished=run.message, early=Words(
                "training.early_stop", patience=early.patience, epoch=early.epoch, best=early.best_epoch))
        if time_up is not None:  # the server's wall-time cap ended it: a stopped run, saying why
            run.status, run.message = "stopped", time_up.words
    except TrainingDiverged as err:
        run.status, run.message = "diverged", err.words
    finally:
        slots.release()
    if not run.history:
        give_back_previous(run, in_lang(run.message), "error")
        return
    run.previous = None  # this run now has weights worth keeping; free the old model
    run.summary = summarize(run.model, ds, run.history, run.train_cfg.seed)


def ensure_summary(run: Run, ds: Dataset) -> dict | None:
    """A stopped run has no summary yet: compute it once (about a second)."""
    if run.summary is None and run.history and run.status != "training":
        with st.spinner(tr("training.measuring")):
            run.summary = summarize(run.model, ds, run.history, run.train_cfg.seed)
    return run.summary


def on_request(run: Run, key: str, label: str, work):
    """The result of an extra computation a family's view offers (a contrast model, a sweep): computed when
    the learner presses its button, with a progress bar and a training slot, then kept with the run.
    `work(report)` gets report(fraction, text). None until then, or if it failed (the message is shown)."""
    if key in run.extras:
        return run.extras[key]
    button = st.empty()
    if not button.button(label, key=f"extra_{key}"):
        return None
    button.empty()
    bar = st.progress(0.0, text=label)
    slots = acquire_slot(st.empty())
    try:
        result = work(lambda fraction, text: bar.progress(min(fraction, 1.0), text=text))
    except (TrainingDiverged, ValueError) as err:
        st.error(explain(err))
        return None
    finally:
        slots.release()
    bar.empty()
    run.extras[key] = result
    return result
