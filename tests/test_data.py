"""aelib.data and aelib.data.synthetic: loading, scaling, the seeded split, torchvision's folder handling."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from aelib import data
from aelib.data import DATASETS, DatasetUnavailable, default_data_dir, load_dataset, sample_rows
from aelib.data.synthetic import AMBIENT_DIM, NOISE, SYNTHETIC_NAMES, make_synthetic
from aelib.data.synthetic_media import (
    SHAPE_FACTORS,
    SHAPE_KINDS,
    SINE_CLASS_NAMES,
    SINE_FACTORS,
    make_shapes,
    make_sines,
)

OFFLINE = [n for n in DATASETS if n not in ("mnist", "fashion_mnist")]
TORCHVISION = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}


@pytest.fixture(scope="module")
def offline_sets(mnist5k, digits):
    loaded = {"mnist5k": mnist5k, "digits": digits}
    return {name: loaded.get(name) or load_dataset(name) for name in OFFLINE}


def row_multiset(x: np.ndarray) -> list[bytes]:
    """Rows as sortable bytes, so two arrays can be compared as multisets of rows."""
    return sorted(row.tobytes() for row in np.ascontiguousarray(x, dtype=np.float32))


# -- every offline set ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", OFFLINE)
def test_offline_set_is_scaled_and_shaped(offline_sets, name):
    ds = offline_sets[name]
    assert ds.name == name
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert ds.y_train.dtype == np.int64 and ds.y_test.dtype == np.int64
    assert ds.x_train.ndim == 2 and ds.x_train.shape[1] == ds.input_dim == int(np.prod(ds.shape))
    assert ds.x_test.shape[1] == ds.input_dim
    assert len(ds.x_train) == len(ds.y_train) and len(ds.x_test) == len(ds.y_test) == len(ds.test_ids)
    for x in (ds.x_train, ds.x_test):
        assert np.isfinite(x).all()
        assert x.min() >= 0.0 and x.max() <= 1.0
    assert ds.is_image == (DATASETS[name].kind == "image") == (len(ds.shape) == 3)
    assert ds.source


@pytest.mark.parametrize("name", OFFLINE)
def test_kind_is_known_before_loading(offline_sets, name):
    ds = offline_sets[name]
    assert ds.kind == DATASETS[name].kind == {3: "image", 2: "sequence", 1: "table"}[len(ds.shape)]


@pytest.mark.parametrize("name", OFFLINE)
def test_factors_follow_the_split(offline_sets, name):
    ds = offline_sets[name]
    if not ds.factor_names:
        assert ds.f_train is None and ds.f_test is None
        return
    for x, f in ((ds.x_train, ds.f_train), (ds.x_test, ds.f_test)):
        assert f.dtype == np.float32 and f.shape == (len(x), len(ds.factor_names))
        assert np.isfinite(f).all()


@pytest.mark.parametrize("name", OFFLINE)
def test_class_names_cover_labels(offline_sets, name):
    ds = offline_sets[name]
    labels = np.concatenate([ds.y_train, ds.y_test])
    assert labels.min() >= 0 and labels.max() < len(ds.class_names)
    assert set(np.unique(labels)) == set(range(len(ds.class_names)))  # no unused names either
    assert len(set(ds.class_names)) == len(ds.class_names)


@pytest.mark.parametrize("name", OFFLINE)
def test_split_is_disjoint_and_complete(offline_sets, name):
    ds = offline_sets[name]
    n = len(ds.x_train) + len(ds.x_test)
    assert len(np.unique(ds.test_ids)) == len(ds.test_ids)
    assert ds.test_ids.min() >= 0 and ds.test_ids.max() < n
    assert len(ds.x_test) == pytest.approx(0.2 * n, abs=1)


@pytest.mark.parametrize("name", ["digits", "swiss_roll"])
def test_split_is_stratified(offline_sets, name):
    ds = offline_sets[name]
    all_counts = np.bincount(np.concatenate([ds.y_train, ds.y_test]))
    test_counts = np.bincount(ds.y_test, minlength=len(all_counts))
    expected = all_counts * len(ds.y_test) / all_counts.sum()
    assert np.abs(test_counts - expected).max() <= 1.0


def test_digits_split_rows_are_the_original_rows(digits):
    raw = load_digits()
    x, y = (raw.data / 16.0).astype(np.float32), raw.target
    np.testing.assert_array_equal(digits.x_test, x[digits.test_ids])
    np.testing.assert_array_equal(digits.y_test, y[digits.test_ids])
    train_ids = np.setdiff1d(np.arange(len(x)), digits.test_ids)
    assert len(train_ids) == len(digits.x_train)
    assert row_multiset(digits.x_train) == row_multiset(x[train_ids])  # train = exactly the complement


@pytest.mark.parametrize("name", ["digits", "moons"])
def test_split_is_seeded(name):
    a, b, c = load_dataset(name, seed=0), load_dataset(name, seed=0), load_dataset(name, seed=1)
    np.testing.assert_array_equal(a.test_ids, b.test_ids)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.test_ids, c.test_ids)


def test_test_size_is_honoured():
    ds = load_dataset("digits", test_size=100)
    assert len(ds.x_test) == 100 and len(ds.x_train) == 1797 - 100
    ds = load_dataset("digits", test_size=0.5)
    assert abs(len(ds.x_test) - len(ds.x_train)) <= 1


def test_tabular_columns_scaled_by_training_range(offline_sets):
    ds = offline_sets["blobs"]
    np.testing.assert_allclose(ds.x_train.min(0), 0.0, atol=1e-6)
    np.testing.assert_allclose(ds.x_train.max(0), 1.0, atol=1e-6)


def test_mnist5k(offline_sets):
    ds = offline_sets["mnist5k"]
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 1000)
    assert ds.shape == (1, 28, 28) and ds.input_dim == 784
    assert ds.class_names == [str(i) for i in range(10)]
    np.testing.assert_array_equal(np.bincount(np.concatenate([ds.y_train, ds.y_test])), [500] * 10)
    assert ds.x_train.max() == 1.0  # scaled from 0..255, not left as raw bytes


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'nope'.*mnist5k"):
        load_dataset("nope")


# -- sample_rows ------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, database=None)
@given(n_rows=st.integers(0, 500), n=st.integers(0, 600), seed=st.integers(0, 2**31))
def test_sample_rows_properties(n_rows, n, seed):
    rows = sample_rows(n_rows, n, seed)
    assert len(rows) == min(n, n_rows)
    assert len(np.unique(rows)) == len(rows)
    assert np.all(np.diff(rows) > 0)  # sorted, no repeats
    assert len(rows) == 0 or (rows.min() >= 0 and rows.max() < n_rows)
    np.testing.assert_array_equal(rows, sample_rows(n_rows, n, seed))


def test_sample_rows_all_and_seeded():
    np.testing.assert_array_equal(sample_rows(10, 10, 0), np.arange(10))
    np.testing.assert_array_equal(sample_rows(10, 50, 3), np.arange(10))
    assert not np.array_equal(sample_rows(1000, 20, 0), sample_rows(1000, 20, 1))


# -- torchvision sets: failing downloads, a named folder, files already in place --------------------------

def test_default_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.delenv("AELAB_DATA_DIR")
    assert default_data_dir() == Path.home() / ".cache" / "aelab"


def write_idx(raw: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """MNIST's IDX format: big-endian magic (2051 images, 2049 labels), counts, rows, cols, then bytes."""
    n, rows, cols = images.shape
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(struct.pack(">iiii", 2051, n, rows, cols)
                                                      + images.astype(np.uint8).tobytes())
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">ii", 2049, n) + labels.astype(np.uint8).tobytes())


