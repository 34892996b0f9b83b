"""End to end in a real browser: a streamlit server on a free port, Debian's Chromium driven by Playwright.
Covers the default train flow, Stop, every page opening cleanly, and two tabs being two learners."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.e2e.server import require_browser

pytestmark = pytest.mark.e2e
sync_api = require_browser()
SHOTS = os.environ.get("AELAB_SCREENSHOTS")  # a folder: save a screenshot of every step there
PAGES = {"Home": "", "Train": "Train", "Latent space": "Latent_space", "Compare": "Compare",
         "Anomaly detection": "Anomaly", "Denoising": "Denoising", "Draw a digit": "Draw_a_digit",
         "Your data": "Your_data", "Generation": "Generation", "Super-resolution": "Super_resolution",
         "Compression": "Compression", "Few labels": "Few_labels", "Augmentation": "Augmentation",
         "Lessons": "Lessons", "Quiz": "Quiz"}


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


def wait_idle(page, timeout_s: float = 120) -> None:
    """Until the script run ends (the app container reports notRunning)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_s * 1000)


def no_exception(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()


def go(page, label: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("link", name=label, exact=True).click()
    page.wait_for_timeout(300)
    wait_idle(page)


def train_button(page):
    return page.locator(".st-key-train").get_by_role("button", name="Train")


def open_app(context, server):
    page = context.new_page()
    page.goto(server)
    wait_idle(page)
    return page


def test_every_page_opens_without_exception(context, server):
    page = context.new_page()
    for path in PAGES.values():
        page.goto(f"{server}/{path}")
        wait_idle(page)
        no_exception(page, f"empty-{path or 'home'}")
        assert page.locator("h1").count() >= 1


def test_default_train_flow_from_home_to_compare(context, server):
    page = open_app(context, server)
    go(page, "Train")
    train_button(page).click()
    bar = page.locator("[data-testid='stProgress']")
    bar.wait_for(timeout=30_000)
    page.locator(".st-key-stop").get_by_role("button", name="Stop").wait_for(timeout=10_000)  # visible while training
    page.get_by_text(re.compile(r"Finished 30 epochs")).wait_for(timeout=180_000)
    wait_idle(page)
    no_exception(page, "trained")
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 2  # loss curves + reconstructions
    go(page, "Latent space")
    no_exception(page, "latent")
    assert page.locator("[data-testid='stPlotlyChart']").count() == 2  # the latent scatter + the training replay
    go(page, "Compare")
    page.locator("[data-testid='stDataFrame']").wait_for(timeout=120_000)
    wait_idle(page)
    no_exception(page, "compare")
    assert page.locator("[data-testid='stPlotlyChart']").count() == 4  # AE, PCA, t-SNE, UMAP
    box = page.locator(".st-key-cmp_panel_PCA .scatterlayer path.point").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a learner clicks one point
    page.get_by_text(re.compile(r"Sample #\d+ \(class \d\), picked in PCA")).wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page, "compare-clicked")
    for panel in ("Autoencoder", "t-SNE", "UMAP"):  # the same sample stands out in the other panels
        faded = page.locator(f".st-key-cmp_panel_{panel} .scatterlayer path.point").evaluate_all(
            "ps => ps.filter(p => parseFloat(getComputedStyle(p).opacity) < 0.5).length")
        assert faded > 100, panel
    go(page, "Draw a digit")  # the real canvas: draw a 7 with the mouse
    box = page.locator("canvas").first.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + 0.25 * w, y0 + 0.2 * h)
    page.mouse.down()
    for t in range(11):
        page.mouse.move(x0 + (0.25 + 0.05 * t) * w, y0 + 0.2 * h)
    for t in range(11):
        page.mouse.move(x0 + (0.75 - 0.03 * t) * w, y0 + (0.2 + 0.065 * t) * h)
    page.mouse.up()
    # the first stroke also draws 1,000 hover thumbnails; on a loaded 2-core machine that rerun took over 60 s once
    page.get_by_text("The nearest training samples in latent space").wait_for(timeout=150_000)
    wait_idle(page)
    no_exception(page, "drawn")
    go(page, "Train")  # the model is still there after visiting other pages
    page.get_by_text(re.compile(r"Finished 30 epochs")).wait_for(timeout=10_000)


def test_stop_keeps_the_weights_learned_so_far(context, server):
    page = open_app(context, server)
    go(page, "Train")
    page.get_by_text("Training settings").click()
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("300")
    epochs.press("Enter")
    wait_idle(page)
    train_button(page).click()
    page.get_by_text(re.compile(r"Epoch [3-9] of 300")).wait_for(timeout=60_000)
    page.locator(".st-key-stop").get_by_role("button", name="Stop").click()
    page.get_by_text(re.compile(r"You pressed Stop after \d+ of 300 epochs")).wait_for(timeout=30_000)
    wait_idle(page)
    no_exception(page, "stopped")
    assert train_button(page).is_enabled()
    go(page, "Latent space")  # the stopped model is usable everywhere
    no_exception(page, "latent-after-stop")
    page.get_by_text(re.compile(r"\d+ of 300 epochs \(stopped\)")).wait_for()
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 1  # the scatter (and the replay of its epochs)


def test_two_tabs_are_two_learners(context, server):
    first = open_app(context, server)
    go(first, "Train")
    first.get_by_role("button", name="Train", exact=True).click()
    first.get_by_text(re.compile(r"Finished 30 epochs")).wait_for(timeout=180_000)
    second = context.new_page()  # same browser, same cookies: still a separate Streamlit session
    second.goto(f"{server}/Latent_space")
    wait_idle(second)
    assert second.get_by_text("No trained model yet").count() == 1
    go(first, "Latent space")
    assert first.get_by_text("No trained model yet").count() == 0


def test_first_live_update_is_quick(context, server):
    """Records (does not assert a tight bound on) the delay from pressing Train to the first progress text.
    Seven epochs: settings no other test trains, so this is a real training, not a reused run played back."""
    page = open_app(context, server)
    go(page, "Train")
    page.get_by_text("Training settings").click()
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("7")
    epochs.press("Enter")
    wait_idle(page)
    t0 = time.perf_counter()
    train_button(page).click()
    page.get_by_text(re.compile(r"Epoch \d+ of")).first.wait_for(timeout=30_000)
    delay = time.perf_counter() - t0
    print(f"first live update after {delay:.2f} s")
    assert delay < 30
