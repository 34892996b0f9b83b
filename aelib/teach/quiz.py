"""The quiz: questions on the autoencoder interview canon from assets/quiz/questions.json, checked on load
(every text in every language, every option explained, at least one correct option, a difficulty level), and
scored. Most items are multiple choice; a numeric item asks for a number and keeps its options as the expected
answers (the right one and the usual slips), each explained, so a typed number gets the explanation it deserves.

One file holds both languages side by side ({"en": ..., "zh": ...} for every text), so a translator sees the
English next to the Chinese and a missing language is a validation error, not a silent fallback.
"""
from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aelib.i18n import LANGS

QUESTIONS = Path(__file__).resolve().parents[2] / "assets" / "quiz" / "questions.json"
# The canon, in the order the page lists it (basics, then variants, then applications); a question's topic must be
# one of these, and the file lists its questions in the order of their topics' stages.
TOPICS = ("principle", "training", "regularisation", "evaluation", "types", "comparison", "applications")
STAGES = ("basics", "variants", "applications")
STAGE = {"principle": "basics", "training": "basics", "regularisation": "basics", "evaluation": "basics",
         "types": "variants", "comparison": "variants", "applications": "applications"}
LEVELS = ("basic", "intermediate", "advanced")  # difficulty
KINDS = ("choice", "numeric")  # numeric: type a number; it is right within the question's tolerance
# "predict": a predict-then-observe item (it must name a page in try_it); "misconception": it corrects a claim met
# in circulating interview answers (the page says so once answered); "derivation": it asks for a step of a
# derivation; "case": a short case note on where autoencoders are used.
TAGS = ("predict", "misconception", "derivation", "case")
# The app's pages a try_it may name (English sidebar labels; later ones may not exist yet — the page then names
# the experiment without linking to it).
PAGES = ("Train", "Latent space", "Compare", "Anomaly detection", "Denoising", "Draw a digit", "Your data",
         "Generation", "Super-resolution", "Compression", "Few labels", "Augmentation")

Text = Mapping[str, str]  # language code -> text


class QuizError(ValueError):
    """The questions file breaks a rule; the message lists every problem."""


@dataclass(frozen=True)
class Option:
    text: Text
    correct: bool
    why: Text  # why this option is right or wrong
    value: float | None = None  # a numeric item's expected answer that this option stands for


@dataclass(frozen=True)
class TryIt:
    page: str  # one of PAGES
    text: Text  # what to do there


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    stem: Text
    options: tuple[Option, ...]
    tags: tuple[str, ...] = ()
    try_it: TryIt | None = None
    refs: tuple[str, ...] = ()  # papers and docs, as short citations
    level: str = "basic"  # one of LEVELS
    kind: str = "choice"  # one of KINDS
    tolerance: float = 0.0  # numeric items: how far from the right value an answer may be

    @property
    def answer(self) -> int:
        """Index of the first correct option (the one the feedback names)."""
        return next(i for i, o in enumerate(self.options) if o.correct)

    @property
    def stage(self) -> str:
        return STAGE[self.topic]

    def match(self, answer: float | int) -> int | None:
        """The option an answer stands for: a choice item's index as given (None if out of range); for a numeric
        item the option whose value lies within the tolerance of the typed number (the nearest), else None."""
        if self.kind == "choice":
            ok = isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(self.options)
            return answer if ok else None
        if not isinstance(answer, (int, float)) or isinstance(answer, bool) or not math.isfinite(answer):
            return None
        near = [(abs(o.value - answer), i) for i, o in enumerate(self.options)
                if abs(o.value - answer) <= self.tolerance * (1 + 1e-9)]
        return min(near)[1] if near else None

    def is_correct(self, answer: float | int) -> bool:
        matched = self.match(answer)
        return matched is not None and self.options[matched].correct


@dataclass(frozen=True)
class Score:
    correct: int
    answered: int
    total: int


def _text_problems(where: str, text: object) -> list[str]:
    if not isinstance(text, Mapping):
        return [f"{where}: expected {{{', '.join(LANGS)}}} texts, got {type(text).__name__}"]
    return [f"{where}: no {lang} text" for lang in LANGS
            if not (isinstance(text.get(lang), str) and text[lang].strip())]


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _numeric_problems(q: Mapping, options: list, where: str) -> list[str]:
    tolerance = q.get("tolerance")
    found = [] if _number(tolerance) and tolerance > 0 else [f"{where}: a numeric item needs a tolerance > 0"]
    found += [f"{where}.options[{j}]: a numeric item's option needs a number 'value'"
              for j, o in enumerate(options) if not _number(o.get("value"))]
    if sum(o.get("correct") is True for o in options) != 1:
        found.append(f"{where}: a numeric item needs exactly one correct option")
    if not found:
        values = sorted(o["value"] for o in options)
        if any(b - a <= 2 * tolerance for a, b in zip(values, values[1:])):
            found.append(f"{where}: two options lie within twice the tolerance of each other")
    return found


