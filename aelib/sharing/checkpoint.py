"""Saving and loading trained models: weights as safetensors (no pickles), config and history as JSON. Loading
checks everything (JSON size and depth, every size in the config against aelib.limits, the weights' names, shapes,
dtypes and finite values) before a byte of the file becomes a model."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from itertools import chain
from pathlib import Path

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save_file

from aelib.i18n import Explained, Words
from aelib.limits import VISITOR, Exceeded, Limits, check_model, load_json
from aelib.models import Autoencoder, ModelConfig, build_model

WEIGHTS, CONFIG, HISTORY = "model.safetensors", "config.json", "history.json"
RESAVE = Words("checkpoint.resave", weights=WEIGHTS, config=CONFIG)
FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)  # what a weight may be stored as


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
    return json.dumps({"model": model.cfg.to_dict(), **(extra or {})}, indent=2)


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


def weights_bytes(limits: Limits = VISITOR) -> int:
    """The largest model.safetensors read: the most weights the limits allow, as float32, plus its header."""
    return 4 * limits.parameters + 1_000_000


def read_capped(path: Path, cap: int) -> bytes:
    """At most cap + 1 bytes of a file (one more than allowed, so a check can see it is too long)."""
    with path.open("rb") as f:
        return f.read(cap + 1)


def check_destination(out_dir: str | Path) -> None:
    """Make sure save() can write into out_dir, before a run is trained for it: the folder is made (with its
    parents) and a probe file written and removed. CheckpointError says why not (a file in the way, a path
    that cannot exist, a folder that cannot be written to)."""
    out = Path(out_dir).expanduser()
    try:
        if out.is_file():
            raise CheckpointError("checkpoint.out_file", path=out)
        parent = out
        while not parent.exists() and parent != parent.parent:  # the nearest path that exists
            parent = parent.parent
        if parent.exists() and not parent.is_dir():
            raise CheckpointError("checkpoint.out_impossible", path=out, why=Words("checkpoint.out_under_file",
                                                                                     parent=parent))
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".aelab-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise CheckpointError("checkpoint.out_impossible", path=out, why=Words(
            "checkpoint.out_os", reason=err.strerror or type(err).__name__)) from err


def load(in_dir: str | Path, limits: Limits = VISITOR) -> Autoencoder:
    """Rebuild the model from config.json and load its weights; sizes and shapes are checked, not trusted."""
    folder = Path(in_dir)
    try:
        config_text = read_capped(folder / CONFIG, limits.json_bytes)
    except OSError as err:
        raise CheckpointError("checkpoint.config_missing", path=folder / CONFIG, detail=err) from err
    try:
        weights = read_capped(folder / WEIGHTS, weights_bytes(limits))
    except OSError as err:
        raise CheckpointError("checkpoint.weights_missing", path=folder / WEIGHTS, detail=err) from err
    return load_bytes(weights, config_text, where=f"{folder}/", limits=limits)


def read_meta(config_json: str | bytes, where: str | Words = "", limits: Limits = VISITOR) -> dict:
    """The JSON object in a config.json's text, read within the limits on bytes and nesting depth."""
    try:
        meta = load_json(config_json, limits, CONFIG)
    except Exceeded as err:
        raise CheckpointError("checkpoint.limit", file=file_name(where, CONFIG), problem=err.words) from err
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError, as is a 5,000-digit number
        raise CheckpointError("checkpoint.not_json", file=file_name(where, CONFIG), detail=str(err)[:200],
                              resave=RESAVE) from err
    if not isinstance(meta, dict) or not isinstance(meta.get("model"), dict):
        raise CheckpointError("checkpoint.not_config", file=file_name(where, CONFIG),
                              detail='no "model" object', resave=RESAVE)
    return meta


