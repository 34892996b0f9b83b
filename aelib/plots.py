"""Plotly figures the pages and the reports share: loss curves, image grids and latent scatters.
Figures only; no data is computed here beyond arranging it."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from aelib.i18n import t

# Paul Tol's "muted" scheme: distinguishable with the common colour-vision deficiencies. Each class also
# gets its own marker symbol, so colour is never the only cue.
PALETTE = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933",  # no-i18n
           "#DDCC77", "#CC6677", "#882255", "#AA4499", "#BBBBBB"]  # no-i18n
SYMBOLS = ["circle", "square", "diamond", "cross", "x", "triangle-up", "triangle-down", "star",
           "hexagon", "pentagon"]
FONT = 14  # readable on a classroom projector
SVG_MAX = 3000  # points per scatter drawn as SVG; more would make the page sluggish


def term_titles(*, lang: str) -> dict[str, str]:
    """The loss terms' names (EpochStats keys) in `lang`."""
    return {"loss": t("plots.term.loss", lang), "recon": t("plots.term.recon", lang), "kl": t("plots.term.kl", lang),
            "sparsity": t("plots.term.sparsity", lang), "contractive": t("plots.term.contractive", lang),
            "codebook": t("plots.term.codebook", lang), "commitment": t("plots.term.commitment", lang),
            "adversarial": t("plots.term.adversarial", lang), "discriminator": t("plots.term.discriminator", lang),
            "weight_l1": t("plots.term.weight_l1", lang)}



def split_name(name: str, *, lang: str) -> str:
    """A held-out split's name ("test", "validation", "held-out") in `lang`; any other name as it is."""
    names = {"training": t("plots.split.training", lang), "test": t("plots.split.test", lang),
             "validation": t("plots.split.validation", lang), "held-out": t("plots.split.held_out", lang)}
    return names.get(name, name)


def style(i: int) -> tuple[str, str]:
    """(colour, symbol) for class i; the same everywhere in the app."""
    return PALETTE[i % len(PALETTE)], SYMBOLS[i % len(SYMBOLS)]


def loss_curves(history: list[dict], val_name: str = "held-out", *, lang: str) -> go.Figure:
    """One panel per loss term (the total alone when it is just the reconstruction); train solid, held-out
    dashed. history: EpochStats as dicts."""
    terms = list(history[0]["train"]) if history else ["loss"]
    terms = terms if len(terms) > 2 else ["loss"]
    titles = term_titles(lang=lang)
    fig = make_subplots(rows=1, cols=len(terms), subplot_titles=[titles.get(term, term) for term in terms],
                        horizontal_spacing=0.2 / len(terms))
    epochs = [h["epoch"] for h in history]
    for col, term in enumerate(terms, start=1):
        for split, dash, colour in (("train", "solid", PALETTE[0]), ("val", "dash", PALETTE[6])):
            fig.add_trace(go.Scatter(x=epochs, y=[h[split][term] for h in history], mode="lines+markers",
                                     name=split_name("training" if split == "train" else val_name, lang=lang),
                                     line={"dash": dash, "color": colour}, legendgroup=split,
                                     showlegend=col == 1), row=1, col=col)
        fig.update_xaxes(title_text=t("plots.epoch", lang), dtick=max(1, round(len(epochs) / 8)), row=1, col=col)
    fig.update_yaxes(title_text=t("plots.per_sample", lang), row=1, col=1)
    fig.update_layout(height=320, margin={"t": 40, "b": 10, "l": 10, "r": 10}, font={"size": FONT},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def image_rows(rows: list[np.ndarray], shape: tuple[int, ...], titles: list[str]) -> go.Figure:
    """Stack rows of samples into one greyscale mosaic: rows[i] is (n, D); images when shape is (C,H,W),
    otherwise each sample is drawn as a strip of its D values."""
    n = rows[0].shape[0]
    if len(shape) == 3:
        h, w = shape[1], shape[2]
        tiles = [r.reshape(n, h, w) for r in rows]
    else:
        h, w = 1, shape[0]
        tiles = [r.reshape(n, 1, w) for r in rows]
    gap = 1 if len(shape) == 3 else 3  # tabular samples need a wider gap to read as separate blocks
    canvas = np.full((len(rows) * (h + gap), n * (w + gap)), np.nan)
    for i, tile in enumerate(tiles):
        for j in range(n):
            canvas[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = tile[j]
    fig = go.Figure(go.Heatmap(z=canvas, colorscale="gray_r" if len(shape) == 3 else "viridis", zmin=0,
                               zmax=1, showscale=len(shape) != 3, hoverinfo="skip"))
    centres = [i * (h + gap) + h / 2 - 0.5 for i in range(len(rows))]
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False, tickvals=centres, ticktext=titles,
                     scaleanchor="x" if len(shape) == 3 else None)
    fig.update_xaxes(visible=False)
    height = 90 * len(rows) + 40 if len(shape) == 3 else 40 * len(rows) * max(1, n // 4) + 60
    fig.update_layout(height=height, margin={"t": 10, "b": 10, "l": 10, "r": 10},
                      plot_bgcolor="white", font={"size": FONT})
    return fig


def axis_label(axis: str, i: int) -> str:
    """z₁, z₂ for a one-letter name; "PC 1", "t-SNE 2" otherwise."""
    return f"{axis}{'₀₁₂₃'[i]}" if len(axis) == 1 else f"{axis} {i}"


# Braille cells are 2 dots wide and 4 tall; bit of the dot at (row, column) of a cell (Unicode's dot numbering)
_BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]])
_SPARK = "▁▂▃▄▅▆▇█"


