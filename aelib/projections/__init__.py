"""2-D (or 3-D) projections to set beside an autoencoder's latent space: PCA, t-SNE and UMAP, timed, and
one scoring function so every method is measured the same way on the same points."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from aelib.i18n import Explained, Words
from aelib.metrics import continuity, knn_accuracy, knn_accuracy_cv, silhouette, trustworthiness


@dataclass(frozen=True, eq=False)
class Projection:
    method: str
    test: np.ndarray  # (n, dim): the evaluation points' coordinates
    train: np.ndarray | None  # (N_train, dim) where the method can place new points, else None
    seconds: float  # time to fit (and place the test points)
    place_seconds: float | None = None  # of which: placing the new (test) points; None: it cannot
    recon_mse: float | None = None  # mean squared error per value of the test points rebuilt from their
    # coordinates, where the method can map back (PCA, an autoencoder); None: it cannot

    @property
    def places_new_points(self) -> bool:
        return self.train is not None


def project_pca(x_train: np.ndarray, x_test: np.ndarray, dim: int = 2, seed: int = 0) -> Projection:
    """Fit on the training rows; the test rows are new points placed by the same linear map."""
    t0 = time.perf_counter()
    pca = PCA(dim, random_state=seed).fit(x_train)
    z_train = pca.transform(x_train)
    t1 = time.perf_counter()
    z_test = pca.transform(x_test)
    t2 = time.perf_counter()
    recon = float(np.mean((pca.inverse_transform(z_test) - x_test) ** 2))
    return Projection("pca", z_test, z_train, t2 - t0, t2 - t1, recon)


def pca_reconstruction(x_train: np.ndarray, x: np.ndarray, dim: int, seed: int = 0) -> np.ndarray:
    """x rebuilt from its first dim principal components (fitted on x_train)."""
    pca = PCA(dim, random_state=seed).fit(x_train)
    return pca.inverse_transform(pca.transform(x)).astype(x.dtype)


TSNE_MIN_ITER = 250  # sklearn's minimum: the first 250 iterations are the early-exaggeration phase
# 250 exaggerated + 500 more, openTSNE's default; sklearn's 1,000 buys nothing measurable here: on 2,000 mnist5k
# points, seeds 0-2, 5-NN 0.906/0.910/0.907 vs 0.906/0.909/0.910, trustworthiness 0.972 and continuity 0.960 both
# ways, in 5.1-7.2 s instead of 7.1-9.2 s (BENCHMARKS.md)
TSNE_ITER = 750


def check_tsne(n: int, perplexity: float, max_iter: int = TSNE_ITER, learning_rate: float | str = "auto") -> None:
    """t-SNE's limits, as messages a learner can act on."""
    if max_iter < TSNE_MIN_ITER:
        raise Explained("error.tsne_iterations", min=TSNE_MIN_ITER, got=max_iter)
    if learning_rate != "auto" and not 0 < float(learning_rate) <= 10_000:
        raise Explained("error.tsne_lr", got=learning_rate)
    if n < 5:
        raise Explained("error.tsne_points", n=n)
    if not 0 < perplexity < n:
        raise Explained("error.tsne_perplexity", n=n, got=f"{perplexity:g}")


def project_tsne(x: np.ndarray, dim: int = 2, perplexity: float = 30.0, seed: int = 0,
                 max_iter: int = TSNE_ITER, learning_rate: float | str = "auto") -> Projection:
    """Embed exactly these points. sklearn's TSNE has no `transform`: it cannot place new points, so
    there is no train embedding and k-NN accuracy is cross-validated inside this one. learning_rate "auto"
    is max(n / early_exaggeration / 4, 50) (Belkina et al. 2019)."""
    check_tsne(len(x), perplexity, max_iter, learning_rate)
    t0 = time.perf_counter()
    z = TSNE(dim, perplexity=perplexity, init="pca", random_state=seed, max_iter=max_iter,
             learning_rate=learning_rate).fit_transform(x)
    return Projection("tsne", z, None, time.perf_counter() - t0)


def check_umap(n: int, n_neighbors: int, min_dist: float) -> None:
    if not 2 <= n_neighbors < n:
        raise Explained("error.umap_neighbours", n=n, got=n_neighbors)
    if not 0 <= min_dist <= 1:
        raise Explained("error.umap_min_dist", got=f"{min_dist:g}")


def project_umap(x_train: np.ndarray, x_test: np.ndarray, dim: int = 2, n_neighbors: int = 15,
                 min_dist: float = 0.1, seed: int = 0) -> Projection:
    """Fit UMAP (McInnes et al. 2018) on the training rows, then `transform` the test rows: unlike t-SNE,
    umap-learn can place new points (by optimising them against the fitted embedding)."""
    check_umap(len(x_train), n_neighbors, min_dist)
    from umap import UMAP  # imports numba: slow the first time, so only when asked for

    t0 = time.perf_counter()
    reducer = UMAP(n_components=dim, n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed,
                   n_jobs=1).fit(x_train)
    t1 = time.perf_counter()
    z_test = reducer.transform(x_test)
    t2 = time.perf_counter()
    return Projection("umap", z_test, reducer.embedding_, t2 - t0, t2 - t1)


def warm_up_umap() -> float:
    """Compile UMAP's numba code once on a tiny problem (tens of seconds on a cold cache), so that a learner's
    first UMAP does not pay for it. Returns the seconds it took."""
    t0 = time.perf_counter()
    x = np.random.default_rng(0).random((60, 5))
    project_umap(x[:50], x[50:], n_neighbors=5)
    return time.perf_counter() - t0


def tsne_seconds_estimate(n: int, max_iter: int = TSNE_ITER) -> float:
    """Rough wall time on a 2-core CPU (about 6 s for 2,000 points), for a progress bar."""
    return 1.0 + 0.003 * n * max_iter / 1000


def score(proj: Projection, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray,
          seed: int = 0) -> dict:
    """The same numbers for every method: 5-NN accuracy, trustworthiness and continuity (10 neighbours),
    silhouette by class, seconds to fit and to place new points, reconstruction error (None: it cannot).
    "knn_protocol" says how 5-NN was measured, as Words (English as a str; say(lang) for another language)."""
    if proj.places_new_points:
        acc, how = knn_accuracy(proj.train, y_train, proj.test, y_test), Words("proj.protocol_train_test")
    else:
        acc, how = knn_accuracy_cv(proj.test, y_test), Words("proj.protocol_cv")
    return {"seconds": round(proj.seconds, 3), "knn_accuracy": round(acc, 4), "knn_protocol": how,
            "trustworthiness": round(trustworthiness(x_test, proj.test, 10, seed), 4),
            "continuity": round(continuity(x_test, proj.test, 10, seed), 4),
            "silhouette": round(silhouette(proj.test, y_test, seed), 4),
            "places_new_points": proj.places_new_points,
            "place_seconds": None if proj.place_seconds is None else round(proj.place_seconds, 3),
            "recon_mse": None if proj.recon_mse is None else round(proj.recon_mse, 5)}


def nearest(points: np.ndarray, query: np.ndarray, k: int = 6, exclude: int | None = None) -> np.ndarray:
    """Row indices of the k points closest to query (Euclidean), nearest first; row `exclude` (the query's own
    row, when it is one of the points) is left out."""
    d = np.sum((points - query[None]) ** 2, axis=1)
    if exclude is not None:
        d[exclude] = np.inf
    k = min(k, len(d) - (exclude is not None))
    part = np.argpartition(d, k - 1)[:k] if k > 0 else np.zeros(0, dtype=int)
    return part[np.argsort(d[part], kind="stable")]
