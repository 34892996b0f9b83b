"""aelib.train: the generator protocol, seeding, divergence handling, configs and device choice."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from aelib.experiment import history_dicts, training_split
from aelib.models import build_model, config_for
from aelib.train import (
    EarlyStop,
    EpochStats,
    Progress,
    TrainConfig,
    TrainingDiverged,
    available_devices,
    evaluate,
    pick_device,
    subset_rows,
    train,
    weight_l1,
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


def test_a_slow_set_up_is_announced_before_and_after(small_digits):
    """umap_ae builds a kNN graph (with jittered copies) before its first epoch: with progress asked for, train()
    says so first, and again once it is done; plain models and runs without progress say nothing."""
    from aelib.train import Preparing

    cfg = config_for("umap_ae", small_digits.shape, hidden=(16,), jitter_copies=2)
    events = list(train(build_model(cfg), small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1),
                        progress_every_s=3600))
    assert [type(e) for e in events] == [Preparing, Preparing, EpochStats]
    assert [e.done for e in events[:2]] == [False, True]
    points = f"{3 * len(small_digits.x_train):,}"  # the training images and two jittered copies of each
    assert events[0].words.key == "training.preparing_graph" and points in events[0].words
    assert points in events[0].words.say("zh")
    quiet = train(build_model(cfg), small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1))
    assert [type(e) for e in quiet] == [EpochStats]


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

    def loss_terms(x, y=None):
        terms = original(x, y)
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

    def loss_terms(x, y=None):
        terms = original(x, y)
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
    model.loss_terms = lambda x, y=None: {k: v * 5 for k, v in original(x).items()} if model.training else original(x)
    stats = epochs_of(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=2)))
    assert len(stats) == 2


def test_infinite_loss_also_diverges(tiny, small_digits):
    model = build_model(tiny("ae"))
    original = model.loss_terms
    model.loss_terms = lambda x, y=None: {k: v * float("inf") for k, v in original(x).items()}
    with pytest.raises(TrainingDiverged):
        list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=1)))


def test_empty_validation_split_is_refused_clearly(tiny, small_digits):
    model = build_model(tiny("ae"))
    with pytest.raises(ValueError, match="at least one training and one held-out sample"):
        list(train(model, small_digits.x_train, small_digits.x_test[:0], TrainConfig(epochs=1)))


# -- early stopping ---------------------------------------------------------------------------------------

def scripted_validation(model, curve: list[float]) -> None:
    """The held-out loss follows `curve` (first the untrained model's, then one value per epoch); training is
    real. Each evaluation is one call as long as the held-out split has at most 1,024 rows."""
    original, values = model.loss_terms, iter(curve)

    def loss_terms(x, y=None):
        terms = original(x, y)
        if model.training:
            return terms
        v = next(values)
        return {k: torch.tensor(v) for k in terms}

    model.loss_terms = loss_terms


def test_early_stopping_restores_the_best_epoch(tiny, small_digits):
    model = build_model(tiny("ae"))
    scripted_validation(model, [9.0, 5.0, 3.0, 4.0, 6.0, 7.0, 8.0, 9.0])  # best after epoch 2, then worse
    events, snapshots = [], {}
    for e in train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=7, patience=2)):
        events.append(e)
        if isinstance(e, EpochStats):
            snapshots[e.epoch] = weights(model)
    assert [type(e) for e in events] == [EpochStats] * 4 + [EarlyStop]
    assert [e.val["loss"] for e in events[:4]] == [5.0, 3.0, 4.0, 6.0]
    assert events[-1] == EarlyStop(epoch=4, best_epoch=2, patience=2)
    assert not same_weights(snapshots[2], snapshots[4])
    assert same_weights(weights(model), snapshots[2])


def test_no_early_stopping_without_patience(tiny, small_digits):
    model = build_model(tiny("ae"))
    scripted_validation(model, [9.0, 5.0, 3.0, 4.0, 6.0, 7.0, 8.0])
    events = list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=6)))
    assert [type(e) for e in events] == [EpochStats] * 6


def test_an_improvement_resets_the_patience(tiny, small_digits):
    model = build_model(tiny("ae"))
    scripted_validation(model, [9.0, 5.0, 6.0, 4.0, 4.5, 4.5, 3.0])
    events = list(train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=6, patience=2)))
    assert events[-1] == EarlyStop(epoch=5, best_epoch=3, patience=2)  # an equal loss is not an improvement


def test_early_stopping_when_a_tiny_training_set_overfits(tiny, small_digits):
    """Eight training samples and many epochs: the training loss keeps falling, the held-out loss turns up,
    and training stops `patience` epochs after the best held-out loss with that epoch's weights."""
    model = build_model(tiny("ae", hidden=(64,), latent_dim=8))
    x_val = small_digits.x_test
    cfg = TrainConfig(epochs=400, batch_size=8, lr=1e-2, train_subset=8, patience=3)
    events = list(train(model, small_digits.x_train, x_val, cfg))
    history, stop = epochs_of(events), events[-1]
    assert isinstance(stop, EarlyStop) and stop.epoch < 400
    best = min(history, key=lambda e: e.val["loss"])
    assert (stop.best_epoch, stop.epoch) == (best.epoch, best.epoch + 3) == (best.epoch, history[-1].epoch)
    assert history[-1].train["loss"] < best.train["loss"]  # still fitting the eight samples better...
    assert history[-1].val["loss"] > best.val["loss"]  # ...while getting worse on the held-out ones
    xv = torch.as_tensor(x_val).reshape(-1, 1, 8, 8)
    assert evaluate(model, xv)["loss"] == pytest.approx(best.val["loss"], rel=1e-6)  # the best weights are back


def test_patience_holds_out_a_validation_split(small_digits):
    """Early stopping must not peek at the test set: experiment.training_split carves a validation tenth."""
    x_tr, y_tr, x_val, y_val, name = training_split(small_digits, TrainConfig(patience=2))
    assert name == "validation" and len(x_val) == len(small_digits.x_train) // 10
    assert len(x_tr) + len(x_val) == len(small_digits.x_train)
    rows = {r.tobytes() for r in small_digits.x_train}
    assert all(r.tobytes() in rows for r in (*x_tr, *x_val))
    assert not {r.tobytes() for r in x_tr} & {r.tobytes() for r in x_val}
    assert training_split(small_digits, TrainConfig())[4] == "test"


# -- training subset, L1, labels --------------------------------------------------------------------------

def seen_in_training(model) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """Record every training batch (x, y) the model is given."""
    original, seen = model.loss_terms, []

    def loss_terms(x, y=None):
        if model.training:
            seen.append((x.detach().clone(), None if y is None else y.clone()))
        return original(x, y)

    model.loss_terms = loss_terms
    return seen


def test_train_subset_trains_on_exactly_k_samples(tiny, small_digits):
    model = build_model(tiny("cvae"))  # a conditional model: the labels must follow their rows
    seen = seen_in_training(model)
    ds = small_digits
    stats = epochs_of(train(model, ds.x_train, ds.x_test, TrainConfig(epochs=2, batch_size=16, train_subset=40),
                            y_train=ds.y_train, y_val=ds.y_test))
    assert len(stats) == 2 and len(seen) == 2 * 3  # ceil(40 / 16) batches per epoch
    index = {row.tobytes(): i for i, row in enumerate(ds.x_train)}
    epochs = [seen[:3], seen[3:]]
    picked = []
    for batches in epochs:
        rows = [index[r.numpy().ravel().tobytes()] for x, _ in batches for r in x]
        labels = [int(v) for _, y in batches for v in y]
        assert len(rows) == len(set(rows)) == 40
        assert labels == [int(ds.y_train[i]) for i in rows]
        picked.append(sorted(rows))
    assert picked[0] == picked[1]  # the same 40 samples every epoch, reshuffled


def test_subset_rows():
    assert subset_rows(10, 0, 0).tolist() == list(range(10))
    assert subset_rows(10, 10, 0).tolist() == list(range(10)) == subset_rows(10, 99, 3).tolist()
    rows = subset_rows(100, 7, 1)
    assert len(set(rows.tolist())) == 7 and rows.min() >= 0 and rows.max() < 100 and np.all(np.diff(rows) > 0)
    assert rows.tolist() == subset_rows(100, 7, 1).tolist() != subset_rows(100, 7, 2).tolist()


def test_l1_weight_adds_a_term_and_shrinks_the_weights(tiny, small_digits):
    def run(l1):
        model = build_model(tiny("ae"), seed=0)
        history = epochs_of(train(model, small_digits.x_train, small_digits.x_test,
                                  TrainConfig(epochs=4, batch_size=32, lr=3e-3, l1_weight=l1)))
        return model, history

    plain, plain_history = run(0.0)
    sparse, history = run(0.05)
    assert "weight_l1" not in plain_history[-1].train
    for e in history:
        assert e.train["loss"] == pytest.approx(e.train["recon"] + 0.05 * e.train["weight_l1"], rel=1e-5)
    by_hand = sum(p.abs().sum().item() for n, p in sparse.named_parameters() if n.endswith("weight"))
    assert weight_l1(sparse).item() == pytest.approx(by_hand, rel=1e-5)  # weight matrices only, not biases
    assert weight_l1(sparse).item() < 0.7 * weight_l1(plain).item()


def test_conditional_model_needs_labels(tiny, small_digits):
    model = build_model(tiny("cvae"))
    ds = small_digits
    with pytest.raises(ValueError, match="cvae is conditional: it needs one class label per sample"):
        list(train(model, ds.x_train, ds.x_test, TrainConfig(epochs=1)))
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        list(train(model, ds.x_train, ds.x_test, TrainConfig(epochs=1), y_train=ds.y_train + 1, y_val=ds.y_test))
    (stats,) = train(model, ds.x_train, ds.x_test, TrainConfig(epochs=1), y_train=ds.y_train, y_val=ds.y_test)
    assert set(stats.train) == {"loss", "recon", "kl"}


# -- config and devices -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"epochs": 0}, "epochs must be at least 1, got 0"),
    ({"batch_size": 0}, "batch size must be at least 1"),
    ({"lr": 0.0}, "learning rate must be a positive number, got 0"),
    ({"lr": -1e-3}, "learning rate"),
    ({"lr": float("nan")}, "learning rate must be a positive number, got nan"),
    ({"lr": float("inf")}, "learning rate"),
    ({"patience": -1}, "patience must be >= 0, got -1"),
    ({"l1_weight": -0.1}, "l1 weight must be >= 0"),
    ({"train_subset": -5}, "train subset must be >= 0"),
    ({"pretrain_epochs": -1}, "pretrain epochs must be >= 0"),
    ({"weight_decay": float("nan")}, "weight decay must be >= 0, got nan"),
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


def test_the_operator_names_what_auto_means(monkeypatch):
    monkeypatch.setenv("AELAB_DEVICE", "cpu")
    assert pick_device("auto") == torch.device("cpu")
    monkeypatch.setenv("AELAB_DEVICE", "tpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):  # a typo is said, not silently ignored
        pick_device("auto")
    if not torch.cuda.is_available():
        monkeypatch.setenv("AELAB_DEVICE", "cuda")
        with pytest.raises(ValueError):
            pick_device("auto")
    assert pick_device("cpu") == torch.device("cpu")  # an explicit choice is not overridden
