"""The lessons' experiments show what each lesson claims, on a tiny budget; the registry is complete: six or more
lessons, every text key in both languages, a link to a page that exists."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.i18n import LANGS, missing_keys, placeholders, table
from aelib.teach import lessons
from tests.test_i18n import ROOT, used_keys


@pytest.fixture(scope="module")
def ds():
    return lessons.load()


def test_the_bottleneck_costs_detail(ds):
    r = lessons.bottleneck(ds, epochs=10, sizes=(2, 32))
    assert r["ae"][0] > r["ae"][-1] and len(r["rows"]) == 2


def test_a_linear_ae_finds_pcas_subspace_and_a_random_one_does_not(ds):
    r = lessons.linear_pca(ds)
    assert max(r["angles"]) < 15 < min(r["random"])


def test_tiny_data_overfits_and_the_cures_narrow_the_gap(ds):
    r = lessons.overfitting(ds, epochs=60)
    gap = dict(zip(r["cures"], r["gap"]))
    assert gap["none"] > 0.01
    assert all(gap[c] < gap["none"] for c in ("dropout", "weight_decay"))


def test_the_vae_pays_kl_and_its_prior_samples_decode(ds):
    r = lessons.vae_vs_ae(ds, epochs=3)
    assert r["kl"] > 0
    assert r["vae"]["samples"].shape == (lessons.SHOW, ds.input_dim)
    assert np.isfinite(r["vae"]["samples"]).all() and 0 <= r["vae"]["holes"] <= 1


def test_denoising_beats_the_noisy_input(ds):
    r = lessons.denoising(ds, epochs=5)
    assert r["psnr"]["denoised"] > r["psnr"]["noisy"]


def test_reconstruction_error_finds_the_anomalies(ds):
    r = lessons.anomalies(ds, epochs=10)
    assert r["auroc"] > 0.5 and np.median(r["anomalous"]) > np.median(r["normal"])


def test_holes_counts_prior_draws_far_from_every_code():
    assert lessons.holes(np.random.default_rng(0).standard_normal((1000, 2))) < 0.05
    assert lessons.holes(np.full((10, 2), 50.0)) == 1.0


@pytest.mark.parametrize("value, number", [("3", 3), (" 6 ", 6), ("0", 1), ("99", 1), ("-1", 1), ("x", 1),
                                           ("2.5", 1), ("9" * 5000, 1), (None, 1), (["2"], 1)])
def test_a_lesson_number_from_the_url_is_parsed_never_trusted(value, number):
    assert lessons.parse_number(value) == number


def lesson_keys(lesson: lessons.Lesson) -> list[str]:
    parts = ["title", "concept", "setup", "question"]
    return [f"lesson.{lesson.id}.{p}" for p in parts] + [f"lesson.{lesson.id}.option.{i}"
                                                          for i in range(lesson.n_options)]


def test_the_registry_has_six_complete_lessons():
    assert len(lessons.LESSONS) >= 6 and len({lesson.id for lesson in lessons.LESSONS}) == len(lessons.LESSONS)
    assert missing_keys() == []
    for lesson in lessons.LESSONS:
        assert (ROOT / lesson.page).is_file()
        assert 0 <= lesson.answer < lesson.n_options
        for lang in LANGS:
            assert [k for k in lesson_keys(lesson) if not table(lang).get(k)] == [], lang


def overfit(gap_none: float, cure_gap: float, cure_test: float, train: float = 0.01) -> dict:
    test = train + gap_none
    return {"cures": list(lessons.CURES), "gap": [gap_none, cure_gap, cure_gap, cure_gap],
            "train": [train, cure_test - cure_gap, cure_test - cure_gap, cure_test - cure_gap],
            "test": [test, cure_test, cure_test, cure_test], "epochs": [100, 100, 100, 31]}


def vae(kl: float, std: list, holes: tuple, mse: tuple) -> dict:
    return {"kl": kl, "vae": {"holes": holes[0], "std": std, "mse": mse[0]},
            "ae": {"holes": holes[1], "std": [3.0, 2.0], "mse": mse[1]}}


def anomaly(auroc: float) -> dict:
    return {"auroc": auroc, "normal": [0.01], "anomalous": [0.1], "recall": 0.8, "precision": 0.9, "threshold": 0.02,
            "textbook": 0.015, "n_cal": 36, "false_alarms": 0.05}


# Results a learner can get, good and bad: together they reach every sentence each explanation has.
OUTCOMES = {
    "bottleneck": [{"sizes": [2, 32], "ae": a, "pca": [0.05, p]}
                   for a, p in (([0.1, 0.01], 0.02), ([0.01, 0.0105], 0.005), ([0.01, 0.1], 0.2))]
    + [{"sizes": [2, 8, 32], "ae": a, "pca": p} for a, p in (([0.044, 0.023, 0.0224], [0.053, 0.0246, 0.0026]),
                                                            ([0.05, 0.03, 0.01], [0.04, 0.02, 0.02]))],
    "linear_pca": [{"k": 4, "angles": [a], "random": [70.0], "ae_mse": m, "pca_mse": 0.1}
                   for a, m in ((1.0, 0.1), (40.0, 0.2), (80.0, 0.09))],
    "overfitting": [overfit(0.1, 0.05, 0.08), overfit(0.1, 0.05, 0.2), overfit(0.001, 0.01, 0.02)],
    "vae": [vae(2.0, [0.9, 0.8], (0.1, 0.5), (0.03, 0.02)), vae(0.05, [0.1, 0.05], (0.6, 0.5), (0.02, 0.03))],
    "denoising": [{"psnr": {"noisy": 9.0, "denoised": d, "plain": p}}
                  for d, p in ((14.0, 12.0), (12.2, 12.0), (11.0, 13.0), (12.0, 8.0))],
    "anomaly": [anomaly(a) for a in (0.95, 0.8, 0.6, 0.4)],
}


@pytest.mark.parametrize("lesson", lessons.LESSONS, ids=lambda lesson: lesson.id)
def test_each_explanation_tells_what_the_run_showed(lesson):
    """Every sentence is reached by some outcome, formats with that run's numbers in both languages, and no
    explanation sentence sits unused in the tables."""
    reached = set()
    for result in OUTCOMES[lesson.id]:
        for key, facts in lesson.explanation(result):
            reached.add(key)
            for lang in LANGS:
                assert placeholders(table(lang)[key]) <= facts.keys(), key
                table(lang)[key].format(**facts)
    written = {k for k in table("en") if k.startswith(f"lesson.{lesson.id}.explain.")}
    assert reached == written


def test_the_explanation_follows_the_numbers_not_the_expected_answer():
    def parts(lesson_id: str, result: dict) -> list[str]:
        lesson = next(x for x in lessons.LESSONS if x.id == lesson_id)
        return [key.rsplit(".explain.", 1)[1] for key, _ in lesson.explanation(result)]

    assert "no_gap" in parts("overfitting", overfit(0.001, 0.01, 0.02))
    assert "dropout.narrowed" in parts("overfitting", overfit(0.1, 0.05, 0.2))  # gap closed, held-out no better
    assert "collapse" in parts("vae", vae(0.05, [0.1, 0.05], (0.6, 0.5), (0.02, 0.03)))
    assert "no_fewer_holes" in parts("vae", vae(0.05, [0.1, 0.05], (0.6, 0.5), (0.02, 0.03)))
    assert "spread_off" in parts("vae", vae(0.05, [0.1, 0.05], (0.6, 0.5), (0.02, 0.03)))
    assert parts("anomaly", anomaly(0.4))[0] == "inverted"
    assert "plain_wins" in parts("denoising", OUTCOMES["denoising"][2])
    assert "fall" in parts("bottleneck", OUTCOMES["bottleneck"][2])


def test_the_anomaly_threshold_is_a_held_out_percentile(ds):
    r = lessons.anomalies(ds, epochs=5)
    assert r["n_cal"] >= 10 and 0 <= r["false_alarms"] <= 0.5
    assert np.isfinite(r["threshold"]) and np.isfinite(r["textbook"])


def test_the_vae_lesson_shows_the_elbo_for_beta_one_and_the_weighted_loss_apart():
    formulas = " ".join(next(x for x in lessons.LESSONS if x.id == "vae").formulas)
    assert r"\beta\, D" in formulas and "only for } \\beta = 1" in formulas
    assert r"\tfrac{\lambda}{2}" in " ".join(next(x for x in lessons.LESSONS if x.id == "overfitting").formulas)


def test_every_key_the_lessons_page_asks_for_exists():
    files = [ROOT / "pages" / "14_Lessons.py", ROOT / "appkit" / "lesson_views.py"]
    literal = set().union(*(used_keys(f) for f in files))
    assert {"lessons.title", "lessons.run", "lesson.vae.kl"} <= literal
    built = {k for lesson in lessons.LESSONS for k in lesson_keys(lesson)} | {"page.lessons"}
    built |= {key for lesson in lessons.LESSONS for r in OUTCOMES[lesson.id] for key, _ in lesson.explanation(r)}
    built |= {f"lesson.overfitting.cure.{c}" for c in lessons.CURES}
    built |= {f"lesson.denoising.psnr_{k}" for k in ("noisy", "dae", "plain")}
    assert sorted((literal | built) - table("en").keys()) == []


def test_the_bottleneck_lesson_says_when_the_autoencoder_levels_off_and_pca_does_not():
    """The run a learner gets by default (AE flat from 8 to 32, PCA about 9× lower at 32): the explanation names the
    plateau and why PCA keeps falling, instead of saying that the wider code kept more detail."""
    lesson = lessons.LESSONS[0]
    result = {"sizes": [2, 8, 32], "ae": [0.0444, 0.0230, 0.0224], "pca": [0.0532, 0.0246, 0.0026]}
    parts = [key.rsplit(".explain.", 1)[1] for key, _ in lesson.explanation(result)]
    assert parts == ["numbers", "rise", "plateau", "small_beats_pca", "pca_beats_ae"]
    text = " ".join(table("en")[key].format(**facts) for key, facts in lesson.explanation(result))
    assert "0.0230 → 0.0224" in text and "8.6×" in text and "keeps more detail" not in text
    rising = {"sizes": [2, 8, 32], "ae": [0.05, 0.03, 0.01], "pca": [0.04, 0.02, 0.02]}
    assert "still_falling" in [key.rsplit(".", 1)[1] for key, _ in lesson.explanation(rising)]


def test_the_subspace_lesson_opens_with_an_intuition_before_any_maths():
    for lang in LANGS:
        first, *rest = table(lang)["lesson.linear_pca.concept"].split("\n\n")
        assert rest and "$" not in first and "\\" not in first  # plain words first, the formulas after
        assert ("subspace" in first and "principal angles" in first) if lang == "en" else "子空间" in first


# -- the lessons on the autoencoders of 2026: explanations follow the numbers ---------------------------------

def by_id(lesson_id: str) -> lessons.Lesson:
    return next(x for x in lessons.LESSONS if x.id == lesson_id)


def sae_result(fvu: float, acc_rec: float, dead: float = 0.0, purity: float = 0.7) -> dict:
    return {"k": 8, "latents": 128, "hidden": 64, "l0": 8.0, "dead_fraction": dead, "fvu": fvu, "accuracy": 0.95,
            "accuracy_with_reconstructed_activations": acc_rec, "accuracy_with_mean_activations": 0.1,
            "top_digit_purity": purity}


@pytest.mark.parametrize("result, parts", [
    (sae_result(0.05, 0.94), ("faithful", "keeps", "no_dead", "pure")),
    (sae_result(0.2, 0.8, dead=0.3), ("partial", "drops", "dead", "pure")),
    (sae_result(0.5, 0.3, purity=0.4), ("poor", "loses", "no_dead", "mixed"))])
def test_the_sae_lesson_explains_fidelity_and_accuracy_from_its_numbers(result, parts):
    keys = [k for k, _ in by_id("sae").explanation(result)]
    assert keys == [f"lesson.sae.explain.{p}" for p in (*parts, "closing")]


def mae_result(raw: float, ae: float, mae: float, mse_mae: float) -> dict:
    return {"probe_raw": raw, "probe_ae": ae, "probe_mae": mae, "mse_mae": mse_mae, "mse_mean": 0.08,
            "mask_ratio": 0.75, "patches": 16, "dim": 16, "pixels": 64}


@pytest.mark.parametrize("result, parts", [
    (mae_result(0.96, 0.9, 0.83, 0.079), ("raw_wins", "ae_above_mae", "mean_level")),
    (mae_result(0.80, 0.8, 0.90, 0.050), ("mae_wins", "mae_above_ae", "fills")),
    (mae_result(0.90, 0.9, 0.905, 0.050), ("tie", "ae_ties", "fills"))])
def test_the_mae_lesson_says_which_probe_won_in_this_run(result, parts):
    keys = [k for k, _ in by_id("mae").explanation(result)]
    assert keys == [f"lesson.mae.explain.{p}" for p in ("numbers", *parts, "closing")]


def latent_result(real: float, rec: float, prior: float, diffusion: float) -> dict:
    r = {"latent_dim": 4, "pixels": 64, "compression": 16.0, "vae_mse": 0.04, "confidence": 0.9,
         "classifier_accuracy": 0.97}
    for k, v in zip(("real", "reconstructed", "prior", "latent_diffusion"), (real, rec, prior, diffusion)):
        r[f"recognised_{k}"], r[f"digits_covered_{k}"] = v, 10
    return r


@pytest.mark.parametrize("result, parts", [
    (latent_result(0.9, 0.45, 0.3, 0.28), ("compression_loses", "diffusion_ties", "under_ceiling")),
    (latent_result(0.9, 0.88, 0.5, 0.7), ("compression_keeps", "diffusion_gains", "under_ceiling")),
    (latent_result(0.9, 0.5, 0.6, 0.4), ("compression_loses", "diffusion_loses", "under_ceiling")),
    (latent_result(0.9, 0.5, 0.4, 0.6), ("compression_loses", "diffusion_gains", "above_ceiling"))])
def test_the_latent_diffusion_lesson_reports_loss_and_gain_as_measured(result, parts):
    keys = [k for k, _ in by_id("latent_diffusion").explanation(result)]
    assert keys == [f"lesson.latent_diffusion.explain.{p}" for p in ("numbers", *parts, "closing")]


def score_result(cosine: float, plain: float, normal: float, loss: float, expansion: float) -> dict:
    return {"sigma": 0.1, "cosine_toward_circle": cosine, "share_pointing_toward": 0.9, "cosine_plain": plain,
            "dae_gain_tangent": 0.99, "dae_gain_normal": normal, "plain_gain_tangent": 1.0,
            "plain_gain_normal": 1.0, "dae_loss": loss, "clean_plus_contractive": expansion}


@pytest.mark.parametrize("result, parts", [
    (score_result(0.98, 0.1, 0.26, 0.0119, 0.0114), ("toward", "plain_aimless", "contracts", "expansion_holds")),
    (score_result(0.4, 0.6, 0.95, 0.02, 0.03), ("partly", "plain_also", "no_contraction", "expansion_off")),
    (score_result(0.05, -0.1, 0.9, 0.02, 0.02), ("not_toward", "plain_aimless", "no_contraction",
                                                  "expansion_holds"))])
def test_the_score_lesson_reads_the_field_from_its_numbers(result, parts):
    keys = [k for k, _ in by_id("score").explanation(result)]
    assert keys == [f"lesson.score.explain.{p}" for p in (*parts, "closing")]


def test_every_modern_explanation_formats_in_both_languages():
    results = {"sae": sae_result(0.05, 0.94), "mae": mae_result(0.96, 0.9, 0.83, 0.079),
               "latent_diffusion": latent_result(0.9, 0.45, 0.3, 0.28),
               "score": score_result(0.98, 0.1, 0.26, 0.0119, 0.0114)}
    for lesson_id, result in results.items():
        for lang in LANGS:
            text = " ".join(table(lang)[k].format(**f) for k, f in by_id(lesson_id).explanation(result))
            assert "{" not in text and len(text) > 100, (lesson_id, lang)


def test_the_sae_lesson_run_is_sparse_and_keeps_the_class(ds):
    r = by_id("sae").run(ds, 0, None)
    assert r["l0"] == 8 and r["fvu"] < 0.3
    assert r["accuracy_with_reconstructed_activations"] > r["accuracy_with_mean_activations"] + 0.3
    assert len(r["top"]) == 3 and r["top"][0].shape == (8, ds.input_dim)


def test_the_score_lesson_run_points_toward_the_circle():
    r = by_id("score").run(None, 0, None)
    assert r["cosine_toward_circle"] > 0.5 > abs(r["cosine_plain"])


OUTCOMES.update({
    "sae": [sae_result(0.05, 0.94), sae_result(0.2, 0.8, dead=0.3), sae_result(0.5, 0.3, purity=0.4)],
    "mae": [mae_result(0.96, 0.9, 0.83, 0.079), mae_result(0.80, 0.8, 0.90, 0.050), mae_result(0.9, 0.9, 0.905, 0.05)],
    "latent_diffusion": [latent_result(0.9, 0.45, 0.3, 0.28), latent_result(0.9, 0.88, 0.5, 0.7),
                         latent_result(0.9, 0.5, 0.6, 0.4), latent_result(0.9, 0.5, 0.4, 0.6)],
    "score": [score_result(0.98, 0.1, 0.26, 0.0119, 0.0114), score_result(0.4, 0.6, 0.95, 0.02, 0.03),
              score_result(0.05, -0.1, 0.9, 0.02, 0.02)]})
