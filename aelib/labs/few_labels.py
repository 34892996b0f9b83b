"""Features from few labels: an autoencoder trained without labels as a feature extractor. Logistic regression
on k labelled examples per class, with raw pixels, PCA codes or autoencoder codes as features, scored on the
held-out split and averaged over several random draws of the labelled examples. Plain arrays in and out."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import TRAINED_HERE, fit, model_config
from aelib.i18n import Words
from aelib.models import MODELS, Autoencoder
from aelib.train import TrainConfig

FEATURE_SETS = ("raw", "pca", "ae")
FEATURE_TITLES = {"raw": Words("few_labels.feature.raw"), "pca": Words("few_labels.feature.pca"),
                  "ae": Words("few_labels.feature.ae")}  # English as a str; say(lang) for another language
KS = (1, 2, 5, 10, 20, 50, 100, 200)  # labelled examples per class; "all" is added by ks_for()
LATENT_DIM = 32
REPEATS = 5  # random draws of the labelled examples per k
MAX_ITER = 1000  # lbfgs iterations for the logistic regression


def class_counts(y: np.ndarray) -> np.ndarray:
    """How many training examples each class present in y has."""
    return np.unique(y, return_counts=True)[1]


def sample_labelled(y: np.ndarray, k: int | None, seed: int) -> np.ndarray:
    """Row indices of exactly k examples of every class in y, drawn without replacement by `seed` (sorted);
    k=None takes every row. A k above the smallest class's size is an error, not a silent shortfall."""
    if k is None:
        return np.arange(len(y))
    classes, counts = np.unique(y, return_counts=True)
    if k < 1:
        raise ValueError(f"labels per class must be at least 1, got {k}")
    if k > counts.min():
        raise ValueError(f"cannot draw {k} labelled examples per class: the smallest class has only "
                         f"{counts.min()} training examples")
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), k, replace=False) for c in classes]))


def ks_for(y: np.ndarray, ks: tuple[int, ...] = KS) -> list[int | None]:
    """The k values that fit this training split (each at most the smallest class), then None for all labels."""
    return [k for k in ks if k < class_counts(y).min()] + [None]


@dataclass
class Features:
    """Each feature set for the training and test rows, standardised. The PCA, the autoencoder and the scalers
    saw only training images, never a label: all that needs labels is the probe fitted on top."""
    train: dict[str, np.ndarray]  # name -> (N_train, width)
    test: dict[str, np.ndarray]  # name -> (N_test, width)
    widths: dict[str, int] = field(default_factory=dict)


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zero mean, unit variance per column, with the (unlabelled) training split's statistics."""
    scaler = StandardScaler().fit(train)
    return scaler.transform(train).astype(np.float32), scaler.transform(test).astype(np.float32)


def features(ds: Dataset, model: Autoencoder, seed: int = 0) -> Features:
    """raw pixels, PCA with as many components as the model's code is wide, and the model's codes."""
    z_train, z_test = infer.encode(model, ds.x_train), infer.encode(model, ds.x_test)  # (N, width)
    width = min(z_train.shape[1], ds.input_dim, len(ds.x_train))
    pca = PCA(n_components=width, random_state=seed).fit(ds.x_train)
    raw = {"raw": (ds.x_train, ds.x_test), "pca": (pca.transform(ds.x_train), pca.transform(ds.x_test)),
           "ae": (z_train, z_test)}
    scaled = {k: standardise(a, b) for k, (a, b) in raw.items()}
    return Features({k: v[0] for k, v in scaled.items()}, {k: v[1] for k, v in scaled.items()},
                    {k: v[0].shape[1] for k, v in scaled.items()})


def probe_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> float:
    """Test accuracy of a multinomial logistic regression (L2, C=1) fitted on the given rows. One BLAS thread:
    these problems are small, and on a shared server several threads fighting for cores made a fit 10-100×
    slower (measured: 22.6 s instead of 1.8 s for raw pixels with all 4,000 mnist5k labels)."""
    with threadpool_limits(limits=1):
        clf = LogisticRegression(max_iter=MAX_ITER).fit(x_train, y_train)
    return float(np.mean(clf.predict(x_test) == y_test))


def draw_seed(seed: int, k: int | None, repeat: int) -> int:
    """One seed per (seed, k, draw): every feature set sees the same labelled examples (a paired comparison)."""
    return int(np.random.SeedSequence([seed, k or 0, repeat]).generate_state(1)[0])


