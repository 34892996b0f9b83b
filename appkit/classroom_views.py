"""Classroom mode in a learner's session: the class their workspace joined (found again in the store after a
reload or on another device), the student's side of the Classroom page (join, their standing, the class model) and
the hooks other pages call: the Train page holds its settings to the class's exercise and posts finished runs, the
Quiz page posts answers. The server decides; nothing here trusts the address bar."""
from __future__ import annotations

import time

import streamlit as st

from aelib.classroom import GOALS, NAME_LENGTH, Classroom, Preset, enforce, parse_code
from aelib.classroom.membership import joined_classes, member_since
from aelib.i18n import Explained
from aelib.runs import load_run
from appkit import state, workspace
from appkit.i18n import LANG, dataset_title, explain, family_title, in_lang, plain, tr

CLASS = "aelab_class"  # session: the code of the class this learner chose to work in
POSTED = "aelab_class_posted"  # session: run id -> (kind, text) of its post, so a run is posted once per session
QUIZ_NOTE = "aelab_class_quiz_note"  # session: why the last quiz answer could not be posted, shown once
FIXED = state.FIXED  # session: the Train settings the active exercise fixes (hold_to_exercise() keeps it)


def room() -> Classroom:
    """The classes in the process's store."""
    return Classroom(workspace.store().db)


def my_class() -> str | None:
    """The open class this session's workspace has joined: the one chosen in this session while it is still open,
    else the latest joined; None when it is in none."""
    codes = joined_classes(workspace.store().db, workspace.ensure(), time.time())
    chosen = st.session_state.get(CLASS)
    return chosen if chosen in codes else (codes[0] if codes else None)


def closed_reason(info) -> str:
    """Why a class takes no entries: closed by its teacher, or past its end."""
    if info.closed:
        return tr("classroom.closed", code=info.code)
    return tr("classroom.expired", code=info.code, date=time.strftime("%Y-%m-%d", time.gmtime(info.closes_at)))


def number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def rules(preset: Preset) -> str:
    """What an exercise allows, in the learner's language."""
    parts = []
    if preset.dataset:
        parts.append(tr("classroom.rule_dataset", dataset=dataset_title(preset.dataset)))
    if preset.families:
        parts.append(tr("classroom.rule_families", families=tr("classroom.rule_or").join(
            family_title(f) for f in preset.families)))
    for name, lo, hi in preset.ranges:
        key = "classroom.rule_fixed" if lo == hi else "classroom.rule_range"
        parts.append(tr(key, name=name, lo=number(lo), hi=number(hi)))
    return tr("classroom.rule_sep").join(parts) or tr("classroom.rule_any")


# hooks for the Train and Quiz pages ------------------------------------------------------------------------------
def fixed_settings(preset: Preset) -> set[str]:
    """The Train settings a preset leaves one value for (the page disables their inputs)."""
    fixed = {name for name, lo, hi in preset.ranges if lo == hi}
    if preset.dataset:
        fixed.add("dataset")
    if len(preset.families) == 1:
        fixed.add("model")
    return fixed


def hold_to_exercise() -> set[str]:
    """Call on the Train page before its inputs are drawn (after the share link is applied): when the workspace is in
    a class with an active exercise, the session's settings are held to its preset (a value from a link or an edited
    address included), what changed is said, and the settings the preset fixes are returned (and kept in
    st.session_state[FIXED] for the input helpers); else set()."""
    st.session_state[FIXED] = set()
    code = my_class()
    try:
        exercise = None if code is None else room().active_exercise(code)
    except Explained:
        return set()
    if exercise is None:
        return set()
    current = {k: st.session_state.get(k, v) for k, v in state.SETTINGS.items()}
    held, changes = enforce(exercise.preset, current)
    if held.get("model") != current.get("model"):  # a family the exercise chose starts from its own defaults
        held, more = enforce(exercise.preset, held | state.family_settings(held["model"]))
        changes += more
    st.session_state.update({k: v for k, v in held.items() if k in current and v != current[k]})
    st.info(tr("classroom.train_exercise", code=code, exercise=plain(exercise.name),
               goal=in_lang(exercise.goal.title), rules=rules(exercise.preset)), icon=":material/groups:")
    if changes:
        st.warning(tr("classroom.train_held", what=" ".join(in_lang(w) for w in changes)))
    st.session_state[FIXED] = fixed_settings(exercise.preset)
    return st.session_state[FIXED]


