"""The anomaly page's state, training and results. The detector lives in its own session-state key, so the
learner's main run from the Train page is never touched."""
from __future__ import annotations

import time

import numpy as np
import streamlit as st

from aelib import infer
from aelib.data import DATASETS, DIGIT_NAMES, Dataset, DatasetUnavailable
from aelib.i18n import Words
from aelib.labs import anomaly as an
from aelib.labs import anomaly_plots as ap
from aelib.labs.anomaly import AnomalyRun
from aelib.models import MODELS, ModelConfig, build_model
from aelib.train import EpochStats, Progress, TrainConfig, TrainingDiverged
from appkit import resources, your_data_views
from appkit.i18n import current_lang, explain, in_lang, tr
from appkit.i18n import dataset_title as bundled_title
from appkit.lab import Lab

LAB = Lab("anomaly")  # the request slot; the training runs on the server, keyed by workspace
RUN, REQUEST, THRESHOLD = "aelab_anomaly_run", LAB.request_key, "an_threshold"
MODEL_FOR_KIND = {"image": "conv_ae", "sequence": "seq_ae", "table": "ae"}  # a sensible family per data kind
SHOW = 8  # samples per row of heat maps


def get_run() -> AnomalyRun | None:
    return st.session_state.get(RUN)


def request() -> None:
    LAB.request()


def busy() -> bool:
    """A training was asked for; or this workspace's detector is still training on the server (followed here)."""
    return LAB.busy()


def stop() -> None:
    """Stop button: the training ends after the batch it is on and keeps its weights."""
    LAB.stop()


def dataset_names() -> list[str]:
    """The bundled sets and the learner's own uploads (Your data page)."""
    return [*DATASETS, *your_data_views.names()]


def dataset_title(name: str) -> str:
    """A dataset's title in the learner's language (call it in the script run, never from a format_func)."""
    return your_data_views.title(name) if your_data_views.is_upload(name) else bundled_title(name)


def protocol_texts() -> tuple[dict[str, str], dict[str, str]]:
    """The protocols' option labels and their one-sentence explanations (aelib.labs.anomaly.PROTOCOLS in words)."""
    labels = {"one-class": tr("anomaly.protocol.one_class"), "inject": tr("anomaly.protocol.inject")}
    captions = {"one-class": tr("anomaly.protocol.one_class_caption"), "inject": tr("anomaly.protocol.inject_caption")}
    return labels, captions


def sentence(text: str) -> str:
    """A clause as a sentence: capital first letter and a full stop (。 in Chinese)."""
    return tr("anomaly.sentence", text=text[:1].upper() + text[1:])


def run_message(run: AnomalyRun) -> str:
    """The run's outcome in words."""
    if run.status == "finished":
        return tr("anomaly.trained", n=f"{len(run.split.x_train):,}", epochs=run.train_cfg.epochs,
                  seconds=f"{run.seconds:.1f}")
    if run.status == "stopped":
        return tr("anomaly.interrupted", done=len(run.history), epochs=run.train_cfg.epochs)
    return in_lang(run.message)


def load(name: str) -> tuple[Dataset | None, str | None]:
    """(dataset, None), or (None, why not) for a failed download or an upload no longer in the session."""
    if your_data_views.is_upload(name):
        ds = your_data_views.get(name)
        return (ds, None) if ds is not None else (None, tr("anomaly.upload_gone", title=dataset_title(name)))
    try:
        return resources.dataset(name, 0), None
    except DatasetUnavailable as err:
        return None, explain(err)


def on_dataset_change() -> None:
    """A new dataset: its natural model family and first class, so the defaults always fit."""
    ds, _ = load(st.session_state["an_dataset"])
    if ds is None:  # the page says why
        return
    st.session_state["an_model"] = MODEL_FOR_KIND[ds.kind]
    st.session_state["an_normal"] = ["0"]
    if ds.kind != "table":  # images have no injection; sequences have no meaningful "normal class"
        st.session_state["an_protocol"] = "one-class" if ds.kind == "image" else "inject"


def prepare(ds: Dataset, protocol: str, normal: list[str], model: str, latent: int,
            epochs: int) -> tuple[an.AnomalySplit, ModelConfig, TrainConfig]:
    """The split and configs for the chosen settings; ValueError, in words, for a combination that cannot work."""
    if MODELS[model].cls.needs_labels:
        raise ValueError(tr("anomaly.error.needs_labels", model=model))
    split = an.make_split(ds, protocol, normal if protocol == "one-class" else None)
    mcfg, tcfg = an.detector_configs(ds, model, latent, epochs)
    return split, mcfg, tcfg


def _finish(run: AnomalyRun) -> None:
    if not run.history:
        st.session_state.pop(RUN, None)
        return
    run.scored = an.score_split(run.model, run.split)
    st.session_state[THRESHOLD] = run.scored.threshold  # the slider starts at the textbook rule


