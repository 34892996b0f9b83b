"""How good is a 2-D (or k-D) representation? Neighbour-based scores shared by every method."""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.metrics import silhouette_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from aelib.data import sample_rows

MAX_TRUST_POINTS = 3000  # trustworthiness builds n×n distance matrices


def knn_accuracy(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray,
                 k: int = 5) -> float:
    """Fit k-NN on the training codes, score on the test codes (inductive: the codes must generalise)."""
    return float(KNeighborsClassifier(k).fit(z_train, y_train).score(z_test, y_test))


def knn_accuracy_cv(z: np.ndarray, y: np.ndarray, k: int = 5, folds: int = 5) -> float:
    """k-NN accuracy by cross-validation inside one embedding: for methods like t-SNE that cannot
    place new points (transductive: every point helped shape the embedding)."""
    smallest_class = int(np.unique(y, return_counts=True)[1].min()) if len(y) else 2
    folds = max(2, min(folds, smallest_class))
    return float(cross_val_score(KNeighborsClassifier(k), z, y, cv=folds).mean())


def trustworthiness(x: np.ndarray, z: np.ndarray, k: int = 10, seed: int = 0) -> float:
    """sklearn's trustworthiness (are the embedding's neighbours real neighbours?), on at most
    MAX_TRUST_POINTS rows."""
    rows = sample_rows(len(x), MAX_TRUST_POINTS, seed)
    k = min(k, len(rows) // 2 - 1)
    if k < 1:
        raise ValueError("trustworthiness needs at least 4 points")
    return float(sk_trustworthiness(x[rows], z[rows], n_neighbors=k))


def continuity(x: np.ndarray, z: np.ndarray, k: int = 10, seed: int = 0) -> float:
    """Continuity (Venna & Kaski 2006): are the data's neighbours still neighbours in the embedding? It is
    trustworthiness with the two spaces swapped; same sample of at most MAX_TRUST_POINTS rows."""
    return trustworthiness(z, x, k, seed)


def silhouette(z: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """Mean silhouette of the classes in the embedding (-1..1; high = tight, well-separated classes), on at
    most MAX_TRUST_POINTS rows."""
    if len(np.unique(y)) < 2:
        raise ValueError("a silhouette needs at least two classes")
    rows = sample_rows(len(z), MAX_TRUST_POINTS, seed)
    return float(silhouette_score(z[rows], y[rows]))


def pca_test_mse(x_train: np.ndarray, x_test: np.ndarray, n_components: int, seed: int = 0) -> float:
    """Reconstruction error per value of PCA with n_components, fitted on train, scored on test."""
    n_components = min(n_components, x_train.shape[1], len(x_train))
    pca = PCA(n_components, random_state=seed).fit(x_train)
    x_hat = pca.inverse_transform(pca.transform(x_test))
    return float(np.mean((x_hat - x_test) ** 2))
