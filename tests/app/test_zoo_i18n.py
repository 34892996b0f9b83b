"""The model families' views in Chinese: with `?lang=zh`, the view under a finished run (its heading, teaching
text, buttons, figures and numbers) comes from the zoo tables, and the extra training it offers reports in Chinese."""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from tests.app.test_pages import figure, fresh, tiny_run

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh_run(model: str, epochs: int = 2) -> AppTest:
    """A Chinese session with a finished tiny run of `model` on the 8×8 digits."""
    at = fresh("zh")
    tiny_run(at, dataset="digits", model=model, epochs=epochs)
    assert at.session_state["aelab_run"].status == "finished", at.session_state["aelab_run"].message
    return at


def titles(at: AppTest) -> list[str]:
    return [figure(c).get("layout", {}).get("title", {}).get("text", "") for c in at.get("plotly_chart")]


def heading(model: str) -> str:
    return t("zoo.different", "zh", family=t(f"family.{model}.title", "zh"))


def test_the_bottleneck_sweep_speaks_chinese():
    at = zh_run("ae")
    assert heading("ae") in [h.value for h in at.subheader]
    assert t("zoo.ae.intro", "zh") in [m.value for m in at.markdown]
    sweep = at.button(key="extra_sweep")
    assert sweep.label.startswith(t("zoo.ae.button", "zh", n=6, epochs=2, estimate="").split("（")[0]), sweep.label
    sweep.click().run()
    assert not at.exception, [e.value for e in at.exception]
    fig = next(figure(c) for c in at.get("plotly_chart")
               if figure(c)["layout"].get("title", {}).get("text") == t("zoo.ae.title", "zh"))
    assert [tr["name"] for tr in fig["data"]] == [t("zoo.ae.autoencoder", "zh"), "PCA"]
    assert fig["layout"]["xaxis"]["title"]["text"] == t("zoo.ae.x", "zh")
    assert t("zoo.ae.caption", "zh") in [c.value for c in at.caption]


def test_the_denoising_view_and_its_contrast_model_speak_chinese():
    at = zh_run("denoising_ae")
    assert heading("denoising_ae") in [h.value for h in at.subheader]
    labels = [m.label for m in at.metric]
    assert t("zoo.denoise.noisy_mse", "zh") in labels and t("zoo.denoise.denoised_mse", "zh") in labels
    assert CJK.search(at.button(key="extra_plain_ae").label)
    at.button(key="extra_plain_ae").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("zoo.denoise.plain_mse", "zh") in [m.label for m in at.metric]


def test_the_vae_and_sparse_views_speak_chinese():
    at = zh_run("vae")
    assert heading("vae") in [h.value for h in at.subheader]
    assert t("zoo.vae.title", "zh") in titles(at)
    texts = [c.value for c in at.caption] + [w.value for w in at.warning]
    assert t("zoo.vae.samples_caption", "zh") in texts
    assert t("zoo.vae.all_active", "zh", total=2) in texts or any(
        t("zoo.vae.collapse", "zh", collapsed=c, total=2) in texts for c in (1, 2))

    at = zh_run("sparse_ae")
    assert heading("sparse_ae") in [h.value for h in at.subheader]
    assert t("zoo.sparse.active_title", "zh") in titles(at)
    hist = next(figure(c) for c in at.get("plotly_chart")
                if figure(c)["layout"].get("title", {}).get("text") == t("zoo.sparse.active_title", "zh"))
    assert hist["layout"]["yaxis"]["title"]["text"] == t("zoo.pct_values", "zh")
    assert any(CJK.search(c.value) and "%" in c.value for c in at.caption)


def test_the_umap_view_says_how_its_graph_was_built_in_chinese():
    at = zh_run("umap_ae")
    assert heading("umap_ae") in [h.value for h in at.subheader]
    cfg = at.session_state["aelab_run"].model_cfg
    caption = t("zoo.umap.caption", "zh", k=cfg.n_neighbors, weight=cfg.umap_weight)
    assert f"{caption} {t('zoo.umap.jitter', 'zh', copies=cfg.jitter_copies)}" in [c.value for c in at.caption]
