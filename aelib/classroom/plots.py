"""The class board's pictures: the join link as a QR code, small multiples of the students' latent scatters (one
colour per class, one axes scale for all), what the class discovered (a setting against the goal, by family) and
the quiz per question. Students' names are text a learner typed: plotly reads titles and hover text as HTML, so every
name is escaped here and shows as typed."""
from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import segno
from plotly.subplots import make_subplots

from aelib.classroom.presets import GOALS
from aelib.i18n import t
from aelib.models import MODELS
from aelib.plots import FONT, PALETTE, style

BIG_FONT = 22  # the projector view
COLUMNS = 5  # small multiples per row
POINTS = 6000  # points drawn over all the small multiples together (SVG: more makes the board sluggish)
FAVOURED = ("latent_dim", "epochs", "lr", "batch")  # settings the discovery scatter offers first


def join_qr_svg(url: str) -> str:
    """The join link as a QR code: a standalone SVG document (with its namespace, without an XML declaration), black
    on white, a quiet zone of 4 modules, error correction M so a projector's glare still scans."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", xmldecl=False, svgns=True, nl=False, scale=8,
                                                 border=4, dark="#000000", light="#ffffff", encoding="utf-8")
    return out.getvalue().decode("utf-8")


def text(name: object) -> str:
    """A learner's text as plotly shows it literally (its HTML subset would otherwise read tags and entities)."""
    return html.escape(" ".join(str(name).split()), quote=True)


