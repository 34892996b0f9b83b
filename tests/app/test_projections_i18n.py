"""The Latent space and Compare pages in Chinese (?lang=zh): titles, controls, the metrics table, a selection, the
perplexity strip and the training replay all come from the tables; the English values are unchanged."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from tests.app.test_pages import figure, fresh, on, tiny_run, values

ZH = "zh"


@pytest.fixture(scope="module")
def zh() -> AppTest:
    """One Chinese session with a finished 2-epoch run on the 8×8 digits."""
    return tiny_run(fresh(ZH), epochs=2)


def charts(at: AppTest) -> dict:
    return {c.key: figure(c) for c in at.get("plotly_chart")}



def test_the_latent_page_speaks_chinese(zh):
    on(zh, "pages/2_Latent_space.py")
    assert zh.title[0].value == t("latent.title", ZH) != t("latent.title", "en")
    assert any(c.value == t("latent.colours_caption", ZH) for c in zh.caption)
    subheaders = [h.value for h in zh.subheader]
    assert t("latent.replay", ZH) in subheaders


def test_the_training_replay_speaks_chinese(zh):
    on(zh, "pages/2_Latent_space.py")
    fig = charts(zh)["replay_plot"]
    layout = fig["layout"]
    assert layout["title"]["text"].startswith(t("replay.after_epoch", ZH, n=2))
    assert t("replay.frame_score", ZH, acc="")[:-1].strip() in layout["title"]["text"]
    assert fig["frames"][0]["layout"]["title"]["text"].startswith(t("replay.before_training", ZH))
    assert [b["label"] for b in layout["updatemenus"][0]["buttons"]] == [t("replay.play", ZH), t("replay.pause", ZH)]
    assert layout["sliders"][0]["currentvalue"]["prefix"] == t("replay.slider_prefix", ZH)
    assert layout["legend"]["title"]["text"] == t("replay.legend_class", ZH)
    assert any(c.value.startswith(t("replay.caption", ZH, n="360")) for c in zh.caption)


@pytest.fixture(scope="module")
def compare(zh) -> AppTest:
    on(zh, "pages/3_Compare.py")
    zh.slider(key="cmp_n").set_value(100).run()
    assert not zh.exception, [e.value for e in zh.exception]
    return zh


def test_the_compare_page_speaks_chinese(compare):
    assert compare.title[0].value == t("compare.title", ZH) != t("compare.title", "en")
    assert compare.slider(key="cmp_n").label == t("compare.test_points", ZH)
    assert compare.number_input(key="cmp_perplexity").label == t("compare.perplexity", ZH)
    assert compare.number_input(key="cmp_perplexity").help == t("compare.perplexity_help", ZH)
    dim = compare.radio(key="cmp_dim")
    assert dim.label == t("compare.view", ZH) and dim.options == [t("compare.view_2d", ZH), t("compare.view_3d", ZH)]
    subheaders = [h.value for h in compare.subheader]
    for key in ("compare.measured", "compare.misread", "compare.bottleneck"):
        assert t(key, ZH) in subheaders
    assert any(m.value == t("compare.metrics_help", ZH) for m in compare.markdown)
    assert any(c.value == t("compare.select_hint", ZH) for c in compare.caption)
    titles = {f["layout"].get("title", {}).get("text") for k, f in charts(compare).items() if k.startswith("cmp_panel")}
    assert t("compare.method_ae", ZH) in titles and "PCA" in titles


def test_the_metrics_table_speaks_chinese(compare):
    table = compare.dataframe[0].value
    columns = ["method", "knn", "protocol", "trust", "continuity", "silhouette", "fit_seconds", "place_seconds",
               "recon"]
    assert list(table.columns) == [t(f"compare.col_{c}", ZH) for c in columns]
    method = table[t("compare.col_method", ZH)]
    assert list(method) == [t("compare.method_ae", ZH), "PCA", "t-SNE", "UMAP"]
    assert list(table[t("compare.col_recon", ZH)])[2:] == [t("compare.cannot", ZH)] * 2
    assert list(table[t("compare.col_place_seconds", ZH)])[2] == t("compare.cannot", ZH)
    assert set(table[t("compare.col_protocol", ZH)]) == {t("compare.protocol_train_test", ZH),
                                                         t("compare.protocol_cv", ZH)}


def test_a_selection_is_described_in_chinese(compare):
    ids = values(charts(compare)["cmp_panel_PCA"]["data"][0]["customdata"])
    compare.session_state["cmp_selected"], compare.session_state["cmp_source"] = [int(i) for i in ids[:3]], "PCA"
    compare.run()
    assert not compare.exception
    assert t("compare.n_selected", ZH, n=3, source="PCA") in [h.value for h in compare.subheader]
    assert compare.button(key="cmp_clear").label == t("compare.clear", ZH)
    compare.session_state["cmp_selected"], compare.session_state["cmp_source"] = [int(ids[0])], "Autoencoder"
    compare.run()
    assert not compare.exception
    one = t("compare.one_selected", ZH, id=int(ids[0]), cls="{cls}", source=t("compare.method_ae", ZH))
    head, tail = one.split("{cls}")
    assert any(h.value.startswith(head) and h.value.endswith(tail) for h in compare.subheader)
    ticks = [f["layout"]["yaxis"].get("ticktext") for f in charts(compare).values()]
    assert [t("compare.row_original", ZH), t("compare.row_ae", ZH), t("compare.row_pca", ZH, k=2)] in ticks
    assert [t("compare.row_pixels", ZH), t("compare.method_ae", ZH), "PCA", "t-SNE", "UMAP"] in ticks
    compare.session_state["cmp_selected"] = []
    compare.run()


def test_the_perplexity_strip_speaks_chinese(compare):
    compare.toggle(key="cmp_strip").set_value(True).run()
    assert not compare.exception
    assert compare.toggle(key="cmp_strip").label == t("compare.strip_toggle", ZH)
    strip = charts(compare)["cmp_strip_plot"]
    assert [a["text"] for a in strip["layout"]["annotations"]] == [
        t("proj.strip_panel", ZH, p=p) for p in ("2", "5", "30", "50")]
    assert any(c.value.startswith(t("compare.strip_caption", ZH, scores="")[:10]) for c in compare.caption)
    compare.toggle(key="cmp_strip").set_value(False).run()
