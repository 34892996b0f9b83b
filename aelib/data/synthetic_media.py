"""Synthetic sequences and images whose generating factors are known: noisy sine waves (for sequence
autoencoders, plus anomalies to inject into them) and dSprites-like shapes, all rendered with numpy only."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# -- sine waves -------------------------------------------------------------------------------------------

SINE_LENGTH = 64  # time steps per sequence
SINE_NOISE = 0.03  # std of the Gaussian noise added to every step
# Frequency bands in cycles per sequence; the gaps between them keep the classes apart, even for a learner
# reading the curves by eye (and for an FFT with only 64 samples).
SINE_BANDS = ((1.0, 2.0), (3.0, 4.0), (5.0, 7.0), (9.0, 12.0))
SINE_CLASS_NAMES = [f"{word} ({lo:g}–{hi:g} cycles)"
                    for word, (lo, hi) in zip(("slow", "medium", "fast", "very fast"), SINE_BANDS)]
SINE_FACTORS = ("frequency", "amplitude", "phase")  # cycles per sequence, 0.5..1, radians 0..2π


def make_sines(n: int = 3000, seed: int = 0,
               length: int = SINE_LENGTH) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n` noisy sines 0.5 + 0.4·amplitude·sin(2π·frequency·t + phase), clipped to [0, 1].

    Returns x (n, length) float32 (one feature per step), the frequency band (n,) int64 as the label
    (bands equally common) and the factors (n, 3) float32 in the order of SINE_FACTORS."""
    rng = np.random.default_rng(seed)
    band = rng.permutation(np.arange(n) % len(SINE_BANDS))
    lo, hi = np.array(SINE_BANDS).T
    freq = rng.uniform(lo[band], hi[band])
    amp = rng.uniform(0.5, 1.0, n)
    phase = rng.uniform(0.0, 2 * np.pi, n)
    t = np.arange(length) / length  # one sequence spans t in [0, 1)
    x = 0.5 + 0.4 * amp[:, None] * np.sin(2 * np.pi * freq[:, None] * t + phase[:, None])  # (n, length)
    x = np.clip(x + SINE_NOISE * rng.standard_normal((n, length)), 0.0, 1.0)
    return x.astype(np.float32), band.astype(np.int64), np.stack([freq, amp, phase], 1).astype(np.float32)


# -- anomalies for sequences ------------------------------------------------------------------------------
# Each injector changes one sequence s (T, F) in place and keeps its values in [0, 1].

def _spike(s: np.ndarray, rng: np.random.Generator) -> None:
    """1-3 single steps jump by 0.5 (up from the lower half, down from the upper), like a glitching sensor."""
    steps = rng.choice(len(s), size=rng.integers(1, 4), replace=False)
    s[steps] = np.where(s[steps] < 0.5, s[steps] + 0.5, s[steps] - 0.5)


