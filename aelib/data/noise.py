"""Input corruption for denoising: the model sees the corrupted input and is trained to give back the clean
one (Vincent et al. 2008). Every kind takes a level in [0, 1] and a seeded generator."""
from __future__ import annotations

import numpy as np
import torch

NOISES = {
    "gaussian": "add Gaussian noise with standard deviation = level, then clip to [0, 1]",
    "salt_pepper": "set a fraction = level of the values to 0 or 1 at random",
    "mask": "set a fraction = level of the values to 0 (masking noise)",
}


def corrupt(x: torch.Tensor, kind: str, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """A corrupted copy of x (values in [0, 1]); x itself is left untouched."""
    if kind not in NOISES:
        raise ValueError(f"unknown noise {kind!r}; choose one of {', '.join(NOISES)}")
    if not 0 <= level <= 1:
        raise ValueError(f"noise level must be between 0 and 1, got {level}")

    def rand(fn):
        return fn(x.shape, generator=generator, device=x.device, dtype=x.dtype)

    if kind == "gaussian":
        return (x + level * rand(torch.randn)).clamp(0, 1)
    hit = rand(torch.rand) < level
    if kind == "mask":
        return x.masked_fill(hit, 0.0)
    salt = rand(torch.rand) < 0.5
    return torch.where(hit, salt.to(x.dtype), x)


def corrupt_array(x: np.ndarray, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """corrupt() for arrays, seeded: the same seed gives the same noise, for every model shown it."""
    g = torch.Generator().manual_seed(seed)
    return corrupt(torch.as_tensor(np.asarray(x, dtype=np.float32)), kind, level, g).numpy()
