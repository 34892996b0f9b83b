"""The Super-resolution page through AppTest: empty state, a tiny model trained on request (the Train page's
slot untouched), the shown PSNRs being the library's, and failures as messages."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.labs import superres
from aelib.train import TrainingDiverged
from appkit.resources import dataset
from appkit.superres_views import N_EVAL, RESULT
from tests.app.test_pages import figure, fresh, on

PAGE = "pages/9_Super_resolution.py"


def tiny_model(at, scale: int = 2):
    """A 1-epoch model on the 8×8 digits, trained from the page."""
    on(at, PAGE)
    at.selectbox(key="sr_dataset").set_value("digits").run()
    at.selectbox(key="sr_scale").set_value(scale).run()
    at.number_input(key="sr_epochs").set_value(1).run()
    at.button(key="sr_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture(scope="module")
def trained():
    return tiny_model(fresh())


def test_without_a_model_the_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert any("Train the super-resolution model" in i.value for i in at.info)
    assert not at.get("plotly_chart") and "bicubic" in at.markdown[0].value.lower()


def test_the_button_trains_and_shows_the_four_rows(trained):
    result = trained.session_state[RESULT]
    assert result.dataset == "digits" and result.scale == 2 and len(result.history) == 1
    assert "aelab_run" not in trained.session_state  # the Train page's model slot is left alone
    images = figure(trained.get("plotly_chart")[0])
    assert list(images["layout"]["yaxis"]["ticktext"]) == ["low-res 4×4", "bicubic", "model", "original"]
    assert "model against bicubic" in str(figure(trained.get("plotly_chart")[1])["layout"]["title"])


def test_shown_psnrs_are_the_library_s_numbers(trained):
    result = trained.session_state[RESULT]
    x = dataset("digits").x_test[:N_EVAL]
    r = superres.restore(result, x)
    assert metric(trained, "Bicubic (PSNR)") == f"{r['psnr_bicubic'].mean():.1f} dB"
    assert metric(trained, "Model (PSNR)") == f"{r['psnr_model'].mean():.1f} dB"
    behind = not r["psnr_model"].mean() > r["psnr_bicubic"].mean()
    assert any("does **not** beat bicubic" in w.value for w in trained.warning) == behind


def test_failed_training_is_a_message_and_keeps_the_previous_model(monkeypatch):
    at = tiny_model(fresh(), scale=4)
    result = at.session_state[RESULT]

    def diverge(*args, **kwargs):
        raise TrainingDiverged(1, 0)

    monkeypatch.setattr(superres, "fit", diverge)
    at.number_input(key="sr_epochs").set_value(2).run()
    at.button(key="sr_train").click().run()
    assert not at.exception
    assert any("Could not train the model" in e.value and "diverged in epoch 1" in e.value for e in at.error)
    assert at.session_state[RESULT] is result and np.isfinite(result.history[0].train["loss"])
    assert any("differ from this model" in i.value for i in at.info)
    assert not at.button(key="sr_train").disabled
