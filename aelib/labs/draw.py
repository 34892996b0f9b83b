"""A learner's drawing, read the way MNIST was made (LeCun et al., 1998: crop, scale into a 20×20 box keeping
the aspect ratio, anti-alias, centre by mass in 28×28), then held against a trained model: reconstruction,
anomaly score against the textbook threshold, and the nearest training samples in latent space."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from aelib import infer
from aelib.i18n import Explained
from aelib.labs.anomaly import per_sample_errors, textbook_threshold
from aelib.models import Autoencoder
from aelib.projections import nearest, project_pca

MNIST_SIDE, MNIST_BOX = 28, 20  # MNIST's digits fill a 20×20 box inside a 28×28 field
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights: RGB -> grey


def _unit(a: np.ndarray) -> np.ndarray:
    """Pixel values as floats in [0, 1]: integers (0-255) and floats above 1 are divided by 255."""
    u = np.asarray(a, dtype=np.float64)
    return u / 255.0 if np.asarray(a).dtype.kind in "ui" or (u.size and u.max() > 1.0) else u


def ink(drawing: np.ndarray) -> np.ndarray:
    """(H, W) grey or (H, W, 3|4) colour drawing -> (H, W) ink in [0, 1], strokes bright on a dark ground.
    A canvas with a transparent background gives its ink as the alpha channel (any stroke colour); an opaque
    one its brightness, inverted when the paper is light (dark ink on white)."""
    a = np.asarray(drawing)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]  # (1, H, W), the shape of a dataset sample
    if a.ndim == 3 and a.shape[2] in (3, 4):
        u = np.clip(_unit(a), 0.0, 1.0)
        if a.shape[2] == 4 and u[..., 3].min() < 1.0:  # strokes on a transparent ground
            return u[..., 3]
        grey = u[..., :3] @ LUMA
    elif a.ndim == 2:
        grey = np.clip(_unit(a), 0.0, 1.0)
    else:
        raise ValueError(f"expected a grey (H, W) or colour (H, W, 3 or 4) drawing, got an array of shape {a.shape}")
    return 1.0 - grey if np.median(grey) > 0.5 else grey


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass, in pixel-index coordinates."""
    total = img.sum()
    rows, cols = np.arange(img.shape[0]), np.arange(img.shape[1])
    return float(img.sum(1) @ rows / total), float(img.sum(0) @ cols / total)


def preprocess(drawing: np.ndarray, side: int = MNIST_SIDE) -> np.ndarray:
    """A drawing -> (1, side, side) float32 in [0, 1], as MNIST's digits were made: crop to the ink's bounding
    box, scale its longer side to 20 px (20/28 of `side`) keeping the aspect ratio (Lanczos, so anti-aliased),
    and paste it so its centre of mass lies at the field's centre pixel. Explained (a ValueError) for an
    empty or too faint drawing."""
    img = ink(drawing)
    rows, cols = np.flatnonzero(img.max(1) > 0), np.flatnonzero(img.max(0) > 0)
    if len(rows) == 0:
        raise Explained("draw.empty")
    crop = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]  # (h, w) bounding box of the ink
    box = round(side * MNIST_BOX / MNIST_SIDE)
    scale = box / max(crop.shape)
    h, w = (max(1, round(n * scale)) for n in crop.shape)
    small = Image.fromarray(crop.astype(np.float32)).resize((w, h), Image.Resampling.LANCZOS)
    patch = np.clip(np.asarray(small, dtype=np.float64), 0.0, 1.0)  # Lanczos overshoots a little at edges
    if patch.sum() == 0:
        raise Explained("draw.faint")
    cy, cx = centre_of_mass(patch)
    top, left = round(side / 2 - cy), round(side / 2 - cx)  # MNIST's mean centre of mass is pixel (14, 14)
    out = np.zeros((side, side))
    r0, c0 = max(0, top), max(0, left)  # paste, clipping whatever would fall outside the field
    r1, c1 = min(side, top + h), min(side, left + w)
    out[r0:r1, c0:c1] = patch[r0 - top:r1 - top, c0 - left:c1 - left]
    return out[None].astype(np.float32)


@dataclass(frozen=True, eq=False)
class Reference:
    """What a drawing is compared with, computed once per model: the codes of both splits and the
    training samples' reconstruction errors with the threshold they give."""

    z_train: np.ndarray  # (N_train, width)
    z_test: np.ndarray  # (N_test, width)
    train_errors: np.ndarray  # (N_train,) per-sample MSE
    threshold: float  # mean + 2σ of train_errors


@dataclass(frozen=True, eq=False)
class Reading:
    """One drawing as the model sees it."""

    x: np.ndarray  # (D,) the preprocessed drawing
    x_hat: np.ndarray  # (D,) its reconstruction
    z: np.ndarray  # (width,) its code
    error: float  # mean squared error per value: the anomaly score
    threshold: float
    neighbours: np.ndarray  # (k,) training row indices, nearest code first

    @property
    def is_anomaly(self) -> bool:
        return self.error > self.threshold


def reference(model: Autoencoder, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
              y_test: np.ndarray) -> Reference:
    errors = per_sample_errors(model, x_train, y_train)
    return Reference(infer.encode(model, x_train, y_train), infer.encode(model, x_test, y_test), errors,
                     textbook_threshold(errors))


def read(model: Autoencoder, x: np.ndarray, ref: Reference, label: int | None = None, k: int = 8) -> Reading:
    """Reconstruct, score and place one preprocessed sample x (any shape with D values). A conditional model
    also needs the class the learner meant (`label`)."""
    row = np.asarray(x, dtype=np.float32).reshape(1, -1)  # (1, D)
    y = None if label is None else np.array([label])
    x_hat = infer.reconstruct(model, row, y)[0]
    z = infer.encode(model, row, y)[0]
    error = float(np.mean((x_hat - row[0]) ** 2))
    return Reading(row[0], x_hat, z, error, ref.threshold, nearest(ref.z_train, z, k))


def plane(ref: Reference, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """(test coordinates (N_test, 2), the drawing's (2,), axis name) for a 2-D scatter: the codes themselves
    when they are 2-D or less, else their first two principal axes (fitted on the training codes)."""
    if ref.z_test.shape[1] <= 2:
        return ref.z_test, z, "z"
    both = project_pca(ref.z_train, np.vstack([ref.z_test, z[None]])).test  # (N_test + 1, 2)
    return both[:-1], both[-1], "PC"
