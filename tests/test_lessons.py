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


@pytest.mark.parametrize("value, number", [("3", 3), (" 6 ", 6), ("0", 1), ("7", 1), ("-1", 1), ("x", 1),
                                           ("2.5", 1), ("9" * 5000, 1), (None, 1), (["2"], 1)])
def test_a_lesson_number_from_the_url_is_parsed_never_trusted(value, number):
    assert lessons.parse_number(value) == number


def lesson_keys(lesson: lessons.Lesson) -> list[str]:
    parts = ["title", "concept", "setup", "question", "explain"]
    return [f"lesson.{lesson.id}.{p}" for p in parts] + [f"lesson.{lesson.id}.option.{i}"
                                                          for i in range(lesson.n_options)]


def test_the_registry_has_six_complete_lessons():
    assert len(lessons.LESSONS) >= 6 and len(lessons.BY_ID) == len(lessons.LESSONS)
    assert missing_keys() == []
    for lesson in lessons.LESSONS:
        assert (ROOT / lesson.page).is_file()
        assert 0 <= lesson.answer < lesson.n_options
        for lang in LANGS:
            assert [k for k in lesson_keys(lesson) if not table(lang).get(k)] == [], lang


def test_each_explanation_gets_the_numbers_it_names():
    fake = {"bottleneck": {"sizes": [2, 32], "ae": [0.1, 0.01]},
            "linear_pca": {"k": 4, "angles": [1.0], "random": [70.0], "ae_mse": 0.1, "pca_mse": 0.1},
            "overfitting": {"cures": list(lessons.CURES), "gap": [0.1] * 4, "train": [0.01] * 4, "test": [0.1] * 4},
            "vae": {"kl": 2.0, "vae": {"holes": 0.1, "std": [1.0]}, "ae": {"holes": 0.5, "std": [3.0]}},
            "denoising": {"psnr": {"noisy": 9.0, "denoised": 14.0, "plain": 12.0}},
            "anomaly": {"auroc": 0.9, "normal": [0.01], "anomalous": [0.1], "recall": 1.0, "precision": 0.9}}
    for lesson in lessons.LESSONS:
        facts = lesson.facts(fake[lesson.id])
        for lang in LANGS:
            template = table(lang)[f"lesson.{lesson.id}.explain"]
            assert placeholders(template) <= facts.keys()
            template.format(**facts)


def test_every_key_the_lessons_page_asks_for_exists():
    files = [ROOT / "pages" / "14_Lessons.py", ROOT / "appkit" / "lesson_views.py"]
    literal = set().union(*(used_keys(f) for f in files))
    assert {"lessons.title", "lessons.run", "lesson.vae.kl"} <= literal
    built = {k for lesson in lessons.LESSONS for k in lesson_keys(lesson)} | {"page.lessons"}
    built |= {f"lesson.overfitting.cure.{c}" for c in lessons.CURES}
    built |= {f"lesson.denoising.psnr_{k}" for k in ("noisy", "dae", "plain")}
    assert sorted((literal | built) - table("en").keys()) == []
