"""The UI's words in English and Simplified Chinese: string tables in assets/i18n/<prefix>.<lang>.json (one file
per key prefix), looked up by key.

A table is one flat JSON object of dotted keys ("quiz.check": "Check answer"). Values are `str.format` templates
with named placeholders ("{correct} of {total}"); a literal brace is written twice. Both tables must have the same
keys and the same placeholders per key: `missing_keys()` says where they differ, and a test fails on it.
"""
from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

LANGS = ("en", "zh")
DEFAULT = "en"
I18N_DIR = Path(__file__).resolve().parents[1] / "assets" / "i18n"
_ALIASES = {"en-us": "en", "en-gb": "en", "zh-cn": "zh", "zh-hans": "zh", "zh_cn": "zh"}


def parse_lang(value: object) -> str:
    """A language code from an untrusted value (a URL parameter): a known code, else English. The value is only
    compared with a fixed list — never evaluated, never used in a path."""
    if not isinstance(value, str) or len(value) > 16:
        return DEFAULT
    code = value.strip().lower()
    code = _ALIASES.get(code, code)
    return code if code in LANGS else DEFAULT


def page_slug(name: str) -> str:
    """A page name as an i18n key part: "Anomaly detection" -> "anomaly_detection" (the key is "page.<slug>")."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@functools.cache
def table(lang: str) -> Mapping[str, str]:
    """One language's strings, read once (read-only: the cached dict is shared)."""
    if lang not in LANGS:  # the file name comes from this fixed list only
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
    data: dict[str, str] = {}
    # one <prefix>.<lang>.json per key prefix (anomaly.zh.json holds the anomaly.* keys): a key has one home
    for path in sorted(I18N_DIR.glob(f"*.{lang}.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(part, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in part.items()):
            raise ValueError(f"{path.name} must be one flat object of string keys and string values")
        prefix = path.name.split(".")[0]
        if stray := [k for k in part if k.split(".")[0] != prefix]:
            raise ValueError(f"{path.name} holds keys of another prefix: {', '.join(stray[:5])}")
        data.update(part)
    return MappingProxyType(data)


def t(key: str, lang: str = DEFAULT, **fmt: object) -> str:
    """The text for `key` in `lang`, formatted with `fmt`. A key missing from `lang` falls back to English, and one
    missing everywhere shows the key itself — both fail tests/test_i18n.py, so neither reaches a release."""
    lang = lang if lang in LANGS else DEFAULT
    text = table(lang).get(key) or table(DEFAULT).get(key)
    if text is None:
        return key
    return text.format(**fmt) if fmt else text


def placeholders(template: str) -> set[str]:
    """The named fields of a format template: placeholders("{a} of {b}") == {"a", "b"}. Raises ValueError on an
    unbalanced brace."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _fields(template: str) -> set[str] | None:
    try:
        return placeholders(template)
    except ValueError:
        return None  # malformed: reported by missing_keys


def missing_keys(tables: Mapping[str, Mapping[str, str]] | None = None) -> list[str]:
    """Every difference between the languages, as readable lines ("zh: missing 'quiz.check'", "zh: 'quiz.score'
    has placeholders ['n'], en has ['correct', 'total']"); empty when the tables agree. Empty strings count as
    missing. `tables` defaults to the files; tests pass edited copies."""
    tables = tables if tables is not None else {lang: table(lang) for lang in LANGS}
    keys = set().union(*(tbl.keys() for tbl in tables.values()))
    problems = []
    for lang, tbl in tables.items():
        problems += [f"{lang}: missing {key!r}" for key in sorted(keys) if not tbl.get(key)]
    reference = tables.get(DEFAULT, {})
    for lang, tbl in tables.items():
        for key in sorted(tbl):
            mine = _fields(tbl[key])
            if mine is None:
                problems.append(f"{lang}: {key!r} has an unbalanced brace (write a literal brace twice)")
            elif lang != DEFAULT and key in reference and mine != (theirs := _fields(reference[key]) or set()):
                problems.append(f"{lang}: {key!r} has placeholders {sorted(mine)}, {DEFAULT} has {sorted(theirs)}")
    return problems


class Words(str):
    """A sentence that can be put into any language: the English text itself (a str, so printing, comparing and
    JSON see English), plus the table key and fields that say it in another language with say(lang). A field may
    itself be Words, said in the same language. Errors a learner can act on, progress lines and data sources carry
    Words, so the library stays English and a page says them in the learner's language."""

    key: str
    fields: dict

    def __new__(cls, key: str, **fields: object) -> Words:
        obj = super().__new__(cls, _said(key, fields, DEFAULT))
        obj.key, obj.fields = key, fields
        return obj

    def say(self, lang: str = DEFAULT) -> str:
        return _said(self.key, self.fields, lang)

    def __repr__(self) -> str:
        return f"Words({self.key!r}, **{self.fields!r})"


class Listed(Words):
    """Names listed as each language writes them: 'a', 'b' in English, “a”、“b” in Chinese (the quote and the
    separator are the table's "list.quoted" and "list.sep"). A field of Words, said in the same language."""

    def __new__(cls, items: Sequence[object]) -> Listed:
        names = tuple(str(item) for item in items)
        obj = str.__new__(cls, _listed(names, DEFAULT))
        obj.key, obj.fields = "list.quoted", {"items": names}
        return obj

    def say(self, lang: str = DEFAULT) -> str:
        return _listed(self.fields["items"], lang)


def _listed(names: tuple[str, ...], lang: str) -> str:
    return t("list.sep", lang).join(t("list.quoted", lang, name=name) for name in names)


def _said(key: str, fields: Mapping[str, object], lang: str) -> str:
    return t(key, lang, **{k: v.say(lang) if isinstance(v, Words) else v for k, v in fields.items()})


class Explained(ValueError):
    """A ValueError worded from the string tables: str(err) is the English text; err.words.say(lang) any language."""

    def __init__(self, key: str, **fields: object):
        self.words = Words(key, **fields)
        super().__init__(self.words.say())


def say(err: BaseException, lang: str = DEFAULT) -> str:
    """An error's message in `lang` when it carries Words, else its own (English) text."""
    words = getattr(err, "words", None)
    return words.say(lang) if isinstance(words, Words) else str(err)
