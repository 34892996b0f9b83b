"""The Draw a digit and Your data pages in Chinese (?lang=zh): titles, instructions, messages and the results of
a drawing or an upload come from the tables."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelib.data import load_dataset
from aelib.i18n import t
from tests.app.test_draw import FakeCanvas, rgba, train
from tests.app.test_pages import figure, fresh, on, tiny_run
from tests.app.test_your_data import digit_zip, pets

DRAW, YOUR_DATA = "pages/6_Draw_a_digit.py", "pages/7_Your_data.py"



def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def prefix(key: str, **fmt: object) -> str:
    """The Chinese text of `key` up to its first placeholder (what a message with other values starts with)."""
    return t(key, "zh", **{k: "\0" for k in fmt}).split("\0")[0]


@pytest.fixture(scope="module")
def mnist_zh():
    """A Chinese session with a 1-epoch AE on 300 MNIST digits (the smallest run test_draw.py trains)."""
    return train(fresh("zh"))


def test_the_draw_page_speaks_chinese_before_a_drawing(mnist_zh):
    at = ok(on(mnist_zh, DRAW))
    assert at.title[0].value == t("draw.title", "zh") != t("draw.title", "en")
    assert any(m.value == t("draw.instructions", "zh") for m in at.markdown)
    assert any(i.value == t("draw.prompt", "zh") for i in at.info)


def test_a_drawing_is_read_in_chinese(mnist_zh, monkeypatch):
    on(mnist_zh, DRAW)
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas",
                        lambda *a, **k: FakeCanvas(rgba(load_dataset("mnist5k").x_test[0])))
    at = ok(mnist_zh.run())
    assert [m.label for m in at.metric] == [t("draw.error", "zh"), t("draw.threshold", "zh")]
    verdict = [*at.warning, *at.success][0].value
    assert verdict.startswith((prefix("draw.unusual", share=0), prefix("draw.familiar", share=0)))
    assert any(m.value == t("draw.nearest_heading", "zh") for m in at.markdown)
    assert any(c.value == t("draw.preprocessed", "zh") for c in at.caption)
    assert any(c.value.startswith(prefix("draw.nearest_classes", classes=0)) and "、" in c.value
               for c in at.caption)
    images, scatter, neighbours = (figure(c) for c in at.get("plotly_chart"))
    assert images["layout"]["yaxis"]["ticktext"] == [t("draw.row_seen", "zh"), t("draw.row_recon", "zh")]
    assert scatter["layout"]["title"]["text"] == t("draw.scatter_title", "zh")
    assert scatter["data"][-1]["name"] == t("draw.your_drawing", "zh")
    assert neighbours["layout"]["yaxis"]["ticktext"] == [t("draw.row_nearest", "zh")]


def test_an_empty_drawing_is_a_chinese_message(mnist_zh, monkeypatch):
    on(mnist_zh, DRAW)
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas",
                        lambda *a, **k: FakeCanvas(np.zeros((280, 280, 4), np.uint8)))
    at = ok(mnist_zh.run())
    assert [i.value for i in at.info] == [t("draw.empty", "zh")]


def test_a_model_on_other_data_is_told_why_in_chinese():
    at = ok(on(tiny_run(fresh("zh"), dataset="digits", epochs=1), DRAW))
    assert [i.value for i in at.info] == [t("draw.not_drawable", "zh", dataset="digits", shape="1 × 8 × 8")]


def test_the_your_data_page_speaks_chinese():
    at = ok(on(fresh("zh"), YOUR_DATA))
    assert at.title[0].value == t("your_data.title", "zh")
    assert any(m.value == t("your_data.intro", "zh") for m in at.markdown)
    assert [tab.label for tab in at.tabs] == [t("your_data.tab_csv", "zh"), t("your_data.tab_images", "zh")]
    assert any(c.value == t("your_data.none_yet", "zh") for c in at.caption)
    assert at.subheader[0].value == t("your_data.yours", "zh")


def test_a_csv_upload_is_checked_previewed_and_added_in_chinese():
    at = on(fresh("zh"), YOUR_DATA)
    at.file_uploader(key="upload_csv").set_value(("pets.csv", pets(90), "text/csv")).run()
    ok(at)
    assert at.selectbox(key="upload_label").label == t("your_data.label_column", "zh")
    assert at.selectbox(key="upload_label").options[0] == t("your_data.no_label", "zh")
    error = at.error[0].value  # the label column is not numeric until it is chosen as the label
    reason = t("your_data.not_numeric_one", "zh", names="“kind”", example="cat", column="kind")  # in Chinese too
    assert error == t("your_data.upload_error", "zh", detail=reason)
    at.selectbox(key="upload_label").set_value("kind").run()
    ok(at)
    assert not at.error and at.success[0].value.startswith(prefix("your_data.ready", source=0))
    assert [m.label for m in at.metric] == [t(k, "zh") for k in ("your_data.shape", "your_data.split",
                                                                   "your_data.classes")]
    assert at.button(key="upload_add").label == t("your_data.add", "zh")
    at.button(key="upload_add").click().run()
    ok(at)
    name = t("your_data.dataset_title", "zh", name="pets.csv")
    assert any(m.value.startswith(f"**{name}**") for m in at.markdown)
    assert at.button(key="upload_remove_yours: pets.csv").label == t("your_data.remove", "zh")
    assert any(c.value == t("your_data.session_only", "zh") for c in at.caption)
    at.file_uploader(key="upload_csv").set_value(("pets.csv", pets(90), "text/csv")).run()
    at.selectbox(key="upload_label").set_value("kind").run()
    assert [i.value for i in at.info] == [t("your_data.already_added", "zh", title=name)]
    on(at, "pages/1_Train.py")  # the Train page's picker names the set in Chinese too
    assert name in at.selectbox(key="dataset").options


def test_an_image_upload_is_previewed_in_chinese():
    at = on(fresh("zh"), YOUR_DATA)
    at.file_uploader(key="upload_images").set_value(("digits.zip", digit_zip(), "application/zip")).run()
    ok(at)
    assert [m.value for m in at.metric] == ["1 × 8 × 8", "32 / 8", "2"]
    preview = figure(at.get("plotly_chart")[0])
    assert preview["layout"]["yaxis"]["ticktext"] == [t("your_data.row_training", "zh")]
