"""The browser side of the replica load test (tests/load/replicas.py): each learner's Chromium context, through nginx,
joins the class, opens the Train page, trains, finds its run after a reload; the first to finish uploads a CSV; the
killer kills the replica that served most finished learners once enough have finished, and the learners it served
reload onto another replica (finding their finished runs, or their interrupted run, which they train again)."""
from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from aelib.i18n import t
from aelib.store import LEASE_SECONDS
from tests.load.loadtest import IDLE
from tests.stack import Stack

STEP_S = 300  # the longest any one step (a page, a training) may take, within what is left of --timeout
JOIN = t("classroom.join_button", "en")
JOINED = t("classroom.student_as", "en").split("{")[0]  # "You joined class "
INTERRUPTED = re.compile("^" + re.escape(t("workspace.interrupted", "en").split("{")[0]))
READY = re.compile("^Ready:")  # your_data.ready: the uploaded table was read and checked
TABLE = ("a,b,c,label\n" + "".join(f"{i % 7},{i * 0.5},{(i * 3) % 11},{'xy'[i % 2]}\n" for i in range(60))).encode()


@dataclass
class Learner:
    index: int
    latent: int
    ctx: object = None
    page: object = None
    ws: str | None = None
    answered: list = field(default_factory=list)  # (monotonic time, X-Upstream) of the session's own requests
    replica: int | None = None  # the replica that served the session before the kill
    seconds: float | None = None  # click -> "Finished" (for a learner moved by the kill: to its second "Finished")
    finished_at: float | None = None
    restored: bool = False  # "Finished" again after a reload
    exceptions: int = 0
    in_flight: bool = False  # its replica was killed while it trained
    interrupted: bool = False  # ... and it found the run interrupted after reloading
    moved_to: int | None = None  # the replica that served its reload after the kill
    error: str | None = None

    @property
    def name(self) -> str:
        return f"Student {self.index + 1:02d}"


@dataclass
class Class:
    stack: Stack
    code: str
    epochs: int
    kill_after: int
    deadline: float  # time.monotonic() by which everything has ended
    learners: list[Learner] = field(default_factory=list)
    done: int = 0  # learners that finished and found their run after a reload
    ended: int = 0  # learners whose lesson ended, well or not
    checking: int = 0  # learners between "Finished" and the end of their checks: no kill meanwhile
    killed: asyncio.Event = field(default_factory=asyncio.Event)
    victim: int | None = None
    killed_at: float | None = None
    killed_after: int | None = None
    upload: dict | None = None

    def ms(self, step_s: float = STEP_S) -> float:
        """A step's timeout in ms: step_s, or what is left before the deadline if less (at least 1 s)."""
        return max(1.0, min(step_s, self.deadline - time.monotonic())) * 1000


def why(err: BaseException) -> str:
    """An error in one line: its type and the first line of its message."""
    return f"{type(err).__name__}: {(str(err).splitlines() or [''])[0]}"


def _note(learner: Learner, response) -> None:
    if response.request.resource_type in ("document", "fetch", "xhr") and response.headers.get("x-upstream"):
        learner.answered.append((time.monotonic(), response.headers["x-upstream"]))


def _train_button(page):
    return page.locator(".st-key-train").get_by_role("button", name="Train")


async def _finished(cls: Class, page, step_s: float = STEP_S) -> None:
    await page.get_by_text(re.compile(rf"Finished {cls.epochs} epochs")).first.wait_for(timeout=cls.ms(step_s))


async def _count_exceptions(cls: Class, learner: Learner) -> None:
    """Once the page is idle: add the exceptions it shows to the learner's count."""
    await learner.page.wait_for_selector(IDLE, timeout=cls.ms())
    learner.exceptions += await learner.page.locator("[data-testid='stException']").count()


