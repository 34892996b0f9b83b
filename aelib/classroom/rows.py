"""How the class tables are read: a class by its code (checked), as its teacher (the key), while it is open; its
exercises and entries as plain values. Shared by aelib.classroom.service's reads and writes, inside their
transactions."""
from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from aelib.classroom.presets import GOALS, Goal, Preset, enforce
from aelib.classroom.rules import key_matches, parse_code
from aelib.i18n import Explained
from aelib.store.schema import classes, entries, exercises


@dataclass(frozen=True)
class ClassInfo:
    """What anyone with the code may know of a class (never its key)."""

    code: str
    name: str
    lang: str
    created_at: float
    closes_at: float
    closed: bool  # closed by the teacher
    quiz_on: bool
    active_exercise: int | None
    has_class_model: bool

    def is_open(self, now: float | None = None) -> bool:
        """Takes entries: not closed, not past closes_at."""
        return not self.closed and (time.time() if now is None else now) < self.closes_at


@dataclass(frozen=True)
class Exercise:
    """One of a class's exercises: the preset runs are held to and the goal the board ranks by."""

    id: int
    name: str
    preset: Preset
    goal: Goal
    active: bool


def exercise_check(exercise: Exercise, settings: Mapping[str, object], metrics: Mapping[str, float]) -> None:
    """Explained error when a run's settings are outside the exercise's preset or it lacks the goal's number."""
    changes = enforce(exercise.preset, settings)[1]
    if changes:
        raise Explained("classroom.outside", why=changes[0])
    if exercise.goal.name not in metrics:
        raise Explained("classroom.no_goal", goal=exercise.goal.title)


def class_row(conn: Connection, code: object) -> Row:
    """The class's row; Explained error for a code of the wrong shape or an unknown one."""
    parsed = parse_code(code)
    if parsed is None:
        raise Explained("classroom.bad_code")
    row = conn.execute(sa.select(classes).where(classes.c.code == parsed)).first()
    if row is None:
        raise Explained("classroom.no_such_class", code=parsed)
    return row


def teacher_row(conn: Connection, code: object, key: object) -> Row:
    """The class's row when key is its teacher key (compared in constant time); else Explained error."""
    row = class_row(conn, code)
    if not key_matches(key, row.teacher_key_hash):
        raise Explained("classroom.wrong_key", code=row.code)
    return row


def open_row(conn: Connection, code: object, now: float) -> Row:
    """The class's row while it takes entries; Explained error once closed or expired."""
    row = class_row(conn, code)
    if row.closed:
        raise Explained("classroom.closed", code=row.code)
    if now >= row.closes_at:
        raise Explained("classroom.expired", code=row.code, date=time.strftime("%Y-%m-%d", time.gmtime(row.closes_at)))
    return row


def exercise_of(row: Row, active: int | None) -> Exercise:
    return Exercise(row.id, row.name, Preset.from_dict(json.loads(row.preset)), GOALS[row.goal], row.id == active)


def exercise_by_id(conn: Connection, code: str, exercise_id: object) -> Exercise | None:
    """The class's exercise with this id; None for no id or an exercise of another class."""
    if not isinstance(exercise_id, int) or isinstance(exercise_id, bool):
        return None
    row = conn.execute(sa.select(exercises).where(exercises.c.id == exercise_id,
                                                  exercises.c.class_code == code)).first()
    active = conn.execute(sa.select(classes.c.active_exercise).where(classes.c.code == code)).scalar()
    return None if row is None else exercise_of(row, active)


def entry_dicts(conn: Connection, code: str, exercise: Exercise | None, every: bool = False) -> list[dict]:
    """The class's entries, oldest first: every one (every=True), or those posted under exercise (None: those
    posted without an exercise)."""
    query = sa.select(entries, exercises.c.name.label("exercise_name")).outerjoin(
        exercises, exercises.c.id == entries.c.exercise_id).where(entries.c.class_code == code)
    if not every:
        query = query.where(entries.c.exercise_id == exercise.id if exercise else entries.c.exercise_id.is_(None))
    found = conn.execute(query.order_by(entries.c.posted_at, entries.c.id)).all()
    return [{"entry": r.id, "workspace": r.workspace_id, "student": r.student, "run_id": r.run_id,
             "settings": json.loads(r.settings), "metrics": json.loads(r.metrics), "time": r.posted_at,
             "exercise": r.exercise_name, "hidden": bool(r.hidden)} for r in found]
