"""The Compare page's parts: its controls, the four projections (cached), the linked panels, what a
selection shows, the metrics table and the "how to misread t-SNE" strip."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from aelib import infer
from aelib.data import Dataset, sample_rows
from aelib.plots import image_rows, latent_scatter
from aelib.projection_plots import perplexity_strip
from aelib.projections import Projection, nearest, pca_reconstruction, project_pca, score
from appkit import projection_views
from appkit.state import Run

SELECTED, SOURCE = "cmp_selected", "cmp_source"  # the linked selection: sample ids, and the panel it came from
AXES = {"Autoencoder": "z", "PCA": "PC", "t-SNE": "t-SNE", "UMAP": "UMAP"}
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
        n = c1.slider("Test points", 100, hi, step=100, key="cmp_n",
                      help="The same held-out points go into every panel and every number.")
    else:  # a small uploaded set: use every held-out point
        n = held_out
        c1.caption(f"All {held_out} held-out points are used.")
    dim = 3 if c2.radio("View", ["2-D", "3-D"], horizontal=True, key="cmp_dim",
                        help="3-D views rotate with the mouse; selecting points works in 2-D only.") == "3-D" else 2
    seed = int(c3.number_input("Sample seed", 0, 10_000, key="cmp_seed"))
    with st.expander("t-SNE and UMAP settings"):
        t1, t2, t3 = st.columns(3)
        perplexity = t1.number_input("t-SNE perplexity", 1.0, 500.0, step=5.0, key="cmp_perplexity",
                                     help="Roughly how many neighbours each point pays attention to. Must be "
                                          "smaller than the number of points; 5-50 is usual.")
        lr = t2.number_input("t-SNE learning rate (0 = auto)", 0.0, 10_000.0, step=50.0, key="cmp_tsne_lr",
                             help="Step size of t-SNE's gradient descent. 'auto' (0 here) uses n / 48, which "
                                  "suits most sizes; too small leaves points in a tight ball, too large scatters.")
        iters = int(t3.number_input("t-SNE iterations", 250, 5000, step=250, key="cmp_tsne_iter",
                                    help="The first 250 exaggerate the clusters; too few and it has not settled."))
        u1, u2 = st.columns(2)
        neighbours = int(u1.number_input("UMAP neighbours", 2, 200, key="cmp_neighbours",
                                         help="How local UMAP's picture is: few neighbours keep fine detail, "
                                              "many keep the global layout. 5-50 is usual."))
        min_dist = u2.slider("UMAP min_dist", 0.0, 1.0, step=0.05, key="cmp_min_dist",
                             help="How tightly UMAP may pack points together: small values give dense clumps.")
    return Settings(n, dim, seed, float(perplexity), float(lr) if lr > 0 else "auto", iters, neighbours,
                    float(min_dist))


def _autoencoder(run: Run, ds: Dataset, x: np.ndarray, y: np.ndarray, key: tuple) -> tuple[Projection, dict]:
    """The model's codes of these points, scored like the others; kept with the run (a rerun is a lookup)."""
    if key not in run.extras:
        z_train = infer.encode(run.model, ds.x_train, ds.y_train)
        t0 = time.perf_counter()
        z_test = infer.encode(run.model, x, y)
        proj = Projection("ae", z_test, z_train, run.seconds, time.perf_counter() - t0,
                          infer.mse(run.model, x, y))
        run.extras[key] = (proj, score(proj, x, ds.y_train, y, key[-1]))
    return run.extras[key]


def projections(run: Run, ds: Dataset, s: Settings, x: np.ndarray, y: np.ndarray) -> dict:
    """{method: a call that returns (projection, metrics)}. t-SNE and UMAP are submitted to the job pool at once
    and waited for only when their panel is drawn, so the quick panels appear first. A method whose settings are
    impossible is left out with a message."""
    pending = {"Autoencoder": lambda: _autoencoder(run, ds, x, y, ("compare_ae", s.n, s.seed)),
               "PCA": lambda: projection_views.pca(ds.x_train, x, ds.y_train, y, s.seed, s.dim)}
    try:
        pending["t-SNE"] = projection_views.tsne_later(x, y, s.perplexity, s.seed, f"t-SNE on {len(x):,} points",
                                                       s.dim, s.max_iter, s.learning_rate)
    except ValueError as err:
        st.error(str(err))
    try:
        pending["UMAP"] = projection_views.umap_later(ds.x_train, x, ds.y_train, y, s.neighbours, s.min_dist, s.seed,
                                                      f"UMAP fitted on {len(ds.x_train):,} training points", s.dim)
    except ValueError as err:
        st.error(str(err))
    return pending


def view_coords(name: str, proj: Projection, dim: int) -> tuple[np.ndarray, str, str]:
    """What a panel plots: (coordinates, title, axis name). A code wider than the view is shown through its own
    PCA (fitted on the training codes)."""
    if name == "Autoencoder" and proj.test.shape[1] > dim:
        coords = project_pca(proj.train, proj.test, dim).test
        return coords, f"Autoencoder ({proj.test.shape[1]}-D code, PCA view)", "PC"
    return proj.test, name, AXES[name]


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


