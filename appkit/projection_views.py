"""Projections as the pages need them: cached by data and parameters, t-SNE in the shared job pool
with a progress bar, and scored the same way for every method."""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from aelib.projections import (
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


def _digest(x: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest()


def _tsne_scored(x, y, perplexity, seed):
    proj = project_tsne(x, perplexity=perplexity, seed=seed)
    return proj, score(proj, x, np.zeros(0, dtype=int), y, seed)


def tsne(x: np.ndarray, y: np.ndarray, perplexity: float, seed: int, label: str) -> tuple[Projection, dict]:
    """t-SNE of exactly these rows (scored by cross-validation), computed once per input for everyone."""
    check_tsne(len(x), perplexity)
    key = ("tsne", _digest(x), _digest(y), float(perplexity), int(seed))
    fut = jobs.shared_jobs().submit(key, _tsne_scored, x, y, float(perplexity), int(seed))
    return jobs.wait(fut, label, tsne_seconds_estimate(len(x)))


@st.cache_data(max_entries=16, show_spinner="Fitting PCA…")
def pca(x_train: np.ndarray, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray,
        seed: int) -> tuple[Projection, dict]:
    proj = project_pca(x_train, x_test, seed=seed)
    return proj, score(proj, x_test, y_train, y_test, seed)


UMAP_WARM_UP = ("umap-warm-up",)


@st.cache_resource
def start_umap_warm_up() -> None:
    """Compile UMAP's numba code once per server, in the job pool, at start-up: a learner's first UMAP then
    queues behind it instead of compiling on their click."""
    jobs.shared_jobs().submit(UMAP_WARM_UP, warm_up_umap)


def _umap_scored(x_train, x_test, y_train, y_test, n_neighbors, min_dist, seed):
    proj = project_umap(x_train, x_test, n_neighbors=n_neighbors, min_dist=min_dist, seed=seed)
    return proj, score(proj, x_test, y_train, y_test, seed)


def umap(x_train: np.ndarray, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray, n_neighbors: int,
         min_dist: float, seed: int, label: str) -> tuple[Projection, dict]:
    """UMAP fitted on the training rows, placing the test rows; computed once per input for everyone."""
    check_umap(len(x_train), n_neighbors, min_dist)
    key = ("umap", _digest(x_train), _digest(x_test), _digest(y_test), int(n_neighbors), float(min_dist), int(seed))
    fut = jobs.shared_jobs().submit(key, _umap_scored, x_train, x_test, y_train, y_test, int(n_neighbors),
                                    float(min_dist), int(seed))
    return jobs.wait(fut, label, umap_seconds_estimate(len(x_train), len(x_test)))


def umap_seconds_estimate(n_train: int, n_test: int) -> float:
    """Rough wall time on a 2-core CPU once compiled (fit and transform), for a progress bar."""
    return 2.0 + 0.003 * n_train + 0.002 * n_test
