"""The classroom load test's verdict (tests/load): it passes only when every learner finished, cleanly, with their
own model, as many trainings ran as there were distinct configurations, and, where configurations were shared, the
slowest finished within the target ratio of the lone learner. (The load test itself runs from the command line:
`python -m tests.load --sessions 30 --configs 3`.)"""
from tests.load.loadtest import main, rss_mib, summary, train_url, verdict

ALONE = {"latent": 2, "seconds": 8.0, "exceptions": 0, "own_model": True}


def session(latent, seconds=20.0, exceptions=0, own=True):
    return {"latent": latent, "seconds": seconds, "exceptions": exceptions, "own_model": own}


def test_a_clean_classroom_passes_and_reports_the_slowest_against_one_learner():
    r = summary(ALONE, [session(2, 16.0), session(3, 24.0)], 30.0, [1000.0, 1200.0], 900.0, 1100.0, 3)
    assert r["ok"] and r["failed"] == []
    assert (r["slowest_seconds"], r["median_seconds"], r["slowest_vs_alone"]) == (24.0, 20.0, 3.0)
    assert r["server_rss_mib"] == {"after_one_learner": 900, "peak": 1200, "after_all": 1100}


def test_another_learners_model_an_exception_or_a_timeout_fails_it():
    for bad in (session(3, own=False), session(3, exceptions=1),
                {"latent": 3, "seconds": None, "error": "TimeoutError: Finished never appeared"}):
        r = summary(ALONE, [session(2), bad], 30.0, [], None, None, 3)
        assert not r["ok"] and r["failed"] == [bad]
    alone_failed = {"latent": 2, "seconds": None, "error": "TimeoutError"}
    r = summary(alone_failed, [session(2)], 30.0, [], None, None, 3)
    assert not r["ok"] and r["slowest_vs_alone"] is None and r["failed"][0]["alone"]


def test_memory_is_read_from_proc_and_bad_arguments_are_refused(capsys):
    import os

    import pytest
    assert rss_mib(os.getpid()) is None or rss_mib(os.getpid()) > 1  # this Python process, in MiB
    assert rss_mib(-1) is None
    with pytest.raises(SystemExit):
        main(["--sessions", "0"])
    assert "at least 1" in capsys.readouterr().err


def test_a_shared_classroom_counts_its_trainings_and_holds_the_slowest_to_the_ratio():
    class_ = [session(2, 12.0), session(3, 30.0), {**session(2, 14.0), "shared": True}]
    r = summary(ALONE, class_, 35.0, [], None, None, 3, configs=2, trainings=2, max_ratio=4.0)
    assert r["ok"] and r["checks"] == {"all_finished": True, "trainings": True, "slowest_vs_alone": True}
    assert (r["slowest_vs_alone"], r["shared_sessions"], r["finished"]) == (3.75, 1, 3)
    assert verdict(r).startswith("PASS: 3/3 sessions finished") and "target <= 4.0x: met" in verdict(r)
    for trainings, ratio, failed in ((3, 4.0, "trainings"), (2, 3.5, "slowest_vs_alone")):
        r = summary(ALONE, class_, 35.0, [], None, None, 3, configs=2, trainings=trainings, max_ratio=ratio)
        assert not r["ok"] and [k for k, v in r["checks"].items() if v is False] == [failed]
        assert verdict(r).startswith("FAIL: ")
    assert "MISSED" in verdict(r)


def test_one_configuration_per_session_is_the_default_and_has_no_ratio_target():
    r = summary(ALONE, [session(2), session(3)], 30.0, [], None, None, 3, trainings=2)
    assert r["ok"] and r["configs"] == 2 and r["checks"]["slowest_vs_alone"] is None
    assert "target" not in verdict(r) and "2 trainings ran (expected 2)" in verdict(r)
    assert not summary(ALONE, [session(2), session(3)], 30.0, [], None, None, 3, trainings=1)["ok"]


