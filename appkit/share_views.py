"""Share links: a teacher's link to the Train page or a lab page is applied once per session (on Train its locked
settings are held fixed); "Share this setup" offers the page's current settings as a link. A link carries settings
only, never a learner's model or data. aelib.sharing.share does the validating."""
from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlencode

import streamlit as st

from aelib.data import DATASETS, DatasetUnavailable
from aelib.i18n import DEFAULT, parse_lang
from aelib.sharing.share import LOCK, decode, encode
from appkit import resources, state
from appkit.controls import SCHEMA
from appkit.i18n import LANG, in_lang, tr

APPLIED = "aelab_share_applied"  # the link last applied in this session: {"sig", "settings", "locked", "problems"}
LOCK_PICKER = "share_lock"
PAGE = "Train"  # the Train page's URL path  # no-i18n
ANOMALY = "pages/4_Anomaly.py"  # the lab page whose link needs its dataset's classes checked


def link_defaults(model: str) -> dict:
    """What a link leaves out means: the app's default for that setting, or the linked model family's own (so
    /Train?model=umap_ae trains with that family's step size and batch, as picking it from the list does)."""
    values = state.SETTINGS | state.family_settings(model)
    return {k: values[k] for k in SCHEMA}


# address parameters that are not settings: the language, the learner's workspace (never put into a share link) and
# the classroom's (joining a class, the projector view, a teacher's key)
PASSTHROUGH = (LANG, "ws", "join", "present", "teacher", "class", "key")


def _url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _signature(params: dict[str, list[str]]) -> list:
    return sorted((k, tuple(v)) for k, v in params.items() if k not in PASSTHROUGH)


def apply_link() -> None:
    """Call on the Train page before its inputs are drawn. The first run that sees a share link (or a different
    one) sets the settings to the defaults plus the link's values and records its locks; later runs leave the
    learner's changes alone, except that locked settings are put back every run. Shows what the link did."""
    params = _url_params()
    sig = _signature(params)
    seen = st.session_state.get(APPLIED)
    if sig and (seen is None or seen["sig"] != sig):
        settings, locked, problems = decode(params, SCHEMA, passthrough=PASSTHROUGH)
        if settings or locked:  # a link of junk alone does not reset the learner's settings
            values = link_defaults(settings.get("model", state.SETTINGS["model"])) | settings
            st.session_state.update(values)
            st.session_state[state.LOCKED] = {k: values[k] for k in SCHEMA if k in locked}
        seen = st.session_state[APPLIED] = {"sig": sig, "settings": settings, "locked": sorted(locked),
                                            "problems": problems}
    st.session_state.update(state.locked())  # a locked setting cannot drift (a family's defaults, a callback)
    if seen:
        _show(seen, SCHEMA)


def _show(seen: dict, schema) -> None:
    shown = ", ".join(f"{k} = {schema[k].format(v)}" for k, v in seen["settings"].items())
    if seen["settings"] or seen["locked"]:
        locks = (tr("share.locked", locked=", ".join(seen["locked"])) if seen["locked"] else tr("share.unlocked"))
        st.info(tr("share.came_from_link", settings=shown or tr("share.default_settings"), locks=locks),
                icon=":material/link:")
    if seen["problems"]:  # aelib.sharing.share's Words for each problem, said in the learner's language
        st.warning(tr("share.ignored") + "\n".join(f"- {in_lang(p)}" for p in seen["problems"]))


def current_settings() -> dict:
    return {k: st.session_state.get(k, state.SETTINGS[k]) for k in SCHEMA}


def link_query(locked: list[str]) -> str:
    """The query string of a link to the current settings (keeping the language)."""
    settings = current_settings()
    params = encode(settings, set(locked), SCHEMA, link_defaults(settings["model"]))
    lang = parse_lang(st.session_state.get(LANG, DEFAULT))
    return urlencode(({LANG: lang} if lang != DEFAULT else {}) | params, safe=",")


def _same(key: str, a: object, b: object) -> bool:
    return _same_in(SCHEMA, key, a, b)


def conflicts(settings: dict) -> list[str]:
    """The locked settings a run made with `settings` (state.run_settings) would contradict: a button that would
    bring it in must not be offered while they are locked."""
    return [k for k, v in state.locked().items() if k in settings and k in SCHEMA and not _same(k, v, settings[k])]


def _page_url(base: str | None, page: str = PAGE) -> str:
    """A page's address (its URL path, such as "Train"): st.context.url with the page path it already has, or
    just the path."""
    base = (base or "").rstrip("/")
    return base if base.endswith(f"/{page}") else f"{base}/{page}"


