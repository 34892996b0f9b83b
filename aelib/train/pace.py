"""How long a run will take, from measured epoch times: a robust epoch time that leaves out the first epoch's
warm-up, a time left that converges on the truth, and a pre-run estimate from a measured pace and the queue.
Pure functions: a front end keeps the measurements."""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from aelib.train import TrainConfig

RECENT_EPOCHS = 5  # the epochs a typical epoch time is the median of


def typical_epoch_seconds(epoch_seconds: Sequence[float], recent: int = RECENT_EPOCHS) -> float | None:
    """A robust time per epoch: the median of the last `recent` epochs, leaving out the first once a later one
    exists (it pays for warm-up: thread pools, allocations, caches). None before any epoch has finished."""
    times = [float(s) for s in epoch_seconds][1:] or [float(s) for s in epoch_seconds]
    return statistics.median(times[-recent:]) if times else None


def seconds_left(epoch_seconds: Sequence[float], epochs: int, into_epoch: float = 0.0,
                 prior: float | None = None) -> float | None:
    """Seconds left of a run of `epochs` epochs, `epoch_seconds` being its finished epochs' times and `into_epoch`
    (0..1) the part of the running epoch done: the epochs still to run × a typical epoch time. Until a second epoch
    has finished the first alone would extrapolate its warm-up, so `prior` (a time per epoch measured on earlier
    runs) is used when given. None when there is nothing to go on yet."""
    per = typical_epoch_seconds(epoch_seconds)
    if prior is not None and len(epoch_seconds) < 2:
        per = prior
    if per is None:
        return None
    return max(epochs - len(epoch_seconds) - min(max(into_epoch, 0.0), 1.0), 0.0) * per


def run_pace(epoch_seconds: Sequence[float], samples: int) -> float | None:
    """Training samples per second of a run (each epoch sees `samples`), from its typical epoch; None without one."""
    per = typical_epoch_seconds(epoch_seconds)
    return samples / per if per else None


def expected_seconds(samples: int, epochs: int, pace: float | None, ahead: int = 0, slots: int = 1,
                     cap: float = math.inf) -> tuple[float, float] | None:
    """(training, waiting) seconds of a run of `epochs` epochs over `samples` samples at `pace` samples per second,
    `ahead` runs being before it in the queue for `slots` training slots (each taken as long as this one; they run
    `slots` at a time). Training is capped at `cap` (the server's wall-time limit). None without a pace."""
    if not pace or pace <= 0:
        return None
    one = min(samples * epochs / pace, cap)
    return one, math.ceil(max(ahead, 0) / max(slots, 1)) * one


def epoch_samples(n_train: int, cfg: TrainConfig) -> int:
    """How many training samples one epoch sees (cfg.train_subset of them, when set)."""
    return min(n_train, cfg.train_subset) if cfg.train_subset else n_train
