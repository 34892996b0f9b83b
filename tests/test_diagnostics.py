"""aelib.diagnostics: the numbers behind each family's own view, checked against numpy by hand, torch's own
autograd and distributions, and PCA computed here from an SVD."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.autograd.functional import jacobian

from aelib import diagnostics, infer
from aelib.data.noise import corrupt
from aelib.diagnostics import (
    codebook_stats,
    contractive_penalty,
    decoder_matrix,
    denoising_errors,
    discriminator_accuracy,
    kl_per_dimension,
    noisy_copies,
    principal_angles,
    report,
)
from aelib.models import MODELS, build_model, config_for
from aelib.models.variational import kl_per_dim
from aelib.train import TrainConfig, train
from tests.conftest import REPORT_KEYS, small_shape


def low_rank(n: int = 600, d: int = 12, k: int = 3, seed: int = 0) -> np.ndarray:
    """n points near a random k-dimensional affine subspace of R^d (unequal variances, a little noise)."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((d, k)))[0]  # (d, k) orthonormal
    z = rng.standard_normal((n, k)) * np.linspace(2.0, 1.0, k)
    return (0.5 + 0.1 * z @ basis.T + 0.01 * rng.standard_normal((n, d))).astype(np.float32)


def pca_axes(x: np.ndarray) -> np.ndarray:
    """(d, d): principal axes as columns, by decreasing variance, from an SVD of the centred data."""
    _, _, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    return vt.T


def set_decoder(model, columns: np.ndarray) -> None:
    with torch.no_grad():
        model.decoder[0].weight.copy_(torch.as_tensor(columns, dtype=torch.float32))


# -- linear AE vs PCA -------------------------------------------------------------------------------------

def test_decoder_matrix_reads_the_linear_decoder(tiny):
    model = build_model(tiny("linear_ae", (20,), 3))
    np.testing.assert_allclose(decoder_matrix(model), model.decoder[0].weight.detach().numpy(), atol=1e-6)
    tied = build_model(tiny("linear_ae", (20,), 3, tied=True))
    np.testing.assert_allclose(decoder_matrix(tied), tied.encoder[1].weight.detach().numpy().T, atol=1e-6)


def test_principal_angles_against_a_hand_built_decoder(tiny):
    x = low_rank()
    axes = pca_axes(x)
    model = build_model(tiny("linear_ae", (12,), 3))
    set_decoder(model, axes[:, :3])
    np.testing.assert_allclose(principal_angles(model, x), 0, atol=0.05)
    mixing = np.random.default_rng(1).standard_normal((3, 3))  # any basis of the same span: still 0°
    set_decoder(model, axes[:, :3] @ mixing)
    np.testing.assert_allclose(principal_angles(model, x), 0, atol=0.05)
    set_decoder(model, axes[:, 3:6])  # orthogonal to PCA's span: 90° every way
    np.testing.assert_allclose(principal_angles(model, x), 90, atol=0.05)
    set_decoder(model, np.column_stack([axes[:, 0], axes[:, 1], np.cos(0.5) * axes[:, 2] + np.sin(0.5) * axes[:, 5]]))
    np.testing.assert_allclose(principal_angles(model, x), [0, 0, np.degrees(0.5)], atol=0.05)


@pytest.mark.parametrize(("tied", "epochs", "lr"), [(False, 60, 3e-2), (True, 30, 1e-2)])
def test_trained_linear_ae_finds_pcas_subspace(tied, epochs, lr):
    """Baldi & Hornik (1989): the linear AE's optimum spans PCA's subspace. Untrained it is far from it."""
    x = low_rank()
    model = build_model(config_for("linear_ae", (12,), 3, tied=tied), seed=0)
    assert principal_angles(model, x).max() > 40
    list(train(model, x, x[:100], TrainConfig(epochs=epochs, lr=lr, batch_size=32)))
    angles = principal_angles(model, x)
    assert angles.shape == (3,) and np.all(np.diff(angles) >= 0)
    assert angles.max() < 5, angles
    summary = report(model, x, x[:100])
    assert summary["max_principal_angle_deg"] == pytest.approx(angles.max(), abs=0.01)


# -- denoising --------------------------------------------------------------------------------------------

