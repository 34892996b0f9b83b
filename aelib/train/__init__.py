"""The training loop, as a generator of progress events. Seeds, device choice and the divergence check
live here and only here; stopping early is a `break` in the caller, and the model keeps its weights."""
from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from aelib.i18n import Explained, Words
from aelib.limits import from_env
from aelib.models import Autoencoder


def _run_seconds() -> float:
    return from_env().run_seconds


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3  # Adam's step size
    seed: int = 0  # shuffling order and the VAE's sampling noise
    device: str = "auto"  # "auto" picks cuda, then mps, then cpu
    weight_decay: float = 0.0  # L2: Adam's weight decay
    l1_weight: float = 0.0  # L1 on the weights: adds l1_weight * sum |w| (weight matrices, not biases)
    patience: int = 0  # early stopping: stop after this many epochs without a better validation loss (0: off)
    train_subset: int = 0  # train on only this many samples (0: all) - a tiny set shows overfitting
    pretrain_epochs: int = 0  # greedy layer-wise pretraining epochs per layer before training (dense models)
    # wall-time cap of the run: training stops (keeping its weights) once it has run this long. The default is the
    # visitor limit (aelib.limits, AELAB_MAX_RUN_SECONDS); operator commands and library callers may raise it.
    max_seconds: float = field(default_factory=_run_seconds)

    def __post_init__(self):
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")
        for name in ("weight_decay", "l1_weight", "patience", "train_subset", "pretrain_epochs"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name.replace('_', ' ')} must be >= 0, got {getattr(self, name)}")
        if not self.max_seconds > 0:
            raise ValueError(f"the wall-time cap must be a positive number of seconds, got {self.max_seconds}")


@dataclass(frozen=True)
class EpochStats:
    epoch: int  # 1-based
    epochs: int  # how many were planned
    train: dict[str, float]  # each loss term, averaged over the epoch's samples
    val: dict[str, float]  # the same terms on the held-out split
    seconds: float  # wall time of this epoch, validation included
    samples_per_second: float  # training samples per second of this epoch


@dataclass(frozen=True)
class Progress:
    """Emitted inside an epoch (only when asked for), so a UI can stay responsive on big data."""

    epoch: int
    batch: int
    n_batches: int


@dataclass(frozen=True)
class Preparing:
    """Emitted (only when progress is asked for) before and after a slow one-off set-up, such as umap_ae's kNN
    graph: a UI can say what it waits for, and leave that time out of its estimate of the training's."""

    words: Words  # what is being done, in any language
    done: bool = False


@dataclass(frozen=True)
class EarlyStop:
    """Emitted once when early stopping ends training; the model holds the best epoch's weights."""

    epoch: int  # the last epoch run
    best_epoch: int  # the epoch whose weights were restored
    patience: int


@dataclass(frozen=True)
class TimeUp:
    """Emitted once when the run's wall-time cap (TrainConfig.max_seconds) ends training early; the model keeps
    the weights of its last step, the history its finished epochs."""

    epoch: int  # the epoch that was running
    epochs_done: int
    seconds: float  # how long the run had taken
    limit: float

    @property
    def words(self) -> Words:
        return Words("training.time_up", limit=f"{self.limit:g}", done=self.epochs_done, s=f"{self.seconds:.0f}")


