"""Sparse autoencoders for interpretability: a small digit classifier's hidden activations explained as sparse sums
of learned directions. L1 (Bricken et al. 2023; Cunningham et al. 2023) or TopK (Gao et al. 2024) sparsity, dead
latents revived by resampling (Bricken et al.) or the AuxK loss (Gao et al.), and the numbers that judge an SAE:
L0, the fraction of variance unexplained, dead latents, and the classifier's accuracy on reconstructed activations."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aelib.data import Dataset
from aelib.labs import digit_net


@dataclass(frozen=True)
class SAEConfig:
    latents: int = 256  # dictionary size (an overcomplete basis: more latents than activations)
    k: int | None = 16  # TopK: exactly k latents fire per input; None: ReLU with an L1 penalty
    l1: float = 1e-3  # the L1 weight (only without k), on activations scaled to unit mean square
    dead_fix: Literal["resample", "auxk", "both", "none"] = "auxk"
    epochs: int = 60
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    aux_k: int = 64  # AuxK: latents the dead ones may use to model the residual
    aux_weight: float = 1 / 32  # Gao et al.'s alpha


class SparseAutoencoder(nn.Module):
    """z = TopK(W_enc (x - b_dec) + b_enc) or ReLU(...); x_hat = W_dec z + b_dec, decoder rows of unit norm."""

    def __init__(self, dim: int, latents: int, k: int | None):
        super().__init__()
        w = F.normalize(torch.randn(latents, dim), dim=1)
        self.W_dec = nn.Parameter(w)  # (latents, dim): one direction per latent
        self.W_enc = nn.Parameter(w.T.clone())  # (dim, latents): tied at initialisation (Gao et al.)
        self.b_enc, self.b_dec = nn.Parameter(torch.zeros(latents)), nn.Parameter(torch.zeros(dim))
        self.k = k

    def pre(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.b_dec) @ self.W_enc + self.b_enc  # (B, latents)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.pre(x)
        if self.k is None:
            return F.relu(pre)
        top = pre.topk(self.k, dim=1)
        return torch.zeros_like(pre).scatter(1, top.indices, F.relu(top.values))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return z @ self.W_dec + self.b_dec

    @torch.no_grad()
    def normalise(self) -> None:
        self.W_dec.data = F.normalize(self.W_dec.data, dim=1)


def fvu(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Fraction of variance unexplained: sum |x - x_hat|^2 / sum |x - mean(x)|^2."""
    return float(((x - x_hat) ** 2).sum() / ((x - x.mean(0)) ** 2).sum())


def _aux_loss(sae: SparseAutoencoder, pre: torch.Tensor, residual: torch.Tensor, dead: torch.Tensor,
              aux_k: int) -> torch.Tensor:
    """AuxK: the top aux_k dead latents reconstruct what the live ones missed (Gao et al. 2024, §A.2)."""
    masked = pre.masked_fill(~dead, float("-inf"))
    top = masked.topk(min(aux_k, int(dead.sum())), dim=1)
    z = torch.zeros_like(pre).scatter(1, top.indices, F.relu(top.values))
    return ((z @ sae.W_dec - residual) ** 2).sum() / ((residual - residual.mean(0)) ** 2).sum().clamp_min(1e-8)


@torch.no_grad()
def _resample(sae: SparseAutoencoder, opt: torch.optim.Adam, x: torch.Tensor, dead: torch.Tensor,
              gen: torch.Generator) -> None:
    """Dead latents point at inputs the SAE explains worst, drawn with probability ~ loss^2, encoder rows at 0.2 of
    the live ones' norm (L1; TopK: their full norm) and their Adam moments cleared (Bricken et al. 2023)."""
    err = ((sae.decode(sae.encode(x)) - x) ** 2).sum(1)
    rows = torch.multinomial(err ** 2 + 1e-12, int(dead.sum()), replacement=True, generator=gen)
    direction = F.normalize(x[rows] - sae.b_dec, dim=1)  # (n_dead, dim)
    alive_norm = sae.W_enc[:, ~dead].norm(dim=0).mean() if (~dead).any() else torch.tensor(1.0)
    sae.W_dec.data[dead] = direction
    gain = 0.2 if sae.k is None else 1.0  # under TopK a latent must outbid the live ones to fire at all
    sae.W_enc.data[:, dead] = direction.T * gain * alive_norm
    sae.b_enc.data[dead] = 0.0
    for param, index in ((sae.W_dec, dead), (sae.b_enc, dead)):
        for moment in opt.state.get(param, {}).values():
            if moment.dim():
                moment[index] = 0.0
    for moment in opt.state.get(sae.W_enc, {}).values():
        if moment.dim():
            moment[:, dead] = 0.0


