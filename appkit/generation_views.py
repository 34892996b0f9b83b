"""The Generation page's helpers: its own session-state slots (a VAE/plain-AE pair and a conditional VAE; the
learner's main run from the Train page is only read), training them live in a shared training slot, and the
views: prior samples, the latent grid, traversals, interpolation and a chosen digit."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from aelib import generation as gen
from aelib import infer
from aelib.data import DATASETS, Dataset
from aelib.experiment import model_config
from aelib.generation_plots import manifold, z_name
from aelib.models import Autoencoder
from aelib.plots import image_rows
from aelib.train import TrainConfig
from aelib.zoo_plots import curves, two_clouds
from appkit.lab import Lab
from appkit.state import Run

PAIR, CVAE = "aelab_gen_pair", "aelab_gen_cvae"
LAB = Lab("gen")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]
SHOW, N_CLOUD, STEPS, MAX_TRAVERSE = 10, 1000, 9, 8  # samples per row, codes per scatter, path steps, rows
TITLES = {"vae": "VAE", "ae": "plain AE"}


@dataclass
class Conditional:
    model: Autoencoder
    dataset: str
    source: str = "trained here"
    data_dir: str | None = None


def get_pair() -> gen.GenerationPair | None:
    return st.session_state.get(PAIR)


def get_cvae() -> Conditional | None:
    return st.session_state.get(CVAE)


def main_family(run: Run | None) -> str | None:
    """The Train page's model family if this page can use it: a finished vae, cvae or ae on image data."""
    if (run is None or not run.history or run.status == "training" or run.model_cfg.model not in gen.FAMILIES
            or DATASETS[run.dataset].kind != "image"):
        return None
    return run.model_cfg.model


def class_choices(n: int, keys: tuple[str, ...]) -> list[int]:
    """Class indices 0..n-1 for a picker; a kept choice beyond this dataset's classes is brought into range."""
    for key in keys:
        st.session_state[key] = min(int(st.session_state.get(key, 0)), n - 1)
    return list(range(n))


def training_inputs(disabled: bool) -> tuple[str, int, int]:
    """(dataset, latent size, epochs) for the models this page trains."""
    c = st.columns(3)
    name = c[0].selectbox("Data", IMAGE_SETS, key="gen_dataset", disabled=disabled,
                          format_func=lambda k: DATASETS[k].title)
    latent = c[1].number_input("Latent size", 1, 64, step=1, key="gen_latent", disabled=disabled,
                               help="2 gives the classic manifold picture; larger codes show traversals per dimension.")
    epochs = c[2].number_input("Epochs (each model)", 1, 200, step=1, key="gen_epochs", disabled=disabled)
    return name, int(latent), int(epochs)


def train(what: str, settings: tuple[str, int, int], run: Run | None, seed: int = 0) -> None:
    """Carry out a request: a new pair or CVAE from the settings, or one built around the Train page's model."""
    main = what.endswith("main")
    name, latent, epochs = settings
    ds = load(run.dataset, data_dir=run.data_dir) if main else load(name)
    if ds is None:
        return
    try:
        tcfg = run.train_cfg if main else TrainConfig(epochs=epochs, seed=seed)
        cfg = run.model_cfg if main else (model_config(ds, "cvae", latent, hidden=gen.HIDDEN) if what == "cvae"
                                          else gen.pair_configs(ds, latent)[0])
    except ValueError as err:
        fail(str(err))
        return
    source, data_dir = ("your model from the Train page", run.data_dir) if main else ("trained here", None)
    if what == "cvae_main":
        st.session_state[CVAE] = Conditional(run.model, ds.name, source, data_dir)
    elif what == "cvae":
        result = LAB.run(lambda log: gen.train_cvae(ds, cfg, tcfg, log))
        if result is not None:
            st.session_state[CVAE] = Conditional(result[0], ds.name)
    else:
        given = {cfg.model: run.model} if main else {}
        vae_cfg = cfg if cfg.model == "vae" else gen.partner_config(cfg)
        pair = LAB.run(lambda log: gen.train_pair(ds, vae_cfg, tcfg, log, **given))
        if pair is not None:
            st.session_state[PAIR] = replace(pair, source=source, data_dir=data_dir)


