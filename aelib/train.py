"""The training loop, as a generator of progress events. Seeds, device choice and the divergence check
live here and only here; stopping early is a `break` in the caller, and the model keeps its weights."""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from aelib.models import Autoencoder


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3  # Adam's step size
    seed: int = 0  # shuffling order and the VAE's sampling noise
    device: str = "auto"  # "auto" picks cuda, then mps, then cpu
    weight_decay: float = 0.0

    def __post_init__(self):
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {self.batch_size}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate must be a positive number, got {self.lr}")


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


EXPLODED = 100.0  # an epoch whose loss exceeds this multiple of the untrained model's loss has diverged


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded; the model was put back to its last good weights."""

    def __init__(self, epoch: int, good_epoch: int, loss: float | None = None, start: float | None = None):
        seen = f" It reached {loss:.3g}, from {start:.3g} before training." if loss is not None else ""
        kept = (f"The model keeps its weights from epoch {good_epoch}." if good_epoch
                else "No epoch finished, so there is no new model.")
        super().__init__(
            f"Training diverged in epoch {epoch}: the loss became NaN or infinite, or grew past {EXPLODED:g}× "
            f"its starting value.{seen} {kept} A smaller learning rate usually fixes this.")
        self.epoch, self.good_epoch = epoch, good_epoch


def pick_device(name: str = "auto") -> torch.device:
    """cuda if present, then Apple's mps, then cpu; an explicit name must be available."""
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
        raise ValueError(f"device {name!r} is not available on this machine; use 'auto' or 'cpu'")
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


@torch.no_grad()
def evaluate(model: Autoencoder, x: torch.Tensor, batch_size: int = 1024) -> dict[str, float]:
    """Every loss term averaged over the samples of x, in eval mode."""
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    for start in range(0, len(x), batch_size):
        xb = x[start:start + batch_size]
        for k, v in model.loss_terms(xb).items():
            sums[k] = sums.get(k, 0) + v.detach() * len(xb)
    model.train(was_training)
    return {k: float(v) / len(x) for k, v in sums.items()}


def _snapshot(model: Autoencoder) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train(model: Autoencoder, x_train: np.ndarray, x_val: np.ndarray, cfg: TrainConfig,
          progress_every_s: float | None = None) -> Iterator[EpochStats | Progress]:
    """Train with Adam, yielding EpochStats after every epoch (and Progress every `progress_every_s`
    seconds inside an epoch, if given). Raises TrainingDiverged after restoring the last good weights when
    an epoch's loss is not finite or exceeds EXPLODED times the untrained model's held-out loss."""
    if len(x_train) == 0 or len(x_val) == 0:
        raise ValueError("training needs at least one training and one held-out sample")
    device = pick_device(cfg.device)
    model.to(device).train()
    xt, xv = as_batch_tensor(model, x_train, device), as_batch_tensor(model, x_val, device)
    model.generator = torch.Generator(device=device).manual_seed(cfg.seed)
    shuffle = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n, bs = len(xt), cfg.batch_size
    n_batches = math.ceil(n / bs)
    good, last_yield = _snapshot(model), time.perf_counter()
    start = evaluate(model, xv)["loss"]
    limit = EXPLODED * max(abs(start), 1.0)
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=shuffle).to(device)
        sums: dict[str, torch.Tensor] = {}
        for b in range(n_batches):
            xb = xt[perm[b * bs:(b + 1) * bs]]
            terms = model.loss_terms(xb)
            opt.zero_grad(set_to_none=True)
            terms["loss"].backward()
            opt.step()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0) + v.detach() * len(xb)
            if progress_every_s is not None and time.perf_counter() - last_yield >= progress_every_s:
                last_yield = time.perf_counter()
                yield Progress(epoch, b + 1, n_batches)
        train_terms = {k: float(v) / n for k, v in sums.items()}
        train_seconds = time.perf_counter() - t0
        if not all(math.isfinite(v) for v in train_terms.values()) or train_terms["loss"] > limit:
            model.load_state_dict(good)
            raise TrainingDiverged(epoch, epoch - 1, train_terms["loss"], start)
        good = _snapshot(model)
        val_terms = evaluate(model, xv)
        last_yield = time.perf_counter()
        yield EpochStats(epoch, cfg.epochs, train_terms, val_terms, last_yield - t0, n / train_seconds)
