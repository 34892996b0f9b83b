"""Projections as the pages need them: cached by data and parameters, t-SNE in the shared job pool
with a progress bar, and scored the same way for every method."""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from aelib.projections import Projection, check_tsne, project_pca, project_tsne, score, tsne_seconds_estimate
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
