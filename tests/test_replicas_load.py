"""The replica load test's arguments and verdict (tests/load/replicas.py): it passes only when every learner finished
and found its run again, stayed on one replica until the kill, the killed replica's learners found their runs on
another (or trained again there), the upload worked and the class board holds every learner from every replica. (The
load test itself runs from the command line: `python -m tests.load --replicas 2 --via nginx --sessions 20`.)"""
import json

import pytest

from tests.load import replicas
from tests.load.replicas import parse, summary

KEYS = {"ok", "replicas", "sessions", "per_replica", "failover", "slowest_seconds", "median_seconds", "peak_rss_mib"}
BOARD = {"ok": True, "entries": 4, "replicas": [0, 1]}
UPLOAD = {"ok": True, "session": 2, "status": 204, "replica": 1}


def learner(session, replica, seconds=10.0, before_kill=True, moved_to=None, in_flight=False, interrupted=False,
            **more):
    return {"session": session, "latent": 2 + session, "replica": replica, "seconds": seconds, "restored": True,
            "exceptions": 0, "stored": True, "sticky": True, "finished_before_kill": before_kill,
            "in_flight": in_flight, "interrupted": interrupted, "moved_to": moved_to, **more}


def class_of_four(**changed):
    """Replica 0 killed after 3 finished: two of its learners moved to replica 1, one was training and trained again."""
    rows = [learner(0, 0, 8.0, moved_to=1), learner(1, 0, 40.0, False, 1, in_flight=True, interrupted=True),
            learner(2, 1, 12.0), learner(3, 0, 16.0, moved_to=1)]
    for i, row in changed.items():
        rows[int(i[1:])] |= row
    return rows


def test_the_arguments_default_and_refuse_what_cannot_run(capsys):
    args = parse(["--replicas", "2", "--via", "nginx", "--sessions", "20"])
    assert (args.replicas, args.sessions, args.epochs, args.kill_after, args.timeout) == (2, 20, 3, 10, 900)
    assert parse(["--replicas", "3", "--sessions", "6", "--kill-after", "6"]).kill_after == 6
    for bad, says in ((["--replicas", "1"], "at least 2"), (["--replicas", "2", "--via", "haproxy"], "invalid choice"),
                      (["--replicas", "2", "--sessions", "4", "--kill-after", "5"], "--kill-after"),
                      (["--replicas", "2", "--sessions", "1"], "--sessions"), (["--sessions", "4"], "--replicas")):
        with pytest.raises(SystemExit):
            parse(bad)
        assert says in capsys.readouterr().err


def test_a_clean_class_passes_with_the_figures_the_benchmark_records():
    r = summary(class_of_four(), 2, 0, 3, UPLOAD, BOARD, {0: 1501.4, 1: None})
    assert KEYS <= set(r) and r["ok"] and r["failed"] == []
    assert r["per_replica"] == {"0": 3, "1": 1} and r["peak_rss_mib"] == {"0": 1501, "1": None}
    # the learner the kill interrupted is timed apart: its 40 s include the failover
    assert (r["slowest_seconds"], r["median_seconds"]) == (16.0, 12.0)
    assert r["failover"] == {"ok": True, "killed_replica": 0, "killed_after_finished": 3, "finished_learners": 2,
                             "found_on_another_replica": 2, "in_flight_learners": 1, "marked_interrupted": 1,
                             "trained_again_seconds": [40.0]}
    json.dumps(r)  # the last line of the output is this, as JSON


@pytest.mark.parametrize("changed, check", [
    ({"r3": {"moved_to": 0}}, "failover"),  # its reload came back to the killed replica
    ({"r1": {"seconds": None, "error": "RuntimeError: never marked interrupted"}}, "failover"),
    ({"r2": {"restored": False}}, "all_finished"),
    ({"r2": {"stored": False}}, "all_finished"),
    ({"r0": {"sticky": False}}, "sticky"),
])
def test_a_lost_run_a_missing_failover_or_a_wandering_session_fails_it(changed, check):
    r = summary(class_of_four(**changed), 2, 0, 3, UPLOAD, BOARD, {0: None, 1: None})
    assert not r["ok"] and r["checks"][check] is False


