"""aelib.data.synthetic_media: sine waves, injected sequence anomalies, and dSprites-like shapes with known factors."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from aelib.data.synthetic_media import (
    ANOMALY_KINDS,
    SHAPE_FACTORS,
    SHAPE_KINDS,
    SHAPE_SIZE_RANGE,
    SINE_BANDS,
    SINE_CLASS_NAMES,
    SINE_FACTORS,
    inject_sequence_anomalies,
    make_shapes,
    make_sines,
)


@pytest.fixture(scope="module")
def sines():
    return make_sines(n=800, seed=0)


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(n=900, seed=0)


def dominant_cycles(x: np.ndarray, pad: int = 4096) -> np.ndarray:
    """The strongest frequency of each row of x (N, T), in cycles per row, from a zero-padded FFT."""
    spectrum = np.abs(np.fft.rfft(x - x.mean(1, keepdims=True), n=pad, axis=1))
    return spectrum.argmax(1) * x.shape[1] / pad


def centre_of_mass(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of each (N, H, W) image's brightness, in pixels from the left and top edges (pixel centres at +0.5)."""
    total = images.sum((1, 2))
    cols, rows = np.arange(images.shape[2]) + 0.5, np.arange(images.shape[1]) + 0.5
    return (images.sum(1) * cols).sum(1) / total, (images.sum(2) * rows).sum(1) / total


def supersampled(kind: str, cx: float, cy: float, size: float, side: int = 28, k: int = 8) -> np.ndarray:
    """A reference rendering, independent of aelib's signed distances: the fraction of k×k points per pixel
    that lie inside the shape of area size² centred (centroid) at (cx, cy)."""
    p = (np.arange(side * k) + 0.5) / k
    dx, dy = p[None, :] - cx, p[:, None] - cy
    if kind == "square":
        inside = (np.abs(dx) <= size / 2) & (np.abs(dy) <= size / 2)
    elif kind == "circle":
        inside = dx**2 + dy**2 <= size**2 / np.pi
    else:  # equilateral, apex up, area size²: side a, the centroid two thirds of the height below the apex
        a = size * np.sqrt(4 / np.sqrt(3))
        height = a * np.sqrt(3) / 2
        inside = (dy <= height / 3) & (dy >= -2 * height / 3) & (np.abs(dx) <= (dy + 2 * height / 3) / np.sqrt(3))
    return inside.reshape(side, k, side, k).mean((1, 3))


# -- sines ------------------------------------------------------------------------------------------------

def test_sines_shapes_dtypes_range(sines):
    x, y, f = sines
    assert x.shape == (800, 64) and x.dtype == np.float32
    assert y.shape == (800,) and y.dtype == np.int64
    assert f.shape == (800, len(SINE_FACTORS)) and f.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0
    assert x.min() < 0.15 and x.max() > 0.85  # uses the range, not squeezed around 0.5
    assert make_sines(n=10, length=32)[0].shape == (10, 32)


@pytest.mark.parametrize("name, make, n", [("sines", make_sines, 800), ("shapes", make_shapes, 900)])
def test_synthetic_sets_are_seeded(request, name, make, n):
    x, y, f = request.getfixturevalue(name)
    for got, again in zip((x, y, f), make(n=n, seed=0)):
        np.testing.assert_array_equal(got, again)
    x3, _, f3 = make(n=n, seed=1)
    assert not np.allclose(x, x3) and not np.allclose(f, f3)


def test_sine_bands_are_balanced_and_named(sines):
    _, y, _ = sines
    np.testing.assert_array_equal(np.bincount(y, minlength=len(SINE_BANDS)), [200] * len(SINE_BANDS))
    assert len(SINE_CLASS_NAMES) == len(set(SINE_CLASS_NAMES)) == len(SINE_BANDS)
    assert SINE_CLASS_NAMES[0] == "slow (1–2 cycles)"


