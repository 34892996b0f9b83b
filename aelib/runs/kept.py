"""A lab's result as the store keeps it, never pickled: a JSON tree that names the kind of every value, with its
arrays and network weights in one safetensors file beside it.

What can be kept: None, booleans, numbers, text, aelib's Words, lists, tuples, dicts (any keepable key), numpy
arrays and torch tensors, model configs, the networks and dataclasses listed in keepable(), and scikit-learn's PCA,
made of each other. Anything else is Unkeepable (the result then lives in the learner's session only).

Reading back trusts nothing: the JSON within the limits on bytes and depth, classes only from keepable() (looked up
by name, never imported by name), a model config through the same checks as an imported one, and a network's
weights with exactly the names and shapes its config builds, all finite, counted on the "meta" device first."""
from __future__ import annotations

import dataclasses
import json
import math
from functools import cache
from itertools import chain

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_tensors
from sklearn.decomposition import PCA

from aelib.i18n import Words
from aelib.limits import VISITOR, Exceeded, Limits, load_json
from aelib.models import Autoencoder, ModelConfig
from aelib.runs.stored import message_of, words_json
from aelib.sharing.checkpoint import CheckpointError, counted, load_weights, model_config, tensors

FORMAT = 1
DEPTH = 24  # nesting of values in a result (a lab's result is about 6 deep; each is 2 or 3 deep in JSON)
JSON_BYTES = 8_000_000  # a result's JSON tree (its arrays are in the safetensors file)
PCA_STATE = ("n_components", "n_components_", "components_", "mean_", "explained_variance_",
             "explained_variance_ratio_", "singular_values_", "noise_variance_", "n_features_in_", "n_samples_",
             "whiten")


@cache
def keepable() -> dict[str, type]:
    """"module:qualname" -> class, for every class a kept result may hold besides the plain values: the lab pages'
    results and what they are made of, and every network class (the families' and the labs' own)."""
    from aelib.labs import (
        anomaly,
        augmentation,
        compression,
        denoising,
        few_labels,
        forecasting,
        generation,
        recommender,
        superres,
    )
    from aelib.models import MODELS
    from aelib.train import EpochStats, TrainConfig

    classes = [
        EpochStats, TrainConfig,
        anomaly.AnomalyRun, anomaly.AnomalySplit, anomaly.Scored,
        augmentation.AugmentConfig, augmentation.AugmentResult,
        compression.CompressionLab, compression.Codec, compression.Quantiser,
        denoising.DenoisePair,
        few_labels.ProbeLab,
        forecasting.ForecastResult, forecasting.WindowConfig, forecasting.WindowNet,
        generation.GenerationPair, generation.Conditional, generation.Gaussian,
        recommender.RecommenderResult, recommender.Ratings, recommender.AutoRecConfig, recommender.AutoRec,
        superres.SuperRes, superres.SuperResConfig, superres.SuperResAE,
        *(info.cls for info in MODELS.values()),
    ]
    return {f"{c.__module__}:{c.__qualname__}": c for c in classes}


class Unkeepable(TypeError):
    """A value of a kind the store cannot keep."""


class BadResult(ValueError):
    """A stored result that cannot be read back as it was kept (tampered, or written by another version)."""


def pack(result: object) -> tuple[str, bytes]:
    """(the JSON tree, the safetensors bytes) of result; Unkeepable if any part of it cannot be kept."""
    arrays: dict[str, torch.Tensor] = {}
    tree = _pack(result, arrays, 0)
    return json.dumps({"format": FORMAT, "tree": tree}, allow_nan=False, separators=(",", ":")), save_tensors(arrays)


