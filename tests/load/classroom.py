"""A class on one server with its board on the projector: one `streamlit run` on a data folder of its own; a class
with an exercise (mnist5k, a dense AE, latent size 2 to 1 + --configs, 1 to 3 epochs) made through the library; the
teacher's projector view (?present=1, redrawn by itself every few seconds) opened in a browser; then N Chromium
sessions join the class on the Classroom page (the join link and a display name), open the Train page with one of
the allowed latent sizes, and, once every page is loaded, all press Train. Each is timed from its click to
"Finished" and must see its run posted to the class. Checks: every session finished cleanly and posted; exactly
--configs trainings ran (the others followed one); the board shows every student's row and name; and, once all N
entries are in, the board's refresh (its fragment rerun, from the browser's request to the last change of the page)
takes at most --target seconds (median over at least --samples refreshes). The projector's page records its websocket
frames and DOM changes itself (a script added before Streamlit's), so the times are the browser's own. The last
line of the output is the figures as JSON.

    python -m tests.load --classroom --sessions 30 [--epochs 2] [--configs 3] [--write BENCHMARKS.md]

Loopback only, bounded in time (--timeout for the whole run); exits non-zero if a check fails."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from aelib.classroom import Classroom, Preset
from aelib.i18n import t
from aelib.store import open_store
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS
from tests.load.loadtest import IDLE, served, watch_memory
from tests.load.projector import VIEWPORT, board_figures, projector, watch
from tests.load.replica_class import join_class, open_train, why

COMMAND = "python -m tests.load --classroom --sessions {sessions} --configs {configs} --epochs {epochs}"
POSTED = re.compile("^" + re.escape(t("classroom.posted", "en").split("{")[0]))  # "Posted to class "
GOAL = "knn_accuracy"  # what the board ranks by


@dataclass
class Student:
    index: int
    latent: int
    ctx: object = None
    page: object = None
    seconds: float | None = None  # click -> "Finished"
    posted: bool = False  # the page said the run was posted to the class
    exceptions: int = 0
    error: str | None = None

    @property
    def name(self) -> str:
        return f"Student {self.index + 1:02d}"

    def record(self) -> dict:
        return {"student": self.name, "latent": self.latent, "seconds": self.seconds, "posted": self.posted,
                "exceptions": self.exceptions, **({"error": self.error} if self.error else {})}


def exercise(configs: int, epochs: int) -> Preset:
    """What the class may train: mnist5k, a dense AE, latent sizes 2 .. 1 + configs, 1 to 3 epochs (or to epochs)."""
    return Preset("mnist5k", ("ae",), (("latent_dim", 2, 1 + configs), ("epochs", 1, max(3, epochs))))


def open_class(store_url: str, configs: int, epochs: int) -> tuple[str, str]:
    """A new class with the exercise active, in the server's store: (code, teacher key)."""
    store = open_store(store_url)
    try:
        room = Classroom(store.db)
        code, key = room.create_class("Load test")
        room.add_exercise(code, key, "A small code", exercise(configs, epochs), GOAL)
        return code, key
    finally:
        store.close()


async def enrol(browser, url: str, code: str, s: Student, epochs: int, ms: float) -> None:
    """The student joins the class on the Classroom page and opens the Train page with their latent size."""
    s.ctx = await browser.new_context(viewport=VIEWPORT)
    s.page = await s.ctx.new_page()
    ws = await join_class(s.page, url + "/", code, s.name, lambda: ms)
    await open_train(s.page, url + "/", ws, epochs, s.latent, lambda: ms)


async def lesson(s: Student, epochs: int, ms: float) -> None:
    """Press Train, wait for "Finished" and for the page to say the run was posted to the class; close the context
    (in a real class the students' browsers run on their own computers)."""
    try:
        page, t0 = s.page, time.perf_counter()
        await page.locator(".st-key-train").get_by_role("button", name="Train").click(timeout=ms)
        await page.get_by_text(re.compile(rf"Finished {epochs} epochs")).first.wait_for(timeout=ms)
        s.seconds = round(time.perf_counter() - t0, 1)
        try:
            await page.get_by_text(POSTED).first.wait_for(timeout=min(ms, 60_000))
            s.posted = True
        except Exception:
            said = await page.locator("[data-testid='stAlert']").all_inner_texts()
            s.error = f"not posted; the page says: {' | '.join(said)[:300]}"
        await page.wait_for_selector(IDLE, timeout=ms)
        s.exceptions = await page.locator("[data-testid='stException']").count()
    except Exception as err:  # a timeout or a missing element: this student failed; the others go on
        s.error = why(err)
    finally:
        await s.ctx.close()


