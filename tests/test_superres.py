"""Super-resolution: shapes of the low-res and restored images, bicubic as documented, the model beating bicubic
after a short training, and clear errors for impossible settings."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from aelib.labs import superres as sr
from aelib.labs.denoising import mean_psnr
from tests.conftest import shrink


def test_low_res_is_block_averaging_and_bicubic_is_torch_s_clipped():
    x = np.arange(16, dtype=np.float32).reshape(1, 16) / 15
    low = sr.low_res(x, (1, 4, 4), 2)
    assert low.shape == (1, 4) and low[0, 0] == pytest.approx(np.mean(x[0, [0, 1, 4, 5]]))
    up = sr.upscale(low, (1, 4, 4), 2, "bicubic")
    ref = F.interpolate(torch.as_tensor(low).reshape(1, 1, 2, 2), scale_factor=2, mode="bicubic",
                        align_corners=False).clamp(0, 1)
    assert np.allclose(up, ref.reshape(1, 16).numpy())
    assert np.array_equal(sr.upscale(low, (1, 4, 4), 2, "nearest").reshape(4, 4)[:2, :2], np.full((2, 2), low[0, 0]))


def test_impossible_settings_are_clear_errors():
    with pytest.raises(ValueError, match="divisible"):
        sr.SuperResConfig((1, 10, 10), 4)
    with pytest.raises(ValueError, match="scale must be one of"):
        sr.SuperResConfig((1, 28, 28), 3)
    with pytest.raises(ValueError, match="needs images"):
        sr.SuperResConfig((20,), 2)


@pytest.mark.parametrize("scale", sr.SCALES)
def test_the_model_maps_low_res_to_full_size(scale):
    cfg = sr.SuperResConfig((1, 28, 28), scale, channels=4)
    model = sr.build(cfg, seed=0)
    out = model(torch.rand(3, *cfg.low_shape))
    assert out.shape == (3, 1, 28, 28) and 0 <= out.min() and out.max() <= 1
    assert set(model.loss_terms(torch.rand(3, 1, 28, 28))) == {"loss", "recon"}


def test_same_seed_same_model():
    a, b = (sr.build(sr.SuperResConfig(), seed=3) for _ in range(2))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_a_short_training_beats_bicubic(mnist5k):
    ds = shrink(mnist5k, 600, 100)
    result = sr.fit(ds, sr.SuperResConfig(ds.shape, 2, channels=8), sr.train_config(4, batch_size=16))
    assert len(result.history) == 4 and result.scale == 2
    r = sr.restore(result, ds.x_test)
    assert r["low"].shape == (100, 196) and r["model"].shape == (100, 784)
    assert mean_psnr(ds.x_test, r["model"]) > mean_psnr(ds.x_test, r["bicubic"]) + 1.0
    assert np.mean(r["psnr_model"]) == pytest.approx(mean_psnr(ds.x_test, r["model"]))