def _question_problems(q: Mapping, where: str) -> list[str]:
    problems = [] if q.get("topic") in TOPICS else [f"{where}: unknown topic {q.get('topic')!r}"]
    problems += [] if q.get("level") in LEVELS else [f"{where}: unknown level {q.get('level')!r}"]
    kind = q.get("kind", "choice")
    problems += [] if kind in KINDS else [f"{where}: unknown kind {kind!r}"]
    problems += _text_problems(f"{where}.stem", q.get("stem"))
    options = q.get("options")
    if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, Mapping) for o in options):
        return [*problems, f"{where}: needs a list of at least two options"]
    for j, o in enumerate(options):
        problems += _text_problems(f"{where}.options[{j}].text", o.get("text"))
        problems += _text_problems(f"{where}.options[{j}].why", o.get("why"))
        if not isinstance(o.get("correct"), bool):
            problems.append(f"{where}.options[{j}]: 'correct' must be true or false")
    if not any(o.get("correct") is True for o in options):
        problems.append(f"{where}: no correct option")
    if kind == "numeric":
        problems += _numeric_problems(q, options, where)
    tags = q.get("tags", [])
    tags = tags if isinstance(tags, list) else [tags]
    problems += [f"{where}: unknown tag {tag!r}" for tag in tags if tag not in TAGS]
    try_it = q.get("try_it")
    if try_it is not None and not isinstance(try_it, Mapping):
        problems.append(f"{where}.try_it: expected an object with page, en and zh")
    elif try_it is not None:
        if try_it.get("page") not in PAGES:
            problems.append(f"{where}.try_it: unknown page {try_it.get('page')!r}")
        problems += _text_problems(f"{where}.try_it", {lang: try_it.get(lang) for lang in LANGS})
    elif "predict" in tags:
        problems.append(f"{where}: a predict-then-observe question must name its page in try_it")
    return problems


def problems(raw: object) -> list[str]:
    """Everything wrong with a parsed questions file; empty when it is valid."""
    questions = raw.get("questions") if isinstance(raw, Mapping) else None
    if not isinstance(questions, list) or not questions:
        return ["expected an object with a non-empty 'questions' list"]
    found, seen = [], set()
    for i, q in enumerate(questions):
        qid = q.get("id") if isinstance(q, Mapping) else None
        if not isinstance(qid, str) or not qid:
            found.append(f"questions[{i}]: no id")
            continue
        if qid in seen:
            found.append(f"{qid}: duplicate id")
        seen.add(qid)
        found += _question_problems(q, qid)
    return found


def _build(q: Mapping) -> Question:
    try_it = q.get("try_it")
    numeric = q.get("kind", "choice") == "numeric"
    return Question(
        id=q["id"], topic=q["topic"], stem=dict(q["stem"]),
        options=tuple(Option(dict(o["text"]), o["correct"], dict(o["why"]), float(o["value"]) if numeric else None)
                      for o in q["options"]),
        tags=tuple(q.get("tags", ())), refs=tuple(q.get("refs", ())),
        try_it=TryIt(try_it["page"], {lang: try_it[lang] for lang in LANGS}) if try_it else None,
        level=q["level"], kind=q.get("kind", "choice"), tolerance=float(q.get("tolerance", 0.0)))


def parse(raw: object) -> tuple[Question, ...]:
    """Questions from a parsed file; QuizError listing every problem if it breaks a rule."""
    found = problems(raw)
    if found:
        raise QuizError("; ".join(found))
    return tuple(_build(q) for q in raw["questions"])


@functools.cache
def load_questions(path: Path = QUESTIONS) -> tuple[Question, ...]:
    """The bundled questions, read and validated once."""
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))


def select(questions: Iterable[Question], topics: Iterable[str] = ()) -> list[Question]:
    """The questions of the given topics, in file order; no topics means all."""
    topics = set(topics)
    return [q for q in questions if not topics or q.topic in topics]


def score(answers: Mapping[str, float], questions: Iterable[Question] | None = None) -> Score:
    """Score the answers (question id -> chosen option index, or the number typed for a numeric item) over
    `questions` (default: all bundled ones); answers to questions outside them are ignored."""
    questions = list(load_questions() if questions is None else questions)
    answered = [q for q in questions if q.id in answers]
    return Score(correct=sum(q.is_correct(answers[q.id]) for q in answered), answered=len(answered),
                 total=len(questions))


def topic_counts(questions: Iterable[Question] | None = None) -> dict[str, int]:
    """Questions per topic, every topic of the canon listed (zero if none)."""
    counts = dict.fromkeys(TOPICS, 0)
    for q in load_questions() if questions is None else questions:
        counts[q.topic] += 1
    return counts
