"""What every page does first: page config, shared runtime set-up, settings kept across pages, and
the sidebar navigation (drawn here so the home page is called "Home", not after its file)."""
from __future__ import annotations

import re
import sys
from urllib.parse import urlencode

import streamlit as st

from aelib.i18n import page_slug
from appkit import i18n  # light: the sidebar is drawn before torch and the data modules are imported

PAGES = [("app.py", "Home", ":material/home:"),  # no-i18n
         ("pages/1_Train.py", "Train", ":material/model_training:"),  # no-i18n
         ("pages/2_Latent_space.py", "Latent space", ":material/scatter_plot:"),  # no-i18n
         ("pages/3_Compare.py", "Compare", ":material/compare:"),  # no-i18n
         ("pages/4_Anomaly.py", "Anomaly detection", ":material/crisis_alert:"),  # no-i18n
         ("pages/5_Denoising.py", "Denoising", ":material/blur_on:"),  # no-i18n
         ("pages/6_Draw_a_digit.py", "Draw a digit", ":material/draw:"),  # no-i18n
         ("pages/7_Your_data.py", "Your data", ":material/upload_file:"),  # no-i18n
         ("pages/8_Generation.py", "Generation", ":material/auto_awesome:"),  # no-i18n
         ("pages/9_Super_resolution.py", "Super-resolution", ":material/zoom_in:"),  # no-i18n
         ("pages/10_Compression.py", "Compression", ":material/compress:"),  # no-i18n
         ("pages/11_Few_labels.py", "Few labels", ":material/label:"),  # no-i18n
         ("pages/12_Augmentation.py", "Augmentation", ":material/library_add:"),  # no-i18n
         ("pages/14_Lessons.py", "Lessons", ":material/school:"),  # no-i18n
         ("pages/15_Where_used.py", "Where autoencoders are used", ":material/travel_explore:"),  # no-i18n
         ("pages/13_Quiz.py", "Quiz", ":material/quiz:"),  # no-i18n
         ("pages/16_Classroom.py", "Classroom", ":material/groups:")]  # no-i18n


# a workspace id, as aelib.store.is_id checks it (not imported here: the sidebar is drawn before the heavy modules)
WS_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # no-i18n

# on a projector's 1024 px, Streamlit's wide layout keeps 5 rem of margin each side of the page: most of the room the
# inputs' columns need (a Chinese model or dataset name was cut to a few characters). Style only: takes no space.
NARROW_CSS = ("<style>@media (max-width: 1200px) {[data-testid='stMainBlockContainer']"  # no-i18n
              "{padding-left: 1.5rem; padding-right: 1.5rem}}</style>")  # no-i18n

# sidebar section headings (i18n keys), each shown above the page it names
SECTIONS = {"pages/1_Train.py": "nav.explore", "pages/4_Anomaly.py": "nav.apply", "pages/14_Lessons.py": "nav.learn"}


def section(key: str) -> list[tuple[str, str, str]]:
    """The PAGES entries under one sidebar heading (e.g. "nav.apply": the applications), in order."""
    starts = [i for i, (path, _, _) in enumerate(PAGES) if path in SECTIONS]
    for begin, end in zip(starts, [*starts[1:], len(PAGES)]):
        if SECTIONS[PAGES[begin][0]] == key:
            return PAGES[begin:end]
    raise KeyError(f"no sidebar section {key!r}")


def setup(title: str, heading: str | None = None) -> None:
    """title: the page's PAGES label (its tab title is the label's translation); heading: the i18n key of the page's
    h1, looked up once the language picker has read ?lang=. The sidebar and the heading are drawn first, so a
    visitor sees the page at once; the heavy modules (torch, the data sets' libraries) load after them, with a note
    while they do (tens of seconds on a fresh server's first page). A page calls this before importing anything
    heavy: only streamlit, appkit.page and the i18n modules come above it."""
    i18n.current_lang()  # ?lang= first: a first visit to a Chinese link gets a Chinese tab title
    page_title = i18n.tr(f"page.{page_slug(title)}")
    st.set_page_config(page_title=f"{page_title} · AE Lab", page_icon=":material/hub:", layout="wide")
    st.html(NARROW_CSS)
    with st.sidebar:
        st.markdown("### AE Lab")
        i18n.language_picker()
        continue_link, live_note = st.empty(), st.empty()
        params = _link_params()
        for path, label, icon in PAGES:
            if path in SECTIONS:
                st.caption(i18n.tr(SECTIONS[path]))
            st.page_link(path, label=i18n.tr(f"page.{page_slug(label)}"), icon=icon, query_params=params)
    if heading is not None:
        st.title(i18n.tr(heading))
    loading = st.empty()
    if "appkit.state" not in sys.modules:  # the first page since the server started: say what it waits for
        loading.info(i18n.tr("state.loading"), icon=":material/hourglass_top:")
    from appkit import projection_views, resources, state, workspace  # torch, sklearn, the models: seconds cold

    resources.configure_runtime()
    projection_views.start_umap_warm_up()
    state.keep_widget_values()
    ws = workspace.ensure()
    live = workspace.settle()  # a run that went on training while the learner was elsewhere
    loading.empty()
    workspace.notes()
    view = workspace.runner().view(ws, live) if live and title != "Train" else None  # no-i18n
    if view is not None:  # said on the other pages: the Train page shows the run itself
        live_note.caption(i18n.tr("workspace.live_note", done=view.epochs_done, epochs=view.epochs))
    with continue_link.popover(i18n.tr("workspace.continue"), icon=":material/devices:", width="stretch"):
        st.caption(i18n.tr("workspace.continue_help"))
        st.code(f"{_address()}?{urlencode({'ws': ws})}", language=None, wrap_lines=True)


def _link_params() -> dict[str, str]:
    """The sidebar links carry the workspace id as the session or the address has it (checked on arrival)."""
    ws = st.session_state.get("aelab_ws") or st.query_params.get("ws")
    return {"ws": ws} if isinstance(ws, str) and WS_SHAPE.fullmatch(ws) else {}


def _address() -> str:
    """This page's address without its query (where the app is served, as the browser sees it)."""
    url = st.context.url or ""
    return url.split("?", 1)[0]
