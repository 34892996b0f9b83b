"""The quiz: questions on the autoencoder interview canon from assets/quiz/questions.json, checked on load
(every text in every language, every option explained, at least one correct option), and scored.

One file holds both languages side by side ({"en": ..., "zh": ...} for every text), so a translator sees the
English next to the Chinese and a missing language is a validation error, not a silent fallback.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aelib.i18n import LANGS

QUESTIONS = Path(__file__).resolve().parents[2] / "assets" / "quiz" / "questions.json"
# The canon, in the order the page lists it; a question's topic must be one of these.
TOPICS = ("principle", "types", "training", "evaluation", "regularisation", "applications", "comparison")
# "predict": a predict-then-observe item (it must name a page in try_it); "misconception": it corrects a claim met
# in circulating interview answers (the page says so once answered).
TAGS = ("predict", "misconception")
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

    @property
    def answer(self) -> int:
        """Index of the first correct option (the one the feedback names)."""
        return next(i for i, o in enumerate(self.options) if o.correct)

    def is_correct(self, choice: int) -> bool:
        return 0 <= choice < len(self.options) and self.options[choice].correct


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


def _question_problems(q: Mapping, where: str) -> list[str]:
    problems = [] if q.get("topic") in TOPICS else [f"{where}: unknown topic {q.get('topic')!r}"]
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
    return Question(
        id=q["id"], topic=q["topic"], stem=dict(q["stem"]),
        options=tuple(Option(dict(o["text"]), o["correct"], dict(o["why"])) for o in q["options"]),
        tags=tuple(q.get("tags", ())), refs=tuple(q.get("refs", ())),
        try_it=TryIt(try_it["page"], {lang: try_it[lang] for lang in LANGS}) if try_it else None)


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


def score(answers: Mapping[str, int], questions: Iterable[Question] | None = None) -> Score:
    """Score the answers (question id -> chosen option index) over `questions` (default: all bundled ones);
    answers to questions outside them are ignored."""
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
