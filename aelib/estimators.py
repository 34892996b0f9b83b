"""AutoencoderTransformer: every model of the zoo as a scikit-learn transformer (fit, transform, inverse_transform,
score), a thin adapter over the trainer (aelib.train.train) and the infer boundary, so an autoencoder drops into
Pipeline, GridSearchCV and cross_val_score beside PCA; and ae_projection, the autoencoder column of a comparison."""
from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, fields
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, column_or_1d, validate_data

from aelib import infer
from aelib.models import MODELS, Autoencoder, ModelConfig, build_model, config_for, declared_options
from aelib.projections import Projection
from aelib.train import EpochStats, TrainConfig, subset_rows, train

# what `options` may set beyond the named parameters: the trainer's settings (the rest goes to the model config,
# which knows the common fields and every family's declared options, and refuses other names)
TRAIN_OPTIONS = frozenset(f.name for f in fields(TrainConfig)) - {"epochs", "batch_size", "lr", "seed", "device"}
VAL_FRACTION = 0.1  # of X, held out for early stopping when options["patience"] is set (as experiment.fit does)
EVAL_ROWS = 2048  # without patience, the "val" curve is the loss on this many training rows (an epoch's cost bound)
UNBOUNDED_OUTPUT = {"linear_ae"}  # families whose decoder is not squashed into [0, 1] by a sigmoid

