"""aelib.projections: PCA and t-SNE side by side, t-SNE's limits, and the shared scoring."""
from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from aelib.metrics import knn_accuracy, knn_accuracy_cv, trustworthiness
from aelib.projections import (
    Projection,
    check_tsne,
    check_umap,
    pca_reconstruction,
    project_pca,
    project_tsne,
    project_umap,
    score,
    tsne_seconds_estimate,
)

SCORE_KEYS = {"seconds", "knn_accuracy", "knn_protocol", "trustworthiness", "continuity", "silhouette",
              "places_new_points", "place_seconds", "recon_mse"}


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    pass


@pytest.fixture(scope="module")
def tsne_150(digits):
    """150 digits embedded by t-SNE. 500 iterations: sklearn's first 250 are early exaggeration, after which
    the points are still bunched together."""
    x, y = digits.x_test[:150], digits.y_test[:150]
    with threadpool_limits(limits=1):
        return project_tsne(x, max_iter=500, seed=0), x, y


@pytest.mark.parametrize("dim", [2, 3])
def test_project_pca_shapes(small_digits, dim):
    proj = project_pca(small_digits.x_train, small_digits.x_test, dim=dim)
    assert proj.method == "pca"
    assert proj.train.shape == (len(small_digits.x_train), dim)
    assert proj.test.shape == (len(small_digits.x_test), dim)
    assert proj.places_new_points is True
    assert proj.seconds >= 0


