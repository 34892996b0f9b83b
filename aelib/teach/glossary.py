"""The glossary: the one term each language uses for each concept (assets/quiz/glossary.json), the variants that
no Chinese text may use, and the check that a text pair keeps to it."""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

GLOSSARY = Path(__file__).resolve().parents[2] / "assets" / "quiz" / "glossary.json"


@dataclass(frozen=True)
class Term:
    name: dict[str, str]  # language -> the term as the glossary table shows it
    en: str  # a regular expression that finds the concept in an English text
    zh: str  # the Chinese term a text must use where the English one names the concept
    rejected: tuple[str, ...]  # Chinese variants no text may use


@functools.cache
def load_terms(path: Path = GLOSSARY) -> tuple[Term, ...]:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(Term(dict(t["term"]), t["en"], t["zh"], tuple(t["rejected"])) for t in raw["terms"])


def breaches(en: str, zh: str, terms: tuple[Term, ...] | None = None) -> list[str]:
    """What a Chinese text does against the glossary, given its English original: a rejected variant used, or a
    concept the English names without the chosen Chinese term."""
    found = []
    for term in load_terms() if terms is None else terms:
        found += [f"uses {bad!r} instead of {term.zh!r}" for bad in term.rejected if bad in zh]
        if re.search(term.en, en, re.IGNORECASE) and term.zh not in zh:
            found.append(f"English says {term.name['en']!r}, Chinese lacks {term.zh!r}")
    return found
