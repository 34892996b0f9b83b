"""Two app replicas behind nginx, started from the shipped deploy/ template (tests/stack.py): nginx gives a learner an
affinity cookie and keeps every request of their session on one replica, the app runs under a path prefix, a file
upload works through the balancer, and when the learner's replica dies a reload brings them to the other one, where
the app works (an upload too). Real Chromium; the whole module takes well under a minute here."""
from __future__ import annotations

import http.client
import re
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from aelib.i18n import t
from tests.e2e.server import require_browser
from tests.stack import get, require_stack, stack

pytestmark = pytest.mark.e2e
sync_api = require_browser()
require_stack()
COOKIE = re.compile(r"^aelab_affinity=([0-9a-f]{32}); Path=/; HttpOnly; SameSite=Lax$")
READY = re.compile("^Ready:")  # your_data.ready: the uploaded table was read and checked


@pytest.fixture(scope="module")
def deployed():
    with stack(replicas=2) as s:
        print("stack started in", {k: round(v, 2) for k, v in s.timings.items()})
        yield s


def affinity_cookies(headers) -> list[str]:
    return [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("aelab_affinity=")]


def test_nginx_sets_the_affinity_cookie_once_and_spreads_learners(deployed):
    status, headers, _ = get(deployed.url)
    assert status == 200
    [cookie] = affinity_cookies(headers)
    assert COOKIE.match(cookie), cookie
    first = deployed.serving(headers["X-Upstream"])
    jar = cookie.split(";")[0]
    for _ in range(5):  # the first request was hashed on the id the cookie carries: all later ones agree with it
        status, headers, body = get(deployed.url + "_stcore/health", cookie=jar)
        assert (status, body) == (200, b"ok")
        assert affinity_cookies(headers) == []
        assert deployed.serving(headers["X-Upstream"]) is first
    answered = {deployed.serving(get(deployed.url + "_stcore/health",
                                     cookie=f"aelab_affinity={secrets.token_hex(16)}")[1]["X-Upstream"]).index
                for _ in range(32)}
    assert answered == {0, 1}, "32 learners all went to one replica"


def test_the_prefix_without_its_slash_is_redirected_and_big_uploads_stop_at_nginx(deployed):
    status, headers, _ = get(deployed.url.rstrip("/"))
    assert (status, headers["Location"]) == (301, urlsplit(deployed.url).path)
    # 22 MB announced: over maxUploadSize (20 MB) plus Streamlit's 1 MB for the multipart wrapping
    parts = urlsplit(deployed.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("PUT", parts.path + "_stcore/upload_file/some-session/some-file")
    conn.putheader("Content-Length", str(22 * 2**20))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413 and not response.getheader("X-Upstream")
    conn.close()


def wait_idle(page, timeout_s: float = 90) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_s * 1000)


def no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()


def upload_table(page, path) -> str:
    """Uploads the CSV on the Your data page; the X-Upstream of the upload request, once the page says Ready."""
    with page.expect_response(lambda r: "/_stcore/upload_file/" in r.url and r.request.method == "PUT") as answer:
        page.locator(".st-key-upload_csv input[type='file']").set_input_files(str(path))
    assert answer.value.ok, f"upload answered {answer.value.status}"
    page.get_by_text(READY).first.wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)
    return answer.value.header_value("x-upstream")


def test_a_learner_stays_on_one_replica_uploads_and_moves_when_it_dies(browser, deployed, tmp_path):
    table = tmp_path / "points.csv"
    table.write_text("a,b,c,label\n" + "".join(f"{i % 7},{i * 0.5},{(i * 3) % 11},{'xy'[i % 2]}\n"
                                                 for i in range(60)), encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    answered = []  # (url, X-Upstream) of the page and its fetches (scripts, fonts, icons may come from the cache)
    steps, clock = {}, [time.monotonic()]

    def lap(name: str) -> None:  # seconds per step, printed at the end (pytest -s)
        steps[name], clock[0] = round(time.monotonic() - clock[0], 2), time.monotonic()

    try:
        page = ctx.new_page()
        page.on("response", lambda r: r.request.resource_type in ("document", "fetch", "xhr") and answered.append(
            (r.url, r.header_value("x-upstream"))))
        page.goto(deployed.url)  # the home page under the prefix, then a sidebar link stays under it
        wait_idle(page)
        page.get_by_role("heading", name=t("home.title", "en")).wait_for()
        lap("home page (first run of a replica)")
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_role("link", name=t("page.your_data", "en"), exact=True).click()
        page.get_by_role("heading", name=t("your_data.title", "en")).wait_for(timeout=60_000)
        wait_idle(page)
        no_exception(page)
        here = urlsplit(page.url)  # the sidebar link keeps the prefix and carries the workspace
        assert here.path == urlsplit(deployed.url).path + "Your_data" and "ws" in parse_qs(here.query), page.url
        [cookie] = [c for c in ctx.cookies() if c["name"] == "aelab_affinity"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
        lap("to Your data")

        first = deployed.serving(upload_table(page, table))  # refused by any replica but the session's own
        assert answered and {deployed.serving(a) for _, a in answered} == {first}, answered
        lap("upload")

        deployed.kill(first)
        answered.clear()
        page.reload()
        page.get_by_role("heading", name=t("your_data.title", "en")).wait_for(timeout=60_000)
        wait_idle(page)
        no_exception(page)
        [other] = [r for r in deployed.replicas if r is not first]
        assert answered and {deployed.serving(a) for _, a in answered} == {other}, answered
        lap("kill and reload (first run of the other replica)")
        assert deployed.serving(upload_table(page, table)) is other
        lap("upload on the other replica")
        assert [c["value"] for c in ctx.cookies() if c["name"] == "aelab_affinity"] == [cookie["value"]]
    finally:
        ctx.close()
    # nginx logs a websocket when it closes: the learner's first one was on the replica that died
    stream = f"GET {urlsplit(deployed.url).path}_stcore/stream"
    assert re.search(rf"{re.escape(stream)}.* upstream={re.escape(first.address)} affinity={cookie['value']}",
                     deployed.access_log()), deployed.access_log()[-2000:]
    print("steps (s):", steps)