def post_if_member(run_id: str | None) -> int | None:
    """Call where the Train page shows a finished run: when the workspace is in a class, the run (trained since the
    workspace joined) is posted to its board once per session, and the outcome is shown on every call (the
    learner's rank, or the class's reason for refusing it, in the learner's language). Returns the entry id."""
    code = my_class()
    if code is None or not run_id:
        return None
    posted = st.session_state.setdefault(POSTED, {})
    if (code, run_id) not in posted:
        posted[(code, run_id)] = _post(code, run_id)
    kind, text, entry = posted[(code, run_id)]
    if kind == "success":
        st.success(text, icon=":material/groups:")
    elif kind == "warning":
        st.warning(text, icon=":material/groups:")
    return entry


def _post(code: str, run_id: str) -> tuple[str, str, int | None]:
    ws = workspace.ensure()
    record, since = workspace.store().get_run(ws, run_id), member_since(workspace.store().db, code, ws)
    if record is None or since is None or record.created_at < since:
        return "", "", None  # a run from before joining stays the learner's own
    try:
        entry = room().post_entry(code, ws, run_id)
        mine = room().standing(code, ws)
    except Explained as err:
        return "warning", explain(err), None
    student = plain(room().member_name(code, ws))
    if mine["rank"] is None:
        return "success", tr("classroom.posted_unranked", code=code, student=student), entry
    goal = in_lang(GOALS[mine["goal"]].title)
    return "success", tr("classroom.posted", code=code, student=student, goal=goal, value=f"{mine['best']:.4g}",
                         rank=mine["rank"], n=mine["students"]), entry


def post_quiz_answer(question: str, correct: bool) -> None:
    """Call when a learner's first answer to a quiz question is checked: it goes to their class when the teacher
    turned the class's quiz on (a refusal is kept for quiz_note())."""
    code = my_class()
    if code is None:
        return
    try:
        room().post_answer(code, workspace.ensure(), question, correct)
    except Explained as err:
        st.session_state[QUIZ_NOTE] = explain(err)


def quiz_note() -> None:
    """On the Quiz page: says that answers go to the class while its quiz is on, and why one could not be posted."""
    note = st.session_state.pop(QUIZ_NOTE, None)
    if note:
        st.warning(note, icon=":material/groups:")
    code = my_class()
    if code is not None and room().info(code).quiz_on:
        st.caption(tr("classroom.quiz_posting", code=code))


# the student's side of the Classroom page ----------------------------------------------------------------------------
def student_view() -> None:
    """Join a class (?join=CODE fills the code in); once in one: the class, its exercise, the learner's standing
    (their rank and the class's spread, never another student's work) and the class model to start from."""
    code, asked = my_class(), parse_code(st.query_params.get("join"))
    if code is None or (asked and asked != code):
        join_form(asked)
        if code is None:
            return
        st.divider()
    ws = workspace.ensure()
    info, name, exercise = room().info(code), room().member_name(code, ws), room().active_exercise(code)
    st.subheader(tr("classroom.student_class", name=plain(info.name)))
    st.caption(tr("classroom.student_as", student=plain(name), code=code))
    if exercise is None:
        st.info(tr("classroom.student_any"))
    else:
        st.info(tr("classroom.student_exercise", exercise=plain(exercise.name), goal=in_lang(exercise.goal.title),
                   rules=rules(exercise.preset)), icon=":material/assignment:")
    standing(code, ws)
    if info.has_class_model:
        class_model(code)
    st.page_link("pages/1_Train.py", label=tr("classroom.go_train"), icon=":material/model_training:")
    if not (asked and asked != code):
        with st.expander(tr("classroom.join_other")):
            join_form(None)


