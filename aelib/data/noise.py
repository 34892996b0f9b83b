"""Input corruption for denoising: the model sees the corrupted input and is trained to give back the clean
one (Vincent et al. 2008). Every kind takes a level in [0, 1] and a seeded generator."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from aelib.i18n import Words


@dataclass(frozen=True)
class Noise:
    """One kind of corruption. Its words live in the string tables (noise.<kind>.title, noise.<kind>.description):
    `title` and `description` are Words, English as a str and any language with say(lang)."""

    kind: str

    @property
    def title(self) -> Words:
        return Words(f"noise.{self.kind}.title")

    @property
    def description(self) -> Words:
        return Words(f"noise.{self.kind}.description")


# gaussian: x + level·N(0, 1), clipped to [0, 1]; salt_pepper: a fraction = level of the values set to 0 or 1;
# mask: a fraction = level of the values set to 0 (masking noise)
NOISES: dict[str, Noise] = {kind: Noise(kind) for kind in ("gaussian", "salt_pepper", "mask")}


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
