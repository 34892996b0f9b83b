"""Figures for the model families' own views: bars, histograms, curves and two-cloud scatters. Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from aelib.i18n import t
from aelib.plots import FONT, PALETTE


def style(fig: go.Figure, title: str, xlabel: str, ylabel: str, height: int = 320) -> go.Figure:
    """The labs' common look: title, axis titles, light grid, legend below; shared by the zoo, anomaly and
    few-labels figures."""
    # the legend sits on the figure's bottom edge, below the x-axis title, in a bottom margin kept for it
    fig.update_layout(title=title, height=height, margin={"t": 45, "b": 90, "l": 10, "r": 10}, font={"size": FONT},
                      plot_bgcolor="white",
                      legend={"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.0})
    # automargin: the margins grow to fit tick labels and axis titles (Streamlit's plotly template leaves it off,
    # and with 10-px margins the labels would be clipped)
    fig.update_xaxes(title_text=xlabel, showgrid=True, gridcolor="#eee", automargin=True)
    fig.update_yaxes(title_text=ylabel, showgrid=True, gridcolor="#eee", automargin=True)
    return fig


def integer_ticks(x) -> dict | None:
    """Axis settings that put a tick at each of a few whole-number x values (code sizes, angle indices), so a
    log axis does not read "2 3 … 9 10 2 3" and a short linear one shows no 1.5 or 2.5; None for other x."""
    values = list(x)
    if not values or len(values) > 12 or any(float(v) != int(v) for v in values):
        return None
    return {"tickmode": "array", "tickvals": values, "ticktext": [str(int(v)) for v in values]}


def bars(values, labels, title: str, xlabel: str, ylabel: str, line: float | None = None,
         line_name: str = "") -> go.Figure:
    """One bar per value; an optional horizontal reference line (a threshold to read the bars against)."""
    fig = go.Figure(go.Bar(x=[str(v) for v in labels], y=values, marker_color=PALETTE[1], name=ylabel))
    if line is not None:
        fig.add_hline(y=line, line_dash="dash", line_color=PALETTE[6], annotation_text=line_name)
    fig = style(fig, title, xlabel, ylabel)
    fig.update_xaxes(type="category")  # keep the given order, even for labels that look like numbers
    return fig


def histograms(series: dict[str, np.ndarray], title: str, xlabel: str, bins: int = 40,
               *, lang: str) -> go.Figure:
    """Overlaid histograms of each named array, as shares of its values (the y-axis title in `lang`)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(go.Histogram(x=np.ravel(values), name=name, nbinsx=bins, histnorm="percent", opacity=0.6,
                                   marker_color=PALETTE[(i * 6) % len(PALETTE)]))
    fig.update_layout(barmode="overlay")
    return style(fig, title, xlabel, t("zoo.pct_values", lang))


def curves(x, series: dict[str, list], title: str, xlabel: str, ylabel: str, log_x: bool = False,
           dashed: tuple[str, ...] = ()) -> go.Figure:
    """One line per named series over the same x."""
    fig = go.Figure()
    for i, (name, ys) in enumerate(series.items()):
        fig.add_trace(go.Scatter(x=x, y=ys, mode="lines+markers", name=name,
                                 line={"color": PALETTE[(i * 3) % len(PALETTE)],
                                       "dash": "dash" if name in dashed else "solid"}))
    fig = style(fig, title, xlabel, ylabel)
    if log_x:
        fig.update_xaxes(type="log")
    ticks = integer_ticks(x)
    if ticks:
        fig.update_xaxes(**ticks)
    return fig


def two_clouds(a: np.ndarray, b: np.ndarray, names: tuple[str, str], title: str) -> go.Figure:
    """Two 2-D point clouds on one plane (e.g. codes against samples of the prior)."""
    fig = go.Figure()
    for pts, name, colour in ((a, names[0], PALETTE[0]), (b, names[1], PALETTE[6])):
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
                                 marker={"color": colour, "size": 5, "opacity": 0.5}))
    fig = style(fig, title, "z₁", "z₂", height=420)
    fig.update_yaxes(scaleanchor="x")
    return fig


def filter_grid(filters: np.ndarray, kh: int, kw: int, title: str, per_row: int = 8, *, lang: str) -> go.Figure:
    """Signed kernels (n, kh·kw) as a grid of small tiles, per_row to a row, on a diverging scale centred on 0:
    red excites, blue inhibits, white is ignored (one colour bar shared by all, symmetric, so tiles compare)."""
    n = len(filters)
    rows = -(-n // per_row)
    gap = 1
    canvas = np.full((rows * (kh + gap) - gap, per_row * (kw + gap) - gap), np.nan)
    for i, f in enumerate(np.asarray(filters, np.float64)):
        r, c = divmod(i, per_row)
        canvas[r * (kh + gap):r * (kh + gap) + kh, c * (kw + gap):c * (kw + gap) + kw] = f.reshape(kh, kw)
    top = float(np.nanmax(np.abs(canvas))) if n else 1.0
    top = top if top > 0 else 1.0
    fig = go.Figure(go.Heatmap(z=canvas, colorscale="RdBu", reversescale=True, zmid=0.0, zmin=-top, zmax=top,
                               hovertemplate=t("zoo.filter_hover", lang) + "<extra></extra>",
                               colorbar={"title": {"text": t("zoo.weight", lang), "side": "right"},
                                         "tickvals": [-top, 0.0, top], "ticktext": [f"{-top:.2g}", "0", f"{top:.2g}"],
                                         "thickness": 14}))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    fig.update_layout(title=title, height=90 + 60 * rows, margin={"t": 40, "b": 5, "l": 5, "r": 5},
                      font={"size": FONT}, plot_bgcolor="white")
    return fig
