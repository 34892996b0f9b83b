"""The job runner a server process owns: it trains learners' runs in worker threads under the process's training
slots, commits every epoch (stats, weights, replay snapshot and a renewed lease) to the store, renews the leases of
its live jobs from a heartbeat thread, and trains each run identity once: a request whose identity is finished
elsewhere is copied at once (reused), one that is training now is followed. Several processes may share one
database: the store's unique claim decides which trains, and a stop asked through the store reaches the owner."""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import summarize, training_split
from aelib.i18n import Words
from aelib.jobs import Slots, digest
from aelib.models import Autoencoder, ModelConfig, build_model
from aelib.models.pretrain import PretrainStats
from aelib.replay import REPLAY_POINTS, snapshot_epochs
from aelib.runs.stored import REPLAY, codes_blob, weights_blob, words_json
from aelib.store import LEASE_SECONDS, LeaseLost, Status, Store, identity_of
from aelib.train import EarlyStop, EpochStats, Preparing, Progress, TimeUp, TrainConfig, TrainingDiverged, pick_device
from aelib.train import train as train_steps

log = logging.getLogger(__name__)

# part of every run identity: raise it with any change that makes the same request train to a different model, so
# runs stored by an older AE Lab are not reused as if the new one had trained them
TRAINING_VERSION = "2026.12"
DEVICE_KEYS = {"cpu": "training.device.cpu", "cuda": "training.device.cuda", "mps": "training.device.mps"}


def identity(ds: Dataset, model_config: ModelConfig, train_config: TrainConfig) -> str:
    """What determines a run's result: the data and its split (their bytes), both configs, the seed (in the
    training config), the device type and TRAINING_VERSION. Equal identities train to the same model."""
    return identity_of({
        "dataset": ds.name, "data": [digest(ds.x_train), digest(ds.x_test), digest(np.asarray(ds.y_train)),
                                     digest(np.asarray(ds.y_test))],
        "model": model_config.to_dict(), "train": asdict(train_config),
        "device": pick_device(train_config.device).type, "version": TRAINING_VERSION})


@dataclass(frozen=True)
class Ask:
    """What a learner asks the runner to train: in their workspace, on a dataset, with these configs."""

    workspace: str
    ds: Dataset
    model_config: ModelConfig
    train_config: TrainConfig
    name: str = ""
    data_dir: str | None = None  # where a downloaded set was read from (kept with the run, not in its identity)


@dataclass(frozen=True)
class Started:
    """The learner's run (in their workspace) and how it came about: "trained" (a new job), "following" (the same
    identity is training now, for someone else) or "reused" (it had finished: a copy, at once)."""

    run_id: str
    how: str


@dataclass
class Job:
    """A training this process runs, as far as it has gone (read by view() from any thread)."""

    run_id: str
    workspace: str
    ask: Ask
    stop: threading.Event = field(default_factory=threading.Event)
    epochs_done: int = 0
    into_epoch: float = 0.0  # fraction of the running epoch done
    phase: Words | str | None = None  # waiting for a slot, preparing, pretraining: None once epochs run
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class View:
    """Where a run is, for a page that follows it: its status, epochs committed and planned, how far into the
    running epoch, and what it is doing before its epochs start."""

    status: Status
    epochs_done: int
    epochs: int
    into_epoch: float = 0.0
    phase: Words | str | None = None
    here: bool = False  # trained by this process (else followed through the store)


