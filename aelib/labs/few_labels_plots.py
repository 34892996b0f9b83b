"""Figures for the few-labels and augmentation labs: accuracy against labels per class (mean ± sd bands), and
accuracy with and without generated samples. Figures only."""
from __future__ import annotations

import plotly.graph_objects as go

from aelib.i18n import t
from aelib.labs.few_labels import FEATURE_TITLES
from aelib.models.zoo_plots import style
from aelib.plots import PALETTE

COLOURS = {"raw": PALETTE[6], "pca": PALETTE[1], "ae": PALETTE[0], "none": PALETTE[9], "cvae": PALETTE[2],
           "jitter": PALETTE[7]}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def feature_titles(*, lang: str) -> dict[str, str]:
    """few_labels.FEATURE_TITLES in `lang` (same keys, same order)."""
    return {k: title.say(lang) for k, title in FEATURE_TITLES.items()}


def accuracy_curves(curve: dict, titles: dict[str, str], n_test: int, *, lang: str) -> go.Figure:
    """One line per feature set over the labelled examples per class (log axis), with a ±1 sd band over the
    draws. curve: probe.accuracy_curve()'s dict. lang: the labels' language."""
    x, fig = curve["labelled"], go.Figure()
    tick = [f"{k}" if k != "all" else t("few_labels.tick_all", lang, n=round(n)) for k, n in zip(curve["k"], x)]
    for name, title in titles.items():
        mean, sd = curve[name]["mean"], curve[name]["sd"]
        colour = COLOURS.get(name, PALETTE[0])
        band = [m + s for m, s in zip(mean, sd)] + [m - s for m, s in zip(mean, sd)][::-1]  # upper, then lower back
        fig.add_trace(go.Scatter(x=list(x) + list(x)[::-1], y=band, mode="lines", fill="toself", line={"width": 0},
                                 fillcolor=_rgba(colour, 0.15), hoverinfo="skip", showlegend=False,
                                 legendgroup=name))
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", name=title, legendgroup=name,
                                 line={"color": colour}, customdata=sd,
                                 hovertemplate="%{y:.3f} ± %{customdata:.3f}<extra>" + title + "</extra>"))  # no-i18n
    fig = style(fig, t("few_labels.chart_title", lang, n=n_test), t("few_labels.chart_x", lang),
                t("few_labels.chart_y", lang),
                height=380)
    fig.update_xaxes(type="log", tickvals=x, ticktext=tick)
    return fig


def accuracy_bars(means: dict[str, float], sds: dict[str, float], titles: dict[str, str],
                  n_test: int, *, lang: str) -> go.Figure:
    """One bar per variant with ±1 sd error bars over the draws. lang: the labels' language."""
    names = list(means)
    labels = [f"{titles[n]}<br>{means[n]:.3f} ± {sds[n]:.3f}" for n in names]  # the numbers under each bar
    fig = go.Figure(go.Bar(x=labels, y=[means[n] for n in names],
                           error_y={"type": "data", "array": [sds[n] for n in names], "visible": True},
                           marker_color=[COLOURS.get(n, PALETTE[0]) for n in names]))
    fig = style(fig, t("augmentation.chart_title", lang, n=n_test), "", t("few_labels.chart_y", lang), height=380)
    fig.update_yaxes(range=[max(0.0, min(means.values()) - 0.15), min(1.0, max(means.values()) + 0.08)])
    return fig
