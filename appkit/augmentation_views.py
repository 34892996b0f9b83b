"""The Augmentation page's helpers: its own settings and session-state slot (the Train page's model is only read,
never replaced), training the generators and the classifiers in a shared training slot, and the views."""
from __future__ import annotations

import numpy as np
import streamlit as st

from aelib.data import IMAGE_SETS, Dataset
from aelib.experiment import TRAINED_HERE, from_train_page
from aelib.labs import augmentation
from aelib.labs.augmentation import AugmentConfig, AugmentResult
from aelib.labs.few_labels_plots import accuracy_bars
from aelib.models import MODELS
from aelib.plots import image_rows
from appkit.i18n import current_lang, dataset_title, explain, tr
from appkit.lab import Lab, sentences
from appkit.state import Run

RESULT = "aelab_augmentation_result"
LAB = Lab("augmentation")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
DATA = "aelab_augmentation_data"  # (name, split seed, data dir) of the result's dataset


def short_names() -> dict[str, str]:
    """Each variant's short name (the bars, the per-draw caption) in the learner's language."""
    return {"none": tr("augmentation.short.none"), "cvae": tr("augmentation.short.cvae"),
            "jitter": tr("augmentation.short.jitter")}


def get_result() -> AugmentResult | None:
    return st.session_state.get(RESULT)


def inputs(disabled: bool) -> tuple[str, dict]:
    """(dataset, AugmentConfig fields) as chosen."""
    c = st.columns([2, 1, 1, 1])  # the dataset's name whole on a 1024-px screen
    titles = {k: dataset_title(k) for k in IMAGE_SETS}  # built now: format_func runs outside the script run
    name = c[0].selectbox(tr("lab.data"), IMAGE_SETS, key="aug_dataset", disabled=disabled,
                          format_func=titles.__getitem__)
    k = c[1].number_input(tr("augmentation.labels"), 1, 100, step=1, key="aug_labels", disabled=disabled)
    gen = c[2].number_input(tr("augmentation.generated"), 1, 500, step=5, key="aug_generated", disabled=disabled,
                            help=tr("augmentation.generated_help"))
    repeats = c[3].number_input(tr("augmentation.repeats"), 1, 10, step=1, key="aug_repeats", disabled=disabled,
                                help=tr("augmentation.repeats_help"))
    d = st.columns(3)
    cvae_epochs = d[0].number_input(tr("augmentation.cvae_epochs"), 1, 1000, step=10, key="aug_cvae_epochs",
                                    disabled=disabled, help=tr("augmentation.cvae_epochs_help"))
    ae_epochs = d[1].number_input(tr("augmentation.ae_epochs"), 1, 200, step=1, key="aug_ae_epochs", disabled=disabled,
                                  help=tr("augmentation.ae_epochs_help"))
    jitter = d[2].slider(tr("augmentation.jitter"), 0.0, 2.0, step=0.1, key="aug_jitter", disabled=disabled,
                         help=tr("augmentation.jitter_help"))
    return name, {"labels_per_class": int(k), "generated_per_class": int(gen), "repeats": int(repeats),
                  "cvae_epochs": int(cvae_epochs), "ae_epochs": int(ae_epochs), "jitter": float(jitter)}


def usable_main_run(run: Run | None) -> bool:
    """A finished model from the Train page that encodes and decodes without labels."""
    return (run is not None and bool(run.history) and run.status != "training" and run.model is not None
            and not MODELS[run.model_cfg.model].cls.needs_labels)


def result_dataset() -> Dataset | None:
    """The dataset the stored result was measured on (a Train page model may have used another split)."""
    return load(*st.session_state.get(DATA, (get_result().dataset, 0, None)))


def work(ds: Dataset, cfg: AugmentConfig, ae=None, source: str = TRAINED_HERE,
         data: tuple = (None, 0, None)) -> None:
    where = (ds.name, *data[1:])
    LAB.run(lambda report: (augmentation.experiment(ds, cfg, report, ae, source), where))


@LAB.keeper
def keep(result_where: tuple) -> None:
    """The experiment's result, and (dataset, seed, data folder) it was measured on."""
    st.session_state[RESULT], st.session_state[DATA] = result_where


def configure(values: dict) -> AugmentConfig | None:
    try:
        return AugmentConfig(**values)
    except ValueError as err:
        fail(explain(err))
        return None


def train_new(name: str, values: dict) -> None:
    ds, cfg = load(name), configure(values)
    if ds is not None and cfg is not None:
        work(ds, cfg)


def adopt_main_run(run: Run, values: dict) -> None:
    """The Train page's model makes the jittered codes, on its own dataset; the run itself is only read."""
    ds, cfg = load(run.dataset, run.split_seed, run.data_dir), configure({**values, "ae_epochs": len(run.history)})
    if ds is not None and cfg is not None:
        work(ds, cfg, run.model, from_train_page(run.model_cfg.model),
             (run.dataset, run.split_seed, run.data_dir))


def verdict(r: AugmentResult) -> tuple[bool, str]:
    """(any help?, the sentence): said plainly either way."""
    parts, names = [], {"cvae": tr("augmentation.verdict_name.cvae"), "jitter": tr("augmentation.verdict_name.jitter")}
    for v in ("cvae", "jitter"):
        gain = r.gain(v)
        what = (tr("augmentation.helps") if r.helps(v) else tr("augmentation.does_not_help") if gain <= 0
                else tr("augmentation.not_clearly"))
        parts.append(tr("augmentation.verdict", name=names[v], what=what, gain=f"{gain * 100:+.1f}"))
    return r.helps("cvae") or r.helps("jitter"), sentences(parts)


def show(r: AugmentResult, ds: Dataset) -> None:
    means = {v: r.mean(v) for v in augmentation.VARIANTS}
    sds = {v: r.sd(v) for v in augmentation.VARIANTS}
    short = short_names()
    st.plotly_chart(accuracy_bars(means, sds, short, len(ds.y_test), lang=current_lang()))
    helped, text = verdict(r)
    (st.success if helped else st.warning)(text)
    if not helped:
        st.caption(tr("augmentation.why_not"))
    st.subheader(tr("augmentation.added"))
    st.plotly_chart(image_rows([r.examples["labelled"], r.examples["cvae"], r.examples["jitter"]], ds.shape,
                               [tr("augmentation.row.labelled"), tr("augmentation.row.cvae"),
                                tr("augmentation.row.jitter")]))
    per_draw = np.round(np.array([r.accuracy[v] for v in augmentation.VARIANTS]) * 100, 1)
    rows = "; ".join(f"{short[v]} {', '.join(map(str, row))}" for v, row in zip(augmentation.VARIANTS, per_draw))
    st.caption(tr("augmentation.per_draw", rows=rows, seconds=f"{r.seconds:.0f}"))
