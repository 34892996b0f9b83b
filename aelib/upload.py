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
from aelib.i18n import Words

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


class UploadError(ValueError):
    """An upload that cannot become a dataset; the message says what is wrong and what to do."""


def _names(items: list, limit: int = 5) -> str:
    shown = ", ".join(f"'{n}'" for n in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _read(data: bytes | io.IOBase) -> bytes:
    raw = data if isinstance(data, bytes) else data.read()
    if not raw or not raw.strip():
        raise UploadError("The file is empty.")
    if len(raw) > MAX_BYTES:
        raise UploadError(f"The file is {len(raw) / 2**20:.1f} MB; the limit is {MAX_MB} MB. Upload fewer rows.")
    return raw


def _decode_text(raw: bytes) -> str:
    if raw[:4] == b"PK\x03\x04":
        raise UploadError("This is not a CSV file but a zip archive (an Excel .xlsx file is one): "
                          "save it as CSV (File → Save as → CSV) and upload that.")
    if b"\x00" in raw[:65536]:
        raise UploadError("This is not a CSV file: it holds binary data (an image or a spreadsheet renamed "
                          "to .csv?). Save the table as CSV text and upload that.")
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
        raise UploadError(f"The table has {width:,} columns; the limit is {MAX_COLUMNS:,}. Keep the columns that "
                          "matter, or, if each column is a sample, transpose the table so each row is one.")
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep)
        if len(df.columns) and all(_numeric_name(c) for c in df.columns):
            df = pd.read_csv(io.StringIO(text), sep=sep, header=None)
            df.columns = [f"column {i + 1}" for i in range(df.shape[1])]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeError, ValueError, TypeError,
            OverflowError, IndexError) as err:  # a parser fails in many ways on text that is not a table
        raise UploadError(f"This file could not be read as a CSV table ({str(err).splitlines()[0][:200]}). "
                          "Upload comma-separated text with one header row.") from err
    df.columns = [str(c) for c in df.columns]
    return df


def csv_columns(data: bytes | io.IOBase) -> list[str]:
    """The column names, to offer as the label column; UploadError if it is not a readable table."""
    return list(read_table(data).columns)


def _check_features(df: pd.DataFrame, labelled: bool) -> np.ndarray:
    if df.shape[1] > MAX_COLUMNS:
        raise UploadError(f"The table has {df.shape[1]:,} columns; the limit is {MAX_COLUMNS:,}.")
    if df.shape[1] < 2:
        raise UploadError("An autoencoder needs at least 2 numeric columns to compress; this table has "
                          f"{df.shape[1]}{' besides the label' if labelled else ''}. Upload a table with more "
                          "columns.")
    text = [c for c in df.columns if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))]
    if text:
        first = df[text[0]].dropna()
        example = next((v for v in first if not _numeric_name(v)), first.iloc[0] if len(first) else "")
        raise UploadError(f"Not numeric: column{'s' if len(text) > 1 else ''} {_names(text)} (e.g. '{example}' "
                          f"in '{text[0]}'). Choose it as the label column if it names a class, or remove it. "
                          "Decimal commas (1,5) must be points (1.5).")
    x = df.to_numpy(dtype=np.float64)
    missing = [c for c in df.columns if df[c].isna().any()]
    if missing:
        rows = (np.flatnonzero(df[missing[0]].isna()) + 2).tolist()  # +2: the header is line 1
        raise UploadError(f"Missing values in column{'s' if len(missing) > 1 else ''} {_names(missing)}; in "
                          f"'{missing[0]}' on line{'s' if len(rows) > 1 else ''} {_names(rows)} of the file. "
                          "Fill them in or remove those rows.")
    infinite = [c for c in df.columns if not np.isfinite(df[c].to_numpy(dtype=np.float64)).all()]
    if infinite:
        raise UploadError(f"Infinite values in {_names(infinite)}: replace them with numbers.")
    constant = [c for c in df.columns if df[c].nunique() <= 1]
    if constant:
        raise UploadError(f"Column{'s' if len(constant) > 1 else ''} {_names(constant)} "
                          f"{'have' if len(constant) > 1 else 'has'} the same value in every row: nothing to learn "
                          "there. Remove them.")
    return x


