"""The Draw a digit page's views: everything shown about one drawing, from one function that takes the canvas's
pixel array (so a test can hand it a drawing the way the canvas would)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from aelib.canvas import MNIST_SIDE, Reference, plane, preprocess, read, reference
from aelib.data import Dataset
from aelib.plots import image_rows, latent_scatter
from appkit.state import Run

REF_KEY = "aelab_draw_reference"  # (model id, epochs, dataset name) -> Reference, for this session's model
NEIGHBOURS = 8


def is_drawable(ds: Dataset) -> bool:
    """A canvas drawing is read the way MNIST was made: only for single-channel 28×28 images."""
    return ds.shape == (1, MNIST_SIDE, MNIST_SIDE)


def needs_label(run: Run) -> bool:
    return bool(getattr(run.model, "needs_labels", False))


def _reference(run: Run, ds: Dataset) -> Reference:
    """The codes and training errors the drawing is compared with: computed once per model, not per stroke."""
    token = (id(run.model), len(run.history), ds.name)
    cached = st.session_state.get(REF_KEY)
    if cached is None or cached[0] != token:
        with st.spinner("Encoding the training and test samples (once for this model)…"):
            cached = (token, reference(run.model, ds.x_train, ds.y_train, ds.x_test, ds.y_test))
        st.session_state[REF_KEY] = cached
    return cached[1]


def _scatter(ref: Reference, ds: Dataset, z: np.ndarray) -> go.Figure:
    coords, point, axis = plane(ref, z)
    fig = latent_scatter(coords, ds.y_test, ds.class_names, ds.test_ids, axis=axis,
                         title="Your drawing among the test samples" + (" (PCA of the codes)" if axis == "PC" else ""))
    y = point[1] if len(point) > 1 else 0.0
    fig.add_trace(go.Scatter(x=[point[0]], y=[y], mode="markers", name="your drawing",
                             marker={"symbol": "star", "size": 22, "color": "#EE3377",
                                     "line": {"width": 2, "color": "black"}},
                             hovertemplate="your drawing<extra></extra>"))
    return fig


def show_reading(run: Run, ds: Dataset, drawing: np.ndarray | None, label: int | None = None) -> None:
    """What the model makes of the canvas's (H, W, 4) pixels: the 28×28 it sees, its reconstruction and error,
    the anomaly score against the threshold, the code on the latent scatter and the nearest training samples."""
    if drawing is None:
        st.info("Draw a digit on the canvas: large, in one or a few strokes.")
        return
    try:
        x = preprocess(drawing, side=ds.shape[-1])  # (1, 28, 28)
    except ValueError as err:
        st.info(str(err))
        return
    ref = _reference(run, ds)
    r = read(run.model, x, ref, label, k=NEIGHBOURS)
    st.plotly_chart(image_rows([r.x[None], r.x_hat[None]], ds.shape, ["what the model sees", "reconstruction"]),
                    key="draw_images")
    st.caption("Your drawing was cropped, scaled to fit 20×20 pixels and centred by its mass in 28×28, the "
               "way MNIST's digits were prepared.")
    c1, c2 = st.columns(2)
    c1.metric("Reconstruction error (MSE per pixel)", f"{r.error:.4f}",
              delta=f"{r.error - ref.threshold:+.4f} vs threshold", delta_color="inverse",
              help="The mean squared difference between what the model sees and its reconstruction.")
    c2.metric("Anomaly threshold", f"{ref.threshold:.4f}",
              help="The textbook threshold: mean + 2 standard deviations of the training samples' errors.")
    share = float(np.mean(ref.train_errors > r.error))
    verdict = (st.warning if r.is_anomaly else st.success)
    verdict(("**Unusual for this model**: " if r.is_anomaly else "**Looks familiar to this model**: ")
            + f"its error is {'above' if r.is_anomaly else 'below'} the threshold; {share:.0%} of the training "
              "samples are reconstructed worse.")
    st.plotly_chart(_scatter(ref, ds, r.z), key="draw_scatter")
    st.markdown("**The nearest training samples in latent space**")
    st.plotly_chart(image_rows([ds.x_train[r.neighbours]], ds.shape, ["nearest"]), key="draw_neighbours")
    st.caption("Classes, nearest first: " + ", ".join(ds.class_names[c] for c in ds.y_train[r.neighbours])
               + ". The model never saw these labels; codes close to yours belong to samples it finds similar.")
