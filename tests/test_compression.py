"""The compression lab: the quantiser's round trip, bytes per image, PSNR on a hand-computed case, JPEG sizes and
headers, and a tiny rate–distortion run."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from aelib.labs import compression as cz
from aelib.labs.denoising import mean_psnr, psnr


def test_psnr_matches_a_hand_computed_case():
    clean = np.array([[0.0, 0.5, 1.0, 0.25]])
    other = np.array([[0.1, 0.5, 0.9, 0.25]])  # MSE = (0.01 + 0 + 0.01 + 0) / 4 = 0.005
    assert psnr(clean, other)[0] == pytest.approx(10 * math.log10(1 / 0.005))  # 23.0103 dB
    assert mean_psnr(clean, other) == pytest.approx(23.0103, abs=1e-4)


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 6, 8, 12])
def test_quantisation_error_is_at_most_half_a_step(bits):
    rng = np.random.default_rng(0)
    train = rng.normal(size=(200, 5)) * [1, 2, 3, 0.1, 10]
    q = cz.Quantiser.fit(train, bits)
    z = rng.uniform(train.min(0), train.max(0), size=(100, 5))  # inside the training range
    levels = q.encode(z)
    assert levels.min() >= 0 and levels.max() <= 2 ** bits - 1
    assert np.all(np.abs(q.roundtrip(z) - z) <= q.step / 2 + 1e-5 * q.step)


@pytest.mark.parametrize("bits", [8, 10, 16])
def test_values_on_the_grid_come_back_exactly_at_8_bits_and_more(bits):
    q = cz.Quantiser(np.array([-1.0, 0.0]), np.array([1.0, 255.0]), bits)
    grid = q.lo + np.arange(0, 2 ** bits, 2 ** bits // 16)[:, None] * q.step  # 16 levels of each number
    assert np.array_equal(q.encode(grid), np.arange(0, 2 ** bits, 2 ** bits // 16)[:, None].repeat(2, 1))
    assert np.allclose(q.roundtrip(grid), grid, rtol=0, atol=1e-6 * np.abs(grid).max())


def test_out_of_range_values_clip_and_constant_numbers_survive():
    q = cz.Quantiser.fit(np.array([[0.0, 3.0], [1.0, 3.0]]), 2)
    assert q.encode(np.array([[-5.0, 3.0], [5.0, 3.0]])).tolist() == [[0, 0], [3, 0]]
    assert q.roundtrip(np.array([[0.5, 3.0]]))[0, 1] == 3.0  # a number that never varied decodes to its value
    with pytest.raises(ValueError, match="between 1 and 16"):
        cz.Quantiser.fit(np.zeros((2, 2)), 0)


def test_bytes_per_image():
    assert cz.code_bytes(32, 8) == 32 and cz.code_bytes(8, 2) == 2 and cz.code_bytes(16, 6) == 12


def test_jpeg_bytes_grow_with_quality_and_headers_are_the_non_data_part(small_mnist):
    x = small_mnist.x_test[:20]
    sizes = [cz.jpeg_roundtrip(x, small_mnist.shape, q)[1].mean() for q in (1, 20, 50, 80, 95)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    x_hat, nbytes, headers = cz.jpeg_roundtrip(x, small_mnist.shape, 95)
    assert x_hat.shape == x.shape and mean_psnr(x, x_hat) > 35
    buf = io.BytesIO()
    Image.fromarray(np.rint(x[0].reshape(28, 28) * 255).astype(np.uint8), "L").save(buf, "JPEG", quality=95,
                                                                                     optimize=True)
    data = buf.getvalue()
    assert nbytes[0] == len(data) and headers[0] == cz.jpeg_header_bytes(data)
    assert data[headers[0] - 2 - 2:headers[0] - 2][:1] != b"" and data[-2:] == b"\xff\xd9"
    assert 100 < headers[0] < nbytes[0]


def test_a_tiny_lab_gives_a_point_per_setting_and_honest_tables(small_digits):
    lab = cz.build_lab(small_digits, (4, 8), cz.train_config(1))
    x = small_digits.x_test[:30]
    points = cz.rate_distortion(lab, x, (2, 8), (10, 90))
    ae = [p for p in points if p["method"] == "ae"]
    assert [(p["size"], p["bits"], p["bytes"]) for p in ae] == [(4, 2, 1.0), (4, 8, 4.0), (8, 2, 2.0), (8, 8, 8.0)]
    pca8 = {p["bits"]: p["psnr"] for p in points if p["method"] == "pca" and p["size"] == 8}
    assert pca8[8] > pca8[2]  # more bits, less rounding error
    jpeg = {p["size"]: p for p in points if p["method"] == "jpeg"}
    data = {p["size"]: p for p in points if p["method"] == "jpeg_data"}
    assert jpeg[90]["psnr"] > jpeg[10]["psnr"] and all(data[q]["bytes"] < jpeg[q]["bytes"] for q in (10, 90))
    assert cz.rate_distortion(lab, x, (2, 8), (10, 90)) is points  # computed once
    assert cz.best_under(points, "jpeg", 4) is None and cz.best_under(points, "ae", 4)["bytes"] <= 4
    p = cz.best_under(points, "pca", 8)
    assert mean_psnr(x, cz.reconstruct(lab, p, x)) == pytest.approx(p["psnr"], abs=1e-3)


def test_data_that_are_not_images_are_a_clear_error(small_swiss):
    with pytest.raises(ValueError, match="needs images"):
        cz.build_lab(small_swiss, (2,), cz.train_config(1))
