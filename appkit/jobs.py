"""Slow, pure computations (t-SNE) run in a small shared worker pool, keyed by their inputs: two learners
asking for the same thing share one result, the pool caps how many run at once, and the page shows
progress while it waits. Workers never call Streamlit."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

MAX_ENTRIES = 64  # finished results kept; the oldest are dropped first


class Jobs:
    def __init__(self, workers: int):
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="aelab-job")
        self.futures: OrderedDict[tuple, Future] = OrderedDict()
        self.lock = threading.Lock()

    def submit(self, key: tuple, fn: Callable, *args, **kwargs) -> Future:
        with self.lock:
            fut = self.futures.get(key)
            if fut is not None and not (fut.done() and fut.exception() is not None):
                self.futures.move_to_end(key)
                return fut
            fut = self.futures[key] = self.pool.submit(fn, *args, **kwargs)
            while len(self.futures) > MAX_ENTRIES:
                self.futures.popitem(last=False)
            return fut


@st.cache_resource
def shared_jobs() -> Jobs:
    return Jobs(workers=1)  # one t-SNE at a time: on a shared server the rest queue, not thrash


def wait(fut: Future, label: str, estimate_s: float):
    """Block until the job is done, with a progress bar estimated from elapsed time; returns its result
    (or raises its exception). Returning to a page with a finished job is instant."""
    if not fut.done():
        bar = st.progress(0.0, text=label)
        t0 = time.perf_counter()
        while not fut.done():
            if not fut.running():
                bar.progress(0.0, text=f"{label}: waiting for a free slot (another computation is running)")
                t0 = time.perf_counter()
            else:
                elapsed = time.perf_counter() - t0
                bar.progress(min(0.99, elapsed / estimate_s),
                             text=f"{label}: {elapsed:.1f} s of about {estimate_s:.0f} s")
            time.sleep(0.2)
        bar.empty()
    return fut.result()
