"""Figures for the "Where autoencoders are used" demos: held-out scores per method, and forecasts drawn over the
sequences they continue. Figures only."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aelib.i18n import t
from aelib.labs.forecasting import METHODS, ForecastResult
from aelib.models.zoo_plots import bars
from aelib.plots import FONT, PALETTE

RECOMMENDERS = ("global_mean", "item_means", "autorec_unmasked", "autorec_masked")  # the bars, in this order


def rmse_bars(rmse: dict[str, float], *, lang: str) -> go.Figure:
    """Held-out RMSE of each recommender (lower is better); the dashed line is the best any model could do on
    these ratings: the noiseless tastes they were drawn from."""
    names = [t(f"where.rec.method.{m}", lang) for m in RECOMMENDERS]
    return bars([rmse[m] for m in RECOMMENDERS], names, t("where.rec.plot_title", lang), "",
                t("where.rec.plot_y", lang), line=rmse["taste_oracle"], line_name=t("where.rec.oracle", lang))


def forecast_bars(mse: dict[str, float], *, lang: str) -> go.Figure:
    """Mean squared error on the held-out future steps, one bar per forecast (lower is better)."""
    return bars([mse[m] for m in METHODS], [t(f"where.fc.method.{m}", lang) for m in METHODS],
                t("where.fc.bars_title", lang), "", t("where.fc.bars_y", lang))


def forecast_rows(r: ForecastResult, *, lang: str) -> go.Figure:
    """One panel per held-out sequence: the history the networks saw, the true future, the forecaster's
    prediction and the autoencoder's rebuilt last window placed where the future goes."""
    n, h, k = len(r.x), r.cfg.history, r.cfg.horizon
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.03)
    steps, future = np.arange(r.x.shape[1]), np.arange(h, h + k)
    lines = [("history", steps[:h], lambda i: r.x[i, :h], PALETTE[0], "solid"),
             ("future", future, lambda i: r.x[i, h:h + k], PALETTE[0], "dot"),
             ("forecaster", future, lambda i: r.forecasts["forecaster"][i], PALETTE[3], "solid"),
             ("ae_last_window", future, lambda i: r.forecasts["ae_last_window"][i], PALETTE[6], "dash"),
             ("ae_recon", steps[:h], lambda i: r.ae_recon[i], PALETTE[6], "dot")]
    for i in range(n):
        for name, xs, ys, color, dash in lines:
            fig.add_trace(go.Scatter(x=xs, y=ys(i), mode="lines", name=t(f"where.fc.line.{name}", lang),
                                     legendgroup=name, showlegend=i == 0, line={"color": color, "dash": dash}),
                          row=i + 1, col=1)
        fig.add_vline(x=h - 0.5, line_color="#bbb", row=i + 1, col=1)
    fig.update_layout(title=t("where.fc.rows_title", lang, history=h, horizon=k), height=150 * n + 120,
                      margin={"t": 45, "b": 10, "l": 10, "r": 10}, font={"size": FONT}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": -0.08})
    fig.update_xaxes(title_text=t("where.fc.rows_x", lang), row=n, col=1)
    return fig
