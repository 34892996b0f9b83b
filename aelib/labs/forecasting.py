"""Forecasting is not reconstruction: on the `sines` sequences, the same small network trained two ways — to
rebuild the history window it is shown (an autoencoder) or to predict the steps that follow it (a forecaster) —
scored on the held-out future against naive forecasts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aelib.data import Dataset
from aelib.i18n import Words
from aelib.infer import evaluating
from aelib.models.autoencoder import Autoencoder
from aelib.train import EpochStats, TrainConfig, train

TRAIN_DEFAULTS = {"lr": 2e-3, "batch_size": 64}
METHODS = ("forecaster", "ae_last_window", "last_window", "last_value")  # the forecasts compared, best first


@dataclass(frozen=True)
class WindowConfig:
    input_shape: tuple[int, ...] = (64,)  # one whole sequence: history then future
    history: int = 48  # steps the network is shown
    horizon: int = 16  # steps after them to forecast
    code: int = 8  # the bottleneck of both networks
    width: int = 128
    target: str = "future"  # "future": a forecaster; "history": an autoencoder of its own input
    model: str = "forecast"  # a name for messages (not a family of models.MODELS)

    def __post_init__(self):
        if self.history < 1 or self.horizon < 1 or self.history + self.horizon > self.input_shape[0]:
            raise ValueError(f"history ({self.history}) + horizon ({self.horizon}) must fit in a sequence of "
                             f"{self.input_shape[0]} steps, each at least 1")
        if self.horizon > self.history:
            raise ValueError("the horizon cannot be longer than the history window")
        if self.target not in ("future", "history"):
            raise ValueError(f"target must be 'future' or 'history', got {self.target!r}")


class WindowNet(Autoencoder):
    """history (B, history) -> dense encoder -> code (B, code) -> dense decoder -> (B, out). Trained with
    target="history" it is an autoencoder (out = history, scored on the window it was shown); with
    target="future" the very same layers are a forecaster (out = horizon, scored on the steps that follow)."""

    def __init__(self, cfg: WindowConfig):
        out = cfg.history if cfg.target == "history" else cfg.horizon
        encoder = nn.Sequential(nn.Linear(cfg.history, cfg.width), nn.ReLU(), nn.Linear(cfg.width, cfg.code))
        decoder = nn.Sequential(nn.Linear(cfg.code, cfg.width), nn.ReLU(), nn.Linear(cfg.width, out))
        super().__init__(cfg, encoder, decoder)

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(x[:, :self.cfg.history])  # only the past is shown

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        h = self.cfg.history
        target = x[:, :h] if self.cfg.target == "history" else x[:, h:h + self.cfg.horizon]
        recon = F.mse_loss(self(x), target, reduction="none").sum(1).mean()  # summed per sequence, as elsewhere
        return {"loss": recon, "recon": recon}


def build(cfg: WindowConfig, seed: int = 0) -> WindowNet:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return WindowNet(cfg)


def outputs(model: WindowNet, x: np.ndarray) -> np.ndarray:
    """(N, T) sequences -> (N, out) the network's output for each history window."""
    with evaluating(model), torch.no_grad():
        return model(torch.as_tensor(np.asarray(x, dtype=np.float32))).numpy()


@dataclass
class ForecastResult:
    cfg: WindowConfig
    mse: dict[str, float]  # mean squared error per future step, per method (METHODS)
    ae_recon_mse: float  # the autoencoder's error on the history window it was shown
    x: np.ndarray  # (n, T) a few held-out sequences
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)  # method -> (n, horizon) for those sequences
    ae_recon: np.ndarray | None = None  # (n, history) the autoencoder's rebuilt history windows


def naive(x: np.ndarray, cfg: WindowConfig) -> dict[str, np.ndarray]:
    """The naive forecasts: repeat the last window of `horizon` steps, or the last value."""
    h, k = cfg.history, cfg.horizon
    return {"last_window": x[:, h - k:h], "last_value": np.repeat(x[:, h - 1:h], k, 1)}


def experiment(ds: Dataset, epochs: int = 30, history: int = 48, horizon: int = 16, code: int = 8, seed: int = 0,
               report: Callable[[float, Words], None] | None = None, show: int = 4) -> ForecastResult:
    """Train the autoencoder (target: its history window) and the forecaster (target: the next `horizon` steps)
    on ds's training sequences; score every forecast on the held-out sequences' future steps. The autoencoder's
    forecast is its rebuilt last window of `horizon` steps — the best a reconstruction can offer as a forecast."""
    if ds.kind != "sequence" or ds.shape[-1] != 1:
        raise ValueError("forecasting needs one-feature sequences such as `sines`")
    say = report or (lambda fraction, text: None)
    xt, xv = ds.x_train.reshape(len(ds.x_train), -1), ds.x_test.reshape(len(ds.x_test), -1)
    tcfg = TrainConfig(epochs=epochs, seed=seed, device="cpu", **TRAIN_DEFAULTS)
    nets = {}
    for i, target in enumerate(("history", "future")):
        nets[target] = build(WindowConfig((xt.shape[1],), history, horizon, code, target=target), seed)
        for s in train(nets[target], xt, xv, tcfg):
            if isinstance(s, EpochStats):
                say((i + s.epoch / epochs) / 2, Words(f"where.fc.progress_{target}"))
        nets[target].cpu()
    h, k = history, horizon
    rebuilt = outputs(nets["history"], xv)  # (N, history)
    guesses = {"forecaster": outputs(nets["future"], xv), "ae_last_window": np.clip(rebuilt[:, h - k:], 0, 1),
               **naive(xv, nets["future"].cfg)}
    future = xv[:, h:h + k]
    mse = {m: float(np.mean((guesses[m] - future) ** 2)) for m in METHODS}
    return ForecastResult(nets["future"].cfg, mse, float(np.mean((rebuilt - xv[:, :h]) ** 2)), xv[:show],
                          {m: g[:show] for m, g in guesses.items()}, rebuilt[:show])


def report(ds: Dataset, epochs: int = 30, history: int = 48, horizon: int = 16, seed: int = 0) -> dict:
    """The numbers `python -m aelib forecast` prints (mean squared error per step)."""
    r = experiment(ds, epochs, history, horizon, seed=seed)
    return {"dataset": ds.name, "history": history, "horizon": horizon, "epochs": epochs,
            "ae_reconstruction_mse": round(r.ae_recon_mse, 5),
            **{f"future_mse_{m}": round(v, 5) for m, v in r.mse.items()}}
