"""Denoising ↔ score matching (aelib.labs.score_field): the geometry helper, and on a circle a small-noise denoiser's
residual field points back to the circle, contracts across it and not along it, unlike a plain AE; its loss
matches the contractive expansion; the CLI reports it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from aelib.cli import main
from aelib.labs import score_field as sf


def test_toward_manifold_is_plus_one_inward_outside_and_outward_inside():
    pts = np.array([[2.0, 0.0], [0.5, 0.0]], dtype=np.float32)
    assert sf.toward_manifold(pts, np.array([[-1.0, 0.0], [1.0, 0.0]])) == pytest.approx([1.0, 1.0])
    assert sf.toward_manifold(pts, np.array([[0.0, 1.0], [-1.0, 0.0]])) == pytest.approx([0.0, -1.0])


def test_the_denoisers_field_points_to_the_circle_and_contracts_across_it(capsys):
    assert main(["score-field", "--epochs", "300", "--n", "2000", "--json"]) == 0
    r = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert r["cosine_toward_circle"] > 0.8 and r["share_pointing_toward"] > 0.9
    assert r["dae_gain_normal"] < 0.6 and r["dae_gain_tangent"] > 0.9  # contracts across the circle, keeps along it
    assert r["plain_gain_normal"] > r["dae_gain_normal"] + 0.2  # the plain AE contracts much less
    assert r["clean_plus_contractive"] == pytest.approx(r["dae_loss"], rel=0.15)
