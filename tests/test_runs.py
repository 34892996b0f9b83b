"""Training as a server-side job (aelib.runs), on SQLite and on a real PostgreSQL: a run trains in the runner's thread
and is committed epoch by epoch; identical requests are trained once (followed while running, reused when done,
unless the learner trains their own); Stop works here and across processes; a vanished owner's run is marked
interrupted at its last epoch; what comes back from the store is the model that was trained."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from aelib import infer
from aelib.data import load_dataset
from aelib.experiment import model_config, train_config
from aelib.i18n import Words
from aelib.jobs import Slots
from aelib.runs import Ask, Runner, identity, load_run, message_of, words_json
from aelib.runs import runner as runner_module
from aelib.store import Status, open_store
from tests.conftest import shrink


@pytest.fixture(scope="module")
def ds():
    return shrink(load_dataset("digits"), 300, 100)


def runner_for(store, **kw) -> Runner:
    return Runner(store, Slots(2), **kw)


def ask(store, ds, epochs=3, latent=2, ws=None):
    return Ask(ws or store.new_workspace(), ds, model_config(ds, "ae", latent), train_config("ae", epochs=epochs))


def finish(runner, run_id):
    assert runner.wait(run_id, 120)


def test_a_run_trains_in_the_background_and_comes_back_whole(store, ds):
    runner = runner_for(store)
    try:
        a = ask(store, ds, epochs=3)
        started = runner.submit(a)
        assert started.how == "trained"
        finish(runner, started.run_id)
        loaded = load_run(store, a.workspace, started.run_id)
        assert loaded.record.status == Status.FINISHED and [h.epoch for h in loaded.history] == [1, 2, 3]
        assert [e for e, _ in loaded.snapshots] == [0, 1, 2, 3]  # the replay, from the untrained model on
        assert loaded.message.key == "training.finished"
        assert loaded.record.summary["knn_accuracy"] > 0.15  # above chance (0.1)
        # the stored weights are the trained model: its codes are the last replay snapshot's
        codes = infer.encode(loaded.model, ds.x_test[:1000], ds.y_test[:1000])
        np.testing.assert_allclose(codes, loaded.snapshots[-1][1], rtol=1e-4, atol=1e-5)
        assert runner.view(a.workspace, started.run_id).status == Status.FINISHED
        assert runner.view(store.new_workspace(), started.run_id) is None  # another workspace sees nothing
    finally:
        runner.close()


def test_identical_requests_train_once_follow_then_reuse(store, ds):
    runner = runner_for(store)
    try:
        first = runner.submit(ask(store, ds, epochs=4))
        follower_ask = ask(store, ds, epochs=4)
        second = runner.submit(follower_ask)
        assert second.how == "following" and second.run_id != first.run_id
        assert store.source_of(follower_ask.workspace, second.run_id) == first.run_id
        finish(runner, first.run_id)
        late_ask = ask(store, ds, epochs=4)
        third = runner.submit(late_ask)
        assert third.how == "reused"
        for a, s in ((follower_ask, second), (late_ask, third)):
            loaded = load_run(store, a.workspace, s.run_id)
            assert loaded.record.status == Status.FINISHED and len(loaded.history) == 4
            assert loaded.record.summary["reused"] is True and loaded.source is None
        different = runner.submit(ask(store, ds, epochs=4, latent=3))  # another setting is another identity
        assert different.how == "trained"
        own = runner.submit(ask(store, ds, epochs=4), fresh=True)  # "train my own"
        assert own.how == "trained"
        finish(runner, different.run_id)
        finish(runner, own.run_id)
        assert store.count_trainings() == 3
    finally:
        runner.close()


def test_two_processes_racing_for_one_identity_train_it_once(url, ds):
    stores = [open_store(url) for _ in range(2)]
    runners = [runner_for(s, owner=f"process-{i}") for i, s in enumerate(stores)]
    try:
        asks = [ask(stores[i % 2], ds, epochs=2) for i in range(6)]
        results: list = [None] * 6
        go = threading.Barrier(6)

        def press(i):
            go.wait()
            results[i] = runners[i % 2].submit(asks[i])

        threads = [threading.Thread(target=press, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(r.how for r in results).count("trained") == 1
        trained = next(r for r in results if r.how == "trained")
        for r in runners:
            finish(r, trained.run_id)
        for a, r in zip(asks, results):
            deadline = time.time() + 30
            while stores[0].get_run(a.workspace, r.run_id).status == Status.RUNNING and time.time() < deadline:
                time.sleep(0.1)
            assert stores[0].get_run(a.workspace, r.run_id).status == Status.FINISHED
        assert stores[0].count_trainings() == 1
    finally:
        for r in runners:
            r.close()
        for s in stores:
            s.close()


def held_training(monkeypatch, after_epoch: int = 1):
    """Make training wait after epoch `after_epoch` until the returned event is set."""
    real, go_on = runner_module.train_steps, threading.Event()

    def held(model, *args, **kwargs):
        for ev in real(model, *args, **kwargs):
            yield ev
            if type(ev).__name__ == "EpochStats" and ev.epoch == after_epoch:
                go_on.wait(60)

    monkeypatch.setattr(runner_module, "train_steps", held)
    return go_on


def wait_for_epochs(store, ws, run_id, n, timeout=60):
    deadline = time.time() + timeout
    while len(store.epochs(ws, run_id)) < n:
        assert time.time() < deadline, "the run did not reach its epoch"
        time.sleep(0.05)


def test_stop_keeps_the_epochs_so_far_here_and_across_processes(url, ds, monkeypatch):
    go_on = held_training(monkeypatch)
    stores = [open_store(url) for _ in range(2)]
    owner, other = runner_for(stores[0], owner="a", lease_seconds=2.0), runner_for(stores[1], owner="b")
    try:
        a = ask(stores[0], ds, epochs=5)
        started = owner.submit(a)
        wait_for_epochs(stores[0], a.workspace, started.run_id, 1)
        assert other.stop(a.workspace, started.run_id)  # pressed on a page served by the other process
        assert not other.stop(stores[1].new_workspace(), started.run_id)  # never from another workspace
        deadline = time.time() + 10
        while not owner.jobs.get(started.run_id, None) or not owner.jobs[started.run_id].stop.is_set():
            if started.run_id not in owner.jobs or time.time() > deadline:
                break
            time.sleep(0.05)
        go_on.set()
        finish(owner, started.run_id)
        loaded = load_run(stores[0], a.workspace, started.run_id)
        assert loaded.record.status == Status.STOPPED and 1 <= len(loaded.history) < 5
        assert loaded.model is not None and loaded.message.key == "state.stopped_after"
    finally:
        go_on.set()
        owner.close()
        other.close()
        for s in stores:
            s.close()


def test_a_follower_who_stops_keeps_a_copy_and_the_training_goes_on(store, ds, monkeypatch):
    go_on = held_training(monkeypatch)
    runner = runner_for(store)
    try:
        first = ask(store, ds, epochs=3)
        a = runner.submit(first)
        follower = ask(store, ds, epochs=3)
        b = runner.submit(follower)
        wait_for_epochs(store, first.workspace, a.run_id, 1)
        assert runner.stop(follower.workspace, b.run_id)
        assert store.get_run(follower.workspace, b.run_id).status == Status.STOPPED
        assert len(store.epochs(follower.workspace, b.run_id)) == 1
        go_on.set()
        finish(runner, a.run_id)
        assert store.get_run(first.workspace, a.run_id).status == Status.FINISHED
        assert len(store.epochs(follower.workspace, b.run_id)) == 1  # the copy stays what it was
    finally:
        go_on.set()
        runner.close()


def test_a_vanished_owner_leaves_an_interrupted_run_at_its_last_epoch(store, ds, monkeypatch):
    go_on = held_training(monkeypatch)
    lost = runner_for(store, owner="crashed", lease_seconds=1.0)
    lost._closed.set()  # its heartbeat stops, as when the process dies
    try:
        a = ask(store, ds, epochs=4)
        follower = ask(store, ds, epochs=4)
        started = lost.submit(a)
        followed = lost.submit(follower)
        wait_for_epochs(store, a.workspace, started.run_id, 1)
        time.sleep(1.2)
        assert store.expire_stale() == [started.run_id]
        for ws, run_id in ((a.workspace, started.run_id), (follower.workspace, followed.run_id)):
            run = store.get_run(ws, run_id)
            assert run.status == Status.INTERRUPTED and len(store.epochs(ws, run_id)) == 1
        assert store.claimed(identity(ds, a.model_config, a.train_config)) is None  # free to be trained again
    finally:
        go_on.set()
        lost.close()


def test_a_run_waiting_for_a_slot_is_counted_in_the_queue_and_can_be_stopped_there(store, ds):
    slots = Slots(1)
    runner = Runner(store, slots)
    try:
        with slots.held():  # a lab's training holds the only slot
            a = ask(store, ds, epochs=3)
            started = runner.submit(a)
            for _ in range(200):
                if slots.waiting == 1:
                    break
                time.sleep(0.02)
            assert (slots.waiting, slots.ahead()) == (1, 2)  # the next learner's estimate sees both
            assert runner.stop(a.workspace, started.run_id)
            finish(runner, started.run_id)
        record = store.get_run(a.workspace, started.run_id)
        assert record.status == Status.STOPPED and store.epochs(a.workspace, started.run_id) == []
        assert (slots.waiting, slots.training) == (0, 0)
    finally:
        runner.close()


def test_a_diverging_run_fails_with_its_message(store, ds):
    runner = runner_for(store)
    try:
        a = Ask(store.new_workspace(), ds, model_config(ds, "ae", 2), train_config("ae", epochs=2, lr=50.0))
        started = runner.submit(a)
        finish(runner, started.run_id)
        loaded = load_run(store, a.workspace, started.run_id)
        assert loaded.record.status in (Status.FAILED, Status.FINISHED)
        if loaded.record.status == Status.FAILED:
            assert loaded.message.key == "error.diverged"
    finally:
        runner.close()


def test_the_identity_names_everything_that_changes_the_result(ds):
    m, t = model_config(ds, "ae", 2), train_config("ae", epochs=3)
    base = identity(ds, m, t)
    assert identity(ds, model_config(ds, "ae", 2), train_config("ae", epochs=3)) == base
    assert identity(ds, model_config(ds, "ae", 3), t) != base
    assert identity(ds, m, train_config("ae", epochs=3, seed=1)) != base
    assert identity(ds, m, train_config("ae", epochs=4)) != base
    other = shrink(load_dataset("digits", seed=1), 300, 100)  # another split of the same data
    assert identity(other, m, t) != base


def test_messages_round_trip_through_json_in_any_language():
    words = Words("training.finished_early", finished=Words("training.finished", n=3, s="1.0",
                                                            device=Words("training.device.cpu")),
                  early=Words("training.early_stop", patience=2, epoch=3, best=1))
    back = message_of(words_json(words))
    assert back.say("zh") == words.say("zh") and str(back) == str(words)
    assert message_of({"key": "no.such.key"}) == "" and message_of("junk") == ""


def test_weights_from_the_store_are_checked_like_an_upload(store, ds):
    runner = runner_for(store)
    try:
        a = ask(store, ds, epochs=1)
        started = runner.submit(a)
        finish(runner, started.run_id)
        with store.db.write() as conn:  # a tampered blob
            from aelib.store.schema import blobs
            conn.execute(blobs.update().where(blobs.c.run_id == started.run_id, blobs.c.kind == "weights")
                         .values(data=b"\x80\x04 not safetensors"))
        with pytest.raises(ValueError):
            load_run(store, a.workspace, started.run_id)
        assert torch.get_num_threads() >= 1
    finally:
        runner.close()


def test_a_live_process_marks_the_runs_of_a_vanished_one_interrupted(store, ds, monkeypatch):
    """A replica is killed mid-training: the heartbeat of any other process ends its runs, without an operator."""
    go_on = held_training(monkeypatch)
    lost = runner_for(store, owner="killed", lease_seconds=1.0)
    lost._closed.set()  # its heartbeat stops, as when the process dies
    survivor = runner_for(store, owner="alive", lease_seconds=1.0)
    try:
        a = ask(store, ds, epochs=4)
        started = lost.submit(a)
        wait_for_epochs(store, a.workspace, started.run_id, 1)
        deadline = time.time() + 10
        while survivor.view(a.workspace, started.run_id).status == Status.RUNNING:
            assert time.time() < deadline, "the survivor never marked the abandoned run"
            time.sleep(0.1)
        assert survivor.view(a.workspace, started.run_id).status == Status.INTERRUPTED
        assert len(store.epochs(a.workspace, started.run_id)) == 1
    finally:
        go_on.set()
        lost.close()
        survivor.close()
