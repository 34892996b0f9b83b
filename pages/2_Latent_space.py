"""Where did the model put each test sample? The latent codes, coloured by class."""
import numpy as np
import streamlit as st

from aelib import infer
from aelib.plots import factor_scatter, image_rows, latent_scatter
from aelib.projections import project_pca
from appkit import page, projection_views, widgets
from appkit.replay_view import show_replay

TSNE_MAX = 2000  # t-SNE of the codes embeds at most this many test points

page.setup("Latent space")
st.title("Latent space")
run = widgets.require_run()
ds = widgets.run_dataset(run)
widgets.run_caption(run)
if run.model_cfg.model in ("vae", "cvae"):
    st.caption("A VAE encodes each sample as a distribution; each point is that distribution's mean (μ)."
               + (" A conditional VAE is also given the label, so its codes need not separate the classes."
                  if run.model_cfg.model == "cvae" else ""))
elif run.model_cfg.model == "vq_vae":
    st.caption("A VQ-VAE's codes are codebook entries: many samples share exactly the same point.")

z = infer.encode(run.model, ds.x_test, ds.y_test)  # (N_test, code width)
labels, ids, axis = ds.y_test, ds.test_ids, "z"
if z.shape[1] > 2:
    how = st.radio("The latent space has more than two dimensions. Show:",
                   ["PCA of the codes", "t-SNE of the codes", "the first two dimensions"],
                   horizontal=True, key="latent_view")
    if how == "PCA of the codes":
        coords, axis = project_pca(infer.encode(run.model, ds.x_train, ds.y_train), z).test, "PC"
    elif how == "t-SNE of the codes":
        n = min(len(z), TSNE_MAX)
        st.caption(f"t-SNE of {n:,} test codes. It cannot place new points, so only these are embedded.")
        labels, ids = labels[:n], ids[:n]
        proj, _ = projection_views.tsne(z[:n], labels, 30.0, run.train_cfg.seed, "t-SNE of the codes")
        coords, axis = proj.test, "t-SNE"
    else:
        coords = z[:, :2]
else:
    coords = z

colour = "class"
if ds.factor_names:
    colour = st.radio("Colour by", ["class", *ds.factor_names], horizontal=True, key="latent_colour",
                      help="This set was generated from known factors: see whether a latent axis follows one.")
if colour == "class":
    fig = latent_scatter(coords, labels, ds.class_names, ids, axis=axis)
else:
    factor = ds.f_test[:len(ids), ds.factor_names.index(colour)]  # ids are the first len(ids) test samples
    fig = factor_scatter(coords, factor, colour, ids, axis=axis)
event = st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"), key="latent_plot")
st.caption("The colours are the true classes, which the autoencoder never saw: any grouping by class is "
           "something it found on its own. Hover to see which sample a point is; click a legend entry to hide a "
           "class; select points (box or lasso in the chart's toolbar) to see them below.")

picked = [p["customdata"] for p in (event.selection.points if event and event.selection else [])
          if "customdata" in p]
if picked:
    rows = np.flatnonzero(np.isin(ds.test_ids, picked))[:12]
    st.subheader(f"{len(picked)} selected · showing {len(rows)}")
    x = ds.x_test[rows]
    x_hat = infer.reconstruct(run.model, x, ds.y_test[rows])
    st.plotly_chart(image_rows([x, x_hat], ds.shape, ["original", "reconstruction"]))

st.subheader("Training replay: watch the latent space organise")
show_replay(run, ds)
