"""Charts and tables fit where they are drawn, in a real browser at 1400 px: after a tiny run, Compare's metrics
table needs no horizontal scroll, and every word of the anomaly lab's confusion matrix stays inside its cell."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, require_browser, streamlit_server

pytestmark = pytest.mark.e2e
sync_api = require_browser()
WIDTH = 1400
SHOTS = os.environ.get("AELAB_SCREENSHOTS")  # a folder: save what was checked, at 1400 px and at 1024×768


def keep(page, locator, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width, height in ((WIDTH, 1000), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(1500)
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=f"{SHOTS}/{name}-{width}.png")
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.wait_for_timeout(1000)


@pytest.fixture(scope="module")
def page():
    with streamlit_server() as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": WIDTH, "height": 1000})
        pg = ctx.new_page()
        pg.goto(f"{url}/Train?epochs=2")  # a tiny run: the settings come from the link
        wait_idle(pg)
        yield pg
        ctx.close()
        browser.close()


def wait_idle(page, timeout_s: float = 240) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_s * 1000)


def go(page, label: str) -> None:
    """Through the sidebar: a fresh page load would be a new session without the trained model."""
    page.locator("[data-testid='stSidebar']").get_by_role("link", name=label, exact=True).click()
    wait_idle(page)


def test_the_compare_metrics_table_fits_its_column(page):
    page.locator(".st-key-train").get_by_role("button", name="Train").click(timeout=120_000)
    page.get_by_text("Finished 2 epochs").wait_for(timeout=240_000)
    wait_idle(page)
    go(page, "Compare")
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(timeout=300_000)
    wait_idle(page, 300)
    keep(page, table, "compare-table")
    sizes = table.evaluate("""el => [...el.querySelectorAll('*')]
        .filter(e => e.clientWidth > 0 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
        .map(e => [e.scrollWidth, e.clientWidth])""")
    assert sizes, "the table's scroll container was not found"
    assert all(scroll <= client + 1 for scroll, client in sizes), sizes
    assert table.bounding_box()["width"] <= page.locator("[data-testid='stMainBlockContainer']").bounding_box()["width"]


def test_the_confusion_matrix_words_stay_inside_their_cells(page):
    go(page, "Anomaly detection")
    epochs = page.locator(".st-key-an_epochs input")
    epochs.fill("1")
    epochs.press("Enter")
    wait_idle(page)
    page.locator(".st-key-an_train button").click()
    chart = page.locator("[data-testid='stPlotlyChart']").filter(has_text="Confusion matrix").first
    chart.wait_for(timeout=300_000)
    wait_idle(page, 300)
    keep(page, chart, "anomaly-matrix")
    keep(page, page.locator("[data-testid='stHorizontalBlock']").filter(has_text="ROC").last, "anomaly-curves")
    boxes = chart.evaluate("""el => {
        const cell = el.querySelector('.heatmaplayer image, .heatmaplayer');
        const plot = el.querySelector('.heatmaplayer').getBoundingClientRect();
        const texts = [...el.querySelectorAll('.heatmaplayer text, g.textpoint text, .hm text')];
        return {plot: [plot.left, plot.right, plot.top, plot.bottom],
                texts: texts.map(t => { const r = t.getBoundingClientRect();
                                        return [t.textContent, r.left, r.right, r.top, r.bottom]; })};
    }""")
    left, right, top, bottom = boxes["plot"]
    assert len(boxes["texts"]) == 4, boxes  # one text per cell: its number and its words
    half = (right - left) / 2
    for text, x0, x1, y0, y1 in boxes["texts"]:
        assert left - 1 <= x0 and x1 <= right + 1 and top - 1 <= y0 and y1 <= bottom + 1, (text, boxes["plot"])
        column = 0 if (x0 + x1) / 2 < left + half else 1  # and inside its own column of cells
        assert left + column * half - 1 <= x0 and x1 <= left + (column + 1) * half + 1, (text, x0, x1)
