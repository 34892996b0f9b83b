"""Shareable setups: a Train page setup as short URL query parameters and back (issue 7), validated field by field
against a schema, because a URL is untrusted text (issue 8). Nothing read here is evaluated or used as a path: a
value is only matched against a fixed pattern, a number range or a fixed list of choices."""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

LOCK = "lock"  # the parameter naming the settings a teacher locked: ?lock=model,latent_dim
MAX_PARAMS = 48  # more parameters than any setup needs: the rest are not read
MAX_VALUE = 64  # characters in one value (the lock list may be as long as all the keys)
MAX_PROBLEMS = 12  # problems listed one by one; further ones are counted
_INT = re.compile(r"[+-]?[0-9]{1,12}")  # ASCII digits only (int() would take "1_0" and other scripts' digits)
_FLOAT = re.compile(r"[+-]?([0-9]{1,20}\.?[0-9]{0,20}|\.[0-9]{1,20})([eE][+-]?[0-9]{1,4})?")
_SAFE = re.compile(r"[A-Za-z0-9_.,+-]{1,24}")  # text that may be echoed back in a message


def _number(v: float | int) -> str:
    """The shortest text that reads back as the same number: 4.0 -> "4", 0.001 -> "0.001"."""
    text = repr(float(v)) if isinstance(v, float) else str(int(v))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Int:
    lo: int
    hi: int

    def parse(self, text: str) -> int:
        if not _INT.fullmatch(text):
            raise ValueError("is not a whole number")
        v = int(text)
        if not self.lo <= v <= self.hi:
            raise ValueError(f"must be between {self.lo} and {self.hi}")
        return v

    def format(self, v: object) -> str:
        return _number(int(v))


@dataclass(frozen=True)
class Float:
    lo: float
    hi: float

    def parse(self, text: str) -> float:
        if not _FLOAT.fullmatch(text):
            raise ValueError("is not a number")
        v = float(text)
        if not math.isfinite(v):
            raise ValueError("is not a finite number")
        if not self.lo <= v <= self.hi:
            raise ValueError(f"must be between {self.lo:g} and {self.hi:g}")
        return v

    def format(self, v: object) -> str:
        return _number(float(v))


@dataclass(frozen=True)
class Choice:
    options: tuple  # strings (a registry's keys) or numbers (a select_slider's steps)

    def parse(self, text: str) -> object:
        if all(isinstance(o, str) for o in self.options):
            if text in self.options:
                return text
        elif _FLOAT.fullmatch(text):  # "1e-3" and "0.001" both name the option 0.001
            v = float(text)
            for o in self.options:
                if math.isclose(v, o, rel_tol=1e-9, abs_tol=1e-12):
                    return o
        shown = ", ".join(map(self.format, self.options[:12])) + (", ..." if len(self.options) > 12 else "")
        raise ValueError(f"must be one of {shown}")

    def format(self, v: object) -> str:
        return v if isinstance(v, str) else _number(v)


@dataclass(frozen=True)
class Flag:
    def parse(self, text: str) -> bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError("must be 1 or 0")

    def format(self, v: object) -> str:
        return "1" if v else "0"


@dataclass(frozen=True)
class Text:
    """Free text checked by `check`, which returns the value in its usual form or raises ValueError in words.
    Spaces are left out of the link ("512, 256" is written 512,256)."""
    check: Callable[[str], str]

    def parse(self, text: str) -> str:
        return self.check(text)

    def format(self, v: object) -> str:
        return "".join(self.check(str(v)).split())


Field = Int | Float | Choice | Flag | Text


def encode(settings: Mapping[str, object], locked: Collection[str], schema: Mapping[str, Field],
           defaults: Mapping[str, object]) -> dict[str, str]:
    """Query parameters for `settings`: only the schema's keys whose value differs from the default, plus every
    locked key (so a locked value does not move if the app's defaults change). A value the schema rejects (a
    learner's own dataset, an unparsable layer list) is left out."""
    params, locks = {}, [k for k in schema if k in locked]
    for key, field in schema.items():
        if key not in settings:
            continue
        try:
            text = field.format(settings[key])
            field.parse(text)
        except (ValueError, TypeError):
            continue
        if key in locks or key not in defaults or text != _formatted(field, defaults[key]):
            params[key] = text
    if locks:
        params[LOCK] = ",".join(k for k in locks if k in params)
    return params


def _formatted(field: Field, value: object) -> str | None:
    try:
        return field.format(value)
    except (ValueError, TypeError):
        return None


def _name(key: object) -> str:
    """A parameter's name as it may appear in a message (an unreadable one is not echoed)."""
    return f"`{key}`" if isinstance(key, str) and _SAFE.fullmatch(key) else "a parameter with an unusual name"


def _value(text: str) -> str:
    return f" (`{text}`)" if _SAFE.fullmatch(text) else ""


def decode(params: Mapping[str, str | list[str]], schema: Mapping[str, Field],
           passthrough: Collection[str] = ()) -> tuple[dict[str, object], set[str], list[str]]:
    """(settings, locked keys, problems) from untrusted query parameters. Every value is checked against the
    schema; a problem (unknown key, bad or over-long value, repeated key, too many parameters) is described in
    words and that parameter ignored. Keys in `passthrough` (the language) belong to others and are skipped.
    Never raises on any input."""
    settings: dict[str, object] = {}
    locked: set[str] = set()
    problems: list[str] = []
    items = list(params.items())
    if len(items) > MAX_PARAMS:
        problems.append(f"the link has {len(items)} parameters; only the first {MAX_PARAMS} were read")
    for key, raw in items[:MAX_PARAMS]:
        if key in passthrough:
            continue
        values = raw if isinstance(raw, list | tuple) else [raw]
        if key != LOCK and key not in schema:
            problems.append(f"{_name(key)} is not a setting of this app")
            continue
        if len(values) != 1 or not isinstance(values[0], str):
            problems.append(f"{_name(key)} was given {len(values)} times")
            continue
        text = values[0].strip()
        limit = sum(len(k) + 1 for k in schema) if key == LOCK else MAX_VALUE
        if len(text) > limit:
            problems.append(f"{_name(key)} is too long ({len(text)} characters)")
        elif key == LOCK:
            for name in filter(None, (n.strip() for n in text.split(","))):
                if name in schema:
                    locked.add(name)
                else:
                    problems.append(f"{LOCK}: {_name(name)} is not a setting that can be locked")
        else:
            try:
                settings[key] = schema[key].parse(text)
            except (ValueError, TypeError, OverflowError) as err:
                problems.append(f"{_name(key)}{_value(text)} {err}")
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more"]
    return settings, locked, problems
