"""The autoencoder's latent space beside PCA, t-SNE and UMAP: same test points, same colours, same numbers."""
import time

import pandas as pd
import streamlit as st

from aelib import infer
from aelib.data import sample_rows
from aelib.plots import latent_scatter
from aelib.projections import Projection, project_pca, score
from appkit import page, projection_views, widgets

page.setup("Compare")
st.title("Autoencoder vs PCA vs t-SNE vs UMAP")
run = widgets.require_run()
ds = widgets.run_dataset(run)
widgets.run_caption(run)

c1, c2, c3, c4, c5 = st.columns(5)
n = c1.slider("Test points", 100, min(3000, len(ds.x_test)), min(1000, len(ds.x_test)), 100, key="cmp_n")
perplexity = c2.number_input("t-SNE perplexity", 1.0, 500.0, 30.0, 5.0, key="cmp_perplexity",
                             help="Roughly how many neighbours each point pays attention to. Must be "
                                  "smaller than the number of points; 5-50 is usual.")
neighbours = int(c3.number_input("UMAP neighbours", 2, 200, 15, key="cmp_neighbours",
                                 help="How local UMAP's picture is: few neighbours keep fine detail, many keep "
                                      "the global layout. 5-50 is usual."))
min_dist = c4.slider("UMAP min_dist", 0.0, 1.0, 0.1, 0.05, key="cmp_min_dist",
                     help="How tightly UMAP may pack points together: small values give dense clumps.")
seed = int(c5.number_input("Sample seed", 0, 10_000, 0, key="cmp_seed"))
rows = sample_rows(len(ds.x_test), n, seed)
x, y, ids = ds.x_test[rows], ds.y_test[rows], ds.test_ids[rows]

z_train = infer.encode(run.model, ds.x_train, ds.y_train)
t0 = time.perf_counter()
z_test = infer.encode(run.model, x, y)
ae = Projection("ae", z_test, z_train, run.seconds, place_seconds=time.perf_counter() - t0)
results = {"Autoencoder": (ae, score(ae, x, ds.y_train, y, seed)),
           "PCA": projection_views.pca(ds.x_train, x, ds.y_train, y, seed)}
try:
    results["t-SNE"] = projection_views.tsne(x, y, perplexity, seed, f"t-SNE on {n:,} points")
except ValueError as err:
    st.error(str(err))
try:
    results["UMAP"] = projection_views.umap(ds.x_train, x, ds.y_train, y, neighbours, min_dist, seed,
                                            f"UMAP fitted on {len(ds.x_train):,} training points")
except ValueError as err:
    st.error(str(err))

grid = [c for _ in range(0, len(results), 2) for c in st.columns(2)]  # two panels a row, readable on a projector
AXES = {"Autoencoder": "z", "PCA": "PC", "t-SNE": "t-SNE", "UMAP": "UMAP"}
for i, (col, (name, (proj, _))) in enumerate(zip(grid, results.items())):
    coords, title, axis = proj.test, name, AXES[name]
    if name == "Autoencoder" and coords.shape[1] > 2:  # plot its first two principal axes
        coords, title, axis = project_pca(z_train, coords).test, f"Autoencoder ({z_test.shape[1]}-D, PCA view)", "PC"
    col.plotly_chart(latent_scatter(coords, y, ds.class_names, ids, title=title, axis=axis,  # colours shared:
                                    legend="right" if i % 2 else None))  # the legend beside each row

def placing(seconds: float | None) -> str:
    return "cannot" if seconds is None else f"{seconds:.3f}"


table = pd.DataFrame([{"method": k, "5-NN accuracy": m["knn_accuracy"], "how 5-NN was measured": m["knn_protocol"],
                       "trustworthiness (k=10)": m["trustworthiness"], "continuity (k=10)": m["continuity"],
                       "silhouette": m["silhouette"], "seconds": m["seconds"],
                       "seconds to place new points": placing(m["place_seconds"])}
                      for k, (_, m) in results.items()])
st.dataframe(table, hide_index=True)
st.markdown(
    "- **5-NN accuracy**: how often a point's 5 nearest neighbours share its class. For the autoencoder "
    "and PCA a classifier is fit on the *training* codes and scored on these test points. t-SNE has no "
    "`transform` for new points, so it is scored by 5-fold cross-validation inside its own embedding, "
    "which every point helped to shape.\n"
    "- **Trustworthiness**: are the neighbours you see in the plot real neighbours in the data? (1 = all.) "
    "**Continuity**: the reverse — are the data's neighbours still neighbours in the plot?\n"
    "- **Silhouette**: how tight and well separated the classes are in the plot (-1 to 1).\n"
    "- **Seconds**: the autoencoder's figure is its training time; the others' are their fit times. Placing new "
    "points: the autoencoder and PCA apply a learned map; UMAP optimises each new point against its fitted "
    "embedding; t-SNE cannot (`TSNE` has no `transform`).")
