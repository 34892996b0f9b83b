"""aelib.labs.denoising: PSNR against hand-computed values, seeded corruption, the denoising/plain pair and the
PSNR-vs-noise-level curve."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from aelib import infer
from aelib.cli import main
from aelib.data.noise import NOISES, corrupt, corrupt_array
from aelib.i18n import t
from aelib.labs import denoising as dl
from aelib.train import TrainConfig


def test_psnr_matches_hand_computed_values():
    clean = np.zeros((2, 4))
    other = np.array([[0.1, 0.1, 0.1, 0.1],  # MSE 0.01 -> 10·log10(1 / 0.01) = 20 dB
                      [0.5, 0.0, 0.0, 0.0]])  # MSE 0.25 / 4 = 0.0625 -> 10·log10(16) ≈ 12.041 dB
    np.testing.assert_allclose(dl.psnr(clean, other), [20.0, 12.0411998], rtol=1e-6)
    assert dl.mean_psnr(clean, other) == pytest.approx((20.0 + 12.0411998) / 2)


def test_psnr_matches_the_formula_written_out_per_sample():
    rng = np.random.default_rng(0)
    clean, other = rng.random((5, 3, 7)), rng.random((5, 3, 7))  # image-shaped samples: MSE over all their values
    by_hand = []
    for c, o in zip(clean, other):
        values = [(a - b) ** 2 for a, b in zip(c.ravel(), o.ravel())]
        by_hand.append(20 * math.log10(1.0) - 10 * math.log10(sum(values) / len(values)))
    np.testing.assert_allclose(dl.psnr(clean, other), by_hand, rtol=1e-10)


def test_psnr_scales_with_the_data_range():
    rng = np.random.default_rng(1)
    clean, other = rng.random((4, 10)), rng.random((4, 10))
    np.testing.assert_allclose(dl.psnr(clean * 255, other * 255, data_range=255), dl.psnr(clean, other))


def test_identical_samples_have_infinite_psnr_and_say_so_in_the_mean():
    clean = np.random.default_rng(2).random((3, 6))
    other = clean.copy()
    other[1] += 0.1
    p = dl.psnr(clean, other)
    assert np.isinf(p[0]) and p[0] > 0 and np.isinf(p[2]) and np.isfinite(p[1])
    assert math.isinf(dl.mean_psnr(clean, other))  # not silently averaged away
    assert dl.mean_psnr(clean[1:2], other[1:2]) == pytest.approx(p[1])
    assert dl.finite_or_none([1.5, math.inf, 2.0]) == [1.5, None, 2.0]


def test_one_dimensional_input_is_one_sample():
    assert dl.psnr(np.zeros(4), np.full(4, 0.1)).shape == (1,)


@pytest.mark.parametrize("bad", [dict(other=np.zeros((2, 5))), dict(data_range=0.0)])
def test_psnr_rejects_bad_input_with_a_message(bad):
    args = {"clean": np.zeros((2, 4)), "other": np.zeros((2, 4)), **bad}
    with pytest.raises(ValueError, match="same shape|data range"):
        dl.psnr(**args)


@pytest.mark.parametrize("kind", list(NOISES))
def test_corrupt_array_is_aelib_noise_seeded(kind):
    x = np.random.default_rng(3).random((6, 16)).astype(np.float32)
    expected = corrupt(torch.as_tensor(x), kind, 0.3, torch.Generator().manual_seed(5)).numpy()
    np.testing.assert_array_equal(corrupt_array(x, kind, 0.3, seed=5), expected)
    assert not np.array_equal(corrupt_array(x, kind, 0.3, seed=6), expected)


@pytest.fixture(scope="module")
def pair(small_digits):
    dae_cfg, plain_cfg = dl.pair_configs(small_digits, "mask", 0.4, latent_dim=8, hidden=(32,))
    assert plain_cfg.model == "ae"
    seen = []
    p = dl.train_pair(small_digits, dae_cfg, TrainConfig(epochs=2, seed=0), log=lambda f, t: seen.append((f, t)))
    return p, seen


def test_the_pair_shares_everything_but_the_objective(pair):
    p, _ = pair
    assert p.dae.cfg.model == "denoising_ae" and p.plain.cfg.model == "ae"
    assert (p.dae.cfg.hidden, p.dae.cfg.latent_dim, p.dae.cfg.recon_loss) == \
        (p.plain.cfg.hidden, p.plain.cfg.latent_dim, p.plain.cfg.recon_loss)
    assert (p.noise, p.noise_level) == ("mask", 0.4)
    assert [len(h) for h in p.histories] == [2, 2]
    assert [type(m).__name__ for m in (p.dae, p.plain)] == ["DenoisingAE", "Autoencoder"]


def test_training_reports_progress_over_both_models(pair):
    _, seen = pair
    fractions = [f for f, _ in seen]
    assert len(seen) == 4 and fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert seen[0][1].startswith("Denoising autoencoder") and seen[-1][1].startswith("Plain autoencoder")
    assert seen[0][1].say("zh").startswith(t("denoising.progress_dae", "zh"))  # Words: the page says it in Chinese


def test_a_given_model_is_not_trained_again(pair, small_digits):
    p, _ = pair
    seen = []
    again = dl.train_pair(small_digits, p.dae.cfg, TrainConfig(epochs=1), log=lambda f, t: seen.append(t),
                          dae=p.dae)
    assert again.dae is p.dae and again.histories[0] == [] and len(again.histories[1]) == 1
    assert all(t.startswith("Plain") for t in seen)


def test_only_a_denoising_model_can_lead_the_pair(small_digits):
    plain_cfg = dl.pair_configs(small_digits, "gaussian", 0.5, 4, (16,))[1]
    with pytest.raises(ValueError, match="denoising_ae"):
        dl.train_pair(small_digits, plain_cfg, TrainConfig(epochs=1))


def test_side_by_side_feeds_both_models_the_same_noisy_input(pair, small_digits):
    p, _ = pair
    x = small_digits.x_test[:20]
    r = dl.side_by_side(p, x, "gaussian", 0.3, seed=4)
    noisy = corrupt_array(x, "gaussian", 0.3, seed=4)
    np.testing.assert_array_equal(r["noisy"], noisy)
    np.testing.assert_allclose(r["denoised"], infer.reconstruct(p.dae, noisy))
    np.testing.assert_allclose(r["plain"], infer.reconstruct(p.plain, noisy))
    np.testing.assert_allclose(r["psnr_plain"], dl.psnr(x, r["plain"]))
    assert r["psnr_noisy"].shape == (20,)


def test_the_curve_measures_each_model_at_each_level(pair, small_digits):
    p, _ = pair
    x = small_digits.x_test[:50]
    levels = (0.0, 0.2, 0.4, 0.8)
    c = dl.psnr_curve(p.dae, p.plain, x, "gaussian", levels, seed=1)
    assert c["levels"] == list(levels) and all(len(c[k]) == 4 for k in ("noisy", "denoised", "plain"))
    assert math.isinf(c["noisy"][0])  # level 0: the input is the clean image
    assert c["noisy"][1] > c["noisy"][2] > c["noisy"][3]  # the same noise, scaled up
    noisy = corrupt_array(x, "gaussian", 0.4, seed=1)
    assert c["denoised"][2] == pytest.approx(dl.mean_psnr(x, infer.reconstruct(p.dae, noisy)))
    assert c["plain"][2] == pytest.approx(dl.mean_psnr(x, infer.reconstruct(p.plain, noisy)))
    with pytest.raises(ValueError, match="unknown noise"):
        dl.psnr_curve(p.dae, p.plain, x, "speckle")


def test_the_pair_keeps_its_curves(pair, small_digits):
    p, _ = pair
    x = small_digits.x_test[:30]
    first = dl.pair_curve(p, x, "mask")
    assert dl.pair_curve(p, x, "mask") is first
    assert dl.pair_curve(p, x, "salt_pepper") is not first


def test_losing_levels_lists_where_the_denoiser_does_not_win():
    curve = {"levels": [0.0, 0.3, 0.6], "denoised": [12.0, 14.0, 13.0], "plain": [15.0, 13.0, 13.0]}
    assert dl.losing_levels(curve) == [0.0, 0.6]  # a tie is not a win
    assert dl.losing_levels(curve, margin=1.5) == [0.0, 0.3, 0.6]


def test_a_denoiser_beats_the_plain_model_at_its_training_noise(digits):
    """The point of the lab, on real digits: trained on Gaussian noise, the DAE restores noisy test digits
    better than the same network trained without noise (13.9 against 12.6 dB when written; ~10 s)."""
    dae_cfg, _ = dl.pair_configs(digits, "gaussian", 0.5, latent_dim=16, hidden=(64,))
    p = dl.train_pair(digits, dae_cfg, TrainConfig(epochs=20, batch_size=32, seed=0))
    r = dl.side_by_side(p, digits.x_test, "gaussian", 0.5)
    assert r["psnr_denoised"].mean() > r["psnr_plain"].mean() + 0.5
    assert r["psnr_denoised"].mean() > r["psnr_noisy"].mean()


def test_report_gives_the_three_psnrs(small_digits):
    out = dl.report(small_digits, "salt_pepper", 0.2, TrainConfig(epochs=1), latent_dim=4)
    assert {"psnr_noisy", "psnr_denoised", "psnr_plain"} <= set(out)
    assert out["n_test"] == len(small_digits.x_test) and out["noise"] == "salt_pepper"
    noisy = corrupt_array(small_digits.x_test, "salt_pepper", 0.2, seed=0)
    assert out["psnr_noisy"] == pytest.approx(dl.mean_psnr(small_digits.x_test, noisy), abs=1e-3)


def test_cli_denoise_prints_the_three_psnrs(capsys):
    assert main(["denoising", "--dataset", "digits", "--noise", "mask", "--noise-level", "0.3", "--epochs", "1",
                 "--latent-dim", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["noise"] == "mask" and out["latent_dim"] == 4 and out["n_test"] == 360
    assert all(np.isfinite(out[k]) for k in ("psnr_noisy", "psnr_denoised", "psnr_plain"))
    assert main(["denoising", "--dataset", "digits", "--noise-level", "1.5", "--epochs", "1"]) == 2
    assert "noise_level must be between 0 and 1, got 1.5" in capsys.readouterr().err
