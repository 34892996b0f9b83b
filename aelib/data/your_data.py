"""A learner's own data: a CSV table or a set of images, checked (UploadError with a message a learner can act
on), scaled to [0, 1] and split like the bundled sets (stratified, seeded), as an aelib.data.Dataset.

Images: PNG/JPEG/BMP/GIF/WebP files, or a .zip of them. Labels come from the folder each image sits in
(`cats/001.png` -> "cats"), else from the file-name prefix before the first "_" (`3_001.png` -> "3");
when that gives a single class the images are unlabelled."""
from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError
from sklearn.model_selection import train_test_split

from aelib.data import Dataset, scale_columns
from aelib.i18n import Explained, Listed, Words

MAX_MB = 20  # keep equal to server.maxUploadSize in .streamlit/config.toml (a test checks)
MAX_BYTES = MAX_MB * 1024 * 1024  # Streamlit counts a megabyte as 2**20 bytes too
MIN_ROWS = 30  # fewer samples cannot be split into a training and a test set worth plotting
MAX_COLUMNS = 2000
MAX_CLASSES = 50
MAX_IMAGES = 20_000
MAX_SIDE = 64  # pixels; a dense autoencoder on larger images is slow on a shared classroom server
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")
UNLABELLED = "all"  # the single class of data without labels


class UploadError(Explained):
    """An upload that cannot become a dataset; the message says what is wrong and what to do (str: English;
    `words`: any language)."""


def _names(items: list, limit: int = 5) -> Words:
    """'a', 'b', 'c' — or, past `limit` items, 'a', 'b' and 3 more (Words: quotes, commas and "and 3 more" are
    said in the learner's language: “a”、“b” in Chinese)."""
    shown = Listed(items[:limit])
    return Words("your_data.names_more", shown=shown, n=len(items) - limit) if len(items) > limit else shown


def _on_lines(rows: list[int]) -> Words:
    """Where in the file: on line '5' / on lines '5', '9'."""
    if len(rows) > 1:
        return Words("your_data.on_lines", lines=_names(rows))
    return Words("your_data.on_line", lines=_names(rows))


def _read(data: bytes | io.IOBase) -> bytes:
    raw = data if isinstance(data, bytes) else data.read()
    if not raw or not raw.strip():
        raise UploadError("your_data.empty")
    if len(raw) > MAX_BYTES:
        raise UploadError("your_data.file_too_big", mb=f"{len(raw) / 2**20:.1f}", limit=MAX_MB)
    return raw


def _decode_text(raw: bytes) -> str:
    if raw[:4] == b"PK\x03\x04":
        raise UploadError("your_data.csv_is_zip")
    if b"\x00" in raw[:65536]:
        raise UploadError("your_data.csv_is_binary")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # old spreadsheet exports; every byte decodes, digits are unchanged


def _numeric_name(name) -> bool:
    try:
        float(str(name))
        return True
    except ValueError:
        return False


def read_table(data: bytes | io.IOBase) -> pd.DataFrame:
    """The CSV as a data frame, unchecked. A file whose first row is all numbers has no header: its columns
    are named "column 1", "column 2", ..."""
    text = _decode_text(_read(data))
    try:
        sep = csv.Sniffer().sniff(text[:65536], delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","  # one column, or nothing the sniffer recognises
    first = (text.lstrip().splitlines() or [""])[0]  # any newline convention, "\r" included
    try:
        width = len(next(csv.reader([first], delimiter=sep), []))
    except csv.Error:  # not a table's first line; pandas below says so
        width = 0
    if width > MAX_COLUMNS:  # counted before parsing: pandas takes minutes over a million columns
        raise UploadError("your_data.too_many_columns_transpose", n=f"{width:,}", limit=f"{MAX_COLUMNS:,}")
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep)
        if len(df.columns) and all(_numeric_name(c) for c in df.columns):
            df = pd.read_csv(io.StringIO(text), sep=sep, header=None)
            df.columns = [f"column {i + 1}" for i in range(df.shape[1])]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeError, ValueError, TypeError,
            OverflowError, IndexError) as err:  # a parser fails in many ways on text that is not a table
        raise UploadError("your_data.not_a_table", detail=str(err).splitlines()[0][:200]) from err
    df.columns = [str(c) for c in df.columns]
    return df


