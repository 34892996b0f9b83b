"""aelib.data.your_data's refusals read in Chinese: every UploadError carries Words (str: the same English as before;
err.words.say("zh"): a Chinese sentence with no English phrase left in it), and every key it uses is in both
tables."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aelib.data.your_data import MAX_BYTES, UploadError, dataset_from_csv, dataset_from_images, dataset_from_table
from aelib.i18n import Words, say, table
from tests.test_your_data import digit_images, png, zipped

ROOT = Path(__file__).resolve().parents[1]
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


def csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def with_nan(rows: list[int], columns: tuple[str, ...] = ("a",)) -> bytes:
    df = frame()
    for c in columns:
        df.loc[rows, c] = np.nan
    return csv(df)


def mixed_colour() -> list[tuple[str, bytes]]:
    files = digit_images()
    files[5] = ("1_005.png", png(np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)))
    return files


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
    "colour and grey images": lambda: dataset_from_images(mixed_colour()),
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
    assert isinstance(err, ValueError) and isinstance(err.words, Words) and err.words.key.startswith("upload.")
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
    """The keys in the first argument of every UploadError(...) and Words(...) in aelib/data/your_data.py (a literal, or
    one of two in `a if c else b`); fails on anything else there, such as an English sentence or an f-string,
    which would not be translated."""
    keys = set()
    for node in ast.walk(ast.parse((ROOT / "aelib" / "your_data.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("UploadError", "Words"):
            first = node.args[0]
            found = [n.value for n in ast.walk(first) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            assert found and not any(isinstance(n, ast.JoinedStr) for n in ast.walk(first)), ast.unparse(node)
            assert all(KEY.fullmatch(k) for k in found), ast.unparse(node)
            keys |= set(found)
    return keys


def test_every_key_upload_uses_is_in_both_tables():
    keys = upload_keys()
    assert len({k for k in keys if k.startswith("upload.")}) > 30
    assert sorted(keys - table("en").keys()) == [] and sorted(keys - table("zh").keys()) == []