async def join_class(page, base_url: str, code: str, name: str, ms: Callable[[], float]) -> str:
    """A student joins on the Classroom page (?join=CODE fills the code in): types the display name, presses Join
    and waits until the page says so and the address carries the workspace, which is returned. base_url ends with
    "/"; ms() gives each step's timeout in ms."""
    await page.goto(f"{base_url}Classroom?join={code}", timeout=ms())
    box = page.locator(".st-key-class_join_name input")
    await box.fill(name, timeout=ms())
    await box.press("Enter")
    await page.wait_for_timeout(300)
    await page.wait_for_selector(IDLE, timeout=ms())
    await page.locator(".st-key-class_join").get_by_role("button", name=JOIN).click(timeout=ms())
    await page.get_by_text(JOINED).first.wait_for(timeout=ms())
    await page.wait_for_url(re.compile(r"[?&]ws="), timeout=ms())
    return parse_qs(urlsplit(page.url).query)["ws"][0]


async def open_train(page, base_url: str, ws: str, epochs: int, latent: int, ms: Callable[[], float]) -> None:
    """The workspace's Train page with these settings in its address, idle, its Train button enabled."""
    await page.goto(f"{base_url}Train?{urlencode({'ws': ws, 'epochs': epochs, 'latent_dim': latent})}", timeout=ms())
    await page.wait_for_selector(IDLE, timeout=ms())
    await _train_button(page).wait_for(timeout=ms())
    if not await _train_button(page).is_enabled():
        raise RuntimeError("the Train button is disabled")


async def enrol(browser, cls: Class, learner: Learner) -> None:
    """Join the class through nginx, then open the Train page with the learner's settings, idle and ready."""
    learner.ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = learner.page = await learner.ctx.new_page()
    page.on("response", lambda r: _note(learner, r))
    learner.ws = await join_class(page, cls.stack.url, cls.code, learner.name, cls.ms)
    await open_train(page, cls.stack.url, learner.ws, cls.epochs, learner.latent, cls.ms)
    learner.replica = cls.stack.serving(learner.answered[-1][1]).index


async def lesson(cls: Class, learner: Learner) -> None:
    """Press Train, wait for "Finished", reload and find it again; a learner whose replica is killed meanwhile
    recovers on another; one finished before the kill on the killed replica reloads after it and must find its run."""
    try:
        page, t0 = learner.page, time.monotonic()
        await _train_button(page).click(timeout=cls.ms())
        finished, killed = asyncio.ensure_future(_finished(cls, page)), asyncio.ensure_future(cls.killed.wait())
        await asyncio.wait({finished, killed}, return_when=asyncio.FIRST_COMPLETED)
        killed.cancel()
        if not finished.done() and cls.victim == learner.replica:
            finished.cancel()
            await recover(cls, learner, t0)
        else:
            await finished
            learner.seconds, learner.finished_at = round(time.monotonic() - t0, 1), time.monotonic()
            await check(cls, learner)
    except Exception as err:  # a timeout or a missing element: this learner failed; the others go on
        learner.error = why(err)
    finally:
        cls.ended += 1
    try:
        await asyncio.wait_for(cls.killed.wait(), max(1.0, cls.ms() / 1000))
        if cls.victim == learner.replica and learner.finished_at and learner.finished_at < cls.killed_at:
            await move(cls, learner)
    except Exception as err:
        learner.error = learner.error or f"after the kill: {why(err)}"


async def check(cls: Class, learner: Learner) -> None:
    """No exception on the page, "Finished" again after a reload; the first learner here also uploads."""
    cls.checking += 1
    try:
        page = learner.page
        await _count_exceptions(cls, learner)
        await page.reload(timeout=cls.ms())
        await _finished(cls, page)
        await _count_exceptions(cls, learner)
        learner.restored = True
        if cls.upload is None:
            cls.upload = {"ok": False, "session": learner.index}
            cls.upload = await upload(cls, learner)
    finally:
        cls.checking -= 1
    cls.done += 1