def csv_columns(data: bytes | io.IOBase) -> list[str]:
    """The column names, to offer as the label column; UploadError if it is not a readable table."""
    return list(read_table(data).columns)


def _check_features(df: pd.DataFrame, labelled: bool) -> np.ndarray:
    if df.shape[1] > MAX_COLUMNS:
        raise UploadError("your_data.too_many_columns", n=f"{df.shape[1]:,}", limit=f"{MAX_COLUMNS:,}")
    if df.shape[1] < 2:
        if labelled:
            raise UploadError("your_data.too_few_columns_labelled", n=df.shape[1])
        raise UploadError("your_data.too_few_columns", n=df.shape[1])
    text = [c for c in df.columns if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))]
    if text:
        first = df[text[0]].dropna()
        example = next((v for v in first if not _numeric_name(v)), first.iloc[0] if len(first) else "")
        if len(text) > 1:
            raise UploadError("your_data.not_numeric_many", names=_names(text), example=example, column=text[0])
        raise UploadError("your_data.not_numeric_one", names=_names(text), example=example, column=text[0])
    x = df.to_numpy(dtype=np.float64)
    missing = [c for c in df.columns if df[c].isna().any()]
    if missing:
        rows = (np.flatnonzero(df[missing[0]].isna()) + 2).tolist()  # +2: the header is line 1
        if len(missing) > 1:
            raise UploadError("your_data.missing_many", names=_names(missing), column=missing[0], where=_on_lines(rows))
        raise UploadError("your_data.missing_one", names=_names(missing), column=missing[0], where=_on_lines(rows))
    infinite = [c for c in df.columns if not np.isfinite(df[c].to_numpy(dtype=np.float64)).all()]
    if infinite:
        raise UploadError("your_data.infinite", names=_names(infinite))
    constant = [c for c in df.columns if df[c].nunique() <= 1]
    if constant:
        if len(constant) > 1:
            raise UploadError("your_data.constant_many", names=_names(constant))
        raise UploadError("your_data.constant_one", names=_names(constant))
    return x


def _labels(values: list, what: Words) -> tuple[np.ndarray, list[str]]:
    """Class indices and names (sorted); UploadError where a stratified split is impossible. `what` names where the
    labels come from ("label column 'kind'")."""
    names = sorted({str(v) for v in values}, key=lambda s: (not _numeric_name(s), float(s) if _numeric_name(s)
                                                             else 0.0, s))
    if len(names) < 2:
        raise UploadError("your_data.one_class", what=what, name=names[0])
    if len(names) > MAX_CLASSES:
        raise UploadError("your_data.too_many_classes", what=what, n=f"{len(names):,}", limit=MAX_CLASSES)
    index = {n: i for i, n in enumerate(names)}
    y = np.array([index[str(v)] for v in values], dtype=np.int64)
    rare = [names[i] for i, c in enumerate(np.bincount(y, minlength=len(names))) if c < 2]
    if rare:
        if len(rare) > 1:
            raise UploadError("your_data.single_sample_many", names=_names(rare), what=what)
        raise UploadError("your_data.single_sample_one", names=_names(rare), what=what)
    return y, names


def _split(name: str, x: np.ndarray, y: np.ndarray, shape: tuple[int, ...], class_names: list[str], source: str,
           seed: int, test_size: float, scale: bool) -> Dataset:
    ids = np.arange(len(x))
    try:
        train_ids, test_ids = train_test_split(ids, test_size=test_size, random_state=seed, stratify=y)
    except ValueError as err:  # more classes than test samples
        raise UploadError("your_data.cannot_split", n=len(x), classes=len(class_names), detail=str(err)) from err
    x_train, x_test = x[train_ids], x[test_ids]
    if scale:
        x_train, x_test = scale_columns(x_train, x_test)
    return Dataset(name, x_train.astype(np.float32), y[train_ids], x_test.astype(np.float32), y[test_ids],
                   shape, class_names, source, test_ids)


