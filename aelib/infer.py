"""The torch -> numpy boundary: encode, reconstruct and score arrays with a trained model.
Pages and the CLI get plain arrays from here and never touch tensors."""
from __future__ import annotations

import numpy as np
import torch

from aelib.models import Autoencoder
from aelib.train import as_batch_tensor

BATCH = 2048  # rows per forward pass: bounds memory on full MNIST


def _device(model: Autoencoder) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def _map(model: Autoencoder, fn, x: np.ndarray) -> np.ndarray:
    was_training = model.training
    model.eval()
    out = [fn(as_batch_tensor(model, x[i:i + BATCH], _device(model))).flatten(1).cpu().numpy()
           for i in range(0, max(len(x), 1), BATCH)]  # an empty x still gives a (0, width) array
    model.train(was_training)
    return np.concatenate(out)


def encode(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """(N, D) -> (N, latent_dim) latent codes (a VAE gives its posterior means)."""
    return _map(model, model.embed, x)


def reconstruct(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """(N, D) -> (N, D) reconstructions in [0, 1]."""
    return _map(model, model.forward, x)


def decode(model: Autoencoder, z: np.ndarray) -> np.ndarray:
    """(N, latent_dim) codes -> (N, D) images or rows in [0, 1]."""
    was_training = model.training
    with torch.no_grad():
        model.eval()
        zt = torch.as_tensor(np.asarray(z, dtype=np.float32), device=_device(model))
        out = model.decode(zt).flatten(1).cpu().numpy()
    model.train(was_training)
    return out


def mse(model: Autoencoder, x: np.ndarray) -> float:
    """Mean squared error per value between x and its reconstruction."""
    return float(np.mean((reconstruct(model, x) - x) ** 2))
