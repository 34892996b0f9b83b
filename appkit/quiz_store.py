"""The learner's quiz answers, kept in their workspace: recorded as they check each question, read back by a new
session (a reload, another device), forgotten when they start again. A stored answer that no longer fits the
question (the quiz changed) is left out; a store that fails leaves the answers in the session."""
from __future__ import annotations

import logging

from aelib.teach import quiz
from appkit import workspace

log = logging.getLogger(__name__)


def _fits(q: quiz.Question, answer: object) -> bool:
    """A stored answer the question can still read: a choice in range, or a finite number for a numeric item."""
    if q.kind == "choice":
        return q.match(answer) is not None
    return isinstance(answer, int | float) and not isinstance(answer, bool) and answer == answer


def restored() -> dict[str, object]:
    """question id -> the learner's first answer, as the Quiz page keeps them, from the workspace."""
    questions = {q.id: q for q in quiz.load_questions()}
    try:
        kept = workspace.store().quiz.progress(workspace.ensure())
    except Exception:  # the page works without them
        log.exception("could not read the quiz answers")  # no-i18n
        return {}
    return {qid: row["answer"] for qid, row in kept.items()
            if qid in questions and _fits(questions[qid], row["answer"])}


def remember(qid: str, answer: object, correct: bool) -> None:
    try:
        workspace.store().quiz.answer(workspace.ensure(), qid, answer, correct)
    except (LookupError, ValueError, TypeError):
        log.warning("a quiz answer was not kept")  # no-i18n


def forget() -> None:
    try:
        workspace.store().quiz.clear(workspace.ensure())
    except Exception:
        log.exception("could not clear the quiz answers")  # no-i18n