def share_expander() -> None:
    """A copyable link to the current setup, with the settings to lock for the class."""
    with st.expander(tr("share.title"), icon=":material/share:"):
        st.session_state.setdefault(LOCK_PICKER, list(state.locked()))
        locked = st.multiselect(tr("share.lock_label"), list(SCHEMA), key=LOCK_PICKER, help=tr("share.lock_help"))
        query = link_query(locked)
        base = st.context.url  # this page's address in the browser, without the query (None outside a browser)
        st.code(f"{_page_url(base)}{'?' + query if query else ''}", language=None, wrap_lines=True)
        st.caption(tr("share.copy_caption", end=tr("share.copy_end") if base else tr("share.copy_end_no_base")))
        linked = decode(parse_qs(query), SCHEMA, PASSTHROUGH)[0]
        back = link_defaults(linked.get("model", state.SETTINGS["model"])) | linked
        left_out = [k for k, v in current_settings().items() if not _same(k, v, back[k])]
        if left_out:
            st.caption(tr("share.not_in_link", settings=", ".join(left_out)))


# The lab pages (Compare, Anomaly, Denoising, ...): the same links without locks, over state.PAGE_SCHEMAS. A page is
# named by its file ("pages/4_Anomaly.py"); its URL path is the file's name without the number ("Anomaly").


def url_path(page: str) -> str:
    """The URL path Streamlit gives a page file: "pages/9_Super_resolution.py" -> "Super_resolution"."""
    return re.sub(r"^[0-9]+_", "", PurePosixPath(page).stem)


def page_link_defaults(page: str, settings: dict) -> dict:
    """What a lab link leaves out means: the page's default; on Anomaly, a linked dataset's natural model family
    and first class (as picking the dataset does)."""
    values = {k: state.PAGE_SETTINGS[k] for k in state.PAGE_SCHEMAS[page]}
    name = settings.get("an_dataset", values.get("an_dataset"))
    if page == ANOMALY and name != state.PAGE_SETTINGS["an_dataset"] and name in DATASETS:
        from appkit.anomaly_views import MODEL_FOR_KIND  # only the Anomaly page needs it

        values.update(an_model=MODEL_FOR_KIND[DATASETS[name].kind], an_normal=["0"])
    return values


def _classes_exist(settings: dict, problems: list[str]) -> None:
    """An Anomaly link's normal classes must be classes of its dataset (the set is loaded, once for the server)."""
    if not settings.get("an_normal"):
        return
    try:
        n = len(resources.dataset(settings.get("an_dataset", state.PAGE_SETTINGS["an_dataset"])).class_names)
    except (DatasetUnavailable, ValueError):
        return  # the page says why the set cannot be loaded
    kept = [c for c in settings["an_normal"] if int(c) < n]
    if kept != settings["an_normal"]:
        problems.append(tr("share.no_such_class", n=n, last=n - 1))
        settings["an_normal"] = kept or ["0"]


def apply_page_link(page: str) -> None:
    """Call on a lab page (`page`: its file, a key of state.PAGE_SCHEMAS) before its inputs are drawn. The first
    run that sees a link (or a different one) sets the page's settings to its defaults plus the link's values;
    later runs leave the learner's changes alone. Locks are the Train page's alone. Shows what the link did."""
    schema, params = state.PAGE_SCHEMAS[page], _url_params()
    sig, key = _signature(params), f"{APPLIED}_{url_path(page)}"
    seen = st.session_state.get(key)
    if sig and (seen is None or seen["sig"] != sig):
        settings, locked, problems = decode(params, schema, passthrough=PASSTHROUGH)
        if locked or LOCK in params:
            problems.append(tr("share.lock_train_only", lock=LOCK))
        if page == ANOMALY:
            _classes_exist(settings, problems)
        if settings:  # a link of junk alone does not reset the learner's settings
            st.session_state.update(page_link_defaults(page, settings) | settings)
        seen = st.session_state[key] = {"sig": sig, "settings": settings, "locked": [], "problems": problems}
    if seen:
        _show(seen, schema)


def page_share_expander(page: str) -> None:
    """A copyable link to the lab page's current settings (settings only: never the learner's model or data)."""
    schema = state.PAGE_SCHEMAS[page]
    with st.expander(tr("share.title"), icon=":material/share:"):
        current = {k: st.session_state.get(k, state.PAGE_SETTINGS[k]) for k in schema}
        params = encode(current, (), schema, page_link_defaults(page, current))
        lang = parse_lang(st.session_state.get(LANG, DEFAULT))
        query = urlencode(({LANG: lang} if lang != DEFAULT else {}) | params, safe=",")
        base = st.context.url
        st.code(f"{_page_url(base, url_path(page))}{'?' + query if query else ''}", language=None, wrap_lines=True)
        st.caption(tr("share.copy_caption_lab", end=tr("share.copy_end") if base else tr("share.copy_end_no_base")))
        linked = decode(parse_qs(query), schema, PASSTHROUGH)[0]
        back = page_link_defaults(page, linked) | linked
        left_out = [k for k, v in current.items() if not _same_in(schema, k, v, back[k])]
        if left_out:
            st.caption(tr("share.not_in_link", settings=", ".join(left_out)))


def _same_in(schema, key: str, a: object, b: object) -> bool:
    try:
        return schema[key].format(a) == schema[key].format(b)
    except (ValueError, TypeError):
        return False