def test_configs_must_fit_the_sessions(capsys):
    import pytest
    for configs in ("0", "4"):
        with pytest.raises(SystemExit):
            main(["--sessions", "3", "--configs", configs])
        assert "--configs must be between 1 and --sessions" in capsys.readouterr().err


def test_the_learners_settings_travel_in_the_address():
    assert train_url("http://h:1", 3, 5) == "http://h:1/Train?epochs=5&latent_dim=3"
    assert train_url("http://h:1", 2, 3, seed=1).endswith("latent_dim=2&seed=1")


def test_the_timeline_places_each_training_and_its_sessions_after_the_first_click():
    from types import SimpleNamespace

    from tests.load.loadtest import cpu_seconds, machine_busy_seconds, timeline, tree_cpu_seconds

    def rec(latent, start, end):
        return SimpleNamespace(model_config=SimpleNamespace(latent_dim=latent), created_at=start, finished_at=end)

    runs = [{"latent": 2, "clicked": 100.0, "done_at": 110.0}, {"latent": 2, "clicked": 100.5, "done_at": 114.0},
            {"latent": 3, "clicked": 101.0, "done_at": 130.0}, {"latent": 3, "seconds": None, "error": "Timeout"}]
    assert timeline(runs, [rec(3, 101.2, None), rec(2, 100.1, 108.0)]) == {
        "latent 2": {"training": [0.1, 8.0], "sessions_finished": [10.0, 14.0]},
        "latent 3": {"training": [1.2, None], "sessions_finished": [30.0, 30.0]}}
    assert timeline([{"latent": 2, "seconds": None}], []) == {}
    import os
    assert cpu_seconds(-1) is None
    for value in (cpu_seconds(os.getpid()), machine_busy_seconds()):  # None off Linux
        assert value is None or value > 0
    mine = tree_cpu_seconds(os.getpid(), -1)  # whatever this test run has started, if anything
    assert mine is None or mine >= 0
    assert tree_cpu_seconds(1, -1) is None or tree_cpu_seconds(1, -1) > 0  # everything init started


def test_the_browsers_can_be_put_behind_the_server(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    from tests.load.loadtest import renice_tree

    if not os.path.isdir("/proc"):
        return
    # a stand-in "chromium" (a copy of sleep: the executable's name is what counts) and a child that is no browser
    stand_in = tmp_path / "chromium"
    shutil.copy(shutil.which("sleep"), stand_in)
    fake = subprocess.Popen([str(stand_in), "30"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert renice_tree(os.getpid(), -1, 7) >= 1
        assert os.getpriority(os.PRIO_PROCESS, fake.pid) == 7
        assert os.getpriority(os.PRIO_PROCESS, other.pid) == 0  # Playwright's driver keeps its share
        renice_tree(os.getpid(), fake.pid, 9)  # the server's subtree is left alone
        assert os.getpriority(os.PRIO_PROCESS, fake.pid) == 7
    finally:
        for child in (fake, other):
            child.kill()
            child.wait()
    try:
        main(["--sessions", "3", "--configs", "1", "--browser-nice", "20"])
    except SystemExit as refused:
        assert refused.code == 2  # argparse's usage error, before anything starts
    else:
        raise AssertionError("--browser-nice 20 was accepted")


def test_the_page_cost_summary_takes_medians_and_works_out_the_class_floor():
    from tests.load.page_cost import summary

    presses = [{"TaskDuration": t, "ScriptDuration": 1.0, "LayoutDuration": 0.1, "RecalcStyleDuration": 0.1,
                "browser_cpu_seconds": c, "seconds_to_finished": 4.0} for t, c in [(2.0, 3.0), (9.0, 2.0), (2.5, 10.0)]]
    got = summary(presses, sessions=30, cores=2)
    assert got["median"]["TaskDuration"] == 2.5 and got["median"]["browser_cpu_seconds"] == 3.0
    assert got["browsers_alone_need_seconds"] == 45.0  # 30 pages x 3 CPU-seconds on 2 cores
