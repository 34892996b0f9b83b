"""Typed settings: the kinds of value a setting takes (Int, Float, Choice, Flag, Text), each able to read one from
untrusted text (a share link), write one back, and accept one given in code; and Option, one declared setting of
a model family (its default, its range, its widget and its words), which the library, the Train page, share links
and the command line all read."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from aelib.i18n import Explained, Listed

_INT = re.compile(r"[+-]?[0-9]{1,12}")  # ASCII digits only (int() would take "1_0" and other scripts' digits)
_FLOAT = re.compile(r"[+-]?([0-9]{1,20}\.?[0-9]{0,20}|\.[0-9]{1,20})([eE][+-]?[0-9]{1,4})?")


def _number(v: float | int) -> str:
    """The shortest text that reads back as the same number: 4.0 -> "4", 0.001 -> "0.001"."""
    text = repr(float(v)) if isinstance(v, float) else str(int(v))
    return text[:-2] if text.endswith(".0") else text


def _shown(value: object) -> str:
    """A value as an error message quotes it: 'pink' for text, 1.5 for a number."""
    return repr(value) if isinstance(value, str) else str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _in_range(name: str, value: float, lo: float, hi: float, inside: bool = False) -> None:
    """Explained error unless lo <= value <= hi (lo < value < hi when `inside`)."""
    ok = lo < value < hi if inside else lo <= value <= hi
    if ok:
        return
    if inside:
        raise Explained("error.option_inside", name=name, lo=_number(lo), hi=_number(hi), got=_shown(value))
    if math.isinf(hi):
        raise Explained("error.option_at_least", name=name, lo=_number(lo), got=_shown(value))
    raise Explained("error.option_range", name=name, lo=_number(lo), hi=_number(hi), got=_shown(value))


@dataclass(frozen=True)
class Int:
    lo: int
    hi: int | float  # math.inf: no upper bound

    def parse(self, text: str) -> int:
        if not _INT.fullmatch(text):
            raise ValueError("is not a whole number")
        v = int(text)
        if not self.lo <= v <= self.hi:
            raise ValueError(f"must be between {self.lo} and {self.hi}")
        return v

    def format(self, v: object) -> str:
        return _number(int(v))

    def accept(self, name: str, value: object) -> int:
        if not (_is_number(value) and float(value).is_integer()):
            raise Explained("error.option_whole", name=name, got=_shown(value))
        _in_range(name, value, self.lo, self.hi)
        return int(value)


@dataclass(frozen=True)
class Float:
    lo: float
    hi: float  # math.inf: no upper bound
    inside: bool = False  # the ends themselves are excluded (a rate strictly between 0 and 1)

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

    def accept(self, name: str, value: object) -> float:
        if not (_is_number(value) and math.isfinite(value)):
            raise Explained("error.option_number", name=name, got=_shown(value))
        _in_range(name, value, self.lo, self.hi, self.inside)
        return float(value)


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

    def accept(self, name: str, value: object) -> object:
        for o in self.options:
            if value == o and not isinstance(value, bool):  # 16 and 16.0 name the same step
                return o
        raise Explained("error.option_choice", name=name, choices=Listed(self.options), got=_shown(value))


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

    def accept(self, name: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise Explained("error.option_flag", name=name, got=_shown(value))
        return value


@dataclass(frozen=True)
class Text:
    """Free text checked by `check`, which returns the value in its usual form or raises ValueError in words.
    Spaces are left out of the link ("512, 256" is written 512,256)."""
    check: Callable[[str], str]

    def parse(self, text: str) -> str:
        return self.check(text)

    def format(self, v: object) -> str:
        return "".join(self.check(str(v)).split())

    def accept(self, name: str, value: object) -> str:
        return self.check(str(value))


Setting = Int | Float | Choice | Flag | Text


@dataclass(frozen=True)
class Option:
    """One setting a model family reads, declared once. The library checks a value against `accepts`; the Train
    page draws `widget` over `offers` (the range a learner picks from, where narrower than what the library
    accepts), share links carry it and `python -m aelib train` offers it as --<name>. Words are table keys."""

    name: str
    default: object
    accepts: Setting
    offers: Setting | None = None  # the widget's and the share link's range (default: accepts)
    widget: str | None = None  # slider, number, select_slider, radio or select; None: library and CLI only
    label: str = ""  # the widget's label (and the CLI flag's help)
    help: str = ""  # the widget's help
    step: float | None = None  # a slider's or number box's step
    format: str | None = None  # a number box's printf format, e.g. "%.3f"
    words: str = ""  # names each choice: a key template such as "noise.{}.title" (empty: the value as it is)
    choice_help: str = ""  # describes each choice ("noise.{}.description"); the help then lists every choice
    when: tuple[str, object] | None = None  # shown only while another option has this value: ("sparsity", "kl")

    @property
    def offered(self) -> Setting:
        return self.offers or self.accepts

    def check(self, value: object) -> object:
        """The value in its usual type (1 -> 1.0 for a Float), or an Explained error that names the option."""
        return self.accepts.accept(self.name, value)
