"""Saving and loading trained models: weights as safetensors (no pickles), config and history as JSON. Loading
checks everything (JSON, config, shapes, finite values) before a byte of the file becomes a model."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save_file

from aelib.i18n import Explained, Words
from aelib.models import Autoencoder, ModelConfig, build_model

WEIGHTS, CONFIG, HISTORY = "model.safetensors", "config.json", "history.json"
RESAVE = Words("checkpoint.resave", weights=WEIGHTS, config=CONFIG)


class CheckpointError(Explained):
    """A model file that cannot be loaded; the message says what is wrong and what to do (str: English;
    `words`: any language)."""


def file_name(where: str | Words, name: str) -> Words:
    """A file as a message names it: "the uploaded model.safetensors", "runs/1/config.json"."""
    return Words("checkpoint.file", where=where, name=name)


def tensors(model: Autoencoder) -> dict[str, torch.Tensor]:
    """The weights as safetensors stores them: on the CPU, contiguous, detached."""
    return {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}


def config_json(model: Autoencoder, extra: dict | None = None) -> str:
    """The text of config.json: {"model": the ModelConfig, **extra} (what parse_config reads back)."""
    return json.dumps({"model": asdict(model.cfg), **(extra or {})}, indent=2)


def save(model: Autoencoder, out_dir: str | Path, history: list[dict] | None = None,
         extra: dict | None = None) -> Path:
    """Write model.safetensors + config.json (+ history.json) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_file(tensors(model), str(out / WEIGHTS))
    (out / CONFIG).write_text(config_json(model, extra), encoding="utf-8")
    if history is not None:
        (out / HISTORY).write_text(json.dumps(history, indent=2), encoding="utf-8")
    return out


def load(in_dir: str | Path) -> Autoencoder:
    """Rebuild the model from config.json and load its weights; shapes are checked, not trusted."""
    folder = Path(in_dir)
    try:
        config_text = (folder / CONFIG).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError("checkpoint.config_missing", path=folder / CONFIG, detail=err) from err
    try:
        weights = (folder / WEIGHTS).read_bytes()
    except OSError as err:
        raise CheckpointError("checkpoint.weights_missing", path=folder / WEIGHTS, detail=err) from err
    return load_bytes(weights, config_text, where=f"{folder}/")


def parse_config(config_json: str | bytes, where: str | Words = "") -> ModelConfig:
    """The model config in a config.json's text, validated like one built in the app."""
    try:
        cfg = json.loads(config_json)["model"]
        return ModelConfig.from_dict(cfg)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError("checkpoint.not_json", file=file_name(where, CONFIG), detail=err, resave=RESAVE) from err
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # JSON, but not {"model": {...}} AE Lab reads
        raise CheckpointError("checkpoint.not_config", file=file_name(where, CONFIG), detail=err,
                              resave=RESAVE) from err


def _looks_pickled(raw: bytes) -> bool:
    """torch.save's zip archive, or a bare pickle (protocol 2-5 opens with 0x80 and the protocol number)."""
    return raw[:4] == b"PK\x03\x04" or (len(raw) > 1 and raw[0] == 0x80 and 2 <= raw[1] <= 5)


def _read_weights(weights: bytes, where: str | Words) -> dict[str, torch.Tensor]:
    try:
        return load_safetensors(weights)
    except Exception as err:  # safetensors raises its own error types for corrupt or truncated files
        if _looks_pickled(weights):
            raise CheckpointError("checkpoint.pickle", file=file_name(where, WEIGHTS)) from err
        raise CheckpointError("checkpoint.unreadable", file=file_name(where, WEIGHTS),
                              detail=str(err).splitlines()[0][:200], resave=RESAVE) from err


def _mismatch(expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]) -> str | None:
    """What differs between the tensors a config needs and those a file holds, in words; None if they fit."""
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or extra:
        parts = [f"missing {', '.join(missing[:3])}" if missing else "", f"unexpected {', '.join(extra[:3])}"
                 if extra else ""]
        return "; ".join(p for p in parts if p)
    for k, v in expected.items():
        if tuple(v.shape) != tuple(found[k].shape):
            return f"{k} is {tuple(found[k].shape)} in the file but {tuple(v.shape)} for this config"
    return None


def load_bytes(weights: bytes, config_json: str | bytes, where: str | Words = "") -> Autoencoder:
    """A model from an upload: the bytes of model.safetensors and the text of config.json. Only safetensors is
    read, never a pickle; the config is checked, and the file's tensor names and shapes are compared with the
    config's (on torch's "meta" device, so a config asking for a huge network allocates nothing) before the
    model is built. CheckpointError says what is wrong."""
    cfg = parse_config(config_json, where)
    state = _read_weights(weights, where)
    try:
        with torch.device("meta"):  # shapes only: no memory, no initialisation
            expected = build_model(cfg).state_dict()
    except Exception as err:  # a config the validators accept but no network can be built from
        raise CheckpointError("checkpoint.cannot_build", model=cfg.model, file=file_name(where, CONFIG), detail=err,
                              resave=RESAVE) from err
    problem = _mismatch(expected, state)
    if problem:
        raise CheckpointError("checkpoint.architecture", file=file_name(where, WEIGHTS), model=cfg.model,
                              problem=problem, config=CONFIG)
    if not all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point()):
        raise CheckpointError("checkpoint.nan", file=file_name(where, WEIGHTS))
    model = build_model(cfg)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:  # right shapes, but values that cannot be copied in (complex numbers, say)
        raise CheckpointError("checkpoint.cannot_load", file=file_name(where, WEIGHTS), model=cfg.model,
                              detail=str(err).splitlines()[-1][:200], resave=RESAVE) from err
    return model.eval()
