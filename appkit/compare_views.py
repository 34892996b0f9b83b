"""The Compare page's parts: its controls, the four projections (cached), the linked panels, what a
selection shows, the metrics table and the "how to misread t-SNE" strip."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from aelib import infer
from aelib.data import Dataset, sample_rows
from aelib.estimators import AutoencoderTransformer, ae_projection
from aelib.plots import image_rows, latent_scatter, thumbnails
from aelib.projections import Projection, nearest, pca_reconstruction, project_pca, score
from aelib.projections.plots import perplexity_strip
from appkit import projection_views
from appkit.i18n import current_lang, explain, in_lang, tr
from appkit.state import Run

SELECTED, SOURCE = "cmp_selected", "cmp_source"  # the linked selection: sample ids, and the panel it came from
AXES = {"Autoencoder": "z", "PCA": "PC", "t-SNE": "t-SNE", "UMAP": "UMAP"}  # no-i18n
STRIP_PERPLEXITIES = (2.0, 5.0, 30.0, 50.0, 100.0)
STRIP_POINTS = 500  # t-SNE points in each panel of the perplexity strip
NEIGHBOURS = 6  # shown for a clicked point, per method
GALLERY = 12  # selected samples shown with their reconstructions


@dataclass(frozen=True)
class Settings:
    n: int
    dim: int
    seed: int
    perplexity: float
    learning_rate: float | str
    max_iter: int
    neighbours: int
    min_dist: float


def controls(ds: Dataset) -> Settings:
    c1, c2, c3 = st.columns(3)
    held_out = len(ds.x_test)
    if held_out > 100:
        hi = min(3000, held_out)
        st.session_state["cmp_n"] = min(max(int(st.session_state["cmp_n"]), 100), hi)  # kept across data sets
        n = c1.slider(tr("compare.test_points"), 100, hi, step=100, key="cmp_n", help=tr("compare.test_points_help"))
    else:  # a small uploaded set: use every held-out point
        n = held_out
        c1.caption(tr("compare.all_points", n=held_out))
    views = {"2-D": tr("compare.view_2d"), "3-D": tr("compare.view_3d")}  # the radio's values stay "2-D", "3-D"
    dim = 3 if c2.radio(tr("compare.view"), list(views), horizontal=True, key="cmp_dim",
                        format_func=views.__getitem__, help=tr("compare.view_help")) == "3-D" else 2
    seed = int(c3.number_input(tr("compare.seed"), 0, 10_000, key="cmp_seed"))
    with st.expander(tr("compare.settings")):
        t1, t2, t3 = st.columns(3)
        perplexity = t1.number_input(tr("compare.perplexity"), 1.0, 500.0, step=5.0, key="cmp_perplexity",
                                     help=tr("compare.perplexity_help"))
        lr = t2.number_input(tr("compare.tsne_lr"), 0.0, 10_000.0, step=50.0, key="cmp_tsne_lr",
                             help=tr("compare.tsne_lr_help"))
        iters = int(t3.number_input(tr("compare.tsne_iter"), 250, 5000, step=250, key="cmp_tsne_iter",
                                    help=tr("compare.tsne_iter_help")))
        u1, u2 = st.columns(2)
        neighbours = int(u1.number_input(tr("compare.umap_neighbours"), 2, 200, key="cmp_neighbours",
                                         help=tr("compare.umap_neighbours_help")))
        min_dist = u2.slider(tr("compare.umap_min_dist"), 0.0, 1.0, step=0.05, key="cmp_min_dist",
                             help=tr("compare.umap_min_dist_help"))
    return Settings(n, dim, seed, float(perplexity), float(lr) if lr > 0 else "auto", iters, neighbours,
                    float(min_dist))


def _autoencoder(run: Run, ds: Dataset, x: np.ndarray, y: np.ndarray, key: tuple) -> tuple[Projection, dict]:
    """The model's codes of these points, scored like the others; kept with the run (a rerun is a lookup)."""
    if key not in run.extras:  # through the estimator a notebook uses, so both compute the same numbers
        est = AutoencoderTransformer.from_model(run.model)
        proj = ae_projection(est, ds.x_train, x, ds.y_train, y, fit_seconds=run.seconds)
        run.extras[key] = (proj, score(proj, x, ds.y_train, y, key[-1]))
    return run.extras[key]


