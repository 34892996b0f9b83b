"""Anomaly detection with an autoencoder: the reconstruction error is the anomaly score. Owns the protocols
(one-class splits, injected outliers), the textbook threshold, metrics at a threshold and ROC / PR curves."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn import metrics as skm

from aelib import infer
from aelib.data import Dataset
from aelib.data.synthetic_media import inject_sequence_anomalies
from aelib.experiment import model_config, train_config
from aelib.i18n import Explained, Words
from aelib.models import MODELS, Autoencoder, ModelConfig, build_model
from aelib.train import EpochStats, TrainConfig, train

PROTOCOLS = {"one-class": "train on the normal classes only; test on every held-out sample, the other "
                          "classes being the anomalies",
             "inject": "train on the clean training split; test on the held-out split with synthetic "
                       "anomalies injected into a fraction of its rows"}
INJECT_FRACTION = 0.1  # share of held-out rows that carry an injected anomaly


def per_sample_errors(model: Autoencoder, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(N, D) -> (N,) mean squared reconstruction error of each sample: the anomaly score."""
    return per_value_errors(model, x, y).mean(axis=1)


def per_value_errors(model: Autoencoder, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(N, D) -> (N, D) squared error of every value (pixel, step, column): the heat maps' data."""
    x = np.asarray(x, dtype=np.float32)
    return (infer.reconstruct(model, x, y) - x) ** 2


def textbook_threshold(train_errors: np.ndarray) -> float:
    """mean + 2σ of the errors on the (normal) training samples: the textbook starting threshold. It uses
    no anomaly at all, so it is honest; whether it is any good depends on how the errors are spread."""
    e = np.asarray(train_errors, dtype=np.float64)
    if e.size == 0:
        raise ValueError("need at least one training error to set a threshold")
    return float(e.mean() + 2.0 * e.std())


# -- protocols ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class AnomalySplit:
    """What an anomaly detector trains and is scored on. Training rows are all normal."""

    protocol: str  # a key of PROTOCOLS
    x_train: np.ndarray  # (N_train, D) normal samples only
    x_test: np.ndarray  # (N_test, D)
    is_anomaly: np.ndarray  # (N_test,) bool: the ground truth, used only for scoring
    y_test: np.ndarray  # (N_test,) the dataset's class of each held-out sample
    description: Words  # in words, for the learner and the CLI (str() is English)


def parse_classes(ds: Dataset, text: str | list | tuple) -> tuple[int, ...]:
    """Normal classes from "1", "1,7", a class name ("benign") or a list of them; a clear error otherwise."""
    items = [s.strip() for s in text.split(",")] if isinstance(text, str) else [str(s).strip() for s in text]
    items = [s for s in items if s]
    out = []
    for item in items:
        if item in ds.class_names:
            out.append(ds.class_names.index(item))
        elif re.fullmatch(r"[0-9]{1,6}", item) and int(item) < len(ds.class_names):  # ASCII digits: not "²"
            out.append(int(item))
        else:
            raise ValueError(f"unknown class {item!r} for {ds.name}; choose from 0..{len(ds.class_names) - 1} "
                             f"({', '.join(ds.class_names)})")
    if not out:
        raise Explained("anomaly.error.no_normal")
    if len(set(out)) == len(ds.class_names):
        raise Explained("anomaly.error.all_normal")
    return tuple(sorted(set(out)))


def one_class_split(ds: Dataset, normal: tuple[int, ...] | list[int]) -> AnomalySplit:
    """Train only on the training rows of the `normal` classes; test on every held-out row, the rows of
    the other classes being the anomalies (Ruff et al. 2018's one-class protocol)."""
    normal = parse_classes(ds, list(normal))
    keep = np.isin(ds.y_train, normal)
    names = ", ".join(ds.class_names[c] for c in normal)
    return AnomalySplit("one-class", ds.x_train[keep], ds.x_test, ~np.isin(ds.y_test, normal), ds.y_test,
                        Words("anomaly.split.one_class", names=names, n=int(keep.sum())))


def inject_table_anomalies(x: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A copy of the table x (N, D), values in [0, 1], in which round(fraction·N) random rows have a random
    quarter to half of their columns replaced by uniform noise on [0, 1]: values each plausible on their
    own, but not together. Returns (x_with, is_anomaly (N,) bool)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
    rng = np.random.default_rng(seed)
    out = np.array(x, dtype=np.float32, copy=True)
    n, d = out.shape
    rows = rng.choice(n, size=round(fraction * n), replace=False)
    for row in rows:
        cols = rng.choice(d, size=max(1, int(rng.integers(d // 4, d // 2 + 1))), replace=False)
        out[row, cols] = rng.uniform(0.0, 1.0, len(cols))
    is_anomaly = np.zeros(n, dtype=bool)
    is_anomaly[rows] = True
    return out, is_anomaly


def injected_split(ds: Dataset, fraction: float = INJECT_FRACTION, seed: int = 0) -> AnomalySplit:
    """Train on the whole (clean) training split; inject anomalies into `fraction` of the held-out rows:
    spikes, level shifts, flat lines or frequency changes for sequences, scrambled columns for tables."""
    if ds.kind == "sequence":
        x_test, is_anomaly = inject_sequence_anomalies(ds.x_test.reshape(-1, *ds.shape), fraction, seed)
        x_test, what = x_test.reshape(len(x_test), -1), Words("anomaly.split.what_sequence")
    elif ds.kind == "table":
        x_test, is_anomaly = inject_table_anomalies(ds.x_test, fraction, seed)
        what = Words("anomaly.split.what_table")
    else:
        raise Explained("anomaly.error.inject_images", name=ds.name)
    return AnomalySplit("inject", ds.x_train, x_test.astype(np.float32), is_anomaly, ds.y_test,
                        Words("anomaly.split.inject", n=len(ds.x_train), anomalies=int(is_anomaly.sum()),
                              total=len(x_test), what=what))


def make_split(ds: Dataset, protocol: str, normal: str | tuple | list | None = None,
               fraction: float = INJECT_FRACTION, seed: int = 0) -> AnomalySplit:
    """The split for `protocol` (a key of PROTOCOLS)."""
    if protocol == "one-class":
        return one_class_split(ds, parse_classes(ds, "0" if normal is None else normal))
    if protocol == "inject":
        return injected_split(ds, fraction, seed)
    raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")


# -- scoring -----------------------------------------------------------------------------------------------

def metrics_at(scores: np.ndarray, is_anomaly: np.ndarray, threshold: float) -> dict:
    """Flag every sample whose score exceeds `threshold` as an anomaly (the positive class); precision,
    recall and F1 of the flags (0 where undefined) and the confusion matrix [[TN, FP], [FN, TP]]."""
    flagged, truth = np.asarray(scores) > threshold, np.asarray(is_anomaly, dtype=bool)
    tp, fp = int(np.sum(flagged & truth)), int(np.sum(flagged & ~truth))
    fn, tn = int(np.sum(~flagged & truth)), int(np.sum(~flagged & ~truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": float(threshold), "precision": precision, "recall": recall, "f1": f1,
            "confusion": [[tn, fp], [fn, tp]]}


def curves(scores: np.ndarray, is_anomaly: np.ndarray) -> dict:
    """ROC (fpr, tpr) with its area and the precision-recall curve with average precision (sklearn)."""
    truth = np.asarray(is_anomaly, dtype=bool)
    if truth.all() or not truth.any():
        raise ValueError("ROC and PR curves need both normal and anomalous test samples")
    fpr, tpr, _ = skm.roc_curve(truth, scores)
    precision, recall, _ = skm.precision_recall_curve(truth, scores)
    return {"fpr": fpr, "tpr": tpr, "auroc": float(skm.roc_auc_score(truth, scores)),
            "precision": precision, "recall": recall,
            "average_precision": float(skm.average_precision_score(truth, scores)),
            "base_rate": float(truth.mean())}


def worst(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, worst first."""
    return np.argsort(-np.asarray(scores), kind="stable")[:n]


def missed(scores: np.ndarray, is_anomaly: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n anomalies with the lowest scores: those the autoencoder reconstructs well, the
    method's known blind spot. Best-reconstructed first."""
    idx = np.flatnonzero(np.asarray(is_anomaly, dtype=bool))
    return idx[np.argsort(np.asarray(scores)[idx], kind="stable")[:n]]


# -- a detector, end to end --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Scored:
    """A trained detector's errors on its split, and the textbook threshold from the training errors."""

    train_errors: np.ndarray  # (N_train,) all normal
    test_errors: np.ndarray  # (N_test,)
    is_anomaly: np.ndarray  # (N_test,) bool
    threshold: float  # textbook_threshold(train_errors)


def score_split(model: Autoencoder, split: AnomalySplit) -> Scored:
    train_errors = per_sample_errors(model, split.x_train)
    return Scored(train_errors, per_sample_errors(model, split.x_test), split.is_anomaly,
                  textbook_threshold(train_errors))


def summary(scored: Scored, threshold: float | None = None) -> dict:
    """The numbers the CLI prints: areas under the curves, and the metrics at the (textbook) threshold."""
    at = metrics_at(scored.test_errors, scored.is_anomaly, scored.threshold if threshold is None else threshold)
    c = curves(scored.test_errors, scored.is_anomaly)
    return {"auroc": round(c["auroc"], 4), "average_precision": round(c["average_precision"], 4),
            "threshold": round(at["threshold"], 6), "precision": round(at["precision"], 4),
            "recall": round(at["recall"], 4), "f1": round(at["f1"], 4), "confusion": at["confusion"],
            "n_normal": int((~scored.is_anomaly).sum()), "n_anomalous": int(scored.is_anomaly.sum())}


# -- the recipe the CLI, the benchmark and the page share ---------------------------------------------------

RECIPE = {"latent_dim": 16, "batch_size": 32}  # anomaly defaults; see BENCHMARKS.md (bench --anomaly) for why
VAL_ROWS = 256  # held-out rows whose loss the curves show; never used to choose anything


def detector_configs(ds: Dataset, model: str = "conv_ae", latent_dim: int | None = None, epochs: int = 20,
                     seed: int = 0, **options) -> tuple[ModelConfig, TrainConfig]:
    """The model and training configs of a detector for ds: the model's family defaults, RECIPE's latent
    size and batch size, and the given options."""
    mcfg = model_config(ds, model, latent_dim or RECIPE["latent_dim"], **options)
    return mcfg, train_config(model, epochs=epochs, batch_size=RECIPE["batch_size"], seed=seed)


def training_events(model: Autoencoder, split: AnomalySplit, tcfg: TrainConfig,
                    progress_every_s: float | None = None):
    """aelib.train.train on the split's normal training rows (the curves' held-out rows: the first VAL_ROWS
    test rows, normal or not; they only draw the curve)."""
    return train(model, split.x_train, split.x_test[:VAL_ROWS], tcfg, progress_every_s)


def detect(ds: Dataset, split: AnomalySplit, model: str = "conv_ae", latent_dim: int | None = None,
           epochs: int = 20, seed: int = 0, log=None, device: str = "auto") -> tuple[Autoencoder, Scored, float]:
    """Train a detector on the split's normal rows (on `device`) and score it; (model, scored, training seconds)."""
    mcfg, tcfg = detector_configs(ds, model, latent_dim, epochs, seed)
    tcfg = replace(tcfg, device=device)
    if MODELS[model].cls.needs_labels:
        raise ValueError(f"{model} reads class labels, which a detector cannot know for new samples; "
                         "choose an unconditional model")
    net, t0 = build_model(mcfg, seed=seed), time.perf_counter()
    for ev in training_events(net, split, tcfg):
        if isinstance(ev, EpochStats) and log is not None:
            log(ev)
    return net, score_split(net, split), time.perf_counter() - t0


@dataclass
class AnomalyRun:
    """A detector the Anomaly page trained: its split, settings, network and epochs, how it ended and, once it has,
    its scores (what the page keeps)."""
    dataset: str
    split: AnomalySplit
    model_cfg: ModelConfig
    train_cfg: TrainConfig
    model: Autoencoder | None = None
    history: list[EpochStats] = field(default_factory=list)
    status: str = "training"  # training | finished | stopped | diverged
    message: Words | str = ""  # aelib's words for a diverged run; the other statuses are worded when shown
    seconds: float = 0.0  # training time, once finished
    scored: Scored | None = None  # errors and the textbook threshold, once training has ended