def test_denoising_errors(tiny, small_digits):
    model = build_model(tiny("denoising_ae", noise="gaussian", noise_level=0.2))
    x = small_digits.x_test
    noisy = corrupt(torch.as_tensor(x), "gaussian", 0.2, torch.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(noisy_copies(model, x, seed=3), noisy)
    errors = denoising_errors(model, x, seed=3)
    assert errors["noisy_mse"] == pytest.approx(float(np.mean((noisy - x) ** 2)), rel=1e-6)
    assert errors["denoise_mse"] == pytest.approx(float(np.mean((infer.reconstruct(model, noisy) - x) ** 2)), rel=1e-6)
    assert 0.005 < errors["noisy_mse"] < 0.04  # at most 0.2² = 0.04: clipping at 0 and 1 removes some noise
    assert denoising_errors(model, x, seed=4)["noisy_mse"] != errors["noisy_mse"]


# -- VAE --------------------------------------------------------------------------------------------------

def test_kl_per_dimension_matches_torch():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    expected = kl_per_dim(torch.as_tensor(mu), torch.as_tensor(logvar)).mean(0).numpy()
    np.testing.assert_allclose(kl_per_dimension(mu, logvar), expected, rtol=1e-12)
    assert np.all(kl_per_dimension(np.zeros((3, 2)), np.zeros((3, 2))) == 0)  # the prior itself: nothing


def test_vae_report_counts_active_units(tiny, small_digits):
    model = build_model(tiny("vae", latent_dim=3))
    x = small_digits.x_test
    mu, logvar = diagnostics.vae_posteriors(model, x)
    with torch.no_grad():
        mu_t, logvar_t = model.encode(torch.as_tensor(x).reshape(-1, 1, 8, 8))
    np.testing.assert_allclose(mu, mu_t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(logvar, logvar_t.numpy(), rtol=1e-6)
    assert report(model, small_digits.x_train, x)["active_units"] == 0  # untrained: the means barely move
    with torch.no_grad():  # mu's first unit ignores the input; the other two vary 100 times more than before
        model.encoder[-1].weight[0].zero_()
        model.encoder[-1].weight[1:3].mul_(10.0)
    mu = diagnostics.vae_posteriors(model, x)[0]
    assert np.ptp(mu[:, 0]) == 0 and np.all(mu[:, 1:].var(0) > 10 * diagnostics.ACTIVE_UNIT_VAR)
    r = report(model, small_digits.x_train, x)
    assert r["active_units"] == 2
    assert len(r["kl_per_dim"]) == 3


# -- VQ-VAE -----------------------------------------------------------------------------------------------

def test_codebook_stats_by_hand(tiny, small_digits):
    model = build_model(tiny("vq_vae", latent_dim=2, codebook_size=4))
    model.codes = lambda xb: torch.tensor([[0, 0], [1, 2]])  # 4 codes: entry 0 twice, 1 and 2 once, 3 never
    s = codebook_stats(model, small_digits.x_test[:2])
    np.testing.assert_array_equal(s["counts"], [2, 1, 1, 0])
    assert s["codebook_usage"] == 0.75 and s["dead_codes"] == 1
    p = [0.5, 0.25, 0.25]
    assert s["perplexity"] == pytest.approx(math.exp(-sum(q * math.log(q) for q in p)))  # = 2^1.5
    assert s["perplexity"] == pytest.approx(2 ** 1.5)


def test_codebook_stats_of_a_real_model(tiny, small_digits):
    model = build_model(tiny("vq_vae", latent_dim=2, codebook_size=8))
    x = small_digits.x_test
    with torch.no_grad():
        idx = model.codes(torch.as_tensor(x).reshape(-1, 1, 8, 8)).numpy().ravel()
    s = codebook_stats(model, x)
    counts = np.array([np.sum(idx == i) for i in range(8)])
    np.testing.assert_array_equal(s["counts"], counts)
    assert counts.sum() == 2 * len(x)
    assert 1 <= s["perplexity"] <= np.count_nonzero(counts) + 1e-9  # between one code and all used ones equally


# -- contractive, sparse, adversarial ---------------------------------------------------------------------

def test_contractive_penalty_against_autograd_jacobian(tiny, small_digits):
    model = build_model(tiny("contractive_ae", (1, 8, 8)))
    x = small_digits.x_test[:5]
    xt = torch.as_tensor(x).reshape(-1, 1, 8, 8)
    by_sample = [jacobian(lambda v: model.encode(v[None])[0], xt[i]).pow(2).sum() for i in range(5)]
    assert contractive_penalty(model, x) == pytest.approx(float(torch.stack(by_sample).mean()), rel=1e-5)


def test_sparse_active_fraction(tiny, small_digits):
    model = build_model(tiny("sparse_ae", latent_dim=8))
    x = small_digits.x_test
    h = infer.encode(model, x)
    assert report(model, small_digits.x_train, x)["active_fraction"] == pytest.approx(np.mean(h > 0.1), abs=1e-4)


class FirstCoordinate(nn.Module):
    """A discriminator that calls a code real when its first coordinate is below `edge`."""

    def __init__(self, edge: float):
        super().__init__()
        self.edge = edge

    def forward(self, z):
        return self.edge - z[:, :1]


def test_discriminator_accuracy_by_construction(tiny, small_digits):
    model = build_model(tiny("aae"))
    x = small_digits.x_test
    with torch.no_grad():  # every code lands at first coordinate 100, far from the prior N(0, 1)
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.copy_(torch.tensor([100.0, 0.0]))
    model.discriminator = FirstCoordinate(50.0)  # tells them apart perfectly
    assert discriminator_accuracy(model, x) == 1.0
    model.discriminator = FirstCoordinate(1000.0)  # calls everything real: right on the prior half only
    assert discriminator_accuracy(model, x) == 0.5


# -- report() ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(MODELS))
def test_report_keys(tiny, data_for_shape, name):
    cfg = tiny(name, small_shape(name))
    ds = data_for_shape(cfg.input_shape)
    r = report(build_model(cfg), ds.x_train[:100], ds.x_test[:50], ds.y_test[:50])
    assert set(r) == REPORT_KEYS.get(name, set())
    for k, v in r.items():
        assert all(math.isfinite(a) for a in (v if isinstance(v, list) else [v])), k


def test_conv_filters_are_the_signed_weights_as_learned():
    from aelib.diagnostics import conv_filters
    from aelib.models import ModelConfig

    model = build_model(ModelConfig(model="conv_ae", input_shape=(1, 8, 8), latent_dim=2, channels=(4, 8)), seed=0)
    filters, (kh, kw) = conv_filters(model)
    conv = next(m for m in model.encoder if isinstance(m, torch.nn.Conv2d))
    np.testing.assert_array_equal(filters, conv.weight.detach().numpy()[:, 0].reshape(len(filters), -1))
    assert filters.min() < 0 < filters.max()  # the sign is kept for the diverging colour scale
