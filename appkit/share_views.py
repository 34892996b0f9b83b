"""Share links on the Train page: a teacher's link is applied once per session and its locked settings
are held fixed; "Share this setup" offers the current settings as a link. aelib.sharing.share does the validating."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import streamlit as st

from aelib.i18n import DEFAULT, parse_lang
from aelib.sharing.share import decode, encode
from appkit import state
from appkit.controls import SCHEMA
from appkit.i18n import LANG, tr

APPLIED = "aelab_share_applied"  # the link last applied in this session: {"sig", "settings", "locked", "problems"}
LOCK_PICKER = "share_lock"
PAGE = "Train"  # the Train page's URL path  # no-i18n


def link_defaults(model: str) -> dict:
    """What a link leaves out means: the app's default for that setting, or the linked model family's own (so
    /Train?model=umap_ae trains with that family's step size and batch, as picking it from the list does)."""
    values = state.SETTINGS | state.family_settings(model)
    return {k: values[k] for k in SCHEMA}


def _url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def apply_link() -> None:
    """Call on the Train page before its inputs are drawn. The first run that sees a share link (or a different
    one) sets the settings to the defaults plus the link's values and records its locks; later runs leave the
    learner's changes alone, except that locked settings are put back every run. Shows what the link did."""
    params = _url_params()
    sig = sorted((k, tuple(v)) for k, v in params.items() if k != LANG)
    seen = st.session_state.get(APPLIED)
    if sig and (seen is None or seen["sig"] != sig):
        settings, locked, problems = decode(params, SCHEMA, passthrough=(LANG,))
        if settings or locked:  # a link of junk alone does not reset the learner's settings
            values = link_defaults(settings.get("model", state.SETTINGS["model"])) | settings
            st.session_state.update(values)
            st.session_state[state.LOCKED] = {k: values[k] for k in SCHEMA if k in locked}
        seen = st.session_state[APPLIED] = {"sig": sig, "settings": settings, "locked": sorted(locked),
                                            "problems": problems}
    st.session_state.update(state.locked())  # a locked setting cannot drift (a family's defaults, a callback)
    if seen:
        _show(seen)


def _show(seen: dict) -> None:
    shown = ", ".join(f"{k} = {SCHEMA[k].format(v)}" for k, v in seen["settings"].items())
    if seen["settings"] or seen["locked"]:
        locks = (tr("share.locked", locked=", ".join(seen["locked"])) if seen["locked"] else tr("share.unlocked"))
        st.info(tr("share.came_from_link", settings=shown or tr("share.default_settings"), locks=locks),
                icon=":material/link:")
    if seen["problems"]:  # aelib.sharing.share's own words (English) for each problem
        st.warning(tr("share.ignored") + "\n".join(f"- {p}" for p in seen["problems"]))


def current_settings() -> dict:
    return {k: st.session_state.get(k, state.SETTINGS[k]) for k in SCHEMA}


def link_query(locked: list[str]) -> str:
    """The query string of a link to the current settings (keeping the language)."""
    settings = current_settings()
    params = encode(settings, set(locked), SCHEMA, link_defaults(settings["model"]))
    lang = parse_lang(st.session_state.get(LANG, DEFAULT))
    return urlencode(({LANG: lang} if lang != DEFAULT else {}) | params, safe=",")


def _same(key: str, a: object, b: object) -> bool:
    try:
        return SCHEMA[key].format(a) == SCHEMA[key].format(b)
    except (ValueError, TypeError):
        return False


def _page_url(base: str | None) -> str:
    """The Train page's address: st.context.url with the page path it already has, or just the path."""
    base = (base or "").rstrip("/")
    return base if base.endswith(f"/{PAGE}") else f"{base}/{PAGE}"


def share_expander() -> None:
    """A copyable link to the current setup, with the settings to lock for the class."""
    with st.expander(tr("share.title"), icon=":material/share:"):
        st.session_state.setdefault(LOCK_PICKER, list(state.locked()))
        locked = st.multiselect(tr("share.lock_label"), list(SCHEMA), key=LOCK_PICKER, help=tr("share.lock_help"))
        query = link_query(locked)
        base = st.context.url  # this page's address in the browser, without the query (None outside a browser)
        st.code(f"{_page_url(base)}{'?' + query if query else ''}", language=None, wrap_lines=True)
        st.caption(tr("share.copy_caption", end=tr("share.copy_end") if base else tr("share.copy_end_no_base")))
        linked = decode(parse_qs(query), SCHEMA, (LANG,))[0]
        back = link_defaults(linked.get("model", state.SETTINGS["model"])) | linked
        left_out = [k for k, v in current_settings().items() if not _same(k, v, back[k])]
        if left_out:
            st.caption(tr("share.not_in_link", settings=", ".join(left_out)))
