"""Figures for the compression lab: quality against bytes per image (the rate–distortion picture). Figures only."""
from __future__ import annotations

import plotly.graph_objects as go

from aelib.i18n import Words, t
from aelib.labs.compression import METHOD_TITLES
from aelib.plots import FONT, PALETTE

COLOURS = {"ae": PALETTE[0], "pca": PALETTE[4], "jpeg": PALETTE[6], "jpeg_data": PALETTE[6]}
DASHES = {"ae": "solid", "pca": "dash", "jpeg": "solid", "jpeg_data": "dot"}
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]  # one per code size


def method_titles(*, lang: str) -> dict[str, str]:
    """METHOD_TITLES in `lang` (same keys, same order)."""
    return {m: title.say(lang) if isinstance(title, Words) else title for m, title in METHOD_TITLES.items()}


def _label(p: dict, *, lang: str) -> str:
    if p["method"] in ("ae", "pca"):
        return t("compression.hover_code", lang, size=p["size"], bits=p["bits"], bytes=f"{p['bytes']:g}",
                 psnr=f"{p['psnr']:.1f}")
    return t("compression.hover_jpeg", lang, quality=p["size"], bytes=f"{p['bytes']:.0f}", psnr=f"{p['psnr']:.1f}")


def rate_distortion(points: list[dict], references: dict[str, float] | None = None,
                    highlight: float | None = None, *, lang: str) -> go.Figure:
    """Mean PSNR against mean bytes per image (log scale): one line per code size of each learned coder (over its
    bits per number), one per JPEG variant (over its quality). references: name -> bytes, drawn as vertical
    lines (raw pixels, lossless PNG); highlight: a byte budget, drawn as a dotted line; lang: the labels' language."""
    fig = go.Figure()
    sizes = sorted({p["size"] for p in points if p["method"] in ("ae", "pca")})
    for method, title in method_titles(lang=lang).items():
        groups = sorted({p["size"] for p in points if p["method"] == method}) if method in ("ae", "pca") else [None]
        for size in groups:
            pts = sorted((p for p in points if p["method"] == method and size in (None, p["size"])),
                         key=lambda p: p["bytes"])
            if not pts:
                continue
            name = t("compression.trace", lang, method=title, size=size) if size is not None else title
            symbol = SYMBOLS[sizes.index(size) % len(SYMBOLS)] if size is not None else "circle-open"
            fig.add_trace(go.Scatter(
                x=[p["bytes"] for p in pts], y=[p["psnr"] for p in pts], mode="lines+markers", name=name,
                text=[_label(p, lang=lang) for p in pts], hovertemplate="%{text}<extra>" + name + "</extra>",
                line={"color": COLOURS[method], "dash": DASHES[method]}, marker={"symbol": symbol, "size": 8}))
    for i, (name, nbytes) in enumerate((references or {}).items()):
        fig.add_vline(x=nbytes, line_dash="dash", line_color="#999", annotation_text=name,
                      annotation_position="top left" if i % 2 else "bottom left")
    if highlight is not None:
        fig.add_vline(x=highlight, line_dash="dot", line_color=PALETTE[3],
                      annotation_text=t("compression.highlight", lang, bytes=f"{highlight:g}"))
    fig.update_layout(title=t("compression.chart_title", lang), height=480,
                      margin={"t": 45, "b": 10, "l": 10, "r": 10}, font={"size": FONT}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(type="log", title_text=t("compression.chart_x", lang), showgrid=True, gridcolor="#eee")
    fig.update_yaxes(title_text=t("compression.chart_y", lang), showgrid=True, gridcolor="#eee")
    return fig
