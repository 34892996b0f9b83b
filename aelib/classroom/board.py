"""What a class's entries become on screen and on disk: the leaderboard (each student's best entry, ranked by the
exercise's goal), one student's standing (their rank and the class's spread, no other student's name), the quiz
per question, and the CSV export. Pure functions over entry dicts as aelib.classroom.service reads them."""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Sequence

import numpy as np

from aelib.classroom.presets import Goal

# what a board row shows of an entry: never the workspace it came from
SHOWN = ("entry", "student", "run_id", "settings", "metrics", "time")


def best_per_student(entries: Iterable[dict], goal: Goal) -> list[dict]:
    """Each student's (workspace's) best visible entry that has the goal's number, best first; ties go to the
    earlier post. Every row is the entry with "value" (its goal number) and "rank" added: equal values share a rank
    (1, 1, 3)."""
    best: dict[str, dict] = {}
    for e in entries:
        value = e["metrics"].get(goal.name)
        if e["hidden"] or value is None:
            continue
        held = best.get(e["workspace"])
        if held is None or (goal.sort_key(value), e["time"]) < (goal.sort_key(held["value"]), held["time"]):
            best[e["workspace"]] = {**e, "value": value}
    rows = sorted(best.values(), key=lambda r: (goal.sort_key(r["value"]), r["time"], r["entry"]))
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and row["value"] == rows[i - 1]["value"] else i + 1
    return rows


def leaderboard(entries: Iterable[dict], goal: Goal) -> list[dict]:
    """The board's ranking: rank, student, value and the entry's shown fields, best first."""
    return [{"rank": r["rank"], "value": r["value"], **{k: r[k] for k in SHOWN}}
            for r in best_per_student(entries, goal)]


def spread(values: Sequence[float]) -> dict[str, float] | None:
    """min, quartiles and max of the class's best values (None for no values)."""
    if not values:
        return None
    q = np.percentile(np.asarray(values, dtype=float), [0, 25, 50, 75, 100])
    return dict(zip(("min", "q1", "median", "q3", "max"), (float(v) for v in q)))


def standing(entries: Iterable[dict], goal: Goal, workspace: str) -> dict:
    """One student's view: their own entries (newest first), their best value and rank among the students with an
    entry, the share of students they equal or beat (percentile), and the spread of everyone's best values.
    Nothing that names or identifies another student."""
    entries = list(entries)
    ranked = best_per_student(entries, goal)
    mine = next((r for r in ranked if r["workspace"] == workspace), None)
    values = [r["value"] for r in ranked]
    percentile = None
    if mine is not None:
        percentile = round(100 * sum(goal.sort_key(v) >= goal.sort_key(mine["value"]) for v in values) / len(values),
                           1)
    own = sorted((e for e in entries if e["workspace"] == workspace), key=lambda e: -e["time"])
    return {"goal": goal.name, "higher_is_better": goal.higher_is_better, "students": len(ranked),
            "rank": None if mine is None else mine["rank"], "best": None if mine is None else mine["value"],
            "percentile": percentile, "spread": spread(values),
            "entries": [{k: e[k] for k in SHOWN} for e in own]}


def quiz_summary(answers: Iterable[tuple[str, bool]]) -> dict[str, dict]:
    """question -> {"answered", "correct", "share_correct"}, from (question, correct) pairs; the question most
    often answered wrongly first, so a common misconception is at the top."""
    out: dict[str, dict] = {}
    for question, correct in answers:
        row = out.setdefault(question, {"answered": 0, "correct": 0})
        row["answered"] += 1
        row["correct"] += bool(correct)
    for row in out.values():
        row["share_correct"] = round(row["correct"] / row["answered"], 3)
    return dict(sorted(out.items(), key=lambda kv: (kv[1]["share_correct"], kv[0])))


def to_csv(entries: Sequence[dict]) -> str:
    """The results as CSV: one row per entry (student, exercise, time in UTC, run, hidden), then one column per
    setting and per metric any entry has (settings as setting:NAME, metrics as metric:NAME). A text cell that a
    spreadsheet would read as a formula (=, +, -, @ first) is written with a leading apostrophe."""
    settings = sorted({k for e in entries for k in e["settings"]})
    metrics = sorted({k for e in entries for k in e["metrics"]})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "exercise", "time", "run_id", "hidden", *(f"setting:{k}" for k in settings),
                     *(f"metric:{k}" for k in metrics)])
    for e in entries:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e["time"]))
        cells = [e["student"], e["exercise"] or "", when, e["run_id"] or "", e["hidden"],
                 *(e["settings"].get(k, "") for k in settings), *(e["metrics"].get(k, "") for k in metrics)]
        writer.writerow([_cell(c) for c in cells])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, list | tuple):
        value = ",".join(map(str, value))
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
