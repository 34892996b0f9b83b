"""The Compression page's helpers: its own session-state slot (the Train page's model is never replaced), fitting
the autoencoders and PCA coders live in a shared training slot, and the rate–distortion views."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from aelib.data import IMAGE_SETS, Dataset
from aelib.labs import compression as cz
from aelib.labs.compression_plots import method_titles, rate_distortion
from aelib.plots import image_rows
from appkit.i18n import current_lang, dataset_title, tr
from appkit.lab import Lab

RESULT = "aelab_compression"
LAB = Lab("compression")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
SIZES = (2, 4, 8, 16, 32, 64)  # code sizes a learner may pick
BIT_CHOICES = tuple(range(1, 9))
SHOW = 8  # test images per row
N_EVAL = 500  # held-out images the sizes and PSNRs are averaged over


def get_lab() -> cz.CompressionLab | None:
    return st.session_state.get(RESULT)


def training_inputs(disabled: bool) -> tuple[str, tuple[int, ...], int]:
    """(dataset, code sizes, epochs) as chosen."""
    c = st.columns([2.6, 3, 1])  # the dataset's name whole on a 1024-px screen
    titles = {k: dataset_title(k) for k in IMAGE_SETS}  # built now: format_func runs outside the script run
    name = c[0].selectbox(tr("lab.data"), IMAGE_SETS, key="cz_dataset", disabled=disabled,
                          format_func=titles.__getitem__)
    sizes = c[1].multiselect(tr("compression.sizes"), SIZES, key="cz_latent", disabled=disabled,
                             help=tr("compression.sizes_help"))
    epochs = c[2].number_input(tr("compression.epochs"), 1, 100, step=1, key="cz_epochs", disabled=disabled)
    return name, tuple(sorted(sizes)), int(epochs)


def train_new(settings: tuple[str, tuple[int, ...], int], seed: int = 0) -> None:
    """cz.build_lab() on the server, followed with a progress bar. A failure leaves a message and the page's
    previous coders (if any) in place."""
    name, sizes, epochs = settings
    if not sizes:
        fail(tr("compression.no_sizes"))
        return
    ds = load(name)
    if ds is None:
        return
    LAB.run(lambda report: cz.build_lab(ds, sizes, cz.train_config(epochs, seed), report))


@LAB.inputs_of
def inputs_of(lab: cz.CompressionLab) -> dict:
    """The training inputs that made the coders."""
    epochs = len(next(c for (m, _), c in lab.codecs.items() if m == "ae").history)
    if lab.dataset not in IMAGE_SETS or not set(lab.latent_dims) <= set(SIZES) or not 1 <= epochs <= 100:
        return {}
    return {"cz_dataset": lab.dataset, "cz_latent": sorted(lab.latent_dims), "cz_epochs": epochs}


@LAB.keeper
def keep(lab: cz.CompressionLab) -> None:
    st.session_state[RESULT] = lab


def _references(lab: cz.CompressionLab, ds: Dataset, x) -> dict[str, float]:
    if "png" not in lab.cache:
        lab.cache["png"] = cz.png_bytes(x, ds.shape)
    return {tr("compression.ref_raw", n=ds.input_dim): ds.input_dim,
            tr("compression.ref_png", n=f"{lab.cache['png']:.0f}"): lab.cache["png"]}


def _verdict(points: list[dict]) -> list[str]:
    """Plain statements, read off the numbers, of where the autoencoder wins and where it does not."""
    rows, notes = cz.best_table(points), []
    ae_wins = [r["budget"] for r in rows if r["ae"] is not None and r["ae"] >= max(
        (r[m] for m in ("pca", "jpeg", "jpeg_data") if r[m] is not None), default=-1)]
    jpeg_wins = [r["budget"] for r in rows if r["jpeg_data"] is not None and r["ae"] is not None
                 and r["jpeg_data"] > r["ae"]]
    if ae_wins:
        notes.append(tr("compression.note_ae_wins", bytes=f"{max(ae_wins):g}"))
    if jpeg_wins:
        b = min(jpeg_wins)
        r = next(r for r in rows if r["budget"] == b)
        notes.append(tr("compression.note_jpeg_wins", bytes=f"{b:g}", jpeg=f"{r['jpeg_data']:.1f}",
                        ae=f"{r['ae']:.1f}"))
    data = {p["size"]: p["bytes"] for p in points if p["method"] == "jpeg_data"}
    whole = {p["size"]: p["bytes"] for p in points if p["method"] == "jpeg"}
    if whole:
        head = [whole[q] - data[q] for q in whole]
        notes.append(tr("compression.note_headers", bytes=f"{min(whole.values()):.0f}", lo=f"{min(head):.0f}",
                        hi=f"{max(head):.0f}"))
    return notes


def show_lab(lab: cz.CompressionLab, ds: Dataset) -> None:
    """Bits per number, the rate–distortion chart, the best-per-budget table, and images at a chosen budget."""
    bits = st.multiselect(tr("compression.bits"), BIT_CHOICES, key="cz_bits", help=tr("compression.bits_help"))
    if not bits:
        st.info(tr("compression.no_bits"))
        return
    lang = current_lang()
    methods = method_titles(lang=lang)
    x = ds.x_test[:N_EVAL]
    points = cz.rate_distortion(lab, x, tuple(sorted(bits)))
    budget = st.select_slider(tr("compression.budget"), cz.BUDGETS, key="cz_budget")
    st.plotly_chart(rate_distortion(points, _references(lab, ds, x), budget, lang=lang))
    for note in _verdict(points):
        st.markdown(f"- {note}")
    best = {m: cz.best_under(points, m, budget) for m in cz.METHOD_TITLES}
    fits = {m: p for m, p in best.items() if p is not None}
    rows = [x[:SHOW]] + [cz.reconstruct(lab, p, x[:SHOW]) for p in fits.values()]
    titles = [tr("compression.original")] + [f"{methods[m]} {p['psnr']:.1f} dB" for m, p in fits.items()]
    st.plotly_chart(image_rows(rows, ds.shape, titles))
    missing = [methods[m] for m in best if m not in fits]
    st.caption(tr("compression.images_caption", budget=budget, n=len(x))
               + (tr("compression.nothing_fits", methods=", ".join(missing), budget=budget) if missing else ""))
    table = pd.DataFrame(cz.best_table(points)).rename(columns={"budget": tr("compression.col_budget"), **methods})
    st.dataframe(table, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.1f dB")
                                                        for c in methods.values()})
    ae = [c for (m, _), c in lab.codecs.items() if m == "ae"]
    st.caption(tr("compression.table_caption", lo=f"{min(map(cz.decoder_bytes, ae)) / 1e3:,.0f}",
                  hi=f"{max(map(cz.decoder_bytes, ae)) / 1e3:,.0f}", jpeg_data=methods["jpeg_data"]))