def _model_samples(pair: gen.GenerationPair, ds: Dataset, seed: int) -> dict[str, tuple]:
    """name -> (codes it samples, training codes, model): the VAE from its prior, the AE from N(0, I) (wrong)
    and from a Gaussian fitted to its codes."""
    vae_codes, ae_codes = pair.train_codes(ds, "vae"), pair.train_codes(ds, "ae")
    normal = gen.standard_normal(pair.vae.cfg.latent_dim)
    return {"VAE, codes from N(0, I)": (normal.sample(N_CLOUD, seed), vae_codes, pair.vae),
            "plain AE, codes from N(0, I)": (normal.sample(N_CLOUD, seed), ae_codes, pair.ae),
            "plain AE, fitted Gaussian": (gen.fitted_gaussian(ae_codes).sample(N_CLOUD, seed), ae_codes, pair.ae)}


def show_samples(pair: gen.GenerationPair, ds: Dataset, seed: int) -> None:
    """Decoded prior samples of each model, the share that land in holes, and codes-vs-samples scatters."""
    drawn = _model_samples(pair, ds, seed)
    rows = [infer.decode(m, z[:SHOW]) for z, _, m in drawn.values()]
    st.plotly_chart(image_rows(rows, ds.shape, list(drawn)))
    holes = {k: gen.hole_fraction(z, codes) for k, (z, codes, _) in drawn.items()}
    for col, (k, h) in zip(st.columns(3), holes.items()):
        col.metric(f"In a hole: {k}", f"{h:.0%}", help=f"Of {N_CLOUD} sampled codes, the share farther from every "
                   "training code than 99% of training codes are from their nearest neighbour.")
    ae = pair.train_codes(ds, "ae")
    st.caption(f"A plain AE has no prior: its codes sit wherever training put them — here mean "
               f"({', '.join(f'{v:.1f}' for v in ae.mean(0)[:4])}{', …' if ae.shape[1] > 4 else ''}) and spread "
               f"(std) {ae.std(0).mean():.1f} instead of 0 and 1 — so N(0, I) samples fall in the wrong place or "
               "cover only a patch of its codes. A Gaussian fitted to its codes is the right size, yet its samples "
               "still land in **holes**: the AE's codes form separate clumps (one per kind of digit) with gaps "
               "the decoder was never trained on, and a Gaussian puts mass in those gaps. The VAE's KL term pulls "
               "its codes toward N(0, I) and its sampling noise teaches the decoder the space between them.")
    cols = st.columns(2)
    for col, (k, (z, codes, _)) in zip(cols, [(k, drawn[k]) for k in ("VAE, codes from N(0, I)",
                                                                       "plain AE, fitted Gaussian")]):
        dims = gen.spread_order(codes)[:2] if codes.shape[1] > 1 else [0, 0]
        col.plotly_chart(two_clouds(codes[:N_CLOUD][:, dims], z[:, dims], ("training codes", "sampled codes"),
                                    k.split(",")[0] + (" (its two widest dimensions)" if codes.shape[1] > 2 else "")))


def show_grid(pair: gen.GenerationPair, ds: Dataset, n: int) -> None:
    """Each model's decoded grid over the plane of its two widest latent dimensions."""
    if pair.vae.cfg.latent_dim < 2:
        st.info("A grid needs at least two latent dimensions; these models have one.")
        return
    cols = st.columns(2)
    for col, (name, model) in zip(cols, pair.models().items()):
        codes = pair.train_codes(ds, name)
        dims = tuple(gen.spread_order(codes)[:2])
        center = np.zeros(codes.shape[1]) if name == "vae" else codes.mean(0)
        u, v = gen.plane_axes(model, codes, n, dims)
        images = infer.decode(model, gen.latent_grid(center, u, v, dims))
        col.plotly_chart(manifold(images, ds.shape, u, v, dims, f"{TITLES[name]}: a {n}×{n} grid of codes"))
    st.caption("VAE: the axes are the Gaussian's quantiles 5%…95% (Kingma & Welling 2014, Fig. 4), so every tile "
               "covers the same prior probability. Plain AE: evenly spaced over the 1st–99th percentile of its codes"
               + (". Other dimensions are held at the prior mean (VAE) or the codes' mean (AE)."
                  if pair.vae.cfg.latent_dim > 2 else "."))


