"""The Generation page's helpers: its own session-state slots (a VAE/plain-AE pair and a conditional VAE; the
learner's main run from the Train page is only read), training them live in a shared training slot, and the
views: prior samples, the latent grid, traversals, interpolation and a chosen digit."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from aelib import infer
from aelib.data import DATASETS, IMAGE_SETS, Dataset
from aelib.experiment import FROM_TRAIN_PAGE, TRAINED_HERE, model_config
from aelib.labs import generation as gen
from aelib.labs.generation import Conditional
from aelib.labs.generation_plots import manifold, z_name
from aelib.models import Autoencoder
from aelib.models.zoo_plots import curves, two_clouds
from aelib.plots import image_rows
from aelib.train import TrainConfig
from appkit.i18n import dataset_title, explain, tr
from appkit.lab import Lab
from appkit.state import Run

PAIR, CVAE = "aelab_generation_pair", "aelab_generation_cvae"
# the request and error slots; the workspace keeps the latest pair and conditional VAE apart
LAB = Lab("generation", part=lambda result: "cvae" if isinstance(result, Conditional) else "pair")
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
SHOW, N_CLOUD, STEPS, MAX_TRAVERSE = 10, 1000, 9, 8  # samples per row, codes per scatter, path steps, rows


def titles() -> dict[str, str]:
    """Each model's short name in the learner's language."""
    return {"vae": tr("generation.model_vae"), "ae": tr("generation.model_ae")}


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
    c = st.columns([2, 1, 1])  # the dataset's name whole on a 1024-px screen
    names = {k: dataset_title(k) for k in IMAGE_SETS}  # built here: format_func runs outside the script
    name = c[0].selectbox(tr("generation.data"), IMAGE_SETS, key="gen_dataset", disabled=disabled,
                          format_func=names.__getitem__)
    latent = c[1].number_input(tr("generation.latent"), 1, 64, step=1, key="gen_latent", disabled=disabled,
                               help=tr("generation.latent_help"))
    epochs = c[2].number_input(tr("generation.epochs"), 1, 200, step=1, key="gen_epochs", disabled=disabled)
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
        fail(explain(err))
        return
    source, data_dir = (FROM_TRAIN_PAGE, run.data_dir) if main else (TRAINED_HERE, None)
    if what == "cvae_main":
        LAB.adopt(Conditional(run.model, ds.name, source, data_dir))
    elif what == "cvae":
        name = ds.name
        LAB.run(lambda log: Conditional(gen.train_cvae(ds, cfg, tcfg, log)[0], name))
    else:
        given = {cfg.model: run.model} if main else {}
        vae_cfg = cfg if cfg.model == "vae" else gen.partner_config(cfg)
        LAB.run(lambda log: replace(gen.train_pair(ds, vae_cfg, tcfg, log, **given), source=source, data_dir=data_dir))


@LAB.keeper
def keep(result: Conditional | gen.GenerationPair) -> None:
    """A trained conditional VAE, or a VAE beside a plain AE, where the page reads it."""
    st.session_state[CVAE if isinstance(result, Conditional) else PAIR] = result


def _model_samples(pair: gen.GenerationPair, ds: Dataset, seed: int) -> dict[str, tuple]:
    """kind -> (codes it samples, training codes, model): the VAE from its prior, the AE from N(0, I) (wrong)
    and from a Gaussian fitted to its codes."""
    vae_codes, ae_codes = pair.train_codes(ds, "vae"), pair.train_codes(ds, "ae")
    normal = gen.standard_normal(pair.vae.cfg.latent_dim)
    return {"vae_prior": (normal.sample(N_CLOUD, seed), vae_codes, pair.vae),
            "ae_prior": (normal.sample(N_CLOUD, seed), ae_codes, pair.ae),
            "ae_fitted": (gen.fitted_gaussian(ae_codes).sample(N_CLOUD, seed), ae_codes, pair.ae)}


def show_samples(pair: gen.GenerationPair, ds: Dataset, seed: int) -> None:
    """Decoded prior samples of each model, the share that land in holes, and codes-vs-samples scatters."""
    drawn = _model_samples(pair, ds, seed)
    labels = {"vae_prior": tr("generation.vae_prior"), "ae_prior": tr("generation.ae_prior"),
              "ae_fitted": tr("generation.ae_fitted")}
    rows = [infer.decode(m, z[:SHOW]) for z, _, m in drawn.values()]
    st.plotly_chart(image_rows(rows, ds.shape, [labels[k] for k in drawn]))
    holes = {k: gen.hole_fraction(z, codes) for k, (z, codes, _) in drawn.items()}
    reach = {k: gen.reach_fraction(z, codes, seed=seed) for k, (z, codes, _) in drawn.items()}
    for col, k in zip(st.columns(3), drawn):
        col.metric(tr("generation.hole", source=labels[k]), f"{holes[k]:.0%}",
                   help=tr("generation.hole_help", n=N_CLOUD))
        col.metric(tr("generation.reach", source=labels[k]), f"{reach[k]:.0%}", help=tr("generation.reach_help"))
    ae = pair.train_codes(ds, "ae")
    mean = ", ".join(f"{v:.1f}" for v in ae.mean(0)[:4]) + (", …" if ae.shape[1] > 4 else "")
    numbers = {"mean": mean, "std": f"{ae.std(0).mean():.1f}", **{f"holes_{k}": f"{v:.0%}" for k, v in holes.items()},
               **{f"reach_{k}": f"{v:.0%}" for k, v in reach.items()}}
    st.caption(" ".join(tr(f"generation.samples.{part}", **numbers) for part in gen.sampling_story(holes, reach)))
    cols = st.columns(2)
    model_of = {"vae_prior": "vae", "ae_fitted": "ae"}
    names = titles()
    for col, (k, (z, codes, _)) in zip(cols, [(k, drawn[k]) for k in model_of]):
        dims = gen.spread_order(codes)[:2] if codes.shape[1] > 1 else [0, 0]
        title = names[model_of[k]]
        if codes.shape[1] > 2:
            title = tr("generation.cloud_wide", model=title)
        col.plotly_chart(two_clouds(codes[:N_CLOUD][:, dims], z[:, dims],
                                    (tr("generation.training_codes"), tr("generation.sampled_codes")), title))


def show_grid(pair: gen.GenerationPair, ds: Dataset, n: int) -> None:
    """Each model's decoded grid over the plane of its two widest latent dimensions."""
    if pair.vae.cfg.latent_dim < 2:
        st.info(tr("generation.grid_needs_two"))
        return
    cols = st.columns(2)
    grid_titles = {"vae": tr("generation.grid_title_vae", n=n), "ae": tr("generation.grid_title_ae", n=n)}
    for col, (name, model) in zip(cols, pair.models().items()):
        codes = pair.train_codes(ds, name)
        dims = tuple(gen.spread_order(codes)[:2])
        center = np.zeros(codes.shape[1]) if name == "vae" else codes.mean(0)
        u, v = gen.plane_axes(model, codes, n, dims)
        images = infer.decode(model, gen.latent_grid(center, u, v, dims))
        col.plotly_chart(manifold(images, ds.shape, u, v, dims, grid_titles[name]))
    st.caption(tr("generation.grid_caption_more") if pair.vae.cfg.latent_dim > 2 else tr("generation.grid_caption"))


