"""A learner's workspace in a real browser: a trained run outlives a reload, a new ?lang= in the address, a server
restart and leaving the Train page mid-run; two tabs on one workspace see the same runs; a tampered ?ws= gets a
fresh, empty workspace; a teacher's share link never carries the workspace. One server on a data folder of its own
(AELAB_HOME, so no other test's runs are reused), restarted once on the same port. Each test trains tiny runs on the
8×8 digits, each with its own seed, so no test gets another's run back as a reused one."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from aelib.i18n import t
from aelib.store import Status, database_url, open_store
from tests.e2e.server import ROOT, free_port, require_browser, streamlit_command, wait_healthy

pytestmark = pytest.mark.e2e
sync_api = require_browser()
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHART = "[data-testid='stPlotlyChart']"


class Lab:
    """`streamlit run` on a data folder of its own, restartable on the same port (a saved address still works)."""

    def __init__(self, home: Path):
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k != "AELAB_DATABASE_URL"} | {"AELAB_HOME": str(self.home)}
        with open(self.home / "server.log", "a", encoding="utf-8") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(streamlit_command(self.port), cwd=ROOT, env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
        wait_healthy(self.url, self.proc, 90)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def runs(self, ws: str) -> list:
        """The workspace's runs as the server stored them, newest first."""
        store = open_store(database_url({"AELAB_HOME": str(self.home)}))
        try:
            return store.list_runs(ws)
        finally:
            store.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = Lab(tmp_path_factory.mktemp("aelab-home"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


def wait_idle(page, timeout_s: float = 90) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_s * 1000)


def no_exception(page) -> None:
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.first.inner_text()


def ws_of(page) -> str:
    [ws] = parse_qs(urlsplit(page.url).query)["ws"]
    return ws


def finished(epochs: int, lang: str = "en") -> str:
    """The start of the finished message, "Finished 3 epochs in" (or its translation)."""
    return t("training.finished", lang).split("{s}")[0].format(n=epochs)


def my_runs(page, n: int, lang: str = "en"):
    return page.get_by_text(t("workspace.my_runs", lang, n=n), exact=True)


def open_train(page, base: str, seed: int, epochs: int = 3, **more) -> None:
    """The Train page with tiny settings from the address (applied as a share link's are)."""
    query = urlencode({"dataset": "digits", "epochs": epochs, "seed": seed, **more})
    page.goto(f"{base}/Train?{query}")
    wait_idle(page)
    no_exception(page)


def train(page, epochs: int = 3, runs: int = 1, timeout_s: float = 60) -> None:
    """Press Train and wait until the run is done and listed: the workspace then holds `runs` runs (an earlier
    run's finished message may be on the page already, so that alone says nothing)."""
    page.locator(".st-key-train").get_by_role("button", name=t("train.button", "en")).click()
    my_runs(page, runs).wait_for(timeout=timeout_s * 1000)
    page.get_by_text(finished(epochs)).wait_for(timeout=timeout_s * 1000)
    wait_idle(page)
    no_exception(page)


def go(page, label: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_role("link", name=label, exact=True).click()
    page.wait_for_timeout(300)
    wait_idle(page)
    no_exception(page)


def shows_the_run(page, epochs: int, lang: str = "en") -> None:
    """The finished message, the loss curves and reconstructions, and the run in My runs."""
    page.get_by_text(finished(epochs, lang)).wait_for(timeout=30_000)
    page.locator(CHART).nth(1).wait_for(timeout=30_000)  # drawn after the message, in the same script run
    wait_idle(page)
    assert my_runs(page, 1, lang).count() == 1


def test_a_run_outlives_a_reload_and_a_new_language_in_the_address(lab, context):
    page = context.new_page()
    open_train(page, lab.url, seed=11)
    ws = ws_of(page)
    assert my_runs(page, 1).count() == 0 and page.get_by_text(finished(3)).count() == 0
    train(page)
    shows_the_run(page, 3)
    page.reload()
    wait_idle(page)
    no_exception(page)
    shows_the_run(page, 3)
    assert ws_of(page) == ws
    query = {k: v for k, v in parse_qs(urlsplit(page.url).query).items() if k != "lang"} | {"lang": ["zh"]}
    page.goto(f"{lab.url}/Train?{urlencode(query, doseq=True)}")  # a learner types ?lang=zh into the address
    wait_idle(page)
    no_exception(page)
    page.get_by_role("heading", name=t("train.title", "zh")).wait_for(timeout=10_000)
    assert page.title().startswith(t("page.train", "zh"))  # the tab too, on the first run of the new session
    shows_the_run(page, 3, "zh")
    assert ws_of(page) == ws
    [run] = lab.runs(ws)
    assert run.status == Status.FINISHED and not run.summary.get("reused")


def continue_link(page) -> str:
    """The sidebar's "Continue on another device" link."""
    page.locator("[data-testid='stSidebar']").get_by_role("button", name=t("workspace.continue", "en")).click()
    code = page.locator("[data-testid='stPopoverBody'] code").first
    code.wait_for(timeout=10_000)
    link = code.inner_text().strip()
    page.keyboard.press("Escape")
    return link


def test_a_run_outlives_a_server_restart_and_moves_to_another_device(lab, browser, context):
    page = context.new_page()
    open_train(page, lab.url, seed=12)
    train(page)
    saved, ws = page.url, ws_of(page)
    link = continue_link(page)
    assert link == f"{lab.url}/Train?ws={ws}"
    lab.stop()
    lab.start()
    page.goto(saved)
    wait_idle(page)
    no_exception(page)
    shows_the_run(page, 3)
    assert ws_of(page) == ws
    other = browser.new_context(viewport={"width": 1400, "height": 1000})  # another device: nothing shared
    try:
        there = other.new_page()
        there.goto(link)
        wait_idle(there)
        no_exception(there)
        shows_the_run(there, 3)
        go(there, "Latent space")  # the restored model, and its training replay from the stored snapshots
        assert there.get_by_text(t("widgets.no_model", "en")).count() == 0
        assert there.locator(CHART).count() == 2
        assert ws_of(there) == ws
    finally:
        other.close()


def test_leaving_the_page_mid_run_does_not_stop_it(lab, context):
    epochs = 60
    page = context.new_page()
    open_train(page, lab.url, seed=13, epochs=epochs)
    ws = ws_of(page)
    page.locator(".st-key-train").get_by_role("button", name=t("train.button", "en")).click()
    progress = re.compile(rf"^Epoch (\d+) of {epochs}")
    page.get_by_text(re.compile(rf"^Epoch ([3-9]|\d\d) of {epochs}")).wait_for(timeout=30_000)
    left_at = int(progress.match(page.get_by_text(progress).first.inner_text()).group(1))
    go(page, "Latent space")  # the sidebar's link, in the same session
    assert ws_of(page) == ws
    page.wait_for_timeout(3000)
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Train", exact=True).click()
    done, now = page.get_by_text(finished(epochs)), page.get_by_text(progress).first
    done.or_(now).first.wait_for(timeout=30_000)  # the page follows the run again (or it has finished meanwhile)
    back = "finished" if done.count() else now.inner_text()
    print(f"left at epoch {left_at}; back after 3 s: {back}")
    if not done.count():  # still training: further on than when the learner left
        assert int(progress.match(back).group(1)) > left_at + 3, (left_at, back)
    done.wait_for(timeout=90_000)
    wait_idle(page)
    no_exception(page)
    [run] = lab.runs(ws)
    assert run.status == Status.FINISHED
    assert page.locator(CHART).count() >= 2


def test_a_second_learner_follows_the_same_training_with_the_bar_only_then_gets_the_results(lab, browser):
    """Two learners, identical settings: one training; the second follows it with a progress bar and no live charts
    (30 followers redrawing charts every epoch would take the server's cores), then gets the full results."""
    epochs, contexts = 40, [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    try:
        first, second = (ctx.new_page() for ctx in contexts)
        for page in (first, second):
            open_train(page, lab.url, seed=16, epochs=epochs)
        first.locator(".st-key-train").get_by_role("button", name=t("train.button", "en")).click()
        first.get_by_text(re.compile(rf"^Epoch ([2-9]|\d\d) of {epochs}")).wait_for(timeout=30_000)
        first.locator(CHART).first.wait_for(timeout=15_000)  # the learner who started it watches it learn
        second.locator(".st-key-train").get_by_role("button", name=t("train.button", "en")).click()
        second.get_by_text(t("workspace.following", "en")).wait_for(timeout=30_000)
        second.get_by_text(re.compile(rf"^Epoch \d+ of {epochs}")).wait_for(timeout=30_000)
        assert second.locator(CHART).count() == 0
        for page in (first, second):
            page.get_by_text(finished(epochs)).wait_for(timeout=120_000)
            page.locator(CHART).nth(1).wait_for(timeout=30_000)
            wait_idle(page)
            no_exception(page)
        assert len(lab.runs(ws_of(first))) == len(lab.runs(ws_of(second))) == 1
        assert lab.runs(ws_of(second))[0].status == Status.FINISHED
    finally:
        for ctx in contexts:
            ctx.close()


def test_two_tabs_on_one_workspace_see_the_same_runs(lab, context):
    first, second = context.new_page(), context.new_page()
    open_train(first, lab.url, seed=14)
    ws = ws_of(first)
    second.goto(first.url)  # the same address, so the same workspace
    wait_idle(second)
    no_exception(second)
    assert ws_of(second) == ws and my_runs(second, 1).count() == 0
    train(first)
    assert my_runs(first, 1).count() == 1
    second.reload()
    wait_idle(second)
    no_exception(second)
    shows_the_run(second, 3)
    open_train(second, lab.url, seed=15, ws=ws)  # the second tab trains one more; the first sees both
    train(second, runs=2)
    first.reload()
    wait_idle(first)
    no_exception(first)
    assert my_runs(first, 2).count() == 1
    assert [r.train_config["seed"] for r in lab.runs(ws)] == [15, 14]


def test_a_tampered_workspace_id_gets_a_fresh_empty_workspace(lab, context):
    page = context.new_page()
    open_train(page, lab.url, seed=16)
    train(page)
    ws = ws_of(page)
    tampered = ws[:-1] + ("A" if ws[-1] != "A" else "B")  # the right shape, one character off
    unknown = t("workspace.unknown", "en")
    for given in (tampered, "../../etc/passwd", "x' OR '1'='1"):
        page.goto(f"{lab.url}/Train?{urlencode({'ws': given})}")
        wait_idle(page)
        no_exception(page)
        page.get_by_text(unknown).wait_for(timeout=10_000)
        fresh = ws_of(page)
        assert fresh not in (given, ws) and lab.runs(fresh) == []
        assert my_runs(page, 1).count() == 0 and page.get_by_text(finished(3)).count() == 0
    page.goto(f"{lab.url}/Train?ws={ws}")  # the real id still opens the learner's own workspace
    wait_idle(page)
    shows_the_run(page, 3)
    assert page.get_by_text(unknown).count() == 0


def test_a_share_link_never_carries_the_workspace(lab, browser, context):
    teacher = context.new_page()
    open_train(teacher, lab.url, seed=17)
    train(teacher)
    ws = ws_of(teacher)
    teacher.get_by_text(t("share.title", "en"), exact=True).click()
    code = teacher.locator("[data-testid='stExpander']", has_text=t("share.title", "en")).locator("code").first
    code.wait_for(timeout=10_000)
    link = code.inner_text().strip()
    assert link.startswith(f"{lab.url}/Train?") and "seed=17" in link, link
    assert "ws=" not in link and ws not in link, link
    student_ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        student = student_ctx.new_page()
        student.goto(link)
        wait_idle(student)
        no_exception(student)
        mine = ws_of(student)
        assert mine != ws and my_runs(student, 1).count() == 0 and student.get_by_text(finished(3)).count() == 0
        train(student)  # the same settings: the teacher's run, copied into the student's own workspace
        assert student.get_by_text(t("workspace.reused_caption", "en")).count() == 1
        assert ws_of(student) == mine and len(lab.runs(mine)) == 1 and len(lab.runs(ws)) == 1
    finally:
        student_ctx.close()


def test_a_lab_training_goes_on_when_the_learner_leaves_the_page(lab, context):
    """The Denoising lab's pair trains on the server: leave for another page mid-run, come back, and the page
    follows it to the end and shows the pair (before, leaving stopped the script that trained it); a reload in
    another language shows it again, kept in the workspace."""
    page = context.new_page()
    page.goto(f"{lab.url}/Denoising?" + urlencode({"dn_dataset": "digits", "dn_epochs": 120, "dn_latent": 8}))
    wait_idle(page)
    no_exception(page)
    ws = ws_of(page)
    page.get_by_role("button", name=t("denoising.train", "en")).click()
    what = t("denoising.progress_dae", "en")
    page.get_by_text(re.compile(rf"^{what}: epoch ([3-9]|\d\d) of 120")).wait_for(timeout=60_000)
    go(page, "Latent space")
    assert ws_of(page) == ws
    page.wait_for_timeout(2000)
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Denoising", exact=True).click()
    resumed, shown = page.get_by_text(t("lab.resumed", "en")), page.get_by_text(t("denoising.rows_heading", "en"))
    resumed.or_(shown).first.wait_for(timeout=30_000)  # following the pair again, or it finished meanwhile
    print("back on the page:", "following" if resumed.count() else "finished")
    shown.wait_for(timeout=180_000)
    wait_idle(page)
    no_exception(page)
    assert page.get_by_text(t("denoising.empty", "en").replace("**", "")).count() == 0  # the empty page's note
    page.goto(f"{lab.url}/Denoising?" + urlencode({"ws": ws, "lang": "zh"}))  # a reload, now in Chinese
    page.get_by_text(t("denoising.rows_heading", "zh")).wait_for(timeout=60_000)  # kept in the workspace
    assert page.get_by_text(t("lab.restored", "zh")).count() == 1
    no_exception(page)


def test_the_anomaly_labs_stop_ends_its_server_side_training_and_keeps_the_detector(lab, context):
    page = context.new_page()
    page.goto(f"{lab.url}/Anomaly?" + urlencode({"an_dataset": "digits", "an_epochs": 200, "an_latent": 4}))
    wait_idle(page)
    no_exception(page)
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("button", name=t("anomaly.train", "en"), exact=True).click()
    page.get_by_text(re.compile(r"^Epoch ([2-9]|\d\d) of 200 · training loss")).wait_for(timeout=60_000)
    main.get_by_role("button", name=t("anomaly.stop", "en"), exact=True).click()
    said = page.get_by_text(re.compile(r"^Training was interrupted after (\d+) of 200 epochs"))
    said.wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)
    done = int(re.search(r"after (\d+) of", said.inner_text()).group(1))
    assert 2 <= done < 200
    page.locator(CHART).first.wait_for(timeout=30_000)  # the kept detector is scored: its error histogram