# scikit-learn's estimator checks that cannot apply to this estimator (check name -> reason), passed to
# parametrize_with_checks(expected_failed_checks=...) by the tests
EXPECTED_FAILED_CHECKS: dict[str, str] = {
    "check_methods_subset_invariance": "the network computes in float32, and BLAS sums a batch of 40 rows in another "
    "order than a batch of 10: the codes agree to about 1e-6, not to the check's 1e-7 (linear_ae passes)",
}


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """An autoencoder of the zoo as a scikit-learn transformer: `transform` gives the codes (a VAE's posterior
    means, a VQ-VAE's quantised vectors), `inverse_transform` decodes codes, `score` is the negative mean squared
    reconstruction error per value, so GridSearchCV without `scoring` prefers the better reconstruction.

    X holds one flattened sample per row, with values in [0, 1]: the decoders end in a sigmoid (all but linear_ae)
    and the default loss is binary cross-entropy. Scaling is the user's job, as scikit-learn expects: put a
    `MinMaxScaler` before this step in a `Pipeline`. Values outside [0, 1] draw a warning.

    model: a family of aelib.models.MODELS ("ae", "vae", "linear_ae", "conv_ae", "cvae", "umap_ae", ...);
    `umap_ae` is the parametric-UMAP projector, `cvae` reads the class labels `y` (fit needs them; transform and
    score use them when given, else each row takes the class that reconstructs it best; inverse_transform needs them).
    latent_dim: the code size. epochs, batch_size, lr: Adam's training (None: the family's default).
    random_state: None, an int (the training seed itself) or a RandomState. device: "auto", "cpu", "cuda", "mps".
    options: a dict of the family's own settings (ModelConfig fields such as hidden, beta, noise_level) and of
    the trainer's (weight_decay, l1_weight, patience, train_subset, pretrain_epochs, max_seconds: no wall-time cap
    unless given); with `patience`, a seeded tenth of X is held out for early stopping. input_shape: one sample's
    shape, e.g. (1, 28, 28) for conv_ae or (T, F) for seq_ae, read from flat rows (None: (n_features,)).
    verbose: > 0 prints a line per epoch.

    Fitted: model_ (the torch module), history_ (one dict per epoch: loss terms under "train" and "val"; "val" is
    up to EVAL_ROWS rows of X in eval mode unless `patience` held out a validation tenth), seed_ (the training seed
    used), n_features_in_, feature_names_in_ (DataFrames only), classes_ (cvae only). Parameters are checked in fit."""

    def __init__(self, model="ae", latent_dim=2, epochs=30, batch_size=None, lr=None, random_state=None,
                 device="auto", options=None, input_shape=None, verbose=0):
        self.model = model
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.device = device
        self.options = options
        self.input_shape = input_shape
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]  # codes come back in X's float type
        tags.target_tags.required = self.model == "cvae"
        return tags

    # -- fitting ---------------------------------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Train a fresh model on the rows of X (values in [0, 1]); y is read by cvae only. Returns self."""
        X = self._validate(X, reset=True)
        labels = self._fit_labels(X, y)
        mcfg, tcfg = self._configs(X.shape[1], len(getattr(self, "classes_", ())))
        if self.model not in UNBOUNDED_OUTPUT and (X.min() < 0 or X.max() > 1):
            warnings.warn(f"X has values outside [0, 1] (from {X.min():.3g} to {X.max():.3g}), but {self.model}'s "
                          "decoder outputs lie in [0, 1]: scale X first, e.g. with a MinMaxScaler in a Pipeline",
                          UserWarning, stacklevel=2)
        x = np.asarray(X, dtype=np.float32)
        self.model_, history = build_model(mcfg, seed=tcfg.seed), []
        x_tr, x_val, y_tr, y_val = _split(x, labels, tcfg)
        for stats in train(self.model_, x_tr, x_val, tcfg, y_train=y_tr, y_val=y_val):  # the pages' and CLI's trainer
            if isinstance(stats, EpochStats):
                history.append(asdict(stats))
                if self.verbose:
                    self._log(stats)
        self.history_ = history
        if len(history) < tcfg.epochs and not tcfg.patience:
            warnings.warn(f"training stopped after {len(history)} of {tcfg.epochs} epochs at the wall-time cap "
                          f"options['max_seconds'] = {tcfg.max_seconds:g} s", ConvergenceWarning, stacklevel=2)
        self.seed_ = tcfg.seed
        self._n_features_out = infer.encode(self.model_, x[:1], None if labels is None else labels[:1]).shape[1]
        return self

    def fit_transform(self, X, y=None):
        """fit(X, y), then the codes of X (a cvae encodes with the labels y)."""
        return self.fit(X, y).transform(X, y)

    def _validate(self, X, reset: bool) -> np.ndarray:
        """scikit-learn's checks of X (2-D, numeric, finite, not sparse, not empty; at transform: as many features,
        with the same names) as a float array torch can read (pandas may hand out read-only arrays)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)
        return X if X.flags.writeable else X.copy()

    def _fit_labels(self, X: np.ndarray, y) -> np.ndarray | None:
        """cvae: y as class indices 0..k-1 (classes_ keeps the original labels); other families ignore y."""
        if self.model != "cvae":
            if hasattr(self, "classes_"):
                del self.classes_  # from an earlier fit as a cvae
            return None
        if y is None:
            raise ValueError("cvae is conditional: fit needs y, one class label per row of X")
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        self.classes_, idx = np.unique(y, return_inverse=True)
        return idx.astype(np.int64)

    def _configs(self, n_features: int, n_classes: int) -> tuple[ModelConfig, TrainConfig]:
        """The model and train configs the parameters ask for, checked (ValueError says what is wrong)."""
        if not isinstance(self.model, str) or self.model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}; got {self.model!r}")
        check_scalar(self.latent_dim, "latent_dim", Integral, min_val=1)
        check_scalar(self.epochs, "epochs", Integral, min_val=1)
        if self.batch_size is not None:
            check_scalar(self.batch_size, "batch_size", Integral, min_val=1)
        if self.lr is not None:
            check_scalar(self.lr, "lr", Real, min_val=0, include_boundaries="neither")
        check_scalar(self.verbose, "verbose", Integral, min_val=0)
        options = self._options()
        shape = self._input_shape(n_features)
        rs = check_random_state(self.random_state)  # refuses anything but None, an int or a RandomState
        seed = int(self.random_state) if isinstance(self.random_state, Integral) else int(rs.randint(2**31 - 1))
        model_opts = {k: v for k, v in options.items() if k not in TRAIN_OPTIONS}
        # a library caller is not a visitor: no wall-time cap unless asked for (options={"max_seconds": ...})
        train_opts = {"max_seconds": math.inf, **{k: v for k, v in options.items() if k in TRAIN_OPTIONS}}
        if n_classes:
            model_opts["n_classes"] = n_classes
        mcfg = config_for(self.model, shape, int(self.latent_dim), **model_opts)
        given = {"epochs": int(self.epochs), "batch_size": self.batch_size, "lr": self.lr, "seed": seed,
                 "device": self.device, **train_opts}
        tcfg = TrainConfig(**{**MODELS[self.model].train_defaults, **{k: v for k, v in given.items() if v is not None}})
        return mcfg, tcfg

    def _options(self) -> dict:
        if self.options is None:
            return {}
        if not isinstance(self.options, Mapping):
            raise ValueError(f"options must be a dict or None; got {type(self.options).__name__}")
        known = TRAIN_OPTIONS | {f.name for f in fields(ModelConfig)} | set(declared_options())
        unknown = set(self.options) - (known - {"model", "input_shape", "latent_dim", "n_classes", "options"})
        if unknown:
            raise ValueError(f"unknown options: {', '.join(sorted(map(str, unknown)))}; set model, latent_dim and "
                             "input_shape as parameters; options are a family's own settings and the trainer's")
        return {k: tuple(v) if isinstance(v, list) else v for k, v in self.options.items()}

    def _input_shape(self, n_features: int) -> tuple[int, ...]:
        if self.input_shape is None:
            return (n_features,)
        shape = tuple(self.input_shape)
        if not shape or not all(isinstance(s, Integral) and s >= 1 for s in shape) or np.prod(shape) != n_features:
            raise ValueError(f"input_shape {shape} does not fit rows of {n_features} features: its sizes must be "
                             f"positive and multiply to {n_features}")
        return tuple(int(s) for s in shape)

    def _log(self, stats: EpochStats) -> None:
        print(f"[{type(self).__name__}] epoch {stats.epoch:3d}/{stats.epochs}  loss {stats.train['loss']:.4f}  "
              f"val {stats.val['loss']:.4f}  ({stats.seconds:.2f} s)", file=sys.stdout, flush=True)

    # -- using a fitted model ----------------------------------------------------------------------------------

    def transform(self, X, y=None):
        """(n, n_features) -> (n, width) codes, in X's float type. y: class labels, read by cvae only."""
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return infer.encode(self.model_, X, self._labels(X, y)).astype(X.dtype, copy=False)

    def inverse_transform(self, X, y=None):
        """(n, width) codes -> (n, n_features) decoded rows in [0, 1] (linear_ae: unbounded). cvae needs y."""
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self._n_features_out:
            raise ValueError(f"X has {Z.shape[1]} features, but {type(self).__name__}.inverse_transform is "
                             f"expecting {self._n_features_out} (the code width)")
        if self.model_.needs_labels and y is None:
            raise ValueError("cvae decodes a code with a class label: pass y to inverse_transform")
        labels = None if y is None else self._labels(Z, y)
        return infer.decode(self.model_, Z, labels).astype(Z.dtype, copy=False)

    def score(self, X, y=None) -> float:
        """The negative mean squared reconstruction error per value (higher is better). y: read by cvae only."""
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        return -infer.mse(self.model_, X, self._labels(X, y))

    def _labels(self, X: np.ndarray, y) -> np.ndarray | None:
        """Class indices for a conditional model: y mapped through classes_, or, without y, the class whose
        reconstruction of each row has the smallest squared error. None for every other family."""
        if not self.model_.needs_labels:
            return None
        if y is None:
            errors = [((infer.reconstruct(self.model_, X, np.full(len(X), c)) - X) ** 2).sum(1)
                      for c in range(len(self.classes_))]  # (n_classes, n)
            return np.argmin(errors, axis=0) if len(X) else np.zeros(0, dtype=np.int64)
        y = column_or_1d(y)
        check_consistent_length(X, y)
        idx = np.searchsorted(self.classes_, y)
        if np.any(idx >= len(self.classes_)) or np.any(self.classes_[np.minimum(idx, len(self.classes_) - 1)] != y):
            raise ValueError(f"y has labels the model was not fitted on; it knows {list(self.classes_)}")
        return idx

    @classmethod
    def from_model(cls, model: Autoencoder, history: list[dict] | None = None, verbose: int = 0,
                   **params) -> AutoencoderTransformer:
        """A fitted estimator around an already trained model (the Train page's, a loaded checkpoint's): its
        parameters read off model.cfg; `params` set the others (epochs, random_state, ...) or replace options."""
        cfg = model.cfg
        options = {k: list(v) if isinstance(v, tuple) else v for k, v in
                   ((k, getattr(cfg, k)) for k in MODELS[cfg.model].names())}
        est = cls(cfg.model, cfg.latent_dim, verbose=verbose,
                  **{"options": options or None, "input_shape": tuple(cfg.input_shape), **params})
        est.model_, est.history_ = model, list(history or [])
        est.n_features_in_ = int(np.prod(cfg.input_shape))
        est.seed_ = params.get("random_state")
        if model.needs_labels:
            est.classes_ = np.arange(cfg.n_classes)
        probe = np.zeros((1, est.n_features_in_), dtype=np.float32)  # one forward pass sizes the code
        est._n_features_out = infer.encode(model, probe, np.zeros(1, np.int64) if model.needs_labels else None).shape[1]
        return est