EXPLODED = 100.0  # an epoch whose loss exceeds this multiple of the untrained model's loss has diverged


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded; the model was put back to its last good weights."""

    def __init__(self, epoch: int, good_epoch: int, loss: float | None = None, start: float | None = None):
        seen = Words("error.diverged_seen", loss=f"{loss:.3g}", start=f"{start:.3g}") if loss is not None else ""
        kept = Words("error.diverged_kept", epoch=good_epoch) if good_epoch else Words("error.diverged_none")
        self.words = Words("error.diverged", epoch=epoch, limit=f"{EXPLODED:g}", seen=seen, kept=kept)
        super().__init__(self.words.say())
        self.epoch, self.good_epoch = epoch, good_epoch


def pick_device(name: str = "auto") -> torch.device:
    """cuda if present, then Apple's mps, then cpu; an explicit name must be available. The server's operator can
    make "auto" mean one device with AELAB_DEVICE (e.g. cpu on a box whose GPU is kept for something else)."""
    if name == "auto":
        name = os.environ.get("AELAB_DEVICE", "").strip().lower() or "auto"
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())}
    if name not in available:
        raise ValueError(f"unknown device {name!r}; use auto, cpu, cuda or mps")
    if not available[name]:
        raise Explained("error.device_unavailable", name=repr(name))
    return torch.device(name)


def available_devices() -> list[str]:
    return ["auto"] + [d for d in ("cpu", "cuda", "mps") if d == "cpu" or _is_available(d)]


def _is_available(name: str) -> bool:
    try:
        pick_device(name)
        return True
    except ValueError:
        return False


def set_threads(n: int) -> None:
    """Cap torch's intra-op threads (a shared classroom server runs many sessions in one process)."""
    torch.set_num_threads(max(1, n))


def warm_up() -> None:
    """Pay torch's one-off lazy imports (the first optimizer imports torch._dynamo: ~1.5 s) now, so the
    first Train press of a fresh server answers at once."""
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def as_batch_tensor(model: Autoencoder, x: np.ndarray, device: torch.device) -> torch.Tensor:
    """(N, D) numpy rows -> (N, *input_shape) float32 tensor on `device`."""
    return torch.as_tensor(np.asarray(x, dtype=np.float32), device=device).reshape(-1, *model.cfg.input_shape)


def label_tensor(model: Autoencoder, y: np.ndarray | None, n: int, device: torch.device) -> torch.Tensor | None:
    """Labels as a tensor when the model reads them; a clear error when it needs them and has none."""
    if not model.needs_labels:
        return None
    if y is None or len(y) != n:
        raise ValueError(f"{model.cfg.model} is conditional: it needs one class label per sample")
    if len(y) and (np.min(y) < 0 or np.max(y) >= model.cfg.n_classes):
        raise ValueError(f"labels must lie in 0..{model.cfg.n_classes - 1} for this model")
    return torch.as_tensor(np.asarray(y), dtype=torch.long, device=device)


def _batches(n: int, bs: int, order: torch.Tensor | None = None):
    for start in range(0, n, bs):
        yield order[start:start + bs] if order is not None else slice(start, start + bs)


@torch.no_grad()
def evaluate(model: Autoencoder, x: torch.Tensor, y: torch.Tensor | None = None,
             batch_size: int = 1024) -> dict[str, float]:
    """Every loss term averaged over the samples of x, in eval mode."""
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    for rows in _batches(len(x), batch_size):
        xb = x[rows]
        for k, v in model.loss_terms(xb, None if y is None else y[rows]).items():
            sums[k] = sums.get(k, 0) + v.detach() * len(xb)
    model.train(was_training)
    return {k: float(v) / len(x) for k, v in sums.items()}


def _snapshot(model: Autoencoder) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def weight_l1(model: Autoencoder) -> torch.Tensor:
    """Sum of |w| over the weight matrices and kernels of the encoder and decoder (biases excluded)."""
    ws = [p for m in (model.encoder, model.decoder) for p in m.parameters() if p.dim() > 1]
    return sum(p.abs().sum() for p in ws)


def subset_rows(n: int, k: int, seed: int) -> np.ndarray:
    """k of n row indices, chosen by seed (all of them when k is 0 or at least n)."""
    if not k or k >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, k, replace=False))


