"""Augmentation (aelib.labs.augmentation): each generator adds the right number of samples with the right labels, the
classifier sees them, and the verdict counts only gains larger than the draw-to-draw spread."""
from __future__ import annotations

import json

import numpy as np
import pytest

from aelib import infer
from aelib.cli import main
from aelib.labs import augmentation
from aelib.labs.augmentation import AugmentConfig, AugmentResult
from aelib.labs.few_labels_plots import accuracy_bars
from aelib.models import build_model


def test_cvae_samples_come_per_class_with_their_labels(tiny):
    model = build_model(tiny("cvae", (1, 8, 8), latent_dim=2))
    x, y = augmentation.cvae_samples(model, np.array([0, 3, 7]), 4, seed=0)
    assert x.shape == (12, 64) and np.array_equal(y, np.repeat([0, 3, 7], 4))
    assert x.min() >= 0 and x.max() <= 1
    assert np.array_equal(x, augmentation.cvae_samples(model, np.array([0, 3, 7]), 4, seed=0)[0])  # seeded


def test_jittered_codes_keep_their_source_label(small_digits, tiny):
    model = build_model(tiny("ae", (1, 8, 8), latent_dim=3))
    rows = np.arange(40)
    x, y = small_digits.x_train[rows], small_digits.y_train[rows]
    xg, yg = augmentation.jitter_samples(model, x, y, 5, np.full(3, 0.1, np.float32), seed=1)
    assert xg.shape == (5 * len(np.unique(y)), 64)
    assert np.array_equal(np.bincount(yg), np.where(np.bincount(y) > 0, 5, 0))
    still, _ = augmentation.jitter_samples(model, x, y, 5, np.zeros(3, np.float32), seed=1)
    recon = infer.reconstruct(model, x)
    assert all(np.isclose(recon, row, atol=1e-5).all(1).any() for row in still)  # no jitter: reconstructions


def test_a_trial_adds_generated_samples_to_the_classifier(small_digits, tiny, monkeypatch):
    seen = []
    real = augmentation.classify
    monkeypatch.setattr(augmentation, "classify",
                        lambda x, y, ds: seen.append((len(x), np.bincount(y))) or real(x, y, ds))
    cfg = AugmentConfig(labels_per_class=2, generated_per_class=3, repeats=1, cvae_epochs=1, cvae_latent=2)
    ae = build_model(tiny("ae", (1, 8, 8), latent_dim=3))
    acc, shown = augmentation.trial(small_digits, cfg, ae, np.full(3, 0.1, np.float32), 0)
    assert set(acc) == set(augmentation.VARIANTS) and all(0 <= a <= 1 for a in acc.values())
    assert [n for n, _ in seen] == [20, 50, 50]
    assert all(np.array_equal(counts, [5] * 10) for _, counts in seen[1:])  # 2 real + 3 generated per class
    assert np.array_equal(np.bincount(shown["labelled"][1]), [2] * 10)


def result(none, cvae, jitter) -> AugmentResult:
    return AugmentResult(AugmentConfig(), "toy", {"none": none, "cvae": cvae, "jitter": jitter}, {}, 1.0)


def test_only_a_gain_above_the_spread_counts_as_help():
    r = result([0.70, 0.72, 0.71], [0.75, 0.77, 0.76], [0.69, 0.74, 0.70])
    assert r.gain("cvae") == pytest.approx(0.05) and r.helps("cvae")
    assert not r.helps("jitter")  # +0.0 on average: no help
    assert r.sd("none") == pytest.approx(0.01)
    fig = accuracy_bars({v: r.mean(v) for v in augmentation.VARIANTS}, {v: r.sd(v) for v in augmentation.VARIANTS},
                        {v: v for v in augmentation.VARIANTS}, 100, lang="en")
    assert [x.split("<br>")[0] for x in fig.data[0].x] == list(augmentation.VARIANTS)
    assert fig.data[0].x[0].endswith(f"{r.mean('none'):.3f} ± 0.010")


def test_bad_settings_are_clear_errors(small_digits):
    with pytest.raises(ValueError, match="labels per class"):
        AugmentConfig(labels_per_class=0)
    with pytest.raises(ValueError, match="jitter"):
        AugmentConfig(jitter=-1)
    with pytest.raises(ValueError, match="at least one sample"):
        augmentation.experiment(small_digits, AugmentConfig(generated_per_class=0))


def test_the_cli_prints_accuracy_without_and_with_generated_samples(capsys):
    assert main(["augmentation", "--dataset", "digits", "--labels-per-class", "2", "--generated-per-class", "3",
                 "--epochs", "1", "--ae-epochs", "1", "--repeats", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"none", "cvae", "jitter", "cvae_gain", "jitter_helps", "seconds"} <= set(out)
    assert out["generated_per_class"] == 3 and all(0 <= out[v] <= 1 for v in augmentation.VARIANTS)
