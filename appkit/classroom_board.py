"""The class board, in the teacher's view and on the projector (?present=1: no sidebar, large type, black on white,
redrawn every few seconds): the join link as a QR code and in large letters, the leaderboard of the goal, every
student's latent scatter side by side, what the class discovered and the quiz per question. Students' names are
shown as text (tables, escaped figure labels), never as Markdown or HTML."""
from __future__ import annotations

import html

import numpy as np
import streamlit as st

from aelib.classroom import GOALS, join_url
from aelib.classroom import plots as board_plots
from aelib.data import DATASETS
from aelib.runs.stored import REPLAY, codes_of
from aelib.teach import quiz
from appkit import resources, workspace
from appkit.classroom_views import room
from appkit.i18n import current_lang, in_lang, plain, tr

REFRESH = 5  # seconds between the projector's redraws
SETTING = "class_board_setting"  # the discovery scatter's x axis
# the projector: no sidebar (nor its button), no header, large black type on white
PROJECTOR_CSS = ('<style>'  # no-i18n
                 'section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], '
                 '[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none !important;}'
                 '.stApp, .stMain {background: #ffffff !important; color: #000000 !important;}'
                 '.stMain p, .stMain li, .stMain td, .stMain th {font-size: 1.5rem !important; color: #000 !important;}'
                 '.stMain h1 {font-size: 3.2rem !important;} .stMain h2, .stMain h3 {font-size: 2.4rem !important;}'
                 '.aelab-join {font-size: 3.4rem; font-weight: 700; line-height: 1.2; word-break: break-all;}'
                 '.aelab-code {font-size: 6rem; font-weight: 800; letter-spacing: 0.4rem;}'
                 '</style>')


def projector() -> None:
    """Call right after page.setup on the projector view: the sidebar starts collapsed and is hidden, type grows."""
    st.set_page_config(initial_sidebar_state="collapsed")
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


def live_board(code: str, key: str) -> None:
    """The board, redrawn every REFRESH seconds (a fragment: the rest of the page stays as it is)."""
    st.fragment(board, run_every=REFRESH)(code, key, big=True)


def board(code: str, key: str, *, big: bool) -> None:
    """The whole board for the class's active exercise."""
    data, lang = room().board(code, key), current_lang()
    join(code, data["lang"], big)
    goal = GOALS[data["goal"]]
    title = tr("classroom.board_exercise", exercise=plain(data["exercise"]["name"]), goal=in_lang(goal.title)) \
        if data["exercise"] else tr("classroom.board_no_exercise", goal=in_lang(goal.title))
    st.subheader(title)
    rows = data["leaderboard"]
    if not rows:
        st.info(tr("classroom.board_empty"))
    else:
        table = {tr("classroom.col_rank"): [r["rank"] for r in rows],
                 tr("classroom.col_student"): [plain(r["student"]) if big else r["student"] for r in rows],
                 in_lang(goal.title): [round(r["value"], 4) for r in rows],
                 tr("classroom.col_latent"): [r["settings"].get("latent_dim") for r in rows],
                 tr("classroom.col_epochs"): [r["settings"].get("epochs") for r in rows]}
        if big:  # a static table takes the projector's large type; its cells read Markdown, so names are escaped
            st.table(table, hide_index=True)
        else:
            st.dataframe(table, hide_index=True, width="stretch")
        latents(code, key, rows, lang, big)
        discovered(data["entries"], data["goal"], lang, big)
    if data["quiz"]:
        stems = {q.id: q.stem[lang] for q in quiz.load_questions()}
        st.plotly_chart(board_plots.quiz_bars(data["quiz"], stems, lang=lang, big=big), key="class_quiz_chart",
                        theme=_theme(big))


def join(code: str, class_lang: str, big: bool) -> None:
    """The join link (in the class's language) as a QR code beside the code and the link in large letters."""
    url = join_url(code, lang=class_lang)
    left, right = st.columns([1, 2] if big else [1, 4], vertical_alignment="center")
    left.image(board_plots.join_qr_svg(url), width="stretch", alt=tr("classroom.board_qr_alt", url=url))
    with right:
        st.markdown(tr("classroom.board_join" if big else "classroom.join_link_caption"))
        if big:  # the code and link are checked values (six letters and digits; the server's address), escaped
            st.markdown(f'<div class="aelab-code">{html.escape(code)}</div>'  # no-i18n
                        f'<div class="aelab-join">{html.escape(url)}</div>', unsafe_allow_html=True)  # no-i18n
        else:
            st.code(url, language=None)


@st.cache_data(max_entries=512, show_spinner=False)
def _codes(ws: str, run_id: str) -> np.ndarray | None:
    """The last replay snapshot of a finished run (codes of the first test samples): it never changes."""
    store = workspace.store()
    kinds = store.blob_kinds(ws, run_id, REPLAY)
    if not kinds:
        return None
    data = store.get_blob(ws, run_id, max(kinds, key=lambda k: int(k[len(REPLAY):])))
    return None if data is None else codes_of(data)


def latents(code: str, key: str, rows: list[dict], lang: str, big: bool) -> None:
    """Each ranked student's best entry as a small scatter, in rank order (the labels are the run's dataset's test
    labels, as the replay recorded them)."""
    panels, names = [], None
    for r in rows:
        source = room().entry_source(code, key, r["entry"])
        dataset = r["settings"].get("dataset")
        codes = None if source is None or dataset not in DATASETS else _codes(*source)
        if codes is None:
            continue
        ds = resources.dataset(dataset)
        panels.append((f"{r['rank']}. {r['student']}", codes, ds.y_test[:len(codes)]))
        names = names or ds.class_names
    if panels:
        st.plotly_chart(board_plots.latent_panels(panels, names, lang=lang, big=big), key="class_latents",
                        theme=_theme(big))


def discovered(entries: list[dict], goal: str, lang: str, big: bool) -> None:
    """A setting of every visible entry against the goal, by family; the setting that varies most by default."""
    choices = board_plots.numeric_settings(entries)
    if not choices:
        return
    if st.session_state.get(SETTING) not in choices:
        st.session_state[SETTING] = choices[0]
    st.selectbox(tr("classroom.board_setting"), choices, key=SETTING)
    fig = board_plots.discovered(entries, st.session_state[SETTING], goal, lang=lang, big=big)
    st.plotly_chart(fig, key="class_discovered", theme=_theme(big))


def _theme(big: bool) -> str | None:
    """The projector draws the figures in their own large black type (Streamlit's theme would set its own)."""
    return None if big else "streamlit"
