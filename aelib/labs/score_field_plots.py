"""Figures for the denoising ↔ score lab: the training points on the circle and the denoiser's residual field
r(x) − x drawn as short segments from each grid point. Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from aelib.i18n import t
from aelib.models.zoo_plots import style
from aelib.plots import PALETTE

STRETCH = 3.0  # residuals are ~σ² small: drawn 3× longer so their direction is visible


def residual_field(data: np.ndarray, grid: np.ndarray, field: np.ndarray, *, lang: str) -> go.Figure:
    """(N, 2) data points, (G, 2) grid points and (G, 2) residuals there; one segment per grid point, its dot
    at the tail."""
    tips = grid + STRETCH * field
    xs = np.column_stack([grid[:, 0], tips[:, 0], np.full(len(grid), np.nan)]).ravel()
    ys = np.column_stack([grid[:, 1], tips[:, 1], np.full(len(grid), np.nan)]).ravel()
    fig = go.Figure([
        go.Scatter(x=data[:, 0], y=data[:, 1], mode="markers", name=t("lesson.score.data", lang),
                   marker={"color": PALETTE[0], "size": 4, "opacity": 0.5}),
        go.Scatter(x=xs, y=ys, mode="lines", name=t("lesson.score.field", lang),
                   line={"color": PALETTE[6], "width": 2}),
        go.Scatter(x=grid[:, 0], y=grid[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
                   marker={"color": PALETTE[6], "size": 3})])
    fig = style(fig, t("lesson.score.fig", lang), "x₁", "x₂", height=460)
    fig.update_yaxes(scaleanchor="x")
    return fig
