"""A learner's own datasets: kept in their workspace (its raw files, within the workspace's quota) and, parsed,
in their session (never in a shared cache); offered by the dataset picker beside the bundled sets; and the Your
data page's forms and previews. A new session on the workspace (a reload, another device) parses them again with
a fresh upload's checks."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import sqlalchemy as sa
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
from aelib.i18n import Explained
from aelib.plots import image_rows
from appkit import stored_uploads, workspace
from appkit.i18n import explain, in_lang, plain, tr
from appkit.state import get_run
from appkit.stored_uploads import Packed

log = logging.getLogger(__name__)

UPLOADS = "aelab_uploads"
LOADED_FOR = "aelab_uploads_loaded_for"  # the workspace whose stored uploads this session has read
UNREADABLE = "aelab_uploads_unreadable"  # ids of stored uploads that failed the checks when read back
NOTES = "aelab_uploads_notes"  # what the Your data page says once: an upload not kept, or not read back
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
    upload_id: str | None = None  # its id in the workspace's store (None: kept in this session only)
    workspace: str | None = None  # the workspace that keeps it


def _store() -> dict[str, Upload]:
    """The session's sets by name; the first call on a workspace brings in the ones it keeps."""
    ups = st.session_state.setdefault(UPLOADS, {})
    ws = workspace.current()
    if ws is not None and st.session_state.get(LOADED_FOR) != ws:
        st.session_state[LOADED_FOR] = ws
        _sync(ups, ws)
    return ups


def _sync(ups: dict[str, Upload], ws: str) -> None:
    """Make the session's sets match what the workspace keeps: let go of those removed in another tab (unless the
    current model was trained on one), and bring in those this session lacks, newest first up to MAX_PER_SESSION,
    each parsed again with a fresh upload's checks (one that fails them is skipped, with a note)."""
    store = workspace.store()
    try:
        kept = store.uploads.list(ws)
    except sa.exc.SQLAlchemyError as err:
        log.warning("the workspace's uploads could not be listed: %s", err)  # no-i18n
        return
    ids = {row["id"] for row in kept}
    for key in [k for k, up in ups.items() if up.workspace == ws and up.upload_id not in ids and not in_use(k)]:
        del ups[key]
    held, unreadable = {up.upload_id for up in ups.values()}, st.session_state.setdefault(UNREADABLE, set())
    new = [row for row in kept if row["id"] not in held | unreadable and is_upload(row["name"])
           and row["name"] not in ups]
    for row in reversed(new[:max(0, MAX_PER_SESSION - len(ups))]):  # oldest first, as they were added
        try:
            packed = stored_uploads.unpack(store.uploads.get(ws, row["id"]) or b"")
            ds = stored_uploads.parse(packed)
        except (ValueError, sa.exc.SQLAlchemyError) as err:  # UploadError is a ValueError
            log.warning("stored upload %s was not read back: %s", row["id"], err)  # no-i18n
            unreadable.add(row["id"])
            why = plain(explain(err)) if isinstance(err, Explained) else tr("your_data.store_failed")
            _note(tr("your_data.not_restored", title=plain(title(row["name"])), why=why))
            continue
        ups[row["name"]] = Upload(replace(ds, name=row["name"]), stored_uploads.digest(packed), row["id"], ws)


def _note(text: str) -> None:
    st.session_state.setdefault(NOTES, []).append(text)


def names() -> list[str]:
    return list(_store())


def is_upload(name: str) -> bool:
    return name.startswith(PREFIX)


def get(name: str) -> Dataset | None:
    """The learner's set `name`; one this session lacks is looked for in their workspace (added in another tab)."""
    ups = _store()
    if name not in ups and is_upload(name) and workspace.current() is not None:
        _sync(ups, workspace.current())
    up = ups.get(name)
    return None if up is None else up.ds


def title(name: str) -> str:
    """An uploaded set's name for the learner, in their language (call it while the page runs: a widget's
    format_func should look it up in labels made beforehand)."""
    return tr("your_data.dataset_title", name=name.removeprefix(PREFIX))


def in_use(name: str) -> bool:
    run = get_run()
    return run is not None and run.dataset == name


def _add(ds: Dataset, packed: Packed) -> None:
    """Button callback: keep the set under a fresh name in the learner's workspace and this session, and select it
    for the Train page. One the workspace cannot keep (its quota) stays in this session, with a note saying why."""
    ups, base = _store(), PREFIX + ds.name
    _sync(ups, workspace.ensure())  # a name another tab gave a set since is not given twice
    key, i = base, 2
    while key in ups:
        key, i = f"{base} ({i})", i + 1
    ws, upload_id = _keep(key, packed)
    ups[key] = Upload(replace(ds, name=key), stored_uploads.digest(packed), upload_id, ws)
    st.session_state["dataset"] = key  # the Train page's picker opens on it


def _keep(key: str, packed: Packed) -> tuple[str | None, str | None]:
    """(workspace, upload id) of the set saved in the learner's workspace; (None, None) when it was not, with a
    note."""
    data, store = stored_uploads.pack(packed), workspace.store()
    try:
        try:
            ws = workspace.ensure()
            return ws, store.uploads.save(ws, key, data)
        except LookupError:  # the workspace was removed while the page was open: a fresh one, with a note
            ws = workspace.renew()
            return ws, store.uploads.save(ws, key, data)
    except Explained as err:  # over the workspace's quota
        why = explain(err)
    except (LookupError, sa.exc.SQLAlchemyError) as err:
        log.warning("an upload was not stored in the workspace: %s", err)  # no-i18n
        why = tr("your_data.store_failed")
    _note(tr("your_data.not_kept", why=why, title=plain(title(key))))
    return None, None


def _remove(name: str) -> None:
    """Button callback: the set leaves this session and the workspace."""
    up = _store().pop(name, None)
    if st.session_state.get("dataset") == name:
        st.session_state.pop("dataset")  # keep_widget_values puts the default back
    if up is not None and up.upload_id is not None:
        try:
            workspace.store().uploads.delete(up.workspace, up.upload_id)
        except sa.exc.SQLAlchemyError as err:
            log.warning("an upload was not deleted from the workspace: %s", err)  # no-i18n
            _note(tr("your_data.not_removed", title=plain(title(name))))


def _digest(*parts: bytes | str | None) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
    return h.hexdigest()


def _offer(ds: Dataset, packed: Packed) -> None:
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
    digest = stored_uploads.digest(packed)
    same = [k for k, up in _store().items() if up.digest == digest]
    if same:
        st.info(tr("your_data.already_added", title=plain(title(same[0]))))
    elif len(_store()) >= MAX_PER_SESSION:
        st.warning(tr("your_data.too_many", n=MAX_PER_SESSION))
    else:
        st.button(tr("your_data.add"), type="primary", on_click=_add, args=(ds, packed), key="upload_add")


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
    _offer(ds, Packed("csv", file.name, ((file.name, raw),), label))


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
    _offer(ds, Packed("images", name, tuple(pairs)))


def session_list() -> None:
    """The learner's own sets (with those another tab added or removed since), each removable unless their current
    model was trained on it; then what became of an upload the workspace did not keep or give back."""
    store = _store()
    _sync(store, workspace.ensure())
    for text in st.session_state.pop(NOTES, []):
        st.warning(text, icon=":material/cloud_off:")
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
