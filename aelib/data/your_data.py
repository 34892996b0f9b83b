"""A learner's own data: a CSV table or a set of images, checked (UploadError with a message a learner can act
on), scaled to [0, 1] and split like the bundled sets (stratified, seeded), as an aelib.data.Dataset. Every read
runs under a `Limits` (aelib.limits.VISITOR unless an operator passes larger ones): aelib.data.your_data_tables reads
tables, aelib.data.your_data_images reads images and zips.

Images: PNG/JPEG/BMP/GIF/WebP files, or a .zip of them, made grey (colour is converted). Labels come from the
folder each image sits in (`cats/001.png` -> "cats"), else from the file-name prefix before the first "_"
(`3_001.png` -> "3"); when that gives a single class the images are unlabelled."""
from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from aelib.data import Dataset
from aelib.data.your_data_images import IMAGE_TYPES, grey_pixels, image_files
from aelib.data.your_data_tables import Deadline, UploadError, is_number, listed, on_lines, read_table, shown_text
from aelib.i18n import Words
from aelib.limits import UPLOAD_MB, VISITOR, Limits

__all__ = ["IMAGE_TYPES", "LABEL_NAMES", "MAX_BYTES", "MAX_CLASSES", "MAX_COLUMNS", "MAX_IMAGES", "MAX_MB", "MAX_SIDE",
           "MIN_ROWS", "UNLABELLED", "LabelGuess", "UploadError", "csv_columns", "dataset_from_csv",
           "dataset_from_images", "dataset_from_table", "guess_label", "read_table"]

MAX_MB = UPLOAD_MB  # server.maxUploadSize in .streamlit/config.toml (a test checks)
MAX_BYTES = VISITOR.upload_bytes  # Streamlit's megabyte is 10**6 bytes
MIN_ROWS = 30  # fewer samples cannot be split into a training and a test set worth plotting
MAX_COLUMNS = VISITOR.columns
MAX_CLASSES = 50
MAX_IMAGES = VISITOR.images
MAX_SIDE = VISITOR.image_side  # pixels; a dense autoencoder on larger images is slow on a shared classroom server
UNLABELLED = "all"  # the single class of data without labels
LABEL_NAMES = ("label", "labels", "class", "classes", "target", "targets", "y")  # any case, spaces around ignored
FEW_CODES = 20  # whole numbers from 0 or 1 up to this many, in an edge column, read as class codes


def csv_columns(data: bytes | io.IOBase, limits: Limits = VISITOR) -> list[str]:
    """The column names, to offer as the label column; UploadError if it is not a readable table."""
    return list(read_table(data, limits).columns)


@dataclass(frozen=True)
class LabelGuess:
    """The column a person would call a table's label, and why it was picked (Words: any language)."""

    column: str
    why: Words


def _is_text(kind: np.dtype) -> bool:
    return not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind))


def _few(values: pd.Series, most: int) -> np.ndarray | None:
    """The column's distinct values (missing ones left out) when there are 2 to `most` of them, else None."""
    distinct = pd.unique(values.dropna())
    return distinct if 2 <= len(distinct) <= most else None


def _examples(distinct: np.ndarray) -> Words:
    return listed(sorted((str(v) for v in distinct), key=_sort_key), 3)


def _named(df: pd.DataFrame) -> LabelGuess | None:
    """A column named like a label (LABEL_NAMES, in that order) whose values could be classes: text, or whole
    numbers, of at most MAX_CLASSES values (a continuous `target` is a measurement, not a class)."""
    by_name = {}
    for column in df.columns:
        by_name.setdefault(str(column).strip().lower(), column)
    for name in LABEL_NAMES:
        if (column := by_name.get(name)) is None:
            continue
        distinct = _few(df[column], MAX_CLASSES)
        if distinct is not None and (_is_text(df[column].dtype) or all(float(v).is_integer() for v in distinct)):
            return LabelGuess(column, Words("your_data.guess_named", n=len(distinct), values=_examples(distinct)))
    return None


