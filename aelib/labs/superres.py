"""Super-resolution: a small convolutional encoder–decoder that restores an image from a copy shrunk by 2 or 4,
measured against bicubic upsampling by PSNR. The torch -> numpy boundary for it is here too: arrays in and out."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aelib.data import Dataset
from aelib.experiment import training_split
from aelib.i18n import Words
from aelib.infer import BATCH, evaluating
from aelib.labs.denoising import mean_psnr, psnr
from aelib.models.autoencoder import Autoencoder
from aelib.train import EpochStats, Progress, TrainConfig, pick_device, train

SCALES = (2, 4)
TRAIN_DEFAULTS = {"lr": 2e-3, "batch_size": 64}  # more, larger steps than the dense AEs' defaults; see BENCHMARKS.md
METHODS = ("nearest", "bicubic", "model")  # the three ways back up to full size the lab compares


@dataclass(frozen=True)
class SuperResConfig:
    input_shape: tuple[int, ...] = (1, 28, 28)  # the full-size image (C, H, W): what the trainer feeds in
    scale: int = 2  # the low-resolution input is (H / scale) × (W / scale)
    channels: int = 16  # feature maps in every convolution
    recon_loss: str = "mse"  # PSNR scores squared error, so the model is trained on squared error
    model: str = "superres"  # a name for messages (not a family of models.MODELS)

    def __post_init__(self):
        if len(self.input_shape) != 3:
            raise ValueError(f"super-resolution needs images (C, H, W); this data has shape {self.input_shape}")
        if self.scale not in SCALES:
            raise ValueError(f"the scale must be one of {', '.join(map(str, SCALES))}, got {self.scale}")
        _, h, w = self.input_shape
        if h % self.scale or w % self.scale:
            raise ValueError(f"{h}×{w} images cannot be shrunk by {self.scale}: both sides must be divisible by it")
        if self.channels < 1:
            raise ValueError(f"the number of channels must be at least 1, got {self.channels}")

    @property
    def low_shape(self) -> tuple[int, int, int]:
        c, h, w = self.input_shape
        return c, h // self.scale, w // self.scale


def downsample(x: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H/scale, W/scale): each low-res pixel is the mean of a scale×scale block (area
    averaging, what a camera with bigger pixels would record)."""
    return F.avg_pool2d(x, scale)


def bicubic_up(low: torch.Tensor, scale: int) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, h·scale, w·scale) by bicubic interpolation (torch, align_corners=False), clipped to
    [0, 1]: bicubic overshoots at sharp edges."""
    return F.interpolate(low, scale_factor=scale, mode="bicubic", align_corners=False).clamp(0.0, 1.0)


class SuperResAE(Autoencoder):
    """Low-res image -> encoder (convolutions at the low resolution) -> feature maps -> decoder (sub-pixel
    convolutions, Shi et al. 2016, each doubling the size) -> a correction added to the bicubic upsampling
    (residual learning, Kim et al. 2016: the network only has to learn what bicubic gets wrong).
    Like a denoising AE it makes its own degraded input: loss_terms(x) shrinks the full-size x, restores it
    and scores the result against x."""

    def __init__(self, cfg: SuperResConfig):
        c, ch, s = cfg.input_shape[0], cfg.channels, cfg.scale
        encoder = nn.Sequential(nn.Conv2d(c, ch, 5, padding=2), nn.ReLU(), nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU())
        # every convolution runs at the low resolution; the last one writes s² values per pixel, which
        # PixelShuffle rearranges into an s×s block: (B, c·s², h, w) -> (B, c, h·s, w·s)
        decoder = nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(), nn.Conv2d(ch, c * s * s, 3, padding=1),
                                nn.PixelShuffle(s))
        super().__init__(cfg, encoder, decoder)

    def encode(self, low: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(low)  # (B, channels, h, w): a feature map, not a small code

    def forward(self, low: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """(B, C, h, w) low-res -> (B, C, H, W) in [0, 1]."""
        return (bicubic_up(low, self.cfg.scale) + self.decoder(self.encode(low))).clamp(0.0, 1.0)

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        low = downsample(x, self.cfg.scale)
        # unclipped for the gradient (a clamp would stop it for pixels pushed past 0 or 1)
        x_hat = bicubic_up(low, self.cfg.scale) + self.decoder(self.encode(low))
        recon = F.mse_loss(x_hat, x, reduction="none").flatten(1).sum(1).mean()  # summed per image, as elsewhere
        return {"loss": recon, "recon": recon}


def build(cfg: SuperResConfig, seed: int = 0) -> SuperResAE:
    """The network for cfg, initialised from `seed` without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return SuperResAE(cfg)


def train_config(epochs: int, seed: int = 0, **changes) -> TrainConfig:
    return TrainConfig(epochs=epochs, seed=seed, **{**TRAIN_DEFAULTS, **changes})


