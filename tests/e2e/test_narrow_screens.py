"""On a classroom projector's 1024×768, in Chinese and in English, every choice a page offers shows its whole value:
a selectbox whose value is cut ("自编码器（欠", "scikit-lea") leaves the learner guessing what is chosen."""
from __future__ import annotations

from pathlib import Path

import pytest

from appkit.page import PAGES
from tests.e2e.server import require_browser

pytestmark = pytest.mark.e2e
require_browser()
# the pages whose inputs sit in narrow columns (the Train page's left column, the labs' rows of inputs)
NARROW = ["Train", "Anomaly detection", "Denoising", "Generation", "Super-resolution", "Compression", "Few labels",
          "Augmentation"]
# a selectbox shows its value in an <input>: wider content than box means the learner sees it cut
CUT = """() => [...document.querySelectorAll("[data-testid='stSelectbox']")].flatMap(box =>
    [...box.querySelectorAll('input')].filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
        .map(e => `${box.innerText.split('\\n')[0]}: "${e.value}" needs ${e.scrollWidth} px, has ${e.clientWidth}`))"""


def address(label: str) -> str:
    """A page's address from its file: pages/4_Anomaly.py -> "Anomaly"."""
    return next(Path(path).stem.split("_", 1)[1] for path, name, _ in PAGES if name == label)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_selectbox_value_is_cut_at_1024_by_768(browser, server, lang):
    ctx = browser.new_context(viewport={"width": 1024, "height": 768})
    page, cut = ctx.new_page(), {}
    try:
        for label in NARROW:
            page.goto(f"{server}/{address(label)}?lang={lang}", timeout=240_000)
            page.locator("[data-testid='stSelectbox']").first.wait_for(timeout=240_000)  # a cold server: torch
            page.wait_for_timeout(300)
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=240_000)
            if found := page.evaluate(CUT):
                cut[label] = found
    finally:
        ctx.close()
    assert not cut, cut
