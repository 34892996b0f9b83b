"""Forecasting vs reconstruction on sines: the autoencoder rebuilds its window well, yet the forecaster, the same
network trained on the future, predicts the next steps far better than the rebuilt last window."""
from __future__ import annotations

import json

import numpy as np
import pytest

from aelib import cli
from aelib.data import load_dataset
from aelib.labs import forecasting as fc


@pytest.fixture(scope="module")
def sines():
    return load_dataset("sines")


def test_the_naive_forecasts_copy_the_past():
    x = np.arange(20, dtype=np.float32)[None]
    cfg = fc.WindowConfig((20,), history=12, horizon=4)
    guesses = fc.naive(x, cfg)
    assert guesses["last_window"].tolist() == [[8, 9, 10, 11]] and guesses["last_value"].tolist() == [[11] * 4]
    with pytest.raises(ValueError):
        fc.WindowConfig((20,), history=12, horizon=10)


def test_the_forecaster_beats_the_rebuilt_last_window(sines):
    r = fc.experiment(sines, epochs=8, show=3)
    assert r.mse["forecaster"] < 0.5 * r.mse["ae_last_window"], r.mse
    assert r.mse["forecaster"] < min(r.mse["last_window"], r.mse["last_value"]), r.mse
    assert r.ae_recon_mse < r.mse["ae_last_window"]  # good at its own job, not at the future
    assert r.x.shape == (3, 64) and r.forecasts["forecaster"].shape == (3, 16) and r.ae_recon.shape == (3, 48)


def test_a_table_is_refused(sines):
    with pytest.raises(ValueError):
        fc.experiment(load_dataset("breast_cancer"), epochs=1)


def test_the_cli_prints_every_forecast_on_small_settings(capsys):
    assert cli.main(["forecast", "--epochs", "1", "--horizon", "8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["horizon"] == 8 and {f"future_mse_{m}" for m in fc.METHODS} <= out.keys()
    assert cli.main(["forecast", "--history", "60", "--horizon", "16", "--json"]) == 2