def train_now(name: str, split: an.AnomalySplit, mcfg: ModelConfig, tcfg: TrainConfig) -> None:
    """Train a detector on the server (in one of the shared training slots), followed here with a progress bar;
    Stop ends it after the current batch, keeping its weights. It goes on if the learner leaves the page."""
    run = AnomalyRun(name, split, mcfg, tcfg, model=build_model(mcfg, seed=tcfg.seed))

    def work(report) -> AnomalyRun:
        t0 = time.perf_counter()
        try:
            for ev in an.training_events(run.model, split, tcfg, progress_every_s=0.3):
                if isinstance(ev, Progress):
                    asked = report((ev.epoch - 1 + ev.batch / ev.n_batches) / tcfg.epochs,
                                   Words("anomaly.progress_epoch", epoch=ev.epoch))
                elif isinstance(ev, EpochStats):
                    run.history.append(ev)
                    asked = report(ev.epoch / tcfg.epochs, Words("anomaly.progress_done", epoch=ev.epoch,
                                                                  epochs=tcfg.epochs, loss=f"{ev.train['loss']:.3f}"))
                else:
                    asked = False
                if asked:
                    run.status = "stopped"
                    break
            else:
                run.status = "finished"
            run.seconds = time.perf_counter() - t0
        except TrainingDiverged as err:
            run.status, run.message = "diverged", err.words
        return run

    LAB.run(work)


@LAB.keeper
def keep(trained: AnomalyRun) -> None:
    """The detector where the page reads it, scored (in this session: scoring is quick, and a kept run comes back
    from the workspace unscored)."""
    st.session_state[RUN] = trained
    _finish(trained)


def show_threshold_metrics(run: AnomalyRun) -> None:
    """The histogram, the threshold slider and everything that depends on it, updated live."""
    s = run.scored
    top = float(max(s.test_errors.max(), s.threshold) * 1.05)
    if not 0.0 <= st.session_state.get(THRESHOLD, -1.0) <= top:  # forgotten on another page, or a new run
        st.session_state[THRESHOLD] = s.threshold
    lang = current_lang()
    threshold = st.slider(tr("anomaly.threshold"), 0.0, top, key=THRESHOLD, step=top / 400, format="%.4f",
                          help=tr("anomaly.threshold_help", threshold=f"{s.threshold:.4f}"))
    st.plotly_chart(ap.error_histogram(s.test_errors, s.is_anomaly, threshold, lang=lang))
    m = an.metrics_at(s.test_errors, s.is_anomaly, threshold)
    c = st.columns(4)
    c[0].metric(tr("anomaly.precision"), f"{m['precision']:.3f}", help=tr("anomaly.precision_help"))
    c[1].metric(tr("anomaly.recall"), f"{m['recall']:.3f}", help=tr("anomaly.recall_help"))
    c[2].metric(tr("anomaly.f1"), f"{m['f1']:.3f}", help=tr("anomaly.f1_help"))
    c[3].metric(tr("anomaly.textbook"), f"{s.threshold:.4f}", help=tr("anomaly.textbook_help"))
    # the matrix on a row of its own and the curves two to a row: three charts side by side left the matrix's
    # words and the curves' titles cut off at 1024 px (a classroom projector)
    st.plotly_chart(ap.confusion(m["confusion"], lang=lang))
    cu = an.curves(s.test_errors, s.is_anomaly)
    (tn, fp), (fn, tp) = m["confusion"]
    point = (fp / max(fp + tn, 1), tp / max(tp + fn, 1))
    left, right = st.columns(2)
    left.plotly_chart(ap.roc_curve(cu["fpr"], cu["tpr"], cu["auroc"], point, lang=lang))
    right.plotly_chart(ap.pr_curve(cu["recall"], cu["precision"], cu["average_precision"], cu["base_rate"],
                                   (point[1], m["precision"]), lang=lang))
    st.caption(tr("anomaly.curves_caption"))


def show_samples(run: AnomalyRun, ds: Dataset) -> None:
    """The worst-reconstructed samples, and the anomalies the model reconstructs well (its blind spot)."""
    s, x = run.scored, run.split.x_test
    names, lang = ds.class_names, current_lang()
    truth = {True: tr("anomaly.sample_anomaly"), False: tr("anomaly.sample_normal")}

    def maps(idx: np.ndarray) -> None:
        x_hat = infer.reconstruct(run.model, x[idx])
        titles = [tr("anomaly.sample_title", truth=truth[bool(s.is_anomaly[i])], name=names[run.split.y_test[i]],
                     error=f"{s.test_errors[i]:.4f}") for i in idx]
        st.plotly_chart(ap.error_maps(x[idx], x_hat, (x_hat - x[idx]) ** 2, ds.shape, titles, lang=lang))

    st.subheader(tr("anomaly.worst"))
    maps(an.worst(s.test_errors, SHOW))
    st.caption(tr("anomaly.worst_caption"))
    st.subheader(tr("anomaly.missed"))
    maps(an.missed(s.test_errors, s.is_anomaly, SHOW))
    example = tr("anomaly.missed_example") if names == DIGIT_NAMES else ""
    st.caption(tr("anomaly.missed_caption", example=example))
