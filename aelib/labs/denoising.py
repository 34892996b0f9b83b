"""The denoising lab: PSNR, a denoising autoencoder and a plain one with the same network trained side by side,
and how each copes with a given corruption (kind and level) of held-out data. Plain arrays in and out."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from aelib import infer
from aelib.data import Dataset
from aelib.data.noise import NOISES, corrupt_array
from aelib.experiment import TRAINED_HERE, fit, model_config
from aelib.i18n import Words
from aelib.models import Autoencoder, ModelConfig
from aelib.train import EpochStats, TrainConfig

CURVE_LEVELS = tuple(round(0.1 * i, 1) for i in range(9))  # 0.0, 0.1, ..., 0.8
LATENT_DIM = 32  # a code wide enough to keep a digit's detail; the bottleneck alone then removes little noise
HIDDEN = (512, 256)


def psnr(clean: np.ndarray, other: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio of each sample in dB: 10·log10(data_range² / MSE), the MSE over the
    sample's values. Higher is better; +6 dB halves the error's amplitude. A sample identical to its clean
    version has no error and an infinite PSNR (inf, as skimage gives). (N, ...), (N, ...) -> (N,); a 1-D
    array is one sample."""
    clean, other = np.atleast_2d(np.asarray(clean, np.float64)), np.atleast_2d(np.asarray(other, np.float64))
    if clean.shape != other.shape:
        raise ValueError(f"PSNR needs arrays of the same shape, got {clean.shape} and {other.shape}")
    if not data_range > 0:
        raise ValueError(f"the data range must be positive, got {data_range}")
    mse = np.mean((clean - other) ** 2, axis=tuple(range(1, clean.ndim)))  # one sample per row
    with np.errstate(divide="ignore"):  # mse == 0 -> +inf, on purpose
        return 10.0 * np.log10(data_range ** 2 / mse)


def mean_psnr(clean: np.ndarray, other: np.ndarray, data_range: float = 1.0) -> float:
    """The mean of the per-sample PSNRs; inf if any sample is unchanged (say so rather than average it away)."""
    return float(np.mean(psnr(clean, other, data_range)))


@dataclass
class DenoisePair:
    """A denoising AE and a plain AE with the same network, settings and seed; the plain one never saw noise."""
    dataset: str
    dae: Autoencoder
    plain: Autoencoder
    histories: tuple[list[EpochStats], list[EpochStats]] = field(default_factory=lambda: ([], []))
    source: str = TRAINED_HERE  # or FROM_TRAIN_PAGE
    data_dir: str | None = None  # where the dataset's files are, for the downloaded sets
    curves: dict = field(default_factory=dict)  # (kind, seed, n) -> psnr_curve(); a curve is computed once

    @property
    def noise(self) -> str:
        return self.dae.cfg.noise

    @property
    def noise_level(self) -> float:
        return self.dae.cfg.noise_level


def pair_configs(ds: Dataset, noise: str, level: float, latent_dim: int = LATENT_DIM,
                 hidden: tuple[int, ...] = HIDDEN) -> tuple[ModelConfig, ModelConfig]:
    """(denoising_ae, ae) configs for ds that differ only in the model: same layers, code size and loss."""
    dae = model_config(ds, "denoising_ae", latent_dim, noise=noise, noise_level=level, hidden=hidden)
    return dae, replace(dae, model="ae")


def train_pair(ds: Dataset, dae_cfg: ModelConfig, tcfg: TrainConfig,
               log: Callable[[float, Words], None] | None = None, dae: Autoencoder | None = None,
               plain: Autoencoder | None = None) -> DenoisePair:
    """The denoising AE of dae_cfg and a plain AE with the same network, each trained with tcfg unless given
    already trained; log(fraction done, Words saying which model and epoch) after every epoch."""
    if dae_cfg.model != "denoising_ae":
        raise ValueError(f"the denoising model must be a denoising_ae, got {dae_cfg.model}")
    jobs = {"dae": (dae_cfg, Words("denoising.progress_dae")),
            "plain": (replace(dae_cfg, model="ae"), Words("denoising.progress_plain"))}
    models, histories = {"dae": dae, "plain": plain}, {"dae": [], "plain": []}
    todo = [k for k, m in models.items() if m is None]

    def reporting(done: int, what: str) -> Callable[[EpochStats], None] | None:
        if log is None:
            return None
        return lambda s: log((done + s.epoch / s.epochs) / len(todo),
                             Words("denoising.progress", what=what, epoch=s.epoch, epochs=s.epochs))

    for done, k in enumerate(todo):
        cfg, what = jobs[k]
        models[k], histories[k] = fit(ds, cfg, tcfg, reporting(done, what))
    return DenoisePair(ds.name, models["dae"], models["plain"], (histories["dae"], histories["plain"]))