def join_form(asked: str | None) -> None:
    """The class code (from ?join= when it is one) and a display name; a wrong, closed or unknown code is said."""
    if asked:
        try:
            info = room().info(asked)
        except Explained as err:
            st.error(explain(err))
        else:
            if not info.is_open():
                st.error(closed_reason(info))
    st.text_input(tr("classroom.join_code"), value=asked or "", max_chars=12, key="class_join_code")
    st.text_input(tr("classroom.join_name"), max_chars=NAME_LENGTH, key="class_join_name",
                  help=tr("classroom.join_name_help", most=NAME_LENGTH))
    if st.button(tr("classroom.join_button"), type="primary", key="class_join", icon=":material/login:"):
        code = st.session_state.get("class_join_code", "")
        try:
            room().join(code, workspace.ensure(), st.session_state.get("class_join_name", ""))
        except Explained as err:
            st.error(explain(err))
            return
        st.session_state[CLASS] = parse_code(code)
        if LANG not in st.session_state:  # a student who has not picked a language gets the class's
            st.session_state[LANG] = room().info(code).lang
        st.query_params.pop("join", None)
        st.rerun()


def standing(code: str, ws: str) -> None:
    """The learner's rank, best value and percentile, the spread of the class's best values, and their own posts."""
    mine = room().standing(code, ws)
    goal = in_lang(GOALS[mine["goal"]].title)
    if mine["rank"] is None:
        st.caption(tr("classroom.standing_none", goal=goal))
    else:
        cols = st.columns(3)
        cols[0].metric(tr("classroom.standing_rank"), tr("classroom.standing_rank_value", rank=mine["rank"],
                                                          n=mine["students"]))
        cols[1].metric(tr("classroom.standing_best"), f"{mine['best']:.4g}", help=goal)
        cols[2].metric(tr("classroom.standing_percentile"), f"{mine['percentile']:g} %",
                       help=tr("classroom.standing_percentile_help"))
    if mine["spread"]:
        st.caption(tr("classroom.standing_spread", goal=goal, n=mine["students"],
                      **{k: f"{v:.4g}" for k, v in mine["spread"].items()}))
    if mine["entries"]:
        st.dataframe({tr("classroom.col_time"): [time.strftime("%H:%M", time.localtime(e["time"]))
                                                 for e in mine["entries"]],
                      tr("classroom.col_model"): [family_title(e["settings"].get("model", "ae"))
                                                  for e in mine["entries"]],
                      tr("classroom.col_latent"): [e["settings"].get("latent_dim") for e in mine["entries"]],
                      tr("classroom.col_epochs"): [e["settings"].get("epochs") for e in mine["entries"]],
                      goal: [e["metrics"].get(mine["goal"]) for e in mine["entries"]]}, hide_index=True)


def class_model(code: str) -> None:
    """Start from the run the teacher published: it becomes this session's current run (not a run of the learner's
    workspace, so it is never posted as theirs)."""
    if not st.button(tr("classroom.start_from_model"), key="class_model_start", icon=":material/download:",
                     disabled=workspace.live() is not None, help=tr("classroom.start_from_model_help")):
        return
    record = room().class_model(code)
    loaded = None if record is None else load_run(workspace.store(), record.workspace, record.id)
    if loaded is None or loaded.model is None:
        st.warning(tr("classroom.model_gone"))
        return
    run = workspace.to_session(loaded)
    run.run_id = None
    state.set_run(run)
    st.success(tr("classroom.model_loaded", dataset=dataset_title(run.dataset), model=family_title(run.model_cfg.model),
                  latent=run.model_cfg.latent_dim))
