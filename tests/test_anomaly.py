"""aelib.labs.anomaly: scores, the textbook threshold, the protocols, metrics against sklearn and hand-counted
cases, and the `anomaly` CLI on a tiny run."""
from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm

from aelib import infer
from aelib.cli import main
from aelib.data import load_dataset
from aelib.i18n import t
from aelib.labs import anomaly as an
from aelib.labs import anomaly_plots as ap
from aelib.models import build_model
from tests.conftest import shrink


def test_per_sample_errors_is_the_mean_squared_error_of_each_row(small_digits, tiny):
    model = build_model(tiny("ae", small_digits.shape), seed=0)
    x = small_digits.x_test[:20]
    expected = ((infer.reconstruct(model, x) - x) ** 2).mean(1)
    errors = an.per_sample_errors(model, x)
    assert errors.shape == (20,)
    np.testing.assert_allclose(errors, expected, rtol=1e-6)
    assert errors[0] == pytest.approx(infer.mse(model, x[:1]), rel=1e-5)


def test_textbook_threshold_is_mean_plus_two_sigma():
    e = np.array([1.0, 2.0, 3.0, 4.0])
    assert an.textbook_threshold(e) == pytest.approx(2.5 + 2 * np.sqrt(1.25))
    with pytest.raises(ValueError, match="at least one"):
        an.textbook_threshold(np.array([]))


def test_metrics_at_a_threshold_match_a_hand_count_and_sklearn():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    truth = np.array([0, 0, 1, 0, 1, 1], dtype=bool)
    m = an.metrics_at(scores, truth, 0.35)  # flags 0.4, 0.5, 0.6: 2 caught, 1 false alarm, 1 missed (0.3)
    assert m["confusion"] == [[2, 1], [1, 2]]
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    flagged = scores > 0.35
    assert m["f1"] == pytest.approx(skm.f1_score(truth, flagged))
    assert m["confusion"] == skm.confusion_matrix(truth, flagged).tolist()
    nothing = an.metrics_at(scores, truth, 1.0)  # nothing flagged: precision undefined, reported as 0
    assert nothing["precision"] == 0.0 and nothing["recall"] == 0.0 and nothing["f1"] == 0.0


def test_curves_agree_with_sklearn_and_need_both_groups():
    rng = np.random.default_rng(0)
    truth = rng.random(200) < 0.3
    scores = rng.normal(size=200) + truth  # anomalies score higher on average
    c = an.curves(scores, truth)
    assert c["auroc"] == pytest.approx(skm.roc_auc_score(truth, scores))
    assert c["average_precision"] == pytest.approx(skm.average_precision_score(truth, scores))
    assert 0.5 < c["auroc"] < 1 and c["base_rate"] == pytest.approx(truth.mean())
    with pytest.raises(ValueError, match="both normal and anomalous"):
        an.curves(scores, np.zeros(200, dtype=bool))


def test_worst_and_missed_pick_the_right_rows():
    scores = np.array([0.5, 0.1, 0.9, 0.3, 0.7])
    truth = np.array([1, 0, 0, 1, 1], dtype=bool)
    assert list(an.worst(scores, 2)) == [2, 4]
    assert list(an.missed(scores, truth, 2)) == [3, 0]  # the anomalies with the lowest errors


def test_one_class_split_trains_on_normal_rows_only(digits):
    split = an.one_class_split(digits, [1, 7])
    n_normal_train = np.isin(digits.y_train, [1, 7]).sum()
    assert len(split.x_train) == n_normal_train > 0
    # every training row is a normal training row of the dataset
    normal_rows = {r.tobytes() for r in digits.x_train[np.isin(digits.y_train, [1, 7])]}
    assert all(r.tobytes() in normal_rows for r in split.x_train)
    assert len(split.x_test) == len(digits.x_test)
    np.testing.assert_array_equal(split.is_anomaly, ~np.isin(digits.y_test, [1, 7]))


