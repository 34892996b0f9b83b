"""What one learner's Train page costs the browser: on a fresh server, one Chromium page presses Train (the default
model on mnist5k, a new seed each time so that every press trains) and waits until the page is idle again; the
browser's main-thread time for that (Chrome DevTools' Performance metrics: tasks, of them scripts, layout and style)
and the CPU time of every browser process. From the median, the least time a class of N learners whose browsers
share this machine's cores needs for the browsers alone: N × CPU-seconds / cores, before any training.

    python -m tests.load --page-cost [--repeats 3] [--epochs 3] [--sessions 30] [--write BENCHMARKS.md]"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

from tests.load.loadtest import _idle, finished, open_train, served, tree_cpu_seconds

METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
COMMAND = "python -m tests.load --page-cost --repeats {repeats} --epochs {epochs} --sessions {sessions}"


async def one_press(browser, url: str, epochs: int, seed: int, server_pid: int, timeout_s: float) -> dict:
    ctx, page = await open_train(browser, url, 2, epochs, timeout_s, seed=seed)
    try:
        cdp = await ctx.new_cdp_session(page)
        await cdp.send("Performance.enable")

        async def metrics() -> dict[str, float]:
            got = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
            return {k: got.get(k, 0.0) for k in METRICS}

        await asyncio.sleep(1)  # the loaded page settles
        before, cpu0, t0 = await metrics(), tree_cpu_seconds(os.getpid(), server_pid), time.perf_counter()
        await page.locator(".st-key-train").get_by_role("button", name="Train").click()
        await finished(page, epochs, timeout_s)
        seconds = time.perf_counter() - t0
        await _idle(page, timeout_s)
        await asyncio.sleep(2)  # the last charts draw after the script is done
        after, cpu1 = await metrics(), tree_cpu_seconds(os.getpid(), server_pid)
        return {"seconds_to_finished": round(seconds, 2),
                **{k: round(after[k] - before[k], 3) for k in METRICS},
                "browser_cpu_seconds": None if None in (cpu0, cpu1) else round(cpu1 - cpu0, 2)}
    finally:
        await ctx.close()


async def measure(repeats: int, epochs: int, timeout_s: float = 300) -> list[dict]:
    from playwright.async_api import async_playwright

    from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS

    with served() as (url, proc, _):
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            presses = [await one_press(browser, url, epochs, 100 + i, proc.pid, timeout_s) for i in range(repeats)]
            await browser.close()
    return presses


def summary(presses: list[dict], sessions: int, cores: int) -> dict:
    median = {k: round(statistics.median(p[k] for p in presses), 3) for k in (*METRICS, "browser_cpu_seconds",
                                                                              "seconds_to_finished")}
    return {"presses": presses, "median": median, "sessions": sessions, "cores": cores,
            "browsers_alone_need_seconds": round(sessions * median["browser_cpu_seconds"] / cores, 1)}


def main(argv: list[str] | None = None) -> int:
    a = argparse.ArgumentParser(prog="python -m tests.load --page-cost", description=__doc__.splitlines()[0])
    a.add_argument("--page-cost", action="store_true")
    a.add_argument("--repeats", type=int, default=3)
    a.add_argument("--epochs", type=int, default=3)
    a.add_argument("--sessions", type=int, default=30, help="the class size the bound is worked out for")
    a.add_argument("--write", metavar="MARKDOWN", help="record the figures in this file (e.g. BENCHMARKS.md)")
    args = a.parse_args(argv)
    if args.repeats < 1 or args.epochs < 1 or args.sessions < 1:
        a.error("--repeats, --epochs and --sessions must be at least 1")
    result = summary(asyncio.run(measure(args.repeats, args.epochs)), args.sessions, os.cpu_count() or 1)
    if args.write:
        from aelib.bench import write_section
        write_section(args.write, "page-cost", COMMAND.format(**vars(args)), result)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
