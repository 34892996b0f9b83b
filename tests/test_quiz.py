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


def test_at_least_60_questions_with_unique_ids():
    assert len(QUESTIONS) >= 60
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
    del q[7]["level"]
    q[8]["kind"] = "essay"
    found = quiz.problems(bad)
    assert f"{q[7]['id']}: unknown level None" in found and f"{q[8]['id']}: unknown kind 'essay'" in found
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


# -- a quiz that cannot be gamed ------------------------------------------------------------------------------

CHOICE = [q for q in QUESTIONS if q.kind == "choice"]  # numeric items show no options to pick from


def length_rank_shares(lang: str) -> list[float]:
    """For each rank by text length (0 = longest), the share of choice items whose answer has that rank."""
    counts = [0] * max(len(q.options) for q in CHOICE)
    for q in CHOICE:
        ranked = sorted(range(len(q.options)), key=lambda i: -len(q.options[i].text[lang]))  # ties: file order
        counts[ranked.index(q.answer)] += 1
    return [c / len(CHOICE) for c in counts]


@pytest.mark.parametrize("lang", LANGS)
def test_always_picking_the_longest_or_shortest_option_does_not_pay(lang):
    shares = length_rank_shares(lang)
    assert shares[0] <= 0.35, shares  # "pick the longest"
    assert max(shares) <= 0.40, shares  # nor any other length rank ("the second longest", "the shortest")


def test_the_length_check_catches_a_quiz_whose_answer_is_the_longest():
    q = next(q for q in CHOICE if len(q.options) == 4)
    longest = max(range(4), key=lambda i: len(q.options[i].text["en"]))
    assert (sorted(range(4), key=lambda i: -len(q.options[i].text["en"])).index(longest)) == 0


def test_no_position_holds_more_than_35_percent_of_the_answers():
    positions = [q.answer for q in QUESTIONS]
    shares = [positions.count(p) / len(positions) for p in range(4)]
    assert max(shares) <= 0.35, shares


def test_every_item_has_a_level_and_the_quiz_goes_from_basics_to_variants_to_applications():
    assert {q.level for q in QUESTIONS} == set(quiz.LEVELS)
    assert all(sum(q.level == level for q in QUESTIONS) >= 10 for level in quiz.LEVELS)
    stages = [quiz.STAGES.index(q.stage) for q in QUESTIONS]
    assert stages == sorted(stages) and set(stages) == {0, 1, 2}
    assert [t for t in quiz.TOPICS] == sorted(quiz.TOPICS, key=lambda t: quiz.STAGES.index(quiz.STAGE[t]))


def test_items_ask_for_numbers_and_steps_of_derivations():
    numeric = [q for q in QUESTIONS if q.kind == "numeric"]
    assert len(numeric) >= 4 and sum("derivation" in q.tags for q in QUESTIONS) >= 6
    for q in numeric:
        right = q.options[q.answer].value
        assert q.is_correct(right) and q.is_correct(right + 0.9 * q.tolerance)
        assert not q.is_correct(right + 1.5 * q.tolerance + abs(right) + 1)
        for i, o in enumerate(q.options):
            assert q.match(o.value) == i  # every usual slip gets its own explanation


def test_a_numeric_answer_is_matched_within_the_tolerance_and_junk_is_wrong():
    q = BY_ID["types-kl-numeric"]
    assert q.kind == "numeric" and q.options[q.answer].value == 0.5
    assert q.is_correct(0.5) and q.is_correct(0.53) and not q.is_correct(0.6)
    assert q.match(1.02) is not None and not q.options[q.match(1.02)].correct  # "forgot the ½"
    assert q.match(7.0) is None and not q.is_correct(7.0)
    for junk in (float("nan"), float("inf"), True, "0.5", None):
        assert q.match(junk) is None and not q.is_correct(junk)
    assert quiz.score({q.id: 0.5, "principle-target": BY_ID["principle-target"].answer},
                      [q, BY_ID["principle-target"]]) == quiz.Score(2, 2, 2)
    assert BY_ID["principle-target"].match(0) == 0 and BY_ID["principle-target"].match(9) is None
    assert BY_ID["principle-target"].match(0.0) is None  # a choice is an option's index, never a float


