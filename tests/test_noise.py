"""aelib.data.noise: the corruptions a denoising autoencoder learns to undo."""
from __future__ import annotations

import pytest
import torch

from aelib.data.noise import NOISES, corrupt


def grey(n: int = 20000, value: float = 0.5) -> torch.Tensor:
    return torch.full((n,), value)


def images() -> torch.Tensor:
    return torch.rand(64, 1, 8, 8, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("kind", list(NOISES))
def test_level_zero_is_identity(kind):
    x = images()
    assert torch.equal(corrupt(x, kind, 0.0, torch.Generator().manual_seed(1)), x)


@pytest.mark.parametrize("kind", list(NOISES))
def test_copies_and_keeps_shape_and_range(kind):
    x = images()
    before = x.clone()
    out = corrupt(x, kind, 0.4, torch.Generator().manual_seed(1))
    assert torch.equal(x, before)  # x itself is untouched
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert not torch.equal(out, x)


@pytest.mark.parametrize("kind", list(NOISES))
def test_seeded_generator_is_reproducible(kind):
    x = images()
    a = corrupt(x, kind, 0.3, torch.Generator().manual_seed(7))
    b = corrupt(x, kind, 0.3, torch.Generator().manual_seed(7))
    c = corrupt(x, kind, 0.3, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("level", [0.1, 0.5, 0.9])
def test_mask_zeroes_about_level_of_the_values(level):
    x = torch.ones(20000)
    out = corrupt(x, "mask", level, torch.Generator().manual_seed(0))
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert (out == 0).float().mean().item() == pytest.approx(level, abs=0.015)


@pytest.mark.parametrize("level", [0.2, 0.6])
def test_salt_pepper_sets_changed_values_to_0_or_1(level):
    x = images()
    out = corrupt(x, "salt_pepper", level, torch.Generator().manual_seed(0))
    changed = out != x
    assert set(out[changed].unique().tolist()) <= {0.0, 1.0}
    g = grey()  # grey values: every hit is a visible change, half salt, half pepper
    out = corrupt(g, "salt_pepper", level, torch.Generator().manual_seed(0))
    assert (out != 0.5).float().mean().item() == pytest.approx(level, abs=0.015)
    assert (out == 1).float().mean().item() == pytest.approx(level / 2, abs=0.015)
    assert (out == 0).float().mean().item() == pytest.approx(level / 2, abs=0.015)


@pytest.mark.parametrize("level", [0.05, 0.1])
def test_gaussian_adds_noise_of_std_level(level):
    out = corrupt(grey(), "gaussian", level, torch.Generator().manual_seed(0))  # far from the clip at 0 and 1
    diff = out - 0.5
    assert diff.mean().item() == pytest.approx(0.0, abs=0.003)
    assert diff.std().item() == pytest.approx(level, rel=0.03)


def test_gaussian_is_clipped_to_the_unit_interval():
    x = torch.tensor([0.0, 1.0]).repeat(5000)
    out = corrupt(x, "gaussian", 1.0, torch.Generator().manual_seed(0))
    assert out.min() == 0 and out.max() == 1
    assert (out == 0).any() and (out == 1).any()  # noise pushed values past the ends, and they were clipped


@pytest.mark.parametrize(("kind", "level", "message"), [
    ("pink", 0.1, "unknown noise 'pink'; choose one of gaussian, salt_pepper, mask"),
    ("gaussian", -0.1, "noise level must be between 0 and 1, got -0.1"),
    ("mask", 1.5, "noise level must be between 0 and 1, got 1.5"),
    ("salt_pepper", float("nan"), "noise level must be between 0 and 1"),
])
def test_bad_kind_or_level_is_refused(kind, level, message):
    with pytest.raises(ValueError, match=message):
        corrupt(images(), kind, level)
