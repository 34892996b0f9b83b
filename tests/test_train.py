"""aelib.train: the generator protocol, seeding, divergence handling, configs and device choice."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aelib.experiment import history_dicts
from aelib.models import build_model
from aelib.train import (
    EpochStats,
    Progress,
    TrainConfig,
    TrainingDiverged,
    available_devices,
    evaluate,
    pick_device,
    train,
)


def weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def epochs_of(events) -> list[EpochStats]:
    return [e for e in events if isinstance(e, EpochStats)]


@pytest.mark.parametrize("model_name", ["ae", "vae"])
def test_yields_one_stats_per_epoch(tiny, small_digits, model_name):
    model = build_model(tiny(model_name))
    events = list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=3, batch_size=64)))
    assert all(isinstance(e, EpochStats) for e in events)  # no Progress unless asked for
    assert [e.epoch for e in events] == [1, 2, 3] and {e.epochs for e in events} == {3}
    keys = {"loss", "recon", "kl"} if model_name == "vae" else {"loss", "recon"}
    for e in events:
        assert set(e.train) == set(e.val) == keys
        assert all(math.isfinite(v) for v in [*e.train.values(), *e.val.values()])
        assert e.seconds > 0 and e.samples_per_second > 0
    assert events[-1].train["loss"] < events[0].train["loss"]
    assert history_dicts(events)[0]["train"] == events[0].train


def test_val_stats_are_the_evaluation_of_the_trained_model(tiny, small_digits):
    model = build_model(tiny("ae"))
    (stats,) = train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1))
    xv = torch.as_tensor(small_digits.x_test).reshape(-1, 1, 8, 8)
    with torch.no_grad():
        direct = model.loss_terms(xv)["loss"].item()
    assert stats.val["loss"] == pytest.approx(direct, rel=1e-5)
    assert evaluate(model, xv, batch_size=7)["loss"] == pytest.approx(direct, rel=1e-5)  # batching-invariant


@pytest.mark.parametrize("model_name", ["ae", "vae", "conv_ae"])
def test_same_seed_same_stats(tiny, small_digits, model_name):
    def run(seed):
        model = build_model(tiny(model_name), seed=seed)
        stats = epochs_of(train(model, small_digits.x_train, small_digits.x_test,
                                TrainConfig(epochs=2, batch_size=64, seed=seed)))
        return [(s.train, s.val) for s in stats], weights(model)

    (stats_a, w_a), (stats_b, w_b), (stats_c, _) = run(0), run(0), run(1)
    assert stats_a == stats_b  # exact float equality, not approx
    assert same_weights(w_a, w_b)
    assert stats_a != stats_c


def test_train_seed_changes_shuffling_with_same_init(tiny, small_digits):
    def run(seed):
        model = build_model(tiny("ae"), seed=0)
        return epochs_of(train(model, small_digits.x_train, small_digits.x_test,
                               TrainConfig(epochs=1, batch_size=32, seed=seed)))[0].train

    assert run(0) == run(0)
    assert run(0) != run(1)


def test_training_does_not_depend_on_global_rng(tiny, small_digits):
    def run():
        model = build_model(tiny("vae"), seed=0)
        return epochs_of(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1)))[0].train

    torch.manual_seed(1)
    a = run()
    torch.manual_seed(2)
    assert run() == a


def test_progress_events(tiny, small_digits):
    model = build_model(tiny("ae"))
    events = list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=2, batch_size=64),
                        progress_every_s=0))
    n_batches = math.ceil(len(small_digits.x_train) / 64)
    progress = [e for e in events if isinstance(e, Progress)]
    assert [(p.epoch, p.batch) for p in progress] == [(e, b) for e in (1, 2) for b in range(1, n_batches + 1)]
    assert {p.n_batches for p in progress} == {n_batches}
    # each epoch's Progress events come before its EpochStats
    kinds = ["S" if isinstance(e, EpochStats) else "P" for e in events]
    assert kinds == (["P"] * n_batches + ["S"]) * 2


def test_progress_every_s_large_yields_none(tiny, small_digits):
    model = build_model(tiny("ae"))
    events = list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1),
                        progress_every_s=3600))
    assert [type(e) for e in events] == [EpochStats]


def test_break_keeps_trained_weights(tiny, small_digits):
    model = build_model(tiny("ae"))
    initial = weights(model)
    gen = train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=50, batch_size=64))
    seen = []
    for event in gen:
        seen.append(event)
        after_first = weights(model)
        break
    gen.close()
    assert len(seen) == 1 and seen[0].epoch == 1
    assert not same_weights(initial, weights(model))
    assert same_weights(after_first, weights(model))
    assert all(torch.isfinite(v).all() for v in model.state_dict().values())


# -- divergence -------------------------------------------------------------------------------------------

def test_huge_learning_rate_diverges_and_restores_last_good_weights(tiny, small_digits):
    model = build_model(tiny("vae"))
    snapshots = {0: weights(model)}
    with pytest.raises(TrainingDiverged) as info:
        for event in train(model, small_digits.x_train, small_digits.x_test,
                           TrainConfig(epochs=10, lr=1e6, batch_size=32)):
            snapshots[event.epoch] = weights(model)
    err = info.value
    assert err.good_epoch == err.epoch - 1 == max(snapshots)
    assert "learning rate" in str(err) and f"epoch {err.epoch}" in str(err)
    restored = weights(model)
    assert all(torch.isfinite(v).all() for v in restored.values())
    assert same_weights(restored, snapshots[err.good_epoch])


def poison_after(model, n_calls: int) -> None:
    """Make the training loss NaN from the (n_calls+1)-th training batch on; NaN gradients then really
    corrupt the weights, so only a restore can bring them back."""
    original, calls = model.loss_terms, [0]

    def loss_terms(x):
        terms = original(x)
        if model.training:
            calls[0] += 1
            if calls[0] > n_calls:
                terms["loss"] = terms["loss"] * float("nan")
        return terms

    model.loss_terms = loss_terms


def test_divergence_restores_last_good_epoch(tiny, small_digits):
    model = build_model(tiny("ae"))
    n_batches = math.ceil(len(small_digits.x_train) / 64)
    poison_after(model, 2 * n_batches + 1)  # epochs 1 and 2 are fine, epoch 3 goes bad in its 2nd batch
    snapshots = {}
    with pytest.raises(TrainingDiverged) as info:
        for event in train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=5, batch_size=64)):
            snapshots[event.epoch] = weights(model)
    assert sorted(snapshots) == [1, 2]
    assert (info.value.epoch, info.value.good_epoch) == (3, 2)
    assert "epoch 3" in str(info.value) and "epoch 2" in str(info.value)
    restored = weights(model)
    assert all(torch.isfinite(v).all() for v in restored.values())
    assert same_weights(restored, snapshots[2])


def test_exploding_but_finite_loss_diverges(tiny, small_digits):
    """A loss far above the untrained model's (EXPLODED times) counts as diverged even while finite."""
    model = build_model(tiny("ae"))
    original, calls = model.loss_terms, [0]
    n_batches = math.ceil(len(small_digits.x_train) / 64)

    def loss_terms(x):
        terms = original(x)
        if model.training:
            calls[0] += 1
            if calls[0] > n_batches:  # from epoch 2 on, the reported loss is 10,000 times too large
                terms = {k: v * 1e4 for k, v in terms.items()}
        return terms

    model.loss_terms = loss_terms
    snapshots = {}
    with pytest.raises(TrainingDiverged) as info:
        for event in train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=4, batch_size=64)):
            snapshots[event.epoch] = weights(model)
    assert (info.value.epoch, info.value.good_epoch) == (2, 1)
    assert same_weights(weights(model), snapshots[1])


