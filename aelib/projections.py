"""2-D (or 3-D) projections to set beside an autoencoder's latent space: PCA and t-SNE, timed, and one
scoring function so every method is measured the same way on the same points."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from aelib.metrics import knn_accuracy, knn_accuracy_cv, trustworthiness


@dataclass(frozen=True, eq=False)
class Projection:
    method: str
    test: np.ndarray  # (n, dim): the evaluation points' coordinates
    train: np.ndarray | None  # (N_train, dim) where the method can place new points, else None
    seconds: float  # time to fit (and place the test points)

    @property
    def places_new_points(self) -> bool:
        return self.train is not None


def project_pca(x_train: np.ndarray, x_test: np.ndarray, dim: int = 2, seed: int = 0) -> Projection:
    """Fit on the training rows; the test rows are new points placed by the same linear map."""
    t0 = time.perf_counter()
    pca = PCA(dim, random_state=seed).fit(x_train)
    z_train, z_test = pca.transform(x_train), pca.transform(x_test)
    return Projection("pca", z_test, z_train, time.perf_counter() - t0)


def check_tsne(n: int, perplexity: float) -> None:
    """t-SNE's limits, as messages a learner can act on."""
    if n < 5:
        raise ValueError(f"t-SNE needs at least 5 points, got {n}")
    if not 0 < perplexity < n:
        raise ValueError(f"The perplexity must be between 0 and the number of points ({n}); got {perplexity:g}. "
                         f"Use a smaller perplexity or more points (5-50 is usual).")


def project_tsne(x: np.ndarray, dim: int = 2, perplexity: float = 30.0, seed: int = 0,
                 max_iter: int = 1000) -> Projection:
    """Embed exactly these points. sklearn's TSNE has no `transform`: it cannot place new points, so
    there is no train embedding and k-NN accuracy is cross-validated inside this one."""
    check_tsne(len(x), perplexity)
    t0 = time.perf_counter()
    z = TSNE(dim, perplexity=perplexity, init="pca", random_state=seed, max_iter=max_iter).fit_transform(x)
    return Projection("tsne", z, None, time.perf_counter() - t0)


def tsne_seconds_estimate(n: int, max_iter: int = 1000) -> float:
    """Rough wall time on a 2-core CPU (about 6 s for 2,000 points), for a progress bar."""
    return 1.0 + 0.003 * n * max_iter / 1000


def score(proj: Projection, x_test: np.ndarray, y_train: np.ndarray, y_test: np.ndarray,
          seed: int = 0) -> dict:
    """The same numbers for every method: 5-NN accuracy, trustworthiness (10 neighbours), seconds."""
    if proj.places_new_points:
        acc, how = knn_accuracy(proj.train, y_train, proj.test, y_test), "fit on train codes, scored on test"
    else:
        acc, how = knn_accuracy_cv(proj.test, y_test), "5-fold cross-validation inside the embedding"
    return {"seconds": round(proj.seconds, 3), "knn_accuracy": round(acc, 4), "knn_protocol": how,
            "trustworthiness": round(trustworthiness(x_test, proj.test, 10, seed), 4),
            "places_new_points": proj.places_new_points}
