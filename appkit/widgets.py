"""Widgets and views more than one page uses: the dataset picker with its offline fallback, the
"train first" notice, and the latent-space scatter."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from aelib.data import DATASETS, OFFLINE_DEFAULT, Dataset, DatasetUnavailable, default_data_dir
from aelib.i18n import Explained
from aelib.train import TrainConfig
from appkit import resources, your_data_views
from appkit.i18n import dataset_description, dataset_title, explain, in_lang, tr
from appkit.state import Run, get_run

DATASET_KEY, DATA_DIR_KEY = "dataset", "data_dir"
FOLDER_SETS = ("mnist", "fashion_mnist")  # the sets that may be read from a folder the visitor names


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
    if name in FOLDER_SETS:
        data_dir = st.text_input(tr("widgets.data_dir"), key=DATA_DIR_KEY, disabled=disabled,
                                 placeholder=tr("widgets.data_dir_placeholder"), help=tr("widgets.data_dir_help"))
    try:
        ds = resources.dataset(name, 0, data_dir_of(data_dir))
    except (DatasetUnavailable, ValueError) as err:  # ValueError: a folder outside the data root
        st.error(explain(err))
        st.button(tr("widgets.use_offline"), on_click=_use_offline, width="stretch")
        return None
    st.caption(tr("widgets.split_caption", train=len(ds.x_train), test=len(ds.x_test), source=in_lang(ds.source)))
    return ds


def picked_data_dir(name: str) -> str | None:
    """The folder the picker read dataset `name` from (None: the download cache, or a set that reads none)."""
    return data_dir_of(st.session_state.get(DATA_DIR_KEY)) if name in FOLDER_SETS else None


def data_root() -> Path:
    """The one folder whose subfolders a visitor may name: AELAB_DATA_ROOT, else the app's own download cache."""
    return Path(os.environ.get("AELAB_DATA_ROOT") or default_data_dir()).expanduser().resolve()


def data_dir_of(text: str | None) -> str | None:
    """The folder a visitor typed (relative names are read under data_root()), or None for the download cache.
    Any folder outside data_root() (after resolving "..", "~" and links) is refused with Explained, so the box
    cannot probe the server's files; the CLI, run by the operator, names any folder."""
    text = (text or "").strip()
    if not text:
        return None
    root = data_root()
    try:
        if len(text) > 1000 or text.startswith("~"):
            raise ValueError(text)
        folder = (root / text).resolve()  # an absolute text replaces root
    except (ValueError, OSError, RuntimeError):  # a NUL byte, a loop of links, a name too long
        raise Explained("training.data_dir_outside") from None
    if not folder.is_relative_to(root):
        raise Explained("training.data_dir_outside")
    return str(folder)


def require_run() -> Run:
    """The learner's model; without one, a pointer to the Train page and the bundled pretrained models to start
    from (within a teacher's locks), then a stop."""
    run = get_run()
    if run is None or not run.history:
        from appkit import export_views, state  # export_views uses this module: imported when needed

        notice = state.take_notice()  # a pretrained model that failed to load says why
        if notice:
            (st.error if notice[0] == "error" else st.info)(notice[1])
        st.info(tr("widgets.no_model"))
        st.page_link("pages/1_Train.py", label=tr("widgets.go_train"), icon=":material/model_training:")
        export_views.quick_start(disabled=False)
        st.stop()
    return run


def run_caption(run: Run) -> None:
    """Which model the page's results come from, in one line."""
    cfg, tcfg = run.model_cfg, run.train_cfg
    statuses = {"training": tr("widgets.status.training"), "finished": tr("widgets.status.finished"),
                "stopped": tr("widgets.status.stopped"), "diverged": tr("widgets.status.diverged")}
    from appkit import export_views  # export_views uses this module: imported when needed

    name = export_views.bundled_name(run)
    if name is not None:  # never passed off as the learner's own
        st.caption(tr("widgets.pretrained_caption", title=export_views.bundled_title(name)))
    beta = f", β = {cfg.beta:g}" if cfg.model == "vae" else ""
    st.caption(tr("widgets.run_caption", model=cfg.model, latent=cfg.latent_dim, beta=beta, dataset=run.dataset,
                  done=len(run.history), epochs=tcfg.epochs, status=statuses.get(run.status, run.status),
                  batch=tcfg.batch_size, lr=f"{tcfg.lr:g}", seed=tcfg.seed))


def live_dataset(picked: Dataset | None) -> Dataset | None:
    """The dataset of the session's live run: the picked one when it is that, else loaded by its stored name."""
    from appkit import workspace

    rec = workspace.store().get_run(workspace.ensure(), workspace.live() or "")
    if rec is None or (picked is not None and rec.dataset == picked.name):
        return picked
    return run_dataset(Run(rec.dataset, 0, rec.model_config, TrainConfig(), data_dir=rec.train_config.get("data_dir")))


def run_dataset(run: Run) -> Dataset:
    """The dataset a run was trained on: a bundled one from the shared cache; the learner's own from their session,
    read back from their workspace when the session does not hold it (a reload, another device)."""
    if your_data_views.is_upload(run.dataset):  # never in the shared cache
        ds = your_data_views.get(run.dataset)
        if ds is None:
            st.error(tr("widgets.data_gone", title=your_data_views.title(run.dataset)))
            st.stop()
        return ds
    return resources.dataset(run.dataset, run.split_seed, run.data_dir)