@pytest.mark.parametrize("text, expected", [("1", (1,)), ("7, 1", (1, 7)), ("3", (3,))])
def test_parse_classes_reads_numbers_and_names(digits, text, expected):
    assert an.parse_classes(digits, text) == expected


@pytest.mark.parametrize("text, message", [("12", "unknown class '12'"), ("x", "unknown class"),
                                           ("", "at least one"), (",".join(map(str, range(10))), "every class")])
def test_bad_normal_classes_say_why(digits, text, message):
    with pytest.raises(ValueError, match=message):
        an.parse_classes(digits, text)


def test_breast_cancer_is_an_offline_table_with_benign_as_class_zero():
    ds = load_dataset("breast_cancer")
    assert ds.kind == "table" and ds.shape == (30,) and ds.class_names == ["benign", "malignant"]
    assert 0 <= ds.x_train.min() and ds.x_train.max() <= 1  # scaled like every table
    assert (np.concatenate([ds.y_train, ds.y_test]) == 0).sum() == 357  # sklearn's benign count
    assert an.parse_classes(ds, "benign") == (0,)


def test_injected_sequences_and_tables_mark_exactly_the_changed_rows(small_seq, small_swiss):
    for ds in (small_seq, small_swiss):
        split = an.injected_split(ds, fraction=0.2, seed=3)
        changed = np.any(split.x_test != ds.x_test, axis=1)
        assert split.is_anomaly.sum() == round(0.2 * len(ds.x_test))
        assert not changed[~split.is_anomaly].any()  # untouched rows are normal
        assert changed[split.is_anomaly].mean() > 0.9  # (a spike on an already-clipped value may change nothing)
        assert split.x_test.min() >= 0 and split.x_test.max() <= 1
        np.testing.assert_array_equal(split.x_train, ds.x_train)  # training stays clean


def test_images_have_no_injection_protocol(small_digits):
    with pytest.raises(ValueError, match="one-class"):
        an.make_split(small_digits, "inject")
    with pytest.raises(ValueError, match="unknown protocol"):
        an.make_split(small_digits, "magic")


def test_a_trained_detector_scores_the_normal_class_lower(small_digits):
    split = an.one_class_split(small_digits, [0])
    _, scored, _ = an.detect(small_digits, split, "ae", latent_dim=4, epochs=15, seed=0)
    s = an.summary(scored)
    assert s["n_normal"] + s["n_anomalous"] == len(small_digits.x_test)
    assert s["auroc"] > 0.8  # zeros are easy to tell from the other digits, even for a tiny detector
    assert scored.threshold == pytest.approx(an.textbook_threshold(scored.train_errors))


def test_plots_carry_the_data(small_digits):
    truth = np.array([0, 1, 0, 1], dtype=bool)
    fig = ap.error_histogram(np.array([0.1, 0.4, 0.2, 0.5]), truth, 0.3, lang="en")
    assert [t.name for t in fig.data] == ["normal (2)", "anomalous (2)"]
    assert fig.layout.shapes[0].x0 == 0.3
    assert ap.confusion([[5, 1], [2, 3]], lang="en").data[0].z.tolist() == [[5, 1], [2, 3]]
    x = small_digits.x_test[:3]
    maps = ap.error_maps(x, x * 0.5, (x * 0.5) ** 2, small_digits.shape, ["a", "b", "c"], lang="en")
    assert len(maps.data) == 9 and maps.data[2].z.shape == (8, 8)


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_anomaly_prints_the_aucs_and_threshold_metrics(capsys):
    code, out, _ = _cli(capsys, "anomaly", "--dataset", "digits", "--model", "ae", "--normal-class", "1",
                        "--epochs", "2", "--latent-dim", "4", "--json")
    assert code == 0
    r = json.loads(out.strip().splitlines()[-1])
    assert {"auroc", "average_precision", "threshold", "precision", "recall", "f1", "n_normal",
            "n_anomalous"} <= set(r)
    assert r["protocol"] == "one-class" and r["n_normal"] == 36 and r["n_anomalous"] == 324
    assert 0 <= r["auroc"] <= 1 and r["threshold"] > 0