def panels(pending: dict, y: np.ndarray, ids: np.ndarray, ds: Dataset, dim: int) -> tuple[dict, dict]:
    """Two panels a row (readable on a projector), colours and legend shared, each drawn as soon as its method
    is ready; a box, lasso or click in one panel highlights the same samples in all. Returns the results
    {method: (projection, metrics)} and each panel's plotted coordinates."""
    picked = selection(ids)
    grid = [c for _ in range(0, len(pending), 2) for c in st.columns(2)]
    results, coords = {}, {}
    for i, (col, (name, get)) in enumerate(zip(grid, pending.items())):
        with col:
            try:
                results[name] = get()
            except ValueError as err:  # settings the up-front checks could not foresee
                st.error(f"{name}: {err}")
                continue
        proj = results[name][0]
        coords[name], title, axis = view_coords(name, proj, dim)
        fig = latent_scatter(coords[name], y, ds.class_names, ids, title=title, axis=axis,
                             legend="right" if i % 2 else None, highlight=picked if len(picked) else None)
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
        st.caption("Click a point, or draw a box or lasso (chart toolbar), in any panel: the same samples light up "
                   "in all four, and the samples themselves appear here.")
        return
    head, clear = st.columns([5, 1])
    source = st.session_state.get(SOURCE, "a panel")
    if clear.button("Clear selection", key="cmp_clear"):
        st.session_state[SELECTED] = []
        st.rerun()
    rows = np.flatnonzero(np.isin(ids, picked))
    if len(rows) > 1:
        counts = pd.Series(np.asarray(ds.class_names)[y[rows]]).value_counts()
        head.subheader(f"{len(rows)} points selected in {source}")
        head.caption("Classes: " + ", ".join(f"{k} × {v}" for k, v in counts.items()))
        show = rows[:GALLERY]
        st.plotly_chart(image_rows([x[show], infer.reconstruct(run.model, x[show], y[show])], ds.shape,
                                   ["original", "autoencoder"]), key="cmp_gallery")
        return
    row = int(rows[0])
    head.subheader(f"Sample #{ids[row]} (class {ds.class_names[y[row]]}), picked in {source}")
    k = min(run.model_cfg.latent_dim, ds.input_dim)  # PCA with as many numbers per sample as the model's code
    one = slice(row, row + 1)
    left, right = st.columns([3, 8])  # wide enough for the row labels
    left.plotly_chart(image_rows([x[one], infer.reconstruct(run.model, x[one], y[one]),
                                  pca_reconstruction(ds.x_train, x[one], k, seed)], ds.shape,
                                 ["original", "autoencoder", f"PCA, {k} components"]), key="cmp_sample")
    near = {name: nearest(c, c[row], NEIGHBOURS, exclude=row) for name, c in {"pixels": x, **coords}.items()}
    right.plotly_chart(image_rows([x[idx] for idx in near.values()], ds.shape, list(near)),
                       key="cmp_neighbour_images")
    same = ", ".join(f"{name} {int((y[idx] == y[row]).sum())}/{len(idx)}" for name, idx in near.items())
    st.caption(f"Left: the sample and what each method rebuilds from its code. Right: its {NEIGHBOURS} nearest "
               f"neighbours among these {len(x):,} points, in the raw pixels and in each panel (nearest first). "
               f"Same class as the sample: {same}.")


def _placing(seconds: float | None) -> str:
    return "cannot" if seconds is None else f"{seconds:.3f}"


def metrics_table(results: dict) -> None:
    table = pd.DataFrame([{"method": k, "5-NN accuracy": m["knn_accuracy"], "how 5-NN was measured": m["knn_protocol"],
                           "trustworthiness (k=10)": m["trustworthiness"], "continuity (k=10)": m["continuity"],
                           "silhouette": m["silhouette"], "fit seconds": m["seconds"],
                           "seconds to place new points": _placing(m["place_seconds"]),
                           "reconstruction MSE": "cannot" if m["recon_mse"] is None else f"{m['recon_mse']:.4f}"}
                          for k, (_, m) in results.items()])
    st.dataframe(table, hide_index=True)


def misreading_tsne(x: np.ndarray, y: np.ndarray, ds: Dataset, seed: int) -> None:
    """The same points at several perplexities (Wattenberg, Viégas & Johnson 2016, "How to Use t-SNE Effectively")."""
    st.markdown("t-SNE's picture depends on its settings, and some of what it shows is not in the data: **cluster "
                "sizes** mean nothing (t-SNE evens out densities), **distances between clusters** may mean "
                "nothing, and at a low perplexity even random data breaks into clumps. Here are the same "
                f"{min(STRIP_POINTS, len(x))} points at five perplexities.")
    if not st.toggle("Run t-SNE at five perplexities", key="cmp_strip"):
        return
    pts, labels = x[:STRIP_POINTS], y[:STRIP_POINTS]
    usable = [p for p in STRIP_PERPLEXITIES if p < len(pts)]
    runs = [projection_views.tsne(pts, labels, p, seed, f"t-SNE at perplexity {p:g}") for p in usable]
    st.plotly_chart(perplexity_strip([proj.test for proj, _ in runs], usable, labels, ds.class_names),
                    key="cmp_strip_plot")
    st.caption("5-NN accuracy inside each: " + ", ".join(f"perplexity {p:g}: {m['knn_accuracy']:.2f}"
                                                         for p, (_, m) in zip(usable, runs))
               + ". Low perplexity: many small islands; high: rounder, more global shapes. None of them is "
                 "'the' structure of the data.")


def sample(ds: Dataset, s: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = sample_rows(len(ds.x_test), s.n, s.seed)
    return ds.x_test[rows], ds.y_test[rows], ds.test_ids[rows]
