"""The classroom load test's figures and verdict (tests/load/classroom.py): the projector's recorded websocket frames
become its refreshes (asked -> finished -> settled); the run passes only when every student finished and posted, as
many trainings ran as configurations, the board shows every student and its refresh with every entry in is within
the target. (The load test itself runs from the command line: `python -m tests.load --classroom --sessions 30`.)"""
import base64
import json

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.load import classroom
from tests.load.classroom import parse, summary, verdict
from tests.load.projector import board_figures, refreshes

NAMES = ["Student 01", "Student 02", "Student 03"]


def sent(ms: float, fragment: str = "f1") -> list:
    msg = BackMsg()
    msg.rerun_script.fragment_id = fragment
    return ["out", ms, base64.b64encode(msg.SerializeToString()).decode()]


def finished(ms: float, status=ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY) -> list:
    msg = ForwardMsg()
    msg.script_finished = status
    return ["in", ms, base64.b64encode(msg.SerializeToString()).decode()]


def student(i: int, seconds=20.0, posted=True, exceptions=0, **more) -> dict:
    return {"student": NAMES[i], "latent": 2 + i, "seconds": seconds, "posted": posted, "exceptions": exceptions,
            **more}


BOARD = {"rows": 3, "names": 3, "entries_stored": 3, "refresh": [0.8, 1.2, 3.0], "script": [0.7, 1.1, 2.9],
         "during_class": [2.5], "last_entry_to_board": 3.1, "exceptions": 0}


def test_the_projectors_frames_become_refreshes_paired_in_order():
    page_load = BackMsg()
    page_load.rerun_script.query_string = "class=X"  # the whole page's run: not a fragment's
    frames = [["out", 500, base64.b64encode(page_load.SerializeToString()).decode()],
              finished(900, ForwardMsg.FINISHED_SUCCESSFULLY), sent(1000), finished(1800),
              sent(6000), sent(11000), finished(12000), finished(12500), ["in", 13000, "bm90IGEgbWVzc2FnZQ=="],
              sent(16000), finished(16900), sent(21000)]  # the last one never finished
    runs = refreshes(frames, changes=[1200, 1900, 2600, 11500, 12600, 16100, 17000, 21100])
    # asked twice while a slow run ran: timed from the first ask; the queued run after it has no ask of its own
    assert [(r["asked"], r["finished"], r["settled"]) for r in runs] == [
        (1.0, 1.8, 2.6), (6.0, 12.0, 12.0), (16.0, 16.9, 17.0)]  # settled: the last change before the next ask
    # or the next run's end


def test_the_board_figures_count_what_shows_and_time_the_refreshes_with_every_entry_in():
    frames = [sent(1000), finished(2000), sent(10_000), finished(11_500), sent(15_000), finished(15_600)]
    rec = {"frames": frames, "changes": [2100, 11_900], "rows": {"0": 500, "3": 12_000}, "row_count": 3,
           "table": "Rank Student\n1 Student 02\n2 Student 01\n3 Student 03", "exceptions": 0}
    entries = [{"time": 1.5}, {"time": 9.0}, {"time": 4.0}]
    b = board_figures(rec, NAMES, entries, class_ended=12.0)
    assert (b["rows"], b["names"], b["entries_stored"]) == (3, 3, 3)
    assert b["refresh"] == [1.9, 0.6] and b["script"] == [1.5, 0.6]  # asked after the last entry (9.0)
    assert b["during_class"] == [1.1] and b["last_entry_to_board"] == 3.0
    assert board_figures({**rec, "table": "Student 01"}, NAMES, entries, 12.0)["names"] == 1


def test_a_clean_class_passes_with_the_figures_the_benchmark_records():
    r = summary([student(0, 30.0), student(1, 42.0), student(2, 35.0)], BOARD, trainings=3, configs=3, target=2.0)
    assert r["ok"] and r["failed"] == [] and all(r["checks"].values())
    assert r["board_refresh_seconds"] == {"median": 1.2, "max": 3.0, "runs": 3}
    assert (r["entries_on_board"], r["slowest_seconds"], r["median_seconds"], r["trainings"]) == (3, 42.0, 35.0, 3)
    assert verdict(r).startswith("PASS: 3/3 students finished")
    json.dumps(r)  # the last line of the output is this, as JSON


@pytest.mark.parametrize("students, board, trainings, check", [
    ([student(0), student(1, posted=False), student(2)], BOARD, 3, "all_finished"),
    ([student(0), student(1, seconds=None, error="TimeoutError"), student(2)], BOARD, 3, "all_finished"),
    ([student(0), student(1, exceptions=1), student(2)], BOARD, 3, "all_finished"),
    ([student(0), student(1), student(2)], BOARD, 4, "trainings"),
    ([student(0), student(1), student(2)], {**BOARD, "rows": 2}, 3, "every_entry_on_board"),
    ([student(0), student(1), student(2)], {**BOARD, "names": 2}, 3, "every_entry_on_board"),
    ([student(0), student(1), student(2)], {**BOARD, "refresh": [2.5, 2.1, 0.5]}, 3, "board_refresh"),
    ([student(0), student(1), student(2)], {**BOARD, "refresh": []}, 3, "board_refresh"),
])
def test_a_lost_entry_a_missing_post_or_a_slow_board_fails_it(students, board, trainings, check):
    r = summary(students, board, trainings, 3, 2.0)
    assert not r["ok"] and [k for k, v in r["checks"].items() if not v] == [check]
    assert verdict(r).startswith(f"FAIL ({check})")


def test_the_arguments_default_and_refuse_what_cannot_run(capsys):
    args = parse(["--classroom", "--sessions", "30"])
    assert (args.sessions, args.configs, args.epochs, args.samples, args.target) == (30, 3, 2, 6, 2.0)
    assert classroom.exercise(3, 2).range("latent_dim") == (2, 4)
    assert classroom.exercise(2, 5).range("epochs") == (1, 5)
    for bad, says in ((["--sessions", "0"], "at least 1"), (["--sessions", "2", "--configs", "3"], "--configs"),
                      (["--target", "0"], "positive")):
        with pytest.raises(SystemExit):
            parse(bad)
        assert says in capsys.readouterr().err


def test_write_records_the_figures_with_the_command_in_their_own_section(tmp_path):
    bench = tmp_path / "BENCHMARKS.md"
    bench.write_text("# Benchmarks\n\nearlier sections\n", encoding="utf-8")
    result = summary([student(0), student(1), student(2)], BOARD, 3, 3, 2.0)
    for sessions in ("3", "3", "4"):  # written again: the section is replaced, not repeated
        classroom.write(str(bench), parse(["--classroom", "--sessions", sessions]), result)
    text = bench.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nearlier sections\n")
    assert text.count("## A class and its board") == 1 and text.count("<!-- bench:load-classroom -->") == 1
    assert "`python -m tests.load --classroom --sessions 4 --configs 3 --epochs 2`" in text
    kept = json.loads(text.split("```json\n")[1].split("```")[0])
    assert kept["board_refresh_seconds"]["median"] == 1.2 and "failed" not in kept