def _text(df: pd.DataFrame) -> LabelGuess | None:
    """The text column of few values (at most MAX_CLASSES, and half the rows): only a label may be text. Of
    several, the last or else the first column; none when neither is one (ambiguous)."""
    found = {}
    for column in [c for c, kind in df.dtypes.items() if _is_text(kind)]:
        if (distinct := _few(df[column], min(MAX_CLASSES, len(df) // 2))) is not None:
            found[column] = distinct
    if not found:
        return None
    picked = next(iter(found)) if len(found) == 1 else next((c for c in df.columns[[-1, 0]] if c in found), None)
    if picked is None:
        return None
    return LabelGuess(picked, Words("your_data.guess_text", n=len(found[picked]), values=_examples(found[picked])))


def _codes(values: pd.Series) -> np.ndarray | None:
    """The distinct values of a column that reads like class numbers: whole numbers (or booleans) from 0 or 1 up to
    at most FEW_CODES, each on at least 2 rows; else None."""
    if not (pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)):
        return None
    distinct = _few(values, FEW_CODES)
    if distinct is None or not (0 <= int(distinct.min()) <= 1 and int(distinct.max()) <= FEW_CODES):
        return None
    return distinct if values.value_counts().min() >= 2 else None


def _edge(df: pd.DataFrame) -> LabelGuess | None:
    """The first or last column when it holds class numbers (_codes) and the column beside it does not: in a table
    of small whole numbers throughout (pixels, survey answers) no column stands out. Both edges: ambiguous, none."""
    if df.shape[1] < 2:
        return None
    picks = []
    for here, beside in ((0, 1), (-1, -2)):
        distinct = _codes(df.iloc[:, here])
        if distinct is not None and _codes(df.iloc[:, beside]) is None:
            side = Words("your_data.edge_first" if here == 0 else "your_data.edge_last")
            picks.append(LabelGuess(df.columns[here], Words("your_data.guess_codes", n=len(distinct),
                                                            values=_examples(distinct), side=side)))
    return picks[0] if len(picks) == 1 else None


def guess_label(df: pd.DataFrame) -> LabelGuess | None:
    """The column a person would call the label of a table read with read_table, or None: first a column named
    like one (label, class, target, y; any case) holding classes, then a text column of few values, then whole
    numbers of few values in the first or last column when they stand out from the column beside them. A guess
    to show and let the learner change, never a check: dataset_from_table still checks the column."""
    return _named(df) or _text(df) or _edge(df)


def _check_features(df: pd.DataFrame, labelled: bool, first_line: int) -> None:
    """UploadError for too few or too many columns, text, missing, infinite or constant values (naming the columns,
    and the lines of the first one); each check runs over whole blocks of columns, not column by column."""
    if df.shape[1] > MAX_COLUMNS:  # a frame a library caller built; read_table refuses wider files
        raise UploadError("your_data.too_many_columns", n=f"{df.shape[1]:,}", limit=f"{MAX_COLUMNS:,}")
    if df.shape[1] < 2:
        raise UploadError("your_data.too_few_columns_labelled" if labelled else "your_data.too_few_columns",
                          n=df.shape[1])
    text = [c for c, kind in df.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind))]
    if text:
        first = df[text[0]].dropna()
        example = next((v for v in first if not is_number(v)), first.iloc[0] if len(first) else "")
        raise UploadError("your_data.not_numeric_many" if len(text) > 1 else "your_data.not_numeric_one",
                          names=listed(text), example=shown_text(example), column=shown_text(text[0]))
    missing = list(df.columns[df.isna().any().to_numpy()])
    if missing:
        rows = (np.flatnonzero(df[missing[0]].isna()) + first_line).tolist()
        raise UploadError("your_data.missing_many" if len(missing) > 1 else "your_data.missing_one",
                          names=listed(missing), column=shown_text(missing[0]), where=on_lines(rows))
    floats = df.select_dtypes("floating")
    infinite = list(floats.columns[np.isinf(floats.to_numpy()).any(axis=0)]) if floats.shape[1] else []
    if infinite:
        rows = (np.flatnonzero(np.isinf(df[infinite[0]].to_numpy(dtype=np.float64))) + first_line).tolist()
        raise UploadError("your_data.infinite", names=listed(infinite), column=shown_text(infinite[0]),
                          where=on_lines(rows))
    constant = list(df.columns[(df.min() == df.max()).to_numpy()])
    if constant:
        raise UploadError("your_data.constant_many" if len(constant) > 1 else "your_data.constant_one",
                          names=listed(constant))