def accuracy_curve(feats: Features, y_train: np.ndarray, y_test: np.ndarray, ks: list[int | None],
                   repeats: int = REPEATS, seed: int = 0,
                   log: Callable[[float, str], None] | None = None) -> dict:
    """Mean and sd of the test accuracy over `repeats` draws at each k (one draw for all labels, which has no
    randomness): {"k": [...], "labelled": [examples per class], name: {"mean": [...], "sd": [...]}}."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    out = {"k": [k or "all" for k in ks], "labelled": [], **{f: {"mean": [], "sd": []} for f in feats.train}}
    for i, k in enumerate(ks):
        draws = [sample_labelled(y_train, k, draw_seed(seed, k, r)) for r in range(repeats if k else 1)]
        out["labelled"].append(len(draws[0]) / len(np.unique(y_train)))
        for name in feats.train:
            acc = [probe_accuracy(feats.train[name][rows], y_train[rows], feats.test[name], y_test) for rows in draws]
            out[name]["mean"].append(float(np.mean(acc)))
            out[name]["sd"].append(float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0)
        if log is not None:
            log((i + 1) / len(ks), f"Probes fitted for {k or 'all'} labels per class")
    return out


def train_extractor(ds: Dataset, latent_dim: int, tcfg: TrainConfig, model: str = "ae",
                    log: Callable[[float, str], None] | None = None) -> tuple[Autoencoder, float]:
    """An autoencoder trained on the training images alone (fit() passes labels only to models that read them,
    so a conditional model is refused here); returns it and its training seconds."""
    mcfg = model_config(ds, model, latent_dim)
    check_extractor(mcfg.model)
    report = None if log is None else (
        lambda s: log(s.epoch / s.epochs, Words("progress.autoencoder", epoch=s.epoch, epochs=s.epochs)))
    net, history = fit(ds, mcfg, tcfg, report)
    return net, sum(h.seconds for h in history)


def check_extractor(model: str) -> None:
    """Refuse a conditional model: it encodes with the label, so its codes would carry the answer."""
    if MODELS[model].cls.needs_labels:
        raise ValueError(f"{model} reads the class label to encode, so its codes would leak the labels; "
                         "choose a model trained without labels (ae, vae, denoising_ae, ...)")


def best_at(curve: dict, i: int) -> str:
    """The feature set with the highest mean accuracy at position i of the curve."""
    return max(FEATURE_SETS, key=lambda f: curve[f]["mean"][i])


def report(ds: Dataset, model: str, latent_dim: int, k: int | None, tcfg: TrainConfig,
           repeats: int = REPEATS, whole_curve: bool = False) -> dict:
    """Train the extractor and probe every feature set at one k (and, if asked, at every k of ks_for): the
    CLI's `probe` command."""
    t0 = time.perf_counter()
    check_extractor(model)
    sample_labelled(ds.y_train, k, tcfg.seed)  # a k the data cannot give fails before training, not after
    net, train_s = train_extractor(ds, latent_dim, tcfg, model)
    feats = features(ds, net, tcfg.seed)
    curve = accuracy_curve(feats, ds.y_train, ds.y_test, [k], repeats, tcfg.seed)
    extra = {}
    if whole_curve:
        c = accuracy_curve(feats, ds.y_train, ds.y_test, ks_for(ds.y_train), repeats, tcfg.seed)
        extra["curve"] = {"k": c["k"], **{f: {s: [round(v, 4) for v in c[f][s]] for s in ("mean", "sd")}
                                          for f in FEATURE_SETS}}
    return {"dataset": ds.name, "model": model, "latent_dim": latent_dim, "labels_per_class": k or "all",
            "repeats": repeats if k else 1, "epochs": tcfg.epochs, "n_test": len(ds.y_test),
            **{f: round(curve[f]["mean"][0], 4) for f in FEATURE_SETS},
            **{f"{f}_sd": round(curve[f]["sd"][0], 4) for f in FEATURE_SETS},
            "train_seconds": round(train_s, 2), **extra, "seconds": round(time.perf_counter() - t0, 2)}


@dataclass
class ProbeLab:
    """An extractor, the curve measured with it, and where both came from (what the Few labels page keeps)."""
    dataset: str
    model_name: str
    latent_dim: int
    epochs: int
    repeats: int
    curve: dict  # accuracy_curve()
    n_test: int
    source: str = TRAINED_HERE  # or FROM_TRAIN_PAGE