def model_config(meta: dict, where: str | Words = "", limits: Limits = VISITOR) -> ModelConfig:
    """The ModelConfig of a read config.json: every size checked against the limits first, then validated like
    one built in the app."""
    raw = meta["model"]
    try:
        check_model(raw, limits)
    except Exceeded as err:
        raise CheckpointError("checkpoint.limit", file=file_name(where, CONFIG), problem=err.words) from err
    try:
        return ModelConfig.from_dict(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # JSON, but not a config AE Lab reads
        raise CheckpointError("checkpoint.not_config", file=file_name(where, CONFIG), detail=str(err)[:200],
                              resave=RESAVE) from err


def parse_config(config_json: str | bytes, where: str | Words = "", limits: Limits = VISITOR) -> ModelConfig:
    """The model config in a config.json's text, validated like one built in the app and within the limits."""
    return model_config(read_meta(config_json, where, limits), where, limits)


def check_sizes(cfg: ModelConfig, limits: Limits = VISITOR) -> dict[str, torch.Tensor]:
    """Every size of cfg within the limits, then the whole network's weights: the model is built on torch's "meta"
    device (shapes only, no memory) to count them. Returns that shape-only state dict; Exceeded says what is
    too large, ValueError what cannot be built."""
    check_model(cfg.to_dict(), limits)
    return counted(lambda: build_model(cfg), cfg.model, limits)


def counted(build: Callable[[], torch.nn.Module], name: str, limits: Limits = VISITOR) -> dict[str, torch.Tensor]:
    """The shape-only state dict of the network build() makes, built on torch's "meta" device (no memory, no
    initialisation); Exceeded if its weights number more than the limit allows."""
    with torch.device("meta"):
        shapes = build()
    n = sum(t.numel() for t in chain(shapes.parameters(), shapes.buffers()))  # buffers: the sequence position table
    if n > limits.parameters:
        raise Exceeded("limits.parameters", model=name, n=f"{n:,}", hi=f"{limits.parameters:,}")
    return shapes.state_dict()


def _looks_pickled(raw: bytes) -> bool:
    """torch.save's zip archive, or a bare pickle (protocol 2-5 opens with 0x80 and the protocol number)."""
    return raw[:4] == b"PK\x03\x04" or (len(raw) > 1 and raw[0] == 0x80 and 2 <= raw[1] <= 5)


def _read_weights(weights: bytes, where: str | Words, limits: Limits) -> dict[str, torch.Tensor]:
    if len(weights) > weights_bytes(limits):
        raise CheckpointError("checkpoint.limit", file=file_name(where, WEIGHTS), problem=Words(
            "limits.json_bytes", name=WEIGHTS, n=f"{len(weights):,}", hi=f"{weights_bytes(limits):,}"))
    try:
        return load_safetensors(weights)
    except Exception as err:  # safetensors raises its own error types for corrupt or truncated files
        if _looks_pickled(weights):
            raise CheckpointError("checkpoint.pickle", file=file_name(where, WEIGHTS)) from err
        raise CheckpointError("checkpoint.unreadable", file=file_name(where, WEIGHTS),
                              detail=str(err).splitlines()[0][:200] if str(err) else type(err).__name__,
                              resave=RESAVE) from err


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
        if found[k].dtype not in FLOATS:
            return f"{k} holds {str(found[k].dtype).removeprefix('torch.')} values, not floating-point weights"
    return None


def load_bytes(weights: bytes, config_json: str | bytes, where: str | Words = "",
               limits: Limits = VISITOR) -> Autoencoder:
    """A model from an upload: the bytes of model.safetensors and the text of config.json. Only safetensors is
    read, never a pickle; the config is checked, and the file's tensor names and shapes are compared with the
    config's before the model is built. CheckpointError says what is wrong."""
    return load_weights(weights, parse_config(config_json, where, limits), where, limits)


def load_weights(weights: bytes, cfg: ModelConfig, where: str | Words = "", limits: Limits = VISITOR) -> Autoencoder:
    """The model `cfg` describes with the weights of a model.safetensors: cfg's sizes within the limits (counted
    on the "meta" device, so a config asking for a huge network allocates nothing), then the file's size, tensor
    names, shapes, dtypes and values, and only then a real model."""
    try:
        expected = check_sizes(cfg, limits)
    except Exceeded as err:
        raise CheckpointError("checkpoint.limit", file=file_name(where, CONFIG), problem=err.words) from err
    except Exception as err:  # a config the validators accept but no network can be built from
        raise CheckpointError("checkpoint.cannot_build", model=cfg.model, file=file_name(where, CONFIG),
                              detail=str(err)[:200], resave=RESAVE) from err
    state = _read_weights(weights, where, limits)
    problem = _mismatch(expected, state)
    if problem:
        raise CheckpointError("checkpoint.architecture", file=file_name(where, WEIGHTS), model=cfg.model,
                              problem=problem, config=CONFIG)
    if not all(bool(torch.isfinite(v).all()) for v in state.values()):
        raise CheckpointError("checkpoint.nan", file=file_name(where, WEIGHTS))
    model = build_model(cfg)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:  # right shapes, but values that cannot be copied in
        raise CheckpointError("checkpoint.cannot_load", file=file_name(where, WEIGHTS), model=cfg.model,
                              detail=str(err).splitlines()[-1][:200], resave=RESAVE) from err
    return model.eval()
