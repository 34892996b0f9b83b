"""The Compression page through AppTest: empty state, tiny coders trained on request, the chart and the images at
a budget, honest notes read off the library's numbers, and failures as messages; then the
same page in Chinese (?lang=zh)."""
from __future__ import annotations

import pytest

from aelib.i18n import t
from aelib.labs import compression
from aelib.train import TrainingDiverged
from appkit.compression_views import RESULT
from tests.app.helpers import assert_chinese, chart_titled, chinese_page, figure, fresh, on, prefix

PAGE = "pages/10_Compression.py"


def tiny_lab(at):
    """1-epoch autoencoders with codes of 2 and 4 numbers on the 8×8 digits, trained from the page."""
    on(at, PAGE)
    at.selectbox(key="cz_dataset").set_value("digits").run()
    at.multiselect(key="cz_latent").set_value([2, 4]).run()
    at.number_input(key="cz_epochs").set_value(1).run()
    at.button(key="cz_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart(at, words: str) -> dict:
    return next(figure(c) for c in at.get("plotly_chart") if words in str(figure(c)["layout"].get("title")))


@pytest.fixture(scope="module")
def trained():
    return tiny_lab(fresh())


def test_without_coders_the_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert any(i.value == t("compression.empty", "en") for i in at.info)
    assert not at.get("plotly_chart") and "quantised" in at.markdown[0].value


def test_the_button_trains_and_draws_the_rate_distortion_chart(trained):
    lab = trained.session_state[RESULT]
    assert lab.dataset == "digits" and lab.latent_dims == [2, 4] and "aelab_run" not in trained.session_state
    names = [tr["name"] for tr in chart(trained, t("compression.chart_title", "en"))["data"]]
    assert names == ["autoencoder, 2 numbers", "autoencoder, 4 numbers", "PCA, 2 numbers", "PCA, 4 numbers",
                     "JPEG (whole file)", "JPEG (data only)"]
    assert any("JPEG file is never smaller" in m.value for m in trained.markdown)
    assert len(trained.dataframe) == 1


def test_the_budget_and_bits_rerender_without_retraining(trained, monkeypatch):
    monkeypatch.setattr(compression, "build_lab", lambda *a, **k: pytest.fail("retrained"))
    lab = trained.session_state[RESULT]
    trained.select_slider(key="cz_budget").set_value(512).run()
    assert not trained.exception and trained.session_state[RESULT] is lab
    rows = figure(trained.get("plotly_chart")[1])["layout"]["yaxis"]["ticktext"]
    assert rows[0] == "original" and any(r.startswith("JPEG (whole file)") for r in rows)
    trained.multiselect(key="cz_bits").set_value([1]).run()
    assert not trained.exception
    traces = chart(trained, t("compression.chart_title", "en"))["data"]
    ae = [tr for tr in traces if tr["name"].startswith("autoencoder")]
    assert all(len(tr["x"]) == 1 for tr in ae)
    trained.multiselect(key="cz_bits").set_value([]).run()
    assert any(i.value == t("compression.no_bits", "en") for i in trained.info)
    trained.multiselect(key="cz_bits").set_value([2, 4, 6, 8]).run()


def test_failed_training_is_a_message_and_keeps_the_previous_coders(monkeypatch):
    at = tiny_lab(fresh())
    lab = at.session_state[RESULT]

    def diverge(*args, **kwargs):
        raise TrainingDiverged(1, 0)

    monkeypatch.setattr(compression, "build_lab", diverge)
    at.number_input(key="cz_epochs").set_value(2).run()
    at.button(key="cz_train").click().run()
    assert not at.exception
    diverged = prefix("error.diverged", "en", epoch=1)
    assert any(e.value.startswith(t("compression.error", "en", error=diverged)) for e in at.error)
    assert at.session_state[RESULT] is lab and any(i.value == t("compression.stale", "en") for i in at.info)
    at.multiselect(key="cz_latent").set_value([]).run()
    at.button(key="cz_train").click().run()
    assert any(t("compression.no_sizes", "en") in e.value for e in at.error) and at.session_state[RESULT] is lab


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_compression_page_in_chinese():
    at = chinese_page(PAGE, "compression")
    assert at.button(key="cz_train").label == t("compression.train", "zh")
    data = at.selectbox(key="cz_dataset")
    assert data.label == t("lab.data", "zh") and t("data.digits.title", "zh") in data.options

    tiny_lab(at)
    assert_chinese(at)
    assert at.subheader[0].value == t("compression.results", "zh")
    names = [d["name"] for d in chart_titled(at, t("compression.chart_title", "zh"))["data"]]
    assert names[0] == t("compression.trace", "zh", method=t("compression.method.ae", "zh"), size=2)
    assert t("compression.method.jpeg_data", "zh") in names
    rows = figure(at.get("plotly_chart")[1])["layout"]["yaxis"]["ticktext"]
    assert rows[0] == t("compression.original", "zh")
    assert t("compression.col_budget", "zh") in at.dataframe[0].value.columns

    at.multiselect(key="cz_bits").set_value([]).run()
    assert any(i.value == t("compression.no_bits", "zh") for i in at.info)
