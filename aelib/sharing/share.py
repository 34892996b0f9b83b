"""Shareable setups: a page's setup (Train's, or a lab's) as short URL query parameters and back, validated field
by field against a schema, because a URL is untrusted text. Nothing read here is evaluated or used as a path: a
value is only matched against a fixed pattern, a number range or a fixed list of choices."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from aelib.i18n import Words
from aelib.settings import Choice, Flag, Float, Int, Setting, Text

__all__ = ["LOCK", "MAX_PARAMS", "MAX_PROBLEMS", "MAX_VALUE", "Choice", "Field", "Flag", "Float", "Int", "Several",
           "Text", "decode", "encode"]

LOCK = "lock"  # the parameter naming the settings a teacher locked: ?lock=model,latent_dim
MAX_PARAMS = 48  # more parameters than any setup needs: the rest are not read
MAX_VALUE = 64  # characters in one value (the lock list may be as long as all the keys)
MAX_PROBLEMS = 12  # problems listed one by one; further ones are counted
_SAFE = re.compile(r"[A-Za-z0-9_.,+-]{1,24}")  # text that may be echoed back in a message



@dataclass(frozen=True)
class Several:
    """Distinct choices picked together (a multiselect), written comma-separated: cz_latent=8,16,32. Empty text is
    an empty pick; a repeated choice counts once."""
    choice: Choice
    most: int = 16

    def parse(self, text: str) -> list:
        pieces = [p.strip() for p in text.split(",")] if text.strip() else []
        if len(pieces) > self.most:
            raise ValueError(f"lists more than {self.most} values")
        picked = []
        for piece in pieces:
            value = self.choice.parse(piece)
            if value not in picked:
                picked.append(value)
        return picked

    def format(self, v: object) -> str:
        if isinstance(v, str) or not isinstance(v, list | tuple):
            raise TypeError("not a list of choices")
        return ",".join(self.choice.format(x) for x in v)


Field = Setting | Several  # a share link's field: one of the typed settings (aelib.settings), or several choices


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
    return f"`{key}`" if isinstance(key, str) and _SAFE.fullmatch(key) else Words("share.unusual_name")


def _value(text: str) -> str:
    return f" (`{text}`)" if _SAFE.fullmatch(text) else ""


def decode(params: Mapping[str, str | list[str]], schema: Mapping[str, Field],
           passthrough: Collection[str] = ()) -> tuple[dict[str, object], set[str], list[str]]:
    """(settings, locked keys, problems) from untrusted query parameters. Every value is checked against the
    schema; a problem (unknown key, bad or over-long value, repeated key, too many parameters) is described in
    Words (English as a str; a page says them in the learner's language) and that parameter ignored. Keys in
    `passthrough` (the language) belong to others and are skipped.
    Never raises on any input."""
    settings: dict[str, object] = {}
    locked: set[str] = set()
    problems: list[str] = []
    items = list(params.items())
    if len(items) > MAX_PARAMS:
        problems.append(Words("share.too_many", n=len(items), most=MAX_PARAMS))
    for key, raw in items[:MAX_PARAMS]:
        if key in passthrough:
            continue
        values = raw if isinstance(raw, list | tuple) else [raw]
        if key != LOCK and key not in schema:
            problems.append(Words("share.not_a_setting", name=_name(key)))
            continue
        if len(values) != 1 or not isinstance(values[0], str):
            problems.append(Words("share.repeated", name=_name(key), n=len(values)))
            continue
        text = values[0].strip()
        limit = sum(len(k) + 1 for k in schema) if key == LOCK else MAX_VALUE
        if len(text) > limit:
            problems.append(Words("share.too_long", name=_name(key), n=len(text)))
        elif key == LOCK:
            for name in filter(None, (n.strip() for n in text.split(","))):
                if name in schema:
                    locked.add(name)
                else:
                    problems.append(Words("share.not_lockable", lock=LOCK, name=_name(name)))
        else:
            try:
                settings[key] = schema[key].parse(text)
            except (ValueError, TypeError, OverflowError) as err:
                why = err.words if isinstance(getattr(err, "words", None), Words) else str(err)
                problems.append(Words("share.bad_value", name=_name(key), value=_value(text), why=why))
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], Words("share.more", n=len(problems) - MAX_PROBLEMS)]
    return settings, locked, problems