def stored_entries(store_url: str, code: str, key: str) -> tuple[list[dict], int]:
    """The class's entries (Classroom.results) and the store's count of trainings."""
    store = open_store(store_url)
    try:
        return Classroom(store.db).results(code, key)["entries"], store.count_trainings()
    finally:
        store.close()


def _spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2) if values else None, "max": max(values, default=None),
            "runs": len(values)}


def summary(students: list[dict], board: dict, trainings: int | None, configs: int, target: float) -> dict:
    """The figures BENCHMARKS.md records, and the checks: every student finished cleanly and saw the run posted;
    as many trainings ran as there were configurations; the board shows a row and the name of every student (and the
    store holds one entry each); the board's refresh with every entry in takes at most target seconds (median)."""
    n, times = len(students), [s["seconds"] for s in students if s["seconds"] is not None]
    refresh = _spread(board["refresh"])
    checks = {"all_finished": len(times) == n and all(s["posted"] and not s["exceptions"] and not s.get("error")
                                                       for s in students),
              "trainings": trainings == configs,
              "every_entry_on_board": board["rows"] == board["names"] == board["entries_stored"] == n
              and not board["exceptions"] and not board.get("error"),
              "board_refresh": refresh["median"] is not None and refresh["median"] <= target}
    return {"ok": all(checks.values()), "sessions": n, "configs": configs, "finished": len(times), "checks": checks,
            "trainings": trainings, "entries_stored": board["entries_stored"], "entries_on_board": board["rows"],
            "names_on_board": board["names"], "latent_panels_on_board": board.get("panels"),
            "board_refresh_seconds": refresh, "target_seconds": target,
            "board_script_seconds": _spread(board["script"]),
            "board_refresh_during_class_seconds": _spread(board["during_class"]),
            "last_entry_to_board_seconds": board["last_entry_to_board"],
            "slowest_seconds": max(times, default=None),
            "median_seconds": round(statistics.median(times), 1) if times else None,
            "failed": [s for s in students if s["seconds"] is None or not s["posted"] or s["exceptions"]
                       or s.get("error")],
            **({"board_error": board["error"]} if board.get("error") else {})}


async def lesson_day(url: str, proc, store_url: str, args: argparse.Namespace, deadline: float) -> dict:
    """The projector first, then every student enrolled (pages loaded) before the clock; all press Train; then the
    board is watched until it shows every entry and has refreshed args.samples times with all of them."""
    from playwright.async_api import async_playwright

    def ms(step_s: float = 300) -> float:
        return max(1.0, min(step_s, deadline - time.monotonic())) * 1000

    code, key = open_class(store_url, args.configs, args.epochs)
    students = [Student(i, 2 + i % args.configs) for i in range(args.sessions)]
    memory: list[float] = []
    watcher = asyncio.create_task(watch_memory(proc.pid, memory))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _, board_page = await projector(browser, url, code, key, ms())
        t_open = time.monotonic()
        opened = await asyncio.gather(*(enrol(browser, url, code, s, args.epochs, ms()) for s in students),
                                      return_exceptions=True)
        loading = time.monotonic() - t_open
        for s, failed in zip(students, opened):
            if isinstance(failed, BaseException):
                s.error = f"enrolling: {why(failed)}"
                if s.ctx is not None:
                    await s.ctx.close()
        t0 = time.monotonic()  # every page is loaded: the clock starts, all press Train at once
        await asyncio.gather(*(lesson(s, args.epochs, ms()) for s in students if s.error is None))
        total, class_ended = time.monotonic() - t0, time.time()
        entries, trainings = stored_entries(store_url, code, key)
        rec = await watch(board_page, len(students), args.samples, ms(120 + 10 * args.samples))
        await browser.close()
    if args.record:  # the projector's raw record and the entries, for a second look at the figures
        Path(args.record).write_text(json.dumps({"record": rec, "entries": entries, "class_ended": class_ended}),
                                     encoding="utf-8")
    watcher.cancel()
    board = board_figures(rec, [s.name for s in students], entries, class_ended)
    result = summary([s.record() for s in students], board, trainings, args.configs, args.target)
    result |= {"epochs": args.epochs, "total_seconds": round(total, 1), "pages_loading_seconds": round(loading, 1),
               "server_peak_rss_mib": round(max(memory)) if memory else None}
    return result


