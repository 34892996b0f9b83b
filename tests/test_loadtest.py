"""The classroom load test's verdict (tests/load): it passes only when every learner finished, cleanly, with
their own model. (The load test itself runs from the command line: `python -m tests.load --sessions 10`.)"""
from tests.load.loadtest import main, rss_mib, summary

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
