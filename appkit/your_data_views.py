"""A learner's own datasets: kept in their session only (never in a shared cache), offered by the dataset
picker beside the bundled sets, and the Your data page's forms and previews."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from aelib.data import Dataset
from aelib.data.your_data import (
    LabelGuess,
    UploadError,
    dataset_from_images,
    dataset_from_table,
    guess_label,
    read_table,
)
from aelib.data.your_data_tables import shown_text
from aelib.plots import image_rows
from appkit.i18n import explain, in_lang, plain, tr
from appkit.state import get_run

UPLOADS = "aelab_uploads"
# an uploaded set's name starts with PREFIX, so it never collides with a bundled one (shown via title())
PREFIX = "yours: "  # no-i18n
MAX_PER_SESSION = 5  # each may hold up to 20 MB of data in this server's memory
PREVIEW_ROWS = 5
LABEL_KEY = "upload_label"
GUESSED_FOR = "aelab_upload_label_guessed_for"  # the file whose detected label the picker was opened on
# what Markdown (and Streamlit's :color[...] and $LaTeX$) would read as markup, and the starts of the links GFM
# makes of bare text (http://, www., a@b); parentheses, colons and points alone make nothing
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
    """An uploaded set's name for the learner, in their language (call it while the page runs: a widget's
    format_func should look it up in labels made beforehand)."""
    return tr("your_data.dataset_title", name=name.removeprefix(PREFIX))


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
    st.success(tr("your_data.ready", source=plain(in_lang(ds.source))))
    counts = pd.Series(np.bincount(np.concatenate([ds.y_train, ds.y_test]), minlength=len(ds.class_names)),
                       index=ds.class_names, name=tr("your_data.samples"))
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("your_data.shape"), " × ".join(map(str, ds.shape)))
    c2.metric(tr("your_data.split"), f"{len(ds.x_train):,} / {len(ds.x_test):,}")
    c3.metric(tr("your_data.classes"), len(ds.class_names) if ds.class_names != ["all"] else tr("your_data.no_classes"))
    if len(ds.class_names) > 1:
        st.bar_chart(counts, horizontal=True, height=min(400, 60 + 24 * len(counts)))
    if ds.is_image:
        st.plotly_chart(image_rows([ds.x_train[:10]], ds.shape, [tr("your_data.row_training")]))
    same = [k for k, up in _store().items() if up.digest == digest]
    if same:
        st.info(tr("your_data.already_added", title=plain(title(same[0]))))
    elif len(_store()) >= MAX_PER_SESSION:
        st.warning(tr("your_data.too_many", n=MAX_PER_SESSION))
    else:
        st.button(tr("your_data.add"), type="primary", on_click=_add, args=(ds, digest), key="upload_add")


def _error(err: UploadError) -> None:
    """A bad upload's message in the page's language (UploadError carries Words), after a lead-in on a Chinese
    page."""
    st.error(tr("your_data.upload_error", detail=plain(explain(err))))


def _preview(df: pd.DataFrame) -> pd.DataFrame:
    """The first rows, with text columns as plain strings (the grid's Arrow conversion takes no Python objects
    such as integers past 64 bits)."""
    head = df.head(PREVIEW_ROWS)
    return head.astype({c: str for c in head.columns if head[c].dtype == object})


def csv_form(file) -> None:
    """A CSV upload: its first rows, a label column to choose, then the checked dataset or what is wrong."""
    raw = file.getvalue()
    try:
        df = read_table(raw)
    except UploadError as err:
        _error(err)
        return
    st.dataframe(_preview(df), hide_index=True)
    label = _label_picker(df, _digest(raw))
    try:
        ds = dataset_from_table(df, label, name=file.name)
    except UploadError as err:
        _error(err)
        return
    _offer(ds, _digest(raw, label))


def _label_picker(df: pd.DataFrame, file_digest: str) -> str | None:
    """The label column picker, opened on the detected label (aelib's guess_label) for each new file, with a
    caption saying why while that choice stands; the learner's own choice is kept over reruns."""
    guess = guess_label(df)
    if st.session_state.get(GUESSED_FOR) != file_digest or LABEL_KEY not in st.session_state:
        st.session_state[GUESSED_FOR] = file_digest
        st.session_state[LABEL_KEY] = guess.column if guess else None
    unlabelled = tr("your_data.no_label")  # looked up now: format_func may run outside the page's run
    label = st.selectbox(tr("your_data.label_column"), [None, *df.columns], key=LABEL_KEY,
                         format_func=lambda c: unlabelled if c is None else c, help=tr("your_data.label_help"))
    if guess is not None and label == guess.column:
        st.caption(_guessed(guess))
    elif guess is None and label is None:
        st.caption(tr("your_data.label_not_guessed"))
    return label


def _guessed(guess: LabelGuess) -> str:
    return tr("your_data.label_guessed", column=plain(shown_text(guess.column)), why=plain(in_lang(guess.why)))


def images_form(files: list) -> None:
    pairs = [(f.name, f.getvalue()) for f in files]
    name = pairs[0][0] if len(pairs) == 1 else tr("your_data.n_files", n=len(pairs))
    try:
        ds = dataset_from_images(pairs, name=name)
    except UploadError as err:
        _error(err)
        return
    _offer(ds, _digest(*sorted(f"{n}:{hashlib.sha256(b).hexdigest()}" for n, b in pairs)))


def session_list() -> None:
    """The learner's own sets, each removable unless their current model was trained on it."""
    store = _store()
    if not store:
        st.caption(tr("your_data.none_yet"))
        return
    for key, up in store.items():
        left, right = st.columns([4, 1])
        left.markdown(f"**{plain(title(key))}** · {plain(in_lang(up.ds.source))}")
        used = in_use(key)
        right.button(tr("your_data.remove"), key=f"upload_remove_{key}", on_click=_remove, args=(key,),
                     disabled=used, help=tr("your_data.remove_disabled") if used else None)
    st.caption(tr("your_data.session_only"))
