"""A recommender on a ratings matrix made here with a known low-rank taste structure: item-based AutoRec (Sedhain et
al. 2015) trained with the masked loss that sparse inputs need, against item means on held-out ratings (RMSE)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from aelib.i18n import Words
from aelib.infer import evaluating
from aelib.models.autoencoder import Autoencoder
from aelib.train import EpochStats, TrainConfig, train

TRAIN_DEFAULTS = {"lr": 1e-2, "batch_size": 32, "weight_decay": 1e-3}  # Adam + L2, as AutoRec's λ‖W‖²


@dataclass(frozen=True)
class Ratings:
    """A users × items matrix of 1–5 star ratings, 0 where unknown, split into the ratings a model may see (train)
    and the ratings it is scored on (test); `taste` is the noiseless low-rank score every rating was drawn from."""
    train: np.ndarray  # (users, items) float32, 0 = not seen
    test: np.ndarray  # (users, items) float32, 0 = not held out
    taste: np.ndarray  # (users, items) the generating scores, on the star scale before rounding
    rank: int

    @property
    def density(self) -> float:
        return float(((self.train > 0) | (self.test > 0)).mean())


def make_ratings(users: int = 600, items: int = 300, rank: int = 3, density: float = 0.1, held_out: float = 0.2,
                 noise: float = 0.4, seed: int = 0) -> Ratings:
    """Tastes U (users, rank) and item traits V (items, rank) from N(0, 1), a per-item popularity, then a rating
    round(3 + U·Vᵀ/√rank + popularity + noise) clipped to 1..5 for a random `density` share of the pairs; a
    `held_out` share of those ratings is kept apart for testing."""
    if not (0 < density <= 1 and 0 < held_out < 1 and rank >= 1 and users >= 2 and items >= 2):
        raise ValueError("need 0 < density ≤ 1, 0 < held_out < 1, rank ≥ 1 and at least 2 users and 2 items")
    rng = np.random.default_rng(seed)
    u, v = rng.standard_normal((users, rank)), rng.standard_normal((items, rank))
    taste = 3.0 + u @ v.T / np.sqrt(rank) + 0.5 * rng.standard_normal(items)  # (users, items)
    stars = np.clip(np.rint(taste + noise * rng.standard_normal(taste.shape)), 1, 5)
    seen = rng.random(taste.shape) < density
    test_part = seen & (rng.random(taste.shape) < held_out)
    train_part = seen & ~test_part
    return Ratings(np.where(train_part, stars, 0).astype(np.float32), np.where(test_part, stars, 0).astype(np.float32),
                   taste.astype(np.float32), rank)


@dataclass(frozen=True)
class AutoRecConfig:
    input_shape: tuple[int, ...] = (2, 600)  # one item: its ratings by every user (row 0: input, row 1: target)
    hidden: int = 64  # code size
    masked: bool = True  # the loss counts observed ratings only (False: every 0 counts as a rating of 0)
    model: str = "autorec"  # a name for messages (not a family of models.MODELS)


class AutoRec(Autoencoder):
    """I-AutoRec (Sedhain et al. 2015): an item's ratings by all users r (users,) -> sigmoid(W r + b) (hidden,) ->
    V h + c (users,): every user's predicted rating of that item. Unknown ratings enter as 0; the masked loss
    sums (r̂ − r)² over observed entries only, so the zeros never teach it that unknown means "rated 0".
    A sample is (2, users): row 0 is what the encoder sees, row 1 what the prediction is scored on (the same
    ratings when training; held-out ratings when validating)."""

    def __init__(self, cfg: AutoRecConfig):
        users = cfg.input_shape[1]
        super().__init__(cfg, nn.Sequential(nn.Linear(users, cfg.hidden), nn.Sigmoid()), nn.Linear(cfg.hidden, users))

    def output(self, logits: torch.Tensor) -> torch.Tensor:
        return logits  # ratings live on the star scale, not in [0, 1]

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(x[:, 0] if x.dim() == 3 else x)  # (B, hidden)

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        target = x[:, 1]  # (B, users)
        mask = (target > 0).float() if self.cfg.masked else torch.ones_like(target)
        sq = (self.decode(self.encode(x[:, 0])) - target) ** 2 * mask
        recon = sq.sum() / mask.sum().clamp(min=1.0)  # mean squared error per counted rating
        return {"loss": recon, "recon": recon}


def build(cfg: AutoRecConfig, seed: int = 0) -> AutoRec:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return AutoRec(cfg)


def rmse(pred: np.ndarray, truth: np.ndarray) -> float:
    """Root mean squared error over the entries where truth holds a rating (> 0)."""
    seen = truth > 0
    return float(np.sqrt(np.mean((pred[seen] - truth[seen]) ** 2)))


def item_means(r: Ratings) -> np.ndarray:
    """The baseline: every user gets each item's mean training rating (the global mean for unrated items)."""
    counts = (r.train > 0).sum(0)
    overall = r.train[r.train > 0].mean()
    means = np.where(counts > 0, r.train.sum(0) / np.maximum(counts, 1), overall)
    return np.broadcast_to(means, r.train.shape)