def dataset_from_csv(data: bytes | io.IOBase, label_column: str | None = None, name: str = "your_data.csv",
                     seed: int = 0, test_size: float = 0.2) -> Dataset:
    """A CSV of numeric columns (and an optional label column) -> a table Dataset, every column min-max scaled
    with the training split's range like the bundled tables. UploadError says what is wrong."""
    return dataset_from_table(read_table(data), label_column, name, seed, test_size)


def dataset_from_table(df: pd.DataFrame, label_column: str | None = None, name: str = "your_data.csv",
                       seed: int = 0, test_size: float = 0.2) -> Dataset:
    """dataset_from_csv for a table already read with read_table (a page reads the file once)."""
    if label_column is not None and label_column not in df.columns:
        raise UploadError("your_data.no_such_column", column=label_column, names=_names(list(df.columns), 10))
    if len(df) < MIN_ROWS:
        if len(df) == 1:
            raise UploadError("your_data.one_row", n=1, min=MIN_ROWS)
        raise UploadError("your_data.too_few_rows", n=len(df), min=MIN_ROWS)
    if label_column:
        labels = df[label_column]
        if labels.isna().any():
            rows = (np.flatnonzero(labels.isna()) + 2).tolist()
            raise UploadError("your_data.label_empty", column=label_column, where=_on_lines(rows))
        y, class_names = _labels(labels.tolist(), Words("your_data.what_label_column", column=label_column))
    else:
        y, class_names = np.zeros(len(df), dtype=np.int64), [UNLABELLED]
    x = _check_features(df.drop(columns=[label_column]) if label_column else df, bool(label_column))
    source = Words("source.table", name=name, rows=f"{len(df):,}", columns=x.shape[1],
                   labels=Words("source.labels_column", column=label_column) if label_column
                   else Words("source.no_labels"))
    return _split(name, x, y, (x.shape[1],), class_names, source, seed, test_size, scale=True)