def test_a_failed_upload_a_one_replica_board_or_no_kill_fails_it():
    assert not summary(class_of_four(), 2, 0, 3, {**UPLOAD, "ok": False}, BOARD, {})["checks"]["upload"]
    assert not summary(class_of_four(), 2, 0, 3, None, BOARD, {})["ok"]
    assert not summary(class_of_four(), 2, 0, 3, UPLOAD, {**BOARD, "ok": False}, {})["checks"]["class_board"]
    r = summary(class_of_four(), 2, None, None, UPLOAD, BOARD, {})
    assert not r["ok"] and r["failover"]["finished_learners"] == 0


def test_a_machine_without_the_stack_skips_with_a_reason_and_ci_fails(monkeypatch, capsys):
    monkeypatch.setattr(replicas, "skipped", lambda: "nginx is not installed")
    monkeypatch.delenv("CI", raising=False)
    assert replicas.main(["--replicas", "2", "--sessions", "4"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "SKIP: nginx is not installed"
    assert json.loads(out[-1]) == {"ok": None, "skipped": "nginx is not installed", "replicas": 2, "sessions": 4}
    monkeypatch.setenv("CI", "1")
    assert replicas.main(["--replicas", "2", "--sessions", "4"]) == 1


def test_a_replicas_tracebacks_are_counted_by_where_and_what(tmp_path):
    log = tmp_path / "replica0.log"
    frame = '  File "/app/appkit/training.py", line 9, in follow\n    view = runner.view(ws, run_id)\n'
    log.write_text("starting\n" + 2 * ("Traceback (most recent call last):\n" + frame + "KeyError: 'x'\n")
                   + "Traceback (most recent call last):\n" + frame.replace("9", "12")
                   + "ValueError: bad\nmore log\n", encoding="utf-8")
    assert replicas.tracebacks(log) == {
        'File "/app/appkit/training.py", line 9, in follow -> KeyError: \'x\'': 2,
        'File "/app/appkit/training.py", line 12, in follow -> ValueError: bad': 1}
    assert replicas.tracebacks(tmp_path / "missing.log") == {}


def test_a_session_that_saw_an_exception_is_listed_as_failed():
    r = summary(class_of_four(r2={"exceptions": 1}), 2, 0, 3, UPLOAD, BOARD, {})
    assert not r["ok"] and [f["session"] for f in r["failed"]] == [2]


def test_write_records_the_figures_with_the_command_in_their_own_section(tmp_path):
    bench = tmp_path / "BENCHMARKS.md"
    bench.write_text("# Benchmarks\n\nearlier sections\n", encoding="utf-8")
    result = {**summary(class_of_four(), 2, 0, 3, UPLOAD, BOARD, {0: 1500.0, 1: 1400.0}),
              "sessions_detail": class_of_four(), "replica_errors": {"0": {}, "1": {}}, "stack_start_seconds": {}}
    for kill_after in (2, 2, 3):  # written twice: the section is replaced, not repeated
        replicas.write(str(bench), parse(["--replicas", "2", "--sessions", "4", "--kill-after", str(kill_after)]),
                       result)
    text = bench.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nearlier sections\n")
    assert text.count("## Two replicas behind nginx") == 1 and text.count("<!-- bench:replicas -->") == 1
    assert "`python -m tests.load --replicas 2 --via nginx --sessions 4 --epochs 3 --kill-after 3`" in text
    kept = json.loads(text.split("```json\n")[1].split("```")[0])
    assert KEYS <= set(kept) and not {"sessions_detail", "replica_errors", "stack_start_seconds", "failed"} & set(kept)