def show_traversals(pair: gen.GenerationPair, ds: Dataset) -> None:
    """One row per latent dimension (widest first): that dimension swept, the others held at the centre."""
    if pair.vae.cfg.latent_dim <= 2:
        st.caption("With a 2-D code the grid above already sweeps both dimensions; train with a larger latent "
                   "size to see one row per dimension.")
        return
    cols = st.columns(2)
    for col, (name, model) in zip(cols, pair.models().items()):
        codes = pair.train_codes(ds, name)
        order = gen.spread_order(codes)[:MAX_TRAVERSE]
        prior = gen.prior_for(model, codes)
        paths = gen.traversals(prior.mean, prior.std, order, STEPS)
        rows = [infer.decode(model, p) for p in paths]
        col.markdown(f"**{TITLES[name]}**")
        col.plotly_chart(image_rows(rows, ds.shape, [z_name(d) for d in order]))
    st.caption("Each row moves one dimension from −2.5 to +2.5 standard deviations (of N(0, I) for the VAE, of "
               "the codes for the AE) with the others at the centre; "
               f"the dimensions whose codes vary most come first (at most {MAX_TRAVERSE}). A VAE row that does not "
               "change is a collapsed dimension: its KL went to 0 and the decoder ignores it.")


@st.cache_data(max_entries=2)
def _norm_table() -> pd.DataFrame:
    return pd.DataFrame(gen.midpoint_norms()).round(2)


def show_interpolation(pair: gen.GenerationPair, ds: Dataset, pick: tuple[int, int, int]) -> None:
    """Paths between two test images: linear and spherical in each model's code, and the pixel blend."""
    first, second, example = pick
    idx = [np.flatnonzero(ds.y_test == c) for c in (first, second)]
    if not all(len(i) for i in idx):
        st.info("The held-out split has no image of one of these classes.")
        return
    xa, xb = ds.x_test[idx[0][example % len(idx[0])]], ds.x_test[idx[1][example % len(idx[1])]]
    r = gen.interpolations(pair, xa, xb, STEPS)
    names = {"pixel": "pixel blend", "vae_linear": "VAE, linear", "vae_spherical": "VAE, spherical",
             "ae_linear": "plain AE, linear", "ae_spherical": "plain AE, spherical"}
    st.plotly_chart(image_rows([r[k] for k in names], ds.shape, list(names.values())))
    d = pair.vae.cfg.latent_dim
    norms = {"linear (lerp)": r["norm_vae_linear"], "spherical (slerp)": r["norm_vae_spherical"]}
    fig = curves(r["t"], norms, "Norm ‖z‖ of the VAE's code along the path", "t (0 = first image, 1 = second)",
                 "‖z‖", dashed=("linear (lerp)",))
    fig.add_hline(y=np.sqrt(d), line_dash="dot", line_color="#888", annotation_text="√d: typical for N(0, I)")
    st.plotly_chart(fig)
    st.caption(f"The pixel blend fades one image out as the other fades in: a double exposure, never a digit in "
               f"between. Decoding points between the two codes morphs one digit into the other. **Linear** "
               f"interpolation cuts straight across; **spherical** (slerp, Shoemake 1985) swings along an arc. "
               f"White (2016) pointed out why it matters: a sample of N(0, I) in d dimensions has norm close to √d, "
               f"but the linear midpoint of two of them only about √(d/2) — a radius where the prior almost never "
               f"puts a code when d is large. Here d = {d}; the table shows it for larger d.")
    st.dataframe(_norm_table(), hide_index=True)


def cvae_section(ds: Dataset, model: Autoencoder, digit: int, seed: int) -> None:
    """Samples of the chosen class, and the same codes decoded with every class (style held, class changed)."""
    x = gen.generate_class(model, digit, 2 * SHOW, seed)
    st.plotly_chart(image_rows([x[:SHOW], x[SHOW:]], ds.shape, [ds.class_names[digit]] * 2))
    z = gen.standard_normal(model.cfg.latent_dim).sample(SHOW, seed)
    rows = [infer.decode(model, z[:SHOW], np.full(SHOW, c)) for c in range(model.cfg.n_classes)]
    st.plotly_chart(image_rows(rows, ds.shape, list(ds.class_names)))
    st.caption("Top: codes from N(0, I) decoded with the label you chose. Below: the same ten codes with every "
               "label — each column keeps its style (slant, thickness), each row its class. The label carries the "
               "class, so the code is free to hold everything else (Sohn et al. 2015).")