def fake_mnist(raw: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """20 training and 10 test images in IDX files under `raw`, with the names torchvision expects."""
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    split = {"train": (rng.integers(0, 256, (20, 28, 28)), np.arange(20) % 10),
             "t10k": (rng.integers(0, 256, (10, 28, 28)), (np.arange(10) * 3) % 10)}
    for prefix, (images, labels) in split.items():
        write_idx(raw, prefix, images, labels)
    return split


def check_fake_mnist(ds, split, name: str) -> None:
    (train_img, train_lab), (test_img, test_lab) = split["train"], split["t10k"]
    assert (len(ds.x_train), len(ds.x_test)) == (20, 10)  # the official split, not a random 80/20
    np.testing.assert_array_equal(ds.test_ids, np.arange(20, 30))
    assert ds.shape == (1, 28, 28) and ds.x_train.dtype == np.float32
    np.testing.assert_allclose(ds.x_train, train_img.reshape(20, 784) / 255.0, rtol=1e-6)
    np.testing.assert_allclose(ds.x_test, test_img.reshape(10, 784) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y_train, train_lab)
    np.testing.assert_array_equal(ds.y_test, test_lab)
    assert len(ds.class_names) == len(set(ds.class_names)) == 10
    assert all(" - " not in c for c in ds.class_names)
    if name == "mnist":  # digits may be named "3" or "three", but never "3 - three"
        words = "zero one two three four five six seven eight nine".split()
        assert all(c in (str(i), words[i]) for i, c in enumerate(ds.class_names)), ds.class_names


def torchvision_names(folder: str) -> list[str]:
    import torchvision.datasets

    return data._file_names(getattr(torchvision.datasets, folder))


@pytest.mark.parametrize("name", list(TORCHVISION))
def test_file_names_are_torchvisions(name):
    assert torchvision_names(TORCHVISION[name]) == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.mark.parametrize("name", list(TORCHVISION))
def test_failed_download_says_where_to_put_files(no_network, monkeypatch, tmp_path, name):
    folder = TORCHVISION[name]
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset(name)
    msg = str(info.value)
    assert no_network, "the loader should have tried to download"
    assert str(tmp_path / folder / "raw") in msg
    assert "'mnist5k'" in msg
    assert all(f in msg for f in torchvision_names(folder))
    assert "\n" not in msg  # one readable sentence, not torchvision's multi-line report


@pytest.mark.parametrize("name", list(TORCHVISION))
def test_empty_named_folder_is_a_clear_error_without_download(no_network, tmp_path, name):
    empty = tmp_path / "nothing here"
    with pytest.raises(DatasetUnavailable) as info:
        load_dataset(name, data_dir=str(empty))
    msg = str(info.value)
    assert not no_network, "a folder the learner names is only read, never downloaded into"
    assert str(empty) in msg and "'mnist5k'" in msg
    assert not empty.exists()


@pytest.mark.parametrize("name", list(TORCHVISION))
@pytest.mark.parametrize("layout", ["torchvision", "flat"])
def test_files_in_named_folder_are_used(no_network, tmp_path, name, layout):
    folder = TORCHVISION[name]
    raw = tmp_path / folder / "raw" if layout == "torchvision" else tmp_path
    split = fake_mnist(raw)
    assert sorted(p.name for p in raw.iterdir()) == sorted(torchvision_names(folder))
    ds = load_dataset(name, data_dir=str(tmp_path))
    assert not no_network, "files were present; nothing should be downloaded"
    check_fake_mnist(ds, split, name)
    assert "found in" in ds.source and str(raw) in ds.source


@pytest.mark.parametrize("name", list(TORCHVISION))
def test_files_already_in_default_dir_skip_the_download(no_network, monkeypatch, tmp_path, name):
    folder = TORCHVISION[name]
    raw = tmp_path / folder / "raw"
    split = fake_mnist(raw)
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    ds = load_dataset(name)
    assert not no_network, "files were present; nothing should be downloaded"
    check_fake_mnist(ds, split, name)
    assert "found in" in ds.source and str(tmp_path) in ds.source


def test_unreadable_files_are_a_clear_error(no_network, tmp_path):
    fake_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08")  # truncated header
    with pytest.raises(DatasetUnavailable, match="could not be read") as info:
        load_dataset("mnist", data_dir=str(tmp_path))
    assert str(tmp_path) in str(info.value) and "'mnist5k'" in str(info.value)


# -- synthetic --------------------------------------------------------------------------------------------

MANIFOLD_DIM = {"swiss_roll": 3, "s_curve": 3, "blobs": 5, "moons": 2, "circles": 2}


def test_every_synthetic_set_has_a_manifold_dim():
    assert set(MANIFOLD_DIM) == set(SYNTHETIC_NAMES)


@pytest.mark.parametrize("name", SYNTHETIC_NAMES)
def test_make_synthetic_shapes_and_labels(name):
    x, y, names = make_synthetic(name, seed=0, n=400)
    assert x.shape == (400, AMBIENT_DIM) and x.dtype == np.float32
    assert y.shape == (400,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(len(names)))
    x2, y2, _ = make_synthetic(name, seed=0, n=400)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _, _ = make_synthetic(name, seed=1, n=400)
    assert not np.allclose(x, x3)
    assert make_synthetic(name, n=50, dim=7)[0].shape == (50, 7)


@pytest.mark.parametrize("name", SYNTHETIC_NAMES)
def test_synthetic_data_lie_near_a_low_dim_subspace(name):
    x, _, _ = make_synthetic(name, seed=0)
    d = MANIFOLD_DIM[name]
    pca = PCA().fit(x)
    assert pca.explained_variance_ratio_[:d].sum() > 0.9
    # what is left in the other directions is the isotropic noise, nothing more
    np.testing.assert_allclose(pca.explained_variance_[d:], NOISE**2, rtol=0.25)


def test_unknown_synthetic():
    with pytest.raises(ValueError, match="unknown synthetic"):
        make_synthetic("torus")


def test_unreachable_servers_fail_fast_without_trying_a_download(no_network, monkeypatch, tmp_path):
    """A firewall that drops packets must not hang the page: the quick connection check says so instead."""
    def blocked(address, timeout=None):
        assert timeout is not None and timeout <= 5  # never wait without a bound
        raise TimeoutError("timed out")

    monkeypatch.setattr(data.socket, "create_connection", blocked)
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetUnavailable, match="cannot reach the download servers") as info:
        load_dataset("mnist")
    assert "timed out" in str(info.value) and "'mnist5k'" in str(info.value)
    assert not no_network, "no download should be attempted when the servers cannot be reached"