def _scaled(df: pd.DataFrame, train_ids: np.ndarray, test_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N_train, D) and (N_test, D) float32: every column min-max scaled with the training rows' range in float64
    (test rows clipped to it), as aelib.data.scale_columns does, one column at a time to spare memory."""
    x_train = np.empty((len(train_ids), df.shape[1]), dtype=np.float32)
    x_test = np.empty((len(test_ids), df.shape[1]), dtype=np.float32)
    for j in range(df.shape[1]):
        v = df.iloc[:, j].to_numpy(dtype=np.float64)
        part = v[train_ids]
        lo, hi = part.min(), part.max()
        span = hi - lo if hi > lo else 1.0
        x_train[:, j] = (part - lo) / span
        x_test[:, j] = np.clip((v[test_ids] - lo) / span, 0.0, 1.0)
    return x_train, x_test


def _sort_key(name: str) -> tuple:
    number = is_number(name)
    return (not number, float(name) if number else 0.0, name)


def _labels(values: pd.Series, what: Words) -> tuple[np.ndarray, list[str]]:
    """Class indices and names (sorted); UploadError where a stratified split is impossible. `what` names where the
    labels come from ("label column 'kind'")."""
    distinct = pd.unique(values)
    if len(distinct) > MAX_CLASSES:  # counted before any value is turned into text
        raise UploadError("your_data.too_many_classes", what=what, n=f"{len(distinct):,}", limit=MAX_CLASSES)
    names = sorted({str(v) for v in distinct}, key=_sort_key)
    if len(names) < 2:
        raise UploadError("your_data.one_class", what=what, name=shown_text(names[0]))
    index = {n: i for i, n in enumerate(names)}
    y = values.map({v: index[str(v)] for v in distinct}).to_numpy(dtype=np.int64)
    rare = [names[i] for i, c in enumerate(np.bincount(y, minlength=len(names))) if c < 2]
    if rare:
        raise UploadError("your_data.single_sample_many" if len(rare) > 1 else "your_data.single_sample_one",
                          names=listed(rare), what=what)
    return y, names


_UNSAFE_NAME = re.compile(r"[^\w .()-]+")  # \w: letters and digits of any script, and "_"


def dataset_name(text: str, most: int = 60) -> str:
    """A learner's file name made safe to show anywhere: letters and digits of any script, spaces, '.', '-', '_' and
    parentheses only, so no Markdown link, emphasis marker or HTML tag can come from it; at most `most` characters."""
    name = " ".join(_UNSAFE_NAME.sub("_", str(text)).split())[:most].strip()
    return name or "your data"


def _split(name: str, x: pd.DataFrame | np.ndarray, y: np.ndarray, shape: tuple[int, ...], class_names: list[str],
           source: str, seed: int, test_size: float) -> Dataset:
    """Stratified, seeded split: a table's columns scaled (_scaled), images (uint8) divided by 255; float32."""
    try:
        train_ids, test_ids = train_test_split(np.arange(len(x)), test_size=test_size, random_state=seed, stratify=y)
    except ValueError as err:  # more classes than test samples
        raise UploadError("your_data.cannot_split", n=len(x), classes=len(class_names), detail=str(err)) from err
    if isinstance(x, pd.DataFrame):
        x_train, x_test = _scaled(x, train_ids, test_ids)
    else:
        x_train, x_test = (np.divide(x[ids], 255, dtype=np.float32) for ids in (train_ids, test_ids))
    return Dataset(dataset_name(name), x_train, y[train_ids], x_test, y[test_ids], shape, class_names, source,
                   test_ids)


def dataset_from_csv(data: bytes | io.IOBase, label_column: str | None = None, name: str = "your_data.csv",
                     seed: int = 0, test_size: float = 0.2, limits: Limits = VISITOR) -> Dataset:
    """A CSV of numeric columns (and an optional label column) -> a table Dataset, every column min-max scaled
    with the training split's range like the bundled tables. UploadError says what is wrong."""
    return dataset_from_table(read_table(data, limits), label_column, name, seed, test_size)


