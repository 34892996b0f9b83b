"""aelib.sharing.checkpoint: safetensors + JSON round trips, refusing bad files, and never a pickle."""
from __future__ import annotations

import json
import pickle
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from torch import nn

from aelib import infer
from aelib.experiment import history_dicts
from aelib.models import MODELS, ModelConfig, build_model
from aelib.sharing import checkpoint
from aelib.sharing.checkpoint import CONFIG, HISTORY, WEIGHTS
from aelib.train import TrainConfig, train
from tests.conftest import SEQ_SHAPE

SHAPE_FOR = {"dense": (20,), "conv": (1, 8, 8), "rnn": SEQ_SHAPE}
TIED = [name for name, fam in MODELS.items() if "tied" in fam.reads]  # the families that offer tied weights


@contextmanager
def no_pickle():
    """Inside this block any use of pickle (or torch's pickle-based save/load) fails the test."""

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle must not be used for checkpoints")

    with pytest.MonkeyPatch.context() as mp:
        for name in ("dump", "dumps", "load", "loads", "Pickler", "Unpickler"):
            mp.setattr(pickle, name, forbidden)
        mp.setattr(torch, "save", forbidden)
        mp.setattr(torch, "load", forbidden)
        yield


def header_of(path) -> dict:
    raw = path.read_bytes()
    header_len = int.from_bytes(raw[:8], "little")  # safetensors: u64 header size, then a JSON header
    return json.loads(raw[8:8 + header_len])


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_gives_identical_outputs(tiny, data_for_shape, tmp_path, name):
    shape = SHAPE_FOR[MODELS[name].backbone]
    ds = data_for_shape(shape)
    model = build_model(tiny(name, shape, latent_dim=3, beta=2.5), seed=11)  # load() builds with seed 0
    labels = MODELS[name].cls.needs_labels
    y_train, y_test = (ds.y_train[:64], ds.y_test[:20]) if labels else (None, None)
    history = list(train(model, ds.x_train[:64], ds.x_test[:32], TrainConfig(epochs=1),
                         y_train=y_train, y_val=None if y_test is None else ds.y_test[:32]))
    with no_pickle():
        out = checkpoint.save(model, tmp_path / "run", history_dicts(history), extra={"dataset": ds.name})
        loaded = checkpoint.load(out)
    assert out == tmp_path / "run"
    assert type(loaded) is type(model)
    assert loaded.cfg == model.cfg
    assert not loaded.training
    assert loaded.state_dict().keys() == model.state_dict().keys()
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k
    x = ds.x_test[:20]
    np.testing.assert_array_equal(infer.encode(loaded, x, y_test), infer.encode(model, x, y_test))
    np.testing.assert_array_equal(infer.reconstruct(loaded, x, y_test), infer.reconstruct(model, x, y_test))
    z = infer.encode(model, x, y_test)
    np.testing.assert_array_equal(infer.decode(loaded, z, y_test), infer.decode(model, z, y_test))

    config = json.loads((out / CONFIG).read_text(encoding="utf-8"))
    assert config["dataset"] == ds.name
    assert ModelConfig.from_dict(config["model"]) == model.cfg
    assert json.loads((out / HISTORY).read_text(encoding="utf-8")) == json.loads(json.dumps(history_dicts(history)))


@pytest.mark.parametrize("name", TIED)
def test_tied_weights_are_stored_once_and_tied_again_on_load(tiny, data_for_shape, tmp_path, name):
    ds = data_for_shape((20,))
    model = build_model(tiny(name, (20,), latent_dim=3, tied=True, hidden=(16, 8)), seed=5)
    list(train(model, ds.x_train[:64], ds.x_test[:32], TrainConfig(epochs=1)))
    checkpoint.save(model, tmp_path)
    encoder_weights = {f"encoder.{i}.weight" for i, m in enumerate(model.encoder) if isinstance(m, nn.Linear)}
    assert len(encoder_weights) == len(model.cfg.hidden) + 1
    stored = {k for k, v in header_of(tmp_path / WEIGHTS).items() if k != "__metadata__" and len(v["shape"]) == 2}
    assert stored == encoder_weights  # each shared matrix once, under the encoder; the decoder keeps biases only

    loaded = checkpoint.load(tmp_path)
    x = ds.x_test[:20]
    np.testing.assert_array_equal(infer.reconstruct(loaded, x), infer.reconstruct(model, x))
    z = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        before = loaded.decode(z)
        loaded.encoder[1].weight.mul_(1.5)  # the first encoder layer is tied to the last decoder layer
        after = loaded.decode(z)
    assert not torch.allclose(before, after)  # the reloaded decoder reads the encoder's (changed) weight