def verdict(r: dict) -> str:
    """One line a reader can act on: PASS or FAIL, and each check's figures."""
    b = r["board_refresh_seconds"]
    text = (f"{r['finished']}/{r['sessions']} students finished (slowest {r['slowest_seconds']} s), {r['trainings']} "
            f"trainings (expected {r['configs']}); board: {r['entries_on_board']} rows, {r['names_on_board']} names, "
            f"{r['entries_stored']} entries stored; refresh with all entries median {b['median']} s, max {b['max']} s "
            f"over {b['runs']} (target <= {r['target_seconds']} s)")
    failed = [k for k, v in r["checks"].items() if not v]
    return ("PASS: " if r["ok"] else f"FAIL ({', '.join(failed)}): ") + text


def write(path: str, args: argparse.Namespace, result: dict) -> None:
    """The figures as a section of a markdown file (under a heading of its own the first time), without the failed
    students when there are none."""
    from aelib.bench import write_section

    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    if "<!-- bench:load-classroom -->" not in text:
        Path(path).write_text(text.rstrip() + "\n\n## A class and its board on the projector\n", encoding="utf-8")
    command = COMMAND.format(sessions=args.sessions, configs=args.configs, epochs=args.epochs)
    write_section(path, "load-classroom", command, {k: v for k, v in result.items() if v != []})


def parse(argv: list[str]) -> argparse.Namespace:
    a = argparse.ArgumentParser(prog="python -m tests.load --classroom", description=__doc__.splitlines()[0])
    a.add_argument("--classroom", action="store_true", help="this run (the dispatch in tests/load/__main__.py)")
    a.add_argument("--sessions", type=int, default=30, help="students")
    a.add_argument("--configs", type=int, default=3, help="latent sizes the students share (2, 3, ...)")
    a.add_argument("--epochs", type=int, default=2, help="epochs each student trains (the exercise allows 1 to 3)")
    a.add_argument("--samples", type=int, default=6, help="board refreshes to time once every entry is in")
    a.add_argument("--target", type=float, default=2.0, help="seconds the board's refresh may take (median)")
    a.add_argument("--timeout", type=float, default=720, help="seconds for the whole run, start-up included")
    a.add_argument("--write", metavar="MARKDOWN", help="record the figures in this file (e.g. BENCHMARKS.md)")
    a.add_argument("--record", metavar="JSON", help="keep what the projector recorded (frames, DOM changes) here")
    args = a.parse_args(argv)
    if args.sessions < 1 or args.epochs < 1 or args.samples < 1:
        a.error("--sessions, --epochs and --samples must be at least 1")
    if not 1 <= args.configs <= args.sessions:
        a.error("--configs must be between 1 and --sessions")
    if args.timeout <= 0 or args.target <= 0:
        a.error("--timeout and --target must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    deadline = time.monotonic() + args.timeout
    load_before = os.getloadavg()[0]  # other work on the machine skews every time here: recorded with them
    with served() as (url, proc, store_url):
        result = asyncio.run(asyncio.wait_for(lesson_day(url, proc, store_url, args, deadline),
                                              max(1.0, deadline - time.monotonic() + 60)))
    result["load_average_1min"] = {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)}
    print(verdict(result))
    if args.write:
        write(args.write, args, result)
    print(json.dumps(result))  # the last line: the figures, for scripts
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
