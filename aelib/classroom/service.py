"""Classroom: classes in the workspace store. A teacher creates a class (a code for students, a key for themself),
sets exercises, moderates entries, publishes a class model and reads the results; students join with the code and a
display name and post their finished runs and quiz answers. Every teacher action checks the key; every read names
one class, so two classes never see each other's rows. `now` parameters exist for tests (default time.time())."""
from __future__ import annotations

import time
from collections.abc import Mapping

import sqlalchemy as sa

from aelib.classroom import board as views
from aelib.classroom.presets import GOALS, Preset, enforce
from aelib.classroom.rows import (
    ClassInfo,
    Exercise,
    class_row,
    entry_dicts,
    exercise_by_id,
    exercise_check,
    exercise_of,
    open_row,
    teacher_row,
)
from aelib.classroom.rules import (
    CLASS_NAME_LENGTH,
    ENTRIES_PER_MINUTE,
    check_days,
    class_days,
    clean_name,
    key_hash,
    key_matches,
    new_code,
    new_teacher_key,
)
from aelib.classroom.settings import entry_metrics, entry_settings
from aelib.i18n import LANGS, Explained
from aelib.store.engine import Db
from aelib.store.records import WEIGHTS, Run, Status, dump, run_of
from aelib.store.schema import blobs, class_answers, classes, entries, exercises, members, runs, workspaces

__all__ = ["ClassInfo", "Classroom", "Exercise"]


