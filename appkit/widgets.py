"""Widgets and views more than one page uses: the dataset picker with its offline fallback, the
"train first" notice, and the latent-space scatter."""
from __future__ import annotations

import streamlit as st

from aelib.data import DATASETS, OFFLINE_DEFAULT, Dataset, DatasetUnavailable
from appkit import resources, uploads
from appkit.state import Run, get_run

DATASET_KEY, DATA_DIR_KEY = "dataset", "data_dir"


def _use_offline() -> None:
    st.session_state[DATASET_KEY] = OFFLINE_DEFAULT


def dataset_picker(disabled: bool = False) -> Dataset | None:
    """Choose and load a dataset (bundled, or the learner's own from the Your data page). A failed load says
    why and offers the offline set; never raises."""
    options = [*DATASETS, *uploads.names()]
    if st.session_state.get(DATASET_KEY) not in options:  # an own dataset since removed
        st.session_state[DATASET_KEY] = OFFLINE_DEFAULT
    name = st.selectbox("Data", options, key=DATASET_KEY, disabled=disabled,
                        format_func=lambda k: uploads.title(k) if uploads.is_upload(k) else DATASETS[k].title,
                        help="Real digits (offline), the full MNIST sets (a one-off download) or synthetic "
                             "shapes whose true dimension is known. Every set is split 80/20 the same way. "
                             "Add your own on the Your data page.")
    if uploads.is_upload(name):
        ds = uploads.get(name)
        st.caption(f"{len(ds.x_train):,} training / {len(ds.x_test):,} held-out samples · {ds.source}")
        return ds
    st.caption(DATASETS[name].description)
    data_dir = None
    if name in ("mnist", "fashion_mnist"):
        data_dir = st.text_input("Folder with the files (optional)", key=DATA_DIR_KEY,
                                 disabled=disabled, placeholder="empty: download once",
                                 help="A folder with the four unzipped IDX files, used read-only. Leave it "
                                      "empty to download them once (needs internet).")
    try:
        ds = resources.dataset(name, 0, data_dir_of(data_dir))
    except DatasetUnavailable as err:
        st.error(str(err))
        st.button("Use the offline MNIST (5,000 digits)", on_click=_use_offline, width="stretch")
        return None
    st.caption(f"{len(ds.x_train):,} training / {len(ds.x_test):,} held-out samples · {ds.source}")
    return ds


def data_dir_of(text: str | None) -> str | None:
    return (text or "").strip() or None


def require_run() -> Run:
    """The learner's trained model, or a pointer to the Train page and a stop."""
    run = get_run()
    if run is None or not run.history:
        st.info("No trained model yet. Train one first: it takes about 15 seconds on the default settings.")
        st.page_link("pages/1_Train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    return run


def run_caption(run: Run) -> None:
    """Which model the page's results come from, in one line."""
    cfg, t = run.model_cfg, run.train_cfg
    beta = f", β = {cfg.beta:g}" if cfg.model == "vae" else ""
    st.caption(f"Your model: **{cfg.model}**, latent size {cfg.latent_dim}{beta}, on **{run.dataset}** · "
               f"{len(run.history)} of {t.epochs} epochs ({run.status}) · batch {t.batch_size}, "
               f"learning rate {t.lr:g}, seed {t.seed}.")


def run_dataset(run: Run) -> Dataset:
    if uploads.is_upload(run.dataset):  # the learner's own data lives in their session, not the shared cache
        ds = uploads.get(run.dataset)
        if ds is None:
            st.error(f"The data this model was trained on ({uploads.title(run.dataset)}) is no longer in this "
                     "session. Upload it again on the Your data page, or train on another set.")
            st.stop()
        return ds
    return resources.dataset(run.dataset, run.split_seed, run.data_dir)
