"""Estimates of how long training takes (aelib.train.pace): a robust epoch time that ignores the first epoch's warm-up,
a time left that converges on the truth, and a pre-run estimate from a measured pace and the queue."""
from __future__ import annotations

import math

import pytest

from aelib.train import TrainConfig
from aelib.train.pace import epoch_samples, expected_seconds, run_pace, seconds_left, typical_epoch_seconds


def test_the_first_epochs_warm_up_is_left_out():
    assert typical_epoch_seconds([]) is None
    assert typical_epoch_seconds([9.0]) == 9.0  # nothing else to go on
    assert typical_epoch_seconds([40.0, 4.0, 5.0, 4.5]) == 4.5
    assert typical_epoch_seconds([40.0, 4.0, 100.0, 4.0]) == 4.0  # one slow epoch (a busy moment) does not move it


def test_the_median_is_of_recent_epochs_so_a_slowdown_is_followed():
    times = [10.0] + [2.0] * 10 + [6.0] * 5
    assert typical_epoch_seconds(times) == 6.0


def test_time_left_converges_where_extrapolating_epoch_one_does_not():
    """The reported case: a 30-epoch run whose first epoch took 15 s and the rest ~4 s (132 s in all)."""
    epochs, times = 30, [15.0] + [4.0] * 29
    naive_after_one = times[0] * (epochs - 1)
    assert naive_after_one > 400  # what the bar said after epoch 1
    truth = [sum(times[k:]) for k in range(1, epochs + 1)]
    guesses = [seconds_left(times[:k], epochs) for k in range(1, epochs + 1)]
    for k in range(2, epochs):  # from the second epoch on, within 10 % of the truth
        assert guesses[k - 1] == pytest.approx(truth[k - 1], rel=0.1), k
    assert guesses[-1] == 0.0


def test_a_prior_from_earlier_runs_is_used_until_a_second_epoch_has_finished():
    assert seconds_left([], 30) is None
    assert seconds_left([], 30, prior=4.0) == 120.0
    assert seconds_left([15.0], 30, prior=4.0) == 116.0  # epoch 1's warm-up is not extrapolated
    assert seconds_left([15.0, 5.0], 30, prior=4.0) == 140.0  # then the run's own epochs decide
    assert seconds_left([15.0, 5.0], 30, into_epoch=0.5, prior=4.0) == 137.5


def test_the_pace_and_the_expected_time_before_a_run():
    assert run_pace([], 4000) is None
    assert run_pace([8.0, 2.0, 2.0], 4000) == 2000.0
    assert expected_seconds(4000, 30, None) is None
    assert expected_seconds(4000, 30, 2000.0) == (60.0, 0.0)
    assert expected_seconds(4000, 30, 2000.0, ahead=3, slots=2) == (60.0, 120.0)  # two rounds of two slots
    assert expected_seconds(4000, 30, 2000.0, cap=45.0) == (45.0, 0.0)  # the server's wall-time cap ends it
    assert expected_seconds(4000, 30, 0.0) is None and math.isfinite(expected_seconds(1, 1, 1e-9)[0])


def test_an_epoch_sees_the_training_subset_when_one_is_set():
    assert epoch_samples(4000, TrainConfig()) == 4000
    assert epoch_samples(4000, TrainConfig(train_subset=500)) == 500
    assert epoch_samples(300, TrainConfig(train_subset=500)) == 300