# -- synthetic sequences and shapes, through the registry -------------------------------------------------

def test_sines_dataset(offline_sets):
    ds = offline_sets["sines"]
    assert ds.shape == (64, 1) and ds.input_dim == 64 and ds.kind == "sequence" and not ds.is_image
    assert (len(ds.x_train), len(ds.x_test)) == (2400, 600)
    assert ds.class_names == SINE_CLASS_NAMES and ds.factor_names == SINE_FACTORS
    x, y, f = make_sines(seed=0)
    np.testing.assert_array_equal(ds.x_test, x[ds.test_ids])  # not rescaled: already in [0, 1]
    np.testing.assert_array_equal(ds.y_test, y[ds.test_ids])
    np.testing.assert_array_equal(ds.f_test, f[ds.test_ids])


def test_sines_factors_describe_their_rows(offline_sets):
    """The frequency factor of each held-out row is the frequency its FFT finds in that row."""
    ds = offline_sets["sines"]
    x = ds.x_test - ds.x_test.mean(1, keepdims=True)
    peak = np.abs(np.fft.rfft(x, n=4096, axis=1)).argmax(1) * 64 / 4096
    np.testing.assert_allclose(peak, ds.f_test[:, SINE_FACTORS.index("frequency")], atol=0.25)


def test_shapes_dataset(offline_sets):
    ds = offline_sets["shapes"]
    assert ds.shape == (1, 28, 28) and ds.input_dim == 784 and ds.kind == "image" and ds.is_image
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 1000)
    assert ds.class_names == SHAPE_KINDS == ["square", "circle", "triangle"]
    assert ds.factor_names == SHAPE_FACTORS
    x, y, f = make_shapes(seed=0)
    np.testing.assert_array_equal(ds.x_test, x.reshape(len(x), -1)[ds.test_ids])
    np.testing.assert_array_equal(ds.f_test, f[ds.test_ids])


@pytest.mark.parametrize("split", ["train", "test"])
def test_shapes_factors_describe_their_images(offline_sets, split):
    """Each row's x/y factors are its image's centre of mass, and its size factor is √(lit area)."""
    ds = offline_sets["shapes"]
    x, f = (ds.x_train, ds.f_train) if split == "train" else (ds.x_test, ds.f_test)
    images = x.reshape(-1, 28, 28)
    total = images.sum((1, 2))
    centres = np.arange(28) + 0.5
    np.testing.assert_allclose((images.sum(1) * centres).sum(1) / total, f[:, 0], atol=0.15)
    np.testing.assert_allclose((images.sum(2) * centres).sum(1) / total, f[:, 1], atol=0.15)
    np.testing.assert_allclose(np.sqrt(total), f[:, 2], rtol=0.04)


@pytest.mark.parametrize("name", ["sines", "shapes"])
def test_synthetic_media_sets_are_seeded(name):
    a, b, c = load_dataset(name, seed=0), load_dataset(name, seed=0), load_dataset(name, seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.f_test, b.f_test)
    assert not np.allclose(a.f_test, c.f_test)
    assert "seed 1" in c.source
