"""The autoencoder inside latent diffusion (Rombach et al. 2022), at CPU scale: a VAE compresses digits to a few
numbers, a small denoising diffusion model (Ho et al. 2020) learns the distribution of those codes, and the VAE's
decoder draws what it samples. Judged by a separately trained digit classifier: the share of samples it recognises
with confidence, for real digits, the VAE's reconstructions (the decoder's ceiling: what compression loses), draws
from the VAE's prior, and the diffusion model's samples. Plain arrays in and out."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import fit, model_config, train_config
from aelib.labs import digit_net

CONFIDENT = 0.9  # a sample counts as recognised when the classifier gives one digit at least this probability


@dataclass(frozen=True)
class LatentDiffusionConfig:
    latent_dim: int = 8  # the VAE's code: 784 pixels -> 8 numbers, where the diffusion model works
    vae_epochs: int = 20
    steps: int = 200  # diffusion steps T
    diffusion_epochs: int = 100  # passes over the training codes (each code is seen at random steps)
    samples: int = 500
    seed: int = 0


def schedule(steps: int) -> torch.Tensor:
    """alpha_bar_t for a linear beta schedule from 1e-4 to 0.04 (T = 200 leaves ~2 % of the signal at the end)."""
    betas = torch.linspace(1e-4, 0.04 * 200 / steps, steps)
    return torch.cumprod(1 - betas, 0)


class Denoiser(nn.Module):
    """eps_theta(z_t, t): an MLP on the noisy code and a sinusoidal embedding of t. (B, k), (B,) -> (B, k)."""

    def __init__(self, k: int, width: int = 256, t_dim: int = 32):
        super().__init__()
        self.t_dim = t_dim
        self.net = nn.Sequential(nn.Linear(k + t_dim, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU(),
                                 nn.Linear(width, width), nn.SiLU(), nn.Linear(width, k))

    def forward(self, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        freqs = torch.exp(-math.log(1000.0) * torch.arange(self.t_dim // 2) / (self.t_dim // 2))
        angle = t[:, None].float() * freqs[None]
        return self.net(torch.cat([z, angle.sin(), angle.cos()], dim=1))


def train_diffusion(codes: np.ndarray, cfg: LatentDiffusionConfig) -> Denoiser:
    """Ho et al.'s simple loss |eps - eps_theta(sqrt(a_t) z + sqrt(1 - a_t) eps, t)|^2 on standardised codes."""
    z0 = torch.as_tensor(codes, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = Denoiser(z0.shape[1])
    gen, abar = torch.Generator().manual_seed(cfg.seed), schedule(cfg.steps)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(cfg.diffusion_epochs):
        for rows in digit_net.batches(len(z0), 256, gen):
            t = torch.randint(0, cfg.steps, (len(rows),), generator=gen)
            eps = torch.randn(len(rows), z0.shape[1], generator=gen)
            a = abar[t][:, None]
            loss = ((model(a.sqrt() * z0[rows] + (1 - a).sqrt() * eps, t) - eps) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def sample(model: Denoiser, n: int, k: int, steps: int, seed: int) -> np.ndarray:
    """Ancestral DDPM sampling from pure noise, with sigma_t^2 = beta_t: (n, k) standardised codes."""
    gen, abar = torch.Generator().manual_seed(seed), schedule(steps)
    alphas = abar / torch.cat([torch.ones(1), abar[:-1]])
    z = torch.randn(n, k, generator=gen)
    for t in range(steps - 1, -1, -1):
        eps = model(z, torch.full((n,), t))
        z = (z - (1 - alphas[t]) / (1 - abar[t]).sqrt() * eps) / alphas[t].sqrt()
        if t > 0:
            z = z + (1 - alphas[t]).sqrt() * torch.randn(n, k, generator=gen)
    return z.numpy()


def recognised(net: digit_net.DigitNet, images: np.ndarray) -> dict:
    """The share the classifier gives one digit at least CONFIDENT probability, and how many digits those cover."""
    p = digit_net.probabilities(net, images.astype(np.float32))
    sure = p.max(1) >= CONFIDENT
    return {"recognised": float(sure.mean()), "digits_covered": int(len(np.unique(p.argmax(1)[sure])))}


def report(ds: Dataset, cfg: LatentDiffusionConfig, show: int = 10) -> dict:
    """VAE, diffusion on its codes (means), the classifier's verdict on each kind of image; images to show."""
    start = time.perf_counter()
    vae, _ = fit(ds, model_config(ds, "vae", cfg.latent_dim), train_config("vae", epochs=cfg.vae_epochs,
                                                                          seed=cfg.seed))
    codes = infer.encode(vae, ds.x_train)  # (N, k): the posterior means
    mean, std = codes.mean(0), codes.std(0) + 1e-6
    model = train_diffusion((codes - mean) / std, cfg)
    z = sample(model, cfg.samples, cfg.latent_dim, cfg.steps, cfg.seed) * std + mean
    prior = np.random.default_rng(cfg.seed).standard_normal((cfg.samples, cfg.latent_dim)).astype(np.float32)
    images = {"real": ds.x_test[:cfg.samples], "reconstructed": infer.reconstruct(vae, ds.x_test[:cfg.samples]),
              "prior": infer.decode(vae, prior), "latent_diffusion": infer.decode(vae, z.astype(np.float32))}
    net = digit_net.train_classifier(ds.x_train, ds.y_train, hidden=256, epochs=20, seed=cfg.seed + 1)
    out = {"dataset": ds.name, "latent_dim": cfg.latent_dim, "pixels": ds.input_dim,
           "compression": round(ds.input_dim / cfg.latent_dim, 1), "samples": cfg.samples,
           "confidence": CONFIDENT, "classifier_accuracy": digit_net.accuracy(net, ds.x_test, ds.y_test),
           "vae_mse": infer.mse(vae, ds.x_test)}
    for name, imgs in images.items():
        r = recognised(net, imgs)
        out[f"recognised_{name}"], out[f"digits_covered_{name}"] = r["recognised"], r["digits_covered"]
    out["seconds"] = round(time.perf_counter() - start, 2)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()} | {
        "rows": {k: v[:show] for k, v in images.items()}}
