"""The torch -> numpy boundary: encode, reconstruct and score arrays with a trained model.
Pages and the CLI get plain arrays from here and never touch tensors."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from aelib.models import Autoencoder
from aelib.train import as_batch_tensor, label_tensor

BATCH = 2048  # rows per forward pass: bounds memory on full MNIST


def _device(model: Autoencoder) -> torch.device:
    return next(model.parameters()).device


@contextmanager
def evaluating(model: Autoencoder) -> Iterator[torch.device]:
    """Eval mode without gradients for the block (the model's own mode is restored after); yields its device."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield _device(model)
    finally:
        model.train(was_training)


def _map(model: Autoencoder, fn, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """fn(x_batch, y_batch) over x in batches, in eval mode, as one (N, width) array. Labels are passed
    only to models that read them (conditional ones), which need them."""
    with evaluating(model) as device:
        yt = label_tensor(model, y, len(x), device)
        out = [fn(as_batch_tensor(model, x[i:i + BATCH], device), None if yt is None else yt[i:i + BATCH])
               .flatten(1).cpu().numpy()
               for i in range(0, max(len(x), 1), BATCH)]  # an empty x still gives a (0, width) array
    return np.concatenate(out)


def encode(model: Autoencoder, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(N, D) -> (N, width) latent codes (a VAE gives its posterior means; a VQ-VAE its quantised vectors)."""
    return _map(model, model.embed, x, y)


def reconstruct(model: Autoencoder, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(N, D) -> (N, D) reconstructions in [0, 1]."""
    return _map(model, model.forward, x, y)


def decode(model: Autoencoder, z: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(N, latent_dim) codes (and labels, for a conditional model) -> (N, D) images or rows in [0, 1]."""
    with evaluating(model) as device:
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32), device=device)
        return model.decode(zt, label_tensor(model, y, len(zt), device)).flatten(1).cpu().numpy()


def mse(model: Autoencoder, x: np.ndarray, y: np.ndarray | None = None) -> float:
    """Mean squared error per value between x and its reconstruction."""
    return float(np.mean((reconstruct(model, x, y) - x) ** 2))