class Runner:
    """One per server process and store. workers: threads that may hold jobs; slots: shared with the process's
    other trainings (at most that many train at once, the rest wait)."""

    def __init__(self, store: Store, slots: Slots, workers: int = 32,
                 lease_seconds: float = LEASE_SECONDS, owner: str | None = None):
        self.store, self.slots, self.lease_seconds = store, slots, lease_seconds
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="aelab-train")
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._heart = threading.Thread(target=self._heartbeat, name="aelab-lease", daemon=True)
        self._heart.start()

    # asking -------------------------------------------------------------------------------------------------------
    def submit(self, ask: Ask, fresh: bool = False) -> Started:
        """Start the learner's run. Unless fresh ("train my own"), a finished run of the same identity anywhere is
        copied into the workspace at once and a running one is followed; otherwise this process trains it."""
        ident = identity(ask.ds, ask.model_config, ask.train_config)
        for _ in range(3):  # the holder may end between our look and our step
            if not fresh:
                held = self.store.claimed(ident)
                try:
                    if held is not None and held.status == Status.FINISHED:
                        return Started(self.store.reuse(ask.workspace, held.run_id, ask.name), "reused")
                    if held is not None and held.status == Status.RUNNING:
                        return Started(self.store.follow(ask.workspace, held.run_id, ask.name), "following")
                except LookupError:
                    continue
            kept = {**asdict(ask.train_config), **({"data_dir": ask.data_dir} if ask.data_dir else {})}
            run_id = self.store.save_run(ask.workspace, ask.ds.name, ask.model_config, kept,
                                         identity=ident, name=ask.name, owner=self.owner,
                                         lease_seconds=self.lease_seconds)
            if not fresh and self.store.claim(run_id, self.owner, self.lease_seconds) != run_id:
                self.store.delete_run(ask.workspace, run_id)  # another process won the race: follow or reuse it
                continue
            job = Job(run_id, ask.workspace, ask)
            with self._lock:
                self.jobs[run_id] = job
            self.pool.submit(self._run, job)
            return Started(run_id, "trained")
        raise RuntimeError("could not start the run: its identity kept changing hands")

    def stop(self, workspace: str, run_id: str) -> bool:
        """Stop a run: a follower stops following (keeping the epochs so far); a training stops after its current
        step, here or, through the store, in the process that owns it. False if it was not running."""
        if self.store.detach(workspace, run_id):
            return True
        job = self.jobs.get(run_id)
        if job is not None and job.workspace == workspace:
            job.stop.set()
            return True
        return self.store.ask_stop(workspace, run_id)

    def view(self, workspace: str, run_id: str) -> View | None:
        """Where the learner's run is (following its source while it follows one); None if there is no such run."""
        record = self.store.get_run(workspace, run_id)
        if record is None:
            return None
        epochs = int(record.train_config.get("epochs", 0))
        if record.status != Status.RUNNING:
            return View(record.status, len(self.store.epochs(workspace, run_id)), epochs)
        job = self.jobs.get(self.store.source_of(workspace, run_id) or run_id)
        if job is not None and not job.done.is_set():
            return View(Status.RUNNING, job.epochs_done, epochs, job.into_epoch, job.phase, here=True)
        return View(Status.RUNNING, len(self.store.epochs(workspace, run_id)), epochs)

    def wait(self, run_id: str, timeout: float | None = None) -> bool:
        """Block until this process's job run_id has ended (for the CLI and tests); False on timeout."""
        job = self.jobs.get(run_id)
        return True if job is None else job.done.wait(timeout)

    def close(self) -> None:
        """Stop every live job (each ends as stopped, keeping its epochs) and the heartbeat."""
        for job in list(self.jobs.values()):
            job.stop.set()
        self.pool.shutdown(wait=True)
        self._closed.set()

    # the work -----------------------------------------------------------------------------------------------------
    def _run(self, job: Job) -> None:
        try:
            job.phase = Words("training.waiting_slot")
            with self.slots.held(job.stop) as held:
                if not held:
                    self._end(job, None, [], Status.STOPPED, Words("runs.stopped_waiting"))
                    return
                self._train(job)
        except LeaseLost:
            log.info("run %s is no longer ours (deleted, taken over or expired)", job.run_id)
        except Exception:
            log.exception("training run %s failed", job.run_id)
            try:
                self.store.finish_run(job.run_id, Status.FAILED, {"message": words_json(Words("runs.failed"))},
                                      self.owner)
            except Exception:
                log.exception("could not mark run %s failed", job.run_id)
        finally:
            job.done.set()
            with self._lock:
                self.jobs.pop(job.run_id, None)

    def _train(self, job: Job) -> None:
        ask, tcfg = job.ask, job.ask.train_config
        job.phase = Words("training.starting")
        model = build_model(ask.model_config, seed=tcfg.seed)
        x_tr, y_tr, x_val, y_val, val_name = training_split(ask.ds, tcfg)
        snap_at = snapshot_epochs(tcfg.epochs)
        x_snap, y_snap = ask.ds.x_test[:REPLAY_POINTS], ask.ds.y_test[:REPLAY_POINTS]
        self._snapshot(job, model, 0, x_snap, y_snap)  # the untrained model: the replay's first frame
        history: list[EpochStats] = []
        early = time_up = None
        status, message = Status.FINISHED, None
        try:
            for ev in train_steps(model, x_tr, x_val, tcfg, progress_every_s=0.3, y_train=y_tr, y_val=y_val):
                if job.stop.is_set():
                    status = Status.STOPPED
                    message = Words("state.stopped_after", done=len(history), epochs=tcfg.epochs)
                    break
                if isinstance(ev, PretrainStats):
                    job.phase = Words("training.pretraining", layer=ev.layer, layers=ev.layers, epoch=ev.epoch,
                                      epochs=ev.epochs, loss=f"{ev.loss:.4f}")
                elif isinstance(ev, Preparing):
                    job.phase = None if ev.done else ev.words
                elif isinstance(ev, EarlyStop):
                    early = ev
                elif isinstance(ev, TimeUp):
                    time_up = ev
                elif isinstance(ev, Progress):
                    job.phase, job.into_epoch = None, ev.batch / ev.n_batches
                elif isinstance(ev, EpochStats):
                    history.append(ev)
                    snapshot = None
                    if ev.epoch in snap_at:
                        snapshot = codes_blob(infer.encode(model, x_snap, y_snap))
                    self.store.append_epoch(job.run_id, ev.epoch, asdict(ev), self.owner, weights=weights_blob(model),
                                            lease_seconds=self.lease_seconds)
                    if snapshot is not None:
                        self._put(job, f"{REPLAY}{ev.epoch}", snapshot)
                    job.phase, job.epochs_done, job.into_epoch = None, len(history), 0.0
        except TrainingDiverged as err:
            status, message = Status.FAILED, err.words
        if history and f"{REPLAY}{history[-1].epoch}" not in self._kinds(job):  # early stopping: the kept weights
            self._snapshot(job, model, history[-1].epoch, x_snap, y_snap)
        if status == Status.FINISHED:
            device = Words(DEVICE_KEYS[pick_device(tcfg.device).type])
            message = Words("training.finished", n=len(history), s=f"{sum(h.seconds for h in history):.1f}",
                            device=device)
            if early is not None:
                message = Words("training.finished_early", finished=message, early=Words(
                    "training.early_stop", patience=early.patience, epoch=early.epoch, best=early.best_epoch))
            if time_up is not None:
                status, message = Status.STOPPED, time_up.words
        self._end(job, model if history else None, history, status, message, val_name)

    def _end(self, job: Job, model: Autoencoder | None, history: list[EpochStats], status: Status,
             message: Words | str | None, val_name: str = "test") -> None:
        summary: dict = {"message": words_json(message or ""), "val_name": val_name,
                         "seconds": sum(h.seconds for h in history)}
        if model is not None:
            summary.update(summarize(model, job.ask.ds, history, job.ask.train_config.seed))
        elif status == Status.FINISHED:
            status = Status.FAILED
        self.store.finish_run(job.run_id, status, summary, self.owner,
                              weights=None if model is None else weights_blob(model))

    def _snapshot(self, job: Job, model: Autoencoder, epoch: int, x: np.ndarray, y: np.ndarray) -> None:
        self._put(job, f"{REPLAY}{epoch}", codes_blob(infer.encode(model, x, y)))

    def _put(self, job: Job, kind: str, data: bytes) -> None:
        self.store.put_blob(job.run_id, kind, data, self.owner, lease_seconds=self.lease_seconds)

    def _kinds(self, job: Job) -> list[str]:
        return self.store.blob_kinds(job.workspace, job.run_id, REPLAY)

    def _heartbeat(self) -> None:
        """Renew every live job's lease, pass on stops asked through the store, and mark runs whose owner stopped
        renewing as interrupted, a few times per lease."""
        while not self._closed.wait(self.lease_seconds / 4):
            with self._lock:
                live = [j for j in self.jobs.values() if not j.done.is_set()]
            try:
                asked = self.store.stops_asked([j.run_id for j in live])
                for job in live:
                    if job.run_id in asked:
                        job.stop.set()
                for job in live:
                    if not self.store.renew(job.run_id, self.owner, self.lease_seconds):
                        job.stop.set()  # not ours any more: the training thread finds out at its next commit
                # any process's heartbeat ends the runs of a process that vanished (a killed replica): marked
                # interrupted at their last epoch, so the learners following them on this process see it end
                self.store.expire_stale()
            except Exception:
                log.exception("lease heartbeat failed; retrying")
