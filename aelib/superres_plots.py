"""Figures for the super-resolution lab: per-image PSNR of the model against bicubic upsampling. Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from aelib.plots import FONT, PALETTE


def psnr_scatter(bicubic: np.ndarray, model: np.ndarray, scale: int) -> go.Figure:
    """One point per held-out image: its PSNR after bicubic upsampling (x) and after the model (y). Points above
    the diagonal are images the model restores better."""
    lo, hi = float(min(bicubic.min(), model.min())), float(max(bicubic.max(), model.max()))
    fig = go.Figure(go.Scatter(x=bicubic, y=model, mode="markers", name="held-out image",
                               marker={"color": PALETTE[0], "size": 5, "opacity": 0.5},
                               hovertemplate="bicubic %{x:.1f} dB, model %{y:.1f} dB<extra></extra>"))
    fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="equal quality",
                             line={"color": PALETTE[6], "dash": "dash"}, hoverinfo="skip"))
    fig.update_layout(title=f"Each image, ×{scale}: model against bicubic (above the line: the model wins)",
                      height=420, margin={"t": 45, "b": 10, "l": 10, "r": 10}, font={"size": FONT},
                      plot_bgcolor="white", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title_text="PSNR after bicubic (dB)", showgrid=True, gridcolor="#eee")
    fig.update_yaxes(title_text="PSNR after the model (dB)", showgrid=True, gridcolor="#eee", scaleanchor="x")
    return fig