def test_sine_label_is_the_band_of_the_dominant_fft_frequency(sines):
    x, y, f = sines
    lo, hi = np.array(SINE_BANDS).T
    peak = dominant_cycles(x)
    # the FFT of 64 noisy samples locates the peak to within a fraction of a cycle
    np.testing.assert_allclose(peak, f[:, 0], atol=0.25)
    nearest_band = np.abs(peak[:, None] - (lo + hi) / 2).argmin(1)
    np.testing.assert_array_equal(nearest_band, y)
    assert ((f[:, 0] >= lo[y]) & (f[:, 0] <= hi[y])).all()


def test_sine_amplitude_and_phase_factors(sines):
    x, _, f = sines
    t = np.arange(64) / 64
    clean = 0.5 + 0.4 * f[:, 1:2] * np.sin(2 * np.pi * f[:, 0:1] * t + f[:, 2:3])
    residual = x - clean  # only the noise (and a little clipping) is left
    assert np.abs(residual.mean()) < 0.005 and 0.025 < residual.std() < 0.035
    assert f[:, 1].min() >= 0.5 and f[:, 1].max() <= 1.0
    assert f[:, 2].min() >= 0.0 and f[:, 2].max() < 2 * np.pi


# -- anomalies --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.37, 1.0])
def test_anomalies_mark_exactly_the_changed_rows(sines, fraction):
    x = sines[0]
    before = x.copy()
    x_with, is_anomaly = inject_sequence_anomalies(x, fraction, seed=3)
    np.testing.assert_array_equal(x, before)  # the input is not modified
    assert x_with.shape == x.shape and x_with.dtype == x.dtype
    assert is_anomaly.shape == (len(x),) and is_anomaly.dtype == bool
    assert is_anomaly.sum() == round(fraction * len(x))
    changed = (x_with != x).any(1)
    np.testing.assert_array_equal(changed, is_anomaly)
    np.testing.assert_array_equal(x_with[~is_anomaly], x[~is_anomaly])
    assert x_with.min() >= 0.0 and x_with.max() <= 1.0


def test_anomalies_are_seeded(sines):
    x = sines[0]
    a, ma = inject_sequence_anomalies(x, 0.2, seed=0)
    b, mb = inject_sequence_anomalies(x, 0.2, seed=0)
    c, mc = inject_sequence_anomalies(x, 0.2, seed=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ma, mb)
    assert not np.array_equal(ma, mc)


def test_every_kind_is_used(sines):
    x = sines[0]
    x_with, is_anomaly = inject_sequence_anomalies(x, 1.0, seed=0)
    n_changed = (x_with != x).sum(1)
    assert (n_changed <= 3).any()  # spikes
    assert (n_changed >= 16).any()  # the others change whole segments


@pytest.mark.parametrize("kind", list(ANOMALY_KINDS))
def test_each_kind_does_what_it_says(sines, kind):
    x = sines[0]
    x_with, is_anomaly = inject_sequence_anomalies(x, 0.5, seed=0, kinds=[kind])
    np.testing.assert_array_equal((x_with != x).any(1), is_anomaly)
    old, new = x[is_anomaly], x_with[is_anomaly]
    diff = new - old
    if kind == "spike":
        moved = diff != 0
        assert (moved.sum(1) >= 1).all() and (moved.sum(1) <= 3).all()
        np.testing.assert_allclose(np.abs(diff[moved]), 0.5, atol=1e-6)
    elif kind == "level_shift":
        for row in diff:  # one contiguous tail, moved in one direction, by 0.25 where nothing clipped
            start = np.flatnonzero(row)[0]
            assert start >= 64 // 4 and (np.sign(row[start:]) * np.sign(row[start]) >= 0).all()
            assert np.isclose(np.abs(row[start:]), 0.25, atol=1e-6).mean() > 0.5
    elif kind == "flat_line":
        for row in new:  # a run of at least a quarter of the sequence holds one value (noise never does)
            runs = np.diff(np.flatnonzero(np.diff(np.r_[np.nan, row, np.nan]) != 0))
            assert runs.max() >= 64 // 4
    else:  # frequency_change: the tail's dominant frequency is far from the original one
        for o, n in zip(old, new):
            start = np.flatnonzero(o != n)[0]
            assert start >= 64 // 4
            tail_cycles = dominant_cycles(n[None, start:])[0] * 64 / (64 - start)  # back to cycles per 64 steps
            assert not 0.7 < tail_cycles / dominant_cycles(o[None])[0] < 1.4  # injected at 2.5× or 1/2.5×


