"""A lab's result kept in the store and read back (aelib.runs.kept): every lab page's result type, trained small,
comes back equal (the same numbers, networks that give the same outputs), never through a pickle; and a tampered
tree or weights file is refused with BadResult, never by running or importing anything outside AE Lab's own
classes, nor by building a huge network."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA

from aelib import infer
from aelib.data import load_dataset
from aelib.experiment import model_config, train_config
from aelib.i18n import Words
from aelib.labs import anomaly as an
from aelib.labs import augmentation, few_labels, forecasting, recommender
from aelib.labs import compression as cz
from aelib.labs import denoising as dl
from aelib.labs import generation as gen
from aelib.labs import superres as sr
from aelib.labs.generation import Conditional
from aelib.models import Autoencoder, build_model
from aelib.runs.kept import BadResult, Unkeepable, pack, unpack
from aelib.teach.lessons import LESSONS
from aelib.train import TrainConfig
from tests.conftest import shrink


def same(a: object, b: object, path: str = "result") -> None:
    """a and b hold the same values: arrays equal, networks with equal weights, dataclasses field by field."""
    assert type(a) is type(b) or (isinstance(a, PCA) and isinstance(b, PCA)), f"{path}: {type(a)} vs {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), path
    elif isinstance(a, Autoencoder):
        assert a.cfg == b.cfg, path
        sa, sb = a.state_dict(), b.state_dict()
        assert list(sa) == list(sb), path
        for k in sa:
            assert torch.equal(sa[k].cpu(), sb[k].cpu()), f"{path}.{k}"
        assert not b.training, path  # read back in inference mode
    elif isinstance(a, PCA):
        for k in ("components_", "mean_", "explained_variance_"):
            np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=f"{path}.{k}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            if f.init:
                same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def round_trip(result: object) -> object:
    tree, data = pack(result)
    assert b"pickle" not in data and data[:2] != b"\x80\x04"  # a safetensors file, not a pickle
    json.loads(tree)  # plain JSON
    back = unpack(tree, data)
    same(result, back)
    return back


TINY = TrainConfig(epochs=1, batch_size=64, seed=0)


@pytest.fixture(scope="module")
def tiny_mnist():
    return shrink(load_dataset("mnist5k"), 200, 60)


def test_the_denoising_and_generation_pairs_and_a_conditional_vae_come_back(small_digits):
    dae_cfg, _ = dl.pair_configs(small_digits, "gaussian", 0.3, latent_dim=4)
    trained = dl.train_pair(small_digits, dae_cfg, TINY)
    pair, x = round_trip(trained), small_digits.x_test[:5]
    np.testing.assert_array_equal(infer.reconstruct(pair.dae, x), infer.reconstruct(trained.dae, x))
    vae_cfg, _ = gen.pair_configs(small_digits, latent_dim=2)
    round_trip(gen.train_pair(small_digits, vae_cfg, TINY))
    cfg = model_config(small_digits, "cvae", 2, hidden=gen.HIDDEN)
    round_trip(Conditional(gen.train_cvae(small_digits, cfg, TINY)[0], small_digits.name))


def test_super_resolution_and_compression_come_back(tiny_mnist, small_digits):
    res = round_trip(sr.fit(tiny_mnist, sr.SuperResConfig(tiny_mnist.shape, 2, channels=4), sr.train_config(1)))
    assert isinstance(res.model, sr.SuperResAE)
    lab = round_trip(cz.build_lab(small_digits, (2, 4), cz.train_config(1)))
    assert isinstance(lab.codecs[("pca", 2)].model, PCA)


def test_read_back_coders_code_exactly_as_the_trained_ones(small_digits):
    lab = cz.build_lab(small_digits, (2,), cz.train_config(1))
    back, x = unpack(*pack(lab)), small_digits.x_test[:7]
    for key, codec in lab.codecs.items():
        again = back.codecs[key]
        np.testing.assert_allclose(again.decode(again.encode(x)), codec.decode(codec.encode(x)), rtol=1e-5, atol=1e-6)


def test_the_few_labels_augmentation_and_where_used_results_come_back(small_digits):
    extractor, _ = few_labels.train_extractor(small_digits, 4, TINY)
    feats = few_labels.features(small_digits, extractor)
    curve = few_labels.accuracy_curve(feats, small_digits.y_train, small_digits.y_test, [1, 2], repeats=1)
    round_trip(few_labels.ProbeLab(small_digits.name, "ae", 4, 1, 1, curve, len(small_digits.y_test)))
    cfg = augmentation.AugmentConfig(labels_per_class=2, generated_per_class=3, repeats=1, cvae_epochs=1,
                                     cvae_latent=2, ae_epochs=1, ae_latent=4)
    round_trip((augmentation.experiment(small_digits, cfg), (small_digits.name, 0, None)))
    ratings = recommender.make_ratings(60, 30, 2, 0.3)
    round_trip(recommender.experiment(ratings, epochs=2))
    round_trip(forecasting.experiment(shrink(load_dataset("sines"), 100, 30), epochs=1, show=2))


def test_an_anomaly_detector_comes_back(small_digits):
    split = an.make_split(small_digits, "one-class", ["0"])
    mcfg, tcfg = an.detector_configs(small_digits, "ae", 4, 1)
    run = an.AnomalyRun(small_digits.name, split, mcfg, tcfg, model=build_model(mcfg, seed=0), status="finished",
                        message=Words("anomaly.progress_epoch", epoch=1), seconds=0.5)
    back = round_trip(run)
    assert isinstance(back.split.description, Words) and str(back.split.description) == str(split.description)
    np.testing.assert_array_equal(an.score_split(back.model, back.split).test_errors,
                                  an.score_split(run.model, split).test_errors)


@pytest.mark.parametrize("lesson", ["sae", "score"])
def test_a_lessons_result_comes_back(lesson, mnist5k):
    result = next(x for x in LESSONS if x.id == lesson).run(mnist5k if lesson == "sae" else None, 0, None)
    round_trip({"lesson": lesson, "pick": 1, "result": result})


def test_odd_values_keep_their_kind():
    values = {("ae", 2): [1, 2.5, float("nan"), float("-inf"), None, True, "文字"], "ints": np.arange(6).reshape(2, 3),
              "bools": np.array([True, False]), "half": np.ones(3, np.float16), "names": np.array(["a", "bc"]),
              "t": torch.arange(4.0), "np_scalars": (np.float32(1.5), np.int64(3), np.bool_(True)), "empty": {}}
    back = unpack(*pack(values))
    assert back[("ae", 2)][:2] == [1, 2.5] and np.isnan(back[("ae", 2)][2]) and back[("ae", 2)][3:] == [
        float("-inf"), None, True, "文字"]
    assert back["np_scalars"] == (1.5, 3, True) and back["empty"] == {}
    for k in ("ints", "bools", "half", "names"):
        same(values[k], back[k])
    assert torch.equal(back["t"], values["t"])


@pytest.mark.parametrize("value", [lambda: 1, object(), {1, 2}, np.array([object()]), np.array([b"x"]), Words, print,
                                   dataclasses.make_dataclass("Local", ["x"])(1)])
def test_what_cannot_be_kept_says_so(value):
    with pytest.raises(Unkeepable):
        pack({"x": value})


# a tampered store -------------------------------------------------------------------------------------------------
def tree_of(tree: object) -> str:
    return json.dumps({"format": 1, "tree": tree})


@pytest.fixture(scope="module")
def kept_ae(small_digits):
    model = build_model(model_config(small_digits, "ae", 2), seed=0)
    return model, *pack(model)


@pytest.mark.parametrize("path", ["os:system", "builtins:eval", "subprocess:Popen", "aelib.store.store:Store",
                                  "aelib.runs.kept:_resolve", "aelib:__builtins__", "aelib.nothing:X", "aelib.data:",
                                  "aelib..x:Y", "aelib.runs.kept:np.lib"])
def test_only_ae_labs_own_dataclasses_are_built(path):
    with pytest.raises(BadResult):
        unpack(tree_of({"dc": path, "fields": {}}), b"")
    with pytest.raises(BadResult):
        unpack(tree_of({"net": path, "cfg": None, "weights": "w"}), b"")


def test_a_config_passes_the_import_checks_and_the_weights_must_fit_it(kept_ae, small_digits):
    model, tree, data = kept_ae
    doc = json.loads(tree)
    huge = dict(doc["tree"]["cfg"]["model_config"], hidden=[4096] * 8, latent_dim=1024)
    with pytest.raises(BadResult, match="limit|too|large|at most"):
        unpack(tree_of({**doc["tree"], "cfg": {"model_config": huge}}), data)
    other = model_config(small_digits, "ae", 3)  # weights of a 2-D code under a 3-D config
    with pytest.raises(BadResult):
        unpack(tree_of({**doc["tree"], "cfg": {"model_config": other.to_dict()}}), data)
    from safetensors.torch import load, save
    state = load(data)
    first = next(iter(state))
    with pytest.raises(BadResult, match="finite|nan|NaN"):
        unpack(tree, save({**state, first: torch.full_like(state[first], float("nan"))}))
    with pytest.raises(BadResult):
        unpack(tree, save({k: v for k, v in state.items() if k != first}))
    with pytest.raises(BadResult):
        unpack(tree, b"\x80\x04garbage")  # a pickle is not read


def test_a_custom_networks_config_is_counted_before_it_is_built(tiny_mnist):
    model = sr.build(sr.SuperResConfig(tiny_mnist.shape, 2, channels=4), seed=0)
    tree, data = pack(model)
    doc = json.loads(tree)
    fields = doc["tree"]["cfg"]["fields"]
    with pytest.raises(BadResult, match="weights"):  # 512 channels: weights that do not fit the 4-channel file
        unpack(tree_of({**doc["tree"], "cfg": {**doc["tree"]["cfg"], "fields": {**fields, "channels": 512}}}), data)
    with pytest.raises(BadResult, match="at most"):  # a network too large to build is refused on the meta device
        unpack(tree_of({**doc["tree"], "cfg": {**doc["tree"]["cfg"], "fields": {**fields, "channels": 100_000}}}),
               data)


@pytest.mark.parametrize("tree", [
    "not json", json.dumps([1]), json.dumps({"format": 2, "tree": 1}), tree_of({"nope": 1}), tree_of({}),
    tree_of({"float": "1e400"}), tree_of({"array": "missing"}), tree_of({"dc": "aelib.train:TrainConfig",
                                                                         "fields": {"epochs": 1, "rm": 2}}),
    tree_of({"pca": {"__class__": 1}}), tree_of({"list": 5}), tree_of({"dict": [[1]]}),
    "[" * 100 + "]" * 100, tree_of(json.loads("[" * 40 + "1" + "]" * 40)),
])
def test_a_tampered_tree_is_refused(tree):
    with pytest.raises(BadResult):
        unpack(tree, b"")


def test_deep_values_are_refused_both_ways():
    deep: list = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(Unkeepable):
        pack(deep)
    nested: dict = {"list": []}
    for _ in range(40):
        nested = {"list": [nested]}
    with pytest.raises(BadResult):
        unpack(tree_of(nested), b"")
    assert unpack(*pack(train_config("ae", epochs=3))) == train_config("ae", epochs=3)
