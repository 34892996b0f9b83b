"""Slow, pure computations (t-SNE, UMAP) keyed by their inputs in a small worker pool: two callers asking for
the same thing share one result, the pool caps how many run at once, and a repeat is a dictionary lookup.
No Streamlit here: the app wraps this with a progress bar (appkit.jobs), the benchmarks time it directly."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

MAX_ENTRIES = 64  # finished results kept; the oldest are dropped first


class Jobs:
    def __init__(self, workers: int, max_entries: int = MAX_ENTRIES):
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="aelab-job")
        self.futures: OrderedDict[tuple, Future] = OrderedDict()
        self.lock = threading.Lock()
        self.max_entries = max_entries

    def submit(self, key: tuple, fn: Callable, *args, **kwargs) -> Future:
        """The future for key: the one already running or done (a failed one is retried), else a new job."""
        with self.lock:
            fut = self.futures.get(key)
            if fut is not None and not (fut.done() and fut.exception() is not None):
                self.futures.move_to_end(key)
                return fut
            fut = self.futures[key] = self.pool.submit(fn, *args, **kwargs)
            while len(self.futures) > self.max_entries:
                self.futures.popitem(last=False)
            return fut


def digest(x: np.ndarray) -> str:
    """A key part for an array: the SHA-1 of its bytes (milliseconds for a few MB)."""
    return hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest()
