"""The Compression page through AppTest: empty state, tiny coders trained on request, the chart and the images at
a budget, honest notes read off the library's numbers, and failures as messages."""
from __future__ import annotations

import pytest

from aelib.labs import compression
from aelib.train import TrainingDiverged
from appkit.compression_views import RESULT
from tests.app.test_pages import figure, fresh, on

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
    assert any("Train the coders" in i.value for i in at.info)
    assert not at.get("plotly_chart") and "quantised" in at.markdown[0].value


def test_the_button_trains_and_draws_the_rate_distortion_chart(trained):
    lab = trained.session_state[RESULT]
    assert lab.dataset == "digits" and lab.latent_dims == [2, 4] and "aelab_run" not in trained.session_state
    names = [t["name"] for t in chart(trained, "Quality against size")["data"]]
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
    ae = [t for t in chart(trained, "Quality against size")["data"] if t["name"].startswith("autoencoder")]
    assert all(len(t["x"]) == 1 for t in ae)
    trained.multiselect(key="cz_bits").set_value([]).run()
    assert any("at least one number of bits" in i.value for i in trained.info)
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
    assert any("Could not train the coders" in e.value and "diverged in epoch 1" in e.value for e in at.error)
    assert at.session_state[RESULT] is lab and any("differ from these coders" in i.value for i in at.info)
    at.multiselect(key="cz_latent").set_value([]).run()
    at.button(key="cz_train").click().run()
    assert any("choose at least one code size" in e.value for e in at.error) and at.session_state[RESULT] is lab
