"""Slow, pure computations (t-SNE, UMAP) keyed by their inputs in a small worker pool: two callers asking for
the same thing share one result, the pool caps how many run at once, and a repeat is a dictionary lookup. And the
labs' trainings (Tasks), keyed by workspace and lab, which go on when the page that started them goes away.
No Streamlit here: the app wraps this with a progress bar (appkit.jobs), the benchmarks time it directly."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager

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


class Task:
    """One learner's work on a lab page, running in a worker thread of the process: how far it has gone (written by
    the worker, read by any page following it), its future, and what the page does with the result (`then`, run by
    whichever session of that workspace collects it: the one that started it, or a later one after a reload or a
    return to the page)."""

    def __init__(self, then: Callable | None = None):
        self.fraction, self.text, self.waiting = 0.0, "", True
        self.then = then
        self.future: Future | None = None
        self.started_at = time.time()
        self.stop = threading.Event()  # set by a page's Stop button; work that can stop sees it in report()

    def report(self, fraction: float, text=None) -> bool:
        """Progress from the worker; returns whether a stop was asked (work that can stop early checks it)."""
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        if text is not None:
            self.text = text
        return self.stop.is_set()

    def done(self) -> bool:
        return self.future is not None and self.future.done()


class Tasks:
    """Work keyed by (workspace, lab): at most one at a time per key, run in a worker thread under `hold` (a
    context manager that waits for one of the process's training slots), so that leaving the page, reloading it
    or losing the connection does not stop it. A finished task waits to be collected (take) by the next page of
    its workspace; at most `keep` uncollected ones are kept, the oldest dropped first."""

    def __init__(self, workers: int, hold: Callable[[], AbstractContextManager], keep: int = MAX_ENTRIES):
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="aelab-lab")
        self.hold, self.keep = hold, keep
        self.tasks: OrderedDict[tuple, Task] = OrderedDict()
        self.lock = threading.Lock()

    def start(self, key: tuple, work: Callable[[Callable], object], then: Callable | None = None) -> Task:
        """work(report) in a worker once a slot is free; the task under key instead while it is still running
        (a second tab pressing the same button follows the first one's work)."""
        with self.lock:
            task = self.tasks.get(key)
            if task is not None and not task.done():
                return task
            self.tasks.pop(key, None)  # a finished one nobody collected: the new request replaces it
            task = self.tasks[key] = Task(then)
            task.future = self.pool.submit(self._run, task, work)
            finished = [k for k, t in self.tasks.items() if t.done()]
            for k in finished[:max(0, len(self.tasks) - self.keep)]:
                del self.tasks[k]
            return task

    def _run(self, task: Task, work: Callable[[Callable], object]) -> object:
        with self.hold():
            task.waiting = False
            return work(task.report)

    def get(self, key: tuple) -> Task | None:
        with self.lock:
            return self.tasks.get(key)

    def take(self, key: tuple, task: Task) -> None:
        """Forget the task once a page has its result (if it is still the one under key)."""
        with self.lock:
            if self.tasks.get(key) is task:
                del self.tasks[key]
