"""A classroom on one server: one `streamlit run`, one learner alone, then N browser sessions pressing Train on the
default model (mnist5k) at once. Checks every session finishes without an exception and sees only its own model
(each picks its own latent size), samples the server's memory, and reports the times against the lone learner.

    python -m tests.load --sessions 10 [--epochs 3] [--write BENCHMARKS.md]

Loopback only, bounded in time (--timeout per session); exits non-zero if a session fails."""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from pathlib import Path

from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_process

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
COMMAND = "python -m tests.load --sessions {sessions} --epochs {epochs}"


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB, from /proc (Linux); None where that is not available."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
        line = next(t for t in status.splitlines() if t.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1]) / 1024


async def watch_memory(pid: int, samples: list[float], every_s: float = 0.5) -> None:
    while True:
        value = rss_mib(pid)
        if value is not None:
            samples.append(value)
        await asyncio.sleep(every_s)


async def _idle(page, timeout_s: float) -> None:
    await page.wait_for_selector(IDLE, timeout=timeout_s * 1000)


async def learner(browser, url: str, latent: int, epochs: int, timeout_s: float) -> dict:
    """One student: open Train, set epochs and latent size, press Train, wait for the finished message, then check
    the home page names this session's own model. Returns the seconds from the click to "Finished"."""
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await ctx.new_page()
    try:
        await page.goto(f"{url}/Train")
        await _idle(page, timeout_s)
        await page.get_by_text("Training settings").click()  # the expander that holds Epochs
        for label, value in (("Epochs", epochs), ("Latent size", latent)):
            box = page.get_by_label(label, exact=True)
            await box.fill(str(value))
            await box.press("Enter")
            await page.wait_for_timeout(300)
            await _idle(page, timeout_s)
        t0 = time.perf_counter()
        await page.locator(".st-key-train").get_by_role("button", name="Train").click()
        await page.get_by_text(re.compile(rf"Finished {epochs} epochs")).wait_for(timeout=timeout_s * 1000)
        seconds = time.perf_counter() - t0
        await _idle(page, timeout_s)
        exceptions = await page.locator("[data-testid='stException']").count()
        await page.locator("[data-testid='stSidebar']").get_by_role("link", name="Home", exact=True).click()
        await page.wait_for_timeout(300)
        await _idle(page, timeout_s)
        said = await page.locator("p", has_text="Your current model:").first.inner_text(timeout=timeout_s * 1000)
        own = f"latent size {latent}, on mnist5k" in said
        return {"latent": latent, "seconds": round(seconds, 1), "exceptions": exceptions, "own_model": own,
                **({} if own else {"home_page_says": said})}
    except Exception as err:  # a timeout or a missing element: this session failed; the others go on
        return {"latent": latent, "seconds": None, "error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}
    finally:
        await ctx.close()


async def classroom(sessions: int, epochs: int, timeout_s: float) -> dict:
    from playwright.async_api import async_playwright

    with streamlit_process() as (url, proc):
        memory: list[float] = []
        watcher = asyncio.create_task(watch_memory(proc.pid, memory))
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            alone = await learner(browser, url, 2, epochs, timeout_s)
            after_one = rss_mib(proc.pid)
            t0 = time.perf_counter()
            # latent sizes 2, 3, 4, ...: each learner can tell its own model from another's
            runs = await asyncio.gather(*(learner(browser, url, 2 + i, epochs, timeout_s) for i in range(sessions)))
            total = time.perf_counter() - t0
            await browser.close()
        watcher.cancel()
        after_all = rss_mib(proc.pid)
    return summary(alone, runs, total, memory, after_one, after_all, epochs)


def summary(alone: dict, runs: list[dict], total: float, memory: list[float], after_one: float | None,
            after_all: float | None, epochs: int) -> dict:
    """The figures BENCHMARKS.md records, and ok = every session finished, clean, with its own model."""
    times = [r["seconds"] for r in runs if r.get("seconds") is not None]
    ok = (alone.get("seconds") is not None and len(times) == len(runs)
          and all(r["exceptions"] == 0 and r["own_model"] for r in runs))
    slowest = max(times) if times else None
    return {
        "sessions": len(runs), "epochs": epochs, "ok": ok,
        "alone_seconds": alone.get("seconds"), "total_seconds": round(total, 1),
        "slowest_seconds": slowest, "median_seconds": round(statistics.median(times), 1) if times else None,
        "slowest_vs_alone": round(slowest / alone["seconds"], 2) if slowest and alone.get("seconds") else None,
        "failed": [r for r in [{**alone, "alone": True}, *runs]
                   if r.get("seconds") is None or r.get("exceptions") or not r.get("own_model")],
        "server_rss_mib": {"after_one_learner": _mib(after_one), "peak": _mib(max(memory, default=None)),
                           "after_all": _mib(after_all)},
    }


def _mib(v: float | None) -> float | None:
    return None if v is None else round(v)


def main(argv: list[str] | None = None) -> int:
    a = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.splitlines()[0])
    a.add_argument("--sessions", type=int, default=10)
    a.add_argument("--epochs", type=int, default=3, help="epochs each learner trains the default model")
    a.add_argument("--timeout", type=float, default=600, help="seconds each session may wait at any step")
    a.add_argument("--write", metavar="MARKDOWN", help="record the figures in this file (e.g. BENCHMARKS.md)")
    args = a.parse_args(argv)
    if args.sessions < 1 or args.epochs < 1:
        a.error("--sessions and --epochs must be at least 1")
    result = asyncio.run(classroom(args.sessions, args.epochs, args.timeout))
    print(json.dumps(result, indent=2))
    if args.write:
        from aelib.bench import write_section
        write_section(args.write, "load", COMMAND.format(sessions=args.sessions, epochs=args.epochs), result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