async def upload(cls: Class, learner: Learner) -> dict:
    """A CSV on the Your data page, in a second tab of the learner's browser (same affinity cookie, same workspace):
    the upload request must reach the learner's replica and the page must read the table."""
    page = await learner.ctx.new_page()
    try:
        await page.goto(f"{cls.stack.url}Your_data?ws={learner.ws}", timeout=cls.ms())
        await page.get_by_role("heading", name=t("your_data.title", "en")).wait_for(timeout=cls.ms())
        await page.wait_for_selector(IDLE, timeout=cls.ms())
        async with page.expect_response(lambda r: "/_stcore/upload_file/" in r.url and r.request.method == "PUT",
                                        timeout=cls.ms()) as answer:
            await page.locator(".st-key-upload_csv input[type='file']").set_input_files(
                files={"name": "points.csv", "mimeType": "text/csv", "buffer": TABLE})
        response = await answer.value
        await page.get_by_text(READY).first.wait_for(timeout=cls.ms())
        replica = cls.stack.serving(response.headers.get("x-upstream", "")).index
        return {"ok": response.ok and replica == learner.replica, "session": learner.index, "status": response.status,
                "replica": replica}
    except Exception as err:
        return {"ok": False, "session": learner.index, "error": why(err)}
    finally:
        await page.close()


async def recover(cls: Class, learner: Learner, t0: float) -> None:
    """The learner's replica died while it trained: reload through nginx; the run must show as interrupted (once
    its lease ran out) or finished; if interrupted, train again on the replica that now serves the learner."""
    learner.in_flight, page, mark = True, learner.page, time.monotonic()
    await page.reload(timeout=cls.ms())
    finished = page.get_by_text(re.compile(rf"Finished {cls.epochs} epochs"))
    try:
        await page.get_by_text(INTERRUPTED).or_(finished).first.wait_for(timeout=cls.ms(LEASE_SECONDS + 30))
    except Exception:
        raise RuntimeError(f"its run still shows as training {time.monotonic() - mark:.0f} s after its replica was "
                           f"killed: never marked interrupted (lease {LEASE_SECONDS:.0f} s)") from None
    learner.moved_to = cls.stack.serving(learner.answered[-1][1]).index
    if await page.get_by_text(INTERRUPTED).count():
        learner.interrupted = True
        await page.wait_for_selector(IDLE, timeout=cls.ms())
        await _train_button(page).click(timeout=cls.ms())
        await _finished(cls, page)
    learner.seconds, learner.finished_at = round(time.monotonic() - t0, 1), time.monotonic()
    await _count_exceptions(cls, learner)
    learner.restored = True


async def move(cls: Class, learner: Learner) -> None:
    """After the kill: reload through nginx, which must send the learner elsewhere, where "Finished" shows again."""
    mark = time.monotonic()
    await learner.page.reload(timeout=cls.ms())
    await _finished(cls, learner.page)
    await _count_exceptions(cls, learner)
    served = {cls.stack.serving(x).index for when, x in learner.answered if when >= mark}
    learner.moved_to = served.pop() if len(served) == 1 else None


async def killer(cls: Class) -> None:
    """Once kill_after learners finished (and none is between "Finished" and its checks), kill the replica that
    served most of them; kill anyway when every lesson has ended."""
    while not (cls.done >= cls.kill_after and cls.checking == 0) and cls.ended < len(cls.learners):
        if time.monotonic() > cls.deadline:
            return
        await asyncio.sleep(0.2)
    served = Counter(learner.replica for learner in cls.learners if learner.restored)
    victim = max(sorted(served), key=lambda i: served[i]) if served else 0
    cls.stack.kill(victim)  # blocking and quick (SIGKILL): no lesson runs meanwhile
    cls.victim, cls.killed_at, cls.killed_after = victim, time.monotonic(), cls.done
    cls.killed.set()


def record(cls: Class, learner: Learner, stored: bool) -> dict:
    """A learner's outcome as plain data (summary()'s input)."""
    before = [x for when, x in learner.answered if cls.killed_at is None or when < cls.killed_at]
    return {"session": learner.index, "latent": learner.latent, "replica": learner.replica,
            "seconds": learner.seconds, "restored": learner.restored, "exceptions": learner.exceptions,
            "stored": stored, "sticky": len({cls.stack.serving(x).index for x in before}) == 1,
            "finished_before_kill": bool(learner.finished_at and cls.killed_at and learner.finished_at < cls.killed_at),
            "in_flight": learner.in_flight, "interrupted": learner.interrupted, "moved_to": learner.moved_to,
            **({"error": learner.error} if learner.error else {})}