def test_cli_anomaly_injects_into_sequences(capsys, monkeypatch, small_seq):
    monkeypatch.setattr("aelib.cli.load_dataset", lambda *a, **k: small_seq)
    code, out, _ = _cli(capsys, "anomaly", "--dataset", "sines", "--model", "seq_ae", "--epochs", "1", "--json")
    r = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and r["protocol"] == "inject" and r["n_anomalous"] == 10


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "digits", "--normal-class", "12"], "unknown class '12'"),
    (["--dataset", "digits", "--model", "seq_ae"], "sequence model needs sequence data"),
    (["--dataset", "digits", "--model", "cvae"], "reads class labels"),
    (["--dataset", "digits", "--protocol", "inject"], "use the one-class protocol"),
])
def test_cli_anomaly_bad_input_is_a_message_and_exit_code_2(capsys, argv, message):
    code, out, err = _cli(capsys, "anomaly", *argv, "--epochs", "1")
    assert code == 2 and message in err and "Traceback" not in err


def test_tiny_conv_detector_runs_on_images(small_digits):
    split = an.one_class_split(shrink(small_digits, 300, 60), [3])
    net, scored, _ = an.detect(small_digits, split, "conv_ae", latent_dim=4, epochs=1, seed=0)
    assert net.cfg.model == "conv_ae" and net.cfg.latent_dim == 4 and scored.test_errors.shape == (60,)
    assert len(scored.train_errors) == (shrink(small_digits, 300, 60).y_train == 3).sum()


def _text_width(line: str) -> float:
    """A line's width in units of a Latin letter: CJK characters are about twice as wide."""
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in line)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_confusion_matrix_cell_words_fit_a_narrow_cell(lang):
    """Each cell's lines are at most 8 letters wide (about 60 px at 14 px), so "false alarms" cannot overflow into
    "e negat"; the textbook name is on hover."""
    fig = ap.confusion([[123456, 7], [89, 1000]], lang=lang).to_dict()
    cells = fig["data"][0]["text"]
    for row in cells:
        for text in row:
            number, *words = text.split("<br>")
            assert number.isdigit() and words
            assert all(_text_width(w) <= 8 for w in words), text
    assert "%{customdata}" in fig["data"][0]["hovertemplate"]
    assert fig["data"][0]["customdata"][0][1] == t("anomaly.plot.name_fp", lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_roc_and_pr_keep_titles_and_axis_titles_inside_the_figure(lang):
    """Short titles; axes that push the margins out to fit their labels; the legend below everything, in the
    figure's own bottom margin, not on the axis title."""
    x = np.linspace(0, 1, 11)
    for fig in (ap.roc_curve(x, x ** 0.5, 0.812, (0.1, 0.5), lang=lang),
                ap.pr_curve(x, 1 - 0.5 * x, 0.731, 0.3, (0.5, 0.8), lang=lang)):
        layout = fig.to_dict()["layout"]
        assert _text_width(layout["title"]["text"]) <= 24, layout["title"]["text"]
        assert layout["xaxis"]["automargin"] is True and layout["yaxis"]["automargin"] is True
        assert all(_text_width(line) <= 24 for line in layout["xaxis"]["title"]["text"].split("<br>"))
        assert layout["legend"]["yref"] == "container" and layout["legend"]["y"] == 0
        assert layout["margin"]["b"] >= 100


def test_error_colour_bar_labels_only_its_ends():
    x = np.random.default_rng(0).random((3, 16)).astype(np.float32)
    fig = ap.error_maps(x, x * 0.9, (x * 0.1) ** 2, (16,), ["a", "b", "c"], lang="en").to_dict()
    bars = [tr["colorbar"] for tr in fig["data"] if tr.get("showscale")]
    assert len(bars) == 1 and len(bars[0]["tickvals"]) == 2 and bars[0]["tickvals"][0] == 0
