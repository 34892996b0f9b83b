"""The Augmentation page's helpers: its own settings and session-state slot (the Train page's model is only read,
never replaced), training the generators and the classifiers in a shared training slot, and the views."""
from __future__ import annotations

import numpy as np
import streamlit as st

from aelib import augment
from aelib.augment import AugmentConfig, AugmentResult
from aelib.data import DATASETS, Dataset
from aelib.models import MODELS
from aelib.plots import image_rows
from aelib.probe_plots import accuracy_bars
from appkit.lab import Lab
from appkit.state import Run

RESULT = "aelab_augment_result"
LAB = Lab("augment")  # the request and error slots
request, busy, take_request, fail, take_error, load = (LAB.request, LAB.busy, LAB.take_request, LAB.fail,
                                                       LAB.take_error, LAB.load)
DATA = "aelab_augment_data"  # (name, split seed, data dir) of the result's dataset
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]
SHORT = {"none": "labelled only", "cvae": "+ cVAE samples", "jitter": "+ jittered codes"}
VERDICT_NAMES = {"cvae": "Adding cVAE samples (a cVAE that saw only the labelled images)",
                 "jitter": "Adding jittered codes (an autoencoder that saw all training images, no labels)"}


def get_result() -> AugmentResult | None:
    return st.session_state.get(RESULT)


def inputs(disabled: bool) -> tuple[str, dict]:
    """(dataset, AugmentConfig fields) as chosen."""
    c = st.columns(4)
    name = c[0].selectbox("Data", IMAGE_SETS, key="aug_dataset", disabled=disabled,
                          format_func=lambda k: DATASETS[k].title)
    k = c[1].number_input("Labelled per class", 1, 100, step=1, key="aug_labels", disabled=disabled)
    gen = c[2].number_input("Generated per class", 1, 500, step=5, key="aug_generated", disabled=disabled,
                            help="Added to each class by each generator.")
    repeats = c[3].number_input("Draws", 1, 10, step=1, key="aug_repeats", disabled=disabled,
                                help="Random sets of labelled examples to average over (a new cVAE for each).")
    d = st.columns(3)
    cvae_epochs = d[0].number_input("cVAE epochs", 1, 1000, step=10, key="aug_cvae_epochs", disabled=disabled,
                                    help="On the labelled examples only: few images need many epochs.")
    ae_epochs = d[1].number_input("Autoencoder epochs", 1, 200, step=1, key="aug_ae_epochs", disabled=disabled,
                                  help="For the jittered codes: all training images, labels unused.")
    jitter = d[2].slider("Code jitter", 0.0, 2.0, step=0.1, key="aug_jitter", disabled=disabled,
                         help="Noise added to each code, in units of that code dimension's spread over the "
                              "training images: 0 gives back (blurry) reconstructions of the labelled examples.")
    return name, {"labels_per_class": int(k), "generated_per_class": int(gen), "repeats": int(repeats),
                  "cvae_epochs": int(cvae_epochs), "ae_epochs": int(ae_epochs), "jitter": float(jitter)}


def usable_main_run(run: Run | None) -> bool:
    """A finished model from the Train page that encodes and decodes without labels."""
    return (run is not None and bool(run.history) and run.status != "training" and run.model is not None
            and not MODELS[run.model_cfg.model].cls.needs_labels)


def result_dataset() -> Dataset | None:
    """The dataset the stored result was measured on (a Train page model may have used another split)."""
    return load(*st.session_state.get(DATA, (get_result().dataset, 0, None)))


def work(ds: Dataset, cfg: AugmentConfig, ae=None, source: str = "trained here",
         data: tuple = (None, 0, None)) -> None:
    result = LAB.run(lambda report: augment.experiment(ds, cfg, report, ae, source))
    if result is not None:
        st.session_state[RESULT], st.session_state[DATA] = result, (ds.name, *data[1:])


def configure(values: dict) -> AugmentConfig | None:
    try:
        return AugmentConfig(**values)
    except ValueError as err:
        fail(str(err))
        return None


def train_new(name: str, values: dict) -> None:
    ds, cfg = load(name), configure(values)
    if ds is not None and cfg is not None:
        work(ds, cfg)


def adopt_main_run(run: Run, values: dict) -> None:
    """The Train page's model makes the jittered codes, on its own dataset; the run itself is only read."""
    ds, cfg = load(run.dataset, run.split_seed, run.data_dir), configure({**values, "ae_epochs": len(run.history)})
    if ds is not None and cfg is not None:
        work(ds, cfg, run.model, f"your {run.model_cfg.model} from the Train page",
             (run.dataset, run.split_seed, run.data_dir))


def verdict(r: AugmentResult) -> tuple[bool, str]:
    """(any help?, the sentence): said plainly either way."""
    parts = []
    for v in ("cvae", "jitter"):
        gain = r.gain(v)
        what = "helps" if r.helps(v) else ("does **not** help" if gain <= 0 else "does not clearly help")
        parts.append(f"{VERDICT_NAMES[v]}: {what} "
                     f"({gain * 100:+.1f} points of accuracy on average)")
    return r.helps("cvae") or r.helps("jitter"), ". ".join(parts) + "."


def show(r: AugmentResult, ds: Dataset) -> None:
    means = {v: r.mean(v) for v in augment.VARIANTS}
    sds = {v: r.sd(v) for v in augment.VARIANTS}
    st.plotly_chart(accuracy_bars(means, sds, SHORT, len(ds.y_test)))
    helped, text = verdict(r)
    (st.success if helped else st.warning)(text)
    if not helped:
        st.caption("Generated images only recombine what the generator learned. A cVAE trained on a handful of "
                   "images has little to recombine, and decoded codes are blurrier than real digits, so the "
                   "classifier may learn the blur instead of the classes. Try more draws before trusting a "
                   "small difference either way.")
    st.subheader("What was added (first draw, one per class)")
    st.plotly_chart(image_rows([r.examples["labelled"], r.examples["cvae"], r.examples["jitter"]], ds.shape,
                               ["labelled example", "cVAE sample", "jittered code"]))
    per_draw = np.round(np.array([r.accuracy[v] for v in augment.VARIANTS]) * 100, 1)
    st.caption("Test accuracy (%) per draw: " + "; ".join(
        f"{SHORT[v]} {', '.join(map(str, row))}" for v, row in zip(augment.VARIANTS, per_draw))
        + f". Measured in {r.seconds:.0f} s.")
