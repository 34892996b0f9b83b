"""The teacher's side of the Classroom page: create a class (its teacher link, with the key, shown once), open one
with the teacher link or the code and key, set and switch exercises, publish a class model, turn the quiz on,
moderate the entries, export the results and close the class. The key is kept in this session only: once checked it
is taken out of the address bar, so the projector never shows it."""
from __future__ import annotations

import time

import streamlit as st

from aelib.classroom import GOALS, Preset, class_days, parse_code, teacher_url
from aelib.classroom.rules import CLASS_NAME_LENGTH, MAX_DAYS
from aelib.data import DATASETS
from aelib.i18n import LANGS, Explained
from aelib.models import MODELS
from aelib.store import Status
from appkit import workspace
from appkit.classroom_views import room, rules
from appkit.i18n import current_lang, dataset_title, explain, family_title, in_lang, plain, tr

TEACHER = "aelab_teacher"  # session: {"code", "key"} of the class this session teaches
NEW_LINK = "aelab_teacher_link"  # session: the teacher link of the class just created, until the teacher kept it


def teaching() -> tuple[str, str] | None:
    """(code, key) of the class this session teaches. A teacher link (?class=CODE&key=KEY) is checked here; a right
    key is kept in the session and taken out of the address, a wrong one is refused with the reason."""
    given = st.query_params.get("key")
    if given is not None:
        st.query_params.pop("key", None)
        code = parse_code(st.query_params.get("class"))
        if code is not None and room().is_teacher(code, given):
            st.session_state[TEACHER] = {"code": code, "key": given}
        else:
            refuse(st.query_params.get("class"))
    held = st.session_state.get(TEACHER)
    return None if held is None else (held["code"], held["key"])


def refuse(code: object) -> None:
    """Why a code and key do not open a class: a code of the wrong shape, an unknown class, or the wrong key."""
    try:
        room().info(code)
    except Explained as err:
        st.error(explain(err))
        return
    st.error(tr("classroom.wrong_key", code=parse_code(code)))


def start_view() -> None:
    """For a teacher without a class open here: create one, or open one with its code and teacher key."""
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.markdown(f"**{tr('classroom.create_title')}**")
        st.text_input(tr("classroom.create_name"), max_chars=CLASS_NAME_LENGTH, key="class_new_name")
        lang = current_lang()
        st.selectbox(tr("classroom.create_lang"), LANGS, index=LANGS.index(lang), key="class_new_lang",
                     format_func=lambda c: tr(f"lang.{c}"))
        try:
            days = class_days()
        except ValueError:
            days = 14.0
        st.number_input(tr("classroom.create_days"), 1, int(MAX_DAYS), int(days), key="class_new_days")
        if st.button(tr("classroom.create_button"), type="primary", key="class_create", icon=":material/add:"):
            try:
                code, key = room().create_class(st.session_state["class_new_name"], st.session_state["class_new_lang"],
                                                float(st.session_state["class_new_days"]))
            except Explained as err:
                st.error(explain(err))
            else:
                st.session_state[TEACHER] = {"code": code, "key": key}
                st.session_state[NEW_LINK] = teacher_url(code, key)
                st.rerun()
    with right, st.container(border=True):
        st.markdown(f"**{tr('classroom.open_title')}**")
        st.text_input(tr("classroom.open_code"), value=st.query_params.get("class", "")[:12], max_chars=12,
                      key="class_open_code")
        st.text_input(tr("classroom.open_key"), type="password", max_chars=200, key="class_open_key",
                      help=tr("classroom.open_key_help"))
        if st.button(tr("classroom.open_button"), key="class_open", icon=":material/key:"):
            code, key = st.session_state["class_open_code"], st.session_state["class_open_key"]
            if room().is_teacher(code, key):
                st.session_state[TEACHER] = {"code": parse_code(code), "key": key}
                st.rerun()
            refuse(code)