def predict(model: AutoRec, ratings: np.ndarray) -> np.ndarray:
    """(users, items) seen ratings -> (users, items) predicted ratings, clipped to 1..5."""
    with evaluating(model), torch.no_grad():
        x = torch.as_tensor(ratings.T.copy())  # one row per item
        return np.clip(model.decode(model.encode(x)).numpy().T, 1.0, 5.0)


@dataclass
class RecommenderResult:
    ratings: Ratings
    rmse: dict[str, float]  # held-out RMSE per method
    history: list[EpochStats] = field(default_factory=list)  # the masked AutoRec's epochs (val: held-out MSE)
    predictions: np.ndarray | None = None  # the masked AutoRec's (users, items) predictions


def fit(r: Ratings, masked: bool, epochs: int, seed: int = 0, hidden: int = 64,
        log: Callable[[EpochStats], None] | None = None) -> tuple[AutoRec, list[EpochStats]]:
    """Train AutoRec on the training ratings; its validation loss is the MSE on the held-out ratings."""
    model = build(AutoRecConfig((2, r.train.shape[0]), hidden, masked), seed)
    x_train = np.stack([r.train.T, r.train.T], 1)  # (items, 2, users)
    x_val = np.stack([r.train.T, r.test.T], 1)
    cfg = TrainConfig(epochs=epochs, seed=seed, device="cpu", **TRAIN_DEFAULTS)
    history = []
    for s in train(model, x_train, x_val, cfg):
        if isinstance(s, EpochStats):
            history.append(s)
            if log:
                log(s)
    return model.cpu(), history


def experiment(r: Ratings, epochs: int = 30, seed: int = 0, hidden: int = 64,
               report: Callable[[float, Words], None] | None = None) -> RecommenderResult:
    """Held-out RMSE of the global mean, item means, AutoRec with a plain loss over every entry (zeros counted
    as ratings), AutoRec with the masked loss, and the noiseless tastes the ratings were drawn from."""
    say = report or (lambda fraction, text: None)
    plain, _ = fit(r, False, epochs, seed, hidden,
                   lambda s: say(s.epoch / epochs / 2, Words("where.rec.progress_plain")))
    model, history = fit(r, True, epochs, seed, hidden,
                         lambda s: say(0.5 + s.epoch / epochs / 2, Words("where.rec.progress_masked")))
    pred = predict(model, r.train)
    overall = np.full(r.train.shape, r.train[r.train > 0].mean())
    scores = {"global_mean": rmse(overall, r.test), "item_means": rmse(item_means(r), r.test),
              "autorec_unmasked": rmse(predict(plain, r.train), r.test), "autorec_masked": rmse(pred, r.test),
              "taste_oracle": rmse(np.clip(r.taste, 1, 5), r.test)}
    return RecommenderResult(r, scores, history, pred)


def report(users: int = 600, items: int = 300, rank: int = 3, density: float = 0.1, epochs: int = 30,
           seed: int = 0) -> dict:
    """The numbers `python -m aelib recommender` prints."""
    r = make_ratings(users, items, rank, density, seed=seed)
    result = experiment(r, epochs, seed)
    return {"users": users, "items": items, "rank": rank, "density": round(r.density, 4),
            "train_ratings": int((r.train > 0).sum()), "test_ratings": int((r.test > 0).sum()), "epochs": epochs,
            **{f"rmse_{k}": round(v, 4) for k, v in result.rmse.items()}}
