"""The Draw a digit page's views: everything shown about one drawing, from one function that takes the canvas's
pixel array (so a test can hand it a drawing the way the canvas would)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from aelib.data import Dataset
from aelib.labs.draw import MNIST_SIDE, Reference, plane, preprocess, read, reference
from aelib.plots import image_rows, latent_scatter, thumbnails
from appkit.i18n import current_lang, explain, tr
from appkit.state import Run

REF_KEY = "aelab_draw_reference"  # (model id, epochs, dataset name) -> Reference, for this session's model
THUMBS_KEY = "aelab_draw_thumbs"  # (dataset name, size, first ids) -> the test samples as hover text
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
        with st.spinner(tr("draw.encoding")):
            cached = (token, reference(run.model, ds.x_train, ds.y_train, ds.x_test, ds.y_test))
        st.session_state[REF_KEY] = cached
    return cached[1]


def _thumbs(ds: Dataset) -> list[str]:
    """The test samples drawn for the scatter's hover: made once per dataset, not per stroke."""
    token = (ds.name, len(ds.x_test), ds.test_ids[:8].tobytes())
    cached = st.session_state.get(THUMBS_KEY)
    if cached is None or cached[0] != token:
        cached = (token, thumbnails(ds.x_test, ds.shape))
        st.session_state[THUMBS_KEY] = cached
    return cached[1]


def _scatter(ref: Reference, ds: Dataset, z: np.ndarray) -> go.Figure:
    coords, point, axis = plane(ref, z)
    title = tr("draw.scatter_title_pca") if axis == "PC" else tr("draw.scatter_title")
    fig = latent_scatter(coords, ds.y_test, ds.class_names, ds.test_ids, axis=axis, title=title,
                         thumbs=_thumbs(ds), lang=current_lang())  # coords: one row per test sample
    y = point[1] if len(point) > 1 else 0.0
    star = tr("draw.your_drawing")
    fig.add_trace(go.Scatter(x=[point[0]], y=[y], mode="markers", name=star,
                             marker={"symbol": "star", "size": 22, "color": "#EE3377",  # no-i18n
                                     "line": {"width": 2, "color": "black"}},
                             hovertemplate=star + "<extra></extra>"))
    return fig


def show_reading(run: Run, ds: Dataset, drawing: np.ndarray | None, label: int | None = None) -> None:
    """What the model makes of the canvas's (H, W, 4) pixels: the 28×28 it sees, its reconstruction and error,
    the anomaly score against the threshold, the code on the latent scatter and the nearest training samples."""
    if drawing is None:
        st.info(tr("draw.prompt"))
        return
    try:
        x = preprocess(drawing, side=ds.shape[-1])  # (1, 28, 28)
    except ValueError as err:
        st.info(explain(err))  # empty, too faint, or not a canvas's pixels: aelib says which
        return
    ref = _reference(run, ds)
    r = read(run.model, x, ref, label, k=NEIGHBOURS)
    st.plotly_chart(image_rows([r.x[None], r.x_hat[None]], ds.shape, [tr("draw.row_seen"), tr("draw.row_recon")]),
                    key="draw_images")
    st.caption(tr("draw.preprocessed"))
    c1, c2 = st.columns(2)
    c1.metric(tr("draw.error"), f"{r.error:.4f}",
              delta=tr("draw.vs_threshold", diff=f"{r.error - ref.threshold:+.4f}"), delta_color="inverse",
              help=tr("draw.error_help"))
    c2.metric(tr("draw.threshold"), f"{ref.threshold:.4f}", help=tr("draw.threshold_help"))
    share = f"{float(np.mean(ref.train_errors > r.error)):.0%}"
    if r.is_anomaly:
        st.warning(tr("draw.unusual", share=share))
    else:
        st.success(tr("draw.familiar", share=share))
    st.plotly_chart(_scatter(ref, ds, r.z), key="draw_scatter")
    st.markdown(tr("draw.nearest_heading"))
    st.plotly_chart(image_rows([ds.x_train[r.neighbours]], ds.shape, [tr("draw.row_nearest")]),
                    key="draw_neighbours")
    classes = tr("draw.separator").join(ds.class_names[c] for c in ds.y_train[r.neighbours])
    st.caption(tr("draw.nearest_classes", classes=classes))