def teacher_view(code: str, key: str) -> None:
    """The open class: its links, state and switches, then tabs for exercises, the class model, the entries and
    the board."""
    info = room().info(code)
    link = st.session_state.get(NEW_LINK)
    if link:
        st.warning(tr("classroom.key_once"), icon=":material/key:")
        st.code(link, language=None, wrap_lines=True)
        st.button(tr("classroom.key_kept"), key="class_key_kept", on_click=st.session_state.pop, args=(NEW_LINK, None))
    st.subheader(tr("classroom.teacher_class", name=plain(info.name), code=code))
    if info.is_open():
        st.caption(tr("classroom.open_until", date=_date(info.closes_at)))
    else:
        st.warning(tr("classroom.read_only"))
    cols = st.columns(3)
    st.session_state["class_quiz_on"] = info.quiz_on  # the stored switch, whoever turned it last
    cols[0].toggle(tr("classroom.quiz_toggle"), key="class_quiz_on", disabled=not info.is_open(),
                   on_change=lambda: room().set_quiz(code, key, st.session_state["class_quiz_on"]),
                   help=tr("classroom.quiz_toggle_help"))
    cols[1].button(tr("classroom.present_button"), key="class_present", icon=":material/co_present:",
                   on_click=st.query_params.__setitem__, args=("present", "1"))
    cols[2].button(tr("classroom.leave_button"), key="class_leave", icon=":material/logout:",
                   on_click=st.session_state.pop, args=(TEACHER, None))
    tabs = st.tabs([tr("classroom.tab_board"), tr("classroom.tab_exercises"), tr("classroom.tab_model"),
                    tr("classroom.tab_entries")])
    from appkit import classroom_board

    with tabs[0]:
        classroom_board.board(code, key, big=False)
    with tabs[1]:
        exercises(code, key, info.is_open())
    with tabs[2]:
        class_model(code, key, info.has_class_model)
    with tabs[3]:
        moderation(code, key, info.is_open())


def _date(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(when))


def exercises(code: str, key: str, is_open: bool) -> None:
    """The class's exercises (the active one marked), a switch, and a form for a new one."""
    found = room().exercises(code)
    if found:
        st.dataframe({tr("classroom.col_exercise"): [e.name for e in found],
                      tr("classroom.col_goal"): [in_lang(e.goal.title) for e in found],
                      tr("classroom.col_rules"): [rules(e.preset) for e in found],
                      tr("classroom.col_active"): [e.active for e in found]}, hide_index=True)
        ids = [None, *(e.id for e in found)]
        names = {e.id: e.name for e in found}
        st.session_state["class_switch"] = next((e.id for e in found if e.active), None)  # as stored now
        st.selectbox(tr("classroom.switch_label"), ids, key="class_switch",
                     format_func=lambda i: tr("classroom.no_exercise_option") if i is None else names[i],
                     on_change=lambda: room().switch_exercise(code, key, st.session_state["class_switch"]))
    else:
        st.info(tr("classroom.no_exercises"))
    with st.expander(tr("classroom.new_exercise"), expanded=not found):
        new_exercise(code, key)


def new_exercise(code: str, key: str) -> None:
    st.text_input(tr("classroom.ex_name"), max_chars=CLASS_NAME_LENGTH, key="class_ex_name")
    st.selectbox(tr("classroom.ex_dataset"), [None, *DATASETS], key="class_ex_dataset",
                 format_func=lambda d: tr("classroom.ex_any_dataset") if d is None else dataset_title(d))
    st.multiselect(tr("classroom.ex_families"), list(MODELS), key="class_ex_families", format_func=family_title,
                   help=tr("classroom.ex_families_help"))
    cols = st.columns(4)
    cols[0].number_input(tr("classroom.ex_latent_lo"), 1, 256, 2, key="class_ex_latent_lo")
    cols[1].number_input(tr("classroom.ex_latent_hi"), 1, 256, 2, key="class_ex_latent_hi")
    cols[2].number_input(tr("classroom.ex_epochs_lo"), 1, 500, 1, key="class_ex_epochs_lo")
    cols[3].number_input(tr("classroom.ex_epochs_hi"), 1, 500, 30, key="class_ex_epochs_hi")
    st.selectbox(tr("classroom.ex_goal"), list(GOALS), key="class_ex_goal",
                 format_func=lambda g: in_lang(GOALS[g].title))
    if st.button(tr("classroom.ex_add"), type="primary", key="class_ex_add", icon=":material/add_task:"):
        s = st.session_state
        try:
            preset = Preset(s["class_ex_dataset"], tuple(s["class_ex_families"]),
                            (("latent_dim", s["class_ex_latent_lo"], s["class_ex_latent_hi"]),
                             ("epochs", s["class_ex_epochs_lo"], s["class_ex_epochs_hi"])))
            room().add_exercise(code, key, s["class_ex_name"], preset, s["class_ex_goal"])
        except Explained as err:
            st.error(explain(err))
        else:
            st.rerun()


