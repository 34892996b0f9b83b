"""A classroom on one server: one `streamlit run` on a data folder of its own, one learner alone, then N browser
sessions pressing Train on the default model (mnist5k) at once, with only --configs distinct configurations among them
(latent sizes 2, 3, ...; by default one per session). Every page is loaded before the clock starts, and each session
is timed from its click to the finished message. Checks: every session finishes without an exception and its home page
names its own latent size; exactly --configs trainings ran (counted in the server's store: the other sessions followed
or reused one); with shared configurations, the slowest session within --max-ratio times the lone learner. Samples the
server's memory; the last line of the output is the figures as JSON.

    python -m tests.load --sessions 30 --configs 3 [--epochs 3] [--write BENCHMARKS.md]
    python -m tests.load --sessions 10 [--epochs 3]           # ten distinct configurations

Loopback only, bounded in time (--timeout per session and step); exits non-zero if a check fails."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from aelib.i18n import t
from aelib.store import database_url, open_store
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, streamlit_process

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
COMMAND = "python -m tests.load --sessions {sessions}{configs} --epochs {epochs}"
BROWSERS = {"chromium", "chrome", "headless_shell"}  # process names (/proc/PID/comm) --browser-nice lowers
SERVER_LOG = Path(tempfile.gettempdir()) / "aelab-load-server.log"  # kept after the run: what the server logged
ALONE_SEED = 1  # the lone learner's seed: no class configuration (seed 0) can reuse its run
REUSED = t("workspace.reused_caption", "en")  # under a run this session got from a training it shared


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


@contextmanager
def served(timeout_s: float = 90):
    """A fresh, healthy `streamlit run` on an empty data folder of its own (so no earlier run is reused): yields
    (base URL, Popen, its store's URL); stops it and removes the folder afterwards."""
    home = tempfile.mkdtemp(prefix="aelab-load-")
    env = {k: v for k, v in os.environ.items() if k != "AELAB_DATABASE_URL"} | {"AELAB_HOME": home}
    SERVER_LOG.write_text("", encoding="utf-8")
    try:
        with streamlit_process(timeout_s, env, SERVER_LOG) as (url, proc):
            yield url, proc, database_url(env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def tracebacks(log: Path, most: int = 5) -> dict[str, int]:
    """The exceptions a replica logged: '<last frame> -> <exception line>' and how often (the first `most` kinds)."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    found = Counter()
    for block in text.split("Traceback (most recent call last):")[1:]:
        lines = block.splitlines()
        end = next((i for i, line in enumerate(lines) if i and line and not line.startswith(" ")), len(lines) - 1)
        frames = [line.strip() for line in lines[:end] if line.strip().startswith("File ")]
        found[f"{frames[-1] if frames else '?'} -> {lines[end].strip() if lines else '?'}"] += 1
    return dict(found.most_common(most))


def trained_runs(store_url: str) -> tuple[int, list]:
    """(store.count_trainings(), the stored runs that trained themselves: not followed or reused)."""
    store = open_store(store_url)
    try:
        return store.count_trainings(), [r for r in store.all_runs() if not r.summary.get("reused")]
    finally:
        store.close()


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) a process has used, from /proc (Linux); None where unavailable."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # 14, 15


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu_seconds(root: int, skip: int) -> float | None:
    """CPU time used by root's descendants except skip's subtree (here: the Playwright driver and every Chromium
    process it started, not the server), the reaped ones included (their parents' cutime and cstime); Linux only."""
    stats = {int(p): _stat(int(p)) for p in os.listdir("/proc") if p.isdigit()} if Path("/proc").is_dir() else {}
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)  # field 4: the parent's id
    total, todo = 0.0, [c for c in children.get(root, []) if c != skip]
    while todo:
        pid = todo.pop()
        fields = stats[pid]
        total += sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime
        todo += children.get(pid, [])
    return total if stats else None


def renice_tree(root: int, skip: int, nice: int) -> int:
    """Lower the priority of the browser processes among root's descendants, outside skip's subtree (the renderers
    Chromium starts later inherit it): the server's work goes first, as when the browsers are the learners' own
    computers. Returns how many processes were reniced (Linux)."""
    stats = {int(p): _stat(int(p)) for p in os.listdir("/proc") if p.isdigit()} if Path("/proc").is_dir() else {}
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(pid)
    done, todo = 0, [c for c in children.get(root, []) if c != skip]
    while todo:
        pid = todo.pop()
        try:  # the browsers only: Playwright's driver, which the clock waits on, keeps its share
            if Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip() in BROWSERS:
                os.setpriority(os.PRIO_PROCESS, pid, nice)
                done += 1
        except OSError:
            pass
        todo += children.get(pid, [])
    return done


async def keep_reniced(skip: int, nice: int, every_s: float = 0.5) -> None:
    while True:
        renice_tree(os.getpid(), skip, nice)
        await asyncio.sleep(every_s)


def machine_busy_seconds() -> float | None:
    """CPU time the whole machine has spent busy (all cores, not idle or waiting for I/O), from /proc/stat."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def timeline(runs: list[dict], trainings: list) -> dict:
    """Per configuration, in seconds after the first click: when its one training started and ended (in the store)
    and when the first and the last of its sessions saw "Finished" — the gap is the pages' share of the time."""
    clicks = [r["clicked"] for r in runs if "clicked" in r]
    if not clicks:
        return {}
    t0, out = min(clicks), {}
    for rec in sorted(trainings, key=lambda r: r.model_config.latent_dim):
        latent, end = rec.model_config.latent_dim, rec.finished_at
        seen = [r["done_at"] - t0 for r in runs if r.get("latent") == latent and "done_at" in r]
        out[f"latent {latent}"] = {
            "training": [round(rec.created_at - t0, 1), None if end is None else round(end - t0, 1)],
            "sessions_finished": [round(min(seen), 1), round(max(seen), 1)] if seen else None}
    return out


def train_url(url: str, latent: int, epochs: int, seed: int = 0) -> str:
    """The Train page with a learner's settings in its address (applied as a share link's are)."""
    return f"{url}/Train?" + urlencode({"epochs": epochs, "latent_dim": latent, **({"seed": seed} if seed else {})})


async def open_train(browser, url: str, latent: int, epochs: int, timeout_s: float, seed: int = 0):
    """A learner's Train page, loaded, idle and ready to train: (context, page); the caller closes the context."""
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await ctx.new_page()
        await page.goto(train_url(url, latent, epochs, seed), timeout=timeout_s * 1000)
        await _idle(page, timeout_s)
        button = page.locator(".st-key-train").get_by_role("button", name="Train")
        await button.wait_for(timeout=timeout_s * 1000)
        if not await button.is_enabled():
            raise RuntimeError("the Train button is disabled")
    except BaseException:
        await ctx.close()
        raise
    return ctx, page


async def finished(page, epochs: int, timeout_s: float, every_ms: int = 250) -> None:
    """Wait for the finished message, looking every_ms. Not a locator's wait_for: Playwright polls that on every
    animation frame, and 30 pages each searching their whole text 60 times a second cost the two cores a quarter
    of their time (measured on 20 idle Train pages: 0.30 CPU-seconds a second against 0.03 for this) -- load that
    a classroom's own browsers, on the students' machines, never put on the server."""
    await page.wait_for_function("n => document.body.textContent.includes(`Finished ${n} epochs`)", arg=epochs,
                                 polling=every_ms, timeout=timeout_s * 1000)


async def press_train(page, latent: int, epochs: int, timeout_s: float) -> dict:
    """Press Train and wait for the finished message: the seconds from the click to "Finished", whether the page
    had an exception, and whether the run was shared (followed or reused: the page says it was trained once for
    everyone)."""
    try:
        t0, clicked = time.perf_counter(), time.time()
        await page.locator(".st-key-train").get_by_role("button", name="Train").click()
        await finished(page, epochs, timeout_s)
        seconds, done_at = time.perf_counter() - t0, time.time()
        await _idle(page, timeout_s)
        errors = page.locator("[data-testid='stException']")
        exceptions = await errors.count()
        said = (await errors.first.inner_text())[:400] if exceptions else None
        shared = await page.get_by_text(REUSED).count() > 0
    except Exception as err:  # a timeout or a missing element: this session failed; the others go on
        return _failed(latent, err)
    return {"latent": latent, "seconds": round(seconds, 1), "exceptions": exceptions, "shared": shared,
            "clicked": clicked, "done_at": done_at, **({"exception": said} if said else {})}


async def check_home(ctx, page, result: dict, timeout_s: float) -> dict:
    """After the clock: the home page must name this session's own model (own_model); closes the context."""
    try:
        if result.get("seconds") is None:
            return result
        await page.locator("[data-testid='stSidebar']").get_by_role("link", name="Home", exact=True).click()
        await page.wait_for_timeout(300)
        await _idle(page, timeout_s)
        said = await page.locator("p", has_text="Your current model:").first.inner_text(timeout=timeout_s * 1000)
        own = f"latent size {result['latent']}, on mnist5k" in said
        return {**result, "own_model": own, **({} if own else {"home_page_says": said})}
    except Exception as err:
        return _failed(result["latent"], err)
    finally:
        await ctx.close()


def _failed(latent: int, err: BaseException) -> dict:
    return {"latent": latent, "seconds": None, "error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}


async def learner(browser, url: str, latent: int, epochs: int, timeout_s: float, seed: int = 0) -> dict:
    """One student on their own: open Train, press it, wait for "Finished", check the home page."""
    try:
        ctx, page = await open_train(browser, url, latent, epochs, timeout_s, seed)
    except Exception as err:
        return _failed(latent, err)
    return await check_home(ctx, page, await press_train(page, latent, epochs, timeout_s), timeout_s)


async def _press_if_open(opened, latent: int, epochs: int, timeout_s: float) -> dict:
    if isinstance(opened, BaseException):
        return _failed(latent, opened)
    return await press_train(opened[1], latent, epochs, timeout_s)


async def _check_if_open(opened, result: dict, timeout_s: float) -> dict:
    return result if isinstance(opened, BaseException) else await check_home(*opened, result, timeout_s)


async def classroom(sessions: int, configs: int, epochs: int, timeout_s: float, max_ratio: float | None,
                    browser_nice: int = 0) -> dict:
    """The lone learner, then the class: every page loaded first, then all press Train together. Session i trains
    latent size 2 + i % configs; the lone learner latent size 2 with another seed, so nobody reuses its run."""
    from playwright.async_api import async_playwright

    load_before = os.getloadavg()[0]  # other work on the machine skews every time here: recorded with them
    with served() as (url, proc, store_url):
        memory: list[float] = []
        watcher = asyncio.create_task(watch_memory(proc.pid, memory))
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # Chromium sets its processes' priorities itself (its GPU process at -8, new renderers at 0 or 5): so
            # every half second, while the class runs
            renicer = asyncio.create_task(keep_reniced(proc.pid, browser_nice)) if browser_nice else None
            alone = await learner(browser, url, 2, epochs, timeout_s, seed=ALONE_SEED)
            after_one = rss_mib(proc.pid)
            before, alone_runs = trained_runs(store_url)
            latents = [2 + i % configs for i in range(sessions)]
            t_open = time.perf_counter()
            opened = await asyncio.gather(*(open_train(browser, url, lat, epochs, timeout_s) for lat in latents),
                                          return_exceptions=True)
            loading = time.perf_counter() - t_open
            cpu_before = cpu_seconds(proc.pid), machine_busy_seconds(), tree_cpu_seconds(os.getpid(), proc.pid)
            t0 = time.perf_counter()  # every page is loaded: the clock starts, all press Train at once
            pressed = await asyncio.gather(*(_press_if_open(o, lat, epochs, timeout_s)
                                             for o, lat in zip(opened, latents)))
            total = time.perf_counter() - t0
            cpu_after = cpu_seconds(proc.pid), machine_busy_seconds(), tree_cpu_seconds(os.getpid(), proc.pid)
            # after the clock, so that no session's check loads the machine while another still waits
            runs = await asyncio.gather(*(_check_if_open(o, r, timeout_s) for o, r in zip(opened, pressed)))
            await browser.close()
        watcher.cancel()
        if renicer is not None:
            renicer.cancel()
        after_all = rss_mib(proc.pid)
        after, all_runs = trained_runs(store_url)
    result = summary(alone, runs, total, memory, after_one, after_all, epochs, configs=configs,
                     trainings=after - before, max_ratio=max_ratio)
    result["browser_nice"] = browser_nice
    result["load_average_1min"] = {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)}
    result["server_errors"] = tracebacks(SERVER_LOG)  # what the pages' exceptions were, in the server's log
    result["pages_loading_seconds"] = round(loading, 1)  # before the clock: 'sessions' pages opened together
    result["alone_training_seconds"] = [round(r.finished_at - r.created_at, 1) for r in alone_runs if r.finished_at]
    alone_ids = {r.id for r in alone_runs}
    result["timeline"] = timeline(runs, [r for r in all_runs if r.id not in alone_ids])
    if None not in (*cpu_before, *cpu_after):  # while the class ran: the server's CPU time, and the machine's
        result["cpu_seconds"] = {"server": round(cpu_after[0] - cpu_before[0], 1),
                                 "browsers": round(cpu_after[2] - cpu_before[2], 1),
                                 "whole_machine": round(cpu_after[1] - cpu_before[1], 1),
                                 "cores_x_wall": round(total * (os.cpu_count() or 1), 1)}
    return result


def summary(alone: dict, runs: list[dict], total: float, memory: list[float], after_one: float | None,
            after_all: float | None, epochs: int, configs: int | None = None, trainings: int | None = None,
            max_ratio: float | None = None) -> dict:
    """The figures BENCHMARKS.md records, and the checks: every session finished, clean, with its own model; as
    many trainings ran as there were distinct configurations (configs, default one per session; unchecked when
    trainings is None); the slowest within max_ratio times the lone learner (unchecked when None). ok = all hold."""
    times = [r["seconds"] for r in runs if r.get("seconds") is not None]
    slowest = max(times) if times else None
    ratio = round(slowest / alone["seconds"], 2) if slowest and alone.get("seconds") else None
    configs = len(runs) if configs is None else configs
    checks = {
        "all_finished": (alone.get("seconds") is not None and len(times) == len(runs)
                         and all(r["exceptions"] == 0 and r["own_model"] for r in runs)),
        "trainings": None if trainings is None else trainings == configs,
        "slowest_vs_alone": None if max_ratio is None else ratio is not None and ratio <= max_ratio,
    }
    return {
        "sessions": len(runs), "configs": configs, "epochs": epochs, "finished": len(times),
        "ok": all(v is not False for v in checks.values()), "checks": checks,
        "trainings": trainings, "shared_sessions": sum(1 for r in runs if r.get("shared")),
        "alone_seconds": alone.get("seconds"), "total_seconds": round(total, 1),
        "slowest_seconds": slowest, "median_seconds": round(statistics.median(times), 1) if times else None,
        "slowest_vs_alone": ratio, "max_ratio": max_ratio,
        "failed": [r for r in [{**alone, "alone": True}, *runs]
                   if r.get("seconds") is None or r.get("exceptions") or not r.get("own_model")],
        "server_rss_mib": {"after_one_learner": _mib(after_one), "peak": _mib(max(memory, default=None)),
                           "after_all": _mib(after_all)},
    }


def verdict(r: dict) -> str:
    """One line a reader can act on: PASS or FAIL, and each check's figures."""
    c = r["checks"]
    parts = [f"{r['finished']}/{r['sessions']} sessions finished"
             + (" cleanly with their own model" if c["all_finished"] else f"; failed: {len(r['failed'])}")]
    if c["trainings"] is not None:
        parts.append(f"{r['trainings']} trainings ran (expected {r['configs']})")
    ratio = f"slowest {r['slowest_seconds']} s = {r['slowest_vs_alone']}x the lone learner's {r['alone_seconds']} s"
    if c["slowest_vs_alone"] is not None:
        ratio += f" (target <= {r['max_ratio']}x: {'met' if c['slowest_vs_alone'] else 'MISSED'})"
    parts.append(ratio)
    return ("PASS: " if r["ok"] else "FAIL: ") + "; ".join(parts)


def _mib(v: float | None) -> float | None:
    return None if v is None else round(v)


def main(argv: list[str] | None = None) -> int:
    a = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.splitlines()[0])
    a.add_argument("--sessions", type=int, default=10)
    a.add_argument("--configs", type=int, default=None,
                   help="distinct configurations among the sessions (latent sizes 2, 3, ...; default one per session)")
    a.add_argument("--epochs", type=int, default=3, help="epochs each learner trains the default model")
    a.add_argument("--max-ratio", type=float, default=4.0, help="with shared configurations: the slowest session's "
                   "time may be at most this many times the lone learner's (default 4)")
    a.add_argument("--timeout", type=float, default=600, help="seconds each session may wait at any step")
    a.add_argument("--browser-nice", type=int, default=0, metavar="N",
                   help="run the browsers at this lower priority (nice 1-19): the server first, as when the learners' "
                        "browsers are their own computers (default 0: equal shares)")
    a.add_argument("--write", metavar="MARKDOWN", help="record the figures in this file (e.g. BENCHMARKS.md)")
    args = a.parse_args(argv)
    configs = args.sessions if args.configs is None else args.configs
    if args.sessions < 1 or args.epochs < 1:
        a.error("--sessions and --epochs must be at least 1")
    if not 1 <= configs <= args.sessions:
        a.error("--configs must be between 1 and --sessions")
    shared = configs < args.sessions
    if not 0 <= args.browser_nice <= 19:
        a.error("--browser-nice must be between 0 and 19")
    result = asyncio.run(classroom(args.sessions, configs, args.epochs, args.timeout,
                                   args.max_ratio if shared else None, args.browser_nice))
    print(verdict(result))
    if args.write:
        from aelib.bench import write_section
        nice = f" --browser-nice {args.browser_nice}" if args.browser_nice else ""
        command = COMMAND.format(sessions=args.sessions, configs=f" --configs {configs}" if shared else "",
                                 epochs=args.epochs) + nice
        name = ("load-shared" if shared else "load") + ("-nice" if args.browser_nice else "")
        write_section(args.write, name, command, result)
    print(json.dumps(result))  # the last line: the figures, for scripts
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
