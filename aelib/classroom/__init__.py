"""Classroom mode: a teacher's class in the workspace store, its exercises (a preset the server holds every run to,
and a goal the board ranks by), the students' entries and quiz answers, and the board built from them. No
Streamlit: the Classroom page and `python -m aelib classroom ...` are two front ends over Classroom."""
from __future__ import annotations

from aelib.classroom.presets import GOALS, Goal, Preset, enforce
from aelib.classroom.rules import (
    ENTRIES_PER_MINUTE,
    NAME_LENGTH,
    class_days,
    clean_name,
    join_url,
    parse_code,
    public_url,
    teacher_url,
)
from aelib.classroom.service import ClassInfo, Classroom, Exercise

__all__ = ["ENTRIES_PER_MINUTE", "GOALS", "NAME_LENGTH", "ClassInfo", "Classroom", "Exercise", "Goal", "Preset",
           "class_days", "clean_name", "enforce", "join_url", "parse_code", "public_url", "teacher_url"]
