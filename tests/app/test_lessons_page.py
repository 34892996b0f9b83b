"""The Lessons page through AppTest: every lesson renders in English and Chinese without exception, Run waits
for a prediction, running a lesson shows its result and explanation, and a junk ?lesson= falls back to lesson 1."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import LANGS, t
from aelib.teach import lessons
from tests.app.helpers import APP, TIMEOUT, fits

PAGE = "pages/14_Lessons.py"


def open_lesson(lang: str, number: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    if number is not None:
        at.query_params["lesson"] = number
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_every_lesson_renders_in_each_language(lang):
    at = open_lesson(lang)
    for n, lesson in enumerate(lessons.LESSONS, start=1):
        at.query_params["lesson"] = str(n)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.header[0].value == t(f"lesson.{lesson.id}.title", lang)
        assert len(at.latex) == len(lesson.formulas)
        assert at.button(key="lesson_run").disabled  # no prediction yet
    assert at.markdown[0].value == t("lessons.intro", lang, n=len(lessons.LESSONS))  # it once said six of ten
    assert at.markdown[0].value.startswith(f"{len(lessons.LESSONS)} ")


def test_running_a_lesson_shows_the_result_and_explanation():
    at = open_lesson("en", "6")  # anomaly detection: the cheapest experiment
    assert at.button(key="lesson_run").disabled
    at.radio[0].set_value(1).run()
    assert not at.button(key="lesson_run").disabled
    at.button(key="lesson_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and fits(at.success[0].value, "lessons.right", "en")
    assert any("AUROC is" in i.value for i in at.info)
    assert at.radio[0].disabled and "anomaly" in at.session_state["lesson_results"]


@pytest.mark.parametrize("junk", ["0", "99", "abc", "-2", "1e3", "²", "①", "١٢"])
def test_a_junk_lesson_number_falls_back_to_lesson_one(junk):
    at = open_lesson("zh", junk)
    assert at.header[0].value == t("lesson.bottleneck.title", "zh")
    assert at.query_params["lesson"] == ["1"] or at.query_params["lesson"] == "1"


def test_a_lesson_explains_its_run_in_chinese_from_its_own_numbers():
    at = open_lesson("zh", "6")
    at.radio[0].set_value(1).run()
    at.button(key="lesson_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state["lesson_results"]["anomaly"]["result"]
    lesson = next(x for x in lessons.LESSONS if x.id == "anomaly")
    expected = " ".join(t(key, "zh", **facts) for key, facts in lesson.explanation(result))
    assert any(i.value == expected for i in at.info)
    assert "AUROC 为" in expected and "第 95 百分位" in expected and "重构" not in expected


@pytest.mark.parametrize("lang", LANGS)
def test_the_score_lesson_runs_and_explains_in_each_language(lang):
    number = next(n for n, x in enumerate(lessons.LESSONS, start=1) if x.id == "score")
    at = open_lesson(lang, str(number))
    at.radio[0].set_value(2).run()
    at.button(key="lesson_run").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert at.success and fits(at.success[0].value, "lessons.right", lang)
    result = at.session_state["lesson_results"]["score"]["result"]
    lesson = lessons.LESSONS[number - 1]
    expected = " ".join(t(key, lang, **facts) for key, facts in lesson.explanation(result))
    assert any(i.value == expected for i in at.info)


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_page_counts_the_lessons_there_are(lang):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    assert t("home.lessons_text", lang, n=len(lessons.LESSONS)) in [c.value for c in at.caption]
