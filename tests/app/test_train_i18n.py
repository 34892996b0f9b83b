"""The Train page in Chinese (?lang=zh): its title, inputs, hints, warnings and a finished run's results all come
from the string tables, and the sidebar no longer says the page is English only."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.train import pick_device
from appkit.i18n import LANG
from tests.app.test_pages import figure, fresh, on, tiny_run

TRAIN = "pages/1_Train.py"


def chinese() -> AppTest:
    """A new session opened with ?lang=zh, on the Train page."""
    return on(fresh("zh"), TRAIN)


@pytest.fixture(scope="module")
def trained_zh() -> AppTest:
    """A Chinese session with a finished 2-epoch run on the 8×8 digits (the smallest run test_pages trains)."""
    at = tiny_run(chinese())
    assert at.session_state[LANG] == "zh"
    return at


def test_the_train_page_speaks_chinese_before_training():
    at = chinese()
    assert at.title[0].value == t("train.title", "zh") != t("train.title", "en")
    assert any(i.value == t("train.default_hint", "zh") for i in at.info)
    assert at.button(key="train").label == t("train.button", "zh")
    assert at.selectbox(key="dataset").label == t("widgets.data", "zh")
    assert at.selectbox(key="model").label == t("controls.model", "zh")
    assert t("family.ae.title", "zh") in at.selectbox(key="model").options  # names built before format_func
    assert at.number_input(key="latent_dim").label == t("controls.latent", "zh")
    assert at.number_input(key="epochs").label == t("controls.epochs", "zh")
    assert at.select_slider(key="lr").help == t("controls.lr_help", "zh")
    assert any(c.value == t("family.ae.summary", "zh") for c in at.caption)


def test_warnings_and_errors_are_chinese():
    at = chinese()
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="latent_dim").set_value(64).run()
    assert any(w.value == t("warn.no_bottleneck", "zh", latent=64, inputs=64) for w in at.warning)
    at.selectbox(key="dataset").set_value("swiss_roll").run()
    at.selectbox(key="model").set_value("conv_ae").run()
    assert not at.exception
    reason = t("error.conv_needs_images", "zh", shape=(20,))  # aelib's reason, said in Chinese too
    assert [e.value for e in at.error] == [t("train.cannot", "zh", error=reason)]
    assert at.button(key="train").disabled


def test_a_finished_run_reports_in_chinese(trained_zh):
    at = trained_zh
    run = at.session_state["aelab_run"]
    device = t(f"training.device.{pick_device(run.train_cfg.device).type}", "zh")
    assert [s.value for s in at.success] == [t("training.finished", "zh", n=2, s=f"{run.seconds:.1f}",
                                               device=device)]
    assert [m.label for m in at.metric] == [t(k, "zh") for k in ("train.metric_mse", "train.metric_knn",
                                                                  "train.metric_trust", "train.metric_time")]
    status = t("widgets.status.finished", "zh")
    assert any(c.value.startswith("你的模型：") and f"2 / 2 轮（{status}）" in c.value for c in at.caption)
    split = t("plots.split.test", "zh")
    assert any(c.value == t("training.loss_caption", "zh", loss=t("controls.recon_bce", "zh"), n=64, split=split)
               for c in at.caption)
    curves, grid = (figure(c) for c in at.get("plotly_chart")[:2])
    assert {trace["name"] for trace in curves["data"]} == {t("plots.split.training", "zh"), split}
    assert [a["text"] for a in curves["layout"]["annotations"]] == [t("plots.term.loss", "zh")]
    assert curves["layout"]["xaxis"]["title"]["text"] == t("plots.epoch", "zh")
    assert grid["layout"]["yaxis"]["ticktext"] == [t("plots.original", "zh"), t("plots.reconstruction", "zh")]


def test_changed_settings_are_pointed_out_in_chinese(trained_zh):
    at = trained_zh
    at.number_input(key="latent_dim").set_value(3).run()
    assert any(i.value == t("train.differs", "zh") for i in at.info)
    at.number_input(key="latent_dim").set_value(2).run()  # leave the shared session as it was


def test_the_finished_message_follows_a_language_switch(trained_zh):
    at = trained_zh
    run = at.session_state["aelab_run"]
    device = pick_device(run.train_cfg.device).type
    at.sidebar.segmented_control(key="lang_picker").set_value("en").run()
    try:
        assert [s.value for s in at.success] == [t("training.finished", "en", n=2, s=f"{run.seconds:.1f}",
                                                   device=t(f"training.device.{device}", "en"))]
    finally:
        at.sidebar.segmented_control(key="lang_picker").set_value("zh").run()  # leave the shared session as it was
    assert CJK_FULL_STOP in at.success[0].value


CJK_FULL_STOP = "。"
