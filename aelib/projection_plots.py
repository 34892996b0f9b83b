"""Figures of the projections lab: the training replay as a plotly animation, and the same points at several
t-SNE perplexities side by side."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aelib.plots import FONT, style


def _class_traces(z: np.ndarray, y: np.ndarray, class_names: list[str], size: int = 6,
                  legend: bool = True) -> list[go.Scatter]:
    traces = []
    for c, name in enumerate(class_names):
        mask = y == c
        colour, symbol = style(c)
        traces.append(go.Scatter(x=z[mask, 0], y=z[mask, 1], mode="markers", name=name, legendgroup=name,
                                 showlegend=legend, hoverinfo="skip",
                                 marker={"color": colour, "symbol": symbol, "size": size, "opacity": 0.8,
                                         "line": {"width": 0}}))
    return traces


def replay_figure(frames: list[np.ndarray], epochs: list[int], y: np.ndarray, class_names: list[str],
                  scores: list[float] | None = None) -> go.Figure:
    """One animation frame per snapshot, a slider to scrub and a play button; axes fixed across frames."""
    def title(i):
        label = "before training" if epochs[i] == 0 else f"after epoch {epochs[i]}"
        return label + ("" if scores is None else f" · 5-NN accuracy {scores[i]:.2f}")

    both = np.concatenate(frames)
    lo, hi = np.percentile(both, 0.5, axis=0), np.percentile(both, 99.5, axis=0)
    pad = 0.08 * (hi - lo + 1e-9)
    fig = go.Figure(data=_class_traces(frames[-1], y, class_names),
                    frames=[go.Frame(data=_class_traces(f, y, class_names), name=str(e),
                                     layout={"title": {"text": title(i)}})
                            for i, (f, e) in enumerate(zip(frames, epochs))])
    play = {"frame": {"duration": 400, "redraw": False}, "transition": {"duration": 250}, "fromcurrent": True}
    fig.update_layout(
        title=title(len(frames) - 1), height=560, plot_bgcolor="white", font={"size": FONT},
        margin={"t": 50, "b": 10, "l": 10, "r": 10}, legend={"title": "class", "itemsizing": "constant"},
        xaxis={"range": [lo[0] - pad[0], hi[0] + pad[0]], "showgrid": True, "gridcolor": "#eee",
               "zeroline": False, "showticklabels": False},
        yaxis={"range": [lo[1] - pad[1], hi[1] + pad[1]], "showgrid": True, "gridcolor": "#eee",
               "zeroline": False, "showticklabels": False},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.02, "xanchor": "left",
                      "yanchor": "top", "pad": {"t": 30},
                      "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, play]},
                                  {"label": "❚❚ Pause", "method": "animate",
                                   "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}]}]}],
        sliders=[{"active": len(frames) - 1, "x": 0.2, "len": 0.8, "y": -0.02, "yanchor": "top",
                  "pad": {"t": 30}, "currentvalue": {"prefix": "epoch "},
                  "steps": [{"label": str(e), "method": "animate",
                             "args": [[str(e)], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                                 "transition": {"duration": 0}}]} for e in epochs]}])
    return fig


def perplexity_strip(embeddings: list[np.ndarray], perplexities: list[float], y: np.ndarray,
                     class_names: list[str]) -> go.Figure:
    """The same points embedded by t-SNE at each perplexity, side by side, one shared legend."""
    fig = make_subplots(rows=1, cols=len(embeddings), subplot_titles=[f"perplexity {p:g}" for p in perplexities],
                        horizontal_spacing=0.02)
    for col, z in enumerate(embeddings, start=1):
        for trace in _class_traces(z, y, class_names, size=4, legend=col == 1):
            fig.add_trace(trace, row=1, col=col)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(height=330, plot_bgcolor="white", font={"size": FONT},
                      margin={"t": 40, "b": 10, "l": 10, "r": 10},
                      legend={"title": "class", "itemsizing": "constant", "orientation": "h", "y": -0.05})
    return fig
