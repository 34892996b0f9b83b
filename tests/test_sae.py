"""Sparse autoencoders (aelib.labs.sae): TopK fires exactly k latents, resampling revives dead latents, the
measures mean what they say, and the CLI reports them."""
from __future__ import annotations

import json

import numpy as np
import pytest

from aelib.cli import main
from aelib.data import load_dataset
from aelib.labs import sae


@pytest.fixture(scope="module")
def acts():
    ds = load_dataset("digits", seed=0)
    net, h_train, h_test, scale = sae.prepare(ds, hidden=32, epochs=10)
    return ds, net, h_train, h_test, scale


def test_topk_fires_exactly_k_latents(acts):
    ds, net, h_train, h_test, scale = acts
    model = sae.train_sae(h_train / scale, sae.SAEConfig(latents=64, k=5, epochs=3))
    z, _ = sae.codes(model, h_test / scale)
    assert np.all((z > 0).sum(1) <= 5) and np.mean((z > 0).sum(1) == 5) > 0.99
    r = sae.evaluate(model, net, scale, h_train, h_test, ds.y_test)
    assert r["l0"] == pytest.approx(5.0, abs=0.05)


def test_resampling_revives_dead_latents(acts):
    ds, net, h_train, h_test, scale = acts
    dead = {fix: sae.evaluate(sae.train_sae(h_train / scale, sae.SAEConfig(latents=256, k=4, epochs=10,
                                                                            dead_fix=fix)),
                              net, scale, h_train, h_test, ds.y_test)["dead_fraction"] for fix in ("none", "resample")}
    assert dead["none"] > 0.1 and dead["resample"] < dead["none"] / 2, dead


def test_l1_trades_sparsity_for_fidelity(acts):
    ds, net, h_train, h_test, scale = acts
    r = [sae.evaluate(sae.train_sae(h_train / scale, sae.SAEConfig(latents=64, k=None, l1=l1, epochs=10)), net, scale,
                      h_train, h_test, ds.y_test) for l1 in (1e-4, 3e-2)]
    assert r[1]["l0"] < r[0]["l0"] and r[1]["fvu"] > r[0]["fvu"]


def test_fvu_and_purity_measure_what_they_say():
    x = np.random.default_rng(0).standard_normal((100, 4))
    assert sae.fvu(x, x) == 0 and sae.fvu(x, np.tile(x.mean(0), (100, 1))) == pytest.approx(1.0)
    z = np.zeros((4, 2))
    z[[0, 1], 0], z[[2, 3], 1] = (2.0, 1.0), (1.0, 3.0)
    assert sae.top_digits(z, 2).tolist() == [[0, 1], [3, 2]]
    assert sae.purity(z, np.array([7, 7, 1, 2]), 2) == pytest.approx(0.75)


def test_the_cli_reports_l0_dead_fvu_and_accuracies(capsys):
    assert main(["sae", "--dataset", "digits", "--latents", "64", "--k", "8", "--hidden", "32", "--epochs", "5",
                 "--curve", "4,16", "--json"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert r["l0"] == pytest.approx(8.0, abs=0.05) and 0 <= r["dead_fraction"] <= 1 and 0 <= r["fvu"] < 1
    assert r["accuracy_with_mean_activations"] < r["accuracy_with_reconstructed_activations"] <= 1
    assert [p["k"] for p in r["curve"]] == [4, 16] and r["curve"][0]["fvu"] > r["curve"][1]["fvu"]
