"""The learner's language: read from the URL (?lang=zh) or the session, chosen in the sidebar, and `tr(key)`
to look up a page's words in it (aelib.i18n holds the tables)."""
from __future__ import annotations

import re

import streamlit as st

from aelib.i18n import DEFAULT, LANGS, Words, parse_lang, say, t

LANG, PICKER = "lang", "lang_picker"  # session keys: the language, and the picker widget's own value


def _lang() -> str:
    """The session's language, read only (current_lang() also keeps the URL in step)."""
    return parse_lang(st.session_state.get(LANG, DEFAULT))


def current_lang() -> str:
    """The URL's language when it names one (validated: junk means English), else the session's. The URL is kept
    in step, so a link copied from any page opens in the same language."""
    asked = st.query_params.get(LANG)
    if asked is not None:
        st.session_state[LANG] = parse_lang(asked)
    lang = _lang()
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
    return t(key, _lang(), **fmt)


def family_title(name: str) -> str:
    """A model family's title (aelib.models.MODELS key) in the learner's language."""
    return tr(f"family.{name}.title")


def family_summary(name: str) -> str:
    return tr(f"family.{name}.summary")


def dataset_title(name: str) -> str:
    """A dataset's title (aelib.data.DATASETS key) in the learner's language; an uploaded set keeps its own name."""
    from aelib.data import DATASETS  # here, not at the top: the first page draws before the data modules load

    return DATASETS[name].title.say(_lang()) if name in DATASETS else name


def dataset_description(name: str) -> str:
    from aelib.data import DATASETS

    return DATASETS[name].description.say(_lang()) if name in DATASETS else ""


def explain(err: BaseException) -> str:
    """An error's message in the learner's language (aelib errors that carry Words; any other in its own words)."""
    return say(err, _lang())


def in_lang(text: str | Words) -> str:
    """A text from aelib (a progress line) in the learner's language: Words are said in it, a str is as it is."""
    return text.say(_lang()) if isinstance(text, Words) else text


_MARKDOWN = re.compile(r"([\\`*_\[\]<>$~#@|])|(?<=:)(//)|(?i:(?<=www)(\.))")  # no-i18n


def plain(text: object) -> str:
    """Text a learner chose (a file, column or folder name, or a message quoting one) escaped so that Markdown
    shows it as it is, on one line: no link, emphasis, heading, LaTeX or colour can come from an upload."""
    return _MARKDOWN.sub(lambda m: "".join("\\" + c for c in m.group()), " ".join(str(text).split()))
