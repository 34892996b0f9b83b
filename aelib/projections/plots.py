"""Figures of the projections lab: the training replay as a plotly animation, and the same points at several
t-SNE perplexities side by side."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aelib.i18n import t
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
                  scores: list[float] | None = None, *, lang: str) -> go.Figure:
    """One animation frame per snapshot, a slider to scrub and a play button; axes fixed across frames. lang: the
    language of the titles, legend and buttons."""
    def title(i):
        label = t("replay.before_training", lang) if epochs[i] == 0 else t("replay.after_epoch", lang, n=epochs[i])
        return label + ("" if scores is None else t("replay.frame_score", lang, acc=f"{scores[i]:.2f}"))

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
        margin={"t": 50, "b": 10, "l": 10, "r": 10},
        legend={"title": t("replay.legend_class", lang), "itemsizing": "constant"},
        xaxis={"range": [lo[0] - pad[0], hi[0] + pad[0]], "showgrid": True, "gridcolor": "#eee",
               "zeroline": False, "showticklabels": False},
        yaxis={"range": [lo[1] - pad[1], hi[1] + pad[1]], "showgrid": True, "gridcolor": "#eee",
               "zeroline": False, "showticklabels": False},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.02, "xanchor": "left",
                      "yanchor": "top", "pad": {"t": 30},
                      "buttons": [{"label": t("replay.play", lang), "method": "animate", "args": [None, play]},
                                  {"label": t("replay.pause", lang), "method": "animate",
                                   "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}]}]}],
        sliders=[{"active": len(frames) - 1, "x": 0.2, "len": 0.8, "y": -0.02, "yanchor": "top",
                  "pad": {"t": 30}, "currentvalue": {"prefix": t("replay.slider_prefix", lang)},
                  "steps": [{"label": str(e), "method": "animate",
                             "args": [[str(e)], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate",
                                                 "transition": {"duration": 0}}]} for e in epochs]}])
    return fig


def perplexity_strip(embeddings: list[np.ndarray], perplexities: list[float], y: np.ndarray,
                     class_names: list[str], *, lang: str) -> go.Figure:
    """The same points embedded by t-SNE at each perplexity, side by side, one shared legend. lang: the language
    of the panel titles and legend."""
    fig = make_subplots(rows=1, cols=len(embeddings),
                        subplot_titles=[t("proj.strip_panel", lang, p=f"{p:g}") for p in perplexities],
                        horizontal_spacing=0.02)
    for col, z in enumerate(embeddings, start=1):
        for trace in _class_traces(z, y, class_names, size=4, legend=col == 1):
            fig.add_trace(trace, row=1, col=col)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(height=330, plot_bgcolor="white", font={"size": FONT},
                      margin={"t": 40, "b": 10, "l": 10, "r": 10},
                      legend={"title": t("replay.legend_class", lang), "itemsizing": "constant", "orientation": "h",
                              "y": -0.05})
    return fig