def test_numeric_items_are_checked():
    bad = raw()
    q = next(q for q in bad["questions"] if q.get("kind") == "numeric")
    q["tolerance"] = 0
    q["options"][0].pop("value")
    for o in q["options"]:
        o["correct"] = True
    found = quiz.problems(bad)
    assert f"{q['id']}: a numeric item needs a tolerance > 0" in found
    assert f"{q['id']}.options[0]: a numeric item's option needs a number 'value'" in found
    assert f"{q['id']}: a numeric item needs exactly one correct option" in found
    bad = raw()
    q = next(q for q in bad["questions"] if q.get("kind") == "numeric")
    q["tolerance"] = 1e6
    assert f"{q['id']}: two options lie within twice the tolerance of each other" in quiz.problems(bad)


# -- every claim true ----------------------------------------------------------------------------------------

def every_text(q, lang: str = "en") -> str:
    return " ".join([q.stem[lang], *(o.text[lang] + " " + o.why[lang] for o in q.options)])


@pytest.mark.parametrize("qid, phrase", [
    ("comparison-reconstruct", "Z·components_ + mean_"),  # PCA's inverse transform, with its mean
    ("comparison-tsne-distances", "Isomap"),  # some nonlinear embeddings do keep distances
    ("comparison-tsne-transform", "ParametricUMAP"),  # plain UMAP's transform optimises; the parametric one maps
    ("comparison-tsne-transform", "plain UMAP's transform does the same kind of optimisation"),
    ("types-reparameterisation", "usually lower-variance"),
    ("types-gan-not-ae", "EBGAN and BEGAN"),
    ("types-gan-not-ae", "β = 0"),
    ("training-posterior-collapse", "Burda et al. 2016"),
    ("principle-bottleneck", "even through a 1-D code"),
    ("types-stacked", "Bengio et al. (2007)"),
    ("regularisation-l2-vs-l1-activity", "(λ/2)‖w‖²"),  # the app's Adam weight_decay, and AdamW, told apart
    ("training-weight-decay-factor", "(λ/2)‖w‖²"),
    ("types-elbo", "only when β = 1"),
    ("types-beta-zero", "σ shrinks towards 0"),
])
def test_corrected_claims_stay_corrected(qid, phrase):
    assert phrase in every_text(BY_ID[qid])


def test_no_item_says_training_error_always_falls():
    assert not any("training error always falls" in every_text(q).lower() for q in QUESTIONS)
    assert "tends to keep falling" in every_text(BY_ID["evaluation-held-out"])


def test_the_chinese_stacked_answer_trains_each_rbm_on_the_layer_below():
    q = BY_ID["types-stacked"]
    assert "下方那一层" in q.options[q.answer].why["zh"] and "下一层的编码" not in every_text(q, "zh")


@pytest.mark.parametrize("qid", ["types-dbn-not-ae", "types-invented", "applications-model-compression",
                                 "regularisation-cross-validation", "regularisation-input-scaling",
                                 "applications-sparse-inputs", "evaluation-accuracy-bug", "applications-forecasting",
                                 "comparison-cnn-rnn"])
def test_the_seed_errors_are_corrected_as_misconception_items(qid):
    q = BY_ID[qid]
    assert "misconception" in q.tags and q.options[q.answer].why["en"].startswith("Right")


# -- one term per idea ----------------------------------------------------------------------------------------

TAUGHT = ("lesson.", "lessons.", "home.", "zoo.", "family.", "quiz.", "topic.")  # the texts the glossary governs


def teaching_pairs() -> list[tuple[str, str, str]]:
    from aelib.i18n import table

    en, zh = table("en"), table("zh")
    pairs = [(k, en[k], zh[k]) for k in en if k.startswith(TAUGHT)]
    for q in QUESTIONS:
        pairs.append((q.id, q.stem["en"], q.stem["zh"]))
        pairs += [(q.id, s["en"], s["zh"]) for o in q.options for s in (o.text, o.why)]
    return pairs