def _level_shift(s: np.ndarray, rng: np.random.Generator) -> None:
    """From a step in the middle half on, everything moves by 0.25 towards the side with more room."""
    start = rng.integers(len(s) // 4, 3 * len(s) // 4)
    tail = s[start:]
    s[start:] = np.clip(tail + np.where(tail.mean(0) > 0.5, -0.25, 0.25), 0.0, 1.0)


def _flat_line(s: np.ndarray, rng: np.random.Generator) -> None:
    """A quarter to a half of the sequence is stuck at the value it had when it froze."""
    n = rng.integers(len(s) // 4, len(s) // 2 + 1)
    start = rng.integers(0, len(s) - n + 1)
    s[start:start + n] = s[start]


def _frequency_change(s: np.ndarray, rng: np.random.Generator) -> None:
    """From a step in the middle half on, a clean sine at 2.5× (or, where that would be too fast, 1/2.5×)
    the sequence's dominant FFT frequency, at its mean level and amplitude, continuing from its current value."""
    length = len(s)
    start = rng.integers(length // 4, 3 * length // 4)
    level, amp = s.mean(0), np.maximum((s.max(0) - s.min(0)) / 2, 0.05)  # (F,) each
    pad = 16 * length  # zero-padding finds the peak between the FFT's whole-cycle bins
    spectrum = np.abs(np.fft.rfft(s - level, n=pad, axis=0))  # (pad // 2 + 1, F)
    cycles = (spectrum[16:].argmax(0) + 16) / 16  # (F,) cycles per sequence, at least 1
    new = np.where(cycles * 2.5 <= length / 4, cycles * 2.5, cycles / 2.5)
    phase0 = np.arcsin(np.clip((s[start] - level) / amp, -1.0, 1.0))
    t = np.arange(length - start)[:, None] / length  # (T - start, 1)
    s[start:] = np.clip(level + amp * np.sin(2 * np.pi * new * t + phase0), 0.0, 1.0)


ANOMALY_KINDS = {"spike": _spike, "level_shift": _level_shift, "flat_line": _flat_line,
                 "frequency_change": _frequency_change}


def inject_sequence_anomalies(x: np.ndarray, fraction: float, seed: int,
                              kinds: Sequence[str] = tuple(ANOMALY_KINDS)) -> tuple[np.ndarray, np.ndarray]:
    """A copy of the sequences x ((N, T) or (N, T, F), values in [0, 1]) in which round(fraction·N) rows,
    chosen at random, carry one anomaly each, its kind drawn from `kinds` (see ANOMALY_KINDS: spike,
    level_shift, flat_line, frequency_change). Returns (x_with, is_anomaly (N,) bool); every other row is
    returned unchanged. For an anomaly-detection lesson: a model trained on clean rows should reconstruct
    the marked rows worse."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
    unknown = set(kinds) - set(ANOMALY_KINDS)
    if unknown or not kinds:
        raise ValueError(f"unknown anomaly kinds {sorted(unknown)}; choose from {', '.join(ANOMALY_KINDS)}")
    x = np.asarray(x)
    if x.ndim not in (2, 3) or x.shape[1] < 8:
        raise ValueError(f"expected sequences shaped (N, T) or (N, T, F) with T >= 8, not {x.shape}")
    rng = np.random.default_rng(seed)
    seqs = x.reshape(len(x), x.shape[1], -1).copy()  # (N, T, F)
    rows = rng.choice(len(x), size=round(fraction * len(x)), replace=False)
    for row, k in zip(rows, rng.integers(len(kinds), size=len(rows))):
        ANOMALY_KINDS[kinds[k]](seqs[row], rng)
    is_anomaly = np.zeros(len(x), dtype=bool)
    is_anomaly[rows] = True
    return seqs.reshape(x.shape), is_anomaly


# -- shapes -----------------------------------------------------------------------------------------------

SHAPE_KINDS = ["square", "circle", "triangle"]  # the class label; the triangle is equilateral, apex up
SHAPE_FACTORS = ("x position", "y position", "size")
SHAPE_SIZE_RANGE = (4.0, 9.0)  # size = √area in pixels, so every kind covers size² pixels
# No rotation factor: a circle has none, and a square or triangle repeats every 90° or 120°, which would
# give learners a factor the image cannot always show.
_TRIANGLE_SIDE = np.sqrt(4 / np.sqrt(3))  # side of the equilateral triangle of unit area
_REACH = _TRIANGLE_SIDE / np.sqrt(3)  # the farthest any unit-area shape reaches from its centre (the apex)


def make_shapes(n: int = 5000, seed: int = 0, side: int = 28) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n` images (n, 1, side, side) float32 of one white shape on black, anti-aliased, values in [0, 1].

    Returns the images, the kind (n,) int64 (an index into SHAPE_KINDS, equally common) and the factors
    (n, 3) float32 in the order of SHAPE_FACTORS: the centroid's x (from the left edge) and y (from the
    top edge) in pixels, and √area in pixels. Factors are drawn independently, and the position range is
    the same for every kind and size: the largest triangle still fits with a pixel to spare."""
    rng = np.random.default_rng(seed)
    kind = rng.permutation(np.arange(n) % len(SHAPE_KINDS))
    size = rng.uniform(*SHAPE_SIZE_RANGE, n)
    margin = _REACH * SHAPE_SIZE_RANGE[1] + 1.5  # reach + half a pixel of anti-aliasing + one blank pixel
    if side - 2 * margin <= 0:
        raise ValueError(f"images of {side}×{side} pixels are too small for shapes of size {SHAPE_SIZE_RANGE}")
    cx, cy = rng.uniform(margin, side - margin, (2, n))
    images = _render(kind, cx, cy, size, side)
    return images[:, None].astype(np.float32), kind.astype(np.int64), np.stack([cx, cy, size], 1).astype(np.float32)


def _render(kind: np.ndarray, cx: np.ndarray, cy: np.ndarray, size: np.ndarray, side: int) -> np.ndarray:
    """(n, side, side) pixel coverage from a signed distance d to each shape's edge (negative inside):
    a pixel whose centre lies half a pixel inside is fully lit, half a pixel outside dark, linear between."""
    centres = np.arange(side) + 0.5
    dx = centres[None, None, :] - cx[:, None, None]  # (n, 1, side)
    dy = centres[None, :, None] - cy[:, None, None]  # (n, side, 1)
    s = size[:, None, None]
    square = np.maximum(np.abs(dx), np.abs(dy)) - s / 2
    circle = np.hypot(dx, dy) - s / np.sqrt(np.pi)
    # an equilateral triangle is where all three edges' half-planes meet; y points down, so the base's
    # outward normal is (0, 1) and the other two are (±√3/2, -1/2); every edge is one inradius from the centre
    inradius = s * _TRIANGLE_SIDE / (2 * np.sqrt(3))
    triangle = np.maximum(dy, np.maximum(np.sqrt(3) / 2 * dx - dy / 2, -np.sqrt(3) / 2 * dx - dy / 2)) - inradius
    d = np.choose(kind[:, None, None], [square, circle, triangle])  # (n, side, side)
    return np.clip(0.5 - d, 0.0, 1.0)