def _image_files(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """(path, bytes) of every image, zips opened. UploadError for an empty, oversized or foreign upload."""
    out, total = [], 0
    for path, raw in files:
        total += len(raw)
        if total > MAX_BYTES:
            raise UploadError("your_data.images_too_big", limit=MAX_MB)
        if path.lower().endswith(".zip") or raw[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(io.BytesIO(raw)) as z:
                    members = [m for m in z.infolist() if not m.is_dir() and "__MACOSX" not in m.filename
                               and not PurePosixPath(m.filename).name.startswith(".")
                               and m.filename.lower().endswith(IMAGE_TYPES)]
                    if sum(m.file_size for m in members) > 5 * MAX_BYTES:
                        raise UploadError("your_data.zip_too_big", limit=5 * MAX_MB)
                    out += [(m.filename, z.read(m)) for m in members]
            except zipfile.BadZipFile as err:
                raise UploadError("your_data.bad_zip", path=path) from err
        elif path.lower().endswith(IMAGE_TYPES):
            out.append((path, raw))
        else:
            raise UploadError("your_data.not_image_or_zip", path=path, types=", ".join(IMAGE_TYPES))
    if not out:
        raise UploadError("your_data.no_images")
    if len(out) > MAX_IMAGES:
        raise UploadError("your_data.too_many_images", n=f"{len(out):,}", limit=f"{MAX_IMAGES:,}")
    return out


def _open_image(path: str, raw: bytes) -> Image.Image:
    """The decoded image. Its size is checked from the header first: a small file can unpack to gigabytes."""
    try:
        img = Image.open(io.BytesIO(raw))  # reads the header only
        w, h = img.size
    except Image.DecompressionBombError as err:  # Pillow's own guard, for hundreds of millions of pixels
        raise UploadError("your_data.image_far_too_large", path=path, side=MAX_SIDE) from err
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise UploadError("your_data.unreadable_image", path=path) from err
    if max(w, h) > MAX_SIDE or min(w, h) < 4:
        raise UploadError("your_data.image_size", path=path, w=w, h=h, side=MAX_SIDE)
    try:
        img.load()
    except (OSError, ValueError) as err:  # truncated or damaged pixel data
        raise UploadError("your_data.unreadable_image", path=path) from err
    return img


def _pixels(path: str, raw: bytes) -> tuple[np.ndarray, bool]:
    """(H, W, C) floats in [0, 1] and whether the image is grey (colour images whose channels agree are grey)."""
    img = _open_image(path, raw)
    if img.mode in GREY_MODES:
        a = np.asarray(img.convert("F"), dtype=np.float64)
        peak = 65535.0 if img.mode.startswith("I") and a.max() > 255 else 1.0 if img.mode == "F" else 255.0
        return np.clip(a / peak, 0, 1)[..., None], True
    a = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0  # palette, RGB(A), CMYK: alpha is dropped
    grey = bool(np.all(a[..., 0] == a[..., 1]) and np.all(a[..., 1] == a[..., 2]))
    return (a[..., :1] if grey else a), grey


def _image_labels(paths: list[str]) -> tuple[np.ndarray, list[str], str]:
    folders = [PurePosixPath(p.replace("\\", "/")).parent.name for p in paths]
    stems = [PurePosixPath(p.replace("\\", "/")).name for p in paths]
    for values, how in ((folders, Words("source.how_folders")),
                        ([s.split("_", 1)[0] if "_" in s else "" for s in stems], Words("source.how_prefixes"))):
        if all(values) and len(set(values)) > 1:
            y, names = _labels(values, Words("your_data.what_images", how=how))
            return y, names, how
    return np.zeros(len(paths), dtype=np.int64), [UNLABELLED], ""


def dataset_from_images(files: list[tuple[str, bytes]], name: str = "images", seed: int = 0,
                        test_size: float = 0.2) -> Dataset:
    """(file name, bytes) pairs (images, or zips of images) -> an image Dataset of shape (C, H, W): C = 1 when
    every image is grey, 3 when every one is in colour. Pixels are divided by 255 like the bundled images."""
    found = sorted(_image_files(files))
    if len(found) < MIN_ROWS:
        if len(found) == 1:
            raise UploadError("your_data.one_image", n=1, min=MIN_ROWS)
        raise UploadError("your_data.too_few_images", n=len(found), min=MIN_ROWS)
    pixels = [_pixels(p, raw) for p, raw in found]
    sizes = Counter(a.shape[:2] for a, _ in pixels)
    if len(sizes) > 1:
        (common, _), (odd, _) = sizes.most_common(2)
        example = next(p for (p, _), (a, _) in zip(found, pixels) if a.shape[:2] == odd)
        raise UploadError("your_data.image_sizes_differ", w=common[1], h=common[0], example=example, example_w=odd[1],
                          example_h=odd[0])
    h, w = next(iter(sizes))  # between 4 and MAX_SIDE: _open_image checked each
    grey = [g for _, g in pixels]
    if any(grey) and not all(grey):
        colour = next(p for (p, _), g in zip(found, grey) if not g)
        plain = next(p for (p, _), g in zip(found, grey) if g)
        raise UploadError("your_data.colour_and_grey", colour=colour, grey=plain)
    x = np.stack([a.transpose(2, 0, 1).reshape(-1) for a, _ in pixels])  # (N, C·H·W), channels first
    y, class_names, how = _image_labels([p for p, _ in found])
    c = 1 if all(grey) else 3
    source = Words("source.images_grey" if c == 1 else "source.images_colour", name=name, n=f"{len(x):,}", w=w, h=h,
                   labels=Words("source.labels_from", how=how) if how else Words("source.no_labels_images"))
    return _split(name, x, y, (c, h, w), class_names, source, seed, test_size, scale=False)
