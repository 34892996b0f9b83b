"""The Generation page through AppTest: empty state, a tiny VAE/plain-AE pair trained on request (samples, grid,
traversals, interpolation), a conditional VAE drawing the chosen digit, adopting the Train page's models without
replacing them, and failures as messages; then the same page in Chinese (?lang=zh), and the labs' progress
texts in the learner's language."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.data import DatasetUnavailable
from aelib.i18n import t
from aelib.labs import generation, superres
from aelib.models import build_model, config_for
from aelib.train import EpochStats, TrainConfig, TrainingDiverged
from appkit import resources
from appkit.generation_views import CVAE, PAIR
from appkit.state import Run
from tests.app.helpers import figure, fresh, on, prefix, rows_of, titles, zh
from tests.app.test_workspace_belongings import reopened

PAGE = "pages/8_Generation.py"


def tiny_pair(at, latent: int = 3):
    """A 1-epoch VAE and plain AE on the 8×8 digits, trained from the page."""
    on(at, PAGE)
    at.selectbox(key="gen_dataset").set_value("digits").run()
    at.number_input(key="gen_latent").set_value(latent).run()
    at.number_input(key="gen_epochs").set_value(1).run()
    at.button(key="gen_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at) -> list[dict]:
    return [figure(c) for c in at.get("plotly_chart")]


@pytest.fixture(scope="module")
def trained():
    return tiny_pair(fresh())


def test_without_models_the_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert any(i.value == t("generation.empty", "en") for i in at.info)
    assert any("conditional VAE" in i.value for i in at.info)
    assert not at.get("plotly_chart") and not {"gen_use_main", "gen_use_main_cvae"} & {b.key for b in at.button}
    assert "prior" in at.markdown[0].value


def test_the_button_trains_both_models_and_shows_every_view(trained):
    pair = trained.session_state[PAIR]
    assert (pair.vae.cfg.model, pair.ae.cfg.model) == ("vae", "ae") and pair.vae.cfg.latent_dim == 3
    assert pair.vae.cfg.hidden == pair.ae.cfg.hidden and [len(h) for h in pair.histories] == [1, 1]
    assert "aelab_run" not in trained.session_state  # the Train page's model slot is left alone
    figs = charts(trained)
    assert rows_of(figs[0]) == ["VAE, codes from N(0, I)", "plain AE, codes from N(0, I)", "plain AE, fitted Gaussian"]
    assert any(m.label.startswith("In a hole") and m.value.endswith("%") for m in trained.metric)
    grids = [f for f in figs if "grid of codes" in str(f["layout"].get("title"))]
    assert len(grids) == 2 and grids[0]["layout"]["xaxis"]["title"]["text"].startswith("z")
    traversal = [f for f in figs if rows_of(f) and rows_of(f)[0].startswith("z")]
    assert len(traversal) == 2 and len(rows_of(traversal[0])) == 3  # one row per latent dimension
    assert any(rows_of(f) == ["pixel blend", "VAE, linear", "VAE, spherical", "plain AE, linear",
                              "plain AE, spherical"] for f in figs)
    assert any("Norm ‖z‖" in str(f["layout"].get("title")) for f in figs)
    assert len(trained.dataframe) == 1 and any("White (2016)" in c.value for c in trained.caption)


def test_changing_the_pickers_rerenders_without_retraining(trained, monkeypatch):
    calls = []
    monkeypatch.setattr(generation, "train_pair", lambda *a, **k: calls.append(a))
    pair = trained.session_state[PAIR]
    trained.selectbox(key="gen_from").set_value(3).run()
    trained.slider(key="gen_grid").set_value(5).run()
    trained.number_input(key="gen_seed").set_value(4).run()
    assert not trained.exception and calls == [] and trained.session_state[PAIR] is pair
    grid = next(f for f in charts(trained) if "grid of codes" in str(f["layout"].get("title")))
    assert "5×5" in grid["layout"]["title"]["text"]


def test_a_conditional_vae_draws_the_chosen_digit(trained):
    trained.button(key="gen_train_cvae").click().run()
    assert not trained.exception, [e.value for e in trained.exception]
    cvae = trained.session_state[CVAE]
    assert cvae.model.cfg.model == "cvae" and cvae.dataset == "digits"
    trained.selectbox(key="gen_digit").set_value(4).run()
    assert not trained.exception
    figs = charts(trained)
    assert any(rows_of(f) == ["4", "4"] for f in figs)
    assert any(rows_of(f) == [str(c) for c in range(10)] for f in figs)  # the same codes with every label
    assert trained.session_state[PAIR] is not None  # the pair is kept beside it


def finished_run(model: str) -> Run:
    """What the Train page leaves after a 1-epoch run on the 8×8 digits (set directly: a Train-page run is slow)."""
    net = build_model(config_for(model, (1, 8, 8), 2, hidden=(16,)))
    stats = EpochStats(1, 1, {"loss": 1.0}, {"loss": 1.0}, 0.1, 1000.0)
    return Run("digits", 0, net.cfg, TrainConfig(epochs=1), model=net, history=[stats], status="finished")


def test_models_from_the_train_page_are_used_and_not_replaced():
    at = on(fresh(), PAGE)
    run = finished_run("vae")
    weights = next(run.model.parameters()).detach().clone()
    at.session_state["aelab_run"] = run
    at.run()
    assert "gen_use_main_cvae" not in [b.key for b in at.button]
    at.button(key="gen_use_main").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pair = at.session_state[PAIR]
    assert pair.vae is run.model and pair.ae.cfg.model == "ae" and pair.source == t("origin.main", "en")
    assert pair.ae.cfg.hidden == run.model_cfg.hidden and len(pair.histories[1]) == 1
    assert at.session_state["aelab_run"] is run and len(run.history) == 1
    assert np.array_equal(next(run.model.parameters()).detach(), weights)
    # a 2-D code: the grid is the traversal
    assert any(c.value == t("generation.traversal_2d", "en") for c in at.caption)
    cvae = finished_run("cvae")
    at.session_state["aelab_run"] = cvae
    at.run()
    assert "gen_use_main" not in [b.key for b in at.button]
    at.button(key="gen_use_main_cvae").click().run()
    assert not at.exception and at.session_state[CVAE].model is cvae.model
    assert at.session_state[CVAE].source == t("origin.main", "en")
    assert at.session_state[PAIR] is pair  # the pair is kept beside it
    again = reopened(at, PAGE)  # and both come back in a new session of the workspace
    assert not again.exception, [e.value for e in again.exception]
    assert again.session_state[CVAE].source == t("origin.main", "en") and again.session_state[CVAE].dataset == "digits"
    assert again.session_state[PAIR].vae.cfg == run.model_cfg and len(again.session_state[PAIR].histories[1]) == 1


def test_failures_are_messages_and_keep_the_previous_models(trained, monkeypatch):
    pair = trained.session_state[PAIR]

    def diverge(*args, **kwargs):
        raise TrainingDiverged(1, 0)

    monkeypatch.setattr(generation, "train_pair", diverge)
    trained.button(key="gen_train").click().run()
    assert not trained.exception
    diverged = prefix("error.diverged", "en", epoch=1)
    assert any(e.value.startswith(t("generation.train_failed", "en", error=diverged)) for e in trained.error)
    assert trained.session_state[PAIR] is pair and not trained.button(key="gen_train").disabled

    def unavailable(*args, **kwargs):
        raise DatasetUnavailable("MNIST could not be downloaded: no network.")

    monkeypatch.setattr(resources, "dataset", unavailable)
    trained.button(key="gen_train").click().run()
    assert not trained.exception
    assert any("no network" in e.value for e in trained.error)


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


@pytest.fixture(scope="module")
def generation_zh():
    at = on(fresh("zh"), PAGE)
    assert at.title[0].value == zh("generation.title")
    assert at.markdown[0].value == zh("generation.intro")
    assert [i.value for i in at.info] == [zh("generation.empty"), zh("generation.cvae_empty")]
    assert at.button(key="gen_train").label == zh("generation.train")
    assert at.number_input(key="gen_latent").label == zh("generation.latent")
    assert zh("data.digits.title") in at.selectbox(key="gen_dataset").options
    at.selectbox(key="gen_dataset").set_value("digits").run()
    at.number_input(key="gen_latent").set_value(3).run()
    at.number_input(key="gen_epochs").set_value(1).run()
    at.button(key="gen_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_generation_page_speaks_chinese_before_and_after_training(generation_zh):
    at = generation_zh
    assert [s.value for s in at.subheader] == [zh("generation.sampling"), zh("generation.grid"),
                                               zh("generation.traversals"),
                                               zh("generation.interpolation")]
    assert zh("generation.pair_caption", source=zh("origin.here"), hidden=(512, 256), latent=3,
              dataset=zh("data.digits.title")) in [c.value for c in at.caption]
    figs = [figure(c) for c in at.get("plotly_chart")]
    assert rows_of(figs[0]) == [zh("generation.vae_prior"), zh("generation.ae_prior"), zh("generation.ae_fitted")]
    kinds = ("generation.vae_prior", "generation.ae_prior", "generation.ae_fitted")
    labels = [zh(f"generation.{m}", source=zh(k)) for k in kinds for m in ("hole", "reach")]
    assert [m.label for m in at.metric] == labels
    assert zh("generation.grid_title_vae", n=at.slider(key="gen_grid").value) in titles(at)
    assert zh("generation.norm_title") in titles(at)
    assert any(rows_of(f) == [zh(k) for k in ("generation.pixel_blend", "generation.vae_linear",
                                             "generation.vae_spherical",
                                             "generation.ae_linear", "generation.ae_spherical")] for f in figs)
    captions = [c.value for c in at.caption]
    assert zh("generation.interp_caption", d=3) in captions and zh("generation.grid_caption_more") in captions
    assert zh("generation.traversal_caption", n=8) in captions
    assert list(at.dataframe[0].value.columns) == [zh("generation.col_d"), zh("generation.col_sample"),
                                                   zh("generation.col_linear"),
                                                   zh("generation.col_spherical"), "√d"]


def test_the_conditional_vae_speaks_chinese(generation_zh):
    at = generation_zh
    at.button(key="gen_train_cvae").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gen_digit").label == zh("generation.digit")
    captions = [c.value for c in at.caption]
    assert zh("generation.cvae_caption") in captions
    assert zh("generation.cvae_model_caption", source=zh("origin.here"), latent=3, dataset=zh("data.digits.title")) \
        in captions


def test_the_libraries_progress_texts_are_said_in_the_learners_language():
    """aelib reports progress as Words (English when printed, as before); the lab's progress bar says them in the
    learner's language."""
    import streamlit as st

    from aelib.experiment import model_config
    from aelib.i18n import Words
    from appkit.i18n import in_lang

    ds, tcfg = resources.dataset("digits"), TrainConfig(epochs=1)
    texts: list = []
    log = lambda f, text: texts.append(text)  # noqa: E731
    generation.train_pair(ds, model_config(ds, "vae", 2, hidden=(16,)), tcfg, log)
    generation.train_cvae(ds, model_config(ds, "cvae", 2, hidden=(16,)), tcfg, log)
    superres.fit(ds, superres.SuperResConfig(ds.shape, 2), superres.train_config(1, 0), log)
    said = [texts[i] for i in (0, 1, 2, -1)]
    assert all(isinstance(w, Words) for w in said)
    keys = ["generation.progress_vae", "generation.progress_ae", "generation.progress_cvae", "superres.progress"]
    assert [str(w) for w in said] == [t(k, epoch=1, epochs=1) for k in keys]  # English: as before
    st.session_state["lang"] = "zh"
    try:
        assert [in_lang(w) for w in said] == [zh(k, epoch=1, epochs=1) for k in keys]
        assert in_lang("plain text") == "plain text"
    finally:
        del st.session_state["lang"]


def test_sampling_shows_holes_and_reach_and_says_what_they_showed(trained):
    """The plain AE sampled from N(0, I) may land inside its codes (0 % in holes) and still fail: the page shows the
    share of codes each sampler reaches, and the caption picks the sentences these numbers call for."""
    on(trained, PAGE)  # the module's session may have moved on
    reached = [m for m in trained.metric if m.label.startswith(t("generation.reach", "en").split("{")[0])]
    assert len(reached) == 3 and all(m.value.endswith("%") for m in reached)
    story = {f"generation.samples.{k}" for k in ("wrong_place", "patch", "fits", "fitted_holes", "fitted_ok")}
    firsts = [t(k, "en").split("{", 1)[0][:60] for k in sorted(story)]
    assert sum(any(c.value.startswith(f) or f in c.value for f in firsts) for c in trained.caption) >= 1
