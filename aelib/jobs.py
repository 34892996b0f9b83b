"""Slow, pure computations (t-SNE, UMAP) keyed by their inputs in a small worker pool: two callers asking for
the same thing share one result, the pool caps how many run at once, and a repeat is a dictionary lookup. And the
labs' trainings (Tasks), keyed by workspace and lab, which go on when the page that started them goes away. And
the process's training slots (Slots), which the runs and the labs' tasks share and count together.
No Streamlit here: the app wraps this with a progress bar (appkit.jobs), the benchmarks time it directly."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

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


class Slots:
    """The trainings that may run at once in this process (the Train page's runs and the labs' work alike), and how
    many are training or waiting for a slot now (for the queue shown before a learner presses Train)."""

    POLL_S = 0.5  # how often a waiter that may be stopped looks at its stop flag

    def __init__(self, n: int):
        self.n = n
        self._sem = threading.BoundedSemaphore(n)
        self._lock = threading.Lock()
        self.waiting = self.training = 0

    @contextmanager
    def held(self, stop: threading.Event | None = None) -> Iterator[bool]:
        """Wait for a slot and hold it for the body; yields True, or False (no slot held) if `stop` was set while
        waiting."""
        self._count("waiting", 1)
        try:
            while not self._sem.acquire(timeout=self.POLL_S):
                if stop is not None and stop.is_set():
                    got = False
                    break
            else:
                got = True
        finally:
            self._count("waiting", -1)
        if not got:
            yield False
            return
        self._count("training", 1)
        try:
            yield True
        finally:
            self._count("training", -1)
            self._sem.release()

    def ahead(self) -> int:
        """Trainings a new one would wait behind: those waiting, and those training once every slot is taken."""
        with self._lock:
            return self.waiting + max(self.training - self.n + 1, 0)

    def _count(self, what: str, by: int) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + by)


class Task:
    """One learner's work on a lab page, running in a worker thread of the process: how far it has gone (written by
    the worker, read by any page following it), its future, and what the page does with the result (`then`, run by
    whichever session of that workspace collects it: the one that started it, or a later one after a reload or a
    return to the page)."""

    def __init__(self, then: Callable | None = None):
        self.fraction, self.text, self.waiting = 0.0, "", True
        self.then = then
        self.future: Future | None = None
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
    """Work keyed by (workspace, lab): at most one at a time per key, run in a worker thread holding one of the
    process's training slots, so that leaving the page, reloading it
    or losing the connection does not stop it. A finished task waits to be collected (take) by the next page of
    its workspace; at most `keep` uncollected ones are kept, the oldest dropped first."""

    def __init__(self, workers: int, slots: Slots, keep: int = MAX_ENTRIES):
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="aelab-lab")
        self.slots, self.keep = slots, keep
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
        with self.slots.held():
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