def projections(run: Run, ds: Dataset, s: Settings, x: np.ndarray, y: np.ndarray) -> dict:
    """{method: a call that returns (projection, metrics)}. t-SNE and UMAP are submitted to the job pool at once
    and waited for only when their panel is drawn, so the quick panels appear first. A method whose settings are
    impossible is left out with a message."""
    # the methods' English names are keys (widget keys, AXES, method_names), not text
    pending = {"Autoencoder": lambda: _autoencoder(run, ds, x, y, ("compare_ae", s.n, s.seed)),  # no-i18n
               "PCA": lambda: projection_views.pca(ds.x_train, x, ds.y_train, y, s.seed, s.dim)}
    try:
        pending["t-SNE"] = projection_views.tsne_later(x, y, s.perplexity, s.seed,
                                                       tr("compare.tsne_progress", n=f"{len(x):,}"),
                                                       s.dim, s.max_iter, s.learning_rate)
    except ValueError as err:
        st.error(explain(err))
    try:
        pending["UMAP"] = projection_views.umap_later(ds.x_train, x, ds.y_train, y, s.neighbours, s.min_dist, s.seed,
                                                      tr("compare.umap_progress", n=f"{len(ds.x_train):,}"), s.dim)
    except ValueError as err:
        st.error(explain(err))
    return pending


def method_names() -> dict[str, str]:
    """Each method's name as the learner reads it (the keys stay English: they are widget keys and test ids)."""
    return {"Autoencoder": tr("compare.method_ae"), "PCA": "PCA", "t-SNE": "t-SNE", "UMAP": "UMAP"}  # no-i18n


def view_coords(name: str, proj: Projection, dim: int) -> tuple[np.ndarray, str, str]:
    """What a panel plots: (coordinates, title, axis name). A code wider than the view is shown through its own
    PCA (fitted on the training codes)."""
    if name == "Autoencoder" and proj.test.shape[1] > dim:
        coords = project_pca(proj.train, proj.test, dim).test
        return coords, tr("compare.ae_pca_view", d=proj.test.shape[1]), "PC"  # no-i18n
    return proj.test, method_names().get(name, name), AXES[name]


def selected_ids(event) -> list[int]:
    """The sample ids in a plotly chart's selection state (each point carries its id as customdata)."""
    points = event["selection"]["points"] if event and event.get("selection") else []
    return [int(np.ravel(p["customdata"])[0]) for p in points if "customdata" in p]


def _on_select(name: str) -> None:
    st.session_state[SELECTED] = selected_ids(st.session_state.get(f"cmp_panel_{name}"))
    st.session_state[SOURCE] = name


def selection(ids: np.ndarray) -> np.ndarray:
    """The selected sample ids that are among the points shown."""
    return np.intersect1d(np.asarray(st.session_state.get(SELECTED, []), dtype=int), ids)


def panels(pending: dict, y: np.ndarray, ids: np.ndarray, ds: Dataset, dim: int,
           x: np.ndarray | None = None) -> tuple[dict, dict]:
    """Two panels a row (readable on a projector), colours and legend shared, each drawn as soon as its method
    is ready; a box, lasso or click in one panel highlights the same samples in all; given the samples `x` (rows
    matching ids), hovering a point draws it. Returns the results {method: (projection, metrics)} and each
    panel's plotted coordinates."""
    picked = selection(ids)
    drawn = thumbnails(x, ds.shape) if x is not None else None  # made once, shared by every panel
    grid = [c for _ in range(0, len(pending), 2) for c in st.columns(2)]
    results, coords = {}, {}
    for i, (col, (name, get)) in enumerate(zip(grid, pending.items())):
        with col:
            try:
                results[name] = get()
            except ValueError as err:  # settings the up-front checks could not foresee
                st.error(f"{method_names().get(name, name)}: {explain(err)}")
                continue
        proj = results[name][0]
        coords[name], title, axis = view_coords(name, proj, dim)
        fig = latent_scatter(coords[name], y, ds.class_names, ids, title=title, axis=axis,
                             legend="right" if i % 2 else None, highlight=picked if len(picked) else None,
                             thumbs=drawn, lang=current_lang())
        if coords[name].shape[1] == 3:
            col.plotly_chart(fig, key=f"cmp_panel3d_{name}")
        else:
            col.plotly_chart(fig, key=f"cmp_panel_{name}", on_select=lambda n=name: _on_select(n),
                             selection_mode=("points", "box", "lasso"))
    return results, coords


