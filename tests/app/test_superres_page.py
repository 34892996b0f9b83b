"""The Super-resolution page through AppTest: empty state, a tiny model trained on request (the Train page's
slot untouched), the shown PSNRs being the library's, and failures as messages; then the
same page in Chinese (?lang=zh)."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.i18n import t
from aelib.labs import superres
from aelib.train import TrainingDiverged
from appkit.resources import dataset
from appkit.superres_views import N_EVAL, RESULT
from tests.app.helpers import figure, fresh, on, prefix, rows_of, zh

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
    assert any(i.value == t("superres.empty", "en") for i in at.info)
    assert not at.get("plotly_chart") and "bicubic" in at.markdown[0].value.lower()


def test_the_button_trains_and_shows_the_four_rows(trained):
    result = trained.session_state[RESULT]
    assert result.dataset == "digits" and result.scale == 2 and len(result.history) == 1
    assert "aelab_run" not in trained.session_state  # the Train page's model slot is left alone
    images = figure(trained.get("plotly_chart")[0])
    assert list(images["layout"]["yaxis"]["ticktext"]) == ["low-res 4×4", "bicubic", "model", "original"]
    assert figure(trained.get("plotly_chart")[1])["layout"]["title"]["text"] == t("superres.plot_title", "en", scale=2)


def test_shown_psnrs_are_the_library_s_numbers(trained):
    result = trained.session_state[RESULT]
    x = dataset("digits").x_test[:N_EVAL]
    r = superres.restore(result, x)
    assert metric(trained, t("superres.metric_bicubic", "en")) == f"{r['psnr_bicubic'].mean():.1f} dB"
    assert metric(trained, t("superres.metric_model", "en")) == f"{r['psnr_model'].mean():.1f} dB"
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
    diverged = prefix("error.diverged", "en", epoch=1)
    assert any(e.value.startswith(t("superres.train_failed", "en", error=diverged)) for e in at.error)
    assert at.session_state[RESULT] is result and np.isfinite(result.history[0].train["loss"])
    assert any(i.value == t("superres.settings_differ", "en") for i in at.info)
    assert not at.button(key="sr_train").disabled


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_super_resolution_page_speaks_chinese_before_and_after_training():
    at = on(fresh("zh"), PAGE)
    assert at.title[0].value == zh("superres.title")
    assert at.markdown[0].value == zh("superres.intro")
    assert zh("superres.psnr_caption") in [c.value for c in at.caption]
    assert [i.value for i in at.info] == [zh("superres.empty")]
    assert at.button(key="sr_train").label == zh("superres.train")
    assert at.selectbox(key="sr_scale").options == [zh("superres.scale_option", s=s) for s in (2, 4)]
    at.selectbox(key="sr_dataset").set_value("digits").run()
    at.selectbox(key="sr_scale").set_value(2).run()
    at.number_input(key="sr_epochs").set_value(1).run()
    at.button(key="sr_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value == zh("superres.rows_header")
    images, scatter = (figure(c) for c in at.get("plotly_chart"))
    assert rows_of(images) == [zh("superres.row_low", h=4, w=4), zh("superres.row_bicubic"), zh("superres.row_model"),
                               zh("superres.row_original")]
    assert scatter["layout"]["title"]["text"] == zh("superres.plot_title", scale=2)
    assert scatter["layout"]["xaxis"]["title"]["text"] == zh("superres.plot_x")
    assert [d["name"] for d in scatter["data"]] == [zh("superres.plot_point"), zh("superres.plot_equal")]
    assert [m.label for m in at.metric] == [zh("superres.metric_nearest"), zh("superres.metric_bicubic"),
                                            zh("superres.metric_model")]
    assert zh("superres.rows_caption", h=4, w=4, s=2) in [c.value for c in at.caption]
    result = at.session_state[RESULT]
    x = dataset("digits").x_test[:N_EVAL]
    r = superres.restore(result, x)
    wins = f"{(r['psnr_model'] > r['psnr_bicubic']).mean():.0%}"
    assert at.main.caption[-1].value == zh("superres.scatter_caption", n=len(x), wins=wins, epochs=1,
                                          seconds=f"{result.seconds:.0f}", device=result.device)
