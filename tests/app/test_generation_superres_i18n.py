"""The Generation and Super-resolution pages in Chinese (`?lang=zh`): the page's own words, the results after a
tiny training run (figures, metrics, captions, table) and the pickers' options all come from the zh tables."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.labs import superres
from appkit.resources import dataset
from appkit.superres_views import N_EVAL, RESULT
from tests.app.test_pages import figure, fresh, on

GEN, SR = "pages/8_Generation.py", "pages/9_Super_resolution.py"


def zh(page: str) -> AppTest:
    return on(fresh("zh"), page)


def z(key: str, **fmt: object) -> str:
    return t(key, "zh", **fmt)


def rows_of(fig: dict) -> list[str]:
    return list(fig["layout"]["yaxis"].get("ticktext", []))


def titles(at: AppTest) -> list[str]:
    return [str(figure(c)["layout"].get("title", {}).get("text", "")) for c in at.get("plotly_chart")]



@pytest.fixture(scope="module")
def generation():
    at = zh(GEN)
    assert at.title[0].value == z("generation.title")
    assert at.markdown[0].value == z("generation.intro")
    assert [i.value for i in at.info] == [z("generation.empty"), z("generation.cvae_empty")]
    assert at.button(key="gen_train").label == z("generation.train")
    assert at.number_input(key="gen_latent").label == z("generation.latent")
    assert z("data.digits.title") in at.selectbox(key="gen_dataset").options
    at.selectbox(key="gen_dataset").set_value("digits").run()
    at.number_input(key="gen_latent").set_value(3).run()
    at.number_input(key="gen_epochs").set_value(1).run()
    at.button(key="gen_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_generation_page_speaks_chinese_before_and_after_training(generation):
    at = generation
    assert [s.value for s in at.subheader] == [z("generation.sampling"), z("generation.grid"),
                                               z("generation.traversals"),
                                               z("generation.interpolation")]
    assert at.caption[0].value == z("generation.pair_caption", source=z("origin.here"), hidden=(512, 256), latent=3,
                                    dataset=z("data.digits.title"))
    figs = [figure(c) for c in at.get("plotly_chart")]
    assert rows_of(figs[0]) == [z("generation.vae_prior"), z("generation.ae_prior"), z("generation.ae_fitted")]
    kinds = ("generation.vae_prior", "generation.ae_prior", "generation.ae_fitted")
    assert [m.label for m in at.metric] == [z("generation.hole", source=z(k)) for k in kinds]
    assert z("generation.grid_title_vae", n=at.slider(key="gen_grid").value) in titles(at)
    assert z("generation.norm_title") in titles(at)
    assert any(rows_of(f) == [z(k) for k in ("generation.pixel_blend", "generation.vae_linear",
                                             "generation.vae_spherical",
                                             "generation.ae_linear", "generation.ae_spherical")] for f in figs)
    captions = [c.value for c in at.caption]
    assert z("generation.interp_caption", d=3) in captions and z("generation.grid_caption_more") in captions
    assert z("generation.traversal_caption", n=8) in captions
    assert list(at.dataframe[0].value.columns) == [z("generation.col_d"), z("generation.col_sample"),
                                                   z("generation.col_linear"),
                                                   z("generation.col_spherical"), "√d"]


def test_the_conditional_vae_speaks_chinese(generation):
    at = generation
    at.button(key="gen_train_cvae").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gen_digit").label == z("generation.digit")
    captions = [c.value for c in at.caption]
    assert z("generation.cvae_caption") in captions
    assert z("generation.cvae_model_caption", source=z("origin.here"), latent=3, dataset=z("data.digits.title")) \
        in captions


def test_the_super_resolution_page_speaks_chinese_before_and_after_training():
    at = zh(SR)
    assert at.title[0].value == z("superres.title")
    assert at.markdown[0].value == z("superres.intro")
    assert at.caption[0].value == z("superres.psnr_caption")
    assert [i.value for i in at.info] == [z("superres.empty")]
    assert at.button(key="sr_train").label == z("superres.train")
    assert at.selectbox(key="sr_scale").options == [z("superres.scale_option", s=s) for s in (2, 4)]
    at.selectbox(key="sr_dataset").set_value("digits").run()
    at.selectbox(key="sr_scale").set_value(2).run()
    at.number_input(key="sr_epochs").set_value(1).run()
    at.button(key="sr_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value == z("superres.rows_header")
    images, scatter = (figure(c) for c in at.get("plotly_chart"))
    assert rows_of(images) == [z("superres.row_low", h=4, w=4), z("superres.row_bicubic"), z("superres.row_model"),
                               z("superres.row_original")]
    assert scatter["layout"]["title"]["text"] == z("superres.plot_title", scale=2)
    assert scatter["layout"]["xaxis"]["title"]["text"] == z("superres.plot_x")
    assert [d["name"] for d in scatter["data"]] == [z("superres.plot_point"), z("superres.plot_equal")]
    assert [m.label for m in at.metric] == [z("superres.metric_nearest"), z("superres.metric_bicubic"),
                                            z("superres.metric_model")]
    assert z("superres.rows_caption", h=4, w=4, s=2) in [c.value for c in at.caption]
    result = at.session_state[RESULT]
    x = dataset("digits").x_test[:N_EVAL]
    r = superres.restore(result, x)
    wins = f"{(r['psnr_model'] > r['psnr_bicubic']).mean():.0%}"
    assert at.main.caption[-1].value == z("superres.scatter_caption", n=len(x), wins=wins, epochs=1,
                                          seconds=f"{result.seconds:.0f}", device=result.device)


def test_the_libraries_progress_texts_are_said_in_the_learners_language():
    """aelib reports progress as Words (English when printed, as before); the lab's progress bar says them in the
    learner's language."""
    import streamlit as st

    from aelib.experiment import model_config
    from aelib.i18n import Words
    from aelib.labs import generation
    from aelib.train import TrainConfig
    from appkit.i18n import in_lang

    ds, tcfg = dataset("digits"), TrainConfig(epochs=1)
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
        assert [in_lang(w) for w in said] == [z(k, epoch=1, epochs=1) for k in keys]
        assert in_lang("plain text") == "plain text"
    finally:
        del st.session_state["lang"]
