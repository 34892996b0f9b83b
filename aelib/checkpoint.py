"""Saving and loading trained models: weights as safetensors (no pickles), config and history as JSON."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from safetensors.torch import load_file, save_file

from aelib.models import Autoencoder, ModelConfig, build_model

WEIGHTS, CONFIG, HISTORY = "model.safetensors", "config.json", "history.json"


def save(model: Autoencoder, out_dir: str | Path, history: list[dict] | None = None,
         extra: dict | None = None) -> Path:
    """Write model.safetensors + config.json (+ history.json) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / WEIGHTS))
    (out / CONFIG).write_text(json.dumps({"model": asdict(model.cfg), **(extra or {})}, indent=2))
    if history is not None:
        (out / HISTORY).write_text(json.dumps(history, indent=2))
    return out


def load(in_dir: str | Path) -> Autoencoder:
    """Rebuild the model from config.json and load its weights; shapes are checked, not trusted."""
    folder = Path(in_dir)
    try:
        cfg = ModelConfig.from_dict(json.loads((folder / CONFIG).read_text())["model"])
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"{folder / CONFIG} is missing or not an AE Lab config: {err}") from err
    model = build_model(cfg)
    try:
        state = load_file(str(folder / WEIGHTS))
        model.load_state_dict(state)
    except RuntimeError as err:  # wrong keys or shapes: another architecture
        raise ValueError(f"the weights in {folder / WEIGHTS} do not fit a {cfg.model} with this config: "
                         f"{str(err).splitlines()[0]}") from err
    except Exception as err:  # safetensors raises its own errors for corrupt files
        raise ValueError(f"{folder / WEIGHTS} is not a readable safetensors file: {err}") from err
    return model.eval()
