"""aelib.data.your_data: good CSVs and image sets become Datasets split and scaled like the bundled ones; every bad file
is an UploadError whose message names the problem (and never another exception)."""
from __future__ import annotations

import ast
import io
import re
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from aelib import i18n
from aelib.data.your_data import (
    MAX_BYTES,
    MAX_MB,
    MIN_ROWS,
    UploadError,
    csv_columns,
    dataset_from_csv,
    dataset_from_images,
    dataset_from_table,
    guess_label,
    read_table,
)
from aelib.i18n import Words, say

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
    assert ds.shape == (1, 6, 5) and ds.class_names == ["cat", "dog"]  # colour is converted, and the source says so
    assert "converted to greyscale from 36 colour images" in ds.source


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
    (digit_images(30, classes=2) + [("owl_1.png", png(np.zeros((8, 8), np.uint8)))], "Class 'owl'"),
    ([("big.png", bytes(MAX_BYTES + 1))], "over 20 MB"),
])
def test_bad_image_uploads_say_what_is_wrong(files, expected):
    assert expected in errors(lambda: dataset_from_images(files))


# Refusals in Chinese: every UploadError carries Words (str: the English sentence; err.words.say("zh"): a Chinese
# sentence with no English phrase left in it), and every key the module uses is in both tables.


CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"[A-Za-z']+(?:\s+[A-Za-z']+){2,}")  # three or more English words in a row


def english_runs(text: str) -> list[str]:
    """Phrases of 3+ consecutive English words: "is not a" in a half-translated sentence; names ('a', 1_x.png),
    units (MB) and symbols (PNG 或 JPEG) are single words and pass."""
    return ENGLISH_RUN.findall(text)


def test_the_english_run_finder():
    assert english_runs("“a.zip”不是可以读取的 zip 压缩包。") == []
    assert english_runs("请上传 PNG 或 JPEG 文件") == []
    assert english_runs("标签列“y”has only one class") == ["has only one class"]


def frame(n: int = 60, **extra) -> pd.DataFrame:
    """Numeric columns a, b, c (short names: user content in a message is not English prose)."""
    return pd.DataFrame(np.random.default_rng(0).normal(size=(n, 3)), columns=["a", "b", "c"]).assign(**extra)


def with_nan(rows: list[int], columns: tuple[str, ...] = ("a",)) -> bytes:
    df = frame()
    for c in columns:
        df.loc[rows, c] = np.nan
    return csv(df)


def mixed_sizes() -> list[tuple[str, bytes]]:
    files = digit_images()
    files[3] = ("1_003.png", png(np.zeros((10, 8), np.uint8)))
    return files


