"""Figures for the super-resolution lab: per-image PSNR of the model against bicubic upsampling. Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from aelib.i18n import t
from aelib.plots import FONT, PALETTE


def psnr_scatter(bicubic: np.ndarray, model: np.ndarray, scale: int, *, lang: str) -> go.Figure:
    """One point per held-out image: its PSNR after bicubic upsampling (x) and after the model (y). Points above
    the diagonal are images the model restores better. lang: the labels' language."""
    lo, hi = float(min(bicubic.min(), model.min())), float(max(bicubic.max(), model.max()))
    hover = t("superres.plot_hover", lang, x="%{x:.1f}", y="%{y:.1f}") + "<extra></extra>"
    fig = go.Figure(go.Scatter(x=bicubic, y=model, mode="markers", name=t("superres.plot_point", lang),
                               marker={"color": PALETTE[0], "size": 5, "opacity": 0.5}, hovertemplate=hover))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name=t("superres.plot_equal", lang),
                             line={"color": PALETTE[6], "dash": "dash"}, hoverinfo="skip"))
    fig.update_layout(title=t("superres.plot_title", lang, scale=scale),
                      height=420, margin={"t": 45, "b": 10, "l": 10, "r": 10}, font={"size": FONT},
                      plot_bgcolor="white", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title_text=t("superres.plot_x", lang), showgrid=True, gridcolor="#eee")
    fig.update_yaxes(title_text=t("superres.plot_y", lang), showgrid=True, gridcolor="#eee", scaleanchor="x")
    return fig
