"""aelib.models.pretrain: greedy layer-wise pretraining of dense autoencoders, on its own and inside train()."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aelib.models import build_model
from aelib.models.networks import TiedLinear
from aelib.models.pretrain import PretrainStats, greedy_pretrain
from aelib.train import EpochStats, TrainConfig, train


def linears(seq) -> list[nn.Module]:
    return [m for m in seq if isinstance(m, nn.Linear | TiedLinear)]


def weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def outer_mse(model, x: torch.Tensor) -> float:
    """Reconstruction error of the outermost layer pair alone, as a one-hidden-layer autoencoder."""
    e, d = linears(model.encoder)[0], linears(model.decoder)[-1]
    with torch.no_grad():
        return F.mse_loss(torch.sigmoid(d(F.relu(e(x.flatten(1))))), x.flatten(1)).item()


@pytest.mark.parametrize("tied", [False, True])
def test_each_layer_pair_learns_in_turn(tiny, small_digits, tied):
    model = build_model(tiny("deep_ae", hidden=(32, 16), latent_dim=4, tied=tied))
    x = torch.as_tensor(small_digits.x_train).reshape(-1, 1, 8, 8)
    cfg = TrainConfig(epochs=1, pretrain_epochs=4, batch_size=32, lr=3e-3)
    before_outer = outer_mse(model, x)
    enc_names = [f"encoder.{i}" for i, m in enumerate(model.encoder) if isinstance(m, nn.Linear)]
    stats, snapshots = [], [weights(model)]
    for s in greedy_pretrain(model, x, cfg):
        stats.append(s)
        if s.epoch == s.epochs:
            snapshots.append(weights(model))
    assert all(isinstance(s, PretrainStats) for s in stats)
    assert [(s.layer, s.epoch) for s in stats] == [(i, e) for i in (1, 2, 3) for e in (1, 2, 3, 4)]
    assert {(s.layers, s.epochs) for s in stats} == {(3, 4)}
    for layer in (1, 2, 3):
        losses = [s.loss for s in stats if s.layer == layer]
        assert losses[-1] < losses[0], (layer, losses)
        # only this layer's encoder layer changed while it trained (the others are frozen or not yet begun)
        old, new = snapshots[layer - 1], snapshots[layer]
        changed = {k.rsplit(".", 1)[0] for k in old if k.startswith("encoder.") and not torch.equal(old[k], new[k])}
        assert changed == {enc_names[layer - 1]}, layer
    assert outer_mse(model, x) < 0.8 * before_outer


def test_pretrained_weights_then_train_end_to_end(tiny, small_digits):
    model = build_model(tiny("ae", hidden=(32,)))
    events = list(train(model, small_digits.x_train, small_digits.x_test,
                        TrainConfig(epochs=2, pretrain_epochs=2, batch_size=64)))
    kinds = [type(e) for e in events]
    assert kinds == [PretrainStats] * 4 + [EpochStats] * 2  # 2 layer pairs × 2 epochs come first


def test_pretraining_changes_the_starting_point(tiny, small_digits):
    def first_epoch(pretrain_epochs):
        model = build_model(tiny("ae", hidden=(32,)), seed=0)
        cfg = TrainConfig(epochs=1, pretrain_epochs=pretrain_epochs, batch_size=64)
        return [e for e in train(model, small_digits.x_train, small_digits.x_test, cfg)
                if isinstance(e, EpochStats)][0].val["loss"]

    assert first_epoch(3) != first_epoch(0)


@pytest.mark.parametrize("name", ["vae", "conv_ae", "linear_ae", "sparse_ae"])
def test_non_dense_autoencoders_are_refused_clearly(tiny, small_digits, name):
    model = build_model(tiny(name))
    x = torch.as_tensor(small_digits.x_train[:32]).reshape(-1, 1, 8, 8)
    with pytest.raises(ValueError, match=f"dense autoencoders \\(ae, deep_ae\\), not {name}"):
        list(greedy_pretrain(model, x, TrainConfig(pretrain_epochs=1)))
    with pytest.raises(ValueError, match="layer-wise pretraining applies to"):
        list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1, pretrain_epochs=1)))
