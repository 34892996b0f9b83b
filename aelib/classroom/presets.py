"""An exercise's rules: its Preset (the dataset, the model families and the ranges of settings a class trains with),
the goals a board can rank by (GOALS), and enforce(), which holds a learner's settings to a preset and says in words
what it changed. Pure functions: the Train page, the CLI and the server's check of a posted run all call them."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aelib.data import DATASETS
from aelib.i18n import Explained, Listed, Words
from aelib.models import MODELS

# settings that are whole numbers: their ranges have whole ends and a held value stays an int
WHOLE = frozenset({"latent_dim", "epochs", "batch", "seed", "patience", "train_subset", "pretrain_epochs"})
MAX_RANGES = 16
_SETTING = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a setting's name as the Train page's share links spell it
_ECHO = re.compile(r"[A-Za-z0-9_.,+-]{1,24}")  # a value a message may quote back (anything else may be markup)


@dataclass(frozen=True)
class Goal:
    """What a board ranks by: a number in a run's summary, and which way is better."""

    name: str  # the summary's key, e.g. "knn_accuracy"
    higher_is_better: bool

    @property
    def title(self) -> Words:
        """Its name in words ("5-NN accuracy of the code"), in any language with .say(lang)."""
        return Words(f"classroom.goal.{self.name}")

    def sort_key(self, value: float) -> float:
        """Smaller is better: sorting entries by this puts the best first."""
        return -value if self.higher_is_better else value


GOALS: dict[str, Goal] = {
    "knn_accuracy": Goal("knn_accuracy", True),  # 5-NN accuracy, train codes -> test codes
    "test_mse": Goal("test_mse", False),  # reconstruction error on the held-out split
    "trustworthiness": Goal("trustworthiness", True),  # are the code's neighbours the data's neighbours
}


@dataclass(frozen=True)
class Preset:
    """What an exercise allows. Empty parts allow anything: no dataset, any dataset; no families, any family; a
    setting without a range, any value. Ranges include both ends; a range with equal ends fixes the setting."""

    dataset: str | None = None
    families: tuple[str, ...] = ()
    ranges: tuple[tuple[str, float, float], ...] = ()  # (setting, low, high), e.g. ("latent_dim", 2, 2); by name

    def __post_init__(self) -> None:
        # ranges in name order, as they come back from the store's JSON (sorted keys): equal presets compare equal
        object.__setattr__(self, "ranges", tuple(sorted(map(tuple, self.ranges), key=lambda r: str(r[0]))))
        object.__setattr__(self, "families", tuple(self.families))
        if self.dataset is not None and self.dataset not in DATASETS:
            raise Explained("classroom.unknown_dataset", name=_echo(self.dataset), choices=Listed(DATASETS))
        if unknown := [f for f in self.families if f not in MODELS]:
            raise Explained("classroom.unknown_family", name=_echo(unknown[0]), choices=Listed(MODELS))
        if len(self.ranges) > MAX_RANGES or len({r[0] for r in self.ranges}) != len(self.ranges):
            raise Explained("classroom.too_many_ranges", most=MAX_RANGES)
        for name, lo, hi in self.ranges:
            if not (isinstance(name, str) and _SETTING.fullmatch(name) and _is_number(lo) and _is_number(hi)
                    and math.isfinite(lo) and math.isfinite(hi) and lo <= hi
                    and (name not in WHOLE or (float(lo).is_integer() and float(hi).is_integer()))):
                raise Explained("classroom.bad_range", name=_echo(name), got=f"{_echo(lo)}:{_echo(hi)}")

    def range(self, name: str) -> tuple[float, float] | None:
        """(low, high) of a setting, or None when the preset leaves it free."""
        return next(((lo, hi) for n, lo, hi in self.ranges if n == name), None)

    def to_dict(self) -> dict:
        """As JSON stores it: {"dataset", "families", "ranges": {name: [low, high]}}."""
        return {"dataset": self.dataset, "families": list(self.families),
                "ranges": {name: [lo, hi] for name, lo, hi in self.ranges}}

    @classmethod
    def from_dict(cls, data: Mapping) -> Preset:
        """A preset from to_dict()'s shape (read back from the store or given by a teacher), checked again."""
        if not isinstance(data, Mapping) or set(data) - {"dataset", "families", "ranges"}:
            raise Explained("classroom.bad_preset")
        families, ranges = data.get("families") or [], data.get("ranges") or {}
        if not (isinstance(families, list | tuple) and isinstance(ranges, Mapping)
                and all(isinstance(v, list | tuple) and len(v) == 2 for v in ranges.values())):
            raise Explained("classroom.bad_preset")
        return cls(data.get("dataset"), tuple(families),
                   tuple((name, _whole(name, lo), _whole(name, hi)) for name, (lo, hi) in ranges.items()))


def enforce(preset: Preset, settings: Mapping[str, object]) -> tuple[dict, list[Words]]:
    """settings held to preset: another dataset becomes the preset's, a family it does not allow becomes its first
    family, a number outside a range is moved to the nearer end, and a ranged setting that is missing or not a
    number becomes the range's low end. Returns (the held settings, one Words per change); other keys pass as they
    are, and settings inside the preset come back equal with no words."""
    held, changes = dict(settings), []
    if preset.dataset is not None and held.get("dataset") != preset.dataset:
        changes.append(Words("classroom.held_dataset", got=_echo(held.get("dataset")), to=preset.dataset))
        held["dataset"] = preset.dataset
    if preset.families and held.get("model") not in preset.families:
        changes.append(Words("classroom.held_family", got=_echo(held.get("model")), to=preset.families[0],
                             allowed=Listed(preset.families)))
        held["model"] = preset.families[0]
    for name, lo, hi in preset.ranges:
        value = held.get(name)
        number = value if _is_number(value) and math.isfinite(value) else None
        to = lo if number is None else min(max(number, lo), hi)
        to = int(round(to)) if name in WHOLE else float(to)
        if number is not None and to == number and (name not in WHOLE or float(number).is_integer()):
            continue
        key = "classroom.held_fixed" if lo == hi else "classroom.held_range"
        changes.append(Words(key, name=name, got=_echo(value), to=_echo(to), lo=_echo(lo), hi=_echo(hi)))
        held[name] = to
    return held, changes


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(name: str, value: object) -> object:
    """A whole-number setting's end read back from JSON (2.0 -> 2); anything else as it is, for the checks."""
    return int(value) if name in WHOLE and _is_number(value) and float(value).is_integer() else value


def _echo(value: object) -> str | Words:
    """A value as a message may show it: numbers shortest-first, plain names as they are, anything else (markup from
    a link, a long text) as an ellipsis; a missing value as "not set"."""
    if value is None:
        return Words("classroom.unset")
    if _is_number(value):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        return text[:-2] if text.endswith(".0") else text
    return value if isinstance(value, str) and _ECHO.fullmatch(value) else "…"
