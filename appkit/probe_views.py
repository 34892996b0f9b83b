"""The Few labels page's helpers: its own settings and session-state slot (the Train page's model is only read,
never replaced), training the feature extractor and fitting the probes in a shared training slot, and the views."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from aelib import probe
from aelib.data import DATASETS, Dataset
from aelib.models import MODELS
from aelib.probe_plots import accuracy_curves
from aelib.train import TrainConfig
from appkit.lab import Lab
from appkit.state import Run

RESULT = "aelab_probe_lab"
LAB = Lab("probe")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]


@dataclass
class ProbeLab:
    """An extractor, the curve measured with it, and where both came from."""
    dataset: str
    model_name: str
    latent_dim: int
    epochs: int
    repeats: int
    curve: dict  # probe.accuracy_curve()
    n_test: int
    source: str = "trained here"  # or "your model from the Train page"


def get_lab() -> ProbeLab | None:
    return st.session_state.get(RESULT)


def inputs(disabled: bool) -> tuple[str, int, int, int]:
    """(dataset, latent size, epochs, draws per k) as chosen."""
    c = st.columns(4)
    name = c[0].selectbox("Data", IMAGE_SETS, key="fl_dataset", disabled=disabled,
                          format_func=lambda k: DATASETS[k].title)
    latent = c[1].number_input("Code size", 1, 256, step=1, key="fl_latent", disabled=disabled,
                               help="The autoencoder's latent size; PCA keeps as many components.")
    epochs = c[2].number_input("Epochs", 1, 200, step=1, key="fl_epochs", disabled=disabled,
                               help="For the autoencoder, on the training images without their labels.")
    repeats = c[3].number_input("Draws per k", 1, 20, step=1, key="fl_repeats", disabled=disabled,
                                help="How many random sets of k labelled examples each point averages over.")
    return name, int(latent), int(epochs), int(repeats)


def usable_main_run(run: Run | None) -> bool:
    """A finished model from the Train page that encodes without labels."""
    return (run is not None and bool(run.history) and run.status != "training" and run.model is not None
            and not MODELS[run.model_cfg.model].cls.needs_labels)


def measure(ds: Dataset, settings: tuple[str, int, int, int], model=None, source: str = "trained here") -> None:
    """Train the extractor (unless given), encode, fit the probes; progress on one bar, in a training slot."""
    _, latent, epochs, repeats = settings
    with LAB.working() as report:
        share = 0.0 if model is not None else 0.7  # of the bar for training; the probes take the rest
        if model is None:
            model, _ = probe.train_extractor(ds, latent, TrainConfig(epochs=epochs, seed=0),
                                             log=lambda f, t: report(share * f, t))
        report(share, "Encoding the images; PCA with as many components…")
        feats = probe.features(ds, model)
        curve = probe.accuracy_curve(feats, ds.y_train, ds.y_test, probe.ks_for(ds.y_train), repeats,
                                     log=lambda f, t: report(share + (1 - share) * f, t))
        st.session_state[RESULT] = ProbeLab(ds.name, model.cfg.model, feats.widths["ae"], epochs, repeats, curve,
                                            len(ds.y_test), source)


def train_new(settings: tuple[str, int, int, int]) -> None:
    ds = load(settings[0])
    if ds is not None:
        measure(ds, settings)


def adopt_main_run(run: Run, settings: tuple[str, int, int, int]) -> None:
    """The Train page's model as the extractor, on its own dataset; the run itself is only read."""
    ds = load(run.dataset, run.split_seed, run.data_dir)
    if ds is not None:
        measure(ds, (run.dataset, run.model_cfg.latent_dim, len(run.history), settings[3]), run.model,
                "your model from the Train page")


def table(lab: ProbeLab) -> pd.DataFrame:
    rows = {"labels per class": [str(k) for k in lab.curve["k"]]}
    for f in probe.FEATURE_SETS:
        rows[probe.FEATURE_TITLES[f]] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(lab.curve[f]["mean"], lab.curve[f]["sd"])]
    return pd.DataFrame(rows)


def verdict(lab: ProbeLab) -> str:
    """In words: who wins with few labels and with all of them, and whether raw pixels keep up."""
    c, parts = lab.curve, []
    for i in (0, len(c["k"]) - 1):
        best = probe.best_at(c, i)
        k = c["k"][i]
        lead = c[best]["mean"][i] - max(c[f]["mean"][i] for f in probe.FEATURE_SETS if f != best)
        within = lead <= max(c[best]["sd"][i], 0.005)
        parts.append(f"With **{k}** labelled example{'s' * (k != 1)} per class, **{probe.FEATURE_TITLES[best]}** "
                     f"score best ({c[best]['mean'][i]:.3f})" + (", but within one sd of the next: call it a tie"
                                                                    if within else f", {lead:.3f} ahead"))
    wins = [k for k, a, r in zip(c["k"], c["ae"]["mean"], c["raw"]["mean"]) if a > r + 0.005]
    if not wins:
        parts.append("Raw pixels are as good as the autoencoder's codes, or better, at every k here: on this data "
                     "a linear classifier needs no learned features. That is a real result, not a bug")
    else:
        parts.append(f"The autoencoder's codes beat raw pixels by more than half a point at {len(wins)} of "
                     f"{len(c['k'])} label counts (k = {', '.join(map(str, wins))})")
    return ". ".join(parts) + "."


def show(lab: ProbeLab) -> None:
    titles = {f: f"{probe.FEATURE_TITLES[f]} ({w})" for f, w in
              (("raw", "every pixel"), ("pca", f"{lab.latent_dim} components"), ("ae", f"{lab.latent_dim}-D code"))}
    st.plotly_chart(accuracy_curves(lab.curve, titles, lab.n_test))
    st.info(verdict(lab))
    st.dataframe(table(lab), hide_index=True)
    st.caption(f"Each point: the mean ± sd of the test accuracy over {lab.repeats} random draws of the labelled "
               "examples (the same draws for all three feature sets; one draw for 'all'). The shaded band is ± 1 sd.")