def _labels(values: list, what: str) -> tuple[np.ndarray, list[str]]:
    """Class indices and names (sorted); UploadError where a stratified split is impossible."""
    names = sorted({str(v) for v in values}, key=lambda s: (not _numeric_name(s), float(s) if _numeric_name(s)
                                                             else 0.0, s))
    if len(names) < 2:
        raise UploadError(f"The {what} has only one class ('{names[0]}'): choose a column that tells samples "
                          "apart, or no label column.")
    if len(names) > MAX_CLASSES:
        raise UploadError(f"The {what} has {len(names):,} different values; a label names one of a few classes "
                          f"(at most {MAX_CLASSES}). Is it a numeric feature? Then use no label column.")
    index = {n: i for i, n in enumerate(names)}
    y = np.array([index[str(v)] for v in values], dtype=np.int64)
    rare = [names[i] for i, c in enumerate(np.bincount(y, minlength=len(names))) if c < 2]
    if rare:
        raise UploadError(f"Class{'es' if len(rare) > 1 else ''} {_names(rare)} of the {what} "
                          f"{'have' if len(rare) > 1 else 'has'} only one sample; every class needs at least 2 "
                          "(one for training, one for testing).")
    return y, names


def _split(name: str, x: np.ndarray, y: np.ndarray, shape: tuple[int, ...], class_names: list[str], source: str,
           seed: int, test_size: float, scale: bool) -> Dataset:
    ids = np.arange(len(x))
    try:
        train_ids, test_ids = train_test_split(ids, test_size=test_size, random_state=seed, stratify=y)
    except ValueError as err:  # more classes than test samples
        raise UploadError(f"Cannot split {len(x)} samples of {len(class_names)} classes into a training and a test "
                          f"set with every class in both: add samples. ({err})") from err
    x_train, x_test = x[train_ids], x[test_ids]
    if scale:
        x_train, x_test = scale_columns(x_train, x_test)
    return Dataset(name, x_train.astype(np.float32), y[train_ids], x_test.astype(np.float32), y[test_ids],
                   shape, class_names, source, test_ids)


def dataset_from_csv(data: bytes | io.IOBase, label_column: str | None = None, name: str = "upload.csv",
                     seed: int = 0, test_size: float = 0.2) -> Dataset:
    """A CSV of numeric columns (and an optional label column) -> a table Dataset, every column min-max scaled
    with the training split's range like the bundled tables. UploadError says what is wrong."""
    return dataset_from_table(read_table(data), label_column, name, seed, test_size)


