"""Process-wide resources shared by every session: datasets (read-only), the training slots and the
thread budget. Nothing here belongs to one learner."""
from __future__ import annotations

import os
import statistics
import threading
from collections import deque

import streamlit as st

from aelib.data import Dataset, load_dataset
from aelib.jobs import Slots
from aelib.train import set_threads, warm_up
from appkit.i18n import tr

SLOTS = max(1, int(os.environ.get("AELAB_TRAINING_SLOTS", "2")))  # trainings that may run at once


@st.cache_resource
def configure_runtime() -> int:
    """Give each concurrent training an equal share of the cores; returns torch's thread count."""
    threads = max(1, (os.cpu_count() or 1) // SLOTS)
    set_threads(threads)
    warm_up()
    return threads


@st.cache_resource(show_spinner=False, max_entries=8)
def _dataset(name: str, seed: int = 0, data_dir: str | None = None) -> Dataset:
    return load_dataset(name, seed=seed, data_dir=data_dir or None)


def dataset(name: str, seed: int = 0, data_dir: str | None = None) -> Dataset:
    """The shared, read-only dataset, loaded once for every session (a spinner in the learner's language while it
    loads; a cached set returns before the spinner shows)."""
    with st.spinner(tr("resources.loading")):
        return _dataset(name, seed, data_dir)


@st.cache_resource
def training_slots() -> Slots:
    return Slots(SLOTS)


class Pace:
    """This server's measured training pace: the last few runs' samples per second for each (model family,
    dataset). One record for the process; safe to use from every session's thread."""

    KEEP = 5  # recent runs per (model, dataset)

    def __init__(self):
        self._lock = threading.Lock()
        self._paces: dict[tuple[str, str], deque[float]] = {}

    def record(self, model: str, dataset: str, pace: float | None) -> None:
        if pace and pace > 0:
            with self._lock:
                self._paces.setdefault((model, dataset), deque(maxlen=self.KEEP)).append(float(pace))

    def pace(self, model: str, dataset: str) -> float | None:
        """The median samples per second of the recent runs of this family on this dataset (None: none yet)."""
        with self._lock:
            seen = list(self._paces.get((model, dataset), ()))
        return statistics.median(seen) if seen else None


@st.cache_resource
def pace() -> Pace:
    return Pace()
