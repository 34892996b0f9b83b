"""The anomaly page through AppTest: empty state, a tiny detector run, the live threshold, and bad input;
then the same page in Chinese (?lang=zh), every word from the tables."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.i18n import t
from aelib.labs import anomaly as an
from appkit.anomaly_views import RUN
from tests.app.helpers import figure, fits, fresh, on, titles, values

PAGE = "pages/4_Anomaly.py"


def train_tiny_detector(at):
    """On the Anomaly page: a 2-epoch dense detector for the digit 1 on the 8×8 digits."""
    at.selectbox(key="an_dataset").set_value("digits").run()
    at.multiselect(key="an_normal").set_value(["1"]).run()
    at.selectbox(key="an_model").set_value("ae").run()
    at.number_input(key="an_latent").set_value(4).run()
    at.number_input(key="an_epochs").set_value(2).run()
    at.button(key="an_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def trained():
    return train_tiny_detector(on(fresh(), PAGE))


def test_empty_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert at.title[0].value == t("anomaly.title", "en")
    assert any(i.value == t("anomaly.empty", "en") for i in at.info)
    assert not at.button(key="an_train").disabled
    assert not at.get("plotly_chart")


def test_tiny_run_shows_histogram_metrics_curves_and_heat_maps(trained):
    assert any(fits(s.value, "anomaly.trained", "en", n=146, epochs=2) for s in trained.success)
    run = trained.session_state[RUN]
    assert len(run.history) == 2 and run.status == "finished"
    assert trained.slider(key="an_threshold").value == pytest.approx(run.scored.threshold)
    assert "aelab_run" not in trained.session_state  # the Train page's model is not touched
    charts = [figure(c) for c in trained.get("plotly_chart")]
    assert len(charts) == 6  # histogram, confusion, ROC, PR, worst, missed
    hist = charts[0]
    counts = sorted(len(values(t["x"])) for t in hist["data"])
    assert counts == [36, 324]  # the held-out 1s and the held-out other digits
    roc = charts[2]
    assert "AUC" in roc["layout"]["title"]["text"]
    assert [m.label for m in trained.metric][:3] == ["Precision", "Recall", "F1"]


def test_moving_the_threshold_updates_the_metrics(trained):
    run = trained.session_state[RUN]
    low = float(np.quantile(run.scored.test_errors, 0.05))
    before = {m.label: m.value for m in trained.metric}
    trained.slider(key="an_threshold").set_value(low).run()
    after = {m.label: m.value for m in trained.metric}
    expected = an.metrics_at(run.scored.test_errors, run.scored.is_anomaly, trained.slider(key="an_threshold").value)
    assert after["Recall"] == f"{expected['recall']:.3f}" and after["Precision"] == f"{expected['precision']:.3f}"
    assert float(after["Recall"]) > float(before["Recall"])  # a lower threshold flags more anomalies
    confusion = values(figure(trained.get("plotly_chart")[1])["data"][0]["z"]).reshape(2, 2)
    assert confusion.tolist() == expected["confusion"]


def test_a_model_that_does_not_fit_the_data_is_a_message():
    at = on(fresh(), PAGE)
    at.selectbox(key="an_dataset").set_value("breast_cancer").run()
    at.selectbox(key="an_model").set_value("conv_ae").run()
    assert not at.exception
    needs_images = t("anomaly.cannot_train", "en", error=t("error.conv_needs_images", "en", shape=(30,)))
    assert [e.value for e in at.error] == [needs_images]
    assert at.button(key="an_train").disabled


def test_no_normal_class_is_a_message():
    at = on(fresh(), PAGE)
    at.multiselect(key="an_normal").set_value([]).run()
    assert [e.value for e in at.error] == [t("anomaly.cannot_train", "en", error=t("anomaly.error.no_normal", "en"))]
    assert at.button(key="an_train").disabled


def test_sequences_default_to_injected_anomalies_with_a_sequence_model():
    at = on(fresh(), PAGE)
    at.selectbox(key="an_dataset").set_value("sines").run()
    assert at.radio(key="an_protocol").value == "inject" and at.selectbox(key="an_model").value == "seq_ae"
    assert any("60 of 600 held-out samples" in c.value for c in at.caption)
    assert not at.error and not at.button(key="an_train").disabled


def test_a_table_detector_trains_and_shows_its_rows():
    at = on(fresh(), PAGE)
    at.selectbox(key="an_dataset").set_value("breast_cancer").run()
    assert at.selectbox(key="an_model").value == "ae" and at.multiselect(key="an_normal").value == ["0"]
    at.number_input(key="an_epochs").set_value(2).run()
    at.button(key="an_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    hist = figure(at.get("plotly_chart")[0])
    assert sorted(len(values(t["x"])) for t in hist["data"]) == [42, 72]  # malignant vs benign, held out
    maps = figure(at.get("plotly_chart")[4])
    assert len(maps["data"]) == 3 * 8  # original, reconstruction, error for the 8 worst rows


def test_leaving_the_page_keeps_the_detector(trained):
    run = trained.session_state[RUN]
    on(trained, "pages/1_Train.py")
    on(trained, PAGE)
    assert trained.session_state[RUN] is run and len(trained.get("plotly_chart")) == 6
    assert trained.slider(key="an_threshold").value > 0  # never back at 0, which would flag every sample


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


@pytest.fixture(scope="module")
def anomaly_zh():
    """The digit 1 as the normal class on the 8×8 digits: a 2-epoch dense detector, trained in Chinese."""
    return train_tiny_detector(on(fresh("zh"), PAGE))


def test_the_anomaly_page_speaks_chinese_before_training():
    at = on(fresh("zh"), PAGE)
    assert at.title[0].value == t("anomaly.title", "zh") != t("anomaly.title", "en")
    assert any(m.value == t("anomaly.intro", "zh") for m in at.markdown)
    assert [i.value for i in at.info] == [t("anomaly.empty", "zh")]
    assert at.radio(key="an_protocol").label == t("anomaly.protocol", "zh")
    assert list(at.radio(key="an_protocol").options) == [t("anomaly.protocol.one_class", "zh"),
                                                         t("anomaly.protocol.inject", "zh")]
    assert at.button(key="an_train").label == t("anomaly.train", "zh")
    assert any(c.value == t("anomaly.protocol.one_class_caption", "zh") for c in at.caption)


def test_anomaly_input_errors_are_chinese():
    at = on(fresh("zh"), PAGE)
    at.multiselect(key="an_normal").set_value([]).run()
    no_normal = t("anomaly.cannot_train", "zh", error=t("anomaly.error.no_normal", "zh"))
    assert [e.value for e in at.error] == [no_normal]
    at.multiselect(key="an_normal").set_value(["0"]).run()
    at.selectbox(key="an_dataset").set_value("breast_cancer").run()
    at.selectbox(key="an_model").set_value("conv_ae").run()
    assert not at.exception
    assert at.error[0].value.startswith(t("anomaly.cannot_train", "zh", error="卷积模型需要图像数据"))
    assert at.button(key="an_train").disabled


def test_anomaly_results_are_chinese(anomaly_zh):
    at = anomaly_zh
    assert at.success[0].value.startswith(t("anomaly.trained", "zh", n="146", epochs=2, seconds="").split("，")[0])
    assert [m.label for m in at.metric] == [t(k, "zh") for k in ("anomaly.precision", "anomaly.recall",
                                                                 "anomaly.f1", "anomaly.textbook")]
    assert at.slider(key="an_threshold").label == t("anomaly.threshold", "zh")
    assert [s.value for s in at.subheader] == [t("anomaly.worst", "zh"), t("anomaly.missed", "zh")]
    captions = [c.value for c in at.caption]
    assert t("anomaly.curves_caption", "zh") in captions
    assert t("anomaly.worst_caption", "zh") in captions
    assert t("anomaly.missed_caption", "zh", example=t("anomaly.missed_example", "zh")) in captions
    assert any(c.startswith("检测器") and "正常：1（146 个训练样本）" in c for c in captions)
    charts = titles(at)
    assert charts[0] == t("anomaly.plot.hist_title", "zh")
    assert charts[1] == t("anomaly.plot.cm_title", "zh")
    assert charts[2].startswith("ROC 曲线") and charts[3].startswith("PR 曲线")
    hist = figure(at.get("plotly_chart")[0])
    assert sorted(tr["name"] for tr in hist["data"]) == ["异常 (324)", "正常 (36)"]
    maps = figure(at.get("plotly_chart")[4])
    assert any("误差" in a.get("text", "") for a in maps["layout"]["annotations"])


def test_the_confusion_matrix_and_curves_are_laid_out_two_to_a_row(trained):
    """Three charts side by side left the matrix's words and the curves' titles cut off: at most two to a row, short
    words in the cells, the full names on hover."""
    charts = [figure(c) for c in trained.get("plotly_chart")]
    matrix = next(f for f in charts if f["data"][0].get("type") == "heatmap" and f["data"][0].get("customdata"))
    words = [line for row in matrix["data"][0]["text"] for cell in row for line in cell.split("<br>")[1:]]
    assert words and max(len(w) for w in words) <= 8
    titles_ = [str(f["layout"].get("title", {}).get("text", "")) for f in charts]
    assert any(x.startswith("ROC · AUC") for x in titles_) and any(x.startswith("PR curve · AP") for x in titles_)
