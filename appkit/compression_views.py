"""The Compression page's helpers: its own session-state slot (the Train page's model is never replaced), fitting
the autoencoders and PCA coders live in a shared training slot, and the rate–distortion views."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from aelib import compression as cz
from aelib.compression_plots import rate_distortion
from aelib.data import DATASETS, Dataset
from aelib.plots import image_rows
from appkit.lab import Lab

RESULT = "aelab_compression"
LAB = Lab("compression")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]
SIZES = (2, 4, 8, 16, 32, 64)  # code sizes a learner may pick
BIT_CHOICES = tuple(range(1, 9))
SHOW = 8  # test images per row
N_EVAL = 500  # held-out images the sizes and PSNRs are averaged over


def get_lab() -> cz.CompressionLab | None:
    return st.session_state.get(RESULT)


def training_inputs(disabled: bool) -> tuple[str, tuple[int, ...], int]:
    """(dataset, code sizes, epochs) as chosen."""
    c = st.columns([2, 3, 1])
    name = c[0].selectbox("Data", IMAGE_SETS, key="cz_dataset", disabled=disabled,
                          format_func=lambda k: DATASETS[k].title)
    sizes = c[1].multiselect("Code sizes (numbers per image)", SIZES, key="cz_latent", disabled=disabled,
                             help="One autoencoder and one PCA coder per size: both describe an image with this "
                                  "many numbers.")
    epochs = c[2].number_input("Epochs (each AE)", 1, 100, step=1, key="cz_epochs", disabled=disabled)
    return name, tuple(sorted(sizes)), int(epochs)


def train_new(settings: tuple[str, tuple[int, ...], int], seed: int = 0) -> None:
    """cz.build_lab() in a shared training slot with a progress bar. A failure leaves a message and the page's
    previous coders (if any) in place."""
    name, sizes, epochs = settings
    if not sizes:
        fail("choose at least one code size.")
        return
    ds = load(name)
    if ds is None:
        return
    lab = LAB.run(lambda report: cz.build_lab(ds, sizes, cz.train_config(epochs, seed), report))
    if lab is not None:
        st.session_state[RESULT] = lab


def _references(lab: cz.CompressionLab, ds: Dataset, x) -> dict[str, float]:
    if "png" not in lab.cache:
        lab.cache["png"] = cz.png_bytes(x, ds.shape)
    return {f"raw 8-bit pixels ({ds.input_dim} B)": ds.input_dim, f"lossless PNG ({lab.cache['png']:.0f} B)":
            lab.cache["png"]}


def _verdict(points: list[dict]) -> list[str]:
    """Plain statements, read off the numbers, of where the autoencoder wins and where it does not."""
    rows, notes = cz.best_table(points), []
    ae_wins = [r["budget"] for r in rows if r["ae"] is not None and r["ae"] >= max(
        (r[m] for m in ("pca", "jpeg", "jpeg_data") if r[m] is not None), default=-1)]
    jpeg_wins = [r["budget"] for r in rows if r["jpeg_data"] is not None and r["ae"] is not None
                 and r["jpeg_data"] > r["ae"]]
    if ae_wins:
        notes.append(f"With at most {max(ae_wins):g} bytes per image, the autoencoder gives the best quality here.")
    if jpeg_wins:
        b = min(jpeg_wins)
        r = next(r for r in rows if r["budget"] == b)
        notes.append(f"From {b:g} bytes on, **JPEG wins**: its data alone give {r['jpeg_data']:.1f} dB where the best "
                     f"autoencoder within that size gives {r['ae']:.1f} dB. More bits cannot rescue a small code — "
                     "each AE line flattens out at what its code can describe, while JPEG keeps improving.")
    data = {p["size"]: p["bytes"] for p in points if p["method"] == "jpeg_data"}
    whole = {p["size"]: p["bytes"] for p in points if p["method"] == "jpeg"}
    if whole:
        head = [whole[q] - data[q] for q in whole]
        notes.append(f"A whole JPEG file is never smaller than {min(whole.values()):.0f} bytes here: its headers "
                     f"(quantisation and Huffman tables, sizes) alone take {min(head):.0f}–{max(head):.0f} bytes.")
    return notes


def show_lab(lab: cz.CompressionLab, ds: Dataset) -> None:
    """Bits per number, the rate–distortion chart, the best-per-budget table, and images at a chosen budget."""
    bits = st.multiselect("Bits per code number", BIT_CHOICES, key="cz_bits",
                          help="Each number is rounded to one of 2^bits evenly spaced levels between its smallest "
                               "and largest value on the training images.")
    if not bits:
        st.info("Choose at least one number of bits to see the chart.")
        return
    x = ds.x_test[:N_EVAL]
    points = cz.rate_distortion(lab, x, tuple(sorted(bits)))
    budget = st.select_slider("Byte budget per image (the images below)", cz.BUDGETS, key="cz_budget")
    st.plotly_chart(rate_distortion(points, _references(lab, ds, x), budget))
    for note in _verdict(points):
        st.markdown(f"- {note}")
    best = {m: cz.best_under(points, m, budget) for m in cz.METHOD_TITLES}
    fits = {m: p for m, p in best.items() if p is not None}
    rows = [x[:SHOW]] + [cz.reconstruct(lab, p, x[:SHOW]) for p in fits.values()]
    titles = ["original"] + [f"{cz.METHOD_TITLES[m]} {p['psnr']:.1f} dB" for m, p in fits.items()]
    st.plotly_chart(image_rows(rows, ds.shape, titles))
    missing = [cz.METHOD_TITLES[m] for m in best if m not in fits]
    st.caption(f"Each method's best setting within {budget} bytes per image (PSNR averaged over {len(x)} held-out "
               "images)." + (f" Nothing of {', '.join(missing)} fits in {budget} bytes." if missing else ""))
    table = pd.DataFrame(cz.best_table(points)).rename(columns={"budget": "≤ bytes", **cz.METHOD_TITLES})
    st.dataframe(table, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.1f dB")
                                                        for c in cz.METHOD_TITLES.values()})
    ae = [c for (m, _), c in lab.codecs.items() if m == "ae"]
    st.caption("Best PSNR within each budget (empty: nothing fits). The AE and PCA sizes count only the quantised "
               "code. Their decoders are not counted: the AE's decoder weights take "
               f"{min(map(cz.decoder_bytes, ae)) / 1e3:,.0f}–{max(map(cz.decoder_bytes, ae)) / 1e3:,.0f} kB and are "
               "shared by every image, so they pay off only over many images of the same kind. JPEG needs no "
               "training and works on any picture. 'JPEG (data only)' leaves out each file's headers — generous "
               "to JPEG, since its optimised Huffman tables differ from image to image.")
