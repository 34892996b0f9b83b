"""The Anomaly detection and Denoising pages in Chinese (?lang=zh): the page's own words, the messages, the results
after a tiny training run and the figures all come from the zh tables."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from appkit.denoising_views import N_EVAL
from appkit.resources import dataset
from tests.app.test_anomaly_page import train_tiny_detector
from tests.app.test_denoise_page import tiny_pair
from tests.app.test_pages import figure, fresh, on

ANOMALY, DENOISE = "pages/4_Anomaly.py", "pages/5_Denoising.py"




def titles(at: AppTest) -> list[str]:
    return [str(figure(c)["layout"].get("title", {}).get("text", "")) for c in at.get("plotly_chart")]


@pytest.fixture(scope="module")
def anomaly_zh():
    """The digit 1 as the normal class on the 8×8 digits: a 2-epoch dense detector, trained in Chinese."""
    return train_tiny_detector(on(fresh("zh"), ANOMALY))


def test_the_anomaly_page_speaks_chinese_before_training():
    at = on(fresh("zh"), ANOMALY)
    assert at.title[0].value == t("anomaly.title", "zh") != t("anomaly.title", "en")
    assert any(m.value == t("anomaly.intro", "zh") for m in at.markdown)
    assert [i.value for i in at.info] == [t("anomaly.empty", "zh")]
    assert at.radio(key="an_protocol").label == t("anomaly.protocol", "zh")
    assert list(at.radio(key="an_protocol").options) == [t("anomaly.protocol.one_class", "zh"),
                                                         t("anomaly.protocol.inject", "zh")]
    assert at.button(key="an_train").label == t("anomaly.train", "zh")
    assert any(c.value == t("anomaly.protocol.one_class_caption", "zh") for c in at.caption)


def test_anomaly_input_errors_are_chinese():
    at = on(fresh("zh"), ANOMALY)
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
    assert charts[2].startswith("ROC 曲线") and charts[3].startswith("精确率-召回率曲线")
    hist = figure(at.get("plotly_chart")[0])
    assert sorted(tr["name"] for tr in hist["data"]) == ["异常 (324)", "正常 (36)"]
    maps = figure(at.get("plotly_chart")[4])
    assert any("误差" in a.get("text", "") for a in maps["layout"]["annotations"])




def test_the_denoising_page_speaks_chinese_before_and_after_training():
    at = on(fresh("zh"), DENOISE)
    assert at.title[0].value == t("denoising.title", "zh") != t("denoising.title", "en")
    assert any(m.value == t("denoising.intro", "zh") for m in at.markdown)
    assert [i.value for i in at.info] == [t("denoising.empty", "zh")]
    assert at.button(key="dn_train").label == t("denoising.train", "zh")
    assert list(at.selectbox(key="dn_noise").options) == [t(f"denoising.noise.{k}", "zh")
                                                          for k in ("gaussian", "salt_pepper", "mask")]

    at = tiny_pair(fresh("zh"))
    assert [m.label for m in at.metric] == [t("denoising.metric_noisy", "zh"), t("denoising.metric_dae", "zh"),
                                            t("denoising.metric_plain", "zh")]
    assert at.subheader[0].value == t("denoising.rows_heading", "zh")
    captions = " ".join(c.value for c in at.caption)
    assert t("denoising.curve_note", "zh", n=len(dataset("digits").x_test[:N_EVAL])) in captions
    assert t("origin.here", "zh") in captions
    images = figure(at.get("plotly_chart")[0])
    assert list(images["layout"]["yaxis"]["ticktext"]) == [t(f"denoising.row_{k}", "zh")
                                                           for k in ("noisy", "dae", "plain", "clean")]
    assert titles(at)[1] == t("denoising.curve_title", "zh", noise=t("denoising.noise.gaussian", "zh"))
    assert all(not m.delta or m.delta.endswith("（相比含噪输入）") for m in at.metric)
