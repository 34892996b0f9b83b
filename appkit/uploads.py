"""A learner's own datasets: kept in their session only (never in a shared cache), offered by the dataset
picker beside the bundled sets, and the Your data page's forms and previews."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from aelib.data import Dataset
from aelib.plots import image_rows
from aelib.upload import UploadError, dataset_from_images, dataset_from_table, read_table
from appkit.state import get_run

UPLOADS = "aelab_uploads"
PREFIX = "yours: "  # an uploaded set's name starts with this, so it never collides with a bundled one
MAX_PER_SESSION = 5  # each may hold up to 20 MB of data in this server's memory
PREVIEW_ROWS = 5


@dataclass(frozen=True)
class Upload:
    ds: Dataset
    digest: str  # of the file(s) and the label choice: the same upload is not added twice


def _store() -> dict[str, Upload]:
    return st.session_state.setdefault(UPLOADS, {})


def names() -> list[str]:
    return list(_store())


def is_upload(name: str) -> bool:
    return name.startswith(PREFIX)


def get(name: str) -> Dataset | None:
    up = _store().get(name)
    return None if up is None else up.ds


def title(name: str) -> str:
    return f"Your data: {name.removeprefix(PREFIX)}"


def in_use(name: str) -> bool:
    run = get_run()
    return run is not None and run.dataset == name


def _add(ds: Dataset, digest: str) -> None:
    """Button callback: store the set under a fresh name and select it for the Train page."""
    store, base = _store(), PREFIX + ds.name
    key, i = base, 2
    while key in store:
        key, i = f"{base} ({i})", i + 1
    store[key] = Upload(replace(ds, name=key), digest)
    st.session_state["dataset"] = key  # the Train page's picker opens on it


def _remove(name: str) -> None:
    _store().pop(name, None)
    if st.session_state.get("dataset") == name:
        st.session_state.pop("dataset")  # keep_widget_values puts the default back


def _digest(*parts: bytes | str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()


def _offer(ds: Dataset, digest: str) -> None:
    """The preview of a valid upload and the button that adds it (or where it already is)."""
    st.success(f"Ready: {ds.source}.")
    counts = pd.Series(np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=len(ds.class_names)),
                       index=ds.class_names, name="samples")
    c1, c2, c3 = st.columns(3)
    c1.metric("Sample shape", " × ".join(map(str, ds.shape)))
    c2.metric("Training / test", f"{len(ds.x_train):,} / {len(ds.x_test):,}")
    c3.metric("Classes", len(ds.class_names) if ds.class_names != ["all"] else "none")
    if len(ds.class_names) > 1:
        st.bar_chart(counts, horizontal=True, height=min(400, 60 + 24 * len(counts)))
    if ds.is_image:
        st.plotly_chart(image_rows([ds.x_train[:10]], ds.shape, ["training"]))
    same = [k for k, up in _store().items() if up.digest == digest]
    if same:
        st.info(f"Already added as **{title(same[0])}**: choose it on the Train page.")
    elif len(_store()) >= MAX_PER_SESSION:
        st.warning(f"You have {MAX_PER_SESSION} datasets of your own already: remove one below to add this.")
    else:
        st.button("Add to my datasets", type="primary", on_click=_add, args=(ds, digest), key="upload_add")


def csv_form(file) -> None:
    """A CSV upload: its first rows, a label column to choose, then the checked dataset or what is wrong."""
    raw = file.getvalue()
    try:
        df = read_table(raw)
    except UploadError as err:
        st.error(str(err))
        return
    st.dataframe(df.head(PREVIEW_ROWS), hide_index=True)
    label = st.selectbox("Label column (optional)", [None, *df.columns], key="upload_label",
                         format_func=lambda c: "none: unlabelled data" if c is None else c,
                         help="A column naming each row's class. It is not given to the autoencoder; the pages "
                              "use it to colour the latent space.")
    try:
        ds = dataset_from_table(df, label, name=file.name)
    except UploadError as err:
        st.error(str(err))
        return
    _offer(ds, _digest(raw, label))


def images_form(files: list) -> None:
    pairs = [(f.name, f.getvalue()) for f in files]
    name = pairs[0][0] if len(pairs) == 1 else f"{len(pairs)} files"
    try:
        ds = dataset_from_images(pairs, name=name)
    except UploadError as err:
        st.error(str(err))
        return
    _offer(ds, _digest(*sorted(f"{n}:{hashlib.sha256(b).hexdigest()}" for n, b in pairs)))


def session_list() -> None:
    """The learner's own sets, each removable unless their current model was trained on it."""
    store = _store()
    if not store:
        st.caption("No datasets of your own yet. They are kept only in this browser session: reloading the page "
                   "or closing the tab forgets them.")
        return
    for key, up in store.items():
        left, right = st.columns([4, 1])
        left.markdown(f"**{title(key)}** · {up.ds.source}")
        used = in_use(key)
        right.button("Remove", key=f"upload_remove_{key}", on_click=_remove, args=(key,), disabled=used,
                     help="Your current model was trained on it." if used else None)
    st.caption("Kept only in this browser session; other learners never see them.")