def test_anomalies_on_multichannel_sequences():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 0.8, (50, 32, 3)).astype(np.float32)
    x_with, is_anomaly = inject_sequence_anomalies(x, 0.4, seed=0)
    assert x_with.shape == x.shape and is_anomaly.sum() == 20
    np.testing.assert_array_equal((x_with != x).reshape(50, -1).any(1), is_anomaly)


def test_anomaly_arguments_are_checked(sines):
    x = sines[0]
    with pytest.raises(ValueError, match="fraction"):
        inject_sequence_anomalies(x, 1.5, seed=0)
    with pytest.raises(ValueError, match="unknown anomaly kinds.*spike"):
        inject_sequence_anomalies(x, 0.1, seed=0, kinds=["wobble"])
    with pytest.raises(ValueError, match="expected sequences"):
        inject_sequence_anomalies(x[0], 0.1, seed=0)


# -- shapes -----------------------------------------------------------------------------------------------

def test_shapes_shapes_dtypes_range(shapes):
    x, y, f = shapes
    assert x.shape == (900, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (900,) and y.dtype == np.int64
    assert f.shape == (900, len(SHAPE_FACTORS)) and f.dtype == np.float32
    assert x.min() == 0.0 and x.max() == 1.0
    assert ((x > 0) & (x < 1)).any()  # anti-aliased edges
    np.testing.assert_array_equal(np.bincount(y), [300, 300, 300])
    assert SHAPE_KINDS == ["square", "circle", "triangle"]


def test_shapes_stay_inside_the_image(shapes):
    img = shapes[0][:, 0]
    for edge in (img[:, 0], img[:, -1], img[:, :, 0], img[:, :, -1]):
        assert edge.max() == 0.0


def test_centre_of_mass_is_the_position_factor(shapes):
    x, _, f = shapes
    cx, cy = centre_of_mass(x[:, 0])
    np.testing.assert_allclose(cx, f[:, 0], atol=0.15)
    np.testing.assert_allclose(cy, f[:, 1], atol=0.15)


def test_lit_area_is_size_squared(shapes):
    x, y, f = shapes
    area = x.sum((1, 2, 3))
    np.testing.assert_allclose(area, f[:, 2] ** 2, rtol=0.08)
    for k in range(len(SHAPE_KINDS)):  # bigger is brighter, for every kind
        assert spearmanr(f[y == k, 2], area[y == k]).statistic > 0.99


def test_factors_are_independent_and_cover_their_range(shapes):
    _, y, f = shapes
    corr = np.corrcoef(np.c_[f, y].T)
    assert np.abs(corr[np.triu_indices(4, 1)]).max() < 0.1
    assert f[:, 2].min() >= SHAPE_SIZE_RANGE[0] and f[:, 2].max() <= SHAPE_SIZE_RANGE[1]
    assert f[:, 2].max() - f[:, 2].min() > 0.9 * (SHAPE_SIZE_RANGE[1] - SHAPE_SIZE_RANGE[0])
    assert (f[:, :2].max(0) - f[:, :2].min(0) > 8).all()  # positions spread over several pixels


def test_images_match_a_supersampled_reference(shapes):
    """Each image is the shape its label names, where its factors put it: closer to a brute-force rendering
    of its own kind than to either other kind at the same place and size."""
    x, y, f = shapes
    for i in range(0, 900, 15):
        errors = [np.abs(supersampled(k, *f[i]) - x[i, 0]).sum() for k in SHAPE_KINDS]
        assert np.argmin(errors) == y[i], (i, errors)
        assert np.abs(supersampled(SHAPE_KINDS[y[i]], *f[i]) - x[i, 0]).max() < 0.4  # corners are slightly blunt
        assert errors[y[i]] < 0.08 * f[i, 2] ** 2  # the error lives on the edge only


def test_too_small_images_are_refused():
    with pytest.raises(ValueError, match="too small"):
        make_shapes(n=3, side=16)
