"""The one job pool every session shares (aelib.jobs: keyed, so two learners asking for the same t-SNE share
one result), and a progress bar while a page waits for a job. Workers never call Streamlit."""
from __future__ import annotations

import time
from concurrent.futures import Future

import streamlit as st

from aelib.jobs import Jobs
from appkit.i18n import tr


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
                bar.progress(0.0, text=tr("jobs.waiting", label=label))
                t0 = time.perf_counter()
            else:
                elapsed = time.perf_counter() - t0
                bar.progress(min(0.99, elapsed / estimate_s),
                             text=tr("jobs.elapsed", label=label, elapsed=f"{elapsed:.1f}",
                                     estimate=f"{estimate_s:.0f}"))
            time.sleep(0.2)
        bar.empty()
    return fut.result()
