"""The recommender demo: the generated ratings have the low-rank structure they claim, the masked loss ignores
unknown entries, AutoRec beats item means on held-out ratings, and `python -m aelib recommender` runs."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from aelib import cli
from aelib.labs import recommender as rec


def test_the_ratings_are_low_rank_stars_with_a_disjoint_held_out_part():
    r = rec.make_ratings(120, 80, rank=2, density=0.2, seed=1)
    seen = (r.train > 0) | (r.test > 0)
    assert not ((r.train > 0) & (r.test > 0)).any()
    assert set(np.unique(r.train[r.train > 0])) <= {1, 2, 3, 4, 5}
    assert 0.15 < seen.mean() < 0.25 and 0.1 < (r.test > 0).sum() / seen.sum() < 0.3
    centred = r.taste - r.taste.mean(0)  # removes the constant and the per-item popularity
    assert np.linalg.matrix_rank(centred, tol=1e-3) == 2
    with pytest.raises(ValueError):
        rec.make_ratings(density=0.0)


def test_the_masked_loss_counts_observed_ratings_only_and_the_plain_one_every_entry():
    r = rec.make_ratings(50, 20, density=0.3, seed=0)
    x = torch.as_tensor(np.stack([r.train.T, r.train.T], 1))  # (items, 2, users)
    seen = x[:, 1] > 0
    for masked, counted in ((True, seen), (False, torch.ones_like(seen))):
        model = rec.build(rec.AutoRecConfig((2, 50), 8, masked), seed=0)
        sq = (model.decode(model.encode(x)) - x[:, 1]) ** 2
        assert torch.isclose(model.loss_terms(x)["loss"], sq[counted].mean()), masked
    assert 0 < seen.float().mean() < 0.5  # so the two differ


def test_autorec_beats_item_means_on_held_out_ratings():
    r = rec.make_ratings(300, 150, rank=3, density=0.15, seed=0)
    model, history = rec.fit(r, masked=True, epochs=30, seed=0)
    assert len(history) == 30 and history[-1].val["loss"] < history[0].val["loss"]  # held-out MSE falls
    autorec, means = rec.rmse(rec.predict(model, r.train), r.test), rec.rmse(rec.item_means(r), r.test)
    assert autorec < means - 0.05, (autorec, means)
    assert rec.rmse(np.clip(r.taste, 1, 5), r.test) < autorec  # the noiseless tastes are the floor


def test_the_cli_prints_every_method_on_small_settings(capsys):
    assert cli.main(["recommender", "--users", "60", "--items", "30", "--epochs", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["users"] == 60 and out["items"] == 30 and out["test_ratings"] > 0
    assert {"rmse_item_means", "rmse_autorec_masked", "rmse_autorec_unmasked", "rmse_global_mean"} <= out.keys()
    assert cli.main(["recommender", "--density", "2", "--json"]) == 2  # refused, with a message
