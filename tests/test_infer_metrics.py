"""aelib.infer (the torch -> numpy boundary), aelib.metrics and aelib.experiment.summarize, checked against
direct computations and scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.neighbors import KNeighborsClassifier

from aelib import infer, metrics
from aelib.data import sample_rows
from aelib.experiment import summarize
from aelib.metrics import continuity, knn_accuracy, knn_accuracy_cv, pca_test_mse, silhouette, trustworthiness
from aelib.models import ModelConfig, build_model
from aelib.train import EpochStats, TrainConfig, train


@pytest.fixture(scope="module")
def trained(small_digits):
    """A small AE trained for two epochs on 8×8 digits, and its history."""
    model = build_model(ModelConfig(model="ae", input_shape=(1, 8, 8), hidden=(32,)), seed=0)
    history = [e for e in train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=2))
               if isinstance(e, EpochStats)]
    return model, history


# -- infer ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ae", "vae", "conv_ae"])
def test_encode_reconstruct_decode_shapes(tiny, small_digits, name):
    model = build_model(tiny(name, latent_dim=3))
    x = small_digits.x_test[:50]
    z = infer.encode(model, x)
    assert z.shape == (50, 3) and z.dtype == np.float32
    r = infer.reconstruct(model, x)
    assert r.shape == x.shape and r.min() >= 0 and r.max() <= 1
    d = infer.decode(model, z[:7])
    assert d.shape == (7, 64) and d.min() >= 0 and d.max() <= 1
    np.testing.assert_allclose(d, r[:7], rtol=1e-5, atol=1e-6)  # decode(encode(x)) == reconstruct(x)


def test_conditional_model_reads_labels(tiny, small_digits):
    model = build_model(tiny("cvae", latent_dim=3))
    x, y = small_digits.x_test[:30], small_digits.y_test[:30]
    z = infer.encode(model, x, y)
    with torch.no_grad():
        mu, _ = model.encode(torch.as_tensor(x).reshape(-1, 1, 8, 8), torch.as_tensor(y))
    np.testing.assert_allclose(z, mu.numpy(), rtol=1e-6)
    assert not np.allclose(infer.encode(model, x, (y + 1) % 10), z)  # the label is part of the input
    r = infer.reconstruct(model, x, y)
    np.testing.assert_allclose(infer.decode(model, z, y), r, rtol=1e-5, atol=1e-6)
    assert infer.mse(model, x, y) == pytest.approx(float(np.mean((r - x) ** 2)), rel=1e-5)
    for call in (lambda: infer.encode(model, x), lambda: infer.reconstruct(model, x), lambda: infer.decode(model, z),
                 lambda: infer.encode(model, x, y[:5])):
        with pytest.raises(ValueError, match="cvae is conditional: it needs one class label per sample"):
            call()


def test_unconditional_models_ignore_labels(tiny, small_digits):
    model = build_model(tiny("vae"))
    x, y = small_digits.x_test[:30], small_digits.y_test[:30]
    np.testing.assert_array_equal(infer.encode(model, x, y), infer.encode(model, x))


def test_encode_matches_the_model_directly(tiny, small_digits):
    model = build_model(tiny("vae"))
    x = small_digits.x_test[:20]
    with torch.no_grad():
        mu, _ = model.encode(torch.as_tensor(x).reshape(-1, 1, 8, 8))
    np.testing.assert_allclose(infer.encode(model, x), mu.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(infer.encode(model, x), infer.encode(model, x))  # posterior mean, no noise


def test_batching_does_not_change_results(tiny, small_digits, monkeypatch):
    model = build_model(tiny("ae"))
    x = small_digits.x_test
    z_one, r_one = infer.encode(model, x), infer.reconstruct(model, x)
    monkeypatch.setattr(infer, "BATCH", 7)
    np.testing.assert_allclose(infer.encode(model, x), z_one, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(infer.reconstruct(model, x), r_one, rtol=1e-5, atol=1e-6)


def test_mse_equals_numpy(trained, small_digits):
    model, _ = trained
    x = small_digits.x_test
    with torch.no_grad():
        recon = model(torch.as_tensor(x).reshape(-1, 1, 8, 8)).reshape(len(x), -1).numpy()
    expected = np.mean((recon.astype(np.float64) - x) ** 2)
    assert infer.mse(model, x) == pytest.approx(expected, rel=1e-5)


def test_infer_restores_training_mode(tiny, small_digits):
    model = build_model(tiny("ae"))
    model.train()
    infer.encode(model, small_digits.x_test[:5])
    infer.reconstruct(model, small_digits.x_test[:5])
    assert model.training
    model.eval()
    infer.encode(model, small_digits.x_test[:5])
    assert not model.training


def test_decode_restores_training_mode(tiny):
    model = build_model(tiny("ae"))
    model.train()
    infer.decode(model, np.zeros((3, 2), dtype=np.float32))
    assert model.training


def test_encode_of_no_rows_keeps_the_latent_width(tiny):
    model = build_model(tiny("ae", latent_dim=3))
    assert infer.encode(model, np.zeros((0, 64), dtype=np.float32)).shape == (0, 3)


# -- metrics ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (4, 2))
    y = rng.integers(0, 4, 200)
    z = centres[y] + rng.normal(0, 1.5, (200, 2))
    return z, y


@pytest.mark.parametrize("k", [1, 5, 15])
def test_knn_accuracy_matches_sklearn(blobs, k):
    z, y = blobs
    expected = KNeighborsClassifier(n_neighbors=k).fit(z[:150], y[:150]).predict(z[150:])
    assert knn_accuracy(z[:150], y[:150], z[150:], y[150:], k=k) == pytest.approx(np.mean(expected == y[150:]))


def test_knn_accuracy_1nn_by_hand(blobs):
    z, y = blobs
    dist = ((z[150:, None, :] - z[None, :150, :]) ** 2).sum(-1)
    by_hand = np.mean(y[:150][dist.argmin(1)] == y[150:])
    assert knn_accuracy(z[:150], y[:150], z[150:], y[150:], k=1) == pytest.approx(by_hand)
    assert 0.5 < by_hand < 1.0  # the blobs overlap a little: a real, informative score


def test_knn_accuracy_cv_bounds_and_separation(blobs):
    z, y = blobs
    assert 0.5 < knn_accuracy_cv(z, y) <= 1.0
    noise = np.random.default_rng(1).normal(size=z.shape)
    assert knn_accuracy_cv(noise, y) < knn_accuracy_cv(z, y)
    # fewer members in the smallest class than folds: folds shrink instead of failing
    y_small = np.array([0] * 20 + [1] * 3)
    assert 0.0 <= knn_accuracy_cv(np.arange(23.0)[:, None], y_small, k=1) <= 1.0


def test_knn_accuracy_cv_does_not_depend_on_label_values(blobs):
    z, y = blobs
    keep = (y == 0) | (y == 2)
    z, y = z[keep], y[keep]
    assert knn_accuracy_cv(z, y) == pytest.approx(knn_accuracy_cv(z, np.where(y == 2, 1, y)))


@pytest.mark.parametrize(("n", "k"), [(60, 10), (30, 5), (9, 10)])
def test_trustworthiness_matches_sklearn(n, k):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 6))
    z = x[:, :2] + 0.3 * rng.normal(size=(n, 2))
    k_used = min(k, n // 2 - 1)  # sklearn needs n_neighbors < n / 2
    assert trustworthiness(x, z, k) == pytest.approx(sk_trustworthiness(x, z, n_neighbors=k_used))


def test_trustworthiness_orders_embeddings():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 5))
    assert trustworthiness(x, x[:, :3]) > trustworthiness(x, rng.normal(size=(80, 3)))
    assert trustworthiness(x, x) == pytest.approx(1.0)


def test_trustworthiness_subsamples_large_inputs(monkeypatch):
    rng = np.random.default_rng(0)
    x, z = rng.normal(size=(120, 4)), rng.normal(size=(120, 2))
    monkeypatch.setattr(metrics, "MAX_TRUST_POINTS", 50)
    rows = sample_rows(120, 50, seed=3)
    assert trustworthiness(x, z, 10, seed=3) == pytest.approx(sk_trustworthiness(x[rows], z[rows], n_neighbors=10))


def test_trustworthiness_needs_points():
    with pytest.raises(ValueError, match="at least 4 points"):
        trustworthiness(np.zeros((3, 2)), np.zeros((3, 2)))


def manual_pca_mse(x_train, x_test, k):
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    mean = x_train.mean(0)
    centred = x_train - mean
    _, vecs = np.linalg.eigh(centred.T @ centred)  # principal axes, ascending by variance
    v = vecs[:, ::-1][:, :k].T  # (k, D): the k axes of largest variance
    x_hat = mean + (x_test - mean) @ v.T @ v
    return np.mean((x_hat - x_test) ** 2)


@pytest.mark.parametrize("k", [1, 2, 5, 10])
def test_pca_test_mse_matches_manual_pca(digits, k):
    got = pca_test_mse(digits.x_train, digits.x_test, k)
    assert got == pytest.approx(manual_pca_mse(digits.x_train, digits.x_test, k), rel=1e-4)


def test_pca_test_mse_decreases_with_components(digits):
    errors = [pca_test_mse(digits.x_train, digits.x_test, k) for k in (1, 2, 4, 8, 16, 32)]
    assert all(a > b for a, b in zip(errors, errors[1:])), errors
    # all components (or more than there are) reconstruct held-out data exactly
    assert pca_test_mse(digits.x_train, digits.x_test, 64) < 1e-8
    assert pca_test_mse(digits.x_train, digits.x_test, 500) < 1e-8


# -- summarize --------------------------------------------------------------------------------------------

def test_summarize(trained, small_digits):
    model, history = trained
    s = summarize(model, small_digits, history)
    assert set(s) == {"dataset", "model", "latent_dim", "epochs", "seconds", "samples_per_second", "train_loss",
                      "loss_terms", "test_mse", "pca_test_mse", "knn_accuracy", "trustworthiness", "input_dim",
                      "n_classes", "label_column"}
    assert (s["input_dim"], s["n_classes"], s["label_column"]) == (64, 10, None)  # 8×8 pixels, a bundled set
    assert s["loss_terms"] == ["loss", "recon"]
    assert (s["dataset"], s["model"], s["latent_dim"], s["epochs"]) == ("digits", "ae", 2, 2)
    assert s["train_loss"] == pytest.approx(history[-1].train["loss"], abs=1e-4)
    assert s["test_mse"] == pytest.approx(infer.mse(model, small_digits.x_test), abs=1e-5)
    assert s["pca_test_mse"] == pytest.approx(manual_pca_mse(small_digits.x_train, small_digits.x_test, 2), abs=1e-5)
    assert 0 <= s["knn_accuracy"] <= 1 and 0 <= s["trustworthiness"] <= 1


def _circle(n: int = 200):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[np.cos(t), np.sin(t)], t


def test_continuity_catches_tearing_and_trustworthiness_catches_squashing():
    """Cutting a circle open (the angle as a line) tears apart the neighbours at the cut: continuity drops,
    trustworthiness does not. Squashing it onto one axis brings far points together: the reverse."""
    x, t = _circle()
    torn = t[:, None]
    squashed = x[:, :1]
    assert continuity(x, torn) < trustworthiness(x, torn)
    assert trustworthiness(x, squashed) < continuity(x, squashed)
    assert continuity(x, x) == pytest.approx(1.0)


def test_silhouette_separated_classes_score_high_shuffled_near_zero():
    rng = np.random.default_rng(0)
    z = np.r_[rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (50, 2))]
    y = np.r_[np.zeros(50, int), np.ones(50, int)]
    assert silhouette(z, y) > 0.9
    assert abs(silhouette(z, rng.permutation(y))) < 0.1
    with pytest.raises(ValueError, match="two classes"):
        silhouette(z, np.zeros(100, int))
