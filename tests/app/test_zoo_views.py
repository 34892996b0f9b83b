"""Every model family trains from the Train page and shows its own view, through Streamlit's AppTest;
the views that train a second model for contrast do so on request and keep the learner's model.
Then the views in Chinese (?lang=zh), their extra training reporting in Chinese too."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.models import MODELS
from tests.app.helpers import CJK, figure, fits, fresh, on, prefix, tiny_run, titles

# what each family's view must show: text in its plotly figures' titles, or in its captions/markdown
EXPECTED = {
    "ae": "Train 6 sizes",
    "deep_ae": "greedy pretraining",
    "conv_ae": "learned 3×3 filters",
    "denoising_ae": "plain autoencoder with the same settings",
    "sparse_ae": "Units active per sample",
    "contractive_ae": "‖J‖²",
    "linear_ae": "Principal angles to PCA",
    "vae": "KL to the prior per latent dimension",
    "cvae": "the label sets the class",
    "vq_vae": "How often each codebook entry is chosen",
    "aae": "Codes against the prior",
    "seq_ae": "The recurrent decoder rebuilds",
    "umap_ae": "neighbourhoods kept by the UMAP term",
}


def page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [b.label for b in at.button]
    parts += [str(figure(c).get("layout", {}).get("title", "")) for c in at.get("plotly_chart")]
    parts += [w.value for w in at.warning] + [m.label for m in at.metric]
    return "\n".join(parts)


def test_every_family_has_a_view():
    assert set(EXPECTED) == set(MODELS)


@pytest.mark.parametrize("model", list(MODELS))
def test_each_family_trains_and_shows_its_view(model):
    dataset = "sines" if model == "seq_ae" else ("mnist5k" if model == "conv_ae" else "digits")
    at = tiny_run(fresh(), dataset=dataset, model=model, epochs=2 if model != "linear_ae" else 5)
    assert at.session_state["aelab_run"].status == "finished", at.session_state["aelab_run"].message
    family = t(f"family.{model}.title", "en").lower()  # the heading lower-cases a title's first letter
    assert any(fits(h.value, "zoo.different", "en") and family in h.value.lower() for h in at.subheader)
    assert EXPECTED[model] in page_text(at), page_text(at)


def test_a_contrast_model_is_trained_on_request_and_kept():
    at = tiny_run(fresh(), dataset="digits", model="denoising_ae")
    run = at.session_state["aelab_run"]
    at.button(key="extra_plain_ae").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["aelab_run"] is run and "plain_ae" in run.extras
    assert "plain AE vs clean" in page_text(at).replace("Plain", "plain")
    on(at, "pages/2_Latent_space.py")
    on(at, "pages/1_Train.py")
    assert "extra_plain_ae" not in [b.key for b in at.button]  # not trained twice: the result is kept


def test_the_bottleneck_sweep_compares_with_pca():
    at = tiny_run(fresh(), dataset="digits", model="ae")
    at.button(key="extra_sweep").click().run()
    assert not at.exception, [e.value for e in at.exception]
    fig = next(figure(c) for c in at.get("plotly_chart") if "bottleneck" in str(figure(c)["layout"].get("title")))
    names = [t["name"] for t in fig["data"]]
    assert names == ["autoencoder", "PCA"]


def test_changing_family_loads_its_defaults():
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="model").set_value("deep_ae").run()
    assert at.text_input(key="hidden").value == "512, 256, 128, 64"
    at.selectbox(key="model").set_value("linear_ae").run()
    assert at.select_slider(key="lr").value == 1e-2
    at.selectbox(key="model").set_value("umap_ae").run()
    assert at.select_slider(key="batch").value == 64 and at.select_slider(key="lr").value == 3e-3
    at.selectbox(key="model").set_value("ae").run()
    assert at.text_input(key="hidden").value == "512, 256" and at.select_slider(key="lr").value == 1e-3
    assert at.select_slider(key="batch").value == 128


def test_bad_layer_widths_get_a_message_not_a_traceback():
    at = on(fresh(), "pages/1_Train.py")
    at.text_input(key="hidden").set_value("512, lots").run()
    assert not at.exception
    assert any("whole numbers" in e.value for e in at.error)
    assert at.button(key="train").disabled


def test_cvae_codes_reach_the_latent_and_compare_pages():
    at = tiny_run(fresh(), dataset="digits", model="cvae")
    on(at, "pages/2_Latent_space.py")
    on(at, "pages/3_Compare.py")


def test_shapes_latent_space_can_be_coloured_by_a_generating_factor():
    at = tiny_run(fresh(), dataset="shapes", model="ae", epochs=1)
    on(at, "pages/2_Latent_space.py")
    at.radio(key="latent_colour").set_value("size").run()
    assert not at.exception, [e.value for e in at.exception]
    fig = figure(at.get("plotly_chart")[0])
    assert fig["data"][0]["marker"]["colorbar"]["title"]["text"] == "size"


def test_early_stopping_on_a_tiny_subset_says_so_and_plots_validation():
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="patience").set_value(1).run()
    at.number_input(key="train_subset").set_value(30).run()
    assert any("Training on only 30 samples" in w.value for w in at.warning)
    at.number_input(key="epochs").set_value(200).run()
    at.button(key="train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["aelab_run"]
    assert run.val_name == "validation" and len(run.history) < 200
    stopped = prefix("training.early_stop", "en", patience=1, epoch=...)
    assert stopped in run.message and any(stopped in s.value for s in at.success)
    curves = figure(at.get("plotly_chart")[0])
    assert {t["name"] for t in curves["data"]} == {"training", "validation"}


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def zh_run(model: str, epochs: int = 2) -> AppTest:
    """A Chinese session with a finished tiny run of `model` on the 8×8 digits."""
    at = fresh("zh")
    tiny_run(at, dataset="digits", model=model, epochs=epochs)
    assert at.session_state["aelab_run"].status == "finished", at.session_state["aelab_run"].message
    return at


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


def test_conv_filters_are_a_signed_grid_and_the_run_is_compared_with_pca():
    at = tiny_run(fresh(), dataset="mnist5k", model="conv_ae", epochs=1)
    grid = next(figure(c) for c in at.get("plotly_chart") if "filters (" in str(figure(c)["layout"].get("title")))
    hm = grid["data"][0]
    assert hm["zmid"] == 0 and hm["zmin"] == -hm["zmax"]
    run = at.session_state["aelab_run"]
    ae, pca = run.extras["vs_pca"]
    assert 0 < ae < 1 and 0 < pca < 1
    said = [c.value for c in at.caption if "PCA keeping as many numbers" in c.value]
    assert len(said) == 1 and f"{ae:.4f}" in said[0] and f"{pca:.4f}" in said[0]
    assert ("PCA is ahead" in said[0]) == (ae > 1.05 * pca)
