"""aelib.data.your_data: good CSVs and image sets become Datasets split and scaled like the bundled ones; every bad file
is an UploadError whose message names the problem (and never another exception)."""
from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from aelib.data.your_data import (
    MAX_BYTES,
    MAX_MB,
    MIN_ROWS,
    UploadError,
    csv_columns,
    dataset_from_csv,
    dataset_from_images,
)

ROOT = Path(__file__).resolve().parents[1]


def table(n: int = 60, seed: int = 0, **extra) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"height": rng.normal(170, 10, n), "weight": rng.normal(70, 8, n),
                       "age": rng.integers(18, 90, n), "kind": np.resize(["cat", "dog", "fox"], n)})
    return df.assign(**extra)


def csv(df: pd.DataFrame, **kw) -> bytes:
    return df.to_csv(index=False, **kw).encode()


def png(a: np.ndarray, mode: str | None = None) -> bytes:
    buf = io.BytesIO()
    img = Image.fromarray(a)
    (img.convert(mode) if mode else img).save(buf, format="PNG")
    return buf.getvalue()


def digit_images(n: int = 40, size: int = 8, classes: int = 2) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    return [(f"{i % classes}_{i:03d}.png", png(rng.integers(0, 256, (size, size), dtype=np.uint8)))
            for i in range(n)]


def zipped(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, raw in files:
            z.writestr(name, raw)
    return buf.getvalue()


def errors(call) -> str:
    with pytest.raises(UploadError) as err:
        call()
    return str(err.value)


# ---------- CSV: the good path ----------

def test_a_labelled_csv_becomes_a_scaled_stratified_table():
    df = table(90)
    ds = dataset_from_csv(csv(df), label_column="kind", name="pets.csv")
    assert ds.kind == "table" and ds.shape == (3,) and ds.class_names == ["cat", "dog", "fox"]
    assert len(ds.x_train) + len(ds.x_test) == 90 and len(ds.x_test) == 18
    assert np.bincount(ds.y_test).tolist() == [6, 6, 6]  # stratified: every class in the same share
    assert ds.x_train.min(0).tolist() == [0, 0, 0] and ds.x_train.max(0).tolist() == [1, 1, 1]
    assert 0 <= ds.x_test.min() and ds.x_test.max() <= 1
    raw = df[["height", "weight", "age"]].to_numpy()  # test_ids point back at the file's rows
    train_rows = np.setdiff1d(np.arange(90), ds.test_ids)
    lo, hi = raw[train_rows].min(0), raw[train_rows].max(0)  # scaled with the training split's range
    assert np.allclose(ds.x_test, np.clip((raw[ds.test_ids] - lo) / (hi - lo), 0, 1), atol=1e-6)
    assert [ds.class_names[c] for c in ds.y_test] == list(df["kind"][ds.test_ids])
    assert "pets.csv" in ds.source and "90 rows × 3 columns" in ds.source


def test_without_a_label_every_row_is_one_class_and_semicolons_work():
    ds = dataset_from_csv(csv(table(50).drop(columns="kind"), sep=";"))
    assert ds.class_names == ["all"] and set(ds.y_train) == {0} and ds.shape == (3,)


def test_a_file_without_header_gets_column_names():
    body = csv(table(40).drop(columns="kind"), header=False)
    assert csv_columns(body) == ["column 1", "column 2", "column 3"]
    assert dataset_from_csv(body).shape == (3,)


# ---------- CSV: bad files ----------

@pytest.mark.parametrize("body, label, expected", [
    (b"", None, "empty"),
    (b"   \n\n", None, "empty"),
    (csv(table(60)), None, "Not numeric: column 'kind' (e.g. 'cat'"),
    (csv(table(60, city="Oslo")), "kind", "column 'city'"),
    (csv(table(60, price=["1,5"] * 60)), "kind", "Decimal commas"),
    (csv(table(10)), "kind", "Only 10 rows: at least 30"),
    (csv(table(60, flag=1.0)), "kind", "Column 'flag' has the same value in every row"),
    (csv(table(60, a=0, b=2)), "kind", "Columns 'a', 'b' have the same value"),
    (csv(table(60)), "species", "There is no column 'species'"),
    (csv(table(60, one="x")), "one", "only one class ('x')"),
    (csv(table(60, id=np.arange(60))), "id", "60 different values"),
    (csv(table(60).iloc[:, [0, 3]]), "kind", "at least 2 numeric columns"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), None, "not a CSV file: it holds binary data"),
    (zipped([("a.txt", b"1,2")]), None, "zip archive (an Excel .xlsx file is one)"),
    (b'a,b\n"1,2\n3', None, "could not be read as a CSV table"),
])
def test_bad_csvs_say_what_is_wrong(body, label, expected):
    assert expected in errors(lambda: dataset_from_csv(body, label_column=label))


def test_missing_values_say_which_column_and_line():
    df = table(60)
    df.loc[[4, 9], "weight"] = np.nan
    message = errors(lambda: dataset_from_csv(csv(df), "kind"))
    assert "Missing values in column 'weight'" in message and "lines '6', '11'" in message


