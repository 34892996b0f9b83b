"""One learner's hostile upload never stalls the others: while a first browser session uploads the worst inputs of
the hostile corpus (aelib.data.hostile) on the Your data page, a second session keeps getting answers: the health
endpoint, polled from a thread, answers each request within about a second, and a click on a widget (the language
switch) is answered by a rerun of its page. The first session ends with a clear message and no exception."""
from __future__ import annotations

import re
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from aelib.data.hostile import CSV_CASES, IMAGE_CASES
from aelib.i18n import t
from tests.e2e.server import require_browser

pytestmark = pytest.mark.e2e
sync_api = require_browser()

# the longest one health check may take while the upload is processed: a frozen server took 17 s; a live one
# answers in about a second on two busy cores (0.95 s measured while other tests ran, also for the zip, which is
# refused in 10 ms: Tornado itself receives the 20 MB uploads on its one thread), but 1.53 s once in a clean-clone
# CI run under the whole suite's load. 3 s still tells a live server from a frozen one by more than 5x.
HEALTH_S = 3.0
CLICK_S = 5.0  # the longest a rerun of the second session's page may take (its own script runs, too)
CASE_S = 120.0  # the whole of one case, upload to message
TOO_SLOW = "Reading this file took longer than"  # the parse's time limit, reached on a busy server
# (corpus case, uploader, what the first session's page says at the end); the slowest CSV of BENCHMARKS.md's
# hostile table (a real table, read into a dataset), the slowest refused one, and the zip whose headers lie most
CASES = [
    ("an MNIST-like table of 18 MB", "upload_csv", re.compile(f"Ready: your table|{TOO_SLOW}")),
    ("one quoted field of 20 MB", "upload_csv", re.compile(f"Only 1 row|{TOO_SLOW}")),
    ("zip entry claiming 100 bytes, unpacking to 2 GB", "upload_images", re.compile("damaged and cannot be unpacked")),
]


def wait_idle(page, timeout_s: float = 120) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_s * 1000)


class HealthPoller(threading.Thread):
    """Polls /_stcore/health every 0.1 s until stopped; records (start, seconds, answered ok) of each request."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop, self.polls = f"{url}/_stcore/health", threading.Event(), []

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                answered = urllib.request.urlopen(self.url, timeout=30).read() == b"ok"
            except OSError:
                answered = False
            self.polls.append((start, time.monotonic() - start, answered))
            self.stop.wait(0.1)


def upload_files(tmp_path: Path, name: str, kind: str) -> list[str]:
    """The corpus case written to files, as the first learner would pick them."""
    if kind == "upload_csv":
        path = tmp_path / "hostile.csv"
        path.write_bytes(CSV_CASES[name]())
        return [str(path)]
    paths = []
    for file_name, raw in IMAGE_CASES[name]():
        path = tmp_path / Path(file_name).name
        path.write_bytes(raw)
        paths.append(str(path))
    return paths


def switch_language(page, lang: str) -> float:
    """Clicks the sidebar's language switch; the seconds until the page's title is in that language."""
    start = time.monotonic()
    page.locator("[data-testid='stSidebar']").get_by_role("radio", name=t(f"lang.{lang}", lang)).click()
    page.locator("h1", has_text=t("your_data.title", lang)).wait_for(timeout=30_000)
    return time.monotonic() - start


@pytest.mark.parametrize("name, uploader, message", CASES, ids=[c[0] for c in CASES])
def test_a_second_session_is_answered_while_a_hostile_upload_is_processed(browser, server, tmp_path, name,
                                                                          uploader, message):
    files = upload_files(tmp_path, name, uploader)
    first_ctx, second_ctx = browser.new_context(), browser.new_context()  # two learners
    poller = HealthPoller(server)
    try:
        first, second = first_ctx.new_page(), second_ctx.new_page()
        for page in (first, second):
            page.goto(f"{server}/Your_data")
            wait_idle(page)
        poller.start()
        began = time.monotonic()
        first.locator(f".st-key-{uploader} input[type='file']").set_input_files(files)
        clicks, lang, ended = [], "zh", None
        while ended is None:  # the second learner clicks on until the first one's page has said its word
            clicks.append((time.monotonic(), switch_language(second, lang)))
            lang = "en" if lang == "zh" else "zh"
            if first.get_by_text(message).count() and first.locator(
                    "[data-testid='stApp'][data-test-script-state='notRunning']").count():
                ended = time.monotonic()
            assert time.monotonic() - began < CASE_S, f"no message after {CASE_S:.0f} s"
    finally:
        poller.stop.set()
        poller.join(35)
    try:
        assert first.locator("[data-testid='stException']").count() == 0
        assert first.get_by_text(message).count() >= 1
        during = [p for p in poller.polls if p[0] <= ended]
        assert during and all(ok for _, _, ok in during), "the health endpoint failed"
        slowest = max(seconds for _, seconds, _ in during)
        assert slowest < HEALTH_S, f"the health endpoint took {slowest:.2f} s while the upload was processed"
        assert clicks and max(seconds for _, seconds in clicks) < CLICK_S, clicks
        assert second.locator("[data-testid='stException']").count() == 0
        print(f"{name}: {len(during)} health checks, slowest {slowest:.3f} s; {len(clicks)} reruns of the second "
              f"session, slowest {max(s for _, s in clicks):.2f} s; message after {ended - began:.2f} s")
    finally:
        first_ctx.close()
        second_ctx.close()