def braille(image: np.ndarray, max_side: int = 28, level: float = 0.4) -> list[str]:
    """An (H, W) image in [0, 1] as lines of Braille dots, one dot per pixel at most max_side pixels a side (larger
    images are block-averaged first): a 28×28 digit is 7 lines of 14 characters, small enough for a hover label."""
    step = max(1, -(-max(image.shape) // max_side))  # ceil: block size that brings the image within max_side
    h, w = -(-image.shape[0] // step), -(-image.shape[1] // step)
    padded = np.zeros((h * step, w * step))
    padded[:image.shape[0], :image.shape[1]] = image
    small = padded.reshape(h, step, w, step).mean((1, 3))
    dots = np.zeros((-(-h // 4) * 4, -(-w // 2) * 2), dtype=bool)
    dots[:h, :w] = small > level
    cells = dots.reshape(dots.shape[0] // 4, 4, dots.shape[1] // 2, 2).transpose(0, 2, 1, 3)  # (rows, cols, 4, 2)
    codes = (cells * _BRAILLE_BITS).sum((2, 3))
    return ["".join(chr(0x2800 + int(c)) for c in row) for row in codes]


def sparkline(series: np.ndarray, width: int = 32) -> str:
    """A 1-D series as one line of block characters, resampled to at most `width` of them."""
    idx = np.linspace(0, len(series) - 1, min(width, len(series))).round().astype(int)
    v = series[idx]
    span = v.max() - v.min()
    levels = np.zeros(len(v), int) if span == 0 else np.round((v - v.min()) / span * (len(_SPARK) - 1)).astype(int)
    return "".join(_SPARK[i] for i in levels)


def thumbnails(x: np.ndarray, shape: tuple[int, ...]) -> list[str]:
    """Each sample drawn in text for a hover label (lines joined by <br>): images as Braille dots (first channel),
    sequences as a sparkline of their first feature, table rows as their first values."""
    if len(shape) == 3:
        return ["<br>".join(braille(row.reshape(shape)[0])) for row in x]
    if len(shape) == 2:
        return [sparkline(row.reshape(shape)[:, 0]) for row in x]
    return [" ".join(f"{v:.2f}" for v in row[:6]) + (" …" if len(row) > 6 else "") for row in x]


def latent_scatter(z: np.ndarray, y: np.ndarray, class_names: list[str], ids: np.ndarray | None = None,
                   title: str = "", axis: str = "z", legend: str | None = "right",
                   highlight: np.ndarray | None = None, thumbs: list[str] | None = None, *,
                   lang: str) -> go.Figure:
    """Points coloured and shaped by class, one legend entry per class (legend "right", "below" or None);
    hover names the sample and, given `thumbs` (thumbnails(), one per point), draws it. Three columns draw a
    rotatable 3-D scatter. highlight: sample ids to pick out
    (the rest fade in 2-D; in 3-D they get a ring). Beyond SVG_MAX points 2-D draws with WebGL (browsers
    allow few WebGL charts)."""
    ids = np.arange(len(z)) if ids is None else ids
    three_d = z.shape[1] == 3
    trace = go.Scatter3d if three_d else go.Scattergl if len(z) > SVG_MAX else go.Scatter
    sample, cls, chosen = t("plots.sample", lang), t("plots.class", lang), t("plots.selected", lang)
    fig = go.Figure()
    for c, name in enumerate(class_names):
        mask = y == c
        if not mask.any():
            continue
        colour, symbol = style(c)
        xyz = {"x": z[mask, 0], "y": z[mask, 1] if z.shape[1] > 1 else np.zeros(mask.sum())}
        marker = {"color": colour, "size": 6, "opacity": 0.8, "line": {"width": 0}}
        extra = {}
        if three_d:
            xyz["z"], marker["size"] = z[mask, 2], 3
        else:
            marker["symbol"] = symbol
            if highlight is not None:
                extra = {"selectedpoints": np.flatnonzero(np.isin(ids[mask], highlight)),
                         "selected": {"marker": {"opacity": 1.0, "size": 13}},
                         "unselected": {"marker": {"opacity": 0.12}}}
        if thumbs is not None:  # text, not customdata: selections read the sample id from customdata
            extra["text"] = [thumbs[i] for i in np.flatnonzero(mask)]
        picture = "<br>%{text}" if thumbs is not None else ""
        fig.add_trace(trace(**xyz, mode="markers", name=name, marker=marker, customdata=ids[mask], **extra,
                            hovertemplate=f"{sample} #%{{customdata}}<br>{cls} {name}{picture}<extra></extra>"))
    if three_d and highlight is not None and len(highlight):
        sel = np.isin(ids, highlight)
        fig.add_trace(go.Scatter3d(x=z[sel, 0], y=z[sel, 1], z=z[sel, 2], mode="markers", name=chosen,
                                   marker={"size": 7, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "black"}},
                                   customdata=ids[sel],
                                   hovertemplate=f"{sample} #%{{customdata}}<extra>{chosen}</extra>"))
    # the top margin keeps plotly's toolbar clear of the legend
    place = {"orientation": "h", "y": -0.18, "x": 0} if legend == "below" else {}
    fig.update_layout(title=title, height=440 + 60 * (legend == "below"), margin={"t": 45, "b": 10, "l": 10, "r": 10},
                      showlegend=legend is not None, plot_bgcolor="white", font={"size": FONT},
                      legend={"title": cls, "itemsizing": "constant", **place},
                      hoverlabel={"font": {"family": "DejaVu Sans Mono, monospace"}})  # Braille cells line up
    if three_d:
        fig.update_scenes(xaxis_title_text=axis_label(axis, 1), yaxis_title_text=axis_label(axis, 2),
                          zaxis_title_text=axis_label(axis, 3))
    else:
        fig.update_xaxes(title_text=axis_label(axis, 1), showgrid=True, gridcolor="#eee", zeroline=False)
        fig.update_yaxes(title_text=axis_label(axis, 2), showgrid=True, gridcolor="#eee", zeroline=False)
    return fig


def series_rows(x: np.ndarray, x_hat: np.ndarray, shape: tuple[int, ...], *, lang: str) -> go.Figure:
    """Sequences (n, T*F) and their reconstructions as small multiples: original solid, reconstruction dashed
    (first feature only when there are several)."""
    steps, feats = shape
    n = len(x)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.03)
    for i in range(n):
        for series, name, dash, colour in ((x, t("plots.original", lang), "solid", PALETTE[0]),
                                           (x_hat, t("plots.reconstruction", lang), "dash", PALETTE[6])):
            fig.add_trace(go.Scatter(y=series[i].reshape(steps, feats)[:, 0], mode="lines", name=name,
                                     line={"dash": dash, "color": colour}, legendgroup=name, showlegend=i == 0),
                          row=1, col=i + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(height=220, margin={"t": 10, "b": 10, "l": 10, "r": 10}, font={"size": FONT},
                      legend={"orientation": "h", "y": -0.1}, plot_bgcolor="white")
    return fig


def factor_scatter(z: np.ndarray, values: np.ndarray, name: str, ids: np.ndarray | None = None,
                   axis: str = "z", *, lang: str) -> go.Figure:
    """Points coloured by a continuous generating factor (a colour-blind-safe sequential scale)."""
    ids = np.arange(len(z)) if ids is None else ids
    trace = go.Scattergl if len(z) > SVG_MAX else go.Scatter
    fig = go.Figure(trace(x=z[:, 0], y=z[:, 1] if z.shape[1] > 1 else np.zeros(len(z)), mode="markers",
                          customdata=ids, marker={"color": values, "colorscale": "Viridis", "size": 6,  # no-i18n
                                                  "colorbar": {"title": name}},
                          hovertemplate=f"{t('plots.sample', lang)} #%{{customdata}}<br>{name} "
                                        "%{marker.color:.2f}<extra></extra>"))
    fig.update_layout(height=440, margin={"t": 45, "b": 10, "l": 10, "r": 10}, plot_bgcolor="white",
                      font={"size": FONT})
    fig.update_xaxes(title_text=axis_label(axis, 1), showgrid=True, gridcolor="#eee", zeroline=False)
    fig.update_yaxes(title_text=axis_label(axis, 2), showgrid=True, gridcolor="#eee", zeroline=False)
    return fig
