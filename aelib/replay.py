"""Training replay: the codes of a fixed set of held-out samples, snapshot as training goes, laid out in one
shared 2-D view so a learner can scrub or play how the latent space organised itself."""
from __future__ import annotations

import math

import numpy as np
from sklearn.decomposition import PCA

from aelib.metrics import knn_accuracy_cv

REPLAY_POINTS = 1000  # held-out samples followed through training (the first rows of the shuffled test split)
MAX_SNAPSHOTS = 41  # before training, then at most 40 epochs, evenly spaced; the last epoch always


def snapshot_epochs(epochs: int, max_snapshots: int = MAX_SNAPSHOTS) -> set[int]:
    """Epochs after which to take a snapshot: 0 (the untrained model), every k-th epoch, and the last."""
    if epochs < 0 or max_snapshots < 2:
        raise ValueError("need epochs ≥ 0 and room for at least two snapshots")
    step = max(1, math.ceil(epochs / (max_snapshots - 1)))
    return set(range(0, epochs + 1, step)) | {epochs}


def frames(snapshots: list[np.ndarray]) -> list[np.ndarray]:
    """Each snapshot's codes (n, d) as 2-D points in one shared view. Codes wider than 2 go through one PCA
    fitted on the last snapshot (so the motion is the model's, not a changing projection's); a 1-D code gets a
    zero second axis. Each frame is then centred and scaled to unit spread, so the replay shows how the points
    arrange themselves rather than how far the codes grow."""
    if not snapshots:
        raise ValueError("no snapshots to replay")
    d = snapshots[-1].shape[1]
    if d > 2:
        pca = PCA(2).fit(snapshots[-1])
        flat = [pca.transform(s) for s in snapshots]
    elif d == 2:
        flat = [np.asarray(s, dtype=np.float64) for s in snapshots]
    else:
        flat = [np.column_stack([s[:, 0], np.zeros(len(s))]) for s in snapshots]
    out = []
    for f in flat:
        f = f - f.mean(0)
        spread = float(np.sqrt((f ** 2).sum(1).mean()))
        out.append(f / spread if spread > 0 else f)
    return out


def organisation(snapshots: list[np.ndarray], y: np.ndarray) -> list[float]:
    """5-NN accuracy inside each snapshot's codes (cross-validated): how well the classes have separated."""
    return [knn_accuracy_cv(s, y) for s in snapshots]
