"""Latent space, Compare and Draw a digit without a model: they point to the Train page and offer the bundled
pretrained model (a button, within a teacher's locks); once it is loaded, the page works and says the model is the
pretrained one, not the learner's own. Both languages. Then hover thumbnails on the Compare panels."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.sharing import quickstart
from appkit import export_views
from appkit.state import RUN
from tests.app.helpers import APP, TIMEOUT, figure, on, tiny_run, values

PAGES = ["pages/2_Latent_space.py", "pages/3_Compare.py", "pages/6_Draw_a_digit.py"]
BRAILLE = range(0x2800, 0x2900)

pytestmark = pytest.mark.skipif("ae_mnist5k" not in quickstart.available(), reason="no bundled checkpoints")


def opened(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return on(at.run(), page)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_a_page_without_a_model_offers_the_pretrained_one(page, lang):
    at = opened(page, {"lang": lang})
    assert any(i.value == t("widgets.no_model", lang) for i in at.info)
    assert at.session_state[export_views.PRETRAINED] == "ae_mnist5k"
    button = at.button(key="use_pretrained")
    assert button.label == t("export.use_pretrained", lang)
    at.session_state["cmp_n"] = 200  # Compare: t-SNE and UMAP of 200 points, not the default's
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state[RUN]
    assert run.model_cfg.model == "ae" and len(run.history) == 30
    assert run.model is not export_views.bundled("ae_mnist5k").model  # the learner's own copy
    said = t("widgets.pretrained_caption", lang, title=t("export.setup.ae_mnist5k", lang))
    assert any(c.value == said for c in at.caption), [c.value for c in at.caption]
    assert not any(i.value == t("widgets.no_model", lang) for i in at.info)
    assert "use_pretrained" not in [b.key for b in at.button]
    drawn = [m.value for m in at.markdown if m.value == t("draw.instructions", lang)]
    assert drawn if page.endswith("Draw_a_digit.py") else at.get("plotly_chart")  # the page itself, on that model


def test_a_teachers_lock_holds_for_the_offer_on_other_pages():
    at = on(opened("pages/1_Train.py", {"model": "vae", "lock": "model"}), "pages/2_Latent_space.py")
    assert at.selectbox(key=export_views.PRETRAINED).options == [t("export.setup.vae_mnist5k", "en")]
    at.button(key="use_pretrained").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[RUN].model_cfg.model == "vae"


def test_a_trained_model_is_not_called_pretrained():
    at = tiny_run(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), epochs=1)
    on(at, "pages/2_Latent_space.py")
    head = t("widgets.pretrained_caption", "en", title="")[:30]
    assert not any(c.value.startswith(head) for c in at.caption)


def test_the_pretrained_model_brings_its_training_replay():
    if not quickstart.replay("ae_mnist5k"):
        pytest.skip("the bundled checkpoint was written without a replay")
    at = opened("pages/2_Latent_space.py", {})
    at.button(key="use_pretrained").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "replay_plot" in [c.key for c in at.get("plotly_chart")]
    assert not any(c.value == t("replay.none", "en") for c in at.caption)


def test_compare_panels_hover_shows_each_sample():
    at = tiny_run(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), epochs=1)
    on(at, "pages/3_Compare.py")
    at.slider(key="cmp_n").set_value(200).run()
    assert not at.exception, [e.value for e in at.exception]
    panels = [figure(c) for c in at.get("plotly_chart") if (c.key or "").startswith("cmp_panel_")]
    assert len(panels) == 4
    for fig in panels:
        for trace in fig["data"]:
            assert len(trace["text"]) == len(values(trace["customdata"]))  # one drawing per point
            assert all(any(ord(ch) in BRAILLE for ch in s) for s in trace["text"])
            assert "%{text}" in trace["hovertemplate"]