def train_sae(acts: np.ndarray, cfg: SAEConfig) -> SparseAutoencoder:
    """Train on (N, dim) activations scaled to unit mean square (the scale is the caller's to undo)."""
    x = torch.as_tensor(acts, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        sae = SparseAutoencoder(x.shape[1], cfg.latents, cfg.k)
    sae.b_dec.data = x.mean(0).clone()
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(sae.parameters(), lr=cfg.lr)
    since = torch.zeros(cfg.latents)  # inputs since each latent last fired
    window, period = len(x), max(1, cfg.epochs // 8)  # dead: silent for a whole epoch; resample every period
    for epoch in range(cfg.epochs):
        for rows in digit_net.batches(len(x), cfg.batch_size, gen):
            xb = x[rows]
            pre = sae.pre(xb)
            z = sae.encode(xb)
            x_hat = sae.decode(z)
            loss = ((x_hat - xb) ** 2).sum(1).mean()
            if cfg.k is None:
                loss = loss + cfg.l1 * z.abs().sum(1).mean() * xb.shape[1]
            since = torch.where((z > 0).any(0), torch.zeros_like(since), since + len(xb))
            dead = since >= window
            if cfg.k is not None and cfg.dead_fix in ("auxk", "both") and dead.any():
                loss = loss + cfg.aux_weight * _aux_loss(sae, pre, (xb - x_hat).detach(), dead, cfg.aux_k) \
                    * xb.shape[1]
            opt.zero_grad()
            loss.backward()
            opt.step()
            sae.normalise()
        dead = since >= window
        late = epoch + 1 > 0.6 * cfg.epochs  # the last resampled latents get time to settle
        if cfg.dead_fix in ("resample", "both") and not late and (epoch + 1) % period == 0 and dead.any():
            _resample(sae, opt, x, dead, gen)
            since[dead] = 0
    return sae.eval()


@torch.no_grad()
def codes(sae: SparseAutoencoder, acts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, dim) -> (latent codes (N, latents), reconstructions (N, dim))."""
    z = sae.encode(torch.as_tensor(acts, dtype=torch.float32))
    return z.numpy(), sae.decode(z).numpy()


def top_digits(z: np.ndarray, n: int = 8) -> np.ndarray:
    """(N, latents) codes -> (latents, n) rows of the inputs that activate each latent most, strongest first."""
    return np.argsort(-z, axis=0)[:n].T


def purity(z: np.ndarray, y: np.ndarray, n: int = 8) -> float:
    """Mean share, over live latents, of a latent's n top-activating inputs that carry its commonest label."""
    live = np.flatnonzero((z > 0).any(0))
    top = top_digits(z[:, live], n)
    return float(np.mean([np.bincount(y[r]).max() / n for r in top])) if len(live) else 0.0


def evaluate(sae: SparseAutoencoder, net: digit_net.DigitNet, scale: float, h_train: np.ndarray,
             h_test: np.ndarray, y_test: np.ndarray) -> dict:
    """L0, dead fraction (never firing on the training activations), FVU and accuracies on the held-out split."""
    z_train, _ = codes(sae, h_train / scale)
    z, h_hat = codes(sae, h_test / scale)
    mean = np.tile(h_train.mean(0), (len(h_test), 1))
    return {"l0": float((z > 0).sum(1).mean()), "dead_fraction": float(np.mean(~(z_train > 0).any(0))),
            "fvu": fvu(h_test, h_hat * scale),
            "accuracy": digit_net.head_accuracy(net, h_test, y_test),
            "accuracy_with_reconstructed_activations": digit_net.head_accuracy(net, h_hat * scale, y_test),
            "accuracy_with_mean_activations": digit_net.head_accuracy(net, mean, y_test),
            "top_digit_purity": purity(z, y_test)}


def prepare(ds: Dataset, hidden: int = 128, epochs: int = 10, seed: int = 0):
    """The classifier and its hidden activations: (net, h_train, h_test, scale to unit mean square)."""
    net = digit_net.train_classifier(ds.x_train, ds.y_train, hidden, epochs, seed)
    h_train, h_test = digit_net.hidden_of(net, ds.x_train), digit_net.hidden_of(net, ds.x_test)
    scale = float(np.sqrt((h_train ** 2).mean()))
    return net, h_train, h_test, scale


def report(ds: Dataset, cfg: SAEConfig, hidden: int = 128, curve: tuple[int, ...] = ()) -> dict:
    """Train the classifier and one SAE; with `curve`, also a TopK SAE per k there (the sparsity–fidelity curve)."""
    start = time.perf_counter()
    net, h_train, h_test, scale = prepare(ds, hidden, seed=cfg.seed)
    sae = train_sae(h_train / scale, cfg)
    out = {"dataset": ds.name, "hidden": hidden, "latents": cfg.latents, "k": cfg.k,
           "sparsity": "topk" if cfg.k else "l1", "dead_fix": cfg.dead_fix,
           **evaluate(sae, net, scale, h_train, h_test, ds.y_test)}
    if curve:
        out["curve"] = [{"k": k, **{m: v for m, v in evaluate(train_sae(h_train / scale, _with_k(cfg, k)), net,
                                                                scale, h_train, h_test, ds.y_test).items()
                                    if m in ("l0", "fvu", "dead_fraction")}} for k in curve]
    out["seconds"] = round(time.perf_counter() - start, 2)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def _with_k(cfg: SAEConfig, k: int) -> SAEConfig:
    from dataclasses import replace
    return replace(cfg, k=k)
