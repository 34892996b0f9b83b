"""Figures for the anomaly-detection page: error histograms with the threshold, ROC and PR curves, the
confusion matrix and per-value error heat maps. Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aelib.i18n import t
from aelib.models.zoo_plots import style
from aelib.plots import FONT, PALETTE

NORMAL, ANOMALY = PALETTE[0], PALETTE[6]
CELLS = (("tn", "fp"), ("fn", "tp"))  # the confusion matrix's cells: rows the truth, columns the decision


def _below(fig: go.Figure, height: int) -> go.Figure:
    """Room under a curve for its tick labels, a two-line axis title and the legend: the legend sits at the
    figure's bottom edge and the axes push the margins out to fit their labels (never clipped, never on top)."""
    fig.update_layout(height=height, margin={"t": 45, "b": 115, "l": 10, "r": 10},
                      legend={"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.0})
    fig.update_xaxes(automargin=True, title_standoff=8)
    fig.update_yaxes(automargin=True)
    return fig


def error_histogram(errors: np.ndarray, is_anomaly: np.ndarray, threshold: float, bins: int = 60,
                    *, lang: str) -> go.Figure:
    """Overlaid histograms of the test errors of normal and anomalous samples (shares of each group, so a
    rare group stays visible), with the threshold as a dashed line: right of it is flagged."""
    truth = np.asarray(is_anomaly, dtype=bool)
    fig = go.Figure()
    edges = np.linspace(0.0, float(np.quantile(errors, 0.995)) * 1.05 or 1.0, bins + 1)
    for mask, key, colour in ((~truth, "normal", NORMAL), (truth, "anomalous", ANOMALY)):
        name = t("anomaly.plot.group_normal", lang, n=int(mask.sum())) if key == "normal" else \
            t("anomaly.plot.group_anomalous", lang, n=int(mask.sum()))
        fig.add_trace(go.Histogram(x=np.asarray(errors)[mask], name=name,
                                   histnorm="percent", opacity=0.6, marker_color=colour,
                                   xbins={"start": edges[0], "end": edges[-1], "size": edges[1] - edges[0]}))
    fig.add_vline(x=threshold, line_dash="dash", line_color="black",
                  annotation_text=t("anomaly.plot.threshold", lang))
    fig.update_layout(barmode="overlay")
    return style(fig, t("anomaly.plot.hist_title", lang), t("anomaly.plot.hist_x", lang),
                 t("anomaly.plot.hist_y", lang))


def _curve(chance: tuple[list[float], list[float]], x: np.ndarray, y: np.ndarray, trace: str,
           point: tuple[float, float] | None, title: str, x_title: str, y_title: str, *, lang: str) -> go.Figure:
    """A detector's curve over its chance line, with the current threshold's point when given (ROC and PR)."""
    fig = go.Figure([go.Scatter(x=chance[0], y=chance[1], mode="lines", name=t("anomaly.plot.chance", lang),
                                line={"dash": "dot", "color": "#999"}),
                     go.Scatter(x=x, y=y, mode="lines", name=trace, line={"color": PALETTE[0]})])
    if point is not None:
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=t("anomaly.plot.threshold", lang),
                                 marker={"color": ANOMALY, "size": 11, "symbol": "diamond"}))
    fig = style(fig, title, x_title, y_title)
    fig.update_yaxes(range=[0, 1.02])
    return _below(fig, 420)


def roc_curve(fpr: np.ndarray, tpr: np.ndarray, auroc: float, point: tuple[float, float] | None = None,
              *, lang: str) -> go.Figure:
    """The ROC curve with the chance diagonal and, optionally, the current threshold's (fpr, tpr)."""
    auc = f"{auroc:.3f}"
    return _curve(([0, 1], [0, 1]), fpr, tpr, t("anomaly.plot.roc_trace", lang, auc=auc), point,
                  t("anomaly.plot.roc_title", lang, auc=auc), t("anomaly.plot.roc_x", lang),
                  t("anomaly.plot.roc_y", lang), lang=lang)


