"""The workspace store on both of its backends: a SQLite file, and a real PostgreSQL server started for the session
(tests/pg.py; that half skips where PostgreSQL is not installed). Round trips, isolation between workspaces,
tampered ids, the unique claim under a race, leases, transactions, retention, migrations and the CLI."""
from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from aelib import cli
from aelib.i18n import Explained
from aelib.models import ModelConfig
from aelib.store import LeaseLost, Status, StoreTooNew, StoreUnavailable, database_url, identity_of, open_store
from aelib.store.engine import make_engine
from aelib.store.schema import LATEST, metadata, runs, schema_version, upgrade, workspaces

T0 = 1_800_000_000.0  # a fixed "now": leases and retention are tested on this clock, never by sleeping
VAE = ModelConfig.from_dict({"model": "vae", "latent_dim": 3, "hidden": [64, 32], "beta": 4.0})
TRAIN = {"epochs": 3, "batch_size": 64, "lr": 0.001, "seed": 7}



def _run(store, ws, identity="", owner="p1", **kw):
    return store.save_run(ws, "mnist5k", VAE, TRAIN, identity=identity, name="my vae", owner=owner, now=T0, **kw)


def test_a_run_round_trips_with_its_epochs_and_blobs(store):
    ws = store.new_workspace()
    run_id = _run(store, ws)
    for epoch in (1, 2):
        store.append_epoch(run_id, epoch, {"epoch": epoch, "train": {"loss": 1.0 / epoch}}, "p1",
                           weights=b"w%d" % epoch, snapshot=b"s%d" % epoch, now=T0 + epoch)
    store.finish_run(run_id, summary={"test_mse": 0.02, "note": "ok"}, owner="p1", weights=b"final", now=T0 + 3)
    run = store.get_run(ws, run_id)
    assert run.model_config.to_json() == VAE.to_json() and run.model == "vae" and run.train_config == TRAIN
    assert (run.status, run.summary, run.name, run.dataset) == (Status.FINISHED, {"test_mse": 0.02, "note": "ok"},
                                                                 "my vae", "mnist5k")
    assert (run.created_at, run.finished_at) == (T0, T0 + 3)
    assert [e["train"]["loss"] for e in store.epochs(ws, run_id)] == [1.0, 0.5]
    assert store.get_blob(ws, run_id) == b"final" and store.get_blob(ws, run_id, "replay/2") == b"s2"
    assert [r.id for r in store.list_runs(ws)] == [run_id]
    assert store.delete_run(ws, run_id) and store.get_run(ws, run_id) is None
    assert store.stats()["epochs"] == 0 and store.stats()["blobs"] == 0  # the run's rows went with it


def test_workspaces_never_see_each_other(store):
    a, b = store.new_workspace(), store.new_workspace()
    run_id = _run(store, a)
    store.append_epoch(run_id, 1, {"loss": 1.0}, "p1", weights=b"w")
    upload = store.uploads.save(a, "mine.csv", b"x,y\n1,2\n")
    store.quiz.answer(a, "q1", "b", True)
    assert store.list_runs(b) == [] and store.get_run(b, run_id) is None
    assert store.epochs(b, run_id) == [] and store.get_blob(b, run_id) is None
    assert not store.delete_run(b, run_id) and store.get_run(a, run_id) is not None
    assert store.uploads.list(b) == [] and store.uploads.get(b, upload) is None and not store.uploads.delete(b, upload)
    assert store.quiz.progress(b) == {} and store.quiz.progress(a)["q1"]["correct"] is True
    assert store.uploads.get(a, upload) == b"x,y\n1,2\n"


def test_tampered_workspace_ids_are_refused_quietly(store):
    store.new_workspace()
    for junk in (None, 12, b"bytes", "", "x" * 32, "../../etc/passwd", "' OR 1=1 --", "é" * 32, "a" * 10_000, "%",
                 "ws=abc", "\x00" * 32):
        assert store.check_workspace_id(junk) is None, junk


