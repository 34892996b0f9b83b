"""The Classroom page through AppTest: a teacher creates a class (the teacher link shown once) and an exercise; a
student joins with ?join=CODE and is held to the exercise by the Train hook even when their address carries other
settings (a share link's lock included); finished runs appear on the board and the projector view, with the join
link as a QR code; a wrong key and a closed class are refused; names with markup stay text; the quiz posts answers;
the class model loads; and the views speak Chinese."""
from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelib.classroom import Classroom, Preset, join_url
from aelib.classroom import plots as board_plots
from aelib.data import load_dataset
from aelib.i18n import t
from aelib.models import ModelConfig
from aelib.runs.stored import codes_blob
from aelib.teach import quiz
from appkit import workspace
from appkit.i18n import plain
from tests.app.helpers import APP, CJK, TIMEOUT, assert_chinese, figure, ok, on, prefix, tiny_run

PAGE = "pages/16_Classroom.py"
PRESET = Preset("digits", ("ae",), (("epochs", 1, 20), ("latent_dim", 2, 2)))
N_TEST = min(1000, len(load_dataset("digits").y_test))  # the replay's samples: the first test samples


def opened(params: dict | None = None, lang: str | None = None) -> AppTest:
    """A new session on the Classroom page, its address carrying params."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({**(params or {}), **({"lang": lang} if lang else {})})
    return on(at.run(), PAGE)


def room() -> Classroom:
    return Classroom(workspace.store().db)


def a_class(exercise: bool = True, name: str = "Year 11") -> tuple[str, str]:
    code, key = room().create_class(name)
    if exercise:
        room().add_exercise(code, key, "Two numbers", PRESET, "knn_accuracy")
    return code, key


def student(code: str, name: str) -> str:
    ws = workspace.store().new_workspace()
    room().join(code, ws, name)
    return ws


def finished_run(ws: str, latent: int = 2, epochs: int = 5, knn: float = 0.7, model: str = "ae") -> str:
    """A finished run of ws in the store, with a replay snapshot of its codes (as a training leaves it)."""
    store = workspace.store()
    cfg = ModelConfig.from_dict({"model": model, "latent_dim": latent, "input_shape": [64], "hidden": [32]})
    run_id = store.save_run(ws, "digits", cfg, {"epochs": epochs, "batch_size": 64, "lr": 0.001, "seed": 0},
                            owner="test")
    codes = np.random.default_rng(latent + epochs).normal(size=(N_TEST, latent))
    stats = {"epoch": epochs, "epochs": epochs, "train": {"loss": 1.0}, "val": {"loss": 1.0}, "seconds": 0.1,
             "samples_per_second": 1000.0}
    store.append_epoch(run_id, epochs, stats, owner="test", snapshot=codes_blob(codes))
    store.finish_run(run_id, summary={"knn_accuracy": knn, "test_mse": 0.05, "trustworthiness": 0.8}, owner="test")
    return run_id


def train_hooks():
    """What the Train page does before its inputs and once a run finished, with the classroom hooks."""
    import streamlit as st

    from appkit import classroom_views, share_views, state, workspace
    from appkit.i18n import current_lang

    current_lang()
    state.keep_widget_values()
    workspace.ensure()
    share_views.apply_link()
    st.session_state["fixed"] = sorted(classroom_views.hold_to_exercise())
    if st.session_state.get("finished"):
        st.session_state["entry"] = classroom_views.post_if_member(st.session_state["finished"])


def train_session(ws: str, params: dict | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_function(train_hooks, default_timeout=TIMEOUT)
    at.query_params.update({"ws": ws, **(params or {}), **({"lang": lang} if lang else {})})
    return ok(at.run())


def texts(at: AppTest) -> str:
    m = at.main
    return "\n".join(e.value for kind in (m.subheader, m.markdown, m.caption, m.info, m.warning, m.success, m.error)
                     for e in kind)


def test_a_teacher_creates_a_class_sees_the_key_once_and_sets_an_exercise():
    at = opened()
    at.text_input(key="class_new_name").input("Year 11").run()
    at.button(key="class_create").click().run()
    ok(at)
    (link,) = [c.value for c in at.code if "key=" in c.value]
    code, key = re.fullmatch(r".*/Classroom\?class=(\w{6})&key=([\w-]+)", link).groups()
    assert room().is_teacher(code, key) and room().info(code).name == "Year 11"
    assert any(c.value == join_url(code, lang="en") for c in at.code)
    at.button(key="class_key_kept").click().run()
    assert not [c.value for c in at.code if key in c.value]  # shown once: gone once kept
    assert at.session_state["class_quiz_on"] is False

    at.text_input(key="class_ex_name").input("Two numbers").run()
    at.selectbox(key="class_ex_dataset").set_value("digits").run()
    at.multiselect(key="class_ex_families").set_value(["ae"]).run()
    at.number_input(key="class_ex_epochs_hi").set_value(20).run()
    at.button(key="class_ex_add").click().run()
    ok(at)
    exercise = room().active_exercise(code)
    assert (exercise.name, exercise.preset, exercise.goal.name) == ("Two numbers", PRESET, "knn_accuracy")
    assert at.selectbox(key="class_switch").value == exercise.id
    at.selectbox(key="class_switch").set_value(None).run()  # the teacher lets any run count again
    assert room().active_exercise(code) is None


def test_a_student_joins_and_is_held_to_the_exercise_whatever_the_address_says():
    code, _ = a_class()
    at = opened({"join": code.lower()})
    assert at.text_input(key="class_join_code").value == code  # typed in any case, read as the code
    at.text_input(key="class_join_name").input("Ada").run()
    at.button(key="class_join").click().run()
    ok(at)
    ws = at.session_state["aelab_ws"]
    assert room().member_name(code, ws) == "Ada" and "join" not in at.query_params
    assert any(i.value.startswith(prefix("classroom.student_exercise", "en", exercise="Two numbers")) for i in at.info)

    # a share link that asks for a 5-number VAE on another dataset, with a lock on the latent size
    train = train_session(ws, {"latent_dim": "5", "model": "vae", "dataset": "mnist5k", "epochs": "50",
                               "lock": "latent_dim"})
    state = train.session_state
    assert (state["dataset"], state["model"], state["latent_dim"], state["epochs"]) == ("digits", "ae", 2, 20)
    assert state["fixed"] == ["dataset", "latent_dim", "model"] == sorted(state["aelab_class_fixed"])
    (held,) = [w.value for w in train.warning if w.value.startswith(t("classroom.train_held", "en", what=""))]
    assert "fixes latent_dim at 2" in held and "keeps epochs between 1 and 20" in held
    train.run()  # the next run (the lock puts 5 back first): still held
    assert (train.session_state["latent_dim"], train.session_state["model"]) == (2, "ae")


def test_a_finished_run_is_posted_once_and_a_run_outside_the_exercise_is_refused_in_the_learners_language():
    code, key = a_class()
    ws = student(code, "Ada")
    at = train_session(ws)
    at.session_state["finished"] = finished_run(ws, knn=0.8)
    at.run()
    entry = at.session_state["entry"]
    assert entry is not None and [r["entry"] for r in room().board(code, key)["leaderboard"]] == [entry]
    assert at.success[-1].value.startswith("Posted to class")
    at.run()  # a rerun shows the outcome again and posts nothing more
    assert len(room().results(code, key)["entries"]) == 1 and at.session_state["entry"] == entry

    zh = train_session(ws, lang="zh")
    zh.session_state["finished"] = finished_run(ws, latent=5)
    zh.run()
    assert zh.session_state["entry"] is None and len(room().results(code, key)["entries"]) == 1
    assert any(w.value.startswith(t("classroom.outside", "zh", why="")) for w in zh.warning)


def test_entries_appear_on_the_board_and_the_projector_shows_the_qr_code_of_the_join_link():
    code, key = a_class()
    for name, knn in (("Ada", 0.9), ("Grace", 0.7), ("Alan", 0.8)):
        ws = student(code, name)
        room().post_entry(code, ws, finished_run(ws, epochs=int(knn * 10), knn=knn))
    at = opened({"class": code, "key": key})
    assert "key" not in at.query_params  # the key leaves the address bar (a projector shows it to the room)
    board = at.dataframe[0].value
    assert list(board.iloc[:, 1]) == ["Ada", "Alan", "Grace"] and list(board.iloc[:, 0]) == [1, 2, 3]
    figs = [figure(c) for c in at.get("plotly_chart")]
    latents = next(f for f in figs if f["layout"]["title"]["text"] == t("classroom.board_latents", "en"))
    assert [a["text"] for a in latents["layout"]["annotations"]] == ["1. Ada", "2. Alan", "3. Grace"]
    xs = {ax: latents["layout"][ax]["range"] for ax in latents["layout"] if ax.startswith(("xaxis", "yaxis"))}
    assert len({tuple(r) for r in xs.values()}) == 1  # one scale for every student
    found = next(f for f in figs if f["layout"]["title"]["text"].startswith("What the class discovered"))
    assert sorted(x for trace in found["data"] for x in trace["x"]) == [7, 8, 9]  # epochs, the setting that varies

    at.button(key="class_present").click().run()
    ok(at)
    assert at.query_params["present"] == "1" and not at.title  # the projector: the board alone
    (image,) = at.get("image")
    kind, data = image.value[0].split(",", 1)
    assert kind == "data:image/svg+xml;base64"
    svg = base64.b64decode(data).decode("utf-8")
    assert svg == board_plots.join_qr_svg(join_url(code, lang="en"))  # the join link's QR code, as segno encodes it
    assert any(join_url(code, lang="en") in m.value and code in m.value for m in at.markdown)
    assert list(at.table[0].value.iloc[:, 1]) == ["Ada", "Alan", "Grace"]


def test_a_wrong_key_is_refused():
    code, key = a_class()
    at = opened({"class": code, "key": key[:-2] + "xx", "present": "1"})
    assert [e.value for e in at.error] == [t("classroom.wrong_key", "en", code=code)]
    assert "key" not in at.query_params and "class_quiz_on" not in at.session_state  # no teacher view
    at.text_input(key="class_open_key").input("not the key").run()
    at.button(key="class_open").click().run()
    assert [e.value for e in at.error] == [t("classroom.wrong_key", "en", code=code)]
    assert not room().results(code, key)["entries"]  # nothing was changed or read
    unknown = opened({"class": "ZZZZZZ", "key": key})
    assert [e.value for e in unknown.error] == [t("classroom.no_such_class", "en", code="ZZZZZZ")]


def test_a_closed_class_takes_no_one_and_no_entry():
    code, key = a_class()
    ws = student(code, "Ada")
    at = opened({"class": code, "key": key})
    assert at.button(key="class_close").disabled  # it needs the checkbox first
    at.checkbox(key="class_close_sure").check().run()
    at.button(key="class_close").click().run()
    ok(at)
    assert room().info(code).closed
    assert t("classroom.read_only", "en") in [w.value for w in at.warning]

    late = opened({"join": code})
    assert [e.value for e in late.error] == [t("classroom.closed", "en", code=code)]
    late.text_input(key="class_join_name").input("Bob").run()
    late.button(key="class_join").click().run()
    assert [e.value for e in late.error][-1] == t("classroom.closed", "en", code=code)
    train = train_session(ws)
    train.session_state["finished"] = finished_run(ws)
    train.run()
    assert train.session_state["entry"] is None and not room().results(code, key)["entries"]


NAME = "**Eve** <b>x</b> [a](https://e.vil) $y$"


def test_names_with_markup_are_shown_as_text():
    code, key = a_class(name="<i>Class</i> _one_")
    ws = student(code, NAME)
    room().post_entry(code, ws, finished_run(ws))
    mine = opened({"ws": ws})
    assert mine.caption[0].value == t("classroom.student_as", "en", student=plain(NAME), code=code)
    assert mine.subheader[0].value == t("classroom.student_class", "en", name=plain("<i>Class</i> _one_"))
    teacher = opened({"class": code, "key": key})
    assert list(teacher.dataframe[0].value.iloc[:, 1]) == [NAME]  # a table cell is text
    latents = next(figure(c) for c in teacher.get("plotly_chart")
                   if figure(c)["layout"]["title"]["text"] == t("classroom.board_latents", "en"))
    title = latents["layout"]["annotations"][0]["text"]
    assert "<b>" not in title and "&lt;b&gt;x&lt;/b&gt;" in title  # plotly shows escaped text as typed
    assert all("<b>x" not in m.value for m in teacher.markdown)
    teacher.button(key="class_present").click().run()
    assert list(teacher.table[0].value.iloc[:, 1]) == [plain(NAME)]  # the projector's table reads Markdown: escaped


def test_quiz_answers_reach_the_class_when_the_teacher_turned_the_quiz_on():
    code, key = a_class()
    ws = student(code, "Ada")
    room().set_quiz(code, key, True)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["ws"] = ws
    at = on(at.run(), "pages/13_Quiz.py")
    assert t("classroom.quiz_posting", "en", code=code) in [c.value for c in at.caption]
    first = quiz.load_questions()[0]
    at.radio[0].set_value(first.answer).run()
    at.button(key="quiz_check").click().run()
    ok(at)
    assert room().quiz_stats(code, key) == {first.id: {"answered": 1, "correct": 1, "share_correct": 1.0}}
    teacher = opened({"class": code, "key": key})
    bars = next(figure(c) for c in teacher.get("plotly_chart")
                if figure(c)["layout"]["title"]["text"] == t("classroom.board_quiz", "en"))
    assert list(bars["data"][0]["x"]) == [1.0]


def test_a_student_starts_from_the_class_model():
    teacher = tiny_run(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    teacher_ws = teacher.session_state["aelab_ws"]
    code, key = a_class(exercise=False)
    (run,) = workspace.store().list_runs(teacher_ws)
    room().publish(code, key, teacher_ws, run.id)
    ws = student(code, "Ada")
    at = opened({"ws": ws})
    at.button(key="class_model_start").click().run()
    ok(at)
    loaded = at.session_state["aelab_run"]
    assert (loaded.dataset, loaded.model_cfg, loaded.run_id) == ("digits", run.model_config, None)
    assert loaded.model is not None and loaded.history
    assert at.success[0].value.startswith(prefix("classroom.model_loaded", "en"))


@pytest.mark.parametrize("view", ["start", "student", "teacher"])
def test_the_views_speak_chinese(view):
    code, key = a_class(name="二班")
    ws = student(code, "小明")
    room().post_entry(code, ws, finished_run(ws))
    params = {"start": {}, "student": {"ws": ws}, "teacher": {"class": code, "key": key}}[view]
    at = opened(params, lang="zh")
    assert at.title[0].value == t("classroom.title", "zh")
    assert_chinese(at)
    assert all(CJK.search(tab.label) for tab in at.tabs)
    if view == "teacher":
        titles = [figure(c)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
        assert t("classroom.board_latents", "zh") in titles


def test_on_the_real_train_page_the_exercise_holds_the_inputs_and_the_run_reaches_the_board():
    code, key = a_class()
    ws = student(code, "Grace")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"ws": ws, "latent_dim": "5", "model": "vae"})  # an edited address tries to escape
    ok(at.run())
    at = on(at, "pages/1_Train.py")
    assert (at.session_state["model"], at.session_state["latent_dim"]) == ("ae", 2)
    assert at.number_input(key="latent_dim").disabled and at.selectbox(key="model").disabled
    at.number_input(key="epochs").set_value(2).run()
    at.button(key="train").click().run()
    ok(at)
    run = at.session_state["aelab_run"]
    assert run.status == "finished" and run.model_cfg.latent_dim == 2
    assert any(s.value.startswith(prefix("classroom.posted", "en", code=code, student="Grace")) for s in at.success)
    (entry,) = room().results(code, key)["entries"]
    assert entry["student"] == "Grace" and entry["run_id"] == run.run_id and entry["settings"]["latent_dim"] == 2


def test_a_chinese_class_is_joined_in_chinese_unless_the_student_chose_a_language():
    code, key = room().create_class("三年级", "zh")
    assert join_url(code, lang="zh").endswith(f"/Classroom?join={code}&lang=zh")
    at = opened({"class": code, "key": key})
    (image,) = at.get("image")  # the board's QR code holds the link in the class's language
    svg = base64.b64decode(image.value[0].split(",", 1)[1]).decode("utf-8")
    assert svg == board_plots.join_qr_svg(join_url(code, lang="zh"))

    typed = opened({})  # a student who types the code, having chosen no language, gets the class's
    typed.text_input(key="class_join_code").input(code).run()
    typed.text_input(key="class_join_name").input("小明").run()
    typed.button(key="class_join").click().run()
    ok(typed)
    assert typed.session_state["lang"] == "zh" and typed.query_params["lang"] == "zh"

    chose = opened({"lang": "en"})  # one who chose English keeps it
    chose.text_input(key="class_join_code").input(code).run()
    chose.text_input(key="class_join_name").input("Li").run()
    chose.button(key="class_join").click().run()
    ok(chose)
    assert chose.session_state["lang"] == "en"
