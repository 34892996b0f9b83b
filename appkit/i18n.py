"""The learner's language: read from the URL (?lang=zh) or the session, chosen in the sidebar, and `tr(key)`
to look up a page's words in it (aelib.i18n holds the tables)."""
from __future__ import annotations

import streamlit as st

from aelib.i18n import DEFAULT, LANGS, parse_lang, t

LANG, PICKER = "lang", "lang_picker"  # session keys: the language, and the picker widget's own value


def current_lang() -> str:
    """The URL's language when it names one (validated: junk means English), else the session's. The URL is kept
    in step, so a link copied from any page opens in the same language."""
    asked = st.query_params.get(LANG)
    if asked is not None:
        st.session_state[LANG] = parse_lang(asked)
    lang = parse_lang(st.session_state.get(LANG, DEFAULT))
    if asked != lang and (asked is not None or lang != DEFAULT):
        st.query_params[LANG] = lang  # page links drop the query string; put it back
    return lang


def _picked() -> None:
    st.session_state[LANG] = st.session_state[PICKER]
    st.query_params[LANG] = st.session_state[PICKER]


def language_picker() -> str:
    """The English / 中文 control; call it inside the sidebar on every page. Returns the language."""
    lang = current_lang()
    st.session_state[PICKER] = lang  # the picker shows the language whichever way it was chosen
    st.segmented_control(t("lang.label", lang), LANGS, required=True, key=PICKER, on_change=_picked,
                         format_func=lambda code: t(f"lang.{code}", lang), help=t("lang.help", lang))
    return lang


def tr(key: str, **fmt: object) -> str:
    """`key`'s text in the learner's language."""
    return t(key, parse_lang(st.session_state.get(LANG, DEFAULT)), **fmt)