# one bad upload per raise site: (what it reaches, the call)
BAD = {
    "empty file": lambda: dataset_from_csv(b" \n"),
    "file over the limit": lambda: dataset_from_csv(b"1" * (MAX_BYTES + 1)),
    "xlsx renamed to csv": lambda: dataset_from_csv(zipped([("xl/workbook.xml", b"<x/>")])),
    "binary data": lambda: dataset_from_csv(b"a,b\x00\x01"),
    "too many columns": lambda: dataset_from_csv((",".join(f"c{i}" for i in range(2500)) + "\n").encode()),
    "too many columns in a frame": lambda: dataset_from_table(pd.DataFrame(np.ones((40, 2001)))),
    "one column": lambda: dataset_from_csv(csv(frame()[["a"]])),
    "one column besides the label": lambda: dataset_from_csv(csv(frame()[["a"]].assign(y=["p", "q"] * 30)),
                                                             label_column="y"),
    "a non-numeric column": lambda: dataset_from_csv(csv(frame(t=["x", "z"] * 30))),
    "several non-numeric columns": lambda: dataset_from_csv(csv(frame(**{k: ["x", "z"] * 30 for k in "klmopq"}))),
    "missing values on one line": lambda: dataset_from_csv(with_nan([3])),
    "missing values on several lines of several columns": lambda: dataset_from_csv(with_nan([3, 7], ("a", "b"))),
    "missing values on many lines": lambda: dataset_from_csv(with_nan(list(range(0, 40, 2)))),
    "infinite values": lambda: dataset_from_table(frame().assign(a=[np.inf] + [0.5] * 59)),
    "a constant column": lambda: dataset_from_csv(csv(frame(k=1.0))),
    "constant columns": lambda: dataset_from_csv(csv(frame(k=1.0, m=0.0))),
    "one class": lambda: dataset_from_csv(csv(frame(y="p")), label_column="y"),
    "too many classes": lambda: dataset_from_csv(csv(frame(y=np.arange(60))), label_column="y"),
    "a single-sample class": lambda: dataset_from_csv(csv(frame(y=["p"] * 30 + ["q"] * 29 + ["r"])),
                                                      label_column="y"),
    "single-sample classes": lambda: dataset_from_csv(csv(frame(y=["p"] * 58 + ["q", "r"])), label_column="y"),
    "no such column": lambda: dataset_from_csv(csv(frame()), label_column="zz"),
    "one row": lambda: dataset_from_csv(csv(frame(1))),
    "too few rows": lambda: dataset_from_csv(csv(frame(5))),
    "empty labels": lambda: dataset_from_csv(csv(frame(y=["p", None] + ["p", "q"] * 29)), label_column="y"),
    "images over the limit": lambda: dataset_from_images([("a.png", b"x" * (MAX_BYTES + 1))]),
    "a damaged zip": lambda: dataset_from_images([("a.zip", b"PK\x03\x04damaged")]),
    "neither image nor zip": lambda: dataset_from_images([("notes.txt", b"hello")]),
    "no images": lambda: dataset_from_images([("a.zip", zipped([("x.txt", b"hi")]))]),
    "one image": lambda: dataset_from_images(digit_images(1)),
    "too few images": lambda: dataset_from_images(digit_images(5)),
    "not an image": lambda: dataset_from_images(digit_images(39) + [("1_x.png", b"not a png")]),
    "too large an image": lambda: dataset_from_images(digit_images(39)
                                                      + [("1_x.png", png(np.zeros((100, 80), np.uint8)))]),
    "images of different sizes": lambda: dataset_from_images(mixed_sizes()),
    "a single-sample folder": lambda: dataset_from_images([(f"a/{i}.png", b) for i, (_, b)
                                                           in enumerate(digit_images(39))]
                                                          + [("b/x.png", png(np.zeros((8, 8), np.uint8)))]),
}


def refusal(call) -> UploadError:
    with pytest.raises(UploadError) as err:
        call()
    return err.value


@pytest.mark.parametrize("case", BAD)
def test_every_refusal_reads_in_chinese(case):
    err = refusal(BAD[case])
    assert isinstance(err, ValueError) and isinstance(err.words, Words) and err.words.key.startswith("your_data.")
    zh = err.words.say("zh")
    assert say(err, "zh") == zh and str(err) == err.words == err.words.say("en")
    assert CJK.search(zh), zh
    assert english_runs(zh) == [], zh


def test_the_english_is_what_it_was():
    assert str(refusal(BAD["empty file"])) == "The file is empty."
    assert str(refusal(BAD["several non-numeric columns"])) == (
        "Not numeric: columns 'k', 'l', 'm', 'o', 'p' and 1 more (e.g. 'x' in 'k'). Choose it as the label column "
        "if it names a class, or remove it. Decimal commas (1,5) must be points (1.5).")
    assert str(refusal(BAD["missing values on one line"])) == (
        "Missing values in column 'a'; in 'a' on line '5' of the file. Fill them in or remove those rows.")
    assert str(refusal(BAD["single-sample classes"])) == (
        "Classes 'q', 'r' of the label column 'y' have only one sample; every class needs at least 2 (one for "
        "training, one for testing).")
    assert str(refusal(BAD["a single-sample folder"])).startswith("Class 'b' of the images' folder names has only")
    assert str(refusal(BAD["too many columns"])).startswith("The table has 2,500 columns; the limit is 2,000.")


def test_the_nested_parts_are_said_in_chinese_too():
    many_lines = refusal(BAD["missing values on many lines"]).words.say("zh")
    assert "第 “2”、“4”、“6”、“8”、“10”（还有 15 个）" in many_lines and "more" not in many_lines
    several = refusal(BAD["several non-numeric columns"]).words.say("zh")  # a list in the same quotes as one name
    assert several.startswith("“k”、“l”、“m”、“o”、“p”（还有 1 个） 列不是数值（例如“k”列中的“x”）")
    assert "'" not in several
    assert "标签列“y”" in refusal(BAD["one class"]).words.say("zh")
    assert "文件夹名" in refusal(BAD["a single-sample folder"]).words.say("zh")


