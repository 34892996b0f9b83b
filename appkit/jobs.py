"""The one job pool every session shares (aelib.jobs: keyed, so two learners asking for the same t-SNE share
one result), and a progress bar while a page waits for a job. Workers never call Streamlit."""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future

import streamlit as st

from aelib.jobs import Jobs
from appkit.i18n import tr


@st.cache_resource
def shared_jobs() -> Jobs:
    return Jobs(workers=1)  # one t-SNE at a time: on a shared server the rest queue, not thrash


def follow(done: Callable[[], bool], where: Callable[[], tuple[float, str]], poll_s: float = 0.2) -> None:
    """A progress bar while a page waits for work running elsewhere (a worker thread): where() says how far it has
    gone and what to say; the bar goes once done() is true."""
    bar = st.progress(*where())
    while not done():
        time.sleep(poll_s)
        bar.progress(*where())
    bar.empty()


def wait(fut: Future, label: str, estimate_s: float):
    """Block until the job is done, with a progress bar estimated from elapsed time; returns its result
    (or raises its exception). Returning to a page with a finished job is instant."""
    t0 = time.perf_counter()

    def where() -> tuple[float, str]:
        nonlocal t0
        if not fut.running():  # queued behind another job: the estimate starts when it starts
            t0 = time.perf_counter()
            return 0.0, tr("jobs.waiting", label=label)
        elapsed = time.perf_counter() - t0
        return min(0.99, elapsed / estimate_s), tr("jobs.elapsed", label=label, elapsed=f"{elapsed:.1f}",
                                                   estimate=f"{estimate_s:.0f}")

    if not fut.done():
        follow(fut.done, where)
    return fut.result()