def unpack(text: str, data: bytes, limits: Limits = VISITOR) -> object:
    """The result pack() made of text and data, checked on the way; BadResult says what is wrong."""
    try:
        doc = load_json(text, limits.with_(json_bytes=JSON_BYTES, json_depth=3 * DEPTH), "result")
        arrays = load_safetensors(data) if data else {}
    except Exception as err:  # the limits' Explained errors and safetensors' own error types
        raise BadResult(f"unreadable result: {str(err)[:200]}") from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "tree" not in doc:
        raise BadResult("not a result this AE Lab writes")
    try:
        return _unpack(doc["tree"], arrays, limits, 0)
    except BadResult:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RuntimeError) as err:
        raise BadResult(f"result does not read back: {type(err).__name__}: {str(err)[:200]}") from err


# packing --------------------------------------------------------------------------------------------------------
def _pack(v: object, arrays: dict[str, torch.Tensor], depth: int) -> object:
    if depth > DEPTH:
        raise Unkeepable("nested too deeply")
    d = depth + 1
    if isinstance(v, Words):  # before str: Words are text that is said in the reader's language
        return {"words": words_json(v)}
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return str(v)  # a str subclass other than Words keeps its text
    if isinstance(v, (int, np.integer)) and not isinstance(v, np.bool_):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else {"float": repr(float(v))}
    if isinstance(v, (np.ndarray, torch.Tensor)):
        return _pack_array(v, arrays)
    if isinstance(v, list):
        return {"list": [_pack(x, arrays, d) for x in v]}
    if isinstance(v, tuple) and not hasattr(v, "_fields"):
        return {"tuple": [_pack(x, arrays, d) for x in v]}
    if isinstance(v, dict):
        return {"dict": [[_pack(k, arrays, d), _pack(x, arrays, d)] for k, x in v.items()]}
    if isinstance(v, ModelConfig):
        return {"model_config": v.to_dict()}
    if isinstance(v, Autoencoder):
        prefix = f"net{len(arrays)}"
        arrays.update({f"{prefix}/{k}": t for k, t in tensors(v).items()})
        return {"net": _path(type(v)), "cfg": _pack(v.cfg, arrays, d), "weights": prefix}
    if type(v) is PCA:
        return {"pca": {k: _pack(getattr(v, k), arrays, d) for k in PCA_STATE if hasattr(v, k)}}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {"dc": _path(type(v)), "fields": {f.name: _pack(getattr(v, f.name), arrays, d)
                                                 for f in dataclasses.fields(v) if f.init}}
    raise Unkeepable(f"cannot keep a {type(v).__module__}.{type(v).__qualname__}")


def _pack_array(v: np.ndarray | torch.Tensor, arrays: dict[str, torch.Tensor]) -> dict:
    name = f"a{len(arrays)}"
    if isinstance(v, torch.Tensor):
        arrays[name] = v.detach().cpu().contiguous()
        return {"tensor": name}
    if v.dtype.kind == "U":  # text: in the JSON
        return {"strings": v.tolist()}
    if v.dtype.kind not in "biuf":
        raise Unkeepable(f"cannot keep an array of {v.dtype}")
    arrays[name] = torch.from_numpy(np.ascontiguousarray(v).copy())
    return {"array": name}


def _path(cls: type) -> str:
    path = f"{cls.__module__}:{cls.__qualname__}"
    if keepable().get(path) is not cls:
        raise Unkeepable(f"cannot keep a {cls.__module__}.{cls.__qualname__}")
    return path


