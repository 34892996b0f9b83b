"""The Denoising page's helpers: its own settings and session-state slot (the learner's main run from the Train
page is never replaced), training the denoising/plain pair live in a shared training slot, and the views."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import streamlit as st

from aelib.data import IMAGE_SETS, Dataset
from aelib.data.noise import NOISES
from aelib.experiment import FROM_TRAIN_PAGE, TRAINED_HERE
from aelib.labs import denoising as dl
from aelib.models import ModelConfig
from aelib.models.zoo_plots import curves
from aelib.plots import image_rows
from aelib.train import TrainConfig
from appkit.i18n import current_lang, dataset_title, explain, in_lang, tr
from appkit.lab import Lab
from appkit.state import Run

PAIR = "aelab_denoising_pair"
LAB = Lab("denoising")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
SHOW = 8  # test images per row
N_EVAL = 500  # held-out images the PSNRs are averaged over


def noise_titles() -> dict[str, str]:
    """The noises' names (aelib.data.noise.NOISES keys) in the learner's language; built in the script run, so a
    format_func can look them up outside it."""
    return {kind: in_lang(noise.title) for kind, noise in NOISES.items()}


def noise_help() -> str:
    """What each noise does at a level (aelib.data.noise.NOISES' descriptions, in the learner's language)."""
    return "\n\n".join(tr("denoising.noise_help_line", noise=in_lang(noise.title), what=in_lang(noise.description))
                       for noise in NOISES.values())


def get_pair() -> dl.DenoisePair | None:
    return st.session_state.get(PAIR)


def training_inputs(disabled: bool) -> tuple[str, str, float, int, int]:
    """(dataset, noise, level, epochs, latent size) as chosen for the pair."""
    c = st.columns([3, 1.4, 1.1, 1, 1])  # a dataset's name needs about 245 px of a 1024-px screen
    titles, names = {k: dataset_title(k) for k in IMAGE_SETS}, noise_titles()  # format_func runs outside tr()'s reach
    name = c[0].selectbox(tr("denoising.data"), IMAGE_SETS, key="dn_dataset", disabled=disabled,
                          format_func=titles.__getitem__)
    noise = c[1].selectbox(tr("denoising.train_noise"), list(NOISES), key="dn_noise", disabled=disabled,
                           format_func=names.__getitem__, help=noise_help())
    level = c[2].slider(tr("denoising.train_level"), 0.05, 1.0, step=0.05, key="dn_level", disabled=disabled)
    epochs = c[3].number_input(tr("denoising.epochs"), 1, 200, step=1, key="dn_epochs", disabled=disabled)
    latent = c[4].number_input(tr("denoising.latent"), 1, 256, step=1, key="dn_latent", disabled=disabled,
                               help=tr("denoising.latent_help"))
    return name, noise, float(level), int(epochs), int(latent)


def train_live(ds: Dataset, dae_cfg: ModelConfig, tcfg: TrainConfig, finish=None, **given) -> None:
    """dl.train_pair() on the server (then finish(pair), there too), followed with a progress bar; keep() keeps it
    here and in the workspace. A failure leaves a message and the page's previous pair (if any) in place."""
    LAB.run(lambda report: (finish or (lambda pair: pair))(dl.train_pair(ds, dae_cfg, tcfg, report, **given)))


def train_new(settings: tuple[str, str, float, int, int], seed: int = 0) -> None:
    name, noise, level, epochs, latent = settings
    ds = load(name)
    if ds is not None:
        try:
            dae_cfg, _ = dl.pair_configs(ds, noise, level, latent)
            tcfg = TrainConfig(epochs=epochs, seed=seed)
        except ValueError as err:
            fail(explain(err))
            return
        train_live(ds, dae_cfg, tcfg)


def adopt_main_run(run: Run) -> None:
    """The learner's denoising AE from the Train page, beside a plain AE with its network and settings (the
    one its own view trained, if it did; otherwise trained now). The main run itself is only read."""
    ds = load(run.dataset, data_dir=run.data_dir)
    if ds is None:
        return
    plain = run.extras.get("plain_ae")  # (model, history)
    history, data_dir = run.history, run.data_dir
    train_live(ds, run.model_cfg, run.train_cfg,
               lambda pair: replace(pair, histories=(history, plain[1] if plain else pair.histories[1]),
                                    source=FROM_TRAIN_PAGE, data_dir=data_dir),
               dae=run.model, plain=plain[0] if plain else None)