def side_by_side(pair: DenoisePair, x: np.ndarray, kind: str, level: float, seed: int = 0) -> dict[str, np.ndarray]:
    """The same noisy copy of x through both models: arrays "noisy", "denoised", "plain" (each (N, D)) and
    the per-sample PSNR of each against the clean x ("psnr_noisy", "psnr_denoised", "psnr_plain")."""
    noisy = corrupt_array(x, kind, level, seed)
    out = {"noisy": noisy, "denoised": infer.reconstruct(pair.dae, noisy),
           "plain": infer.reconstruct(pair.plain, noisy)}
    return {**out, **{f"psnr_{k}": psnr(x, v) for k, v in out.items()}}


def psnr_curve(dae: Autoencoder, plain: Autoencoder, x: np.ndarray, kind: str,
               levels: tuple[float, ...] = CURVE_LEVELS, seed: int = 0) -> dict[str, list[float]]:
    """Mean PSNR against the clean x at each noise level: of the noisy input, of the denoising AE's output and
    of the plain AE's output for that same input. Every level reuses `seed`, so Gaussian noise at 0.4 is the
    noise at 0.2 doubled: the curves differ by the level alone."""
    if kind not in NOISES:
        raise ValueError(f"unknown noise {kind!r}; choose one of {', '.join(NOISES)}")
    out = {"levels": list(levels), "noisy": [], "denoised": [], "plain": []}
    for level in levels:
        noisy = corrupt_array(x, kind, level, seed)
        out["noisy"].append(mean_psnr(x, noisy))
        out["denoised"].append(mean_psnr(x, infer.reconstruct(dae, noisy)))
        out["plain"].append(mean_psnr(x, infer.reconstruct(plain, noisy)))
    return out


def pair_curve(pair: DenoisePair, x: np.ndarray, kind: str, seed: int = 0) -> dict[str, list[float]]:
    """psnr_curve() for the pair's models, kept with the pair (the models do not change once trained)."""
    key = (kind, seed, len(x))
    if key not in pair.curves:
        pair.curves[key] = psnr_curve(pair.dae, pair.plain, x, kind, seed=seed)
    return pair.curves[key]


def losing_levels(curve: dict[str, list[float]], margin: float = 0.0) -> list[float]:
    """The noise levels where the denoising AE does not beat the plain AE by more than margin dB."""
    return [lv for lv, d, p in zip(curve["levels"], curve["denoised"], curve["plain"]) if not d > p + margin]


def finite_or_none(values: list[float]) -> list[float | None]:
    """Infinite PSNRs (an unchanged input) as gaps for a chart, which cannot draw infinity."""
    return [v if math.isfinite(v) else None for v in values]


def report(dataset: Dataset, noise: str, level: float, tcfg: TrainConfig, latent_dim: int = LATENT_DIM) -> dict:
    """Train the pair on dataset and measure it on the whole held-out split at the training noise: the CLI's
    `denoise` command."""
    dae_cfg, _ = pair_configs(dataset, noise, level, latent_dim)
    pair = train_pair(dataset, dae_cfg, tcfg)
    r = side_by_side(pair, dataset.x_test, noise, level, tcfg.seed)
    return {"dataset": dataset.name, "noise": noise, "noise_level": level, "latent_dim": latent_dim,
            "epochs": tcfg.epochs, "n_test": len(dataset.x_test),
            **{f"psnr_{k}": round(float(np.mean(r[f"psnr_{k}"])), 3) for k in ("noisy", "denoised", "plain")},
            "seconds": round(sum(h.seconds for hist in pair.histories for h in hist), 2)}
