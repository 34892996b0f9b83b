"""Autoencoder objectives on top of the backbones in networks.py, their config, and the model registry.
Every model answers `loss_terms(x) -> {"loss": total, "recon": ..., ...}`; the trainer reads "loss"."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from aelib.networks import BACKBONES, CHECKS


@dataclass(frozen=True)
class ModelConfig:
    model: str = "ae"  # a key of MODELS
    input_shape: tuple[int, ...] = (1, 28, 28)  # one sample: (C, H, W) for images, (D,) for tables
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)  # dense layer widths, encoder order; the decoder mirrors them
    channels: tuple[int, ...] = (32, 64)  # conv channels; each layer halves the image size
    beta: float = 1.0  # vae: weight on the KL term; beta > 1 is a beta-VAE (Higgins et al. 2017)
    recon_loss: Literal["bce", "mse"] = "bce"  # data are in [0, 1], so BCE is a proper likelihood

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.latent_dim < 1:
            raise ValueError(f"latent size must be at least 1, got {self.latent_dim}")
        if self.recon_loss not in ("bce", "mse"):
            raise ValueError(f"reconstruction loss must be 'bce' or 'mse', got {self.recon_loss!r}")
        if self.beta < 0:
            raise ValueError(f"beta must be >= 0, got {self.beta}")
        CHECKS[MODELS[self.model].backbone](shape=self.input_shape, channels=self.channels)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(sorted(unknown))}")
        tuples = {k: tuple(v) for k, v in d.items() if isinstance(v, list)}
        return cls(**{**d, **tuples})


class Autoencoder(nn.Module):
    """x -> z = encode(x) -> x_hat = decode(z); trained to make x_hat close to x."""

    code_factor = 1  # the encoder outputs code_factor * latent_dim numbers

    def __init__(self, cfg: ModelConfig, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.cfg, self.encoder, self.decoder = cfg, encoder, decoder
        self.generator: torch.Generator | None = None  # noise source; the trainer seeds it

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # (B, latent_dim)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))  # (B, *shape) in [0, 1]

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The point a sample maps to in the latent space (what the latent plots show)."""
        return self.encode(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.embed(x))

    def recon_term(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction loss summed over a sample's values, averaged over the batch."""
        if self.cfg.recon_loss == "bce":
            per_value = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        else:
            per_value = F.mse_loss(torch.sigmoid(logits), x, reduction="none")
        return per_value.flatten(1).sum(1).mean()

    def loss_terms(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        recon = self.recon_term(self.decoder(self.encode(x)), x)
        return {"loss": recon, "recon": recon}


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over dims (Kingma & Welling 2014, App. B)."""
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)  # (B,)


class VAE(Autoencoder):
    """Variational autoencoder: the encoder outputs a Gaussian q(z|x), not a point.
    Loss = recon + beta * KL, the negative ELBO (Kingma & Welling 2014; beta: Higgins et al. 2017)."""

    code_factor = 2  # mu and logvar

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)  # each (B, latent_dim)
        return mu, logvar

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        # z = mu + sigma * eps keeps sampling differentiable with respect to mu and logvar
        eps = torch.randn(mu.shape, generator=self.generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * logvar) * eps

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[0]  # the posterior mean

    def loss_terms(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        recon = self.recon_term(self.decoder(z), x)
        kl = kl_to_standard_normal(mu, logvar).mean()
        return {"loss": recon + self.cfg.beta * kl, "recon": recon, "kl": kl}


@dataclass(frozen=True)
class Family:
    cls: type[Autoencoder]
    backbone: str  # a key of networks.BACKBONES
    title: str
    summary: str


MODELS: dict[str, Family] = {
    "ae": Family(Autoencoder, "dense", "Dense autoencoder",
                 "Fully connected encoder and decoder with a small bottleneck (undercomplete)."),
    "conv_ae": Family(Autoencoder, "conv", "Convolutional autoencoder",
                      "Convolutions share weights across the image; needs image data."),
    "vae": Family(VAE, "dense", "Variational autoencoder (β)",
                  "Encodes a distribution; loss = reconstruction + β·KL. β > 1 is a β-VAE."),
}


def build_model(cfg: ModelConfig, seed: int = 0) -> Autoencoder:
    """The model named by cfg.model, its backbone sized for cfg.input_shape, initialised from `seed`
    (without touching the global random state)."""
    family = MODELS[cfg.model]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder, decoder = BACKBONES[family.backbone](
            shape=cfg.input_shape, hidden=cfg.hidden, channels=cfg.channels,
            latent_dim=cfg.latent_dim, code_width=family.cls.code_factor * cfg.latent_dim)
    return family.cls(cfg, encoder, decoder)
