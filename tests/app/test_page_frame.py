"""What every page shows around its content: the sidebar, its links and the workspace they carry, and what a new
session on the same workspace finds (a reload, another language, another device)."""
from __future__ import annotations

import torch
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from tests.app.helpers import APP, TIMEOUT, fresh, on, tiny_run


def sidebar_captions(at) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def reopened(at, lang: str | None = None, ws: str | None = None, page: str | None = "pages/1_Train.py"):
    """A new session (a reload, an edited address, another device) on the address `at` had, or on workspace ws."""
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["ws"] = ws or at.session_state["aelab_ws"]
    if lang:
        again.query_params["lang"] = lang
    again.run()
    return again if page is None else on(again, page)


def test_a_reload_or_a_new_language_keeps_the_trained_model():
    at = tiny_run(fresh(), epochs=3)
    run = at.session_state["aelab_run"]
    assert at.query_params["ws"] in (ws := at.session_state["aelab_ws"], [ws])  # the address carries the workspace
    for lang in (None, "zh"):
        again = reopened(at, lang)
        back = again.session_state["aelab_run"]
        assert not again.exception and back.run_id == run.run_id and len(back.history) == 3
        assert [h.val for h in back.history] == [h.val for h in run.history]  # the curves, from the store
        assert [e for e, _ in back.snapshots] == [e for e, _ in run.snapshots]  # and the replay
        assert again.success, "the finished run's message is shown"
        for a, b in zip(back.model.parameters(), run.model.parameters()):
            assert torch.equal(a.detach().cpu(), b.detach().cpu())  # the weights themselves


def test_sidebar_links_and_the_continue_link_carry_the_workspace():
    at = fresh()
    ws = at.session_state["aelab_ws"]
    assert len(ws) >= 22  # at least 128 random bits (32 url-safe characters: 192)
    at.run()  # the second run draws the links with the id the first one made
    assert all(link.proto.query_string == f"ws={ws}" for link in at.sidebar.get("page_link"))
    assert any(f"?ws={ws}" in c.value for c in at.sidebar.code)


def test_an_unknown_or_tampered_workspace_gets_a_fresh_one():
    at = tiny_run(fresh())
    mine = at.session_state["aelab_ws"]
    for bad in ("x" * 32, mine[:-1] + ("A" if mine[-1] != "A" else "B"), "../../etc", "' OR 1=1 --"):
        other = reopened(at, ws=bad, page=None)  # the note is said once, on the first page
        assert not other.exception and other.session_state["aelab_ws"] not in (mine, bad)
        assert "aelab_run" not in other.session_state  # never someone else's work
        assert any(w.value == t("workspace.unknown") for w in other.warning)


def test_the_latent_space_hover_shows_each_digit():
    import numpy as np

    from tests.app.helpers import figure, values

    at = on(tiny_run(fresh(), dataset="mnist5k", epochs=1), "pages/2_Latent_space.py")
    assert not at.exception
    traces = figure(at.get("plotly_chart")[0])["data"]
    drawn = [s for tr in traces for s in tr.get("text", [])]
    assert len(drawn) == sum(len(values(tr["customdata"])) for tr in traces)  # every point has its picture
    assert all(any(0x2801 <= ord(c) <= 0x28FF for c in s) for s in drawn[:50])  # Braille dots, not blank
    assert np.all(["%{text}" in tr["hovertemplate"] for tr in traces])


def test_an_unreachable_database_is_said_and_the_app_still_trains(monkeypatch):
    monkeypatch.setenv("AELAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/aelab")  # nothing listens on port 1
    at = fresh()
    assert any(w.value == t("workspace.no_database") for w in at.warning)
    at = tiny_run(at)
    assert at.session_state["aelab_run"].status == "finished" and at.success
    assert any(w.value == t("workspace.no_database") for w in at.warning)  # said on every page


def test_a_share_link_never_carries_the_workspace():
    at = tiny_run(fresh())
    ws = at.session_state["aelab_ws"]
    shown = [c.value for c in at.code] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    links = [text for text in shown if "epochs=" in text or "model=" in text]
    assert links, "the Train page shows its share link"
    assert all(ws not in text and "ws=" not in text for text in links)
