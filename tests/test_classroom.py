"""Classroom mode on both store backends (a SQLite file and a throwaway PostgreSQL, as in tests/test_store.py):
classes, codes and teacher keys, joining, posting and ranking, the exercise's preset held by the server, the rate
limit, closed and expired classes, isolation between classes, names as text, the results JSON and CSV, the quiz,
the class model, retention, and the command line."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys

import pytest
import sqlalchemy as sa

from aelib import cli
from aelib.classroom import GOALS, Classroom, Preset, class_days, clean_name, enforce, join_url, parse_code
from aelib.classroom.rules import ALPHABET, ENTRIES_PER_MINUTE
from aelib.i18n import Explained, t
from aelib.models import ModelConfig
from aelib.store import Status, open_store
from aelib.store.schema import classes

T0 = 1_800_000_000.0  # a fixed "now": expiry and the rate limit run on this clock, never by sleeping
DAY = 86400.0
TRAIN = {"epochs": 5, "batch_size": 64, "lr": 0.001, "seed": 0}
PRESET = Preset("digits", ("ae", "vae"), (("latent_dim", 2, 2), ("epochs", 1, 20)))



@pytest.fixture
def room(store):
    return Classroom(store.db)


def _run(store, ws, model="ae", latent=2, epochs=5, dataset="digits", status=Status.FINISHED, **metrics):
    cfg = ModelConfig.from_dict({"model": model, "latent_dim": latent, "input_shape": [64], "hidden": [32]})
    summary = {"knn_accuracy": 0.5, "test_mse": 0.05, "trustworthiness": 0.8, **metrics}
    return store.save_run(ws, dataset, cfg, {**TRAIN, "epochs": epochs}, status=status, summary=summary, now=T0)


def _student(store, room, code, name):
    ws = store.new_workspace(now=T0)
    room.join(code, ws, name, now=T0)
    return ws


def _zh(err) -> str:
    return err.value.words.say("zh")


def test_a_class_is_created_with_a_short_code_and_a_hashed_key(store, room):
    code, key = room.create_class("Year 11 — autoencoders", "zh", days=3, now=T0)
    assert len(code) == 6 and set(code) <= set(ALPHABET) and not set(code) & set("0O1IL")
    info = room.info(code.lower()[:3] + "-" + code.lower()[3:])  # typed by a student: case and dashes do not matter
    assert (info.code, info.name, info.lang, info.closes_at) == (code, "Year 11 — autoencoders", "zh", T0 + 3 * DAY)
    assert info.is_open(T0) and not info.is_open(T0 + 3 * DAY)
    with store.db.read() as conn:
        row = conn.execute(sa.select(classes).where(classes.c.code == code)).one()
    assert key not in json.dumps([str(v) for v in row]) and row.teacher_key_hash == hashlib.sha256(
        key.encode()).hexdigest()
    wrong = key[:-1] + ("y" if key.endswith("x") else "x")  # one character off (never the key itself)
    assert room.is_teacher(code, key) and not room.is_teacher(code, wrong) and not room.is_teacher(code, None)
    assert len({room.create_class("c", now=T0)[0] for _ in range(10)}) == 10
    assert join_url(code, {"AELAB_PUBLIC_URL": "https://lab.school.org/"}, lang="en") == f"https://lab.school.org/Classroom?join={code}"


def test_wrong_codes_and_wrong_keys_are_refused_clearly(room):
    code, key = room.create_class("c", now=T0)
    for junk in ("", "ABC", "K7QP3M0", "<script>", None, 12, "0OIL11"):
        with pytest.raises(Explained, match="6 letters and digits"):
            room.info(junk)
    unknown = next(c for c in ("ABCDEF", "ABCDEG") if c != code)
    with pytest.raises(Explained, match=f"no class with the code {unknown}") as err:
        room.info(unknown)
    assert "没有代码" in _zh(err)
    acts = [lambda k: room.results(code, k), lambda k: room.close_class(code, k), lambda k: room.board(code, k),
            lambda k: room.add_exercise(code, k, "e", PRESET, "knn_accuracy"), lambda k: room.hide_entry(code, k, 1),
            lambda k: room.rename(code, k, 1, "x"), lambda k: room.set_quiz(code, k, True),
            lambda k: room.publish(code, k, "w", None), lambda k: room.results_csv(code, k)]
    for act in acts:
        for wrong in ("", "x" * 32, key.upper() if key.upper() != key else key.lower(), None, "k" * 10_000):
            with pytest.raises(Explained, match="teacher key does not open") as err:
                act(wrong)
    assert "教师密钥" in _zh(err) and room.info(code).is_open(T0)  # nothing was closed by the wrong key


def test_students_join_post_and_are_ranked_by_the_goal(store, room):
    code, key = room.create_class("c", now=T0)
    scores = {"Ann": [0.7, 0.9], "Bo": [0.8], "Cy": [0.8], "Di": [0.4]}
    ws = {}
    for name, values in scores.items():
        ws[name] = _student(store, room, code, name)
        for i, v in enumerate(values):
            room.post_entry(code, ws[name], _run(store, ws[name], knn_accuracy=v), now=T0 + len(ws) + i / 10)
    board = room.board(code, key)
    ranked = [(r["rank"], r["student"], r["value"]) for r in board["leaderboard"]]
    assert ranked == [(1, "Ann", 0.9), (2, "Bo", 0.8), (2, "Cy", 0.8), (4, "Di", 0.4)]  # best per student, ties share
    assert len(board["entries"]) == 5 and board["goal"] == "knn_accuracy" and board["exercise"] is None
    assert all(ws[n] not in json.dumps(board) for n in ws)  # no workspace id reaches the board
    mine = room.standing(code, ws["Di"])
    assert (mine["rank"], mine["students"], mine["best"], mine["percentile"]) == (4, 4, 0.4, 25.0)
    assert mine["spread"] == pytest.approx({"min": 0.4, "q1": 0.7, "median": 0.8, "q3": 0.825, "max": 0.9})
    seen = json.dumps(mine)
    assert "Di" in seen and not any(n in seen for n in ("Ann", "Bo", "Cy")) and ws["Ann"] not in seen
    assert room.standing(code, store.new_workspace())["rank"] is None


def test_a_run_is_posted_with_its_stored_settings_not_the_ones_claimed(store, room):
    code, key = room.create_class("c", now=T0)
    ws = _student(store, room, code, "Ann")
    run = _run(store, ws, model="vae", latent=3, knn_accuracy=0.61)
    entry = room.post_entry(code, ws, run, {"model": "ae", "latent_dim": 2, "note": "mine", "bad": {"x": 1}},
                            {"knn_accuracy": 0.99, "extra": 1.5, "nan": float("nan")}, now=T0)
    (posted,) = room.results(code, key)["entries"]
    assert posted["settings"] == {"batch": 64, "dataset": "digits", "epochs": 5, "latent_dim": 3, "lr": 0.001,
                                  "model": "vae", "note": "mine", "seed": 0}
    assert posted["metrics"]["knn_accuracy"] == 0.61 and posted["metrics"]["extra"] == 1.5
    assert "nan" not in posted["metrics"] and posted["entry"] == entry and posted["run_id"] == run
    assert room.post_entry(code, ws, run, now=T0 + 1) == entry  # the same run again: the same entry
    other, stranger = _student(store, room, code, "Bo"), store.new_workspace()
    for bad in (run, _run(store, ws, status=Status.RUNNING), "r" * 32):  # not the poster's, not finished, unknown
        with pytest.raises(Explained, match="finished run of your own workspace"):
            room.post_entry(code, other if bad == run else ws, bad, now=T0)
    with pytest.raises(Explained, match="Join the class"):
        room.post_entry(code, stranger, _run(store, stranger), now=T0)


def test_the_exercise_holds_every_run_to_its_preset(store, room):
    code, key = room.create_class("c", now=T0)
    first = room.add_exercise(code, key, "2-D codes", PRESET, "knn_accuracy", now=T0)
    assert room.active_exercise(code).preset == PRESET and room.info(code).active_exercise == first
    held, changes = room.hold(code, {"dataset": "mnist5k", "model": "conv_ae", "latent_dim": 8, "epochs": 50, "lr": 1})
    assert held == {"dataset": "digits", "model": "ae", "latent_dim": 2, "epochs": 20, "lr": 1} and len(changes) == 4
    ws = _student(store, room, code, "Ann")
    for outside in (_run(store, ws, latent=3), _run(store, ws, model="deep_ae"), _run(store, ws, epochs=21),
                    _run(store, ws, dataset="mnist5k")):  # a page that claims latent 2 cannot post a latent-3 run
        with pytest.raises(Explained, match="outside the class's exercise") as err:
            room.post_entry(code, ws, outside, {"latent_dim": 2, "model": "ae", "dataset": "digits"}, now=T0)
    assert "超出了班级练习" in _zh(err) and room.results(code, key)["entries"] == []
    inside = room.post_entry(code, ws, _run(store, ws, model="vae"), now=T0)
    mse = room.add_exercise(code, key, "low MSE", Preset(ranges=(("latent_dim", 1, 8),)), "test_mse", now=T0)
    no_goal = store.save_run(ws, "digits", ModelConfig.from_dict({"model": "ae", "latent_dim": 4}), TRAIN,
                             status=Status.FINISHED, summary={"knn_accuracy": 0.5})
    with pytest.raises(Explained, match="has no test MSE"):
        room.post_entry(code, ws, no_goal, now=T0 + 1)
    later = room.post_entry(code, ws, _run(store, ws, latent=8, model="deep_ae", test_mse=0.01), now=T0 + 2)
    assert [e["entry"] for e in room.board(code, key)["entries"]] == [later]  # the board shows the active exercise
    assert [e["entry"] for e in room.board(code, key, first)["entries"]] == [inside]
    assert [(e.id, e.active, e.goal.name) for e in room.exercises(code)] == [(first, False, "knn_accuracy"),
                                                                            (mse, True, "test_mse")]
    room.switch_exercise(code, key, None)  # no exercise: any run is accepted
    room.post_entry(code, ws, _run(store, ws, latent=30, dataset="mnist5k"), now=T0 + 3)
    other, other_key = room.create_class("d", now=T0)
    with pytest.raises(Explained, match="no exercise number"):
        room.switch_exercise(other, other_key, first)  # another class's exercise


@pytest.mark.parametrize("settings, held, n_changes", [
    ({"dataset": "digits", "model": "vae", "latent_dim": 2, "epochs": 7, "x": "y"}, None, 0),
    ({"dataset": "digits", "model": "vae", "latent_dim": 2.0, "epochs": 7}, None, 0),
    ({"dataset": "digits", "model": "ae", "latent_dim": 2, "epochs": 0}, {"epochs": 1}, 1),
    ({"dataset": "digits", "model": "ae", "latent_dim": 2.6}, {"latent_dim": 2, "epochs": 1}, 2),
    ({"model": "<img src=x onerror=alert(1)>", "latent_dim": True, "epochs": float("inf")},
     {"dataset": "digits", "model": "ae", "latent_dim": 2, "epochs": 1}, 4),
])
def test_enforce_holds_settings_to_a_preset_and_says_what_changed(settings, held, n_changes):
    out, changes = enforce(PRESET, settings)
    assert out == {**settings, **(held or {})} and len(changes) == n_changes
    for words in changes:
        assert "<img" not in words and "<img" not in words.say("zh") and words.say("zh") != str(words)
    assert enforce(PRESET, out)[1] == []  # held settings are inside


def test_a_preset_is_checked_and_round_trips():
    assert Preset.from_dict(json.loads(json.dumps(PRESET.to_dict()))) == PRESET
    for bad in (dict(dataset="nope"), dict(families=("ae", "gpt")), dict(ranges=(("latent_dim", 3, 2),)),
                dict(ranges=(("latent_dim", 1.5, 2),)), dict(ranges=(("lr", 0, float("nan")),)),
                dict(ranges=(("x;drop", 0, 1),)), dict(ranges=tuple((f"s{i}", 0, 1) for i in range(17)))):
        with pytest.raises(Explained):
            Preset(**bad)
    with pytest.raises(Explained):
        Preset.from_dict({"dataset": "digits", "__class__": "os.system"})
    for name, goal in GOALS.items():
        assert goal.title.say("zh") != goal.title != f"classroom.goal.{name}" and t(f"classroom.goal.{name}", "zh")


def test_a_student_cannot_post_faster_than_the_limit(store, room):
    code, _ = room.create_class("c", now=T0)
    ws, other = _student(store, room, code, "Ann"), _student(store, room, code, "Bo")
    for i in range(ENTRIES_PER_MINUTE):
        room.post_entry(code, ws, _run(store, ws), now=T0 + i)
    with pytest.raises(Explained, match=f"posted {ENTRIES_PER_MINUTE} entries in the last minute") as err:
        room.post_entry(code, ws, _run(store, ws), now=T0 + 30)
    assert "一分钟" in _zh(err)
    room.post_entry(code, other, _run(store, other), now=T0 + 30)  # the limit is per student
    room.post_entry(code, ws, _run(store, ws), now=T0 + 61)  # the first post is a minute old


def test_a_closed_or_expired_class_takes_nothing_but_keeps_its_results(store, room, monkeypatch):
    code, key = room.create_class("c", days=1, now=T0)
    ws = _student(store, room, code, "Ann")
    room.post_entry(code, ws, _run(store, ws), now=T0)
    room.close_class(code, key)
    for act in (lambda: room.post_entry(code, ws, _run(store, ws), now=T0 + 1),
                lambda: room.join(code, store.new_workspace(), "Bo", now=T0 + 1),
                lambda: room.post_answer(code, ws, "q1", True, now=T0 + 1)):
        with pytest.raises(Explained, match=f"class {code} is closed"):
            act()
    assert len(room.results(code, key)["entries"]) == 1
    late, _ = room.create_class("c", days=1, now=T0)
    with pytest.raises(Explained, match=f"class {late} ended on 2027-01-1") as err:
        room.join(late, store.new_workspace(), "Ann", now=T0 + DAY)
    assert "已于" in _zh(err)
    monkeypatch.setenv("AELAB_CLASS_DAYS", "2")
    assert class_days() == 2.0
    fresh, _ = room.create_class("c", now=T0)
    assert room.info(fresh).closes_at == T0 + 2 * DAY
    for bad in ("0", "-1", "x", "inf", "1000"):
        monkeypatch.setenv("AELAB_CLASS_DAYS", bad)
        with pytest.raises(ValueError, match="AELAB_CLASS_DAYS"):
            class_days()
    with pytest.raises(Explained, match="at most 365 days"):
        room.create_class("c", days=400)


def test_two_classes_never_see_each_other(store, room):
    (a, key_a), (b, key_b) = room.create_class("a", now=T0), room.create_class("b", now=T0)
    ws = _student(store, room, a, "Ann")
    entry = room.post_entry(a, ws, _run(store, ws, knn_accuracy=0.9), now=T0)
    room.set_quiz(a, key_a, True)
    room.post_answer(a, ws, "q1", False, now=T0)
    assert room.results(b, key_b)["entries"] == [] and room.board(b, key_b)["leaderboard"] == []
    assert room.board(b, key_b)["quiz"] == {} and room.standing(b, ws)["entries"] == []
    assert room.entry_source(b, key_b, entry) is None and room.entry_source(a, key_a, entry)[0] == ws
    assert not room.hide_entry(b, key_b, entry) and not room.rename(b, key_b, entry, "Mallory")
    with pytest.raises(Explained, match="teacher key does not open"):
        room.results(b, key_a)
    with pytest.raises(Explained, match="Join the class"):
        room.post_entry(b, ws, _run(store, ws), now=T0)  # a member of a is not one of b
    assert room.results(a, key_a)["entries"][0]["student"] == "Ann" and room.member_name(b, ws) is None


def test_display_names_are_plain_text(store, room):
    code, key = room.create_class("c", now=T0)
    markup = "<b>Ann</b> **A** [x](javascript:1)"
    ws = _student(store, room, code, markup)
    room.post_entry(code, ws, _run(store, ws), now=T0)
    assert room.results(code, key)["entries"][0]["student"] == markup  # kept as the text typed, never rendered here
    assert room.board(code, key)["leaderboard"][0]["student"] == markup
    assert clean_name("  Zoë\u202e\u200b \x00 Li\n\tWei  ") == "Zoë Li Wei"  # bidi override, zero-width, NUL gone
    assert clean_name("李华") == "李华"
    with pytest.raises(Explained, match="at most 40 characters; this one has 41") as err:
        clean_name("x" * 41)
    assert "最多" in _zh(err)
    for empty in ("", "  ", "\u200b\x07", None, 5):
        with pytest.raises(Explained, match="Type a name"):
            room.join(code, ws, empty, now=T0)
    (entry,) = room.results(code, key)["entries"]
    assert room.rename(code, key, entry["entry"], "Ann B.") and room.member_name(code, ws) == "Ann B."
    assert room.results(code, key)["entries"][0]["student"] == "Ann B."


def test_results_json_and_csv(store, room):
    code, key = room.create_class("c", now=T0)
    room.add_exercise(code, key, "2-D", PRESET, "knn_accuracy", now=T0)
    ws = _student(store, room, code, "=HYPERLINK(\"http://x\")")
    entry = room.post_entry(code, ws, _run(store, ws, knn_accuracy=0.75), {"seed": 0}, now=T0)
    assert room.hide_entry(code, key, entry)
    results = room.results(code, key)
    assert set(results) == {"class", "entries"} and results["class"] == code
    (e,) = results["entries"]
    assert {"student", "run_id", "settings", "metrics", "time"} <= set(e) and e["time"] == T0 and e["hidden"]
    assert e["exercise"] == "2-D" and all(isinstance(v, int | float) for v in e["metrics"].values())
    assert room.board(code, key)["leaderboard"] == []  # hidden from the board, kept in the results
    rows = list(csv.DictReader(io.StringIO(room.results_csv(code, key))))
    assert len(rows) == 1 and rows[0]["student"] == "'=HYPERLINK(\"http://x\")"  # not a formula in a spreadsheet
    assert rows[0]["metric:knn_accuracy"] == "0.75" and rows[0]["setting:latent_dim"] == "2"
    assert rows[0]["time"] == "2027-01-15T08:00:00Z" and rows[0]["hidden"] == "True"


def test_quiz_answers_are_counted_per_question_when_the_teacher_turns_the_quiz_on(store, room):
    code, key = room.create_class("c", now=T0)
    students = [_student(store, room, code, n) for n in ("A", "B", "C")]
    assert not room.post_answer(code, students[0], "q1", True, now=T0)  # off: nothing is posted
    room.set_quiz(code, key, True)
    for ws, (q1, q2) in zip(students, [(True, False), (True, False), (False, True)]):
        assert room.post_answer(code, ws, "q1", q1, now=T0) and room.post_answer(code, ws, "q2", q2, now=T0)
    room.post_answer(code, students[2], "q1", True, now=T0 + 1)  # a second try replaces the first
    stats = room.quiz_stats(code, key)
    assert list(stats) == ["q2", "q1"]  # the most missed question first
    assert stats["q1"] == {"answered": 3, "correct": 3, "share_correct": 1.0}
    assert stats["q2"] == {"answered": 3, "correct": 1, "share_correct": 0.333}
    with pytest.raises(Explained, match="Join the class"):
        room.post_answer(code, store.new_workspace(), "q1", True, now=T0)


def test_the_teacher_publishes_a_class_model(store, room):
    code, key = room.create_class("c", now=T0)
    teacher, student = store.new_workspace(), _student(store, room, code, "Ann")
    run = _run(store, teacher)
    with pytest.raises(Explained, match="finished run of your own workspace"):
        room.publish(code, key, student, run)  # not the teacher's workspace's run
    room.publish(code, key, teacher, run)
    assert room.class_model(code).id == run and room.info(code).has_class_model
    assert room.class_model_blob(code) is None  # this run has no weights yet
    room.publish(code, key, teacher, None)
    assert room.class_model(code) is None


def test_gc_keeps_the_workspaces_an_open_class_holds(store, room):
    old = T0 - 100 * DAY
    code, key = room.create_class("c", days=200, now=old)
    member, poster, teacher, stray = (store.new_workspace(now=old) for _ in range(4))
    for ws in (member, poster):
        room.join(code, ws, "x", now=old)
    room.post_entry(code, poster, _run(store, poster), now=old)
    room.publish(code, key, teacher, _run(store, teacher))
    assert store.gc(30, now=T0)["workspaces"] == 1  # only the stray one
    assert all(store.check_workspace_id(ws, now=T0) for ws in (member, poster, teacher))
    assert len(room.results(code, key)["entries"]) == 1
    room.close_class(code, key)
    with store.db.write() as conn:  # untouched again since long ago
        conn.execute(sa.text("UPDATE workspaces SET touched_at = :t"), {"t": old})
    assert store.gc(30, now=T0)["workspaces"] == 3  # a closed class holds nothing back
    assert room.results(code, key)["entries"] == [] and room.class_model(code) is None


def test_the_cli_creates_sets_reads_and_closes_a_class(url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AELAB_DATABASE_URL", url)
    monkeypatch.setenv("AELAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AELAB_PUBLIC_URL", "https://lab.example.org")
    assert cli.main(["classroom", "create", "--name", "Year 11", "--lang", "zh", "--days", "2", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    made = json.loads(out[-1])
    assert len(out) == 1 and set(made) == {"code", "teacher_key", "join_url", "teacher_url"}
    code, key = made["code"], made["teacher_key"]
    assert made["join_url"] == f"https://lab.example.org/Classroom?join={code}&lang=zh"  # the class's language
    assert parse_code(code) == code
    assert cli.main(["classroom", "exercise", code, "--teacher-key", key, "--name", "2-D", "--dataset", "digits",
                     "--families", "ae,vae", "--latent", "2:2", "--epochs", "1:2", "--goal", "knn_accuracy",
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["preset"] == {
        "dataset": "digits", "families": ["ae", "vae"], "ranges": {"latent_dim": [2, 2], "epochs": [1, 2]}}
    assert cli.main(["train", "--dataset", "mnist5k", "--model", "conv_ae", "--latent-dim", "5", "--epochs", "1",
                     "--classroom", code.lower(), "--student", "Ann", "--json"]) == 0
    captured = capsys.readouterr()
    posted = json.loads(captured.out.strip().splitlines()[-1])
    assert (posted["dataset"], posted["model"], posted["latent_dim"]) == ("digits", "ae", 2)  # held to the preset
    assert posted["classroom"]["rank"] == 1 and "Held to the class's exercise" in captured.err
    assert cli.main(["classroom", "results", code, "--teacher-key", key, "--json"]) == 0
    results = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (entry,) = results["entries"]
    assert results["class"] == code and entry["student"] == "Ann" and entry["run_id"] == posted["classroom"]["run_id"]
    assert entry["settings"]["latent_dim"] == 2 and entry["metrics"]["knn_accuracy"] == posted["knn_accuracy"]
    assert cli.main(["classroom", "results", code, "--teacher-key", "wrong", "--json"]) == 2
    wrong = capsys.readouterr()
    assert wrong.out == "" and "teacher key does not open" in wrong.err
    assert cli.main(["classroom", "close", code, "--teacher-key", key]) == 0
    capsys.readouterr()
    assert cli.main(["train", "--dataset", "digits", "--epochs", "1", "--classroom", code, "--student", "Ann"]) == 2
    assert "is closed" in capsys.readouterr().err
    assert cli.main(["classroom", "results", "NOPE12", "--teacher-key", key]) == 2
    assert "6 letters and digits" in capsys.readouterr().err


def test_the_results_command_with_a_wrong_key_fails_in_its_own_process(tmp_path):
    env = {"AELAB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    store = open_store(f"sqlite:///{tmp_path / 'aelab.db'}")
    code, _ = Classroom(store.db).create_class("c")
    store.close()
    done = subprocess.run([sys.executable, "-m", "aelib", "classroom", "results", code, "--teacher-key", "nope",
                           "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0 and done.stdout == "" and "teacher key does not open the class" in done.stderr


def test_a_teacher_key_never_looks_like_a_command_line_option(monkeypatch):
    """`--teacher-key KEY` must take every key: one random URL-safe key in 64 starts with "-" (argparse then says
    "expected one argument"); such a draw is drawn again."""
    from aelib.classroom import rules

    draws = iter(["-starts-with-a-dash-and-is-32-chars", "Xgood-key-of-the-same-kind-here-ok"])
    monkeypatch.setattr(rules.secrets, "token_urlsafe", lambda n: next(draws))
    assert rules.new_teacher_key() == "Xgood-key-of-the-same-kind-here-ok"
    monkeypatch.undo()
    assert not any(rules.new_teacher_key().startswith("-") for _ in range(2000))
