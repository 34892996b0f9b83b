"""aelib.sharing.quickstart's bundled checkpoints (assets/checkpoints/, written by `python -m aelib pretrain`): every
setup is there, loads with its family's default config, stores float16 weights, carries a training replay that
ends at the stored model's codes, reconstructs well, and all of them together stay within MAX_BYTES."""
from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from aelib import infer
from aelib.experiment import model_config
from aelib.replay import REPLAY_POINTS
from aelib.sharing import checkpoint, quickstart

# test MSE per value of each family's bundled model (measured: ae 0.043, vae 0.045, linear_ae 0.057 ~ PCA with 2
# components, denoising_ae 0.034 on clean digits, cvae 0.036, conv_ae 0.014), with a margin for another torch
MAX_MSE = {"ae": 0.05, "vae": 0.052, "linear_ae": 0.062, "denoising_ae": 0.04, "cvae": 0.042, "conv_ae": 0.018}
FILES = {checkpoint.WEIGHTS, checkpoint.CONFIG, checkpoint.HISTORY, quickstart.REPLAY}


def weight_dtypes(path) -> set[str]:
    """The dtypes a safetensors file declares, read from its JSON header (8-byte little-endian length first)."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    return {v["dtype"] for k, v in header.items() if k != "__metadata__"}


def test_every_bundled_folder_is_a_setup_and_every_setup_is_bundled():
    assert list(quickstart.available()) == list(quickstart.SETUPS), "run python -m aelib pretrain"
    for name in quickstart.SETUPS:
        assert {f.name for f in (quickstart.FOLDER / name).iterdir()} == FILES, name


def test_the_bundled_checkpoints_stay_small_in_all():
    total = sum(f.stat().st_size for f in quickstart.FOLDER.rglob("*") if f.is_file())
    assert 0 < total <= quickstart.MAX_BYTES


@pytest.mark.parametrize("name", list(quickstart.SETUPS))
def test_a_setup_loads_with_its_familys_defaults_in_float16(name, mnist5k):
    setup = quickstart.SETUPS[name]
    bundle = quickstart.load(name)
    assert bundle.dataset == setup.dataset == mnist5k.name
    assert bundle.model.cfg == model_config(mnist5k, setup.model, setup.latent_dim)  # what the pages' defaults build
    assert len(bundle.history) == setup.epochs and bundle.train.epochs == setup.epochs and bundle.train.seed == 0
    config = json.loads((quickstart.FOLDER / name / checkpoint.CONFIG).read_text(encoding="utf-8"))
    assert config["stored_as"] == "float16" and weight_dtypes(quickstart.FOLDER / name / checkpoint.WEIGHTS) == {"F16"}
    assert infer.mse(bundle.model, mnist5k.x_test, mnist5k.y_test) < MAX_MSE[setup.model]


@pytest.mark.parametrize("name", list(quickstart.SETUPS))
def test_a_setup_carries_a_replay_that_ends_at_its_model(name, mnist5k):
    bundle = quickstart.load(name)
    frames = quickstart.replay(name)
    assert len(frames) >= 3, "no training replay: run python -m aelib pretrain"
    epochs = [e for e, _ in frames]
    assert epochs[0] == 0 and epochs[-1] == len(bundle.history) and epochs == sorted(set(epochs))
    x, y = mnist5k.x_test[:REPLAY_POINTS], mnist5k.y_test[:REPLAY_POINTS]
    final = infer.encode(bundle.model, x, y)  # (points, code width), from the float16 weights
    assert all(codes.shape == final.shape and codes.dtype == np.float32 for _, codes in frames)
    scale = float(np.abs(final).max()) + 1e-6
    assert float(np.abs(frames[-1][1] - final).max()) < 0.05 * scale  # the replay's last frame is this model
    assert float(np.abs(frames[0][1] - final).max()) > 0.05 * scale  # and its first is the untrained one
