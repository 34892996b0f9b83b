"""Latent space, Compare and Draw a digit without a model: they point to the Train page and offer the bundled
pretrained model (a button, within a teacher's locks); once it is loaded, the page works and says the model is the
pretrained one, not the learner's own. Both languages. Every bundled model works there, and the lab pages' defaults
(and the lessons' families) have a bundled model. Then hover thumbnails on the Compare panels."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.data import load_dataset
from aelib.experiment import model_config
from aelib.i18n import t
from aelib.labs import anomaly, denoising, generation
from aelib.sharing import quickstart
from appkit import export_views
from appkit.state import PAGE_SETTINGS, RUN
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


# (page, bundled model) for every setup beyond the default: each is offered, and once chosen the page works on it
OTHER_SETUPS = [("pages/2_Latent_space.py", "vae_mnist5k"), ("pages/2_Latent_space.py", "linear_ae_mnist5k"),
                ("pages/3_Compare.py", "denoising_ae_mnist5k"), ("pages/6_Draw_a_digit.py", "cvae_mnist5k"),
                ("pages/6_Draw_a_digit.py", "conv_ae_mnist5k")]


def test_every_setup_is_tried_on_a_page():
    assert {name for _, name in OTHER_SETUPS} | {"ae_mnist5k"} == set(quickstart.SETUPS)


@pytest.mark.parametrize(("page", "name"), OTHER_SETUPS)
def test_each_bundled_model_can_be_chosen_and_is_marked_pretrained(page, name):
    at = opened(page, {"lang": "zh"})
    box = at.selectbox(key=export_views.PRETRAINED)
    assert box.options == [t(f"export.setup.{n}", "zh") for n in quickstart.available()]
    box.set_value(name).run()  # where the app uses the chosen model is said under the choice, not in its name
    assert t(f"export.setup_use.{name}", "zh") in [c.value for c in at.caption]
    at.session_state["cmp_n"] = 200
    at.button(key="use_pretrained").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state[RUN]
    setup = quickstart.SETUPS[name]
    assert (run.model_cfg.model, run.model_cfg.latent_dim, export_views.bundled_name(run)) == (setup.model,
                                                                                             setup.latent_dim, name)
    said = t("widgets.pretrained_caption", "zh", title=t(f"export.setup.{name}", "zh"))
    assert any(c.value == said for c in at.caption), [c.value for c in at.caption]
    drawn = [m.value for m in at.markdown if m.value == t("draw.instructions", "zh")]
    assert drawn if page.endswith("Draw_a_digit.py") else at.get("plotly_chart")
    if setup.model == "cvae":  # a conditional model asks which digit the drawing is
        assert at.selectbox(key="draw_label")


def bundled_configs() -> dict:
    return {name: quickstart.load(name).model.cfg for name in quickstart.available()}


def test_the_lab_pages_defaults_have_a_bundled_model():
    """Each lab page trains its own models (the Train page's model is only an option), from its settings'
    defaults: where that is one autoencoder family's model, a bundled one is the same config; the labs that train
    several sizes (Compression) or on a labelled few (Few labels, Augmentation) find their family bundled.
    Super-resolution trains an upsampling network, not an autoencoder family."""
    ds, s = load_dataset("mnist5k"), PAGE_SETTINGS
    assert {s[k] for k in ("an_dataset", "dn_dataset", "gen_dataset", "fl_dataset", "cz_dataset", "aug_dataset")} == {
        ds.name}
    exact = {"pages/4_Anomaly.py": anomaly.detector_configs(ds, s["an_model"], s["an_latent"])[0],
             "pages/5_Denoising.py": denoising.pair_configs(ds, s["dn_noise"], s["dn_level"], s["dn_latent"])[0],
             "pages/8_Generation.py": generation.pair_configs(ds, s["gen_latent"])[0],
             "pages/8_Generation.py, conditional": model_config(ds, "cvae", s["gen_latent"],
                                                                  hidden=generation.HIDDEN),
             "pages/1_Train.py": model_config(ds, "ae", 2)}
    bundled = bundled_configs()
    for page, cfg in exact.items():
        assert cfg in bundled.values(), page
    families = {cfg.model for cfg in bundled.values()}
    assert {"ae", "cvae"} <= families  # Generation's plain AE; Few labels, Compression and Augmentation's AE and CVAE
    assert {"ae", "linear_ae", "vae", "denoising_ae"} <= families  # the lessons' autoencoder families


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