def dataset_from_table(df: pd.DataFrame, label_column: str | None = None, name: str = "your_data.csv",
                       seed: int = 0, test_size: float = 0.2) -> Dataset:
    """dataset_from_csv for a table already read with read_table (a page reads the file once)."""
    first_line = df.attrs.get("first_line", 2)  # the file's line of the first row: 2 below a header
    if label_column is not None and label_column not in df.columns:
        raise UploadError("your_data.no_such_column", column=shown_text(label_column),
                          names=listed(list(df.columns), 10))
    if len(df) < MIN_ROWS:
        raise UploadError("your_data.one_row" if len(df) == 1 else "your_data.too_few_rows", n=len(df), min=MIN_ROWS)
    if label_column:
        labels = df[label_column]
        if labels.isna().any():
            rows = (np.flatnonzero(labels.isna()) + first_line).tolist()
            raise UploadError("your_data.label_empty", column=shown_text(label_column), where=on_lines(rows))
        what = Words("your_data.what_label_column", column=shown_text(label_column))
        y, class_names = _labels(labels, what)
    else:
        y, class_names = np.zeros(len(df), dtype=np.int64), [UNLABELLED]
    features = df.drop(columns=[label_column]) if label_column else df
    _check_features(features, bool(label_column), first_line)
    source = Words("source.table", name=shown_text(name), rows=f"{len(df):,}", columns=features.shape[1],
                   labels=Words("source.labels_column", column=shown_text(label_column)) if label_column
                   else Words("source.no_labels"))
    ds = _split(name, features, y, (features.shape[1],), class_names, source, seed, test_size)
    return replace(ds, label_column=label_column or None)


def _folder(path: str) -> str:
    """The folder an image sits in, from its name in the upload ('..' and '.' are no folders)."""
    parts = [p for p in PurePosixPath(path.replace("\\", "/")).parts if p not in ("/", ".", "..")]
    return parts[-2] if len(parts) > 1 else ""


def _image_labels(paths: list[str]) -> tuple[np.ndarray, list[str], str]:
    stems = [PurePosixPath(p.replace("\\", "/")).name for p in paths]
    for values, how in (([_folder(p) for p in paths], Words("source.how_folders")),
                        ([s.split("_", 1)[0] if "_" in s else "" for s in stems], Words("source.how_prefixes"))):
        if all(values) and len(set(values)) > 1:
            y, names = _labels(pd.Series(values), Words("your_data.what_images", how=how))
            return y, names, how
    return np.zeros(len(paths), dtype=np.int64), [UNLABELLED], ""


def _grey_images(files: list[tuple[str, bytes]], limits: Limits) -> tuple[list[str], list[np.ndarray], int]:
    """Paths (sorted), (H, W) uint8 pixels and how many were in colour, unpacking and decoding one file at a
    time within the limits on pixel values and time."""
    found = sorted(image_files(files, limits), key=lambda f: f.path)
    if len(found) < MIN_ROWS:
        raise UploadError("your_data.one_image" if len(found) == 1 else "your_data.too_few_images", n=len(found),
                          min=MIN_ROWS)
    deadline, pixels, colour, values = Deadline(limits.image_seconds), [], 0, 0
    for f in found:
        a, was_colour = grey_pixels(f.path, f.read(), limits)
        values += a.size
        if values > limits.cells or len(found) * a.size > limits.cells:  # all must have the first one's size
            raise UploadError("your_data.too_many_pixels", n=f"{len(found):,}", limit=f"{limits.cells:,}")
        pixels.append(a)
        colour += was_colour
        deadline.check()
    return [f.path for f in found], pixels, colour


def dataset_from_images(files: list[tuple[str, bytes]], name: str = "images", seed: int = 0,
                        test_size: float = 0.2, limits: Limits = VISITOR) -> Dataset:
    """(file name, bytes) pairs (images, or zips of images) -> a grey image Dataset of shape (1, H, W); colour
    images are converted to grey (the source says so). Pixels are divided by 255 like the bundled images."""
    paths, pixels, colour = _grey_images(files, limits)
    sizes = Counter(a.shape for a in pixels)
    if len(sizes) > 1:
        (common, _), (odd, _) = sizes.most_common(2)
        example = next(p for p, a in zip(paths, pixels) if a.shape == odd)
        raise UploadError("your_data.image_sizes_differ", w=common[1], h=common[0], example=shown_text(example),
                          example_w=odd[1], example_h=odd[0])
    h, w = next(iter(sizes))  # between 4 and the side limit: each header was checked
    x = np.stack([a.reshape(-1) for a in pixels])  # (N, H·W) uint8
    del pixels
    y, class_names, how = _image_labels(paths)
    source = Words("source.images_grey", name=shown_text(name), n=f"{len(x):,}", w=w, h=h,
                   labels=Words("source.labels_from", how=how) if how else Words("source.no_labels_images"))
    if colour:
        source = Words("your_data.source_made_grey", source=source, n=f"{colour:,}")
    return _split(name, x, y, (1, h, w), class_names, source, seed, test_size)