def show_selection(run: Run, ds: Dataset, x: np.ndarray, y: np.ndarray, ids: np.ndarray, coords: dict,
                   seed: int) -> None:
    """One clicked point: its image, reconstructions and nearest neighbours in every view. Several: a gallery."""
    picked = selection(ids)
    if not len(picked):
        st.caption(tr("compare.select_hint"))
        return
    head, clear = st.columns([5, 1])
    names = method_names()
    source = st.session_state.get(SOURCE)
    source = names.get(source, source) if source else tr("compare.a_panel")
    if clear.button(tr("compare.clear"), key="cmp_clear"):
        st.session_state[SELECTED] = []
        st.rerun()
    rows = np.flatnonzero(np.isin(ids, picked))
    if len(rows) > 1:
        counts = pd.Series(np.asarray(ds.class_names)[y[rows]]).value_counts()
        head.subheader(tr("compare.n_selected", n=len(rows), source=source))
        head.caption(tr("compare.classes", counts=", ".join(f"{k} × {v}" for k, v in counts.items())))
        show = rows[:GALLERY]
        st.plotly_chart(image_rows([x[show], infer.reconstruct(run.model, x[show], y[show])], ds.shape,
                                   [tr("compare.row_original"), tr("compare.row_ae")]), key="cmp_gallery")
        return
    row = int(rows[0])
    head.subheader(tr("compare.one_selected", id=ids[row], cls=ds.class_names[y[row]], source=source))
    k = min(run.model_cfg.latent_dim, ds.input_dim)  # PCA with as many numbers per sample as the model's code
    one = slice(row, row + 1)
    left, right = st.columns([3, 8])  # wide enough for the row labels
    left.plotly_chart(image_rows([x[one], infer.reconstruct(run.model, x[one], y[one]),
                                  pca_reconstruction(ds.x_train, x[one], k, seed)], ds.shape,
                                 [tr("compare.row_original"), tr("compare.row_ae"),
                                  tr("compare.row_pca", k=k)]), key="cmp_sample")
    near = {name: nearest(c, c[row], NEIGHBOURS, exclude=row) for name, c in {"pixels": x, **coords}.items()}
    names["pixels"] = tr("compare.row_pixels")
    right.plotly_chart(image_rows([x[idx] for idx in near.values()], ds.shape, [names.get(n, n) for n in near]),
                       key="cmp_neighbour_images")
    same = ", ".join(f"{names.get(name, name)} {int((y[idx] == y[row]).sum())}/{len(idx)}"
                     for name, idx in near.items())
    st.caption(tr("compare.neighbours_caption", k=NEIGHBOURS, n=f"{len(x):,}", same=same))


METRIC_COLUMNS = ("method", "knn", "protocol", "trust", "continuity", "silhouette", "fit_seconds", "place_seconds",
                  "recon")


def metrics_table(results: dict) -> None:
    """One row per method. The columns keep their full names, but each is shown under a short header whose hover
    gives the full name, so the table fits its column on a projector; how 5-NN was measured is said under the
    table, once per protocol, instead of in a wide column of its own."""
    cannot = tr("compare.cannot")
    names = method_names()
    full = {c: tr(f"compare.col_{c}") for c in METRIC_COLUMNS}
    table = pd.DataFrame([dict(zip(full.values(), (
        names.get(k, k), m["knn_accuracy"], in_lang(m["knn_protocol"]), m["trustworthiness"], m["continuity"],
        m["silhouette"], m["seconds"], cannot if m["place_seconds"] is None else f"{m['place_seconds']:.3f}",
        cannot if m["recon_mse"] is None else f"{m['recon_mse']:.4f}"))) for k, (_, m) in results.items()])
    config = {full[c]: None if c == "protocol" else st.column_config.Column(tr(f"compare.short_{c}"), help=full[c])
              for c in METRIC_COLUMNS}
    st.dataframe(table, hide_index=True, column_config=config)
    protocols: dict[str, list[str]] = {}
    for k, (_, m) in results.items():
        protocols.setdefault(in_lang(m["knn_protocol"]), []).append(names.get(k, k))
    st.caption(tr("compare.protocols", protocols=tr("compare.protocol_sep").join(
        tr("compare.protocol_item", methods=tr("compare.method_sep").join(who), how=how)
        for how, who in protocols.items())))


def misreading_tsne(x: np.ndarray, y: np.ndarray, ds: Dataset, seed: int) -> None:
    """The same points at several perplexities (Wattenberg, Viégas & Johnson 2016, "How to Use t-SNE Effectively")."""
    st.markdown(tr("compare.misread_intro", n=min(STRIP_POINTS, len(x))))
    if not st.toggle(tr("compare.strip_toggle"), key="cmp_strip"):
        return
    pts, labels = x[:STRIP_POINTS], y[:STRIP_POINTS]
    usable = [p for p in STRIP_PERPLEXITIES if p < len(pts)]
    runs = [projection_views.tsne(pts, labels, p, seed, tr("compare.strip_progress", p=f"{p:g}")) for p in usable]
    st.plotly_chart(perplexity_strip([proj.test for proj, _ in runs], usable, labels, ds.class_names,
                                     lang=current_lang()), key="cmp_strip_plot")
    scores = ", ".join(tr("compare.strip_score", p=f"{p:g}", acc=f"{m['knn_accuracy']:.2f}")
                       for p, (_, m) in zip(usable, runs))
    st.caption(tr("compare.strip_caption", scores=scores))


def sample(ds: Dataset, s: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = sample_rows(len(ds.x_test), s.n, s.seed)
    return ds.x_test[rows], ds.y_test[rows], ds.test_ids[rows]