def pr_curve(recall: np.ndarray, precision: np.ndarray, average_precision: float, base_rate: float,
             point: tuple[float, float] | None = None, *, lang: str) -> go.Figure:
    """Precision against recall; a guess scores the share of anomalies (the dotted line)."""
    ap = f"{average_precision:.3f}"
    return _curve(([0, 1], [base_rate, base_rate]), recall, precision, t("anomaly.plot.pr_trace", lang, ap=ap),
                  point, t("anomaly.plot.pr_title", lang, ap=ap), t("anomaly.plot.pr_x", lang),
                  t("anomaly.plot.pr_y", lang), lang=lang)


def confusion(matrix: list[list[int]], *, lang: str) -> go.Figure:
    """[[TN, FP], [FN, TP]] as an annotated heat map: rows the truth, columns the decision. Each cell shows its
    count over a word or two short enough for a narrow column; hovering gives the textbook name."""
    z = np.asarray(matrix)
    text = [[t(f"anomaly.plot.cell_{c}", lang, n=z[i, j]) for j, c in enumerate(row)] for i, row in enumerate(CELLS)]
    names = [[t(f"anomaly.plot.name_{c}", lang) for c in row] for row in CELLS]
    labels = [t("anomaly.plot.normal", lang), t("anomaly.plot.anomaly", lang)]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, text=text, customdata=names, texttemplate="%{text}",
                               textfont={"size": 14}, colorscale="Blues", showscale=False, xgap=2, ygap=2,
                               hovertemplate="%{customdata}: %{z}<extra></extra>",
                               zmin=0, zmax=max(int(z.max()), 1) * 1.6))  # dark text stays legible
    fig = style(fig, t("anomaly.plot.cm_title", lang), t("anomaly.plot.cm_x", lang), t("anomaly.plot.cm_y", lang),
                height=320)
    fig.update_xaxes(showgrid=False, side="bottom")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return fig


def _error_bar(top: float) -> dict:
    """The error heat maps' colour bar: a third of the figure tall, so just its two ends are labelled (more ticks
    would overlap there), with the scale's top written out."""
    return {"len": 0.33, "y": 0.15, "thickness": 12, "tickvals": [0.0, top], "ticktext": ["0", f"{top:.2g}"],
            "tickfont": {"size": 11}}


def error_maps(x: np.ndarray, x_hat: np.ndarray, err: np.ndarray, shape: tuple[int, ...],
               titles: list[str], *, lang: str) -> go.Figure:
    """One column per sample: original, reconstruction and the per-value squared error as a heat map
    (images as images; sequences and table rows as strips of their values)."""
    n = len(x)
    h, w = (shape[1], shape[2]) if len(shape) == 3 else (1, int(np.prod(shape)))
    row_titles = [t("anomaly.plot.row_original", lang), t("anomaly.plot.row_reconstruction", lang),
                  t("anomaly.plot.row_error", lang)]
    fig = make_subplots(rows=3, cols=n, column_titles=titles, row_titles=row_titles,
                        horizontal_spacing=0.01, vertical_spacing=0.04)
    top = float(err.max()) if err.size and err.max() > 0 else 1.0
    for j in range(n):
        for i, (rows, scale, zmax) in enumerate(((x, "gray_r", 1.0), (x_hat, "gray_r", 1.0), (err, "Inferno", top))):
            fig.add_trace(go.Heatmap(z=rows[j].reshape(h, w), colorscale=scale, zmin=0, zmax=zmax, hoverinfo="skip",
                                     showscale=i == 2 and j == n - 1, colorbar=_error_bar(top)),
                          row=i + 1, col=j + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_annotations(font_size=11)
    fig.update_layout(height=330 if len(shape) == 3 else 260, margin={"t": 40, "b": 10, "l": 30, "r": 10},
                      font={"size": FONT}, plot_bgcolor="white")
    return fig