def test_a_missing_label_says_which_line():
    df = table(60)
    df.loc[2, "kind"] = None
    assert "label column 'kind' is empty on line '4'" in errors(lambda: dataset_from_csv(csv(df), "kind"))


def test_too_many_columns():
    wide = pd.DataFrame(np.random.default_rng(0).random((40, 2001)))
    wide.columns = [f"c{i}" for i in range(2001)]
    assert "2,001 columns; the limit is 2,000" in errors(lambda: dataset_from_csv(csv(wide)))


def test_a_class_with_one_sample_cannot_be_split():
    df = table(60)
    df.loc[0, "kind"] = "owl"
    assert "Class 'owl'" in errors(lambda: dataset_from_csv(csv(df), "kind"))


def test_too_large_a_file_and_the_server_limit_agree():
    assert "the limit is 20 MB" in errors(lambda: dataset_from_csv(b"a,b\n" + b"1,2\n" * (MAX_BYTES // 4 + 1)))
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == MAX_MB  # Streamlit refuses larger files before aelib sees them


# ---------- properties ----------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_a_dataset_or_an_upload_error(body):
    try:
        ds = dataset_from_csv(body)
    except UploadError as err:
        assert str(err)
    else:
        assert ds.x_train.shape[1] >= 2 and np.isfinite(ds.x_train).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(MIN_ROWS, 80), st.integers(2, 6), st.integers(0, 10_000), st.data())
def test_a_missing_value_is_reported_at_its_row_and_column(n, d, seed, data):
    df = pd.DataFrame(np.random.default_rng(seed).normal(size=(n, d)), columns=[f"x{j}" for j in range(d)])
    row, col = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, d - 1))
    clean = dataset_from_csv(csv(df), seed=seed)
    assert clean.x_train.min() == 0 and clean.x_train.max() == 1
    assert len(clean.x_train) + len(clean.x_test) == n
    df.iloc[row, col] = np.nan
    message = errors(lambda: dataset_from_csv(csv(df)))
    assert f"column 'x{col}'" in message and f"line '{row + 2}'" in message


# ---------- images ----------

def test_pngs_with_prefix_labels_become_an_image_dataset():
    files = digit_images(40, size=8, classes=2)
    ds = dataset_from_images(files, name="mine")
    assert ds.kind == "image" and ds.shape == (1, 8, 8) and ds.class_names == ["0", "1"]
    assert len(ds.x_train) + len(ds.x_test) == 40 and np.bincount(ds.y_test).tolist() == [4, 4]
    first = sorted(files)[ds.test_ids[0]]
    expected = np.asarray(Image.open(io.BytesIO(first[1])), dtype=np.float32).ravel() / 255
    assert np.allclose(ds.x_test[0], expected)  # pixels / 255, not min-max scaled


def test_a_zip_with_class_folders_and_colour_images():
    rng = np.random.default_rng(1)
    files = [(f"pets/{'cat' if i % 2 else 'dog'}/{i}.png", png(rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)))
             for i in range(36)]
    ds = dataset_from_images([("pets.zip", zipped(files + [("__MACOSX/._x.png", b"junk"), ("notes.txt", b"hi")]))])
    assert ds.shape == (3, 6, 5) and ds.class_names == ["cat", "dog"] and "colour" in ds.source


def test_grey_images_saved_as_rgb_count_as_grey():
    files = [(n, png(np.asarray(Image.open(io.BytesIO(b)).convert("RGB")))) for n, b in digit_images(30)]
    assert dataset_from_images(files).shape == (1, 8, 8)


def test_images_without_labels_are_one_class():
    files = [(f"img{i}.png", b) for i, (_, b) in enumerate(digit_images(30))]
    assert dataset_from_images(files).class_names == ["all"]


@pytest.mark.parametrize("files, expected", [
    ([], "No images found"),
    ([("a.zip", zipped([("readme.txt", b"x")]))], "No images found"),
    ([("a.zip", b"PK\x03\x04 broken")], "not a readable zip"),
    ([("data.csv", b"1,2")], "neither an image"),
    (digit_images(10), "Only 10 images: at least 30"),
    (digit_images(30) + [("x_big.png", png(np.zeros((9, 8), np.uint8)))],
     "most are 8×8 pixels but e.g. 'x_big.png' is 8×9"),
    (digit_images(30, size=100), "100×100 pixels; use sizes between 4×4 and 64×64"),
    (digit_images(30) + [("0_broken.png", b"\x89PNG not really")], "'0_broken.png' is not an image"),
    (digit_images(30) + [("1_rgb.png", png(np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)))],
     "Some images are in colour (e.g. '1_rgb.png')"),
    (digit_images(30, classes=2) + [("owl_1.png", png(np.zeros((8, 8), np.uint8)))], "Class 'owl'"),
    ([("big.png", bytes(MAX_BYTES + 1))], "over 20 MB"),
])
def test_bad_image_uploads_say_what_is_wrong(files, expected):
    assert expected in errors(lambda: dataset_from_images(files))