def test_the_chinese_teaching_texts_use_the_glossarys_terms():
    from aelib.teach import glossary

    assert len(glossary.load_terms()) >= 12
    found = [(where, b) for where, en, zh in teaching_pairs() for b in glossary.breaches(en, zh)]
    assert found == []


def test_no_chinese_text_anywhere_uses_a_rejected_variant():
    from aelib.i18n import table
    from aelib.teach import glossary

    texts = [*table("zh").values(), *(zh for _, _, zh in teaching_pairs())]
    assert [(t.zh, bad) for t in glossary.load_terms() for bad in t.rejected if any(bad in x for x in texts)] == []


def test_the_glossary_check_finds_a_breach():
    from aelib.teach import glossary

    assert glossary.breaches("the reconstruction error", "重构误差") == [
        "uses '重构' instead of '重建'", "English says 'reconstruction (error)', Chinese lacks '重建'"]
    assert glossary.breaches("held-out data", "测试数据") == ["English says 'held-out data', Chinese lacks '留出'"]
    assert glossary.breaches("the reconstruction error on held-out data", "留出数据上的重建误差") == []
    assert glossary.breaches("autoencoder.predict(X)", "代码") == []  # code is not prose


# -- every seed question answered ----------------------------------------------------------------------------

SEED_MAP = quiz.QUESTIONS.parent / "seed_map.json"
SEEDS = quiz.QUESTIONS.parents[3] / "shared" / "seeds"  # beside the repository, where the project keeps them


def seed_map() -> list[dict]:
    return json.loads(SEED_MAP.read_text(encoding="utf-8"))["questions"]


def test_the_seed_map_lists_60_distinct_questions_in_both_languages():
    entries = seed_map()
    assert len(entries) == 60 and len({e["id"] for e in entries}) == 60
    assert all(e["en"].strip() and CJK.search(e["zh"]) and e["sources"] and e["answered_by"] for e in entries)
    sources = [s for e in entries for s in e["sources"]]
    assert len(sources) == len(set(sources))  # each seed question merged into exactly one entry


def test_every_target_of_the_seed_map_exists():
    from aelib.models import MODELS
    from aelib.models.source import family_code
    from aelib.teach import lessons
    from appkit.page import PAGES

    labels = {label: path for path, label, _ in PAGES}
    where = {"quiz": BY_ID, "lesson": {x.id for x in lessons.LESSONS}, "page": labels, "code": MODELS}
    for e in seed_map():
        assert "later" not in e, e["id"]  # every part of the app an entry waited for exists now
        for target in e["answered_by"]:
            (kind, name), = target.items()
            assert name in where[kind], (e["id"], target)
            if kind == "page":  # the page's file is there, not only its sidebar entry
                assert (quiz.QUESTIONS.parents[2] / labels[name]).is_file(), (e["id"], labels[name])
            if kind == "code":
                assert "def loss_terms" in family_code(name), (e["id"], name)


def test_the_seed_map_points_application_and_implementation_questions_at_their_answers():
    by_id = {e["id"]: e["answered_by"] for e in seed_map()}
    where = {"page": "Where autoencoders are used"}
    assert all(where in by_id[i] for i in ("S05", "S09", "S26", "S44", "S52", "S54", "S58", "S60"))
    assert {"code": "vae"} in by_id["S06"] and {"code": "seq_ae"} in by_id["S18"]
    assert {"code": "denoising_ae"} in by_id["S39"] and {"code": "aae"} in by_id["S43"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed collections are kept beside the repository")
def test_the_seed_map_covers_every_heading_of_the_collections():
    headings = {}
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if m := re.match(r"^##+ (\d+)\. (.+)$", line):
                headings[f"{path.name[:3]}#{m.group(1)}"] = m.group(2).strip()
    entries = seed_map()
    assert sorted(s for e in entries for s in e["sources"]) == sorted(headings)
    assert all(e["zh"] == headings[e["sources"][0]] for e in entries)
