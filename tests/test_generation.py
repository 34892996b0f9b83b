"""aelib.labs.generation: interpolation (slerp's endpoints and norms, lerp's short midpoints), the latent grid's
order, traversals, the codes each model is sampled from, holes, and a conditional VAE drawing the class asked for."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aelib import infer
from aelib.experiment import model_config
from aelib.labs import generation as gen
from aelib.labs.generation_plots import manifold
from aelib.models import build_model
from aelib.train import TrainConfig


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(0)


def test_slerp_endpoints_are_the_inputs_exactly(rng):
    a, b = rng.standard_normal((2, 7))
    path = gen.slerp(a, b, [0.0, 0.3, 1.0])
    assert path.shape == (3, 7)
    assert np.array_equal(path[0], a) and np.array_equal(path[-1], b)
    assert np.array_equal(gen.lerp(a, b, [0.0, 1.0]), np.stack([a, b]))


def test_slerp_keeps_the_norm_between_equal_norm_vectors_and_follows_the_arc(rng):
    a, b = rng.standard_normal((2, 16))
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    t = np.linspace(0, 1, 11)
    path = gen.slerp(a, b, t)
    assert np.allclose(np.linalg.norm(path, axis=1), np.linalg.norm(a))
    omega = np.arccos(a @ b / np.linalg.norm(a) ** 2)  # equal angular steps along the great circle
    cos_to_a = path @ a / np.linalg.norm(a) ** 2
    assert np.allclose(np.arccos(np.clip(cos_to_a, -1, 1)), t * omega)


def test_slerp_interpolates_unequal_norms_linearly_and_handles_parallel_and_zero_vectors(rng):
    a, b = rng.standard_normal((2, 5))
    b = -a * 0.2 + 3 * b  # different norms, no overshoot where Shoemake's raw formula would give one
    t = np.linspace(0, 1, 5)
    assert np.allclose(np.linalg.norm(gen.slerp(a, b, t), axis=1),
                       (1 - t) * np.linalg.norm(a) + t * np.linalg.norm(b))
    for other in (2 * a, -a, np.zeros(5)):  # parallel, opposite, zero: the straight line, finite
        assert np.allclose(gen.slerp(a, other, t), gen.lerp(a, other, t))
    assert gen.slerp(a, b, 0.5).shape == (1, 5)  # a scalar t is a batch of one


def test_linear_midpoints_of_high_dim_gaussians_are_short_and_spherical_ones_are_not(rng):
    d, n = 256, 200
    a, b = rng.standard_normal((2, n, d))
    lin = np.array([np.linalg.norm(gen.lerp(a[i], b[i], 0.5)[0]) for i in range(n)])
    sph = np.array([np.linalg.norm(gen.slerp(a[i], b[i], 0.5)[0]) for i in range(n)])
    assert lin.mean() == pytest.approx(np.sqrt(d / 2), rel=0.05)  # White 2016: about √(d/2)
    assert sph.mean() == pytest.approx(np.sqrt(d), rel=0.05)  # like the samples themselves
    rows = gen.midpoint_norms((2, 64), n=300)
    assert [r["d"] for r in rows] == [2, 64] and all(tuple(r) == gen.MIDPOINT_COLUMNS for r in rows)
    assert rows[1]["linear"] / rows[1]["sample"] == pytest.approx(np.sqrt(0.5), rel=0.05)


def test_pixel_blend_is_a_cross_fade():
    xa, xb = np.zeros(4, np.float32), np.ones(4, np.float32)
    out = gen.blend(xa, xb, [0, 0.25, 1])
    assert out.dtype == np.float32 and np.allclose(out[:, 0], [0, 0.25, 1])


def test_latent_grid_runs_row_by_row_with_the_second_axis_growing_upward():
    u, v = np.array([-1.0, 0.0, 1.0]), np.array([10.0, 20.0])
    z = gen.latent_grid(np.array([0.0, 0.0, 5.0]), u, v, dims=(0, 1))
    assert z.shape == (6, 3)
    assert np.array_equal(z[:, 0], [-1, 0, 1, -1, 0, 1]) and np.array_equal(z[:, 1], [20, 20, 20, 10, 10, 10])
    assert np.all(z[:, 2] == 5)  # the other dimensions stay at the centre
    fig = manifold(np.zeros((6, 4)), (1, 2, 2), u, v)
    assert fig.data[0].z.shape == (2 * 3, 3 * 3)
    assert list(fig.layout.yaxis.ticktext) == ["20", "10"]


def test_vae_grid_axes_are_gaussian_quantiles_and_ae_axes_span_its_codes(tiny):
    vae, ae = build_model(tiny("vae", (20,))), build_model(tiny("ae", (20,)))
    codes = np.random.default_rng(0).normal(5.0, 2.0, (500, 2))
    u, v = gen.plane_axes(vae, codes, 5, (0, 1))
    assert u[0] == pytest.approx(-1.6449, abs=1e-3) and u[2] == pytest.approx(0) and np.array_equal(u, v)
    u, _ = gen.plane_axes(ae, codes, 5, (0, 1))
    lo, hi = np.percentile(codes[:, 0], [1, 99])
    assert u[0] == pytest.approx(lo) and u[-1] == pytest.approx(hi)


def test_traversals_sweep_one_dimension_per_row():
    center, scale = np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0, 0.5])
    paths = gen.traversals(center, scale, [1, 0], n=5, k=2.0)
    assert paths.shape == (2, 5, 3)
    assert np.allclose(paths[0, :, 1], 2 + np.linspace(-20, 20, 5)) and np.all(paths[0, :, [0, 2]].T == [1, 3])
    assert np.allclose(paths[1, :, 0], 1 + np.linspace(-2, 2, 5))
    codes = np.random.default_rng(0).standard_normal((100, 3)) * [1, 5, 0.1]
    assert gen.spread_order(codes) == [1, 0, 2]


def test_the_prior_is_n01_for_a_vae_and_a_fitted_gaussian_for_a_plain_ae(tiny):
    codes = np.random.default_rng(1).multivariate_normal([3, -2], [[4, 1], [1, 2]], 4000)
    p = gen.prior_for(build_model(tiny("ae", (20,))), codes)
    assert np.allclose(p.mean, [3, -2], atol=0.1) and np.allclose(p.cov, [[4, 1], [1, 2]], atol=0.2)
    s = p.sample(4000, seed=2)
    assert s.shape == (4000, 2) and np.allclose(np.cov(s, rowvar=False), p.cov, atol=0.25)
    assert np.array_equal(s, p.sample(4000, seed=2))  # seeded
    q = gen.prior_for(build_model(tiny("vae", (20,))), codes)
    assert np.array_equal(q.mean, [0, 0]) and np.array_equal(q.cov, np.eye(2)) and q.name == "N(0, I)"


def test_a_gaussian_over_two_clumps_lands_samples_in_the_hole_between_them():
    rng = np.random.default_rng(0)
    clumps = np.concatenate([rng.normal(-5, 0.3, (500, 2)), rng.normal(5, 0.3, (500, 2))])
    fitted = gen.fitted_gaussian(clumps).sample(1000, seed=1)
    assert gen.hole_fraction(fitted, clumps) > 0.5
    assert gen.hole_fraction(clumps[::2] + 0.01, clumps) < 0.05


def test_pair_configs_differ_only_in_the_model(digits):
    vae, ae = gen.pair_configs(digits, 3)
    assert (vae.model, ae.model) == ("vae", "ae") and replace(ae, model="vae") == vae
    assert gen.partner_config(ae) == vae and gen.partner_config(replace(ae, tied=True)).tied is False
    with pytest.raises(ValueError, match="a pair is a VAE and a plain AE"):
        gen.partner_config(model_config(digits, "cvae", 2))


def test_a_conditional_vae_draws_the_class_it_is_asked_for(digits):
    """After a short training (about a second), a nearest-class-mean classifier on the training images names the
    asked-for class for most generated images: far more often than chance (10%)."""
    ds = replace(digits, x_train=digits.x_train[:400], y_train=digits.y_train[:400])
    cfg = model_config(ds, "cvae", 2, hidden=(64,))
    model, history = gen.train_cvae(ds, cfg, TrainConfig(epochs=8, seed=0, batch_size=32, lr=3e-3))
    assert len(history) == 8
    means = np.stack([ds.x_train[ds.y_train == c].mean(0) for c in range(10)])
    hits = []
    for c in range(10):
        x = gen.generate_class(model, c, 20, seed=c)
        assert x.shape == (20, 64) and np.all((x >= 0) & (x <= 1))
        guess = np.argmin(((x[:, None] - means[None]) ** 2).sum(-1), axis=1)
        hits.append(np.mean(guess == c))
    assert np.mean(hits) > 0.6, hits
    with pytest.raises(ValueError, match="reads no label"):
        gen.generate_class(build_model(gen.pair_configs(ds)[0]), 0, 2)
    with pytest.raises(ValueError, match="0..9"):
        gen.generate_class(model, 10, 2)


def test_interpolations_decode_both_models_paths_and_the_blend(small_digits, tiny):
    vae_cfg = model_config(small_digits, "vae", 3, hidden=(32,))
    pair = gen.GenerationPair("digits", build_model(vae_cfg), build_model(gen.partner_config(vae_cfg)))
    xa, xb = small_digits.x_test[:2]
    r = gen.interpolations(pair, xa, xb, steps=5)
    for key in ("pixel", "vae_linear", "vae_spherical", "ae_linear", "ae_spherical"):
        assert r[key].shape == (5, 64)
    za = infer.encode(pair.vae, xa[None])[0]
    assert r["norm_vae_spherical"][0] == pytest.approx(np.linalg.norm(za), rel=1e-5)
    assert np.allclose(r["vae_linear"][0], infer.decode(pair.vae, za[None])[0], atol=1e-6)
    assert np.array_equal(r["pixel"][-1], xb)


def test_reach_tells_a_bunched_sampler_from_one_that_covers_the_codes():
    """N(0, I) samples against codes spread 5× wider land inside the codes (no holes) yet reach only the middle
    patch of them; samples from the codes' own spread reach most."""
    rng = np.random.default_rng(0)
    codes = 5 * rng.standard_normal((2000, 2))
    narrow, wide = rng.standard_normal((1000, 2)), 5 * rng.standard_normal((1000, 2))
    assert gen.hole_fraction(narrow, codes) < 0.05
    assert gen.reach_fraction(narrow, codes) < 0.3 < 0.7 < gen.reach_fraction(wide, codes)


def test_the_sampling_caption_follows_the_numbers():
    both = {"vae_prior": 0.8}
    assert gen.sampling_story({"vae_prior": 0.01, "ae_prior": 0.0, "ae_fitted": 0.1},
                              {**both, "ae_prior": 0.2, "ae_fitted": 0.7}) == ("patch", "fitted_holes")
    assert gen.sampling_story({"vae_prior": 0.01, "ae_prior": 0.5, "ae_fitted": 0.01},
                              {**both, "ae_prior": 0.1, "ae_fitted": 0.7}) == ("wrong_place", "fitted_ok")
    assert gen.sampling_story({"vae_prior": 0.01, "ae_prior": 0.0, "ae_fitted": 0.0},
                              {**both, "ae_prior": 0.75, "ae_fitted": 0.7})[0] == "fits"
