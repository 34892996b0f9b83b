"""aelib.estimators: the autoencoders as scikit-learn transformers, judged by scikit-learn's own estimator checks,
in a cross-validated Pipeline against PCA, in GridSearchCV, on bad input, on disk, and in the comparison."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import estimator_checks_generator, parametrize_with_checks

import aelib.estimators
from aelib import infer
from aelib.estimators import EXPECTED_FAILED_CHECKS, AutoencoderTransformer, ae_projection
from aelib.experiment import compare
from aelib.models import MODELS, build_model
from aelib.projections import score
from aelib.sharing import checkpoint
from aelib.sharing.estimator_files import load_estimator, save_estimator

TINY = {"hidden": [32], "channels": [4, 8]}  # small networks: a few CPU steps per test
OUT_OF_RANGE = "ignore:X has values outside"  # the checks' data are not scaled to [0, 1]; the warning is tested below


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    pass


@pytest.mark.filterwarnings(OUT_OF_RANGE)
@parametrize_with_checks([AutoencoderTransformer(model=m, epochs=2) for m in ("ae", "vae", "linear_ae")],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_expected_failures_are_few_real_checks_with_reasons():
    names = {getattr(c, "func", c).__name__ for _, c in
             estimator_checks_generator(AutoencoderTransformer(epochs=1), expected_failed_checks={})}
    assert len(EXPECTED_FAILED_CHECKS) <= 3
    assert set(EXPECTED_FAILED_CHECKS) <= names
    assert all(len(reason) > 20 for reason in EXPECTED_FAILED_CHECKS.values())


def _family_data(model: str, small_digits, small_seq):
    ds = small_seq if MODELS[model].backbone == "rnn" else small_digits
    return ds.x_train[:120], ds.y_train[:120], ds.shape


@pytest.mark.parametrize("model", list(MODELS))
def test_every_family_fits_transforms_decodes_and_scores(model, small_digits, small_seq):
    x, y, shape = _family_data(model, small_digits, small_seq)
    est = AutoencoderTransformer(model, latent_dim=2, epochs=1, random_state=0, options=TINY, input_shape=shape)
    z = est.fit_transform(x, y)
    assert est.model_.cfg.model == model and est.model_.cfg.input_shape == shape
    assert z.shape == (len(x), est.model_.cfg.latent_dim * (est.model_.cfg.vq_dim if model == "vq_vae" else 1))
    assert z.dtype == np.float32 and np.isfinite(z).all()
    assert len(est.get_feature_names_out()) == z.shape[1] and len(est.history_) == 1
    rebuilt = est.inverse_transform(z, y if model == "cvae" else None)
    assert rebuilt.shape == x.shape and np.isfinite(rebuilt).all()
    assert est.score(x, y) == pytest.approx(-infer.mse(est.model_, x, y if model == "cvae" else None), rel=1e-6)
    np.testing.assert_allclose(z, infer.encode(est.model_, x, y if model == "cvae" else None), rtol=1e-6)


def test_cvae_reads_the_labels_and_without_them_picks_the_best_class(small_digits):
    x, y = small_digits.x_train[:150], small_digits.y_train[:150]
    with pytest.raises(ValueError, match="needs y"):
        AutoencoderTransformer("cvae", epochs=1, options=TINY).fit(x)
    labels = np.array(small_digits.class_names)[y]  # string labels work: classes_ maps them to indices
    est = AutoencoderTransformer("cvae", epochs=3, random_state=0, options=TINY).fit(x, labels)
    assert list(est.classes_) == sorted(set(labels))
    with pytest.raises(ValueError, match="pass y"):
        est.inverse_transform(est.transform(x, labels))
    with pytest.raises(ValueError, match="not fitted on"):
        est.transform(x[:2], ["0", "cat"])
    # without labels each row takes the class whose reconstruction is closest: never worse than the true label
    assert est.score(x) >= est.score(x, labels) - 1e-9


def test_umap_ae_is_the_parametric_umap_projector(small_digits):
    x = small_digits.x_train[:150]
    est = AutoencoderTransformer("umap_ae", epochs=1, random_state=0,
                                 options={**TINY, "n_neighbors": 5, "jitter_copies": 0}).fit(x)
    assert type(est.model_).__name__ == "UMAPAE" and "umap" in est.history_[0]["train"]
    assert est.transform(small_digits.x_test[:10]).shape == (10, 2)  # it places new points


def _fitted(x, **kw):
    return AutoencoderTransformer(epochs=1, random_state=0, options=TINY, **kw).fit(x)


@pytest.mark.parametrize("bad, error, match", [
    (np.full((5, 4), np.nan), ValueError, "NaN"),
    (np.full((5, 4), np.inf), ValueError, "infinity"),
    (np.zeros(4), ValueError, "2D array"),
    (np.zeros((0, 4)), ValueError, "0 sample"),
    (np.zeros((5, 0)), ValueError, "0 feature"),
    (np.array([["a", "b"], ["c", "d"]]), ValueError, "convert"),
    (sp.csr_matrix(np.eye(4)), TypeError, "dense data is required"),
])
def test_bad_input_is_refused_when_fitting(bad, error, match):
    with pytest.raises(error, match=match):
        AutoencoderTransformer(epochs=1).fit(bad)


def test_bad_input_is_refused_after_fitting():
    x = np.random.default_rng(0).random((30, 4))
    est = AutoencoderTransformer(epochs=1)
    with pytest.raises(NotFittedError):
        est.transform(x)
    _fitted(x, latent_dim=2).transform(x)
    est = _fitted(x)
    with pytest.raises(ValueError, match="X has 3 features, but AutoencoderTransformer is expecting 4"):
        est.transform(x[:, :3])
    with pytest.raises(ValueError, match="expecting 2"):
        est.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        est.score(np.full((2, 4), np.nan))
    with pytest.raises(TypeError, match="Sparse"):
        est.transform(sp.csr_matrix(x))


@pytest.mark.parametrize("params, match", [
    ({"model": "nope"}, "model must be one of"),
    ({"latent_dim": 0}, "latent_dim == 0, must be >= 1"),
    ({"latent_dim": 2.5}, "latent_dim must be an instance of"),
    ({"epochs": 0}, "epochs == 0"),
    ({"lr": -1.0}, "lr == -1.0"),
    ({"batch_size": 0}, "batch_size == 0"),
    ({"options": {"bogus": 1}}, "unknown options: bogus"),
    ({"options": {"dropout": 2.0}}, "dropout must be in"),
    ({"options": "hidden=32"}, "options must be a dict"),
    ({"input_shape": (2, 3)}, "input_shape .* does not fit rows of 4 features"),
    ({"random_state": "seed"}, "cannot be used to seed"),
    ({"device": "tpu"}, "unknown device"),
])
def test_parameters_are_checked_in_fit_not_in_init(params, match):
    est = AutoencoderTransformer(**params)  # constructing never raises, as scikit-learn requires
    assert est.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises((ValueError, TypeError), match=match):  # TypeError: a value of the wrong type
        est.fit(np.random.default_rng(0).random((10, 4)))


def test_values_outside_the_unit_interval_draw_a_warning_except_for_linear_ae():
    x = np.random.default_rng(0).random((20, 4)) * 3
    with pytest.warns(UserWarning, match="MinMaxScaler"):
        _fitted(x)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fitted(x, model="linear_ae")
        _fitted(x / 3)


def test_dataframes_keep_their_feature_names_and_pandas_output_works():
    df = pd.DataFrame(np.random.default_rng(0).random((30, 3)), columns=["a", "b", "c"])
    est = _fitted(df).set_output(transform="pandas")
    assert list(est.feature_names_in_) == ["a", "b", "c"]
    out = est.transform(df)
    assert list(out.columns) == ["autoencodertransformer0", "autoencodertransformer1"]
    with pytest.raises(ValueError, match="feature names"):
        est.transform(df.rename(columns={"a": "z"}))


def test_verbose_prints_one_line_per_epoch(capsys):
    x = np.random.default_rng(0).random((30, 4))
    AutoencoderTransformer(epochs=3, options=TINY, verbose=1).fit(x)
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split("epoch")[1].split()[0] for ln in lines] == ["1/3", "2/3", "3/3"]
    AutoencoderTransformer(epochs=2, options=TINY).fit(x)
    assert capsys.readouterr().out == ""


def test_save_and_load_through_the_safetensors_checkpoint(tmp_path, small_digits):
    x = pd.DataFrame(small_digits.x_train[:100], columns=[f"px{i}" for i in range(64)])
    est = AutoencoderTransformer("vae", epochs=2, random_state=3, options={"hidden": [32], "beta": 2.0},
                                 input_shape=(1, 8, 8)).fit(x)
    save_estimator(est, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {checkpoint.WEIGHTS, checkpoint.CONFIG, checkpoint.HISTORY}
    back = load_estimator(tmp_path)
    np.testing.assert_array_equal(back.transform(x), est.transform(x))
    np.testing.assert_array_equal(back.inverse_transform(est.transform(x)), est.inverse_transform(est.transform(x)))
    assert back.get_params() == est.get_params()
    assert back.history_ == est.history_ and back.seed_ == 3
    assert list(back.feature_names_in_) == list(x.columns)
    refit = clone(back).fit(x)  # the loaded parameters train the same model again
    np.testing.assert_allclose(refit.transform(x), est.transform(x), rtol=1e-5, atol=1e-6)


def test_a_model_trained_elsewhere_becomes_a_fitted_estimator(tmp_path, small_digits):
    x, y = small_digits.x_train[:100], small_digits.y_train[:100]
    net = AutoencoderTransformer("cvae", epochs=1, random_state=0, options=TINY).fit(x, y).model_
    checkpoint.save(net, tmp_path)  # what `python -m aelib train --out` and the app write
    est = load_estimator(tmp_path)
    assert list(est.classes_) == list(range(10)) and est.n_features_in_ == 64
    np.testing.assert_array_equal(est.transform(x, y), infer.encode(net, x, y))
    assert AutoencoderTransformer.from_model(net).get_feature_names_out().shape == (2,)


def _pipeline(step) -> Pipeline:
    return Pipeline([("scale", MinMaxScaler()), ("ae", step), ("knn", KNeighborsClassifier(5))])


def test_cross_validated_autoencoder_beats_pca_on_mnist(mnist5k):
    """1,500 mnist5k digits, 3 folds (1,000 training rows each): a 2-D autoencoder then 5-NN scores about 0.6
    (seeds 0 and 1: 0.62, 0.59; 10 epochs, batch 32), the same pipeline with PCA(2) 0.44."""
    x, y = mnist5k.x_train[:1500], mnist5k.y_train[:1500]
    ae = cross_val_score(_pipeline(AutoencoderTransformer(latent_dim=2, epochs=10, batch_size=32, lr=2e-3,
                                                          random_state=0)), x, y, cv=3)
    pca = cross_val_score(_pipeline(PCA(2)), x, y, cv=3)
    assert ae.mean() > pca.mean() + 0.05, (ae, pca)


def test_grid_search_clones_and_refits_each_candidate_from_fresh_weights(monkeypatch, small_digits):
    """Every fit of every candidate builds its own model from the seed's initial weights: none starts from a
    weight another candidate (or an earlier fold) trained."""
    built = []

    def spy(cfg, seed=0):
        model = build_model(cfg, seed)
        built.append((model, {k: v.clone() for k, v in model.state_dict().items()}, cfg, seed))
        return model

    monkeypatch.setattr(aelib.estimators, "build_model", spy)
    x, y = small_digits.x_train[:200], small_digits.y_train[:200]
    pipe = _pipeline(AutoencoderTransformer(epochs=2, random_state=0, options=TINY))
    grid = GridSearchCV(pipe, {"ae__latent_dim": [1, 3]}, cv=2).fit(x, y)
    assert not hasattr(pipe.named_steps["ae"], "model_")  # the template itself is never fitted
    assert len(built) == 2 * 2 + 1  # two candidates on two folds, then the refit
    assert len({id(m) for m, *_ in built}) == len(built)
    for _, start, cfg, seed in built:
        fresh = build_model(cfg, seed).state_dict()
        assert all(start[k].equal(fresh[k]) for k in fresh)
    best = grid.best_estimator_.named_steps["ae"]
    assert best.model_ is built[-1][0] and best.model_.cfg.latent_dim == grid.best_params_["ae__latent_dim"]
    assert sorted({m.cfg.latent_dim for m, *_ in built}) == [1, 3]


def test_compare_scores_the_estimator_a_notebook_would_fit(digits):
    """`python -m aelib compare` (and the Compare page) measure the autoencoder column through the estimator:
    fitting it by hand with the same seed gives the same numbers."""
    got = compare("digits", ["ae"], n=100, seed=1, epochs=2)["ae"]
    from aelib.data import load_dataset, sample_rows

    ds = load_dataset("digits", seed=1, test_size=100)
    rows = sample_rows(len(ds.x_test), 100, 1)
    est = AutoencoderTransformer("ae", 2, epochs=2, random_state=1, input_shape=ds.shape).fit(ds.x_train)
    mine = score(ae_projection(est, ds.x_train, ds.x_test[rows]), ds.x_test[rows], ds.y_train, ds.y_test[rows], 1)
    for key in ("knn_accuracy", "trustworthiness", "continuity", "silhouette", "recon_mse"):
        assert got[key] == mine[key]


def test_the_readme_example_runs(monkeypatch, tmp_path, small_digits):
    """README's "Autoencoders in scikit-learn" block, run as written on 300 small digits instead of mnist5k."""
    import re
    from pathlib import Path

    import aelib.data

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Autoencoders in scikit-learn", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.+?)\n```", section, re.S)
    monkeypatch.setattr(aelib.data, "load_dataset", lambda name: small_digits)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["codes"].shape == (len(small_digits.x_test), scope["grid"].best_params_["ae__latent_dim"])
    np.testing.assert_array_equal(scope["ae"].transform(small_digits.x_test),
                                  scope["grid"].best_estimator_.named_steps["ae"].transform(small_digits.x_test))