def test_workspace_ids_are_unguessable_and_checked(store):
    ids = {store.new_workspace() for _ in range(20)}
    assert len(ids) == 20 and all(len(i) == 32 for i in ids)  # 24 random bytes (192 bits), base64url
    ws = ids.pop()
    assert store.check_workspace_id(ws) == ws
    flipped = ws[:-1] + ("A" if ws[-1] != "A" else "B")
    assert store.check_workspace_id(flipped) is None
    with pytest.raises(LookupError):
        store.save_run(flipped, "mnist5k", VAE, TRAIN)


def test_a_config_that_no_longer_passes_is_left_out(store, url):
    ws = store.new_workspace()
    good, bad = _run(store, ws), _run(store, ws)
    with make_engine(url).begin() as conn:  # as if edited by hand in the database
        conn.execute(runs.update().where(runs.c.id == bad).values(model_config=json.dumps({"model": "vae",
                                                                                           "__class__": "os.system"})))
        stored = conn.execute(sa.select(runs.c.model_config).where(runs.c.id == good)).scalar()
    assert json.loads(stored)["beta"] == 4.0  # JSON text, never a pickle
    assert [r.id for r in store.list_runs(ws)] == [good] and store.get_run(ws, bad) is None


def _race(stores, mine) -> list[str]:
    """Both stores claim their own run at the same moment (a barrier releases the two threads together)."""
    start, won = threading.Barrier(2), ["", ""]

    def claim(i):
        start.wait()
        won[i] = stores[i].claim(mine[i], f"p{i}", 30, now=T0)

    threads = [threading.Thread(target=claim, args=(i,)) for i in (0, 1)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return won


def test_two_owners_race_for_one_identity_and_exactly_one_wins(url):
    stores = [open_store(url), open_store(url)]  # two processes' worth of engines
    try:
        for round_ in range(4):
            identity = identity_of({"round": round_, "model": VAE.to_json(), "train": TRAIN})
            mine = [_run(s, s.new_workspace(), identity, owner=f"p{i}") for i, s in enumerate(stores)]
            won = _race(stores, mine)
            assert won[0] == won[1] and won[0] in mine  # both agree on the one winner
            assert stores[0].claimed(identity).run_id == won[0]
    finally:
        [s.close() for s in stores]


def test_a_finished_claim_stays_and_a_failed_one_is_released(store):
    identity = identity_of({"x": 1})
    first = _run(store, store.new_workspace(), identity)
    assert store.claim(first, "p1", 30, now=T0) == first
    store.finish_run(first, owner="p1", now=T0 + 1)
    again = _run(store, store.new_workspace(), identity, owner="p2")
    assert store.claim(again, "p2", 30, now=T0 + 2) == first  # reuse the finished one
    store.finish_run(again, Status.FAILED, owner="p2")  # its own copy ends; the identity's holder stays
    assert store.claimed(identity).status == Status.FINISHED
    other = identity_of({"x": 2})
    failed = _run(store, store.new_workspace(), other)
    store.claim(failed, "p1", 30)
    store.finish_run(failed, Status.STOPPED, owner="p1")
    retry = _run(store, store.new_workspace(), other, owner="p3")
    assert store.claimed(other) is None and store.claim(retry, "p3", 30) == retry


def test_an_expired_lease_marks_the_run_interrupted_and_never_a_live_one(store):
    ws = store.new_workspace()
    identity = identity_of({"lease": True})
    stale, live = _run(store, ws, identity, lease_seconds=10), _run(store, ws, owner="p2", lease_seconds=10)
    store.claim(stale, "p1", 10, now=T0)
    store.append_epoch(stale, 1, {"loss": 1.0}, "p1", weights=b"w1", lease_seconds=10, now=T0 + 1)
    assert store.expire_stale(now=T0 + 10) == []  # leases run to T0 + 11 and T0 + 10: none has passed
    assert store.renew(live, "p2", 10, now=T0 + 9) and not store.renew(live, "p1", 10, now=T0 + 9)  # not p1's
    assert store.expire_stale(now=T0 + 12) == [stale]
    run = store.get_run(ws, stale)
    assert run.status == Status.INTERRUPTED and not run.claimed and store.get_run(ws, live).status == Status.RUNNING
    assert len(store.epochs(ws, stale)) == 1 and store.get_blob(ws, stale) == b"w1"  # kept at its last epoch
    assert store.claimed(identity) is None  # free to be trained again
    assert not store.renew(stale, "p1", 10, now=T0 + 13)
    with pytest.raises(LeaseLost):  # the late owner cannot write past the interruption
        store.append_epoch(stale, 2, {"loss": 0.5}, "p1", weights=b"w2", now=T0 + 13)
    with pytest.raises(LeaseLost):
        store.finish_run(stale, owner="p1")
    assert len(store.epochs(ws, stale)) == 1 and store.get_blob(ws, stale) == b"w1"


def test_a_failed_append_leaves_nothing_half_written(store):
    ws = store.new_workspace()
    run_id = _run(store, ws)
    store.append_epoch(run_id, 1, {"loss": 1.0}, "p1", weights=b"w1", snapshot=b"s1", now=T0 + 1)
    with pytest.raises(sa.exc.IntegrityError):  # epoch 1 again: the weights and snapshot must not land either
        store.append_epoch(run_id, 1, {"loss": 9.0}, "p1", weights=b"BAD", snapshot=b"BAD", now=T0 + 2)
    with pytest.raises(ValueError):  # stats that are not JSON (NaN) fail after the lease update: rolled back too
        store.append_epoch(run_id, 2, {"loss": float("nan")}, "p1", weights=b"BAD", lease_seconds=1e6, now=T0 + 2)
    assert store.epochs(ws, run_id) == [{"loss": 1.0}]
    assert store.get_blob(ws, run_id) == b"w1" and store.get_blob(ws, run_id, "replay/1") == b"s1"
    assert store.expire_stale(now=T0 + 1 + 31) == [run_id]  # the lease is still the one epoch 1 set
    upload = store.uploads.save(ws, "a.csv", b"1" * 600, quota=1000)
    with pytest.raises(Explained) as err:
        store.uploads.save(ws, "b.csv", b"1" * 600, quota=1000)
    assert "MB" in err.value.words.say("zh") and [u["id"] for u in store.uploads.list(ws)] == [upload]


def test_gc_removes_old_workspaces_and_keeps_what_must_be_kept(store):
    day = 86400.0
    old, pinned, training, recent = (store.new_workspace(now=T0 - 100 * day) for _ in range(4))
    store.check_workspace_id(recent, now=T0 - 1 * day)  # a visit keeps it
    store.pin(pinned)
    store.save_run(training, "mnist5k", VAE, TRAIN, owner="p1", lease_seconds=60, now=T0)  # live until T0 + 60
    done = _run(store, old, status=Status.FINISHED)
    store.save_run(old, "mnist5k", VAE, TRAIN, owner="gone", lease_seconds=60, now=T0 - 100 * day)
    assert store.gc(30, now=T0) == {"workspaces": 1, "runs": 2, "interrupted": 1}
    assert store.check_workspace_id(old, now=T0) is None and store.get_run(old, done) is None
    assert all(store.check_workspace_id(ws, now=T0) for ws in (pinned, training, recent))
    assert store.stats()["runs"] == 1


def test_a_labs_result_is_kept_replaced_listed_and_removed_with_its_workspace(store):
    day = 86400.0
    ws, other, old = store.new_workspace(now=T0), store.new_workspace(now=T0), store.new_workspace(now=T0 - 100 * day)
    store.results.save(ws, "denoising", '{"a": 1}', b"first", now=T0)
    store.results.save(ws, "denoising", '{"a": 2}', b"second", now=T0 + 1)  # the newest replaces it
    store.results.save(ws, "lessons/score", "{}", b"", now=T0 + 2)
    assert store.results.get(ws, "denoising") == ('{"a": 2}', b"second")
    assert [r["lab"] for r in store.results.list(ws)] == ["lessons/score", "denoising"]
    assert store.results.get(other, "denoising") is None and store.results.list(other) == []  # never another's
    with pytest.raises(LookupError):
        store.results.save("no-such-workspace", "denoising", "{}", b"")
    with pytest.raises(Explained) as err:
        store.results.save(ws, "denoising", "{}", b"x" * 2000, limit=1000)
    assert err.value.words.key == "store.result_too_big"
    assert store.results.get(ws, "denoising") == ('{"a": 2}', b"second")  # a refused write leaves the old whole
    assert store.results.delete(ws, "lessons/score") and not store.results.delete(ws, "lessons/score")
    assert store.stats()["lab_results"] == 1 and store.stats()["lab_result_bytes"] == len('{"a": 2}') + 6
    store.results.save(old, "anomaly", "{}", b"old", now=T0 - 100 * day)
    store.gc(30, now=T0 + 10)
    assert store.results.list(old) == [] and store.stats()["lab_results"] == 1  # gone with its workspace


def test_a_store_written_at_version_1_opens_upgraded(url):
    engine = make_engine(url)
    assert upgrade(engine, target=1) == 1
    with engine.begin() as conn:  # a version-1 store with a workspace and a run, written with version 1's tables
        assert not sa.inspect(conn).has_table("uploads")
        conn.execute(workspaces.insert().values(id="w" * 32, created_at=T0, touched_at=T0, pinned=False))
        conn.execute(runs.insert().values(id="r" * 32, workspace_id="w" * 32, identity="", name="old", dataset="digits",
                                          model="vae", model_config=VAE.to_json(), train_config="{}",
                                          status="finished", summary='{"mse": 0.1}', created_at=T0, owner=""))
    engine.dispose()
    store = open_store(url)
    try:
        assert store.stats()["schema_version"] == LATEST == 5
        assert [r.name for r in store.list_runs("w" * 32)] == ["old"]
        store.uploads.save("w" * 32, "new.csv", b"1,2\n")  # version 2's table works
        store.results.save("w" * 32, "denoising", "{}", b"x")  # and version 5's
        with store.db.engine.connect() as conn:  # a migrated database has exactly the tables and columns declared
            seen = sa.inspect(conn)
            found = {t: {c["name"] for c in seen.get_columns(t)} for t in seen.get_table_names()}
        assert found == {t.name: {c.name for c in t.columns} for t in metadata.sorted_tables}
    finally:
        store.close()
    assert open_store(url).stats()["schema_version"] == LATEST  # opening again changes nothing


def test_a_store_from_a_newer_version_is_refused_untouched(url):
    open_store(url).close()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(schema_version.update().values(version=LATEST + 1))
    with pytest.raises(StoreTooNew, match="newer"):
        open_store(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar() == LATEST + 1
    engine.dispose()


def test_the_default_location_and_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("AELAB_DATABASE_URL", raising=False)
    monkeypatch.setenv("AELAB_HOME", str(tmp_path / "h"))
    assert database_url() == f"sqlite:///{tmp_path / 'h' / 'aelab.db'}"
    open_store().close()
    assert (tmp_path / "h" / "aelab.db").is_file()
    monkeypatch.setenv("AELAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        open_store()
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        open_store("mysql://x@localhost/y")


def test_the_cli_lists_runs_and_keeps_the_store(url, monkeypatch, capsys):
    monkeypatch.setenv("AELAB_DATABASE_URL", url)
    store = open_store(url)
    ws = store.new_workspace()
    run_id = _run(store, ws, status=Status.FINISHED, summary={"test_mse": 0.03, "knn_acc": 0.9, "note": "x"})
    store.new_workspace(now=1_000_000_000.0)  # 2001: long untouched
    store.close()
    assert cli.main(["runs", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["runs"]
    assert listed == [{"id": run_id, "workspace": ws, "name": "my vae", "dataset": "mnist5k", "model": "vae",
                       "status": "finished", "created": T0, "metrics": {"test_mse": 0.03, "knn_acc": 0.9}}]
    assert cli.main(["store", "--stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (stats["workspaces"], stats["runs"], stats["runs_by_status"]) == (2, 1, {"finished": 1})
    assert cli.main(["store", "--gc", "--days", "365", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"workspaces": 1, "runs": 0,
                                                                            "interrupted": 0}
    monkeypatch.setenv("AELAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert cli.main(["runs", "--json"]) == 2 and "cannot be reached" in capsys.readouterr().err
