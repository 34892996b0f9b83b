"""A fitted AutoencoderTransformer on disk: the same safetensors checkpoint as every AE Lab model (weights as
safetensors, config and history as JSON, no pickles), plus the estimator's parameters and fitted names."""
from __future__ import annotations

import json
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils.validation import check_is_fitted

from aelib.estimators import AutoencoderTransformer
from aelib.sharing import checkpoint

PARAMS = ("epochs", "batch_size", "lr", "device", "options", "verbose")  # set again on load; the rest is in the model


def save_estimator(est: AutoencoderTransformer, out_dir: str | Path) -> Path:
    """Write model.safetensors, config.json (the model's config and, under "estimator", the parameters, seed,
    feature names and classes) and history.json into out_dir."""
    check_is_fitted(est)
    params = {k: getattr(est, k) for k in PARAMS}
    extra = {"estimator": {
        "params": json.loads(json.dumps(params, default=list)),  # tuples in options become lists
        "seed": est.seed_ if isinstance(est.seed_, Integral) else None,
        "feature_names_in": [str(n) for n in getattr(est, "feature_names_in_", [])] or None,
        "classes": np.asarray(est.classes_).tolist() if hasattr(est, "classes_") else None,
    }}
    return checkpoint.save(est.model_, out_dir, est.history_, extra)


def load_estimator(in_dir: str | Path) -> AutoencoderTransformer:
    """A fitted estimator from a folder save_estimator wrote (or any AE Lab checkpoint: a model trained in the app
    or by `python -m aelib train --out`). The weights are read by checkpoint.load, which checks them first."""
    folder = Path(in_dir)
    model = checkpoint.load(folder)
    saved = json.loads((folder / checkpoint.CONFIG).read_text(encoding="utf-8")).get("estimator") or {}
    history_file = folder / checkpoint.HISTORY
    history = json.loads(history_file.read_text(encoding="utf-8")) if history_file.is_file() else []
    params = {k: v for k, v in (saved.get("params") or {}).items() if k in PARAMS}
    est = AutoencoderTransformer.from_model(model, history, random_state=saved.get("seed"), **params)
    if saved.get("feature_names_in"):
        est.feature_names_in_ = np.asarray(saved["feature_names_in"], dtype=object)
    if saved.get("classes") is not None and model.needs_labels:
        est.classes_ = np.asarray(saved["classes"])
    return est
