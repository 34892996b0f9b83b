"""A class on several app replicas behind nginx (tests/stack.py: a throwaway PostgreSQL, the replicas, nginx from
deploy/'s template). A class is created with the CLI; N Chromium sessions open it through nginx, join it (?join=CODE
and a display name) and open the Train page with a configuration of their own (latent size 2, 3, ...), all before
the clock starts; then all press Train. Each is timed from its click to "Finished" and must find its run after a
reload (on the page and in the store); every request of a session must reach one replica. The first to finish uploads
a CSV on the Your data page through the balancer. Once --kill-after sessions have finished, the replica that served
most of them is killed: its learners reload through nginx, land on another replica and must find their finished
runs; a learner whose training was on it must find the run interrupted and train again (its time then includes the
failover, and is reported apart from the others'). The class's results (`python -m aelib classroom results --json`)
must hold an entry of every learner, from students of every replica (a finished run the Train page did not post is
posted through the library, and counted as such). Each replica's memory is sampled; the last line of the output is
the figures as JSON.

    python -m tests.load --replicas 2 --via nginx --sessions 20 [--epochs 3] [--kill-after 10] [--write BENCHMARKS.md]

Loopback only, bounded by --timeout (stack start-up included); exits non-zero if a check fails, and skips with a
message (exit 0; 1 under CI) where nginx, PostgreSQL or Chromium is missing."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from aelib.store import Status, open_store
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.load.loadtest import tracebacks, watch_memory
from tests.load.replica_class import Class, Learner, enrol, killer, lesson, record, why
from tests.stack import Stack, missing, stack

COMMAND = "python -m tests.load --replicas {replicas} --via nginx --sessions {sessions} --epochs {epochs}"


def _cli(database_url: str, *args: str) -> dict:
    """The last line of `python -m aelib ARGS --json` on the stack's database, as JSON."""
    done = subprocess.run([sys.executable, "-m", "aelib", *args, "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "AELAB_DATABASE_URL": database_url})
    if done.returncode:
        raise RuntimeError(f"python -m aelib {' '.join(args)} failed: {done.stderr[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def board(cls: Class, key: str) -> tuple[dict, dict[int, bool]]:
    """The class's results; a finished run the page did not post is posted through the library (and counted).
    Returns (figures, {session: its finished run is in the store})."""
    from aelib.classroom import Classroom
    from aelib.i18n import Explained

    store, stored, runs = open_store(cls.stack.database_url), {}, {}
    try:
        for learner in cls.learners:
            found = [r for r in store.list_runs(learner.ws) if r.status == Status.FINISHED
                     and r.model_config.latent_dim == learner.latent] if learner.ws else []
            stored[learner.index] = bool(found)
            if found:
                runs[found[0].id] = learner
        posted = {e["run_id"] for e in _cli(cls.stack.database_url, "classroom", "results", cls.code,
                                            "--teacher-key", key)["entries"]}
        by_library, refused = 0, []
        for run_id, learner in runs.items():
            if run_id not in posted:
                try:
                    Classroom(store.db).post_entry(cls.code, learner.ws, run_id)
                    by_library += 1
                except Explained as err:
                    refused.append(str(err))
        trainings = store.count_trainings()
    finally:
        store.close()
    entries = _cli(cls.stack.database_url, "classroom", "results", cls.code, "--teacher-key", key)["entries"]
    replicas = sorted({runs[e["run_id"]].replica for e in entries if e["run_id"] in runs})
    served = sorted({learner.replica for learner in cls.learners if learner.replica is not None})
    figures = {"ok": len(entries) == len(runs) == len(cls.learners) and replicas == served, "entries": len(entries),
               "replicas": replicas, "posted_by_page": len(entries) - by_library, "posted_by_library": by_library,
               "trainings": trainings, **({"refused": refused} if refused else {})}
    return figures, stored


def summary(learners: list[dict], replicas: int, victim: int | None, killed_after: int | None, upload: dict | None,
            class_board: dict, peaks: dict[int, float | None]) -> dict:
    """The figures and checks: every learner finished cleanly and found its run after a reload and in the store;
    each stayed on one replica until the kill; the killed replica's finished learners found their runs on another
    and its training ones trained again there; the upload worked; the class board holds every learner, from every
    replica. The slowest and median times leave out the learners the kill interrupted (reported under failover)."""
    plain = [r["seconds"] for r in learners if r["seconds"] is not None and not r["in_flight"]]
    mine = [r for r in learners if victim is not None and r["replica"] == victim]
    moved = [r for r in mine if r["finished_before_kill"]]
    flying = [r for r in mine if r["in_flight"]]
    failover = {
        "ok": bool(moved) and all(r["moved_to"] not in (None, victim) and not r.get("error") for r in moved)
        and all(r["seconds"] is not None and r["moved_to"] not in (None, victim) for r in flying),
        "killed_replica": victim, "killed_after_finished": killed_after, "finished_learners": len(moved),
        "found_on_another_replica": sum(1 for r in moved if r["moved_to"] not in (None, victim) and not r.get("error")),
        "in_flight_learners": len(flying), "marked_interrupted": sum(1 for r in flying if r["interrupted"]),
        "trained_again_seconds": [r["seconds"] for r in flying],
    }
    checks = {"all_finished": all(r["seconds"] is not None and r["restored"] and r["stored"] and not r["exceptions"]
                                  and not r.get("error") for r in learners),
              "sticky": all(r["sticky"] for r in learners), "failover": failover["ok"],
              "upload": bool(upload and upload["ok"]), "class_board": bool(class_board.get("ok"))}
    return {"ok": all(checks.values()), "replicas": replicas, "sessions": len(learners), "checks": checks,
            "per_replica": {str(i): sum(1 for r in learners if r["replica"] == i) for i in range(replicas)},
            "finished": sum(1 for r in learners if r["seconds"] is not None), "failover": failover,
            "slowest_seconds": max(plain, default=None),
            "median_seconds": round(statistics.median(plain), 1) if plain else None,
            "peak_rss_mib": {str(i): None if v is None else round(v) for i, v in peaks.items()},
            "upload": upload, "class_board": class_board,
            "failed": [r for r in learners if r["seconds"] is None or r.get("error") or not r["stored"]
                       or not r["restored"] or r["exceptions"]]}


async def classroom(s: Stack, code: str, key: str, sessions: int, epochs: int, kill_after: int,
                    deadline: float) -> dict:
    """Every learner enrolled (pages loaded) before the clock; then all press Train; the killer waits its turn."""
    from playwright.async_api import async_playwright

    cls = Class(s, code, epochs, kill_after, deadline, [Learner(i, 2 + i) for i in range(sessions)])
    memory = {r.index: [] for r in s.replicas}
    watchers = [asyncio.create_task(watch_memory(r.pid, memory[r.index])) for r in s.replicas]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        t_open = time.monotonic()
        opened = await asyncio.gather(*(enrol(browser, cls, learner) for learner in cls.learners),
                                      return_exceptions=True)
        loading = time.monotonic() - t_open
        for learner, failed in zip(cls.learners, opened):
            if isinstance(failed, BaseException):
                learner.error = f"enrolling: {why(failed)}"
        ready = [learner for learner in cls.learners if learner.error is None]
        cls.ended = len(cls.learners) - len(ready)
        t0 = time.monotonic()  # every page is loaded: the clock starts
        await asyncio.gather(killer(cls), *(lesson(cls, learner) for learner in ready))
        total = time.monotonic() - t0
        await browser.close()
    for w in watchers:
        w.cancel()
    class_board, stored = board(cls, key)
    learners = [record(cls, learner, stored.get(learner.index, False)) for learner in cls.learners]
    result = summary(learners, len(s.replicas), cls.victim, cls.killed_after, cls.upload, class_board,
                     {i: max(v, default=None) for i, v in memory.items()})
    cores, plain = os.cpu_count() or 1, [r for r in learners if r["seconds"] is not None and not r["in_flight"]]
    slowest = result["slowest_seconds"]  # throughput: the trainings the kill did not touch, until the last of them
    result |= {"epochs": epochs, "total_seconds": round(total, 1), "pages_loading_seconds": round(loading, 1),
               "cores": cores, "learners_per_core": round(sessions / cores, 1),
               "trainings_per_core_minute": round(len(plain) / (slowest / 60) / cores, 1) if slowest else None,
               "sessions_detail": learners}
    return result


def skipped() -> str | None:
    """Why this machine cannot run the test (nginx, PostgreSQL, Chromium or Playwright missing), or None."""
    if reason := missing():
        return reason
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium): the replica load test is skipped"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: the replica load test is skipped"
    return None


def run(args: argparse.Namespace) -> dict:
    """Starts the stack, creates the class with the CLI, runs the class; all within args.timeout."""
    deadline = time.monotonic() + args.timeout
    load_before = os.getloadavg()[0]  # other work on the machine skews every time here: recorded with them
    with stack(replicas=args.replicas, timeout_s=min(180, args.timeout)) as s:
        made = _cli(s.database_url, "classroom", "create", "--name", "Load test")
        result = asyncio.run(asyncio.wait_for(
            classroom(s, made["code"], made["teacher_key"], args.sessions, args.epochs, args.kill_after, deadline),
            max(1.0, deadline - time.monotonic() + 60)))  # the steps keep to the deadline; this is a backstop
        result["stack_start_seconds"] = {k: round(v, 1) for k, v in s.timings.items()}
        result["replica_errors"] = {str(r.index): tracebacks(r.log) for r in s.replicas}
    result["load_average_1min"] = {"before": round(load_before, 1), "after": round(os.getloadavg()[0], 1)}
    return result


def verdict(r: dict) -> str:
    """One line a reader can act on: PASS or FAIL, and what failed."""
    f = r["failover"]
    text = (f"{r['finished']}/{r['sessions']} sessions finished on {r['replicas']} replicas {r['per_replica']}; "
            f"slowest {r['slowest_seconds']} s, median {r['median_seconds']} s; killed replica "
            f"{f['killed_replica']} after {f['killed_after_finished']} finished: {f['found_on_another_replica']}/"
            f"{f['finished_learners']} of its learners found their runs on another, {f['in_flight_learners']} in "
            f"flight ({f['marked_interrupted']} marked interrupted)")
    failed = [k for k, v in r["checks"].items() if not v]
    return ("PASS: " if r["ok"] else f"FAIL ({', '.join(failed)}): ") + text


def write(path: str, args: argparse.Namespace, result: dict) -> None:
    """The figures as a section of a markdown file: without the per-session detail and start-up times, and without
    the failed sessions and the replicas' logged exceptions when there are none."""
    from aelib.bench import write_section

    text = Path(path).read_text(encoding="utf-8") if Path(path).exists() else ""
    if "<!-- bench:replicas -->" not in text:
        Path(path).write_text(text.rstrip() + "\n\n## Two replicas behind nginx, one PostgreSQL\n", encoding="utf-8")
    command = COMMAND.format(replicas=args.replicas, sessions=args.sessions, epochs=args.epochs)
    command += f" --kill-after {args.kill_after}" if args.kill_after != args.sessions // 2 else ""
    none = {k for k in ("failed", "replica_errors")  # [] or {replica: {}}
            if not result.get(k) or (isinstance(result[k], dict) and not any(result[k].values()))}
    drop = {"sessions_detail", "stack_start_seconds", *none}
    write_section(path, "replicas", command, {k: v for k, v in result.items() if k not in drop})


def parse(argv: list[str]) -> argparse.Namespace:
    a = argparse.ArgumentParser(prog="python -m tests.load --replicas N", description=__doc__.splitlines()[0])
    a.add_argument("--replicas", type=int, required=True, help="app replicas behind nginx (at least 2)")
    a.add_argument("--via", choices=["nginx"], default="nginx", help="the balancer (deploy/nginx.conf.template)")
    a.add_argument("--sessions", type=int, default=20)
    a.add_argument("--epochs", type=int, default=3, help="epochs each learner trains the default model")
    a.add_argument("--kill-after", type=int, default=None,
                   help="kill a replica once this many sessions finished (default half of them)")
    a.add_argument("--timeout", type=float, default=900, help="seconds for the whole test, start-up included")
    a.add_argument("--write", metavar="MARKDOWN", help="record the figures in this file (e.g. BENCHMARKS.md)")
    args = a.parse_args(argv)
    if args.replicas < 2:
        a.error("--replicas must be at least 2 (one is killed)")
    if args.sessions < args.replicas or args.epochs < 1:
        a.error("--sessions must be at least --replicas, and --epochs at least 1")
    args.kill_after = args.sessions // 2 if args.kill_after is None else args.kill_after
    if not 1 <= args.kill_after <= args.sessions:
        a.error("--kill-after must be between 1 and --sessions")
    if args.timeout <= 0:
        a.error("--timeout must be positive")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if reason := skipped():
        print(f"SKIP: {reason}")
        print(json.dumps({"ok": None, "skipped": reason, "replicas": args.replicas, "sessions": args.sessions}))
        return 1 if os.environ.get("CI") else 0
    result = run(args)
    print(json.dumps(result["sessions_detail"]))
    print(verdict(result))
    if args.write:
        write(args.write, args, result)
    print(json.dumps({k: v for k, v in result.items() if k != "sessions_detail"}))  # the last line, for scripts
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