def class_model(code: str, key: str, published: bool) -> None:
    """Publish one of the teacher's own finished runs for every student to start from (or withdraw it)."""
    runs = [r for r in workspace.store().list_runs(workspace.ensure()) if r.status == Status.FINISHED]
    st.caption(tr("classroom.model_help"))
    if published:
        st.success(tr("classroom.model_published"))
    if not runs:
        st.info(tr("classroom.model_none"))
        return
    names = {r.id: tr("classroom.model_option", dataset=dataset_title(r.dataset), model=family_title(r.model),
                      latent=r.model_config.latent_dim, date=_date(r.created_at)) for r in runs}
    st.selectbox(tr("classroom.model_pick"), list(names), key="class_model_pick", format_func=names.get)
    cols = st.columns(2)
    if cols[0].button(tr("classroom.model_publish"), type="primary", key="class_model_publish"):
        _act(lambda: room().publish(code, key, workspace.ensure(), st.session_state["class_model_pick"]))
    if published and cols[1].button(tr("classroom.model_withdraw"), key="class_model_withdraw"):
        _act(lambda: room().publish(code, key, workspace.ensure(), None))


def _act(do) -> None:
    try:
        do()
    except Explained as err:
        st.error(explain(err))
    else:
        st.rerun()


def moderation(code: str, key: str, is_open: bool) -> None:
    """Every entry (hidden ones too) with hide/show and rename, the results as CSV, and closing the class."""
    found = room().results(code, key)["entries"]
    st.download_button(tr("classroom.download_csv"), room().results_csv(code, key), file_name=f"class-{code}.csv",
                       mime="text/csv", key="class_csv", icon=":material/download:", on_click="ignore")
    if found:
        st.dataframe({tr("classroom.col_entry"): [e["entry"] for e in found],
                      tr("classroom.col_student"): [e["student"] for e in found],
                      tr("classroom.col_exercise"): [e["exercise"] or "" for e in found],
                      **{in_lang(g.title): [e["metrics"].get(name) for e in found] for name, g in GOALS.items()},
                      tr("classroom.col_hidden"): [e["hidden"] for e in found]}, hide_index=True)
        shown = {e["entry"]: e for e in found}
        st.selectbox(tr("classroom.entry_pick"), list(shown), key="class_entry",
                     format_func=lambda i: f"#{i} · {shown[i]['student']}")
        entry = shown[st.session_state["class_entry"]]
        cols = st.columns([1, 2, 1], vertical_alignment="bottom")
        label = "classroom.entry_show" if entry["hidden"] else "classroom.entry_hide"
        if cols[0].button(tr(label), key="class_entry_hide"):
            _act(lambda: room().hide_entry(code, key, entry["entry"], not entry["hidden"]))
        cols[1].text_input(tr("classroom.rename_label"), key="class_rename")
        if cols[2].button(tr("classroom.rename_button"), key="class_rename_go"):
            _act(lambda: room().rename(code, key, entry["entry"], st.session_state["class_rename"]))
    else:
        st.info(tr("classroom.no_entries"))
    if is_open:
        st.divider()
        sure = st.checkbox(tr("classroom.close_sure"), key="class_close_sure")
        if st.button(tr("classroom.close_button"), key="class_close", disabled=not sure, icon=":material/lock:"):
            _act(lambda: room().close_class(code, key))