def test_moderately_larger_loss_is_not_divergence(tiny, small_digits):
    model = build_model(tiny("ae"))
    original = model.loss_terms
    model.loss_terms = lambda x: {k: v * 5 for k, v in original(x).items()} if model.training else original(x)
    stats = epochs_of(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=2)))
    assert len(stats) == 2


def test_infinite_loss_also_diverges(tiny, small_digits):
    model = build_model(tiny("ae"))
    original = model.loss_terms
    model.loss_terms = lambda x: {k: v * float("inf") for k, v in original(x).items()}
    with pytest.raises(TrainingDiverged):
        list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1)))


def test_empty_validation_split_is_refused_clearly(tiny, small_digits):
    model = build_model(tiny("ae"))
    with pytest.raises(ValueError, match="at least one training and one held-out sample"):
        list(train(model, small_digits.x_train, small_digits.x_test[:0], TrainConfig(epochs=1)))


# -- config and devices -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"epochs": 0}, "epochs must be at least 1, got 0"),
    ({"batch_size": 0}, "batch size must be at least 1"),
    ({"lr": 0.0}, "learning rate must be a positive number, got 0"),
    ({"lr": -1e-3}, "learning rate"),
    ({"lr": float("nan")}, "learning rate must be a positive number, got nan"),
    ({"lr": float("inf")}, "learning rate"),
])
def test_train_config_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes)


def test_pick_device():
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if torch.backends.mps.is_available() else "cpu")
    assert pick_device("auto").type == expected
    assert pick_device().type == expected
    assert pick_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        pick_device("tpu")
    assert available_devices()[:2] == ["auto", "cpu"]


def test_auto_is_cpu_without_accelerators():
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        pytest.skip("this machine has an accelerator")
    assert pick_device("auto") == torch.device("cpu")
    assert available_devices() == ["auto", "cpu"]


def test_cuda_unavailable_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("cuda is available here")
    with pytest.raises(ValueError, match="device 'cuda' is not available on this machine"):
        pick_device("cuda")


def test_train_on_explicit_cpu(tiny, small_digits):
    model = build_model(tiny("ae"))
    (stats,) = epochs_of(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1, device="cpu")))
    assert np.isfinite(stats.train["loss"])
    assert next(model.parameters()).device.type == "cpu"
