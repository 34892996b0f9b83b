"""Latent diffusion (aelib.labs.latent_diffusion): the schedule, the sampler's shapes, diffusion learns a toy code
distribution, and the CLI reports the share of samples a classifier recognises."""
from __future__ import annotations

import json

import numpy as np

from aelib.cli import main
from aelib.labs import latent_diffusion as ld


def test_the_schedule_leaves_almost_no_signal_at_the_end():
    abar = ld.schedule(200)
    assert abar[0] > 0.99 and abar[-1] < 0.05 and bool((abar[1:] < abar[:-1]).all())


def test_diffusion_learns_a_two_cluster_code_distribution():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(-2, 0.1, (200, 2)), rng.normal(2, 0.1, (200, 2))]).astype(np.float32)
    cfg = ld.LatentDiffusionConfig(steps=50, diffusion_epochs=150)
    z = ld.sample(ld.train_diffusion(codes, cfg), 200, 2, cfg.steps, seed=1)
    near = np.minimum(np.linalg.norm(z - 2, axis=1), np.linalg.norm(z + 2, axis=1))
    assert np.mean(near < 1.0) > 0.8 and 0.2 < np.mean(z[:, 0] > 0) < 0.8  # both clusters, little in between


def test_the_cli_reports_the_recognised_share(capsys):
    assert main(["latent-diffusion", "--dataset", "digits", "--vae-epochs", "3", "--diffusion-epochs", "3",
                 "--steps", "20", "--samples", "50", "--json"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for kind in ("real", "reconstructed", "prior", "latent_diffusion"):
        assert 0 <= r[f"recognised_{kind}"] <= 1
    assert r["recognised_real"] > 0.5 and r["compression"] == 8.0
