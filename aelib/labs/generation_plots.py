"""Figures for the generation lab: the decoded grid over a latent plane (the manifold picture). Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from aelib.plots import FONT

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def z_name(dim: int) -> str:
    """z₁, z₂, ... for the 0-based latent dimension dim."""
    return f"z{dim + 1}".translate(SUB)


def manifold(images: np.ndarray, shape: tuple[int, ...], u: np.ndarray, v: np.ndarray,
             dims: tuple[int, int] = (0, 1), title: str = "") -> go.Figure:
    """Decoded images of a latent grid (aelib.labs.generation.latent_grid's order: row by row, top row = largest v)
    tiled into one picture, each axis labelled with the code values of its tiles. images: (len(v)·len(u), C·H·W)."""
    h, w = shape[-2], shape[-1]
    nu, nv, gap = len(u), len(v), 1
    canvas = np.full((nv * (h + gap), nu * (w + gap)), np.nan)
    tiles = images.reshape(nv, nu, h, w)
    for r in range(nv):
        for c in range(nu):
            canvas[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tiles[r, c]
    fig = go.Figure(go.Heatmap(z=canvas, colorscale="gray_r", zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    every = max(1, nu // 7)  # a readable number of tick labels
    fig.update_xaxes(tickvals=[c * (w + gap) + w / 2 - 0.5 for c in range(0, nu, every)],
                     ticktext=[f"{x:.2g}" for x in u[::every]], title_text=z_name(dims[0]),
                     showgrid=False, zeroline=False)
    fig.update_yaxes(tickvals=[r * (h + gap) + h / 2 - 0.5 for r in range(0, nv, every)],
                     ticktext=[f"{y:.2g}" for y in v[::-1][::every]], title_text=z_name(dims[1]),
                     autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False)
    fig.update_layout(title=title, height=560, margin={"t": 40, "b": 10, "l": 10, "r": 10}, plot_bgcolor="white",
                      font={"size": FONT})
    return fig
