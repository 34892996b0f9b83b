"""The training replay's frames and the keyed job pool behind the projections' caching."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from sklearn.decomposition import PCA

from aelib.jobs import Jobs, Slots, Tasks
from aelib.projections import nearest, pca_reconstruction
from aelib.projections.plots import perplexity_strip, replay_figure
from aelib.replay import frames, organisation, snapshot_epochs
from appkit.compare_views import selected_ids


@pytest.mark.parametrize("epochs, expected", [(0, {0}), (1, {0, 1}), (3, {0, 1, 2, 3}), (30, set(range(31)))])
def test_snapshot_epochs_small_runs_snapshot_every_epoch(epochs, expected):
    assert snapshot_epochs(epochs) == expected


def test_snapshot_epochs_long_runs_are_thinned_but_keep_first_and_last():
    got = snapshot_epochs(101, max_snapshots=11)
    assert {0, 101} <= got and len(got) <= 12
    assert sorted(got)[1] - sorted(got)[0] == 11  # an even step of ceil(101 / 10)


def test_snapshot_epochs_rejects_nonsense():
    with pytest.raises(ValueError):
        snapshot_epochs(-1)


def test_frames_are_centred_and_unit_spread_whatever_the_scale():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 2))
    out = frames([a, 100 * a + 7])
    for f in out:
        assert np.allclose(f.mean(0), 0, atol=1e-9)
        assert np.sqrt((f ** 2).sum(1).mean()) == pytest.approx(1.0)
    assert np.allclose(out[0], out[1])  # scale and shift alone do not move the points


def test_frames_use_one_pca_fitted_on_the_last_snapshot():
    rng = np.random.default_rng(1)
    last = np.column_stack([rng.normal(size=200) * 10, rng.normal(size=200), rng.normal(size=200) * 0.01])
    first = last[:, [2, 1, 0]]  # the spread sits on another axis before: its own PCA would pick column 2
    f0, f1 = frames([first, last])
    assert f0.shape == f1.shape == (200, 2)
    # both frames are read along the last frame's principal axes, not each along its own
    axes = PCA(2).fit(last).components_
    assert abs(np.corrcoef(f1[:, 0], last[:, 0])[0, 1]) > 0.99
    assert np.allclose(np.abs(np.diag(np.corrcoef(f0.T, ((first - first.mean(0)) @ axes.T).T)[:2, 2:])), 1)
    assert abs(np.corrcoef(f0[:, 0], first[:, 2])[0, 1]) < 0.5  # its own PCA would have followed column 2


def test_frames_pad_a_one_dimensional_code():
    (f,) = frames([np.arange(10.0)[:, None]])
    assert f.shape == (10, 2) and np.all(f[:, 1] == 0)


def test_frames_need_a_snapshot():
    with pytest.raises(ValueError, match="no snapshots"):
        frames([])


def test_organisation_rises_as_classes_separate():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 50)
    mixed = rng.normal(size=(100, 2))
    apart = mixed + np.where(y[:, None] == 1, 20.0, 0.0)
    before, after = organisation([mixed, apart], y)
    assert after == 1.0 and before < 0.8


def test_replay_figure_has_a_frame_and_a_slider_step_per_snapshot():
    rng = np.random.default_rng(0)
    views = frames([rng.normal(size=(30, 2)) for _ in range(4)])
    y = np.arange(30) % 3
    fig = replay_figure(views, [0, 1, 2, 3], y, ["a", "b", "c"], [0.3, 0.5, 0.7, 0.9], lang="en")
    assert len(fig.frames) == 4 and [f.name for f in fig.frames] == ["0", "1", "2", "3"]
    assert [s.label for s in fig.layout.sliders[0].steps] == ["0", "1", "2", "3"]
    assert np.allclose(fig.frames[2].data[0].x, views[2][y == 0, 0])
    assert "before training" in fig.frames[0].layout.title.text and "0.90" in fig.layout.title.text


def test_perplexity_strip_one_panel_per_perplexity():
    z = [np.random.default_rng(i).normal(size=(20, 2)) for i in range(3)]
    fig = perplexity_strip(z, [5, 30, 50], np.arange(20) % 2, ["a", "b"], lang="en")
    assert [a.text for a in fig.layout.annotations] == ["perplexity 5", "perplexity 30", "perplexity 50"]
    assert sum(t.showlegend for t in fig.data) == 2  # one legend entry per class, not per panel


def test_nearest_leaves_out_the_point_and_sorts():
    coords = np.array([[0.0, 0], [3, 0], [1, 0], [10, 0], [2, 0]])
    assert list(nearest(coords, coords[0], 3, exclude=0)) == [2, 4, 1]
    assert list(nearest(coords, coords[0], 10, exclude=0)) == [2, 4, 1, 3]


def test_pca_reconstruction_is_exact_with_every_component(small_digits):
    x = small_digits.x_test[:5]
    full = pca_reconstruction(small_digits.x_train, x, small_digits.input_dim)
    two = pca_reconstruction(small_digits.x_train, x, 2)
    assert np.allclose(full, x, atol=1e-4)
    assert np.mean((two - x) ** 2) > 10 * np.mean((full - x) ** 2)


def test_selected_ids_read_plotly_selection_state():
    event = {"selection": {"points": [{"customdata": 7}, {"customdata": [12]}, {"x": 1}]}}
    assert selected_ids(event) == [7, 12]
    assert selected_ids(None) == [] and selected_ids({"selection": None}) == []


def test_jobs_compute_once_per_key():
    calls = []
    jobs = Jobs(workers=1)
    first = jobs.submit(("k", 1), lambda v: calls.append(v) or v * 2, 21).result()
    again = jobs.submit(("k", 1), lambda v: calls.append(v) or v * 2, 21).result()
    other = jobs.submit(("k", 2), lambda v: calls.append(v) or v * 2, 5).result()
    assert (first, again, other) == (42, 42, 10) and calls == [21, 5]


def test_jobs_retry_a_failed_key_and_share_a_running_one():
    jobs, gate, attempts = Jobs(workers=1), threading.Event(), []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")
        gate.wait(5)
        return "ok"

    with pytest.raises(RuntimeError):
        jobs.submit(("f",), flaky).result()
    running = jobs.submit(("f",), flaky)
    assert jobs.submit(("f",), flaky) is running  # a second caller shares the running job
    gate.set()
    assert running.result() == "ok" and len(attempts) == 2


def test_jobs_forget_the_oldest_beyond_their_limit():
    jobs = Jobs(workers=1, max_entries=2)
    for k in range(3):
        jobs.submit((k,), int, k).result()
    assert list(jobs.futures) == [(1,), (2,)]


def test_slots_count_who_waits_and_who_trains_and_a_stopped_waiter_gives_up():
    slots, gate, inside = Slots(1), threading.Event(), threading.Event()

    def hold():
        with slots.held() as held:
            assert held
            inside.set()
            gate.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    assert (slots.training, slots.waiting, slots.ahead()) == (1, 0, 1)  # a new one would wait behind the holder
    stop, gave_up = threading.Event(), []

    def wait_then_stop():
        with slots.held(stop) as held:
            gave_up.append(not held)

    waiter = threading.Thread(target=wait_then_stop)
    waiter.start()
    for _ in range(100):
        if slots.waiting == 1:
            break
        threading.Event().wait(0.02)
    assert (slots.waiting, slots.ahead()) == (1, 2)
    stop.set()
    waiter.join(5)
    assert gave_up == [True] and slots.waiting == 0 and slots.training == 1  # it never took the slot
    gate.set()
    holder.join(5)
    assert (slots.training, slots.waiting, slots.ahead()) == (0, 0, 0)
    with slots.held() as held:  # the slot the holder gave back, and nobody else's
        assert held and slots.training == 1


def test_tasks_run_under_the_slots_report_progress_and_keep_what_to_do_with_the_result():
    gate, slots, most = threading.Event(), Slots(1), []
    tasks = Tasks(workers=4, slots=slots)

    def work(report):
        most.append(slots.training)
        report(0.5, "half")
        gate.wait(5)
        report(7.0)  # clamped; the text stays
        return 42

    kept = []
    a = tasks.start(("ws1", "lab"), work, kept.append)
    b = tasks.start(("ws2", "lab"), lambda report: most.append(slots.training) or "other")
    for _ in range(100):
        if a.fraction == 0.5:
            break
        threading.Event().wait(0.02)
    assert (a.fraction, a.text, a.waiting) == (0.5, "half", False)
    assert b.waiting and not b.done()  # one slot: the second waits for it
    assert tasks.start(("ws1", "lab"), lambda report: 0) is a  # a second tab follows the running one
    gate.set()
    assert a.future.result(5) == 42 and b.future.result(5) == "other"
    assert (a.fraction, a.text) == (1.0, "half") and most == [1, 1]
    a.then(a.future.result())
    assert kept == [42]
    assert tasks.get(("ws1", "lab")) is a  # finished, waiting for its workspace's page to collect it
    tasks.take(("ws1", "lab"), a)
    assert tasks.get(("ws1", "lab")) is None and tasks.get(("ws2", "lab")) is b


def test_a_new_request_replaces_a_finished_uncollected_task_and_failures_reach_the_follower():
    tasks = Tasks(workers=2, slots=Slots(2))
    old = tasks.start(("ws", "lab"), lambda report: 1)
    old.future.result(5)
    new = tasks.start(("ws", "lab"), lambda report: 1 / 0)
    assert new is not old and tasks.get(("ws", "lab")) is new
    with pytest.raises(ZeroDivisionError):
        new.future.result(5)
    tasks.take(("ws", "lab"), old)  # an older task's page collecting late does not drop the new one
    assert tasks.get(("ws", "lab")) is new


def test_tasks_forget_the_oldest_finished_ones_beyond_their_limit():
    tasks = Tasks(workers=1, slots=Slots(1), keep=2)
    for k in range(4):
        tasks.start((f"ws{k}", "lab"), lambda report, k=k: k).future.result(5)
    tasks.start(("ws4", "lab"), lambda report: 4).future.result(5)
    assert list(tasks.tasks) == [("ws3", "lab"), ("ws4", "lab")]
