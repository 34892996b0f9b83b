"""Widgets and views more than one page uses: the dataset picker with its offline fallback, the
"train first" notice, and the latent-space scatter."""
from __future__ import annotations

import streamlit as st

from aelib.data import DATASETS, OFFLINE_DEFAULT, Dataset, DatasetUnavailable
from appkit import resources, your_data_views
from appkit.i18n import dataset_description, dataset_title, explain, in_lang, tr
from appkit.state import Run, get_run

DATASET_KEY, DATA_DIR_KEY = "dataset", "data_dir"


def _use_offline() -> None:
    st.session_state[DATASET_KEY] = OFFLINE_DEFAULT


def dataset_picker(disabled: bool = False) -> Dataset | None:
    """Choose and load a dataset (bundled, or the learner's own from the Your data page). A failed load says
    why and offers the offline set; never raises."""
    options = [*DATASETS, *your_data_views.names()]
    if st.session_state.get(DATASET_KEY) not in options:  # an own dataset since removed
        st.session_state[DATASET_KEY] = OFFLINE_DEFAULT
    titles = {k: your_data_views.title(k) if your_data_views.is_upload(k) else dataset_title(k) for k in options}
    name = st.selectbox(tr("widgets.data"), options, key=DATASET_KEY, disabled=disabled,
                        format_func=titles.__getitem__, help=tr("widgets.data_help"))
    if your_data_views.is_upload(name):
        ds = your_data_views.get(name)
        st.caption(tr("widgets.split_caption", train=len(ds.x_train), test=len(ds.x_test), source=in_lang(ds.source)))
        return ds
    st.caption(dataset_description(name))
    data_dir = None
    if name in ("mnist", "fashion_mnist"):
        data_dir = st.text_input(tr("widgets.data_dir"), key=DATA_DIR_KEY, disabled=disabled,
                                 placeholder=tr("widgets.data_dir_placeholder"), help=tr("widgets.data_dir_help"))
    try:
        ds = resources.dataset(name, 0, data_dir_of(data_dir))
    except DatasetUnavailable as err:
        st.error(explain(err))
        st.button(tr("widgets.use_offline"), on_click=_use_offline, width="stretch")
        return None
    st.caption(tr("widgets.split_caption", train=len(ds.x_train), test=len(ds.x_test), source=in_lang(ds.source)))
    return ds


def data_dir_of(text: str | None) -> str | None:
    return (text or "").strip() or None


def require_run() -> Run:
    """The learner's trained model, or a pointer to the Train page and a stop."""
    run = get_run()
    if run is None or not run.history:
        st.info(tr("widgets.no_model"))
        st.page_link("pages/1_Train.py", label=tr("widgets.go_train"), icon=":material/model_training:")
        st.stop()
    return run


def run_caption(run: Run) -> None:
    """Which model the page's results come from, in one line."""
    cfg, tcfg = run.model_cfg, run.train_cfg
    statuses = {"training": tr("widgets.status.training"), "finished": tr("widgets.status.finished"),
                "stopped": tr("widgets.status.stopped"), "diverged": tr("widgets.status.diverged")}
    beta = f", β = {cfg.beta:g}" if cfg.model == "vae" else ""
    st.caption(tr("widgets.run_caption", model=cfg.model, latent=cfg.latent_dim, beta=beta, dataset=run.dataset,
                  done=len(run.history), epochs=tcfg.epochs, status=statuses.get(run.status, run.status),
                  batch=tcfg.batch_size, lr=f"{tcfg.lr:g}", seed=tcfg.seed))


def run_dataset(run: Run) -> Dataset:
    if your_data_views.is_upload(run.dataset):  # the learner's own data lives in their session, not the shared cache
        ds = your_data_views.get(run.dataset)
        if ds is None:
            st.error(tr("widgets.data_gone", title=your_data_views.title(run.dataset)))
            st.stop()
        return ds
    return resources.dataset(run.dataset, run.split_seed, run.data_dir)
