"""Synthetic data with known low-dimensional structure: sklearn manifolds and clusters embedded into a
higher dimension by a seeded random rotation plus noise, so an autoencoder has something to compress."""
from __future__ import annotations

import numpy as np
from sklearn import datasets as skd

N_SAMPLES = 3000
AMBIENT_DIM = 20  # the manifold lives in 2-3 dims; the learner's data has 20 columns
NOISE = 0.05  # std of isotropic noise added after the rotation (in units of the manifold's scale)
N_BINS = 6  # continuous manifold coordinates are binned into this many colour classes


def _binned(t: np.ndarray) -> np.ndarray:
    """Quantile bins of a continuous coordinate, so the roll can be coloured by position along it."""
    edges = np.quantile(t, np.linspace(0, 1, N_BINS + 1)[1:-1])
    return np.digitize(t, edges)


def _manifold(name: str, n: int, rng: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(n, d) points on the low-dimensional shape, integer labels and their names."""
    if name == "swiss_roll":
        x, t = skd.make_swiss_roll(n, noise=0.0, random_state=rng)
        return x, _binned(t), [f"position {i + 1}/{N_BINS}" for i in range(N_BINS)]
    if name == "s_curve":
        x, t = skd.make_s_curve(n, noise=0.0, random_state=rng)
        return x, _binned(t), [f"position {i + 1}/{N_BINS}" for i in range(N_BINS)]
    if name == "blobs":
        x, y = skd.make_blobs(n, n_features=5, centers=5, cluster_std=1.5, random_state=rng)
        return x, y, [f"blob {i}" for i in range(5)]
    if name == "moons":
        x, y = skd.make_moons(n, noise=0.05, random_state=rng)
        return x, y, ["upper moon", "lower moon"]
    if name == "circles":
        x, y = skd.make_circles(n, noise=0.03, factor=0.5, random_state=rng)
        return x, y, ["outer circle", "inner circle"]
    raise ValueError(f"unknown synthetic set {name!r}")


def make_synthetic(name: str, seed: int = 0, n: int = N_SAMPLES,
                   dim: int = AMBIENT_DIM) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Points of the named shape, rotated into `dim` dimensions with noise: (n, dim) float32, labels."""
    x, y, names = _manifold(name, n, seed)
    rng = np.random.default_rng(seed)
    x = (x - x.mean(0)) / x.std(0).max()  # (n, d), unit scale so NOISE means the same for every shape
    padded = np.zeros((n, dim))
    padded[:, : x.shape[1]] = x
    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))  # a random orthogonal matrix
    embedded = padded @ rotation + NOISE * rng.standard_normal((n, dim))
    return embedded.astype(np.float32), y.astype(np.int64), names


SYNTHETIC_NAMES = ("swiss_roll", "s_curve", "blobs", "moons", "circles")