def _split(x: np.ndarray, y: np.ndarray | None, tcfg: TrainConfig):
    """(x_train, x_val, y_train, y_val) for train(). Early stopping must not judge on the rows it trains on, so with
    patience a seeded tenth of X is held out; otherwise nothing is, and the "val" curve is (up to EVAL_ROWS of) the
    training rows themselves in eval mode."""
    if not tcfg.patience:
        seen = subset_rows(len(x), EVAL_ROWS, tcfg.seed + 1)
        return x, x[seen], y, None if y is None else y[seen]
    val = subset_rows(len(x), max(1, int(len(x) * VAL_FRACTION)), tcfg.seed + 1)
    keep = np.setdiff1d(np.arange(len(x)), val)
    if len(keep) == 0:
        raise ValueError("too few rows to hold out a validation set for early stopping (options['patience'])")
    return x[keep], x[val], None if y is None else y[keep], None if y is None else y[val]


def ae_projection(est: AutoencoderTransformer, x_train: np.ndarray, x_test: np.ndarray,
                  y_train: np.ndarray | None = None, y_test: np.ndarray | None = None,
                  fit_seconds: float | None = None) -> Projection:
    """The autoencoder column of a comparison, measured like PCA's: codes of the training rows and of the new
    (test) rows, the seconds to fit (default: the history's) plus to place the test rows, and the test rows'
    reconstruction error. Labels are read by a cvae only."""
    t0 = time.perf_counter()
    z_test = est.transform(x_test, y_test)
    place = time.perf_counter() - t0
    fit_seconds = sum(h["seconds"] for h in est.history_) if fit_seconds is None else fit_seconds
    return Projection("ae", z_test, est.transform(x_train, y_train), fit_seconds + place, place,
                      -est.score(x_test, y_test))
