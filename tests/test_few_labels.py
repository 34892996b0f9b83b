"""Few labels (aelib.labs.few_labels): seeded label sampling with exactly k per class, feature shapes, a probe that
separates an easy toy problem, and the accuracy curve's bookkeeping."""
from __future__ import annotations

import json

import numpy as np
import pytest

from aelib.cli import main
from aelib.labs import few_labels
from aelib.labs.few_labels_plots import accuracy_curves
from aelib.models import build_model
from aelib.train import TrainConfig


def labels(n_per_class=(7, 9, 12)) -> np.ndarray:
    return np.random.default_rng(1).permutation(np.repeat(np.arange(len(n_per_class)), n_per_class))


@pytest.mark.parametrize("k", [1, 3, 7])
def test_label_sampling_gives_exactly_k_per_class_and_is_seeded(k):
    y = labels()
    rows = few_labels.sample_labelled(y, k, seed=4)
    assert np.array_equal(np.bincount(y[rows]), [k, k, k]) and len(set(rows)) == len(rows)
    assert np.array_equal(rows, few_labels.sample_labelled(y, k, seed=4))
    draws = {tuple(few_labels.sample_labelled(y, k, seed=s)) for s in range(5)}
    assert len(draws) > 1  # another seed, another draw
    assert np.array_equal(few_labels.sample_labelled(y, None, 0), np.arange(len(y)))


def test_too_many_or_too_few_labels_are_clear_errors():
    with pytest.raises(ValueError, match="smallest class has only 7"):
        few_labels.sample_labelled(labels(), 8, 0)
    with pytest.raises(ValueError, match="at least 1"):
        few_labels.sample_labelled(labels(), 0, 0)
    assert few_labels.ks_for(labels(), (1, 2, 5, 7, 50)) == [1, 2, 5, None]


def test_draw_seeds_differ_by_draw_and_k_but_repeat():
    assert few_labels.draw_seed(0, 10, 0) == few_labels.draw_seed(0, 10, 0)
    assert len({few_labels.draw_seed(0, 10, r) for r in range(5)} | {few_labels.draw_seed(0, 5, 0)}) == 6


def test_a_probe_on_separable_blobs_is_nearly_perfect():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 6, (4, 5))
    y = np.repeat(np.arange(4), 50)
    x = centres[y] + rng.normal(0, 1, (len(y), 5))
    tr, te = np.arange(0, 200, 2), np.arange(1, 200, 2)
    assert few_labels.probe_accuracy(x[tr], y[tr], x[te], y[te]) > 0.95


def test_features_have_the_right_shapes_and_are_standardised(small_digits, tiny):
    model = build_model(tiny("ae", small_digits.shape, latent_dim=3))
    f = few_labels.features(small_digits, model)
    n_tr, n_te = len(small_digits.x_train), len(small_digits.x_test)
    assert f.widths == {"raw": 64, "pca": 3, "ae": 3}
    for name, w in f.widths.items():
        assert f.train[name].shape == (n_tr, w) and f.test[name].shape == (n_te, w)
    assert np.allclose(f.train["pca"].mean(0), 0, atol=1e-5) and np.allclose(f.train["pca"].std(0), 1, atol=1e-3)


def test_the_curve_averages_paired_draws_and_keeps_all_labels_as_one_draw(small_digits, tiny):
    f = few_labels.features(small_digits, build_model(tiny("ae", small_digits.shape, latent_dim=3)))
    ks = [1, 5, None]
    c = few_labels.accuracy_curve(f, small_digits.y_train, small_digits.y_test, ks, repeats=3, seed=0)
    assert c["k"] == [1, 5, "all"] and c["labelled"][:2] == [1.0, 5.0]
    assert c["labelled"][2] == pytest.approx(len(small_digits.y_train) / 10)
    for name in few_labels.FEATURE_SETS:
        assert len(c[name]["mean"]) == 3 and c[name]["sd"][2] == 0.0 and all(0 <= m <= 1 for m in c[name]["mean"])
    rows = few_labels.sample_labelled(small_digits.y_train, 5, few_labels.draw_seed(0, 5, 0))
    first = few_labels.probe_accuracy(f.train["raw"][rows], small_digits.y_train[rows], f.test["raw"],
                                      small_digits.y_test)
    assert c["raw"]["mean"][1] != first or c["raw"]["sd"][1] == 0  # an average, not one draw
    assert c["raw"]["mean"][2] > c["raw"]["mean"][0]  # all labels beat one per class on raw pixels
    fig = accuracy_curves(c, {n: n for n in few_labels.FEATURE_SETS}, len(small_digits.y_test), lang="en")
    assert [t.name for t in fig.data if t.showlegend is not False] == list(few_labels.FEATURE_SETS)


def test_report_refuses_a_conditional_extractor_before_training(small_digits):
    with pytest.raises(ValueError, match="leak the labels"):
        few_labels.report(small_digits, "cvae", 2, 5, TrainConfig(epochs=1))
    with pytest.raises(ValueError, match="smallest class"):
        few_labels.report(small_digits, "ae", 2, 1000, TrainConfig(epochs=1))


def test_the_cli_prints_raw_pca_and_ae_accuracies(capsys):
    assert main(["few-labels", "--dataset", "digits", "--latent-dim", "2", "--labels-per-class", "2", "--epochs", "1",
                 "--repeats", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"raw", "pca", "ae", "raw_sd", "pca_sd", "ae_sd", "seconds"} <= set(out)
    assert out["labels_per_class"] == 2 and all(0 <= out[f] <= 1 for f in few_labels.FEATURE_SETS)
    assert main(["few-labels", "--dataset", "digits", "--model", "cvae", "--json"]) == 2  # a message, not a traceback
    assert "leak the labels" in capsys.readouterr().err