def train(model: Autoencoder, x_train: np.ndarray, x_val: np.ndarray, cfg: TrainConfig,
          progress_every_s: float | None = None, y_train: np.ndarray | None = None,
          y_val: np.ndarray | None = None) -> Iterator[EpochStats | Progress | Preparing | EarlyStop | TimeUp]:
    """Train with Adam, yielding EpochStats after every epoch (and Progress every `progress_every_s`
    seconds inside an epoch, if given). Raises TrainingDiverged after restoring the last good weights when
    an epoch's loss is not finite or exceeds EXPLODED times the untrained model's held-out loss. With
    cfg.patience, stops once x_val's loss has not improved for that many epochs, restoring the best weights
    (x_val should then be a validation split, not the test set). Greedy pretraining events come first. Once
    cfg.max_seconds have passed (checked after every step), yields TimeUp and stops, keeping the weights."""
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError("training needs at least one training and one held-out sample")
    began = time.perf_counter()
    device = pick_device(cfg.device)
    model.to(device).train()
    rows = subset_rows(len(x_train), cfg.train_subset, cfg.seed)
    xt, xv = as_batch_tensor(model, x_train[rows], device), as_batch_tensor(model, x_val, device)
    yt = label_tensor(model, None if y_train is None else y_train[rows], len(xt), device)
    yv = label_tensor(model, y_val, len(xv), device)
    model.generator = torch.Generator(device=device).manual_seed(cfg.seed)
    words = None if progress_every_s is None else model.preparing(len(xt))
    if words is not None:
        yield Preparing(words)
    model.prepare(xt)
    if words is not None:
        yield Preparing(words, done=True)
    if cfg.pretrain_epochs:
        from aelib.models.pretrain import greedy_pretrain  # only dense models use it

        yield from greedy_pretrain(model, xt, cfg)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n, bs = len(xt), cfg.batch_size
    n_batches = math.ceil(n / bs)
    good, last_yield = _snapshot(model), time.perf_counter()
    start = evaluate(model, xv, yv)["loss"]
    limit = EXPLODED * max(abs(start), 1.0)
    best, best_epoch, best_state = math.inf, 0, None
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=shuffle).to(device)
        sums: dict[str, torch.Tensor] = {}
        for b, idx in enumerate(_batches(n, bs, perm)):
            if time.perf_counter() - began >= cfg.max_seconds:
                yield TimeUp(epoch, epoch - 1, time.perf_counter() - began, cfg.max_seconds)
                return
            terms = model.loss_terms(xt[idx], None if yt is None else yt[idx])
            if cfg.l1_weight:
                terms["weight_l1"] = weight_l1(model)
                terms["loss"] = terms["loss"] + cfg.l1_weight * terms["weight_l1"]
            opt.zero_grad(set_to_none=True)
            model.backward(terms)
            opt.step()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0) + v.detach() * len(idx)
            if progress_every_s is not None and time.perf_counter() - last_yield >= progress_every_s:
                last_yield = time.perf_counter()
                yield Progress(epoch, b + 1, n_batches)
        train_terms = {k: float(v) / n for k, v in sums.items()}
        train_seconds = time.perf_counter() - t0
        if not all(math.isfinite(v) for v in train_terms.values()) or train_terms["loss"] > limit:
            model.load_state_dict(good)
            raise TrainingDiverged(epoch, epoch - 1, train_terms["loss"], start)
        good = _snapshot(model)
        val_terms = evaluate(model, xv, yv)
        if cfg.l1_weight:  # the same objective on both curves, so they can be compared
            val_terms["weight_l1"] = float(weight_l1(model).detach())
            val_terms["loss"] += cfg.l1_weight * val_terms["weight_l1"]
        last_yield = time.perf_counter()
        yield EpochStats(epoch, cfg.epochs, train_terms, val_terms, last_yield - t0, n / train_seconds)
        if cfg.patience:
            if val_terms["loss"] < best:
                best, best_epoch, best_state = val_terms["loss"], epoch, good
            elif epoch - best_epoch >= cfg.patience:
                model.load_state_dict(best_state)
                yield EarlyStop(epoch, best_epoch, cfg.patience)
                return
