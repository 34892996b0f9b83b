"""Share links for the pages beyond Train and the labs (Latent space, Draw a digit, Quiz, Lessons, Where used): each
page's "Share this setup" link carries its own settings and never the learner's workspace, and opening the link
applies them (each widget shows the linked value)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.sharing.share import decode
from aelib.teach.lessons import LESSONS
from appkit.state import PAGE_SCHEMAS, PAGE_SETTINGS
from tests.app.helpers import APP, TIMEOUT, fits, on, tiny_run

# a page, a link to it with values other than its defaults, and the widget kind that shows each value
PAGES = {
    "Quiz": ("pages/13_Quiz.py", {"quiz_topics": "comparison,types"}, {"quiz_topics": "pills"}),
    "Where_used": ("pages/15_Where_used.py",
                   {"where_users": "800", "where_density": "0.2", "where_horizon": "8", "where_fc_epochs": "5"},
                   {"where_users": "number_input", "where_density": "slider", "where_horizon": "slider",
                    "where_fc_epochs": "number_input"}),
    "Lessons": ("pages/14_Lessons.py", {"lesson": "3"}, {"lesson": "selectbox"}),
}
WS = "ws"  # the learner's workspace parameter: a share link never carries it


def opened(path: str, params: dict, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.clear()
    at.query_params.update(params)
    return on(at.run(), path)


def shared_query(at: AppTest, page: str) -> dict[str, list[str]]:
    """The query of the link the page's "Share this setup" shows (AppTest has no address: the link starts /Page)."""
    (link,) = [c.value for c in at.code if c.value == f"/{page}" or c.value.startswith(f"/{page}?")]
    return parse_qs(urlsplit(link).query)


def carries_no_workspace(at: AppTest, query: dict) -> None:
    ws = at.session_state["aelab_ws"]
    assert isinstance(ws, str) and ws  # the learner has a workspace, and it stays out of the link
    assert WS not in query and not any(ws in v for values in query.values() for v in values)


def test_each_new_page_has_a_schema_with_its_defaults():
    for path in ("pages/2_Latent_space.py", "pages/6_Draw_a_digit.py", *(p for p, _, _ in PAGES.values())):
        assert path in PAGE_SCHEMAS
    assert PAGE_SCHEMAS["pages/6_Draw_a_digit.py"] == {}  # a drawing is the learner's own: nothing to share
    assert PAGE_SCHEMAS["pages/14_Lessons.py"]["lesson"].hi == len(LESSONS)


@pytest.mark.parametrize("page", list(PAGES))
def test_the_share_link_carries_the_pages_settings_and_opening_it_applies_them(page):
    path, link, kinds = PAGES[page]
    at = opened(path, link)
    schema = PAGE_SCHEMAS[path]
    want = {k: schema[k].parse(v) for k, v in link.items()}
    for key, value in want.items():
        assert at.session_state[key] == value, key
        assert getattr(at, kinds[key])(key=key).value == value, key
    for key in set(schema) - set(link):
        assert at.session_state[key] == PAGE_SETTINGS[key], key
    if page != "Lessons":  # Lessons keeps ?lesson=N in its own address: no "came from a link" note
        assert any(fits(i.value, "share.came_from_link", "en") for i in at.info)
    query = shared_query(at, page)
    carries_no_workspace(at, query)
    got, locked, problems = decode(query, schema, passthrough=("lang",))
    assert (got, locked, problems) == (want, set(), [])
    again = opened(path, {k: v[0] for k, v in query.items()})  # a fresh session opening the shared link
    assert {k: again.session_state[k] for k in schema} == {k: at.session_state[k] for k in schema}


def test_the_share_link_follows_what_the_learner_picks():
    at = opened("pages/13_Quiz.py", {})
    assert shared_query(at, "Quiz") == {}  # the defaults: the plain page link
    at.pills(key="quiz_topics").set_value(["training"]).run()
    assert shared_query(at, "Quiz") == {"quiz_topics": ["training"]}
    at = opened("pages/14_Lessons.py", {})
    at.selectbox(key="lesson").set_value(5).run()
    assert shared_query(at, "Lessons") == {"lesson": ["5"]}
    assert at.header[0].value == t(f"lesson.{LESSONS[4].id}.title", "en")


def test_a_lesson_link_opens_that_lesson():
    at = opened("pages/14_Lessons.py", {"lesson": "3"})
    assert at.header[0].value == t(f"lesson.{LESSONS[2].id}.title", "en")


def test_latent_space_and_draw_share_their_settings_never_the_model():
    at = tiny_run(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), latent=5)
    at = opened("pages/2_Latent_space.py", {"latent_view": "the first two dimensions"}, at)
    assert at.radio(key="latent_view").value == "the first two dimensions"
    assert any(fits(i.value, "share.came_from_link", "en") for i in at.info)
    at.radio(key="latent_view").set_value("t-SNE of the codes").run()
    query = shared_query(at, "Latent_space")
    assert query == {"latent_view": ["t-SNE of the codes"]}
    carries_no_workspace(at, query)
    at = opened("pages/6_Draw_a_digit.py", {}, at)
    query = shared_query(at, "Draw_a_digit")
    assert query == {}  # nothing of the learner's (the drawing, the model, the workspace) goes into the link
    at = opened("pages/6_Draw_a_digit.py", {"latent_view": "pca"}, at)  # not a setting of this page: said, ignored
    assert any("`latent_view`" in w.value for w in at.warning)
