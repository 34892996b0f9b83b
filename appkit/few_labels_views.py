"""The Few labels page's helpers: its own settings and session-state slot (the Train page's model is only read,
never replaced), training the feature extractor and fitting the probes in a shared training slot, and the views."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from aelib.data import IMAGE_SETS, Dataset
from aelib.experiment import FROM_TRAIN_PAGE, TRAINED_HERE
from aelib.labs import few_labels
from aelib.labs.few_labels import ProbeLab
from aelib.labs.few_labels_plots import accuracy_curves, feature_titles
from aelib.models import MODELS
from aelib.train import TrainConfig
from appkit.i18n import current_lang, dataset_title, tr
from appkit.lab import Lab, sentences
from appkit.state import Run

RESULT = "aelab_few_labels_result"
LAB = Lab("few_labels")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)


def get_lab() -> ProbeLab | None:
    return st.session_state.get(RESULT)


def inputs(disabled: bool) -> tuple[str, int, int, int]:
    """(dataset, latent size, epochs, draws per k) as chosen."""
    c = st.columns([2, 1, 1, 1])  # the dataset's name whole on a 1024-px screen
    titles = {k: dataset_title(k) for k in IMAGE_SETS}  # built now: format_func runs outside the script run
    name = c[0].selectbox(tr("lab.data"), IMAGE_SETS, key="fl_dataset", disabled=disabled,
                          format_func=titles.__getitem__)
    latent = c[1].number_input(tr("few_labels.code_size"), 1, 256, step=1, key="fl_latent", disabled=disabled,
                               help=tr("few_labels.code_size_help"))
    epochs = c[2].number_input(tr("few_labels.epochs"), 1, 200, step=1, key="fl_epochs", disabled=disabled,
                               help=tr("few_labels.epochs_help"))
    repeats = c[3].number_input(tr("few_labels.repeats"), 1, 20, step=1, key="fl_repeats", disabled=disabled,
                                help=tr("few_labels.repeats_help"))
    return name, int(latent), int(epochs), int(repeats)


def usable_main_run(run: Run | None) -> bool:
    """A finished model from the Train page that encodes without labels."""
    return (run is not None and bool(run.history) and run.status != "training" and run.model is not None
            and not MODELS[run.model_cfg.model].cls.needs_labels)


def measure(ds: Dataset, settings: tuple[str, int, int, int], model=None, source: str = TRAINED_HERE) -> None:
    """Train the extractor (unless given), encode, fit the probes; progress on one bar, in a training slot."""
    _, latent, epochs, repeats = settings
    encoding = tr("few_labels.encoding")  # said now: the work runs on the server, outside this page

    def work(report) -> ProbeLab:
        share = 0.0 if model is not None else 0.7  # of the bar for training; the probes take the rest
        extractor = model
        if extractor is None:
            extractor, _ = few_labels.train_extractor(ds, latent, TrainConfig(epochs=epochs, seed=0),
                                                      log=lambda f, t: report(share * f, t))
        report(share, encoding)
        feats = few_labels.features(ds, extractor)
        curve = few_labels.accuracy_curve(feats, ds.y_train, ds.y_test, few_labels.ks_for(ds.y_train), repeats,
                                          log=lambda f, t: report(share + (1 - share) * f, t))
        return ProbeLab(ds.name, extractor.cfg.model, feats.widths["ae"], epochs, repeats, curve, len(ds.y_test),
                        source)

    LAB.run(work)


@LAB.inputs_of
def inputs_of(lab: ProbeLab) -> dict:
    """The inputs that measured the curve (an extractor taken from the Train page has none here)."""
    if lab.source != TRAINED_HERE or lab.dataset not in IMAGE_SETS:
        return {}
    return {"fl_dataset": lab.dataset, "fl_latent": lab.latent_dim, "fl_epochs": lab.epochs, "fl_repeats": lab.repeats}


@LAB.keeper
def keep(lab: ProbeLab) -> None:
    st.session_state[RESULT] = lab


def train_new(settings: tuple[str, int, int, int]) -> None:
    ds = load(settings[0])
    if ds is not None:
        measure(ds, settings)


def adopt_main_run(run: Run, settings: tuple[str, int, int, int]) -> None:
    """The Train page's model as the extractor, on its own dataset; the run itself is only read."""
    ds = load(run.dataset, run.split_seed, run.data_dir)
    if ds is not None:
        measure(ds, (run.dataset, run.model_cfg.latent_dim, len(run.history), settings[3]), run.model, FROM_TRAIN_PAGE)


def table(lab: ProbeLab) -> pd.DataFrame:
    every, features = tr("few_labels.all"), feature_titles(lang=current_lang())
    rows = {tr("few_labels.col_labels"): [every if k == "all" else str(k) for k in lab.curve["k"]]}
    for f in few_labels.FEATURE_SETS:
        rows[features[f]] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(lab.curve[f]["mean"], lab.curve[f]["sd"])]
    return pd.DataFrame(rows)


def verdict(lab: ProbeLab) -> str:
    """In words: who wins with few labels and with all of them, and whether raw pixels keep up."""
    c, parts, features = lab.curve, [], feature_titles(lang=current_lang())
    for i in (0, len(c["k"]) - 1):
        best = few_labels.best_at(c, i)
        k = c["k"][i]
        lead = c[best]["mean"][i] - max(c[f]["mean"][i] for f in few_labels.FEATURE_SETS if f != best)
        within = lead <= max(c[best]["sd"][i], 0.005)
        tail = tr("few_labels.verdict_tie") if within else tr("few_labels.verdict_ahead", lead=f"{lead:.3f}")
        fmt = {"k": k, "features": features[best], "acc": f"{c[best]['mean'][i]:.3f}", "tail": tail}
        parts.append(tr("few_labels.verdict_all", **fmt) if k == "all"
                     else tr("few_labels.verdict_one", **fmt) if k == 1
                     else tr("few_labels.verdict_many", **fmt))
    wins = [k for k, a, r in zip(c["k"], c["ae"]["mean"], c["raw"]["mean"]) if a > r + 0.005]
    if not wins:
        parts.append(tr("few_labels.verdict_no_wins"))
    else:
        parts.append(tr("few_labels.verdict_wins", n=len(wins), total=len(c["k"]), ks=", ".join(map(str, wins))))
    return sentences(parts)


def show(lab: ProbeLab) -> None:
    lang = current_lang()
    features = feature_titles(lang=lang)
    widths = {"raw": tr("few_labels.width_raw"), "pca": tr("few_labels.width_pca", n=lab.latent_dim),
              "ae": tr("few_labels.width_ae", n=lab.latent_dim)}
    titles = {f: tr("few_labels.curve_name", features=features[f], width=widths[f]) for f in widths}
    st.plotly_chart(accuracy_curves(lab.curve, titles, lab.n_test, lang=lang))
    st.info(verdict(lab))
    st.dataframe(table(lab), hide_index=True)
    st.caption(tr("few_labels.table_caption", n=lab.repeats, all=tr("few_labels.all")))
