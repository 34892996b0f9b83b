"""What an entry records of a run: its settings under the Train page's names (the stored run's dataset, family and
configs win over what a page or command says it trained with) and its metrics (the run summary's numbers win too).
Only plain JSON values of a bounded size get in: a posted entry is shown to a whole class."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

from aelib.classroom.presets import Preset
from aelib.store.records import Run

CORE = ("dataset", "model", "latent_dim", "epochs", "batch", "lr", "seed")  # recorded for every entry
TRAIN_NAMES = {"batch_size": "batch"}  # TrainConfig's names that the Train page spells differently
NOT_SETTINGS = ("input_shape", "n_classes", "device", "max_seconds")  # facts of the data or the machine
NOT_METRICS = ("input_dim", "n_classes")  # summary numbers that describe the data, not the run
MAX_KEYS = 48
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


def run_settings(run: Run) -> dict:
    """The settings a stored run was trained with: its model config, train config, dataset and family."""
    out = {k: v for k, v in json.loads(run.model_config.to_json()).items() if k not in NOT_SETTINGS}
    out.update({TRAIN_NAMES.get(k, k): v for k, v in run.train_config.items() if k not in NOT_SETTINGS})
    out.update(dataset=run.dataset, model=run.model)
    return _plain(out)


def entry_settings(run: Run, given: Mapping, preset: Preset | None) -> dict:
    """The given settings (plain values only), with the core settings, the preset's ranged ones and any given one
    that the run itself records taken from the run."""
    mine, truth = _plain(given), run_settings(run)
    wanted = {*CORE, *mine, *(name for name, _, _ in (preset.ranges if preset else ()))}
    mine.update({k: truth[k] for k in wanted if k in truth})
    return dict(sorted(mine.items()))


def entry_metrics(run: Run, given: Mapping, settings: Mapping) -> dict[str, float]:
    """Finite numbers from the given metrics and the run's summary (the summary wins), without the ones that are
    settings or describe the data."""
    numbers = {**_numbers(given), **_numbers(run.summary)}
    return {k: v for k, v in sorted(numbers.items()) if k not in settings and k not in NOT_METRICS}


def _numbers(values: Mapping) -> dict[str, float]:
    return {k: v for k, v in list(values.items())[:4 * MAX_KEYS] if isinstance(k, str) and _NAME.fullmatch(k)
            and isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)}


def _plain(values: Mapping) -> dict:
    """Settings kept as plain JSON: named like identifiers, each a bool, a finite number, a short text or a short
    list of numbers; the rest left out."""
    out = {}
    for k, v in list(values.items())[:4 * MAX_KEYS]:
        if not (isinstance(k, str) and _NAME.fullmatch(k)) or len(out) >= MAX_KEYS:
            continue
        if isinstance(v, bool) or (isinstance(v, str) and len(v) <= 100) or _finite(v):
            out[k] = v
        elif isinstance(v, list | tuple) and len(v) <= 16 and all(_finite(x) for x in v):
            out[k] = list(v)
    return out


def _finite(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
