"""The projections lab through AppTest: linked selection, a clicked point's details, 3-D, the t-SNE controls and
perplexity strip, the reconstruction column, caching, and the training replay on the Latent space page;
then the Latent space and Compare pages in Chinese (?lang=zh)."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from appkit import projection_views
from tests.app.helpers import figure, fresh, on, tiny_run, values

PANELS = ["cmp_panel_Autoencoder", "cmp_panel_PCA", "cmp_panel_t-SNE", "cmp_panel_UMAP"]


@pytest.fixture(scope="module")
def lab():
    at = tiny_run(fresh(), epochs=3)
    on(at, "pages/3_Compare.py")
    at.slider(key="cmp_n").set_value(200).run()
    assert not at.exception
    return at


def charts(at) -> dict:
    return {c.key: figure(c) for c in at.get("plotly_chart")}


def shown_ids(fig: dict) -> np.ndarray:
    return np.concatenate([values(tr["customdata"]) for tr in fig["data"]])


def highlighted(fig: dict) -> set[int]:
    out = set()
    for tr in fig["data"]:
        ids = values(tr["customdata"])
        out |= {int(ids[i]) for i in values(tr.get("selectedpoints", []))}
    return out


def test_every_panel_shows_the_same_points(lab):
    figs = charts(lab)
    assert set(PANELS) <= set(figs)
    ids = [set(shown_ids(figs[k]).tolist()) for k in PANELS]
    assert len(ids[0]) == 200 and all(i == ids[0] for i in ids)


def test_a_selection_in_one_panel_lights_up_the_same_samples_in_all(lab):
    ids = sorted(shown_ids(charts(lab)["cmp_panel_PCA"]).tolist())
    picked = ids[:5]
    lab.session_state["cmp_selected"], lab.session_state["cmp_source"] = picked, "PCA"  # what the callback stores
    lab.run()
    assert not lab.exception
    figs = charts(lab)
    for key in PANELS:
        assert highlighted(figs[key]) == set(picked), key
    assert any("5 points selected in PCA" in h.value for h in lab.subheader)
    lab.button(key="cmp_clear").click().run()
    assert not any(highlighted(f) for f in charts(lab).values() if "data" in f)


def test_a_clicked_point_shows_its_reconstructions_and_neighbours_in_every_view(lab):
    one = int(shown_ids(charts(lab)["cmp_panel_UMAP"])[0])
    lab.session_state["cmp_selected"], lab.session_state["cmp_source"] = [one], "UMAP"
    lab.run()
    assert not lab.exception
    assert any(f"Sample #{one}" in h.value for h in lab.subheader)
    ticks = [f["layout"]["yaxis"].get("ticktext") for f in charts(lab).values()]
    assert ["original", "autoencoder", "PCA, 2 components"] in ticks
    assert ["pixels", "Autoencoder", "PCA", "t-SNE", "UMAP"] in ticks
    assert any("Same class as the sample" in c.value for c in lab.caption)
    lab.session_state["cmp_selected"] = []
    lab.run()


def test_metrics_table_reports_reconstruction_where_a_method_can(lab):
    table = lab.dataframe[0].value.set_index("method")
    recon = table["reconstruction MSE"]
    assert recon["t-SNE"] == "cannot" and recon["UMAP"] == "cannot"
    assert 0 < float(recon["Autoencoder"]) < 1 and 0 < float(recon["PCA"]) < 1


def test_three_d_view_draws_rotatable_panels(lab):
    lab.radio(key="cmp_dim").set_value("3-D").run()
    assert not lab.exception
    kinds = {tr["type"] for k, f in charts(lab).items() if k.startswith("cmp_panel3d") for tr in f["data"]}
    assert kinds == {"scatter3d"}
    assert len(lab.dataframe[0].value) == 4
    lab.radio(key="cmp_dim").set_value("2-D").run()


def test_tsne_learning_rate_and_iterations_reach_the_embedding(lab, monkeypatch):
    seen = []
    real = projection_views.project_tsne

    def spy(x, dim=2, **kw):
        seen.append(kw)
        return real(x, dim, **kw)

    monkeypatch.setattr(projection_views, "project_tsne", spy)
    lab.number_input(key="cmp_tsne_lr").set_value(150.0).run()
    lab.number_input(key="cmp_tsne_iter").set_value(500).run()
    assert not lab.exception
    assert seen[-1]["learning_rate"] == 150.0 and seen[-1]["max_iter"] == 500
    lab.number_input(key="cmp_tsne_lr").set_value(0.0).run()
    lab.number_input(key="cmp_tsne_iter").set_value(1000).run()


def test_a_repeat_is_served_from_the_cache(lab, monkeypatch):
    calls = {"tsne": 0, "umap": 0}
    for name in calls:
        real = getattr(projection_views, f"project_{name}")

        def counted(*a, _real=real, _name=name, **kw):
            calls[_name] += 1
            return _real(*a, **kw)

        monkeypatch.setattr(projection_views, f"project_{name}", counted)
    lab.number_input(key="cmp_seed").set_value(7).run()  # a sample nobody computed yet
    assert calls == {"tsne": 1, "umap": 1}
    lab.run()
    on(lab, "pages/2_Latent_space.py")
    on(lab, "pages/3_Compare.py")
    assert calls == {"tsne": 1, "umap": 1} and not lab.exception
    lab.number_input(key="cmp_seed").set_value(0).run()


def test_misreading_tsne_shows_the_same_points_at_several_perplexities(lab):
    lab.slider(key="cmp_n").set_value(100).run()
    lab.toggle(key="cmp_strip").set_value(True).run()
    assert not lab.exception
    strip = [f for f in charts(lab).values() if any("perplexity" in a.get("text", "")
                                                    for a in f["layout"].get("annotations", []))]
    assert [a["text"] for a in strip[0]["layout"]["annotations"]] == [
        "perplexity 2", "perplexity 5", "perplexity 30", "perplexity 50"]  # 100 is not below 100 points
    lab.toggle(key="cmp_strip").set_value(False).run()
    lab.slider(key="cmp_n").set_value(200).run()


def test_training_replay_has_a_frame_per_epoch_and_moves(lab):
    on(lab, "pages/2_Latent_space.py")
    fig = charts(lab)["replay_plot"]
    assert [f["name"] for f in fig["frames"]] == ["0", "1", "2", "3"]
    assert [s["label"] for s in fig["layout"]["sliders"][0]["steps"]] == ["0", "1", "2", "3"]
    first, last = (values(fig["frames"][i]["data"][0]["x"]) for i in (0, -1))
    assert not np.allclose(first, last)  # training moved the codes
    run = lab.session_state["aelab_run"]
    assert len(run.snapshots) == 4 and run.snapshots[0][1].shape == (360, 2)


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


ZH = "zh"


@pytest.fixture(scope="module")
def zh() -> AppTest:
    """One Chinese session with a finished 2-epoch run on the 8×8 digits."""
    return tiny_run(fresh(ZH), epochs=2)





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
    assert set(table[t("compare.col_protocol", ZH)]) == {t("proj.protocol_train_test", ZH),
                                                         t("proj.protocol_cv", ZH)}


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


def test_the_metrics_table_has_short_headers_with_their_full_names_on_hover(lab):
    import json

    on(lab, "pages/3_Compare.py")  # the module's lab session may have moved to another page
    config = json.loads(lab.dataframe[0].proto.columns)
    shown = {k: v for k, v in config.items() if not v.get("hidden")}
    assert all(len(v["label"]) <= 10 and v["help"] for v in shown.values()), shown
    assert config[t("compare.col_protocol", "en")].get("hidden") is True  # said once under the table instead
    assert any(c.value.startswith("5-NN accuracy was measured by") for c in lab.caption)