def test_project_pca_is_the_principal_subspace(small_digits):
    """Reference: the principal axes from an eigendecomposition of the training covariance (up to sign)."""
    x_train, x_test = small_digits.x_train.astype(np.float64), small_digits.x_test.astype(np.float64)
    mean = x_train.mean(0)
    _, vecs = np.linalg.eigh((x_train - mean).T @ (x_train - mean))
    axes = vecs[:, ::-1][:, :2]
    expected = (x_test - mean) @ axes
    got = project_pca(small_digits.x_train, small_digits.x_test).test
    signs = np.sign((got * expected).sum(0))
    np.testing.assert_allclose(got * signs, expected, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(project_pca(small_digits.x_train, small_digits.x_train).test,
                               project_pca(small_digits.x_train, small_digits.x_test).train, rtol=1e-5, atol=1e-6)


def test_project_tsne(tsne_150):
    proj, _, _ = tsne_150
    assert proj.method == "tsne"
    assert proj.test.shape == (150, 2)
    assert np.isfinite(proj.test).all()
    assert proj.train is None and proj.places_new_points is False
    assert proj.seconds > 0


def test_tsne_is_seeded(digits):
    x = digits.x_test[:60]
    a = project_tsne(x, perplexity=10, max_iter=250, seed=1).test
    b = project_tsne(x, perplexity=10, max_iter=250, seed=1).test
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize(("n", "perplexity", "pattern"), [
    (100, 100, r"number of points \(100\); got 100"),
    (100, 150.5, r"\(100\); got 150.5"),
    (100, 0, r"\(100\); got 0"),
    (4, 2, "at least 5 points, got 4"),
    (0, 30, "at least 5 points, got 0"),
])
def test_check_tsne_limits(n, perplexity, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_tsne(n, perplexity)


@pytest.mark.parametrize("max_iter, lr, pattern", [(249, "auto", "at least 250 iterations, got 249"),
                                                   (1000, 0.0, "learning rate must be 'auto' or between"),
                                                   (1000, -5.0, "learning rate"), (1000, 1e6, "learning rate")])
def test_check_tsne_optimiser_limits(max_iter, lr, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_tsne(100, 30, max_iter, lr)


def test_check_tsne_accepts_legal_values():
    check_tsne(100, 30, 250, 200.0)
    check_tsne(5, 4.9)
    check_tsne(1000, 30)


def test_project_tsne_checks_before_fitting():
    with pytest.raises(ValueError, match=r"\(20\); got 30"):
        project_tsne(np.zeros((20, 3), dtype=np.float32), perplexity=30)


def test_tsne_seconds_estimate_grows():
    assert 0 < tsne_seconds_estimate(100) < tsne_seconds_estimate(2000) < tsne_seconds_estimate(2000, 2000)


def test_score_pca_is_inductive(small_digits):
    proj = project_pca(small_digits.x_train, small_digits.x_test)
    s = score(proj, small_digits.x_test, small_digits.y_train, small_digits.y_test)
    assert set(s) == SCORE_KEYS
    assert s["places_new_points"] is True
    assert s["knn_accuracy"] == round(knn_accuracy(proj.train, small_digits.y_train, proj.test,
                                                   small_digits.y_test), 4)
    assert s["trustworthiness"] == round(trustworthiness(small_digits.x_test, proj.test), 4)
    assert 0.3 < s["knn_accuracy"] <= 1  # 2 principal components of digits carry real class information
    assert 0.5 < s["trustworthiness"] <= 1
    # PCA's reconstruction error is what its two components leave out of the test points
    assert s["recon_mse"] == round(float(np.mean((pca_reconstruction(small_digits.x_train, small_digits.x_test, 2)
                                                  - small_digits.x_test) ** 2)), 5)


def test_score_tsne_is_cross_validated(tsne_150, small_digits):
    proj, x, y = tsne_150
    s = score(proj, x, small_digits.y_train, y)
    assert set(s) == SCORE_KEYS
    assert s["places_new_points"] is False and s["recon_mse"] is None  # a map with no way back
    assert s["knn_accuracy"] == round(knn_accuracy_cv(proj.test, y), 4)
    pca_s = score(project_pca(small_digits.x_train, x), x, small_digits.y_train, y)
    assert s["knn_protocol"] != pca_s["knn_protocol"]
    assert "cross-validation" in s["knn_protocol"] and "train" in pca_s["knn_protocol"]
    assert s["trustworthiness"] > pca_s["trustworthiness"]  # what t-SNE is built for
    assert s["knn_accuracy"] > pca_s["knn_accuracy"]


def test_score_rounds_and_reports_seconds():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 5)), np.repeat(np.arange(4), 10)
    proj = Projection("custom", x[:, :2], x[:, :2], 1.23456)
    s = score(proj, x, y, y)
    assert s["seconds"] == 1.235
    assert s["knn_accuracy"] == round(s["knn_accuracy"], 4)


@pytest.fixture(scope="module")
def umap_digits(small_digits):
    return project_umap(small_digits.x_train, small_digits.x_test, n_neighbors=10, seed=0)


def test_umap_places_new_points_near_their_class(umap_digits, small_digits):
    proj = umap_digits
    assert proj.method == "umap" and proj.places_new_points
    assert proj.train.shape == (len(small_digits.x_train), 2) and proj.test.shape == (len(small_digits.x_test), 2)
    assert 0 <= proj.place_seconds <= proj.seconds
    # new points land among training points of their own class far more often than chance (0.1)
    assert knn_accuracy(proj.train, small_digits.y_train, proj.test, small_digits.y_test) > 0.7


def test_score_of_umap_is_inductive_and_complete(umap_digits, small_digits):
    s = score(umap_digits, small_digits.x_test, small_digits.y_train, small_digits.y_test)
    assert set(s) == SCORE_KEYS
    assert s["knn_protocol"].startswith("fit on train") and s["place_seconds"] is not None


def test_tsne_reports_that_it_cannot_place_points(tsne_150):
    proj, x, y = tsne_150
    assert score(proj, x, np.zeros(0, dtype=int), y)["place_seconds"] is None


@pytest.mark.parametrize("n, neighbours, min_dist, pattern", [
    (100, 1, 0.1, "between 2 and the number of points"),
    (10, 10, 0.1, r"number of points \(10\)"),
    (100, 15, 1.5, "min_dist must be between 0 and 1"),
])
def test_check_umap_limits(n, neighbours, min_dist, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_umap(n, neighbours, min_dist)
