"""Masked autoencoders (He et al. 2022) at CPU scale: cut a digit into patches, hide most of them, encode only the
visible ones with a small transformer, and let a lighter decoder fill in the rest; the loss counts hidden patches
only. Then a linear probe (logistic regression) on the encoder's features, against raw pixels and a plain
autoencoder's code of the same size. Plain arrays in and out."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from torch import nn

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import fit, model_config, train_config
from aelib.labs import digit_net
from aelib.labs.few_labels import sample_labelled


@dataclass(frozen=True)
class MAEConfig:
    mask_ratio: float = 0.75  # share of patches hidden from the encoder (He et al.: 75 %)
    grid: int = 4  # patches per side: 28×28 -> 16 patches of 7×7
    dim: int = 32  # token width; the probe's feature size (the plain AE's code gets as many numbers)
    depth: int = 1  # encoder blocks (the decoder has one too)
    epochs: int = 15
    lr: float = 2e-3
    seed: int = 0

    def __post_init__(self):
        if not 0.0 <= self.mask_ratio < 1.0:
            raise ValueError(f"the mask ratio must be in [0, 1), got {self.mask_ratio}")


def patchify(x: torch.Tensor, shape: tuple[int, ...], grid: int) -> torch.Tensor:
    """(B, C*H*W) -> (B, grid*grid, C*(H/grid)*(W/grid)), patches in reading order."""
    c, h, w = shape
    p, q = h // grid, w // grid
    x = x.reshape(-1, c, grid, p, grid, q).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(len(x), grid * grid, c * p * q)


def unpatchify(patches: torch.Tensor, shape: tuple[int, ...], grid: int) -> torch.Tensor:
    c, h, w = shape
    p, q = h // grid, w // grid
    x = patches.reshape(-1, grid, grid, c, p, q).permute(0, 3, 1, 4, 2, 5)
    return x.reshape(len(x), c * h * w)


def _blocks(dim: int, depth: int) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(dim, nhead=4, dim_feedforward=2 * dim, dropout=0.0, batch_first=True,
                                       norm_first=True)
    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)


class MaskedAutoencoder(nn.Module):
    def __init__(self, patch_dim: int, n_patches: int, cfg: MAEConfig):
        super().__init__()
        self.embed, self.pos = nn.Linear(patch_dim, cfg.dim), nn.Parameter(0.02 * torch.randn(n_patches, cfg.dim))
        self.encoder, self.norm = _blocks(cfg.dim, cfg.depth), nn.LayerNorm(cfg.dim)
        self.mask_token, self.dec_pos = nn.Parameter(torch.zeros(cfg.dim)), nn.Parameter(0.02 * torch.randn(
            n_patches, cfg.dim))
        self.decoder, self.out = _blocks(cfg.dim, 1), nn.Linear(cfg.dim, patch_dim)

    def encode(self, patches: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """(B, N, P) patches, (B, n_keep) indices of the visible ones (None: all) -> (B, n_keep, dim) tokens."""
        tokens = self.embed(patches) + self.pos
        if keep is not None:
            tokens = tokens.gather(1, keep[..., None].expand(-1, -1, tokens.shape[-1]))
        return self.norm(self.encoder(tokens))

    def forward(self, patches: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Every patch predicted from the visible ones: (B, N, P)."""
        b, n, _ = patches.shape
        full = self.mask_token.expand(b, n, -1).clone()
        full.scatter_(1, keep[..., None].expand(-1, -1, full.shape[-1]), self.encode(patches, keep))
        return self.out(self.decoder(full + self.dec_pos))


def random_keep(b: int, n: int, ratio: float, gen: torch.Generator) -> torch.Tensor:
    """(b, n_keep) sorted indices of the patches each image shows: a fresh random subset per image."""
    n_keep = max(1, round(n * (1 - ratio)))
    return torch.rand(b, n, generator=gen).argsort(1)[:, :n_keep].sort(1).values