@dataclass
class SuperRes:
    """A trained super-resolution model with what the lab shows about it."""
    dataset: str
    model: SuperResAE
    history: list[EpochStats] = field(default_factory=list)
    data_dir: str | None = None
    device: str = "cpu"  # where it trained
    cache: dict = field(default_factory=dict)  # restore() results the lab shows, computed once

    @property
    def scale(self) -> int:
        return self.model.cfg.scale

    @property
    def seconds(self) -> float:
        return sum(h.seconds for h in self.history)


def fit(ds: Dataset, cfg: SuperResConfig, tcfg: TrainConfig,
        log: Callable[[float, str], None] | None = None, progress_every_s: float | None = None) -> SuperRes:
    """Train a super-resolution model for ds's images with aelib's trainer (seed, device and divergence checks
    there); log(fraction done, text) after every epoch and, with progress_every_s, inside long epochs."""
    if cfg.input_shape != ds.shape:
        raise ValueError(f"the model is for {cfg.input_shape} images but {ds.name} has {ds.shape}")
    model, history = build(cfg, tcfg.seed), []
    x_tr, _, x_val, _, _ = training_split(ds, tcfg)
    for ev in train(model, x_tr, x_val, tcfg, progress_every_s=progress_every_s):
        if isinstance(ev, EpochStats):
            history.append(ev)
            done = ev.epoch / ev.epochs
        elif isinstance(ev, Progress):
            done = (ev.epoch - 1 + ev.batch / ev.n_batches) / tcfg.epochs
        else:
            continue
        if log is not None:
            log(done, Words("superres.progress", epoch=ev.epoch, epochs=tcfg.epochs))
    return SuperRes(ds.name, model, history, device=pick_device(tcfg.device).type)


def _rows(fn, x: np.ndarray, shape: tuple[int, ...], device: torch.device) -> np.ndarray:
    """fn over (N, prod(shape)) rows in batches, as (N, width) numpy."""
    x = np.asarray(x, dtype=np.float32)
    out = [fn(torch.as_tensor(x[i:i + BATCH], device=device).reshape(-1, *shape)).flatten(1).cpu().numpy()
           for i in range(0, max(len(x), 1), BATCH)]
    return np.concatenate(out)


def low_res(x: np.ndarray, shape: tuple[int, ...], scale: int) -> np.ndarray:
    """(N, C·H·W) full-size rows -> (N, C·(H/scale)·(W/scale)) low-res rows (area averaging)."""
    return _rows(lambda t: downsample(t, scale), x, shape, torch.device("cpu"))


def upscale(low: np.ndarray, shape: tuple[int, ...], scale: int, method: str,
            model: SuperResAE | None = None) -> np.ndarray:
    """(N, low-res values) -> (N, C·H·W) full-size rows in [0, 1], for shape = the full size (C, H, W).
    method: "nearest" (each pixel repeated: what the low-res image looks like enlarged), "bicubic" or "model"."""
    c, h, w = shape
    small = (c, h // scale, w // scale)
    if method == "nearest":
        return _rows(lambda t: F.interpolate(t, scale_factor=scale, mode="nearest"), low, small, torch.device("cpu"))
    if method == "bicubic":
        return _rows(lambda t: bicubic_up(t, scale), low, small, torch.device("cpu"))
    if method != "model" or model is None:
        raise ValueError(f"unknown method {method!r} (or no model given); choose one of {', '.join(METHODS)}")
    with evaluating(model) as device:
        return _rows(model, low, small, device)


def restore(sr: SuperRes, x: np.ndarray) -> dict[str, np.ndarray]:
    """Shrink the full-size rows x and bring them back every way: "low" (N, low-res values), then "nearest",
    "bicubic" and "model" (each (N, D)), with "psnr_<method>" (N,) against x."""
    cfg = sr.model.cfg
    low = low_res(x, cfg.input_shape, cfg.scale)
    out = {m: upscale(low, cfg.input_shape, cfg.scale, m, sr.model) for m in METHODS}
    return {"low": low, **out, **{f"psnr_{m}": psnr(x, v) for m, v in out.items()}}


def report(ds: Dataset, scale: int, tcfg: TrainConfig, channels: int = SuperResConfig.channels) -> dict:
    """Train on ds and measure on its whole held-out split: the CLI's `superres` command."""
    sr = fit(ds, SuperResConfig(ds.shape, scale, channels), tcfg)
    r = restore(sr, ds.x_test)
    means = {m: round(mean_psnr(ds.x_test, r[m]), 3) for m in METHODS}
    _, h, w = sr.model.cfg.low_shape
    return {"dataset": ds.name, "scale": scale, "low_res": f"{h}x{w}", "epochs": len(sr.history),
            "n_test": len(ds.x_test), "psnr_nearest": means["nearest"], "psnr_bicubic": means["bicubic"],
            "psnr_model": means["model"], "gain_over_bicubic_db": round(means["model"] - means["bicubic"], 3),
            "wins_over_bicubic": round(float(np.mean(r["psnr_model"] > r["psnr_bicubic"])), 4),
            "bicubic": "torch F.interpolate(mode='bicubic', align_corners=False), clipped to [0, 1]",
            "device": sr.device, "seconds": round(sr.seconds, 2)}
