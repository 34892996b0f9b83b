"""The projections lab through AppTest: linked selection, a clicked point's details, 3-D, the t-SNE controls and
perplexity strip, the reconstruction column, caching, and the training replay on the Latent space page."""
from __future__ import annotations

import numpy as np
import pytest

from appkit import projection_views
from tests.app.test_pages import figure, fresh, on, tiny_run, values

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
    return np.concatenate([values(t["customdata"]) for t in fig["data"]])


def highlighted(fig: dict) -> set[int]:
    out = set()
    for t in fig["data"]:
        ids = values(t["customdata"])
        out |= {int(ids[i]) for i in values(t.get("selectedpoints", []))}
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
    kinds = {t["type"] for k, f in charts(lab).items() if k.startswith("cmp_panel3d") for t in f["data"]}
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