def masked_loss(pred: torch.Tensor, patches: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    hidden = torch.ones(patches.shape[:2], dtype=torch.bool).scatter(1, keep, False)  # (B, N)
    return ((pred - patches) ** 2).mean(-1)[hidden].mean()


def train_mae(x: np.ndarray, shape: tuple[int, ...], cfg: MAEConfig) -> MaskedAutoencoder:
    if len(shape) != 3 or shape[1] % cfg.grid or shape[2] % cfg.grid:
        raise ValueError(f"a masked autoencoder needs images whose sides divide into {cfg.grid} patches; got {shape}")
    patches = patchify(torch.as_tensor(x, dtype=torch.float32), shape, cfg.grid)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        mae = MaskedAutoencoder(patches.shape[2], patches.shape[1], cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.AdamW(mae.parameters(), lr=cfg.lr, weight_decay=0.05)
    for _ in range(cfg.epochs):
        for rows in digit_net.batches(len(patches), 128, gen):
            keep = random_keep(len(rows), patches.shape[1], cfg.mask_ratio, gen)
            loss = masked_loss(mae(patches[rows], keep), patches[rows], keep)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return mae.eval()


@torch.no_grad()
def features(mae: MaskedAutoencoder, x: np.ndarray, shape: tuple[int, ...], grid: int) -> np.ndarray:
    """The encoder on every patch (no mask), tokens averaged: (N, dim)."""
    return mae.encode(patchify(torch.as_tensor(x, dtype=torch.float32), shape, grid)).mean(1).numpy()


@torch.no_grad()
def fill_in(mae: MaskedAutoencoder, x: np.ndarray, shape: tuple[int, ...], cfg: MAEConfig,
            seed: int) -> dict[str, np.ndarray | float]:
    """Mask held-out images, predict: the masked inputs (hidden patches 0), the filled-in images (visible patches
    kept), and the MSE per value on the hidden patches for the MAE and for the training mean of each patch."""
    patches = patchify(torch.as_tensor(x, dtype=torch.float32), shape, cfg.grid)
    keep = random_keep(len(patches), patches.shape[1], cfg.mask_ratio, torch.Generator().manual_seed(seed))
    shown = torch.zeros(patches.shape[:2], dtype=torch.bool).scatter(1, keep, True)[..., None]
    pred = mae(patches, keep)
    return {"masked": unpatchify(patches * shown, shape, cfg.grid).numpy(),
            "filled": unpatchify(torch.where(shown, patches, pred), shape, cfg.grid).numpy(),
            "mse_hidden": float(masked_loss(pred, patches, keep))}


def probe(f_train: np.ndarray, y_train: np.ndarray, f_test: np.ndarray, y_test: np.ndarray,
          rows: np.ndarray | None = None) -> float:
    """Logistic regression on standardised features (fitted on the training rows `rows`), held-out accuracy."""
    rows = np.arange(len(f_train)) if rows is None else rows
    scaler = StandardScaler().fit(f_train[rows])
    with threadpool_limits(limits=1):
        clf = LogisticRegression(max_iter=2000).fit(scaler.transform(f_train[rows]), y_train[rows])
    return float(clf.score(scaler.transform(f_test), y_test))


def report(ds: Dataset, cfg: MAEConfig, labels_per_class: int = 10, ae_epochs: int = 20, show: int = 8) -> dict:
    """Train the MAE and a plain AE (code size = cfg.dim); probe raw pixels, the AE code and the MAE features with
    all labels and with `labels_per_class`; the fill-in error against predicting each patch's mean."""
    start = time.perf_counter()
    mae = train_mae(ds.x_train, ds.shape, cfg)
    ae, _ = fit(ds, model_config(ds, "ae", cfg.dim), train_config("ae", epochs=ae_epochs, seed=cfg.seed))
    feats = {"raw": (ds.x_train, ds.x_test), "ae": (infer.encode(ae, ds.x_train), infer.encode(ae, ds.x_test)),
             "mae": (features(mae, ds.x_train, ds.shape, cfg.grid), features(mae, ds.x_test, ds.shape, cfg.grid))}
    few = sample_labelled(ds.y_train, labels_per_class, cfg.seed)
    out = {"dataset": ds.name, "mask_ratio": cfg.mask_ratio, "patches": cfg.grid ** 2, "feature_dim": cfg.dim}
    for name, (tr, te) in feats.items():
        out[f"probe_{name}"] = probe(tr, ds.y_train, te, ds.y_test)
        out[f"probe_{name}_{labels_per_class}_per_class"] = probe(tr, ds.y_train, te, ds.y_test, few)
    filled = fill_in(mae, ds.x_test, ds.shape, cfg, cfg.seed)
    mean = ds.x_train.mean(0, keepdims=True)
    out["mse_hidden_mae"] = filled["mse_hidden"]
    out["mse_hidden_mean"] = float(fill_in_mean(mean, ds.x_test, ds.shape, cfg))
    out["seconds"] = round(time.perf_counter() - start, 2)
    rows = {"original": ds.x_test[:show], "masked": filled["masked"][:show], "filled": filled["filled"][:show]}
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()} | {"rows": rows}


def fill_in_mean(mean: np.ndarray, x: np.ndarray, shape: tuple[int, ...], cfg: MAEConfig) -> float:
    """The baseline: every hidden patch guessed as the training set's mean image there (same masks as fill_in)."""
    patches = patchify(torch.as_tensor(x, dtype=torch.float32), shape, cfg.grid)
    guess = patchify(torch.as_tensor(mean, dtype=torch.float32), shape, cfg.grid).expand_as(patches)
    keep = random_keep(len(patches), patches.shape[1], cfg.mask_ratio, torch.Generator().manual_seed(cfg.seed))
    return float(masked_loss(guess, patches, keep))
