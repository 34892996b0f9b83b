"""Masked autoencoders (aelib.labs.mae): patches round-trip, masks hide the asked share, the loss counts only
hidden patches, and the CLI reports probe accuracies. What is measured against raw pixels: the MAE's fill-in of
hidden patches beats guessing each patch's mean, and its features carry the digit (probe far above chance); a
small MAE's linear probe need not beat raw pixels (He et al. 2022 also find linear probing its weak spot)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from aelib.cli import main
from aelib.labs import mae


def test_patches_round_trip_in_reading_order():
    x = torch.arange(2 * 16, dtype=torch.float32).reshape(2, 16)  # two 4×4 images
    p = mae.patchify(x, (1, 4, 4), 2)
    assert p.shape == (2, 4, 4) and p[0, 0].tolist() == [0, 1, 4, 5] and p[0, 1].tolist() == [2, 3, 6, 7]
    assert torch.equal(mae.unpatchify(p, (1, 4, 4), 2), x)


def test_masks_hide_the_asked_share_and_the_loss_counts_only_hidden_patches():
    keep = mae.random_keep(50, 16, 0.75, torch.Generator().manual_seed(0))
    assert keep.shape == (50, 4) and all(len(set(r.tolist())) == 4 for r in keep)
    patches, pred = torch.zeros(1, 4, 3), torch.zeros(1, 4, 3)
    pred[0, 0] = 5.0  # wrong only on a visible patch
    assert mae.masked_loss(pred, patches, torch.tensor([[0]])) == 0
    with pytest.raises(ValueError):
        mae.MAEConfig(mask_ratio=1.0)


def test_the_cli_reports_probe_accuracies_and_fills_in_better_than_the_mean(capsys):
    assert main(["mae", "--dataset", "digits", "--mask-ratio", "0.5", "--epochs", "30", "--ae-epochs", "5",
                 "--json"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"probe_raw", "probe_ae", "probe_mae", "probe_mae_10_per_class"} <= set(r)
    assert r["probe_mae"] > 0.5  # ten classes: chance is 0.1
    assert r["mse_hidden_mae"] < r["mse_hidden_mean"]
    assert np.isfinite(r["seconds"])