def test_a_third_party_detail_stays_but_the_sentence_is_chinese():
    err = refusal(lambda: dataset_from_csv(b'a,b\n1,2\n3,"4\n'))  # pandas' own words, kept as they are
    detail = err.words.fields["detail"]
    assert detail in str(err) and detail in err.words.say("zh")
    assert english_runs(err.words.say("zh").replace(detail, "")) == []


KEY = re.compile(r"[a-z_]+(\.[a-z0-9_]+)+")


def upload_keys() -> set[str]:
    """The keys in the first argument of every UploadError(...) and Words(...) in aelib/data/your_data.py and its
    readers your_data_tables.py and your_data_images.py (a literal, or one of two in `a if c else b`); fails on anything
    else there, such as an English sentence or an f-string, which would not be translated."""
    keys = set()
    modules = ("your_data.py", "your_data_tables.py", "your_data_images.py")
    for node in (n for m in modules for n in ast.walk(ast.parse((ROOT / "aelib" / "data" / m).read_text("utf-8")))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("UploadError", "Words"):
            first = node.args[0]
            found = [n.value for n in ast.walk(first) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            assert found and not any(isinstance(n, ast.JoinedStr) for n in ast.walk(first)), ast.unparse(node)
            assert all(KEY.fullmatch(k) for k in found), ast.unparse(node)
            keys |= set(found)
    return keys


def test_every_key_your_data_uses_is_in_both_tables():
    keys = upload_keys()
    assert len({k for k in keys if k.startswith("your_data.")}) > 30
    assert sorted(keys - i18n.table("en").keys()) == [] and sorted(keys - i18n.table("zh").keys()) == []


# ---------- the label a person would pick (guess_label) ----------

def sklearn_table(loader, label: str = "label", text: bool = False) -> pd.DataFrame:
    """One of sklearn's bundled sets as a table with its class in a column `label` (class numbers, or the class
    names when `text`), read back from CSV like an upload."""
    from sklearn import datasets

    bunch = getattr(datasets, loader)(as_frame=True)
    y = [bunch.target_names[i] for i in bunch.target] if text else bunch.target
    return read_table(csv(bunch.data.assign(**{label: y})))


def guessed(df: pd.DataFrame) -> str | None:
    guess = guess_label(df)
    return None if guess is None else guess.column


def test_iris_wine_and_a_target_column_are_detected_and_train_as_labels():
    iris, wine = sklearn_table("load_iris"), sklearn_table("load_wine", text=True)
    cancer = sklearn_table("load_breast_cancer", label="target")
    for df, column, classes, features in ((iris, "label", 3, 4), (wine, "label", 3, 13), (cancer, "target", 2, 30)):
        guess = guess_label(df)
        assert guess is not None and guess.column == column
        ds = dataset_from_table(df, guess.column)
        assert (len(ds.class_names), ds.input_dim) == (classes, features)
    assert guess_label(wine).why.key == "your_data.guess_named"
    assert "'class_0', 'class_1', 'class_2'" in guess_label(wine).why


@pytest.mark.parametrize("name", ["label", "Label", "LABEL", "class", "Class", "target", "TARGET", "y", "Y", " y ",
                                  "labels", "classes"])
def test_a_column_named_like_a_label_is_it_in_any_case(name):
    df = table(60).drop(columns="kind").assign(**{name: np.resize([1, 2], 60)})
    df = df[[name, "height", "weight", "age"]]  # first, beside a column of whole numbers: only its name tells
    assert guessed(read_table(csv(df))) == name


def test_a_text_column_of_few_values_is_the_label_wherever_it_is():
    df = table(60)[["height", "kind", "weight", "age"]]
    guess = guess_label(read_table(csv(df)))
    assert guess.column == "kind" and guess.why.key == "your_data.guess_text"
    assert "3 different values ('cat', 'dog', 'fox')" in guess.why
    assert "“cat”、“dog”、“fox”" in guess.why.say("zh") and "text" not in guess.why.say("zh")


@pytest.mark.parametrize("where, side", [(0, "first"), (-1, "last")])
def test_class_numbers_at_the_edge_of_the_table_are_the_label(where, side):
    iris = sklearn_table("load_iris").rename(columns={"label": "species"})
    columns = list(iris.columns[:4])
    df = iris[["species", *columns] if where == 0 else [*columns, "species"]]
    guess = guess_label(df)
    assert guess.column == "species" and guess.why.key == "your_data.guess_codes"
    assert f"the {side} column and holds only 3 different whole numbers ('0', '1', '2')" in guess.why


@pytest.mark.parametrize("what, df", [
    ("features only (iris)", lambda: sklearn_table("load_iris").drop(columns="label")),
    ("a continuous first column", lambda: table(60).drop(columns="kind")[["height", "age", "weight"]]),
    ("a row number first", lambda: table(60).drop(columns="kind").assign(id=np.arange(60))[["id", "height",
                                                                                           "weight"]]),
    ("a measured target (diabetes: 214 values)", lambda: sklearn_table("load_diabetes", label="target")),
    ("years at the edge", lambda: table(60).drop(columns="kind").assign(year=np.resize([2020, 2021, 2022], 60))),
    ("small whole numbers everywhere (digits' pixels)", lambda: sklearn_table("load_digits").drop(columns="label")),
    ("a class number seen once", lambda: table(60).drop(columns="kind").assign(k=[0, 1] * 29 + [0, 2])),
    ("a text column of one value", lambda: table(60).assign(kind="cat")),
])
def test_no_label_is_guessed_where_a_person_would_see_none(what, df):
    assert guessed(read_table(csv(df()))) is None, what


@pytest.mark.parametrize("what, df, expected", [
    ("class numbers at both edges", lambda: table(60)[["age", "height", "weight"]].assign(
        sex=np.resize([0, 1], 60), done=np.resize([1, 0, 0], 60))[["sex", "height", "weight", "done"]], None),
    ("two text columns inside the table", lambda: table(60).assign(colour=np.resize(["red", "blue"], 60))[
        ["height", "kind", "colour", "weight"]], None),
    ("two text columns, one the last", lambda: table(60).assign(colour=np.resize(["red", "blue"], 60))[
        ["height", "kind", "weight", "colour"]], "colour"),
    ("a name beats text", lambda: table(60).assign(Class=np.resize([0, 1], 60)), "Class"),
    ("text beats class numbers at the edge", lambda: table(60).assign(k=np.resize([0, 1], 60)), "kind"),
    ("label beats y", lambda: table(60).drop(columns="kind").assign(y=np.resize([0, 1], 60),
                                                                      label=np.resize(["a", "b"], 60)), "label"),
    ("a continuous y is a feature; the text column is the label", lambda: table(60).assign(y=np.linspace(0, 1, 60)),
     "kind"),
    ("class numbers beside others", lambda: table(60).drop(columns="kind").assign(
        a=np.resize([0, 1], 60), b=np.resize([1, 2, 3], 60)), None),
])
def test_ambiguous_tables(what, df, expected):
    assert guessed(read_table(csv(df()))) == expected, what


def test_a_guess_on_a_headerless_file_names_its_column():
    body = csv(sklearn_table("load_iris"), header=False)
    df = read_table(body)
    assert list(df.columns)[-1] == "column 5" and guessed(df) == "column 5"


@pytest.mark.parametrize("raw, shown", [
    ("iris.csv", "iris.csv"), ("[x](http://evil).csv", "_x_(http_evil).csv"), ("<img src=x onerror=1>.csv",
     "_img src_x onerror_1_.csv"), ("**bold** *it*.csv", "_bold_ _it_.csv"), ("数字 (2).zip", "数字 (2).zip"),
    ("a" * 100, "a" * 60), ("[]()", "_()"), ("", "your data")])
def test_a_dataset_name_from_a_file_carries_no_markup(raw, shown):
    from aelib.data.your_data import dataset_name

    assert dataset_name(raw) == shown
    assert not any(c in dataset_name(raw) for c in "[]<>*`$#|\\")


def test_an_uploaded_table_gets_the_safe_name():
    from aelib.data.your_data import dataset_from_csv

    rows = "\n".join(f"{i % 7},{i % 5},{i % 2}" for i in range(60))
    ds = dataset_from_csv(("a,b,label\n" + rows).encode(), "label", name="[x](http://evil).csv")
    assert ds.name == "_x_(http_evil).csv"