def test_untied_decoder_does_not_follow_the_encoder(tiny):
    """The control for the test above: without tying, scaling an encoder weight leaves decoding alone."""
    model = build_model(tiny("ae", (20,), latent_dim=3, hidden=(16, 8)))
    z = torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        before = model.decode(z)
        model.encoder[1].weight.mul_(1.5)
        assert torch.equal(before, model.decode(z))


def test_folder_holds_only_safetensors_and_json(tiny, tmp_path):
    with no_pickle():
        checkpoint.save(build_model(tiny("vae")), tmp_path, history=[])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([WEIGHTS, CONFIG, HISTORY])
    raw = (tmp_path / WEIGHTS).read_bytes()
    header = header_of(tmp_path / WEIGHTS)
    assert set(header) - {"__metadata__"} == set(build_model(tiny("vae")).state_dict())
    assert not raw.startswith(b"\x80") and b"PK\x03\x04" not in raw[:4]  # neither a pickle nor torch's zip


def test_no_history_file_without_history(tiny, tmp_path):
    checkpoint.save(build_model(tiny()), tmp_path)
    assert not (tmp_path / HISTORY).exists()
    assert checkpoint.load(tmp_path).cfg == tiny()


def test_save_creates_nested_folders(tiny, tmp_path):
    out = checkpoint.save(build_model(tiny()), str(tmp_path / "a" / "b"))
    assert (out / WEIGHTS).is_file()


def test_refuses_corrupt_weights(tiny, tmp_path):
    checkpoint.save(build_model(tiny()), tmp_path)
    (tmp_path / WEIGHTS).write_bytes(b"this is not a safetensors file at all")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        checkpoint.load(tmp_path)


def test_refuses_truncated_weights(tiny, tmp_path):
    checkpoint.save(build_model(tiny()), tmp_path)
    raw = (tmp_path / WEIGHTS).read_bytes()
    (tmp_path / WEIGHTS).write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=str(WEIGHTS)):
        checkpoint.load(tmp_path)


def test_refuses_weights_of_another_architecture(tiny, tmp_path):
    checkpoint.save(build_model(tiny(latent_dim=2)), tmp_path)
    config = json.loads((tmp_path / CONFIG).read_text(encoding="utf-8"))
    config["model"]["latent_dim"] = 3
    (tmp_path / CONFIG).write_text(json.dumps(config))
    with pytest.raises(ValueError, match="do not fit a ae with this config"):
        checkpoint.load(tmp_path)


def test_refuses_weights_of_another_family(tiny, tmp_path):
    checkpoint.save(build_model(tiny("conv_ae")), tmp_path)
    config = json.loads((tmp_path / CONFIG).read_text(encoding="utf-8"))
    config["model"]["model"] = "ae"
    (tmp_path / CONFIG).write_text(json.dumps(config))
    with pytest.raises(ValueError, match="do not fit"):
        checkpoint.load(tmp_path)


def test_refuses_missing_weights(tiny, tmp_path):
    checkpoint.save(build_model(tiny()), tmp_path)
    (tmp_path / WEIGHTS).unlink()
    with pytest.raises(ValueError, match=str(WEIGHTS)):
        checkpoint.load(tmp_path)


@pytest.mark.parametrize("config_text", [None, "{not json", '{"other": 1}', '{"model": {"size": 3}}', "[1, 2]"])
def test_refuses_bad_config(tiny, tmp_path, config_text):
    checkpoint.save(build_model(tiny()), tmp_path)
    if config_text is None:
        (tmp_path / CONFIG).unlink()
    else:
        (tmp_path / CONFIG).write_text(config_text)
    with pytest.raises(ValueError):
        checkpoint.load(tmp_path)
