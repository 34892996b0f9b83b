"""Process-wide resources shared by every session: datasets (read-only), the training slots and the
thread budget. Nothing here belongs to one learner."""
from __future__ import annotations

import os
import threading

import streamlit as st

from aelib.data import Dataset, load_dataset
from aelib.train import set_threads, warm_up

SLOTS = max(1, int(os.environ.get("AELAB_TRAINING_SLOTS", "2")))  # trainings that may run at once


@st.cache_resource
def configure_runtime() -> int:
    """Give each concurrent training an equal share of the cores; returns torch's thread count."""
    threads = max(1, (os.cpu_count() or 1) // SLOTS)
    set_threads(threads)
    warm_up()
    return threads


@st.cache_resource(show_spinner="Loading the dataset (once for everybody)…", max_entries=8)
def dataset(name: str, seed: int = 0, data_dir: str | None = None) -> Dataset:
    return load_dataset(name, seed=seed, data_dir=data_dir or None)


@st.cache_resource
def training_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(SLOTS)