@LAB.inputs_of
def inputs_of(pair: dl.DenoisePair) -> dict:
    """The training inputs that made a pair trained on this page (one taken from the Train page has none here)."""
    if pair.source != TRAINED_HERE or pair.dataset not in IMAGE_SETS:
        return {}
    dae = pair.dae.cfg
    return {"dn_dataset": pair.dataset, "dn_noise": dae.noise, "dn_level": dae.noise_level,
            "dn_epochs": len(pair.histories[0]), "dn_latent": dae.latent_dim}


@LAB.keeper
def keep(pair: dl.DenoisePair) -> None:
    """Store a new pair and start its test noise at the noise it was trained on (the test widgets are not
    drawn in a training run, so their values may be set here)."""
    st.session_state[PAIR] = pair
    st.session_state["dn_test_noise"] = pair.noise
    st.session_state["dn_test_level"] = round(pair.noise_level * 20) / 20  # on the slider's 0.05 grid


def _db(v: float) -> str:
    return "∞ dB" if math.isinf(v) else f"{v:.1f} dB"


def show_pair(pair: dl.DenoisePair, ds: Dataset) -> None:
    """Test-noise pickers, the image rows with PSNRs, and the PSNR-vs-level curve of the pair."""
    c, names = st.columns(2), noise_titles()
    kind = c[0].selectbox(tr("denoising.test_noise"), list(NOISES), key="dn_test_noise", format_func=names.__getitem__)
    level = float(c[1].slider(tr("denoising.test_level"), 0.0, 1.0, step=0.05, key="dn_test_level",
                              help=tr("denoising.test_level_help")))
    x = ds.x_test[:N_EVAL]
    r = dl.side_by_side(pair, x, kind, level, seed=0)
    means = {k: float(np.mean(r[f"psnr_{k}"])) for k in ("noisy", "denoised", "plain")}
    rows = [r["noisy"][:SHOW], r["denoised"][:SHOW], r["plain"][:SHOW], x[:SHOW]]
    noisy_name, dae_name, plain_name = tr("denoising.row_noisy"), tr("denoising.row_dae"), tr("denoising.row_plain")
    st.plotly_chart(image_rows(rows, ds.shape, [noisy_name, dae_name, plain_name, tr("denoising.row_clean")]))
    m = st.columns(3)
    m[0].metric(tr("denoising.metric_noisy"), _db(means["noisy"]), help=tr("denoising.metric_noisy_help", n=len(x)))
    for col, key, label in ((m[1], "denoised", tr("denoising.metric_dae")),
                            (m[2], "plain", tr("denoising.metric_plain"))):
        gain = means[key] - means["noisy"]
        col.metric(label, _db(means[key]),
                   delta=None if math.isinf(gain) else tr("denoising.gain", gain=f"{gain:+.1f}"))
    if not means["denoised"] > means["plain"]:
        own = kind == pair.noise and abs(level - pair.noise_level) < 0.1
        why = tr("denoising.why_own") if own else tr("denoising.why_other")
        st.info(tr("denoising.not_better", dae=_db(means["denoised"]), plain=_db(means["plain"]), why=why))
    curve = dl.pair_curve(pair, x, kind)
    series = {noisy_name: dl.finite_or_none(curve["noisy"]), dae_name: dl.finite_or_none(curve["denoised"]),
              plain_name: dl.finite_or_none(curve["plain"])}
    fig = curves(curve["levels"], series, tr("denoising.curve_title", noise=names[kind]), tr("denoising.curve_x"),
                 tr("denoising.curve_y"), dashed=(noisy_name,))
    fig.add_vline(x=level, line_dash="dot", line_color="#888", annotation_text=tr("denoising.shown_above"))
    st.plotly_chart(fig)
    worse = dl.losing_levels(curve)
    notes = [tr("denoising.curve_note", n=len(x))]
    if any(math.isinf(v) for v in curve["noisy"]):
        notes.append(tr("denoising.curve_note_zero"))
    if worse:
        levels = ", ".join(f"{v:g}" for v in worse)
        notes.append(tr("denoising.curve_note_worse_many", levels=levels) if len(worse) > 1 else
                     tr("denoising.curve_note_worse_one", levels=levels))
    st.caption(("" if current_lang() == "zh" else " ").join(notes))  # Chinese sentences need no space between