def dataset_from_table(df: pd.DataFrame, label_column: str | None = None, name: str = "upload.csv",
                       seed: int = 0, test_size: float = 0.2) -> Dataset:
    """dataset_from_csv for a table already read with read_table (a page reads the file once)."""
    if label_column is not None and label_column not in df.columns:
        raise UploadError(f"There is no column '{label_column}'; the columns are {_names(list(df.columns), 10)}.")
    if len(df) < MIN_ROWS:
        raise UploadError(f"Only {len(df)} row{'s' if len(df) != 1 else ''}: at least {MIN_ROWS} are needed to "
                          "train on some and test on the rest.")
    if label_column:
        labels = df[label_column]
        if labels.isna().any():
            rows = (np.flatnonzero(labels.isna()) + 2).tolist()
            raise UploadError(f"The label column '{label_column}' is empty on line{'s' if len(rows) > 1 else ''} "
                              f"{_names(rows)}.")
        y, class_names = _labels(labels.tolist(), f"label column '{label_column}'")
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
            raise UploadError(f"The upload is over {MAX_MB} MB: use fewer or smaller images.")
        if path.lower().endswith(".zip") or raw[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(io.BytesIO(raw)) as z:
                    members = [m for m in z.infolist() if not m.is_dir() and "__MACOSX" not in m.filename
                               and not PurePosixPath(m.filename).name.startswith(".")
                               and m.filename.lower().endswith(IMAGE_TYPES)]
                    if sum(m.file_size for m in members) > 5 * MAX_BYTES:
                        raise UploadError(f"The zip unpacks to more than {5 * MAX_MB} MB: use fewer images.")
                    out += [(m.filename, z.read(m)) for m in members]
            except zipfile.BadZipFile as err:
                raise UploadError(f"'{path}' is not a readable zip archive.") from err
        elif path.lower().endswith(IMAGE_TYPES):
            out.append((path, raw))
        else:
            raise UploadError(f"'{path}' is neither an image ({', '.join(IMAGE_TYPES)}) nor a zip of images.")
    if not out:
        raise UploadError("No images found: upload PNG or JPEG files, or a zip of them.")
    if len(out) > MAX_IMAGES:
        raise UploadError(f"{len(out):,} images; the limit is {MAX_IMAGES:,}.")
    return out


def _open_image(path: str, raw: bytes) -> Image.Image:
    """The decoded image. Its size is checked from the header first: a small file can unpack to gigabytes."""
    unreadable = f"'{path}' is not an image that can be read (damaged, or another kind of file)."
    try:
        img = Image.open(io.BytesIO(raw))  # reads the header only
        w, h = img.size
    except Image.DecompressionBombError as err:  # Pillow's own guard, for hundreds of millions of pixels
        raise UploadError(f"'{path}' is far too large an image; use sizes between 4×4 and {MAX_SIDE}×{MAX_SIDE} "
                          "(MNIST's are 28×28). Resize the images.") from err
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise UploadError(unreadable) from err
    if max(w, h) > MAX_SIDE or min(w, h) < 4:
        raise UploadError(f"'{path}' is {w}×{h} pixels; use sizes between 4×4 and {MAX_SIDE}×{MAX_SIDE} "
                          "(MNIST's are 28×28). Resize the images.")
    try:
        img.load()
    except (OSError, ValueError) as err:  # truncated or damaged pixel data
        raise UploadError(unreadable) from err
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
            y, names = _labels(values, f"images' {how}")
            return y, names, how
    return np.zeros(len(paths), dtype=np.int64), [UNLABELLED], ""


def dataset_from_images(files: list[tuple[str, bytes]], name: str = "images", seed: int = 0,
                        test_size: float = 0.2) -> Dataset:
    """(file name, bytes) pairs (images, or zips of images) -> an image Dataset of shape (C, H, W): C = 1 when
    every image is grey, 3 when every one is in colour. Pixels are divided by 255 like the bundled images."""
    found = sorted(_image_files(files))
    if len(found) < MIN_ROWS:
        raise UploadError(f"Only {len(found)} image{'s' if len(found) != 1 else ''}: at least {MIN_ROWS} are "
                          "needed to train on some and test on the rest.")
    pixels = [_pixels(p, raw) for p, raw in found]
    sizes = Counter(a.shape[:2] for a, _ in pixels)
    if len(sizes) > 1:
        (common, _), (odd, _) = sizes.most_common(2)
        example = next(p for (p, _), (a, _) in zip(found, pixels) if a.shape[:2] == odd)
        raise UploadError(f"The images differ in size: most are {common[1]}×{common[0]} pixels but e.g. "
                          f"'{example}' is {odd[1]}×{odd[0]}. Resize them all to one size.")
    h, w = next(iter(sizes))  # between 4 and MAX_SIDE: _open_image checked each
    grey = [g for _, g in pixels]
    if any(grey) and not all(grey):
        colour = next(p for (p, _), g in zip(found, grey) if not g)
        plain = next(p for (p, _), g in zip(found, grey) if g)
        raise UploadError(f"Some images are in colour (e.g. '{colour}') and some greyscale (e.g. '{plain}'): "
                          "save them all the same way.")
    x = np.stack([a.transpose(2, 0, 1).reshape(-1) for a, _ in pixels])  # (N, C·H·W), channels first
    y, class_names, how = _image_labels([p for p, _ in found])
    c = 1 if all(grey) else 3
    source = Words("source.images_grey" if c == 1 else "source.images_colour", name=name, n=f"{len(x):,}", w=w, h=h,
                   labels=Words("source.labels_from", how=how) if how else Words("source.no_labels_images"))
    return _split(name, x, y, (c, h, w), class_names, source, seed, test_size, scale=False)
