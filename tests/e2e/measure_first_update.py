"""Benchmark (not a test): seconds from pressing Train on the default settings to the first live update in a
real browser — the progress bar's first movement and the first loss curve. Median of several presses.

    .venv/bin/python -m tests.e2e.measure_first_update --repeats 5 --write BENCHMARKS.md
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

from playwright.sync_api import sync_playwright

from aelib.bench import write_section
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server

MOVED = "[data-testid='stProgress'] [role='progressbar'][aria-valuenow]:not([aria-valuenow='0'])"


def one_press(browser, url: str) -> tuple[float, float]:
    page = browser.new_page()
    page.goto(f"{url}/Train")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
    button = page.locator(".st-key-train").get_by_role("button", name="Train")
    t0 = time.perf_counter()
    button.click()
    page.wait_for_selector(MOVED, timeout=60_000)
    bar = time.perf_counter() - t0
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=60_000)
    curve = time.perf_counter() - t0
    page.close()
    return bar, curve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write", default=None)
    args = ap.parse_args()
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        first = one_press(browser, url)  # a fresh server's first press
        times = [one_press(browser, url) for _ in range(args.repeats)]
        browser.close()
    result = {"repeats": args.repeats, "median_seconds_to_progress_bar_moving": round(statistics.median(
              t[0] for t in times), 2), "median_seconds_to_first_loss_curve": round(statistics.median(
              t[1] for t in times), 2), "all": [[round(a, 2), round(b, 2)] for a, b in times],
              "first_press_on_a_fresh_server": [round(first[0], 2), round(first[1], 2)],
              "note": "[progress bar moving, first loss curve] in seconds after the press; the median is over "
                      "the presses after the first"}
    if args.write:
        write_section(args.write, "first-update", f"python -m tests.e2e.measure_first_update --repeats "
                      f"{args.repeats} --write {args.write}", result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
