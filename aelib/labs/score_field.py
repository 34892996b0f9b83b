"""Denoising and score matching on 2-D toy data: points on a circle. A denoising autoencoder r trained at small noise
sigma has a residual field r(x) - x ≈ sigma^2 ∇ log p(x) (Vincent 2011; Alain & Bengio 2014), which points toward
the data; and its loss ≈ the clean reconstruction error + sigma^2 |∂r/∂x|_F^2, the contractive penalty on the
reconstruction (Alain & Bengio's reconstruction-contractive AE). Measured against a plain AE trained without
noise, which on 2-D data can learn the identity and contracts nothing. Plain arrays in and out."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from aelib.labs import digit_net


@dataclass(frozen=True)
class ScoreConfig:
    sigma: float = 0.1  # the denoising noise (the circle has radius 1)
    n: int = 2000  # training points on the circle
    epochs: int = 300
    width: int = 64
    grid: int = 15  # the field is shown on grid × grid points of [-1.5, 1.5]^2
    seed: int = 0


def circle(n: int, seed: int) -> np.ndarray:
    """(n, 2) points on the unit circle at uniformly random angles."""
    a = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(a), np.sin(a)], 1).astype(np.float32)


def _net(width: int) -> nn.Module:
    """r: R^2 -> R^2 through a 2-D code (encoder 2 -> width -> 2, decoder 2 -> width -> 2)."""
    return nn.Sequential(nn.Linear(2, width), nn.Softplus(), nn.Linear(width, 2),
                         nn.Linear(2, width), nn.Softplus(), nn.Linear(width, 2))


def train_ae(x: np.ndarray, sigma: float, cfg: ScoreConfig) -> nn.Module:
    """Minimise |r(x + sigma*eps) - x|^2 (sigma = 0: a plain autoencoder)."""
    xt = torch.as_tensor(x)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        net = _net(cfg.width)
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(cfg.epochs):
        for rows in digit_net.batches(len(xt), 256, gen):
            noisy = xt[rows] + sigma * torch.randn(len(rows), 2, generator=gen)
            loss = ((net(noisy) - xt[rows]) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


def jacobians(net: nn.Module, x: np.ndarray) -> np.ndarray:
    """∂r/∂x at each point: (N, 2, 2)."""
    xt = torch.as_tensor(x, dtype=torch.float32).requires_grad_(True)
    out = net(xt)
    rows = [torch.autograd.grad(out[:, i].sum(), xt, retain_graph=True)[0] for i in range(2)]
    return torch.stack(rows, 1).detach().numpy()


@torch.no_grad()
def residuals(net: nn.Module, x: np.ndarray) -> np.ndarray:
    """r(x) - x: (N, 2)."""
    return net(torch.as_tensor(x, dtype=torch.float32)).numpy() - x


def toward_manifold(points: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Cosine between each field vector and the shortest way to the circle (radially in or out)."""
    radius = np.linalg.norm(points, axis=1, keepdims=True)
    to_circle = points / radius * (1 - radius)
    num = (field * to_circle).sum(1)
    return num / (np.linalg.norm(field, axis=1) * np.linalg.norm(to_circle, axis=1) + 1e-12)


def contraction(net: nn.Module, x: np.ndarray) -> dict:
    """On data points: |J|_F^2 and the Jacobian's gain along the circle's tangent and along its normal."""
    j = jacobians(net, x)
    normal = x / np.linalg.norm(x, axis=1, keepdims=True)
    tangent = np.stack([-normal[:, 1], normal[:, 0]], 1)
    gain = lambda v: float(np.mean(np.linalg.norm(np.einsum("nij,nj->ni", j, v), axis=1)))  # noqa: E731
    return {"jacobian_frobenius2": float(np.mean((j ** 2).sum((1, 2)))), "gain_tangent": gain(tangent),
            "gain_normal": gain(normal)}


def denoising_loss(net: nn.Module, x: np.ndarray, sigma: float, seed: int, draws: int = 20) -> float:
    """E|r(x + sigma*eps) - x|^2, averaged over `draws` noises per point."""
    gen = torch.Generator().manual_seed(seed)
    xt = torch.as_tensor(x).repeat(draws, 1)
    with torch.no_grad():
        return float(((net(xt + sigma * torch.randn(xt.shape, generator=gen)) - xt) ** 2).sum(1).mean())


def report(cfg: ScoreConfig) -> dict:
    """Train a DAE (sigma) and a plain AE on the circle; the residual field on a grid off the circle, its
    alignment with the way back to the circle, each model's contraction, and the small-noise expansion
    E|r(x+σε)-x|^2 ≈ |r(x)-x|^2 + σ^2 |J|_F^2 checked on the DAE."""
    x = circle(cfg.n, cfg.seed)
    dae, plain = train_ae(x, cfg.sigma, cfg), train_ae(x, 0.0, cfg)
    ticks = np.linspace(-1.5, 1.5, cfg.grid, dtype=np.float32)
    grid = np.stack(np.meshgrid(ticks, ticks), -1).reshape(-1, 2)
    off = np.abs(np.linalg.norm(grid, axis=1) - 1) > 0.15  # off the circle, not at the centre either
    off &= np.linalg.norm(grid, axis=1) > 0.3
    field = residuals(dae, grid)
    probe = circle(500, cfg.seed + 1)
    c_dae, c_plain = contraction(dae, probe), contraction(plain, probe)
    clean = float((residuals(dae, probe) ** 2).sum(1).mean())
    out = {"sigma": cfg.sigma, "cosine_toward_circle": float(np.mean(toward_manifold(grid[off], field[off]))),
           "share_pointing_toward": float(np.mean(toward_manifold(grid[off], field[off]) > 0)),
           "cosine_plain": float(np.mean(toward_manifold(grid[off], residuals(plain, grid[off])))),
           **{f"dae_{k}": v for k, v in c_dae.items()}, **{f"plain_{k}": v for k, v in c_plain.items()},
           "dae_loss": denoising_loss(dae, probe, cfg.sigma, cfg.seed),
           "clean_plus_contractive": clean + cfg.sigma ** 2 * c_dae["jacobian_frobenius2"]}
    out = {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}
    return out | {"grid": grid, "field": field, "data": x[:300]}
