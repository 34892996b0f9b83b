"""The Quiz page through AppTest: it renders in English and in Chinese (?lang=zh) without exception, answering
shows the feedback and moves the score, the sidebar's language control and the topic filter work, and a junk
?lang= falls back to English."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import LANGS, t
from aelib.teach import quiz
from tests.app.helpers import APP, TIMEOUT

PAGE = "pages/13_Quiz.py"
QUESTIONS = quiz.load_questions()


def open_quiz(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def choose(at: AppTest, option: int) -> AppTest:
    at.radio[0].set_value(option).run()
    at.button(key="quiz_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def score(at: AppTest) -> str:
    return at.metric[0].value


@pytest.mark.parametrize("lang", LANGS)
def test_the_quiz_renders_in_each_language(lang):
    at = open_quiz(lang)
    first = QUESTIONS[0]
    assert at.title[0].value == t("quiz.title", lang)
    assert at.radio[0].options == [o.text[lang] for o in first.options]
    assert any(first.stem[lang] in m.value for m in at.markdown)
    assert at.segmented_control(key="lang_picker").value == lang
    assert at.query_params["lang"] == lang
    assert score(at) == "0 / 0"
    choose(at, first.answer)  # feedback renders in this language too
    assert at.success[0].value == first.options[first.answer].why[lang]


def test_answering_shows_feedback_and_updates_the_score():
    at = open_quiz()
    q0, q1 = QUESTIONS[0], QUESTIONS[1]
    assert at.button(key="quiz_check").disabled  # nothing chosen yet
    choose(at, q0.answer)
    assert at.success[0].value == q0.options[q0.answer].why["en"] and score(at) == "1 / 1"
    assert at.radio[0].disabled  # the first answer counts
    assert len(at.expander) == 3  # every option's explanation on demand, the share link, then the glossary
    explained = " ".join(m.value for m in at.expander[0].markdown)
    assert all(o.why["en"] in explained for o in q0.options)

    at.button(key="quiz_next").click().run()
    wrong = (q1.answer + 1) % len(q1.options)
    choose(at, wrong)
    assert at.error[0].value == t("quiz.incorrect", "en", why=q1.options[wrong].why["en"])
    assert q1.options[q1.answer].why["en"] in at.info[0].value  # and the right answer, explained
    assert score(at) == "1 / 2"

    at.button(key="quiz_prev").click().run()
    assert at.radio[0].value == q0.answer and at.success  # kept when coming back
    at.button(key="quiz_restart").click().run()
    assert score(at) == "0 / 0" and not at.success and not at.radio[0].disabled


def test_the_language_control_switches_the_page_and_the_link():
    at = open_quiz()
    at.segmented_control(key="lang_picker").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == t("quiz.title", "zh")
    assert at.query_params["lang"] == "zh"
    at.switch_page("pages/1_Train.py").run()  # another page keeps the language (and puts it back in the URL)
    assert at.segmented_control(key="lang_picker").value == "zh" and at.query_params["lang"] == "zh"


@pytest.mark.parametrize("junk", ["../../etc", "__import__('os')", "fr"])
def test_a_junk_language_parameter_reads_english(junk):
    at = open_quiz(junk)
    assert at.title[0].value == t("quiz.title", "en")
    assert at.query_params["lang"] == "en"


def test_the_topic_filter_narrows_the_questions():
    at = open_quiz()
    at.pills(key="quiz_topics").set_value(["comparison"]).run()
    n = quiz.topic_counts()["comparison"]
    assert at.caption[0].value.startswith(f"Question 1 of {n}")
    first = next(q for q in QUESTIONS if q.topic == "comparison")
    assert at.radio[0].options == [o.text["en"] for o in first.options]


def test_a_predict_question_links_its_experiment_once_answered():
    at = open_quiz()
    index = next(i for i, q in enumerate(QUESTIONS) if "predict" in q.tags and q.try_it.page == "Train")
    for _ in range(index):
        at.button(key="quiz_next").click().run()
    q = QUESTIONS[index]
    assert not at.main.get("page_link")  # predict first, then observe
    choose(at, q.answer)
    links = at.main.get("page_link")
    assert len(links) == 1 and links[0].proto.label == t("quiz.try_it", page="Train", what=q.try_it.text["en"])
    assert links[0].proto.page_script_hash  # a real page of the app, not a dead link


def open_question(qid: str, lang: str = "en") -> tuple[AppTest, quiz.Question]:
    """The quiz, moved to question `qid` (as the Next button would, many clicks later)."""
    q = next(x for x in QUESTIONS if x.id == qid)
    at = open_quiz(lang)
    at.session_state["quiz_pos"] = [x.id for x in QUESTIONS].index(qid)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, q


@pytest.mark.parametrize("lang", LANGS)
def test_a_numeric_item_takes_a_typed_number_and_explains_a_usual_slip(lang):
    at, q = open_question("training-dense-parameters", lang)
    assert not at.radio and len(at.number_input) == 1  # nothing to pick from: the number must be worked out
    assert t(f"quiz.level.{q.level}", lang) in at.caption[0].value
    slip = next(o for o in q.options if o.value == 25088)  # weights counted, biases forgotten
    at.number_input[0].set_value(25088.0).run()
    at.button(key="quiz_check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error[0].value == t("quiz.incorrect", lang, why=slip.why[lang])
    assert q.options[q.answer].why[lang] in at.info[0].value
    assert at.metric[0].value == "0 / 1" and at.number_input[0].disabled


def test_a_right_number_scores_and_an_unknown_one_is_told_so():
    at, q = open_question("evaluation-psnr")
    at.number_input[0].set_value(20.1).run()  # within the tolerance
    at.button(key="quiz_check").click().run()
    assert at.success[0].value == q.options[q.answer].why["en"] and at.metric[0].value == "1 / 1"
    at, q = open_question("types-kl-numeric")
    at.number_input[0].set_value(7.0).run()
    at.button(key="quiz_check").click().run()
    assert at.error[0].value == t("quiz.incorrect", "en", why=t("quiz.unmatched", "en", value=7.0))


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_is_on_the_quiz_page(lang):
    from aelib.teach import glossary

    at = open_quiz(lang)
    box = next(e for e in at.expander if e.label == t("quiz.glossary", lang))
    table = box.dataframe[0].value
    assert list(table[t("quiz.glossary_zh", lang)]) == [term.name["zh"] for term in glossary.load_terms()]
    assert "重建（误差）" in list(table[t("quiz.glossary_zh", lang)])


def test_answers_are_kept_in_the_workspace_until_the_learner_starts_again():
    at = open_quiz()
    q0, q1 = QUESTIONS[0], QUESTIONS[1]
    choose(at, q0.answer)
    at.button(key="quiz_next").click().run()
    choose(at, (q1.answer + 1) % len(q1.options))
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)  # a reload, or another device, on the same workspace
    again.query_params["ws"] = at.session_state["aelab_ws"]
    again.run()
    again.switch_page(PAGE).run()
    assert not again.exception and score(again) == "1 / 2"
    assert again.radio[0].value == q0.answer and again.radio[0].disabled  # the first answer still counts
    again.button(key="quiz_restart").click().run()
    fresh_start = AppTest.from_file(APP, default_timeout=TIMEOUT)
    fresh_start.query_params["ws"] = at.session_state["aelab_ws"]
    fresh_start.run()
    fresh_start.switch_page(PAGE).run()
    assert score(fresh_start) == "0 / 0"  # starting again forgot them in the store too