def show_traversals(pair: gen.GenerationPair, ds: Dataset) -> None:
    """One row per latent dimension (widest first): that dimension swept, the others held at the centre."""
    if pair.vae.cfg.latent_dim <= 2:
        st.caption(tr("generation.traversal_2d"))
        return
    cols = st.columns(2)
    names = titles()
    for col, (name, model) in zip(cols, pair.models().items()):
        codes = pair.train_codes(ds, name)
        order = gen.spread_order(codes)[:MAX_TRAVERSE]
        prior = gen.prior_for(model, codes)
        paths = gen.traversals(prior.mean, prior.std, order, STEPS)
        rows = [infer.decode(model, p) for p in paths]
        col.markdown(tr("generation.bold", text=names[name]))
        col.plotly_chart(image_rows(rows, ds.shape, [z_name(d) for d in order]))
    st.caption(tr("generation.traversal_caption", n=MAX_TRAVERSE))


@st.cache_data(max_entries=2)
def _norm_table() -> pd.DataFrame:
    return pd.DataFrame(gen.midpoint_norms()).round(2)


def _norm_columns() -> dict[str, str]:
    """generation.midpoint_norms()' column ids -> their names in the learner's language (√d reads the same in both)."""
    return {c: "√d" if c == "sqrt_d" else tr(f"generation.col_{c}") for c in gen.MIDPOINT_COLUMNS}


def show_interpolation(pair: gen.GenerationPair, ds: Dataset, pick: tuple[int, int, int]) -> None:
    """Paths between two test images: linear and spherical in each model's code, and the pixel blend."""
    first, second, example = pick
    idx = [np.flatnonzero(ds.y_test == c) for c in (first, second)]
    if not all(len(i) for i in idx):
        st.info(tr("generation.no_class_image"))
        return
    xa, xb = ds.x_test[idx[0][example % len(idx[0])]], ds.x_test[idx[1][example % len(idx[1])]]
    r = gen.interpolations(pair, xa, xb, STEPS)
    names = {"pixel": tr("generation.pixel_blend"), "vae_linear": tr("generation.vae_linear"),
             "vae_spherical": tr("generation.vae_spherical"), "ae_linear": tr("generation.ae_linear"),
             "ae_spherical": tr("generation.ae_spherical")}
    st.plotly_chart(image_rows([r[k] for k in names], ds.shape, list(names.values())))
    d = pair.vae.cfg.latent_dim
    lerp = tr("generation.lerp")
    norms = {lerp: r["norm_vae_linear"], tr("generation.slerp"): r["norm_vae_spherical"]}
    fig = curves(r["t"], norms, tr("generation.norm_title"), tr("generation.norm_x"), "‖z‖", dashed=(lerp,))
    fig.add_hline(y=np.sqrt(d), line_dash="dot", line_color="#888", annotation_text=tr("generation.sqrt_d_line"))
    st.plotly_chart(fig)
    st.caption(tr("generation.interp_caption", d=d))
    st.dataframe(_norm_table().rename(columns=_norm_columns()), hide_index=True)


def cvae_section(ds: Dataset, model: Autoencoder, digit: int, seed: int) -> None:
    """Samples of the chosen class, and the same codes decoded with every class (style held, class changed)."""
    x = gen.generate_class(model, digit, 2 * SHOW, seed)
    st.plotly_chart(image_rows([x[:SHOW], x[SHOW:]], ds.shape, [ds.class_names[digit]] * 2))
    z = gen.standard_normal(model.cfg.latent_dim).sample(SHOW, seed)
    rows = [infer.decode(model, z[:SHOW], np.full(SHOW, c)) for c in range(model.cfg.n_classes)]
    st.plotly_chart(image_rows(rows, ds.shape, list(ds.class_names)))
    st.caption(tr("generation.cvae_caption"))
