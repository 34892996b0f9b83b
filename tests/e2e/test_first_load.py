"""A fresh server's first visitor, arriving by a deep link: the Train page's sidebar and heading are on screen while
the "loading the libraries" note still says torch is being imported, and the note goes once the page is ready."""
from __future__ import annotations

import pytest

from aelib.i18n import t
from tests.e2e.server import require_browser, streamlit_server

pytestmark = pytest.mark.e2e
require_browser()


def test_a_deep_link_on_a_fresh_server_shows_the_page_before_torch_has_loaded(browser, tmp_path, monkeypatch):
    monkeypatch.setenv("AELAB_HOME", str(tmp_path / "aelab"))  # the server inherits it: an empty store
    with streamlit_server() as url:  # its own server: no page has been served by it yet
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/Train", wait_until="commit")
        note = page.get_by_text(t("state.loading", "en"))
        note.wait_for(timeout=90_000)  # shown only until the heavy imports are done: seconds even when warm
        heading = page.locator("h1").first
        assert heading.is_visible() and heading.inner_text() == t("train.title", "en")
        # the sidebar's links come in the same first messages; under load the browser may draw them a frame later
        page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']").nth(9).wait_for(timeout=10_000)
        assert note.is_visible()
        assert page.locator(".st-key-train button").count() == 0  # the rest of the page is still loading
        page.locator(".st-key-train button").wait_for(timeout=180_000)  # the rest of the page, once loaded
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=180_000)
        assert note.count() == 0
        assert page.locator("[data-testid='stException']").count() == 0
        page.close()
