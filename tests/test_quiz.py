"""The quiz questions: enough of them, every topic of the canon, every option explained in both languages, the
misconceptions met in circulating interview answers corrected, and scoring."""
from __future__ import annotations

import copy
import json
import re

import pytest

from aelib.i18n import LANGS, page_slug
from aelib.teach import quiz

QUESTIONS = quiz.load_questions()
BY_ID = {q.id: q for q in QUESTIONS}
CJK = re.compile(r"[\u4e00-\u9fff]")


def raw() -> dict:
    return json.loads(quiz.QUESTIONS.read_text(encoding="utf-8"))


def test_the_bundled_file_is_valid():
    assert quiz.problems(raw()) == []


def test_at_least_30_questions_with_unique_ids():
    assert len(QUESTIONS) >= 30
    assert len(BY_ID) == len(QUESTIONS)


def test_every_topic_of_the_canon_is_covered():
    counts = quiz.topic_counts()
    assert set(counts) == set(quiz.TOPICS)
    assert min(counts.values()) >= 4, counts
    assert sum(counts.values()) == len(QUESTIONS)


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.id)
def test_each_question_is_complete_in_both_languages(q):
    assert sum(o.correct for o in q.options) >= 1 and len(q.options) >= 3
    for lang in LANGS:
        assert q.stem[lang].strip()
        assert all(o.text[lang].strip() and o.why[lang].strip() for o in q.options)
    assert CJK.search(q.stem["zh"]) and all(CJK.search(o.why["zh"]) for o in q.options)  # translated, not copied
    assert len({o.text["en"] for o in q.options}) == len(q.options)
    if q.try_it:
        assert q.try_it.page in quiz.PAGES and all(q.try_it.text[lang].strip() for lang in LANGS)


def test_explanations_say_right_or_not():
    """The page shows a correct option's explanation as the whole feedback, so it must open with "Right"."""
    for q in QUESTIONS:
        for o in q.options:
            assert o.why["en"].startswith("Right") == o.correct and o.why["zh"].startswith("正确") == o.correct, q.id


def test_predict_then_observe_questions_name_their_experiment():
    predict = [q for q in QUESTIONS if "predict" in q.tags]
    assert len(predict) >= 6
    assert all(q.try_it is not None for q in predict)
    assert {"Train", "Compare", "Anomaly detection", "Denoising", "Generation"} <= {q.try_it.page for q in predict}


def test_the_correct_option_is_not_always_in_the_same_place():
    assert len({q.answer for q in QUESTIONS}) >= 3


def correct_text(qid: str) -> str:
    q = BY_ID[qid]
    return q.options[q.answer].text["en"]


def test_a_gan_is_not_an_autoencoder():
    q = BY_ID["types-gan-not-ae"]
    assert "misconception" in q.tags
    assert correct_text(q.id).startswith("No.") and "no encoder" in correct_text(q.id)
    assert all(not o.correct for o in q.options if o.text["en"].startswith("Yes"))


def test_isolation_forest_is_not_an_autoencoder():
    q = BY_ID["applications-isolation-forest"]
    assert "misconception" in q.tags and "not an autoencoder" in correct_text(q.id)


def test_sklearn_tsne_has_no_transform_but_opentsne_can_place_points():
    q = BY_ID["comparison-tsne-transform"]
    assert "misconception" in q.tags
    assert "openTSNE" in correct_text(q.id)
    calls_transform = next(o for o in q.options if "transform(X_test)" in o.text["en"] and "fit_" not in o.text["en"])
    assert not calls_transform.correct and "no transform method" in calls_transform.why["en"]
    never = next(o for o in q.options if o.text["en"].startswith("No method"))
    assert not never.correct  # precise: it is sklearn's TSNE that cannot


def test_a_vae_encoder_outputs_a_distribution():
    q = BY_ID["types-vae-distribution"]
    assert "misconception" in q.tags and "distribution" in correct_text(q.id)
    assert not next(o for o in q.options if "single point" in o.text["en"]).correct


def test_the_canon_is_there():
    text = " ".join(q.stem["en"] + " ".join(o.text["en"] + o.why["en"] for o in q.options) for q in QUESTIONS)
    for term in ("undercomplete", "Hinton & Salakhutdinov", "convolutional", "Vincent et al. 2008", "sparse",
                 "Rifai et al. 2011", "Frobenius", "reparameterisation", "ELBO", "β-VAE", "VQ-VAE",
                 "adversarial autoencoder", "anomal", "trustworthiness", "early stopping", "weight decay", "dropout",
                 "Baldi & Hornik 1989", "orthonormal", "perplexity", "Wattenberg", "UMAP", "PCA"):
        assert term.lower() in text.lower(), term


def test_problems_are_found():
    bad = raw()
    q = bad["questions"]
    del q[0]["options"][1]["why"]["zh"]
    for o in q[1]["options"]:
        o["correct"] = False
    q[2]["id"] = q[3]["id"]
    q[4]["topic"] = "astrology"
    q[5]["try_it"] = {"page": "../../etc", "en": "x", "zh": "x"}
    q[6]["tags"] = ["predict"]
    q[6].pop("try_it", None)
    found = quiz.problems(bad)
    assert any("options[1].why: no zh text" in p for p in found)
    assert f"{q[1]['id']}: no correct option" in found
    assert f"{q[3]['id']}: duplicate id" in found
    assert any("unknown topic 'astrology'" in p for p in found)
    assert any("unknown page '../../etc'" in p for p in found)
    assert any("must name its page" in p for p in found)
    with pytest.raises(quiz.QuizError):
        quiz.parse(bad)
    assert quiz.problems({}) and quiz.problems([]) and quiz.problems({"questions": []})


def test_parse_gives_the_same_questions_as_the_file():
    assert quiz.parse(copy.deepcopy(raw())) == QUESTIONS


def test_score():
    qs = QUESTIONS[:4]
    right = {q.id: q.answer for q in qs}
    assert quiz.score(right, qs) == quiz.Score(correct=4, answered=4, total=4)
    wrong = {q.id: (q.answer + 1) % len(q.options) for q in qs[:2]}
    assert quiz.score(wrong, qs) == quiz.Score(correct=0, answered=2, total=4)
    assert quiz.score({**right, "not-a-question": 0}, qs[:1]) == quiz.Score(1, 1, 1)  # other ids are ignored
    assert quiz.score({qs[0].id: 99}, qs[:1]).correct == 0  # an impossible choice is wrong, not an error
    assert quiz.score({}).total == len(QUESTIONS)


def test_select_by_topic():
    assert quiz.select(QUESTIONS) == list(QUESTIONS)
    chosen = quiz.select(QUESTIONS, ["comparison", "training"])
    assert {q.topic for q in chosen} == {"comparison", "training"}
    assert len(chosen) == quiz.topic_counts()["comparison"] + quiz.topic_counts()["training"]


def test_page_slug():
    assert page_slug("Anomaly detection") == "anomaly_detection"
    assert page_slug("Super-resolution") == "super_resolution"
