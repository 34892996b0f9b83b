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
from aelib.train.pace import epoch_samples, expected_seconds, run_pace, seconds_left
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


class Clock:
    """A run's times as the learner sees them: since the press, since the epochs began (after any set-up such as a
    kNN graph), and each finished epoch's wall time including the page's own updates."""

    def __init__(self, prior: float | None = None, cap: float = float("inf")):
        self.t0 = self.t_epochs = self.last = time.perf_counter()
        self.epochs: list[float] = []
        self.prior, self.cap = prior, cap  # a time per epoch measured on earlier runs; the run's wall-time cap

    def epochs_begin(self) -> None:
        self.t_epochs = self.last = time.perf_counter()

    def epoch_done(self) -> None:
        now = time.perf_counter()
        self.epochs.append(now - self.last)
        self.last = now

    def left(self, epochs: int, into_epoch: float) -> float | None:
        """Seconds left: the epochs to run × a robust recent epoch time (aelib.train.pace.seconds_left); before any
        epoch has finished and without a prior, the running epoch's own pace."""
        now = time.perf_counter()
        left = seconds_left(self.epochs, epochs, into_epoch, self.prior)
        if left is None and into_epoch > 0:
            left = (now - self.last) / into_epoch * (epochs - into_epoch)
        return None if left is None else min(left, max(self.cap - (now - self.t_epochs), 0.0))


def _progress_text(run: Run, epoch: int, clock: Clock, into_epoch: float = 0.0) -> str:
    """The bar's text: time since the press, and the time left."""
    left = clock.left(run.train_cfg.epochs, into_epoch)
    left = tr("training.estimating") if left is None else tr("training.time_left", s=f"{left:.0f}")
    return tr("training.progress", epoch=epoch, epochs=run.train_cfg.epochs,
              elapsed=f"{time.perf_counter() - clock.t0:.0f}", left=left)


class _Held:
    """A training slot held by one run: release() gives it back and stops counting the run as training."""

    def __init__(self, slots, pace: resources.Pace):
        self._slots, self._pace = slots, pace
        pace.count("training", 1)

    def release(self) -> None:
        self._pace.count("training", -1)
        self._slots.release()


def acquire_slot(status) -> _Held:
    """Wait for a training slot (saying so, and counted as waiting in the server's record); call release()."""
    slots, pace = resources.training_slots(), resources.pace()
    with pace.counting("waiting"):
        while not slots.acquire(timeout=0.5):
            status.info(tr("training.waiting_slot"))
    status.empty()
    return _Held(slots, pace)


def expected(model: str, dataset: str, samples: int, epochs: int, cap: float = float("inf")) -> str:
    """How long such a run should take here, in words: from this server's recent runs of the family on the dataset
    and the runs ahead in the queue; or that there is no measurement yet."""
    record = resources.pace()
    guess = expected_seconds(samples, epochs, record.pace(model, dataset), record.ahead(), resources.SLOTS, cap)
    if guess is None:
        return tr("train.expect_unmeasured")
    text = tr("train.expect", s=f"{max(guess[0], 1):.0f}")
    return text + (tr("train.expect_queue", n=record.ahead(), s=f"{guess[1]:.0f}") if guess[1] else "")


def run_training(run: Run, ds: Dataset) -> None:
    """Train run.model_cfg on ds, updating the page live. Stop and page changes interrupt this at the
    next Streamlit call; the run in session state then keeps the last epoch's weights."""
    status, bar, curves, grid = st.empty(), st.progress(0.0, text=tr("training.starting")), st.empty(), st.empty()
    slots, clock, samples = acquire_slot(status), Clock(), 0
    try:
        run.model = build_model(run.model_cfg, seed=run.train_cfg.seed)
        x_tr, y_tr, x_val, y_val, run.val_name = training_split(ds, run.train_cfg)
        previous = get_run()
        run.previous = previous if previous is None or previous.history else previous.previous
        set_run(run)
        epochs, record = run.train_cfg.epochs, resources.pace()
        samples = epoch_samples(len(x_tr), run.train_cfg)
        known = record.pace(run.model_cfg.model, run.dataset)  # earlier runs' pace: the first epochs' estimate
        clock = Clock(samples / known if known else None, run.train_cfg.max_seconds)
        bar.progress(0.0, text=_progress_text(run, 1, clock))
        snap_at, x_snap, y_snap = snapshot_epochs(epochs), ds.x_test[:REPLAY_POINTS], ds.y_test[:REPLAY_POINTS]
        run.snapshots = [(0, infer.encode(run.model, x_snap, y_snap))]
        early, time_up = None, None
        for ev in train(run.model, x_tr, x_val, run.train_cfg, progress_every_s=0.3, y_train=y_tr, y_val=y_val):
            if isinstance(ev, PretrainStats):
                bar.progress(0.0, text=tr("training.pretraining", layer=ev.layer, layers=ev.layers, epoch=ev.epoch,
                                          epochs=ev.epochs, loss=f"{ev.loss:.4f}"))
            elif isinstance(ev, Preparing):
                bar.progress(0.0, text=in_lang(ev.words))
                if ev.done:
                    clock.epochs_begin()
            elif isinstance(ev, EarlyStop):
                early = ev
            elif isinstance(ev, TimeUp):
                time_up = ev
            elif isinstance(ev, Progress):
                into = ev.batch / ev.n_batches
                bar.progress((ev.epoch - 1 + into) / epochs, text=_progress_text(run, ev.epoch, clock, into))
            elif isinstance(ev, EpochStats):
                run.history.append(ev)
                if ev.epoch in snap_at:
                    run.snapshots.append((ev.epoch, infer.encode(run.model, x_snap, y_snap)))
                show_results(run, ds, curves, grid)
                clock.epoch_done()  # the epoch as the learner waits for it: training, snapshot and charts
                bar.progress(ev.epoch / epochs, text=_progress_text(run, ev.epoch, clock))
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
    if run.history and clock.epochs:  # this server's pace, for the next runs' estimates
        resources.pace().record(run.model_cfg.model, run.dataset, run_pace(clock.epochs, samples))
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


def expected_run(ds: Dataset, mcfg, tcfg) -> str:
    """expected() for the run these configs would start on ds."""
    return expected(mcfg.model, ds.name, epoch_samples(len(ds.x_train), tcfg), tcfg.epochs, tcfg.max_seconds)
