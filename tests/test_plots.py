"""aelib.plots: the figures build and carry the data, colours and panels the pages rely on."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from aelib import plots
from aelib.experiment import history_dicts
from aelib.i18n import t
from aelib.models import ModelConfig, build_model
from aelib.plots import PALETTE, SYMBOLS, image_rows, latent_scatter, loss_curves, style
from aelib.train import TrainConfig, train


@pytest.fixture(scope="module")
def histories(small_digits):
    out = {}
    for name in ("ae", "vae"):
        model = build_model(ModelConfig(model=name, input_shape=(1, 8, 8), hidden=(16,)))
        out[name] = history_dicts(list(train(model, small_digits.x_train[:100], small_digits.x_test[:50],
                                             TrainConfig(epochs=3))))
    return out


def subplot_titles(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


# -- loss curves ------------------------------------------------------------------------------------------

def test_loss_curves_ae(histories):
    fig = loss_curves(histories["ae"], lang="en")
    assert isinstance(fig, go.Figure)
    assert subplot_titles(fig) == ["total loss"]  # recon equals the loss for a plain AE: one panel
    assert len(fig.data) == 2
    train_trace, val_trace = fig.data
    assert list(train_trace.x) == [1, 2, 3]
    assert list(train_trace.y) == [h["train"]["loss"] for h in histories["ae"]]
    assert list(val_trace.y) == [h["val"]["loss"] for h in histories["ae"]]
    assert train_trace.line.dash == "solid" and val_trace.line.dash == "dash"


def test_loss_curves_vae_has_kl_panel(histories):
    fig = loss_curves(histories["vae"], lang="en")
    assert subplot_titles(fig) == ["total loss", "reconstruction", "KL divergence"]
    assert len(fig.data) == 6
    kl_train = [t for t in fig.data if t.xaxis == "x3" and t.line.dash == "solid"]
    assert len(kl_train) == 1
    assert list(kl_train[0].y) == [h["train"]["kl"] for h in histories["vae"]]
    assert sum(t.showlegend for t in fig.data) == 2  # one legend entry per split, not per panel
    fig.to_json()  # serialisable, as st.plotly_chart needs


def test_loss_curves_empty_history():
    fig = loss_curves([], lang="en")
    assert subplot_titles(fig) == ["total loss"]
    assert all(len(t.x) == 0 for t in fig.data)


# -- image rows -------------------------------------------------------------------------------------------

def test_image_rows_images():
    rng = np.random.default_rng(0)
    rows = [rng.random((5, 64)), rng.random((5, 64))]
    fig = image_rows(rows, (1, 8, 8), ["original", "reconstruction"])
    (heat,) = fig.data
    z = np.asarray(heat.z, dtype=float)
    assert z.shape == (2 * 9, 5 * 9)  # one pixel of gap after every tile
    np.testing.assert_array_equal(z[0:8, 0:8], rows[0][0].reshape(8, 8))
    np.testing.assert_array_equal(z[9:17, 18:26], rows[1][2].reshape(8, 8))
    assert np.isnan(z[8, :]).all() and np.isnan(z[:, 8]).all()
    assert list(fig.layout.yaxis.ticktext) == ["original", "reconstruction"]
    assert (heat.zmin, heat.zmax) == (0, 1)
    fig.to_json()


def test_image_rows_tabular():
    rng = np.random.default_rng(0)
    rows = [rng.random((4, 20)), rng.random((4, 20)), rng.random((4, 20))]
    fig = image_rows(rows, (20,), ["a", "b", "c"])
    z = np.asarray(fig.data[0].z, dtype=float)
    gap = 3  # tabular blocks are separated by three blank cells
    assert z.shape == (3 * (1 + gap), 4 * (20 + gap))
    np.testing.assert_array_equal(z[1 + gap, 20 + gap:2 * 20 + gap], rows[1][1])
    assert np.isnan(z[1:1 + gap, :]).all() and np.isnan(z[:, 20:20 + gap]).all()
    assert fig.data[0].showscale is True  # value strips get a colour bar; greyscale images do not
    assert image_rows(rows, (1, 4, 5), ["a", "b", "c"]).data[0].showscale is False


# -- latent scatter ---------------------------------------------------------------------------------------

def test_latent_scatter_one_trace_per_present_class():
    rng = np.random.default_rng(0)
    y = np.array([0, 2, 2, 5, 0, 5, 5, 2])
    z = rng.normal(size=(8, 2))
    ids = np.array([10, 11, 12, 13, 14, 15, 16, 17])
    names = [f"c{i}" for i in range(7)]
    fig = latent_scatter(z, y, names, ids=ids, title="codes", lang="en")
    assert [t.name for t in fig.data] == ["c0", "c2", "c5"]
    for trace, c in zip(fig.data, (0, 2, 5)):
        mask = y == c
        np.testing.assert_array_equal(trace.customdata, ids[mask])
        np.testing.assert_array_equal(trace.x, z[mask, 0])
        np.testing.assert_array_equal(trace.y, z[mask, 1])
        assert "%{customdata}" in trace.hovertemplate and f"c{c}" in trace.hovertemplate
    colours = [t.marker.color for t in fig.data]
    assert len(set(colours)) == len(colours)
    assert len({t.marker.symbol for t in fig.data}) == len(colours)
    assert fig.layout.title.text == "codes"


def test_latent_scatter_default_ids_and_one_dim():
    z = np.array([[0.5], [1.5], [2.5]])
    fig = latent_scatter(z, np.array([1, 1, 0]), ["a", "b"], lang="en")
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_array_equal(by_name["b"].customdata, [0, 1])
    np.testing.assert_array_equal(by_name["b"].y, [0, 0])  # a 1-D code is drawn on a line


def test_latent_scatter_switches_to_webgl_for_many_points(monkeypatch):
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(40, 2)), np.arange(40) % 3
    assert {type(t) for t in latent_scatter(z, y, ["a", "b", "c"], lang="en").data} == {go.Scatter}
    monkeypatch.setattr(plots, "SVG_MAX", 30)
    fig = latent_scatter(z, y, ["a", "b", "c"], lang="en")
    assert {type(t) for t in fig.data} == {go.Scattergl}
    assert sum(len(t.x) for t in fig.data) == 40


def test_class_colour_is_stable_across_figures():
    names = [str(i) for i in range(10)]
    z = np.zeros((4, 2))
    a = latent_scatter(z, np.array([3, 7, 7, 9]), names, lang="en")
    b = latent_scatter(z, np.array([0, 1, 3, 9]), names, lang="en")
    colour_a = {t.name: t.marker.color for t in a.data}
    colour_b = {t.name: t.marker.color for t in b.data}
    for shared in ("3", "9"):
        assert colour_a[shared] == colour_b[shared] == style(int(shared))[0]


def test_style_distinct_for_ten_classes():
    styles = [style(i) for i in range(10)]
    assert len({c for c, _ in styles}) == 10 and len({s for _, s in styles}) == 10
    assert style(10) == style(0)
    assert len(PALETTE) == len(SYMBOLS) == 10


# -- the language is a required keyword --------------------------------------------------------------------
def functions_with_lang() -> dict[str, ast.arguments]:
    """"module:function" -> its arguments, for every aelib function with a `lang` parameter outside aelib.i18n (whose
    t() and say() default to English on purpose: they are the tables' own look-ups)."""
    root = Path(__file__).resolve().parents[1] / "aelib"
    found = {}
    for path in sorted(root.rglob("*.py")):
        if path.name == "i18n.py" and path.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and "lang" in {a.arg for a in [*node.args.args,
                                                                                 *node.args.kwonlyargs]}:
                found[f"{path.relative_to(root.parent)}:{node.name}"] = node.args
    return found


def test_every_function_that_words_something_takes_lang_as_a_required_keyword():
    found = functions_with_lang()
    assert {"aelib/plots.py:loss_curves", "aelib/experiment.py:warnings_for",
            "aelib/projections/plots.py:perplexity_strip"} <= found.keys()  # the scan sees them
    positional = [name for name, args in found.items() if "lang" in {a.arg for a in args.args}]
    defaulted = [name for name, args in found.items() if "lang" not in {a.arg for a in args.args}
                 and args.kw_defaults[[a.arg for a in args.kwonlyargs].index("lang")] is not None]
    assert positional == [] and defaulted == []


def test_a_figure_without_a_language_is_a_type_error():
    with pytest.raises(TypeError, match="lang"):
        loss_curves([])  # a page that forgets lang= fails its AppTest instead of showing English
    assert loss_curves([], lang="zh").layout.xaxis.title.text == t("plots.epoch", "zh")


def test_curves_put_ticks_at_the_given_sizes_on_a_log_axis_and_whole_numbers_on_a_short_one():
    from aelib.models.zoo_plots import curves

    log = curves([2, 8, 32], {"a": [0.04, 0.02, 0.02]}, "t", "code size", "mse", log_x=True).to_dict()["layout"]
    assert log["xaxis"]["type"] == "log" and list(log["xaxis"]["tickvals"]) == [2, 8, 32]
    assert list(log["xaxis"]["ticktext"]) == ["2", "8", "32"]
    short = curves([1, 2, 3, 4], {"a": [1, 2, 3, 4]}, "t", "angle", "deg").to_dict()["layout"]
    assert list(short["xaxis"]["tickvals"]) == [1, 2, 3, 4]  # never 1.5, 2.5
    assert short["xaxis"]["automargin"] is True and short["yaxis"]["automargin"] is True
    long = curves(list(np.linspace(0, 1, 5)), {"a": [0] * 5}, "t", "x", "y").to_dict()["layout"]
    assert "tickvals" not in long["xaxis"]


def test_filter_grid_is_a_grid_on_a_scale_centred_on_zero():
    from aelib.models.zoo_plots import filter_grid

    w = np.random.default_rng(0).normal(0.1, 0.3, (32, 9))
    hm = filter_grid(w, 3, 3, "filters", lang="en").data[0]
    z = np.asarray(hm.z, dtype=float)
    assert z.shape == (4 * 4 - 1, 8 * 4 - 1)  # 32 filters, eight to a row, one blank line between tiles
    assert hm.zmid == 0 and hm.zmin == -hm.zmax == -np.abs(w).max()
    assert "RdBu" in str(hm.colorscale) or "rgb(5,48,97)" in str(hm.colorscale)
    np.testing.assert_allclose(z[:3, :3], w[0].reshape(3, 3))


def test_the_labs_legend_sits_below_the_axis_title_not_on_it():
    from aelib.models.zoo_plots import curves

    layout = curves([1, 2, 3], {"a": [1, 2, 3], "b": [3, 2, 1]}, "t", "a long x-axis title", "y").to_dict()["layout"]
    assert layout["legend"]["yref"] == "container" and layout["legend"]["y"] == 0
    assert layout["margin"]["b"] >= 80  # ticks, the axis title and then the legend