# reading back ---------------------------------------------------------------------------------------------------
def _unpack(v: object, arrays: dict[str, torch.Tensor], limits: Limits, depth: int) -> object:
    if depth > DEPTH:
        raise BadResult("nested too deeply")
    d = depth + 1
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if not isinstance(v, dict) or len(v) == 0:
        raise BadResult(f"not a kept value: {str(v)[:80]}")
    if "float" in v:
        return float(v["float"]) if v["float"] in ("nan", "inf", "-inf") else _bad("a float")
    if "words" in v:
        return message_of(v["words"])
    if "array" in v:
        return arrays[v["array"]].numpy().copy()
    if "tensor" in v:
        return arrays[v["tensor"]].clone()
    if "strings" in v:
        return np.array([str(s) for s in _flat(v["strings"])], dtype=str).reshape(np.shape(v["strings"]))
    if "list" in v:
        return [_unpack(x, arrays, limits, d) for x in v["list"]]
    if "tuple" in v:
        return tuple(_unpack(x, arrays, limits, d) for x in v["tuple"])
    if "dict" in v:
        return {_unpack(k, arrays, limits, d): _unpack(x, arrays, limits, d) for k, x in v["dict"]}
    if "model_config" in v:
        return _model_config(v["model_config"], limits)
    if "net" in v:
        return _net(v, arrays, limits, d)
    if "pca" in v:
        pca = PCA()
        for k, x in dict(v["pca"]).items():
            if k not in PCA_STATE:
                raise BadResult(f"PCA has no {k[:40]}")
            setattr(pca, k, _unpack(x, arrays, limits, d))
        return pca
    if "dc" in v:
        cls = _resolve(v["dc"])
        if not dataclasses.is_dataclass(cls):
            raise BadResult(f"{v['dc'][:80]} is not a dataclass")
        known = {f.name for f in dataclasses.fields(cls) if f.init}
        given = dict(v["fields"])
        if set(given) - known:
            raise BadResult(f"{v['dc'][:80]} has no field {sorted(set(given) - known)[0][:40]}")
        return cls(**{k: _unpack(x, arrays, limits, d) for k, x in given.items()})
    raise BadResult(f"unknown kind: {sorted(v)[0][:40]}")


def _bad(what: str):
    raise BadResult(f"not {what}")


def _flat(x: object) -> list:
    return list(chain.from_iterable(_flat(y) for y in x)) if isinstance(x, list) else [x]


def _resolve(path: object) -> type:
    """A class a result may hold, by its "module:qualname": looked up in keepable(), nothing else."""
    cls = keepable().get(str(path))
    if cls is None:
        raise BadResult(f"not a class a result may hold: {str(path)[:80]}")
    return cls


def _model_config(raw: object, limits: Limits) -> ModelConfig:
    try:
        return model_config({"model": raw}, "result", limits)
    except CheckpointError as err:
        raise BadResult(str(err)[:300]) from err


def _net(v: dict, arrays: dict[str, torch.Tensor], limits: Limits, depth: int) -> Autoencoder:
    cls = _resolve(v["net"])
    if not issubclass(cls, Autoencoder):
        raise BadResult(f"{v['net'][:80]} is not a network")
    cfg = _unpack(v["cfg"], arrays, limits, depth)
    prefix = f"{v['weights']}/"
    state = {k[len(prefix):]: t for k, t in arrays.items() if k.startswith(prefix)}
    if isinstance(cfg, ModelConfig):  # a family's network: exactly the checks of an imported model
        try:
            model = load_weights(save_tensors(state), cfg, "result", limits)
        except CheckpointError as err:
            raise BadResult(str(err)[:300]) from err
        if type(model) is not cls:
            raise BadResult(f"{v['net'][:80]} is not what its config builds")
        return model
    if not dataclasses.is_dataclass(cfg):
        raise BadResult("a network without a config")
    try:  # a tampered config asking for a huge network allocates nothing
        shapes = counted(lambda: cls(cfg), v["net"], limits)
    except Exceeded as err:
        raise BadResult(str(err)[:300]) from err
    expected = {k: (tuple(t.shape), t.dtype) for k, t in shapes.items()}
    if {k: (tuple(t.shape), t.dtype) for k, t in state.items()} != expected:
        raise BadResult(f"the weights of {v['net'][:80]} do not fit its config")
    if not all(bool(torch.isfinite(t).all()) for t in state.values() if t.is_floating_point()):
        raise BadResult("weights that are not finite")
    model = cls(cfg)
    model.load_state_dict(state)
    return model.eval()
