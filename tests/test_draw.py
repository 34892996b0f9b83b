"""aelib.labs.draw: a real MNIST digit drawn large comes back as (nearly) itself; the ways a canvas can hand
over ink; and a drawing read against a trained model."""
from __future__ import annotations

import numpy as np
import pytest

from aelib import infer
from aelib.experiment import fit, model_config
from aelib.labs.anomaly import per_sample_errors, textbook_threshold
from aelib.labs.draw import centre_of_mass, ink, plane, preprocess, read, reference
from aelib.projections import nearest
from aelib.train import TrainConfig
from tests.conftest import shrink


def as_canvas(digit: np.ndarray, factor: int = 10) -> np.ndarray:
    """A 28×28 digit in [0, 1] blown up ×factor to an (H, W, 4) RGBA canvas: white ink on an opaque black ground,
    the way the Draw page's canvas returns it."""
    big = np.kron(digit, np.ones((factor, factor)))  # (28·f, 28·f), blocky like a thick pen
    grey = np.round(big * 255).astype(np.uint8)
    return np.dstack([grey, grey, grey, np.full_like(grey, 255)])


@pytest.mark.parametrize("i", range(6))
def test_an_upscaled_mnist_digit_comes_back_as_itself(mnist5k, i):
    digit = mnist5k.x_test[i].reshape(28, 28)
    out = preprocess(as_canvas(digit))
    assert out.shape == (1, 28, 28) and out.dtype == np.float32
    assert 0.0 <= out.min() and out.max() <= 1.0
    assert np.mean((out[0] - digit) ** 2) < 0.002
    assert np.corrcoef(out.ravel(), digit.ravel())[0, 1] > 0.99


def test_a_shifted_small_drawing_is_scaled_to_20px_and_centred_by_mass(mnist5k):
    digit = mnist5k.x_test[0].reshape(28, 28)
    canvas = np.zeros((400, 300))
    canvas[250:390, 10:150] = np.kron(digit, np.ones((5, 5)))  # in a corner, at half the size
    out = preprocess(canvas)[0]
    rows, cols = np.flatnonzero(out.max(1) > 0.02), np.flatnonzero(out.max(0) > 0.02)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)  # the box, up to Lanczos' fringe
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert np.corrcoef(out.ravel(), digit.ravel())[0, 1] > 0.98


def test_a_tall_stroke_keeps_its_aspect_ratio():
    one = np.zeros((300, 300))
    one[40:240, 140:160] = 1.0  # 200 tall, 20 wide: a "1"
    out = preprocess(one)[0]
    cols = np.flatnonzero(out.max(0) > 0.5)
    rows = np.flatnonzero(out.max(1) > 0.5)
    assert len(rows) >= 19 and len(cols) <= 3


@pytest.mark.parametrize("style", ["black on transparent", "black on white", "white on black"])
def test_every_canvas_style_gives_the_same_ink(style):
    stroke = np.zeros((60, 60))
    stroke[10:50, 25:35] = 1.0
    grey = np.round(stroke * 255).astype(np.uint8)
    opaque = np.full_like(grey, 255)
    drawing = {"black on transparent": np.dstack([0 * grey, 0 * grey, 0 * grey, grey]),
               "black on white": np.dstack([255 - grey] * 3 + [opaque]),
               "white on black": np.dstack([grey] * 3 + [opaque])}[style]
    assert np.allclose(ink(drawing), stroke)


@pytest.mark.parametrize("blank", [np.zeros((80, 80, 4), np.uint8), np.full((80, 80), 255, np.uint8),
                                   np.zeros((10, 10))])
def test_an_empty_drawing_is_a_clear_error(blank):
    with pytest.raises(ValueError, match="empty"):
        preprocess(blank)


def test_a_wrongly_shaped_array_is_a_clear_error():
    with pytest.raises(ValueError, match="shape"):
        preprocess(np.zeros((4, 4, 4, 4)))


def test_nearest_returns_the_closest_codes_first():
    z = np.array([[0.0, 0.0], [5.0, 5.0], [1.0, 0.0], [0.0, 3.0]])
    assert list(nearest(z, np.array([0.9, 0.1]), k=3)) == [2, 0, 3]
    assert len(nearest(z, np.zeros(2), k=10)) == 4


@pytest.fixture(scope="module")
def model_and_data(mnist5k):
    ds = shrink(mnist5k, 400, 100)
    model, _ = fit(ds, model_config(ds, "ae", 3, hidden=(32,)), TrainConfig(epochs=4, batch_size=32, lr=3e-3))
    return model, ds


def test_reading_a_drawing_matches_reading_the_digit_itself(model_and_data):
    model, ds = model_and_data
    ref = reference(model, ds.x_train, ds.y_train, ds.x_test, ds.y_test)
    assert np.isclose(ref.threshold, textbook_threshold(per_sample_errors(model, ds.x_train)))
    digit = ds.x_test[3]
    r = read(model, preprocess(as_canvas(digit.reshape(28, 28))), ref, k=5)
    assert np.isclose(r.error, np.mean((infer.reconstruct(model, r.x[None])[0] - r.x) ** 2))
    assert abs(r.error - per_sample_errors(model, digit[None])[0]) < 0.01  # nearly the digit's own score
    assert r.is_anomaly == (r.error > ref.threshold)
    d = np.linalg.norm(ref.z_train - r.z, axis=1)
    assert list(r.neighbours) == list(np.argsort(d)[:5])
    coords, point, axis = plane(ref, r.z)
    assert coords.shape == (len(ds.x_test), 2) and point.shape == (2,) and axis == "PC"  # 3-D codes: PCA view


def test_a_filled_square_is_an_anomaly_and_a_digit_is_not(model_and_data):
    model, ds = model_and_data
    ref = reference(model, ds.x_train, ds.y_train, ds.x_test, ds.y_test)
    digit = read(model, preprocess(as_canvas(ds.x_test[0].reshape(28, 28))), ref)
    block = np.zeros((200, 200))
    block[20:180, 20:180] = 1.0  # a solid square: nothing like a digit
    square = read(model, preprocess(block), ref)
    assert square.error > 2 * digit.error and square.is_anomaly and not digit.is_anomaly