def latent_panels(panels: Sequence[tuple[str, np.ndarray, np.ndarray]], class_names: Sequence[str], *, lang: str,
                  big: bool = False) -> go.Figure:
    """One small scatter per (title, codes (N, d), labels (N,)): the first two code numbers (a 1-D code on a line),
    each class in its app-wide colour (the points are too small for its symbol to show), every panel on the same axes
    range so sizes compare."""
    cols = max(1, min(COLUMNS, len(panels)))
    rows = max(1, math.ceil(len(panels) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[text(p[0]) for p in panels],
                        horizontal_spacing=0.03, vertical_spacing=0.3 / rows)
    keep = max(100, POINTS // max(1, len(panels)))
    xy = [_two(codes[:keep]) for _, codes, _ in panels]
    lo, hi = _extent(xy)
    labels = [np.asarray(p[2])[:len(z)].astype(int) for p, z in zip(panels, xy)]
    present = sorted({int(c) for y in labels for c in np.unique(y)})
    names = {c: text(class_names[c] if 0 <= c < len(class_names) else str(c)) for c in present}
    # One trace per panel, its points coloured by class through a colour scale whose stops are the palette (each
    # whole number is exactly its colour), all added at once: a trace per class and panel (300 for a class of 30)
    # made the projector's redraw every few seconds take seconds to build, check and draw. The legend is one
    # point-less trace per class.
    scale = [[i / (len(PALETTE) - 1), colour] for i, colour in enumerate(PALETTE)]
    traces = [go.Scatter(x=z[:, 0], y=z[:, 1], mode="markers", showlegend=False,
                         text=np.array([names[c] for c in y], dtype=str),
                         hovertemplate=f"{t('plots.class', lang)} %{{text}}<extra></extra>",
                         marker={"color": y % len(PALETTE), "colorscale": scale, "cmin": 0, "cmax": len(PALETTE) - 1,
                                 "size": 4, "opacity": 0.8}) for y, z in zip(labels, xy)]
    traces += [go.Scatter(x=[None], y=[None], mode="markers", name=names[c], hoverinfo="skip",
                          marker={"color": style(c)[0], "size": 4, "opacity": 0.8})
               for c in present]
    where = [(i // cols + 1, i % cols + 1) for i in range(len(panels))] + [(1, 1)] * len(present)
    fig.add_traces(traces, rows=[r for r, _ in where], cols=[c for _, c in where])
    fig.update_xaxes(range=[lo, hi], showticklabels=False, showgrid=False, zeroline=False, mirror=True,
                     showline=True, linecolor="#000")
    fig.update_yaxes(range=[lo, hi], showticklabels=False, showgrid=False, zeroline=False, mirror=True,
                     showline=True, linecolor="#000")
    size = BIG_FONT if big else FONT
    fig.update_annotations(font={"size": size})
    fig.update_layout(title=t("classroom.board_latents", lang), height=100 + (330 if big else 260) * rows,
                      plot_bgcolor="white", paper_bgcolor="white", font={"size": size, "color": "#000"},
                      legend={"title": t("plots.class", lang), "itemsizing": "constant", "orientation": "h",
                              "y": -0.05},
                      margin={"t": 70, "b": 10, "l": 10, "r": 10})
    return fig


def _two(codes: np.ndarray) -> np.ndarray:
    z = np.asarray(codes, dtype=float).reshape(len(codes), -1)
    return z[:, :2] if z.shape[1] >= 2 else np.column_stack([z[:, 0], np.zeros(len(z))])


def _extent(xy: Sequence[np.ndarray]) -> tuple[float, float]:
    """One range for every panel's both axes: the 1st to 99th percentile of all the points, padded (an outlier of
    one student does not shrink everyone else's picture)."""
    values = np.concatenate([z.ravel() for z in xy]) if xy else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values):
        return -1.0, 1.0
    lo, hi = (float(v) for v in np.percentile(values, [1, 99]))
    pad = 0.08 * (hi - lo) or 1.0
    return lo - pad, hi + pad


def numeric_settings(entries: Sequence[Mapping]) -> list[str]:
    """The settings with a number in some entry, those that vary most across the class first (favoured settings
    such as the latent size first among equals): what the discovery scatter can put on its x axis."""
    seen: dict[str, set] = {}
    for e in entries:
        for k, v in e["settings"].items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                seen.setdefault(k, set()).add(v)
    rank = {k: i for i, k in enumerate(FAVOURED)}
    return sorted(seen, key=lambda k: (-len(seen[k]), rank.get(k, len(rank)), k))


def discovered(entries: Sequence[Mapping], setting: str, goal: str, *, lang: str, big: bool = False) -> go.Figure:
    """Every visible entry as a point: the setting across, the goal's number up, one colour per model family;
    hovering names the student."""
    fig = go.Figure()
    families = sorted({str(e["settings"].get("model", "")) for e in entries})
    for i, family in enumerate(families):
        mine = [e for e in entries if str(e["settings"].get("model", "")) == family
                and _number(e["settings"].get(setting)) and _number(e["metrics"].get(goal))]
        if not mine:
            continue
        colour, symbol = style(i)
        title = t(f"family.{family}.title", lang) if family in MODELS else text(family)
        fig.add_trace(go.Scatter(
            x=[e["settings"][setting] for e in mine], y=[e["metrics"][goal] for e in mine], mode="markers",
            name=title, text=[text(e["student"]) for e in mine],
            marker={"color": colour, "symbol": symbol, "size": 16 if big else 11,
                    "line": {"width": 1, "color": "#000"}},
            hovertemplate=f"%{{text}}<br>{text(setting)} %{{x}}<br>%{{y:.4g}}<extra>{title}</extra>"))
    size = BIG_FONT if big else FONT
    fig.update_layout(title=t("classroom.board_discovered", lang, setting=text(setting)), height=620 if big else 460,
                      plot_bgcolor="white", paper_bgcolor="white", font={"size": size, "color": "#000"},
                      legend={"title": t("classroom.board_family", lang)}, margin={"t": 70, "b": 10, "l": 10, "r": 10})
    fig.update_xaxes(title_text=text(setting), showgrid=True, gridcolor="#ddd", linecolor="#000", automargin=True)
    fig.update_yaxes(title_text=GOALS[goal].title.say(lang) if goal in GOALS else text(goal), showgrid=True,
                     gridcolor="#ddd", linecolor="#000", automargin=True)
    return fig


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def quiz_bars(quiz: Mapping[str, Mapping], stems: Mapping[str, str], *, lang: str, big: bool = False) -> go.Figure:
    """One bar per question (the most often missed on top): the share of the class that answered it right, with
    "right / answered" on the bar; a question is named by its stem (cut to 70 characters), else its id."""
    items = list(quiz.items())[::-1]  # plotly draws the first bar at the bottom
    labels = [text(_cut(stems.get(q, q))) for q, _ in items]
    fig = go.Figure(go.Bar(
        x=[row["share_correct"] for _, row in items], y=labels, orientation="h", marker={"color": style(2)[0]},
        text=[t("classroom.board_quiz_bar", lang, correct=row["correct"], answered=row["answered"])
              for _, row in items], textposition="auto",
        hovertemplate="%{y}<br>%{x:.0%}<extra></extra>"))
    size = BIG_FONT if big else FONT
    fig.update_layout(title=t("classroom.board_quiz", lang), height=180 + (60 if big else 40) * max(1, len(items)),
                      plot_bgcolor="white", paper_bgcolor="white", font={"size": size, "color": "#000"},
                      margin={"t": 60, "b": 10, "l": 10, "r": 40})
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text=t("classroom.board_quiz_share", lang),
                     gridcolor="#ddd", automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _cut(stem: str, most: int = 70) -> str:
    stem = " ".join(stem.split())
    return stem if len(stem) <= most else stem[:most - 1] + "…"
