"""The Draw a digit page through AppTest. AppTest cannot draw on a canvas, so the drawing tests replace the
component's st_canvas with one that returns a real MNIST digit blown up to canvas size, RGBA, the way the
canvas hands its pixels over; everything after that is the page's own code. Then the same page in Chinese (?lang=zh)."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from aelib.data import load_dataset
from aelib.i18n import t
from aelib.labs.anomaly import per_sample_errors
from aelib.labs.draw import preprocess
from tests.app.helpers import figure, fresh, ok, on, prefix, tiny_run, values

PAGE = "pages/6_Draw_a_digit.py"


def train(at, dataset: str = "mnist5k", model: str = "ae", latent: int = 2, subset: int = 300):
    """A 1-epoch run on `subset` training samples (the held-out split stays whole)."""
    on(at, "pages/1_Train.py")
    at.number_input(key="train_subset").set_value(subset).run()
    return tiny_run(at, dataset=dataset, model=model, epochs=1, latent=latent)


def rgba(digit: np.ndarray, factor: int = 10) -> np.ndarray:
    big = np.round(np.kron(digit.reshape(28, 28), np.ones((factor, factor))) * 255).astype(np.uint8)
    return np.dstack([big, big, big, np.full_like(big, 255)])  # white ink on the page's black canvas


def grid(z) -> np.ndarray:
    """A heatmap's z from the figure JSON: plotly's typed 2-D array {"dtype", "bdata", "shape"} or nested lists."""
    if isinstance(z, dict):
        return values(z).reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.array([[np.nan if v is None else v for v in row] for row in z], dtype=float)


class FakeCanvas:
    def __init__(self, image: np.ndarray | None):
        self.image_data = image


@pytest.fixture(scope="module")
def mnist_session():
    return train(fresh())


@pytest.fixture
def draw(monkeypatch):
    """draw(at, image) shows the page with the canvas returning `image`. The component is imported by the page
    on its first run, so it is in sys.modules by then."""

    def show(at, image):
        on(at, PAGE)
        monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas",
                            lambda *a, **k: FakeCanvas(image))
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return show


def test_without_a_model_points_to_train():
    at = on(fresh(), PAGE)
    assert any(i.value == t("widgets.no_model", "en") for i in at.info)


def test_a_model_on_other_data_says_why_and_links_to_train():
    at = on(tiny_run(fresh(), dataset="digits", epochs=1), PAGE)
    message = " ".join(i.value for i in at.info)
    assert "28×28 greyscale images" in message and "1 × 8 × 8" in message
    assert not at.get("plotly_chart")


def test_the_real_canvas_renders_and_asks_for_a_drawing(mnist_session):
    at = on(mnist_session, PAGE)
    assert any(i.value == t("draw.prompt", "en") for i in at.info)
    assert not at.get("plotly_chart")


def test_a_drawn_digit_is_read_scored_placed_and_matched(mnist_session, draw):
    digit = load_dataset("mnist5k").x_test[0]
    at = draw(mnist_session, rgba(digit))
    run = at.session_state["aelab_run"]
    seen = preprocess(rgba(digit))
    images, scatter, neighbours = (figure(c) for c in at.get("plotly_chart"))
    mosaic = grid(images["data"][0]["z"])
    assert np.allclose(mosaic[:28, :28], seen[0], atol=1e-5)  # "what the model sees" is the preprocessed drawing
    error = per_sample_errors(run.model, seen.reshape(1, -1))[0]
    assert at.metric[0].value == f"{error:.4f}"
    threshold = float(at.metric[1].value)
    assert (at.warning if error > threshold else at.success)  # the verdict matches the numbers
    star = scatter["data"][-1]
    assert star["name"] == "your drawing" and star["marker"]["symbol"] == "star"
    assert sum(len(values(t["x"])) for t in scatter["data"][:-1]) == 1000  # every test sample, plus the drawing
    assert len(images["data"]) == 1 and len(neighbours["data"]) == 1
    classes = next(c.value for c in at.caption if c.value.startswith("Classes, nearest first"))
    assert classes.count(",") >= 7  # eight neighbours named


def test_an_empty_canvas_is_a_message_and_keeps_the_model(mnist_session, draw):
    before = mnist_session.session_state["aelab_run"]
    at = draw(mnist_session, np.zeros((280, 280, 4), np.uint8))
    assert any(i.value == t("draw.empty", "en") for i in at.info)
    assert at.session_state["aelab_run"] is before


def test_a_conditional_model_asks_which_digit(draw):
    at = train(fresh(), model="cvae", subset=200)
    at = draw(at, rgba(load_dataset("mnist5k").x_test[1]))
    assert at.selectbox(key="draw_label").value == 0
    at.selectbox(key="draw_label").set_value(7).run()
    assert not at.exception and len(at.get("plotly_chart")) == 3


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


@pytest.fixture(scope="module")
def mnist_zh():
    """A Chinese session with a 1-epoch AE on 300 MNIST digits (the smallest run test_draw.py trains)."""
    return train(fresh("zh"))


def test_the_draw_page_speaks_chinese_before_a_drawing(mnist_zh):
    at = ok(on(mnist_zh, PAGE))
    assert at.title[0].value == t("draw.title", "zh") != t("draw.title", "en")
    assert any(m.value == t("draw.instructions", "zh") for m in at.markdown)
    assert any(i.value == t("draw.prompt", "zh") for i in at.info)


def test_a_drawing_is_read_in_chinese(mnist_zh, monkeypatch):
    on(mnist_zh, PAGE)
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas",
                        lambda *a, **k: FakeCanvas(rgba(load_dataset("mnist5k").x_test[0])))
    at = ok(mnist_zh.run())
    assert [m.label for m in at.metric] == [t("draw.error", "zh"), t("draw.threshold", "zh")]
    verdict = [*at.warning, *at.success][0].value
    assert verdict.startswith((prefix("draw.unusual", "zh", share=...), prefix("draw.familiar", "zh", share=...)))
    assert any(m.value == t("draw.nearest_heading", "zh") for m in at.markdown)
    assert any(c.value == t("draw.preprocessed", "zh") for c in at.caption)
    assert any(c.value.startswith(prefix("draw.nearest_classes", "zh", classes=...)) and "、" in c.value
               for c in at.caption)
    images, scatter, neighbours = (figure(c) for c in at.get("plotly_chart"))
    assert images["layout"]["yaxis"]["ticktext"] == [t("draw.row_seen", "zh"), t("draw.row_recon", "zh")]
    assert scatter["layout"]["title"]["text"] == t("draw.scatter_title", "zh")
    assert scatter["data"][-1]["name"] == t("draw.your_drawing", "zh")
    assert neighbours["layout"]["yaxis"]["ticktext"] == [t("draw.row_nearest", "zh")]


def test_an_empty_drawing_is_a_chinese_message(mnist_zh, monkeypatch):
    on(mnist_zh, PAGE)
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas",
                        lambda *a, **k: FakeCanvas(np.zeros((280, 280, 4), np.uint8)))
    at = ok(mnist_zh.run())
    assert [i.value for i in at.info] == [t("draw.empty", "zh")]


def test_a_model_on_other_data_is_told_why_in_chinese():
    at = ok(on(tiny_run(fresh("zh"), dataset="digits", epochs=1), PAGE))
    assert [i.value for i in at.info] == [t("draw.not_drawable", "zh", dataset="digits", shape="1 × 8 × 8")]