class Classroom:
    """The classes in one store (a Store's Db: Classroom(store.db)). Errors a person can act on are Explained (wrong
    code, closed or expired class, wrong key, a name too long, posting too fast, a run outside the exercise)."""

    def __init__(self, db: Db):
        self.db = db

    # classes ------------------------------------------------------------------------------------------------------
    def create_class(self, name: str, language: str = "en", days: float | None = None,
                     now: float | None = None) -> tuple[str, str]:
        """A new class open for `days` (default class_days()): returns (code, teacher key). The key is not kept,
        only its hash: show it to the teacher once."""
        name, days = clean_name(name, CLASS_NAME_LENGTH), check_days(class_days() if days is None else days)
        if language not in LANGS:
            raise ValueError(f"a class speaks one of {', '.join(LANGS)}, not {language!r}")
        now, key = _now(now), new_teacher_key()
        for _ in range(20):  # a collision is rare (31**6 codes): draw again
            code = new_code()
            try:
                with self.db.write() as conn:
                    conn.execute(classes.insert().values(
                        code=code, name=name, lang=language, teacher_key_hash=key_hash(key), created_at=now,
                        closes_at=now + days * 86400, closed=False, quiz_on=False, active_exercise=None))
                return code, key
            except sa.exc.IntegrityError:
                continue
        raise RuntimeError("no free class code after 20 draws")

    def info(self, code: object) -> ClassInfo:
        """The class with this code (typed by a student: spaces, dashes and case do not matter); Explained error for
        a code of the wrong shape or an unknown one."""
        with self.db.read() as conn:
            row = class_row(conn, code)
        return ClassInfo(row.code, row.name, row.lang, row.created_at, row.closes_at, row.closed, row.quiz_on,
                         row.active_exercise, row.published_run_id is not None)

    def is_teacher(self, code: object, key: object) -> bool:
        """Whether key is the class's teacher key (False for an unknown code too)."""
        try:
            with self.db.read() as conn:
                return key_matches(key, class_row(conn, code).teacher_key_hash)
        except Explained:
            return False

    def close_class(self, code: object, key: object) -> None:
        """Close the class for good: it keeps its results and takes no more entries or answers."""
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            conn.execute(classes.update().where(classes.c.code == row.code).values(closed=True))

    def set_quiz(self, code: object, key: object, on: bool) -> None:
        """Whether the students' quiz answers are posted to the class."""
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            conn.execute(classes.update().where(classes.c.code == row.code).values(quiz_on=bool(on)))

    # students -----------------------------------------------------------------------------------------------------
    def join(self, code: object, workspace: str, display_name: object, now: float | None = None) -> str:
        """Join an open class with a workspace and a display name (joining again renames); returns the cleaned
        name. LookupError for an unknown workspace."""
        name, now = clean_name(display_name), _now(now)
        with self.db.write() as conn:
            row = open_row(conn, code, now)
            if conn.execute(sa.select(workspaces.c.id).where(workspaces.c.id == workspace)).first() is None:
                raise LookupError("no such workspace")
            mine = (members.c.class_code == row.code) & (members.c.workspace_id == workspace)
            if conn.execute(members.update().where(mine).values(display_name=name)).rowcount == 0:
                conn.execute(members.insert().values(class_code=row.code, workspace_id=workspace, display_name=name,
                                                     joined_at=now))
            conn.execute(entries.update().where(entries.c.class_code == row.code,
                                                entries.c.workspace_id == workspace).values(student=name))
        return name

    def member_name(self, code: object, workspace: str) -> str | None:
        """The display name workspace joined the class with, or None."""
        with self.db.read() as conn:
            row = class_row(conn, code)
            return conn.execute(sa.select(members.c.display_name).where(
                members.c.class_code == row.code, members.c.workspace_id == workspace)).scalar()

    def post_entry(self, code: object, workspace: str, run_id: str, settings: Mapping | None = None,
                   metrics: Mapping | None = None, now: float | None = None) -> int:
        """Post a finished run of the workspace to the class board; returns the entry's id (the same id when this
        run was posted already). The run's stored dataset, family and configs win over the settings given, and its
        summary's numbers over the metrics given. Refused (Explained): a closed or expired class, a workspace that
        has not joined, more than ENTRIES_PER_MINUTE posts in the last minute, a run that is not finished or not the
        workspace's, and, with an active exercise, a run outside its preset or without its goal's number."""
        now = _now(now)
        with self.db.write() as conn:
            row = open_row(conn, code, now)
            student = conn.execute(sa.select(members.c.display_name).where(
                members.c.class_code == row.code, members.c.workspace_id == workspace).with_for_update()).scalar()
            if student is None:
                raise Explained("classroom.not_joined", code=row.code)
            found = conn.execute(sa.select(runs).where(runs.c.id == run_id, runs.c.workspace_id == workspace)).first()
            run = None if found is None else run_of(found)
            if run is None or run.status != Status.FINISHED:
                raise Explained("classroom.no_such_run")
            posted = conn.execute(sa.select(entries.c.id).where(entries.c.class_code == row.code,
                                                                 entries.c.run_id == run_id)).scalar()
            if posted is not None:
                return posted
            recent = conn.execute(sa.select(sa.func.count()).select_from(entries).where(
                entries.c.class_code == row.code, entries.c.workspace_id == workspace,
                entries.c.posted_at > now - 60)).scalar()
            if recent >= ENTRIES_PER_MINUTE:
                raise Explained("classroom.too_fast", n=ENTRIES_PER_MINUTE)
            exercise = exercise_by_id(conn, row.code, row.active_exercise)
            held = entry_settings(run, settings or {}, exercise.preset if exercise else None)
            numbers = entry_metrics(run, metrics or {}, held)
            if exercise is not None:
                exercise_check(exercise, held, numbers)
            done = conn.execute(entries.insert().values(
                class_code=row.code, exercise_id=exercise.id if exercise else None, workspace_id=workspace,
                student=student, run_id=run_id, settings=dump(held), metrics=dump(numbers), posted_at=now,
                hidden=False))
            return int(done.inserted_primary_key[0])

    def post_answer(self, code: object, workspace: str, question: str, correct: bool,
                    now: float | None = None) -> bool:
        """Post a member's answer to a quiz question (replacing an earlier one); False when the class's quiz is off.
        Refused like an entry for a closed class or a workspace that has not joined."""
        now = _now(now)
        with self.db.write() as conn:
            row = open_row(conn, code, now)
            if not row.quiz_on:
                return False
            if conn.execute(sa.select(members.c.workspace_id).where(
                    members.c.class_code == row.code, members.c.workspace_id == workspace)).first() is None:
                raise Explained("classroom.not_joined", code=row.code)
            key = ((class_answers.c.class_code == row.code) & (class_answers.c.workspace_id == workspace)
                   & (class_answers.c.question == question[:100]))
            conn.execute(class_answers.delete().where(key))
            conn.execute(class_answers.insert().values(class_code=row.code, workspace_id=workspace,
                                                       question=question[:100], correct=bool(correct),
                                                       answered_at=now))
        return True

    def standing(self, code: object, workspace: str, exercise_id: int | None = None) -> dict:
        """A student's own view of the board for the active exercise (or exercise_id): board.standing's dict with
        "class" and "exercise" added; their rank and the class's spread, never another student's name."""
        with self.db.read() as conn:
            row = class_row(conn, code)
            exercise = exercise_by_id(conn, row.code, exercise_id if exercise_id is not None else row.active_exercise)
            found = entry_dicts(conn, row.code, exercise)
        goal = exercise.goal if exercise else GOALS["knn_accuracy"]
        return {"class": row.code, "exercise": exercise.name if exercise else None,
                **views.standing(found, goal, workspace)}

    # the class model ----------------------------------------------------------------------------------------------
    def publish(self, code: object, key: object, workspace: str, run_id: str | None) -> None:
        """Publish a finished run of the teacher's workspace as the class model (None: withdraw it)."""
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            if run_id is not None and conn.execute(sa.select(runs.c.id).where(
                    runs.c.id == run_id, runs.c.workspace_id == workspace,
                    runs.c.status == Status.FINISHED)).first() is None:
                raise Explained("classroom.no_such_run")
            conn.execute(classes.update().where(classes.c.code == row.code).values(published_run_id=run_id))

    def class_model(self, code: object) -> Run | None:
        """The run the teacher published to the class (for every member to start from), or None."""
        with self.db.read() as conn:
            row = class_row(conn, code)
            found = conn.execute(sa.select(runs).where(runs.c.id == row.published_run_id)).first()
        return None if found is None else run_of(found)

    def class_model_blob(self, code: object, kind: str = WEIGHTS) -> bytes | None:
        """A blob of the published run: its weights (safetensors bytes) by default; None without one."""
        with self.db.read() as conn:
            row = class_row(conn, code)
            data = conn.execute(sa.select(blobs.c.data).where(blobs.c.run_id == row.published_run_id,
                                                              blobs.c.kind == kind)).scalar()
        return None if data is None else bytes(data)

    # exercises ----------------------------------------------------------------------------------------------------
    def add_exercise(self, code: object, key: object, name: str, preset: Preset, goal: str, activate: bool = True,
                     now: float | None = None) -> int:
        """Add an exercise (name, preset, a goal of GOALS) and, by default, make it the active one; returns its id."""
        name = clean_name(name, CLASS_NAME_LENGTH)
        if goal not in GOALS:
            raise Explained("classroom.unknown_goal", name=str(goal)[:24], choices=", ".join(GOALS))
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            done = conn.execute(exercises.insert().values(class_code=row.code, name=name, preset=dump(preset.to_dict()),
                                                          goal=goal, created_at=_now(now)))
            exercise_id = int(done.inserted_primary_key[0])
            if activate:
                conn.execute(classes.update().where(classes.c.code == row.code).values(active_exercise=exercise_id))
        return exercise_id

    def switch_exercise(self, code: object, key: object, exercise_id: int | None) -> None:
        """Make one of the class's exercises the active one (None: no exercise, any run is accepted)."""
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            if exercise_id is not None and exercise_by_id(conn, row.code, exercise_id) is None:
                raise Explained("classroom.no_exercise", code=row.code, id=str(exercise_id)[:12])
            conn.execute(classes.update().where(classes.c.code == row.code).values(active_exercise=exercise_id))

    def exercises(self, code: object) -> list[Exercise]:
        """The class's exercises in the order they were added."""
        with self.db.read() as conn:
            row = class_row(conn, code)
            found = conn.execute(sa.select(exercises).where(exercises.c.class_code == row.code)
                                 .order_by(exercises.c.id)).all()
        return [exercise_of(r, row.active_exercise) for r in found]

    def active_exercise(self, code: object) -> Exercise | None:
        """The exercise students are held to now, or None (any run is accepted)."""
        with self.db.read() as conn:
            row = class_row(conn, code)
            return exercise_by_id(conn, row.code, row.active_exercise)

    def hold(self, code: object, settings: Mapping[str, object]) -> tuple[dict, list]:
        """settings held to the active exercise's preset (presets.enforce); unchanged without an exercise."""
        exercise = self.active_exercise(code)
        return (dict(settings), []) if exercise is None else enforce(exercise.preset, settings)

    # the teacher's views ------------------------------------------------------------------------------------------
    def results(self, code: object, key: object) -> dict:
        """{"class": CODE, "entries": [{"student", "run_id", "settings", "metrics": {name: number}, "time",
        "entry" (its id), "exercise" (its name or None), "hidden"}, ...]}: every entry of the class, hidden ones too,
        oldest first."""
        with self.db.read() as conn:
            row = teacher_row(conn, code, key)
            found = entry_dicts(conn, row.code, None, every=True)
        keep = ("student", "run_id", "settings", "metrics", "time", "entry", "exercise", "hidden")
        return {"class": row.code, "entries": [{k: e[k] for k in keep} for e in found]}

    def results_csv(self, code: object, key: object) -> str:
        """results() as CSV text (board.to_csv)."""
        with self.db.read() as conn:
            row = teacher_row(conn, code, key)
            return views.to_csv(entry_dicts(conn, row.code, None, every=True))

    def board(self, code: object, key: object, exercise_id: int | None = None) -> dict:
        """The projector's data for the active exercise (or exercise_id): the class, the exercise and its goal, the
        leaderboard (each student's best), every visible entry of it (for the scatter of a setting against the
        metric) and the quiz per question. Entries carry their id and run id, never a workspace."""
        with self.db.read() as conn:
            row = teacher_row(conn, code, key)
            exercise = exercise_by_id(conn, row.code, exercise_id if exercise_id is not None else row.active_exercise)
            found = entry_dicts(conn, row.code, exercise)
            answers = conn.execute(sa.select(class_answers.c.question, class_answers.c.correct)
                                   .where(class_answers.c.class_code == row.code)).all()
        goal = exercise.goal if exercise else GOALS["knn_accuracy"]
        return {"class": row.code, "name": row.name, "lang": row.lang,
                "exercise": None if exercise is None else {"id": exercise.id, "name": exercise.name},
                "goal": goal.name, "higher_is_better": goal.higher_is_better,
                "leaderboard": views.leaderboard(found, goal),
                "entries": [{k: e[k] for k in views.SHOWN} for e in found if not e["hidden"]],
                "quiz": views.quiz_summary((a.question, a.correct) for a in answers)}

    def quiz_stats(self, code: object, key: object) -> dict[str, dict]:
        """question -> {"answered", "correct", "share_correct"} over the class's members."""
        return self.board(code, key)["quiz"]

    def entry_source(self, code: object, key: object, entry_id: int) -> tuple[str, str] | None:
        """(workspace, run id) an entry came from, for the teacher's server-side look at its run (the board's latent
        scatters: Store.get_run / get_blob); None for an entry of another class or one whose run is gone."""
        with self.db.read() as conn:
            row = teacher_row(conn, code, key)
            found = conn.execute(sa.select(entries.c.workspace_id, entries.c.run_id).where(
                entries.c.id == entry_id, entries.c.class_code == row.code)).first()
        return None if found is None or found.run_id is None else (found.workspace_id, found.run_id)

    def hide_entry(self, code: object, key: object, entry_id: int, hidden: bool = True) -> bool:
        """Hide an entry from the board (or show it again); False for an entry not in this class."""
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            return conn.execute(entries.update().where(entries.c.id == entry_id, entries.c.class_code == row.code)
                                .values(hidden=bool(hidden))).rowcount == 1

    def rename(self, code: object, key: object, entry_id: int, name: object) -> bool:
        """Rename the student behind an entry, on all their entries in the class; False for an entry not in it."""
        name = clean_name(name)
        with self.db.write() as conn:
            row = teacher_row(conn, code, key)
            workspace = conn.execute(sa.select(entries.c.workspace_id).where(
                entries.c.id == entry_id, entries.c.class_code == row.code)).scalar()
            if workspace is None:
                return False
            mine = dict(class_code=row.code, workspace_id=workspace)
            conn.execute(entries.update().filter_by(**mine).values(student=name))
            conn.execute(members.update().filter_by(**mine).values(display_name=name))
            return True



def _now(now: float | None) -> float:
    return time.time() if now is None else now
