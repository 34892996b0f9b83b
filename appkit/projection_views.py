"""Projections as the pages need them: cached by data and parameters, t-SNE in the shared job pool
with a progress bar, and scored the same way for every method."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from aelib.jobs import digest
from aelib.projections import (
    TSNE_ITER,
    Projection,
    check_tsne,
    check_umap,
    project_pca,
    project_tsne,
    project_umap,
    score,
    tsne_seconds_estimate,
    warm_up_umap,
)
from appkit import jobs
from appkit.i18n import tr


def _tsne_scored(x, y, perplexity, seed, dim, max_iter, learning_rate):
    proj = project_tsne(x, dim, perplexity=perplexity, seed=seed, max_iter=max_iter, learning_rate=learning_rate)
    return proj, score(proj, x, np.zeros(0, dtype=int), y, seed)


Pending = Callable[[], tuple[Projection, dict]]  # waits (with a progress bar) for a submitted projection


def tsne_later(x: np.ndarray, y: np.ndarray, perplexity: float, seed: int, label: str, dim: int = 2,
               max_iter: int = TSNE_ITER, learning_rate: float | str = "auto") -> Pending:
    """Submit t-SNE of exactly these rows (scored by cross-validation), computed once per input for everyone;
    the page goes on drawing and calls the result when it needs it. Raises ValueError for impossible settings."""
    check_tsne(len(x), perplexity, max_iter, learning_rate)
    args = (float(perplexity), int(seed), int(dim), int(max_iter), learning_rate)
    fut = jobs.shared_jobs().submit(("tsne", digest(x), digest(y), *args), _tsne_scored, x, y, *args)
    return lambda: jobs.wait(fut, label, tsne_seconds_estimate(len(x), max_iter))


def tsne(*args, **kwargs) -> tuple[Projection, dict]:
    """tsne_later(...), waited for at once."""
    return tsne_later(*args, **kwargs)()


@st.cache_data(max_entries=16, show_spinner=False)  # the spinner's text is the learner's language: see pca()
def _pca(x_train: np.ndarray, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray,
         seed: int, dim: int = 2) -> tuple[Projection, dict]:
    proj = project_pca(x_train, x_test, dim, seed=seed)
    return proj, score(proj, x_test, y_train, y_test, seed)


def pca(x_train: np.ndarray, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray,
        seed: int, dim: int = 2) -> tuple[Projection, dict]:
    """PCA fitted on the training rows, placing the test rows, scored; cached by data and parameters."""
    with st.spinner(tr("proj.fitting_pca")):
        return _pca(x_train, x_test, y_train, y_test, seed, dim)


UMAP_WARM_UP = ("umap-warm-up",)


@st.cache_resource
def start_umap_warm_up() -> None:
    """Compile UMAP's numba code once per server, in the job pool, at start-up: a learner's first UMAP then
    queues behind it instead of compiling on their click."""
    jobs.shared_jobs().submit(UMAP_WARM_UP, warm_up_umap)


def _umap_scored(x_train, x_test, y_train, y_test, n_neighbors, min_dist, seed, dim):
    proj = project_umap(x_train, x_test, dim, n_neighbors=n_neighbors, min_dist=min_dist, seed=seed)
    return proj, score(proj, x_test, y_train, y_test, seed)


def umap_later(x_train: np.ndarray, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray, n_neighbors: int,
               min_dist: float, seed: int, label: str, dim: int = 2) -> Pending:
    """Submit UMAP fitted on the training rows, placing the test rows; computed once per input for everyone."""
    check_umap(len(x_train), n_neighbors, min_dist)
    args = (int(n_neighbors), float(min_dist), int(seed), int(dim))
    key = ("umap", digest(x_train), digest(x_test), digest(y_test), *args)
    fut = jobs.shared_jobs().submit(key, _umap_scored, x_train, x_test, y_train, y_test, *args)
    return lambda: jobs.wait(fut, label, umap_seconds_estimate(len(x_train), len(x_test)))


def umap_seconds_estimate(n_train: int, n_test: int) -> float:
    """Rough wall time on a 2-core CPU once compiled (fit and transform), for a progress bar."""
    return 2.0 + 0.003 * n_train + 0.002 * n_test
