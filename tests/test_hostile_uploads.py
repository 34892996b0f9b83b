"""Hostile and broken uploads through the Your data parsers, the page and the CLI: each one ends in a dataset or a
clear UploadError (never another exception), within the limits of aelib.limits, without csv.Sniffer, and with
learner-chosen names shown as text, never as Markdown. A hypothesis fuzzer over CSV bytes and zip archives checks
the same property on inputs nobody thought of."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from aelib.data.hostile import CSV_CASES, deflated_zeros, lying_zip, png, png_claiming, zipped, ztxt_png
from aelib.data.your_data import UploadError, csv_columns, dataset_from_csv, dataset_from_images, read_table
from aelib.i18n import t
from aelib.limits import VISITOR

ROOT = Path(__file__).resolve().parents[1]
SLOW = 5.0  # seconds: far above any of these parses, far below csv.Sniffer's 20 s on 64 KB of ',"'
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def no_sniffer(monkeypatch):
    """csv.Sniffer backtracks on quote-heavy text while holding the GIL: no upload may reach it."""
    def refuse(*_a, **_k):
        raise AssertionError("csv.Sniffer was called on an upload")
    monkeypatch.setattr(csv, "Sniffer", refuse)


def outcome(call) -> str:
    """'dataset' or the refusal's English message; any other exception fails the test. Timed against SLOW."""
    t0 = time.perf_counter()
    try:
        call()
        result = "dataset"
    except UploadError as err:
        result = str(err)
        assert result and "Traceback" not in result
        assert CJK.search(err.words.say("zh")), err.words.say("zh")  # every refusal reads in Chinese too
    assert time.perf_counter() - t0 < SLOW
    return result


def table(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.integers(0, 100, n)})


def body(df: pd.DataFrame, **kw) -> bytes:
    return df.to_csv(index=False, **kw).encode()


def digits(n: int = 40, size: int = 8, mode: str | None = None, rgb: bool = False, fmt: str = "PNG",
           folder: str = "{c}/") -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    shape = (size, size, 3) if rgb else (size, size)
    ext = {"PNG": "png", "JPEG": "jpg", "BMP": "bmp", "GIF": "gif", "WEBP": "webp"}[fmt]
    return [(folder.format(c=i % 2) + f"{i:03d}.{ext}", png(rng.integers(0, 256, shape, dtype=np.uint8), mode, fmt))
            for i in range(n)]


# ---------- CSV: quote-heavy text, never sniffed ----------

QUOTES = {
    "comma quote": b',"', "quote": b'"', "doubled quotes": b'""', "quote comma": b'",', "quote newline": b'"\n',
    "comma quote newline": b',"\n', "letters and quotes": b'a"b', "semicolon in quotes": b'";"',
    "tab in quotes": b'"\t"', "quote delimiters mixed": b'a";"b,"\t', "quote space": b'" ', "quote CR": b'"\r',
    "escaped quote pairs": b'"a""b",', "unclosed quoted rows": b'1,"2\n', "quote at line ends": b'1,2"\n',
}


@pytest.mark.parametrize("name", QUOTES)
def test_quote_heavy_text_is_a_quick_refusal_or_a_table(name):
    result = outcome(lambda: dataset_from_csv(QUOTES[name] * (65_536 // len(QUOTES[name]))))
    assert result != "dataset"


@pytest.mark.parametrize("name", ["quotes and commas, 64 KB", "a million columns", "a million fields in row 2",
                                  "a 400-digit number", "inf, nan and 1e999"])
def test_the_benchmark_corpus_small_cases(name):
    assert outcome(lambda: dataset_from_csv(CSV_CASES[name]())) != "dataset"


# ---------- CSV: numbers float64 cannot hold ----------

def with_value(value: str, row: int = 0, column: str = "b") -> bytes:
    df = table().astype({"b": object})
    df.loc[row, column] = value
    return body(df)


@pytest.mark.parametrize("value, row", [
    ("1" * 400, 0), ("1" * 400, 35), ("-" + "9" * 400, 3), ("9" * 5000, 0), ("1e400", 0), ("-1e999", 10),
    ("2" * 309, 0), (str(2 ** 1100), 2),
])
def test_a_number_too_large_is_refused_by_column_and_line(value, row):
    message = outcome(lambda: dataset_from_csv(with_value(value, row)))
    assert "'b'" in message and f"line '{row + 2}'" in message, message
    assert "too large" in message or "Infinite values" in message
    assert "'0' is" not in message  # the old wrong message named a good value


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity"])
def test_infinity_words_are_refused_with_their_line(value):
    message = outcome(lambda: dataset_from_csv(with_value(value, 4)))
    assert "line '6'" in message and ("Infinite" in message or "too large" in message)


@pytest.mark.parametrize("value", ["1" * 20, "-" + "1" * 30, "1" * 300, "1.5e300"])
def test_long_numbers_that_fit_float64_are_read(value):
    assert outcome(lambda: dataset_from_csv(with_value(value, 1))) == "dataset"


def test_the_preview_table_of_a_huge_number_is_never_built():
    with pytest.raises(UploadError, match="too large"):
        read_table(with_value("1" * 400, 0))


# ---------- CSV: encodings, binary, structure ----------

GOOD = body(table())


@pytest.mark.parametrize("name, raw, expected", [
    ("UTF-8 BOM", b"\xef\xbb\xbf" + GOOD, "dataset"),
    ("UTF-16 LE BOM", GOOD.decode().encode("utf-16-le") and b"\xff\xfe" + GOOD.decode().encode("utf-16-le"),
     "dataset"),
    ("UTF-16 BE BOM", b"\xfe\xff" + GOOD.decode().encode("utf-16-be"), "dataset"),
    ("UTF-32 BOM", GOOD.decode().encode("utf-32"), "dataset"),
    ("UTF-16 without BOM", GOOD.decode().encode("utf-16-le"), "binary data"),
    ("a BOM before broken UTF-16", b"\xff\xfe" + b"\x00\xd8" * 50, "cannot be decoded"),
    ("Latin-1", GOOD.replace(b"a,b,c", b"\xe9t\xe9,b,c"), "dataset"),
    ("NUL after the first 64 KB", GOOD + b"1" * 70_000 + b"\x00", "binary data"),
    ("a PNG", png(np.zeros((8, 8), np.uint8)), "binary data"),
    ("a zip", zipped([("a.csv", GOOD)]), "zip archive"),
    ("gzip", zlib.compress(GOOD), "binary data"),
    ("whitespace only", b" \t\r\n" * 100, "empty"),
    ("only a header", b"a,b,c\n", "Only 0 rows"),
    ("ragged short rows", GOOD + b"1\n", "Missing values"),
    ("more fields in row 2", b"a,b\n1,2,3\n" + b"1,2\n" * 40, "Line 2 has 3 fields"),
    ("more fields later", b"a,b\n" + b"1,2\n" * 40 + b"1,2,3\n", "could not be read as a CSV table"),
    ("a first line of 2 MB", b"x" * 2_000_000 + b"\n1\n", "first line has 2,000,000 characters"),
    ("a million columns", b",".join([b"c"] * 1_000_000), "1,000,000 columns"),
    ("2,001 columns", (",".join(f"c{i}" for i in range(2001)) + "\n").encode(), "2,001 columns"),
    ("carriage returns only", GOOD.replace(b"\n", b"\r"), "dataset"),
    ("CRLF", GOOD.replace(b"\n", b"\r\n"), "dataset"),
    ("blank lines between rows", GOOD.replace(b"\n", b"\n\n"), "dataset"),
    ("semicolons and decimal commas", body(table(), sep=";", decimal=","), "Decimal commas (1,5) must be points"),
    ("semicolons", body(table(), sep=";"), "dataset"),
    ("tabs", body(table(), sep="\t"), "dataset"),
    ("quoted numbers", body(table(), quoting=csv.QUOTE_ALL), "dataset"),
    ("a trailing delimiter on every row", GOOD.replace(b"\n", b",\n"), "Missing values"),
    ("empty cells", b"a,b,c\n" + b",,\n" * 40, "Missing values"),
    ("a text column of 60 values", body(table(60).assign(t=[f"t{i}" for i in range(60)])), "different values"),
    ("two text columns", body(table().assign(t="x", u="y")), "Not numeric"),
    ("booleans", body(table().assign(f=[True, False] * 20)), "dataset"),
    ("a headerless table", body(table(), header=False), "dataset"),
    ("a quoted header with a newline", GOOD.replace(b"a,b,c", b'"a\nx",b,c'), "dataset"),
    ("duplicate column names", GOOD.replace(b"a,b,c", b"a,a,a"), "dataset"),
    ("a column name of 10,000 characters", GOOD.replace(b"a,b,c", b"x" * 10_000 + b",b,c"), "dataset"),
])
def test_broken_tables_say_what_is_wrong(name, raw, expected):
    result = outcome(lambda: dataset_from_csv(raw))
    assert expected == result if expected == "dataset" else expected in result, (name, result)


@pytest.mark.parametrize("limit, raw, expected", [
    ({"cells": 1000}, body(table(400)), "more than 1,000 values"),
    ({"text_values": 2}, body(table().assign(t=["p", "q", "r", "s"] * 10)), "more than 2 different values"),
    ({"parse_seconds": 0.0}, GOOD, "took longer than 0 s"),
    ({"upload_bytes": 100}, GOOD, "the limit is 0.0001 MB"),
    ({"columns": 2}, GOOD, "3 columns; the limit is 2"),
    ({"line_chars": 3}, GOOD, "first line has 5 characters"),
    ({"table_chunk_cells": 3}, GOOD, "dataset"),
])
def test_every_table_limit_is_checked(limit, raw, expected):
    result = outcome(lambda: dataset_from_csv(raw, limits=VISITOR.with_(**limit)))
    assert expected == result if expected == "dataset" else expected in result, result


def test_a_large_upload_is_read_no_further_than_the_limit():
    class Endless(io.RawIOBase):
        def readable(self):
            return True

        def read(self, n=-1):
            n = n if n and n > 0 else 1 << 20
            return (b"1," * (n // 2 + 1))[:n]

    assert "the limit is 20 MB" in outcome(lambda: dataset_from_csv(Endless()))


def test_the_upload_limit_is_the_one_streamlit_enforces():
    assert VISITOR.upload_bytes == 20_000_000  # Streamlit's megabyte is 10**6 bytes, not 2**20
    assert outcome(lambda: dataset_from_csv(b"a,b\n" + b"1,2\n" * 4_999_990)) != "the limit"
    assert "The file is 20.0 MB; the limit is 20 MB" in outcome(lambda: dataset_from_csv(b"1" * 20_000_001))


def test_chunked_reading_gives_the_same_table_as_one_read():
    raw = body(table(100).assign(k=["x", "y"] * 50))
    whole = read_table(raw)
    chunked = read_table(raw, VISITOR.with_(table_chunk_cells=7))
    assert whole.shape == chunked.shape == (100, 4)
    assert np.allclose(whole[["a", "b", "c"]].to_numpy(float), chunked[["a", "b", "c"]].to_numpy(float))
    assert list(chunked["k"]) == ["x", "y"] * 50


def test_the_delimiter_is_counted_outside_quotes():
    raw = b'x;y;z\n' + b"".join(b'"%d,5";"%d,25";%d\n' % (i, i * 2, i % 7) for i in range(40))
    assert csv_columns(raw) == ["x", "y", "z"]


# ---------- zips ----------

def zip_case(name: str) -> list[tuple[str, bytes]]:
    good = digits(39)
    stored = [(n, zlib.compress(b)[2:-4], zlib.crc32(b), len(b)) for n, b in good]
    zeros, crc = deflated_zeros(5_000_000)
    tiny = png(np.zeros((8, 8), np.uint8))
    cases = {
        "an entry claiming 100 bytes that unpacks to 5 MB": lambda: lying_zip(stored + [("1/zz.png", zeros, crc, 100)]),
        "an entry honestly unpacking to 5 MB": lambda: lying_zip(stored + [("1/zz.png", zeros, crc, 5_000_000)]),
        "an entry claiming 0 bytes": lambda: lying_zip(stored + [("1/zz.png", zeros, crc, 0)]),
        "a wrong CRC": lambda: lying_zip(stored[:-1] + [(*stored[-1][:2], stored[-1][2] ^ 1, stored[-1][3])]),
        "truncated": lambda: zipped(good)[:-200],
        "an encrypted entry": lambda: lying_zip(stored, flags=1),
        "bzip2": lambda: zipped(good, zipfile.ZIP_BZIP2),
        "LZMA": lambda: zipped(good, zipfile.ZIP_LZMA),
        "a zip in a zip": lambda: zipped([("inner.zip", zipped(good))]),
        "only folders": lambda: zipped([("a/", b""), ("b/", b"")]),
        "symlinks": lambda: lying_zip([(n, b"/etc/passwd", zlib.crc32(b"/etc/passwd"), 11) for n, *_ in stored],
                                      method=zipfile.ZIP_STORED, external_attr=0o120777 << 16),
        "macOS metadata and hidden files": lambda: zipped(good + [("__MACOSX/._0.png", b"junk"), (".DS_Store", b"x"),
                                                                  ("0/.hidden.png", b"x")]),
        "path traversal names": lambda: zipped([(f"../../../{n}", b) for n, b in digits(40)]),
        "absolute names": lambda: zipped([(f"/tmp/{n}", b) for n, b in digits(40)]),
        "backslash names": lambda: zipped([(n.replace("/", "\\"), b) for n, b in digits(40)]),
        "duplicate names": lambda: zipped(good + good[:5]),
        "names with control characters": lambda: zipped([(n.replace("/", "/\x01\x7f"), b) for n, b in good]
                                                        + digits(1)),
        "a name of 5,000 characters": lambda: zipped(good + [("0/" + "x" * 5000 + ".png", b"not an image")]),
        "unicode names": lambda: zipped([(n.replace("0/", "猫/").replace("1/", "狗/"), b)
                                         for n, b in digits(40)]),
        "an empty zip": lambda: zipped([]),
        "not a zip after its signature": lambda: b"PK\x03\x04" + bytes(100),
        "an image entry stored, not deflated": lambda: zipped(digits(40), zipfile.ZIP_STORED),
        "tiny entries by the thousand": lambda: lying_zip([(f"{i % 2}/{i}.png", tiny, zlib.crc32(tiny), len(tiny))
                                                           for i in range(3000)], method=zipfile.ZIP_STORED),
    }
    return [(name.replace(" ", "_") + ".zip", cases[name]())]


ZIP_EXPECTED = {
    "an entry claiming 100 bytes that unpacks to 5 MB": "damaged and cannot be unpacked",
    "an entry honestly unpacking to 5 MB": "larger than 2 MB (once unpacked)",
    "an entry claiming 0 bytes": "damaged and cannot be unpacked",
    "a wrong CRC": "damaged and cannot be unpacked",
    "truncated": "not a readable zip",
    "an encrypted entry": "protected by a password",
    "bzip2": "method this app does not read",
    "LZMA": "method this app does not read",
    "a zip in a zip": "No images found",
    "only folders": "No images found",
    "symlinks": "No images found",
    "macOS metadata and hidden files": "dataset",
    "path traversal names": "dataset",
    "absolute names": "dataset",
    "backslash names": "dataset",
    "duplicate names": "dataset",
    "names with control characters": "dataset",
    "a name of 5,000 characters": "xxxxx…' is not an image",
    "unicode names": "dataset",
    "an empty zip": "No images found",
    "not a zip after its signature": "not a readable zip",
    "an image entry stored, not deflated": "dataset",
    "tiny entries by the thousand": "dataset",
}


@pytest.mark.parametrize("name", ZIP_EXPECTED)
def test_hostile_zips(name):
    files = zip_case(name)
    result = outcome(lambda: dataset_from_images(files))
    expected = ZIP_EXPECTED[name]
    assert expected == result if expected == "dataset" else expected in result, (name, result)


def test_zip_labels_never_climb_out_of_the_archive():
    ds = dataset_from_images(zip_case("path traversal names"))
    assert ds.class_names == ["0", "1"]  # the folder each image sits in, never '..'


@pytest.mark.parametrize("limit, expected", [
    ({"decompressed_bytes": 5_000}, "unpacks to more than 0.005 MB"),
    ({"archive_entries": 10}, "holds more than 10 files"),
    ({"images": 35}, "40 images; the limit is 35"),
    ({"image_file_bytes": 100}, "larger than 0.0001 MB"),
    ({"cells": 1000}, "more than 1,000 pixel values"),
    ({"image_seconds": 0.0}, "took longer than 0 s"),
    ({"upload_bytes": 1000}, "over 0.001 MB"),
    ({"image_side": 6}, "8×8 pixels; use sizes between 4×4 and 6×6"),
])
def test_every_image_limit_is_checked(limit, expected):
    files = [("d.zip", zipped(digits(40)))]
    assert expected in outcome(lambda: dataset_from_images(files, limits=VISITOR.with_(**limit)))


def test_a_zip_is_unpacked_a_chunk_at_a_time_never_whole(monkeypatch):
    reads = []
    original = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        reads.append(n)
        return original(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a: pytest.fail("ZipFile.read unpacks an entry whole"))
    dataset_from_images([("d.zip", zipped(digits(40)))])
    assert reads and all(0 < n <= 65_536 for n in reads)


# ---------- images ----------

def animated_gif() -> bytes:
    buf = io.BytesIO()
    frames = [Image.fromarray(np.full((8, 8), v, np.uint8)) for v in (0, 255, 128)]
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def sixteen_bit(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a.astype(np.uint16)).save(buf, format="PNG")
    return buf.getvalue()


IMAGE_EXPECTED = {
    "a header claiming 30000×30000": (lambda: digits(39) + [("1/x.png", png_claiming(30_000, 30_000))],
                                      "far too large an image"),
    "a header claiming 1000×1000": (lambda: digits(39) + [("1/x.png", png_claiming(1000, 1000))], "1000×1000 pixels"),
    "a header claiming 64×64 over 8×8 data": (lambda: digits(39) + [("1/x.png", png_claiming(64, 64))],
                                              "not an image that can be read"),
    "a header claiming 0×0": (lambda: digits(39) + [("1/x.png", png_claiming(0, 0))], "not an image"),
    "a 3×3 image": (lambda: digits(39) + [("1/x.png", png(np.zeros((3, 3), np.uint8)))], "3×3 pixels"),
    "50 MB of compressed PNG text": (lambda: digits(39) + [("1/x.png", ztxt_png(50))], "not an image"),
    "a truncated PNG": (lambda: digits(39) + [("1/x.png", digits(1, size=32)[0][1][:-200])], "not an image"),
    "a loose image file of 3 MB": (lambda: digits(39) + [("1/x.png", png(np.zeros((8, 8), np.uint8))
                                                          + bytes(3_000_000))], "larger than 2 MB"),
    "text named .png": (lambda: digits(39) + [("1/x.png", b"hello")], "not an image"),
    "an animated GIF": (lambda: digits(39) + [("1/x.gif", animated_gif())], "dataset"),
    "RGB": (lambda: digits(40, rgb=True), "converted to greyscale from 40 colour images"),
    "RGBA": (lambda: digits(40, mode="RGBA", rgb=True), "converted to greyscale"),
    "palette": (lambda: digits(40, mode="P", rgb=True), "converted to greyscale"),
    "LA": (lambda: digits(40, mode="LA"), "dataset"),
    "1-bit": (lambda: digits(40, mode="1"), "dataset"),
    "16-bit": (lambda: [(n, sixteen_bit(np.full((8, 8), 1000 * (i + 1)))) for i, (n, _) in enumerate(digits(40))],
               "dataset"),
    "CMYK JPEG": (lambda: digits(40, mode="CMYK", rgb=True, fmt="JPEG"), "converted to greyscale"),
    "BMP": (lambda: digits(40, fmt="BMP"), "dataset"),
    "WebP": (lambda: digits(40, fmt="WEBP"), "dataset"),
    "colour and grey mixed": (lambda: digits(20) + digits(20, rgb=True, folder="{c}/c"),
                              "converted to greyscale from 20 colour images"),
    "grey saved as RGB": (lambda: digits(40, mode="RGB"), "dataset"),
    "a file that is neither": (lambda: [("notes.txt", b"hi")], "neither an image"),
}


@pytest.mark.parametrize("name", IMAGE_EXPECTED)
def test_hostile_and_unusual_images(name):
    build, expected = IMAGE_EXPECTED[name]
    files = build()
    result = outcome(lambda: dataset_from_images(files))
    if result == "dataset":
        ds = dataset_from_images(files)
        assert ds.shape[0] == 1 and 0 <= ds.x_train.min() and ds.x_train.max() <= 1
        result = "dataset" if "converted" not in ds.source else ds.source
        assert expected == "dataset" or expected in ds.source, ds.source
    else:
        assert expected in result, (name, result)


def test_colour_images_become_grey_with_the_usual_weights():
    a = np.random.default_rng(3).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    files = [(f"{i % 2}_{i}.png", png(a)) for i in range(30)]
    ds = dataset_from_images(files)
    expected = np.asarray(Image.fromarray(a).convert("L"), dtype=np.float32).ravel() / 255
    assert ds.shape == (1, 8, 8) and np.allclose(ds.x_train[0], expected)


def test_sixteen_bit_images_use_their_whole_range():
    files = [(f"{i % 2}_{i}.png", sixteen_bit(np.full((8, 8), 65535 if i % 3 else 0))) for i in range(30)]
    ds = dataset_from_images(files)
    assert ds.x_train.max() == 1.0 and ds.x_train.min() == 0.0


# ---------- the fuzzers ----------

CSV_ALPHABET = st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"\r", b"0", b"1", b"9", b"-", b".", b"e", b"x",
                                b" ", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"9" * 400, b"nan", b"inf"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CSV_ALPHABET, max_size=300), st.integers(1, 40))
def test_fuzzed_csv_bytes_give_a_clear_error_or_a_valid_table(parts, repeat):
    raw = b"".join(parts) * repeat
    try:
        ds = dataset_from_csv(raw, limits=VISITOR.with_(table_chunk_cells=50))
    except UploadError as err:
        assert str(err) and err.words.say("zh")
    else:
        assert ds.x_train.dtype == np.float32 and np.isfinite(ds.x_train).all()
        assert 0 <= ds.x_train.min() and ds.x_train.max() <= 1 and ds.x_train.shape[1] >= 2


ENTRY = st.tuples(st.sampled_from(["0/a.png", "1/b.png", "../c.png", "/d.png", "e.zip", "f.txt", "g\\h.png",
                                   "__MACOSX/i.png", "j/", "k.PNG", "猫/l.png"]),
                  st.sampled_from(["png", "zeros", "junk", "empty"]), st.integers(0, 10**7),
                  st.booleans())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ENTRY, max_size=40), st.integers(0, 3))
def test_fuzzed_zip_archives_give_a_clear_error_or_a_valid_set(entries, copies):
    tiny = png(np.random.default_rng(len(entries)).integers(0, 256, (8, 8), dtype=np.uint8))
    built = []
    for i, (name, kind, claim, lie) in enumerate(entries):
        data = {"png": tiny, "zeros": bytes(3_000_000), "junk": bytes(range(256)), "empty": b""}[kind]
        deflated = zlib.compress(data, 9)[2:-4]
        built.append((f"{i}{name}" if not name.endswith("/") else name, deflated, zlib.crc32(data),
                      claim if lie else len(data)))
    archive = lying_zip(built)
    files = [("fuzz.zip", archive)] + [(f"{c % 2}/loose{c}.png", tiny) for c in range(copies)]
    try:
        ds = dataset_from_images(files, limits=VISITOR.with_(decompressed_bytes=20_000_000))
    except UploadError as err:
        assert str(err) and err.words.say("zh")
    else:
        assert ds.shape == (1, 8, 8) and len(ds.x_train) + len(ds.x_test) >= 30


# ---------- the CLI reads your own data like the page ----------

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aelib", "train", "--epochs", "1", "--json", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_cli_trains_on_a_csv_and_refuses_a_hostile_one(tmp_path):
    good, bad = tmp_path / "pets.csv", tmp_path / "bad.csv"
    good.write_bytes(body(table(60).assign(k=["p", "q"] * 30)))
    bad.write_bytes(b',"' * 32_768)
    ok = cli("--csv", str(good), "--label-column", "k", "--latent-dim", "2")
    assert ok.returncode == 0, ok.stderr
    assert '"dataset": "pets.csv"' in ok.stdout.splitlines()[-1]
    refused = cli("--csv", str(bad))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "16,385 columns; the limit is 2,000" in refused.stderr
    missing = cli("--csv", str(good), "--label-column", "nope")
    assert missing.returncode == 2 and "There is no column 'nope'" in missing.stderr


def test_the_cli_reads_a_zip_or_a_folder_of_images(tmp_path):
    folder = tmp_path / "pics"
    for name, raw in digits(40):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(raw)
    (folder / "0" / "link.png").symlink_to("/etc/passwd")  # links are not followed
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(zip_case("an entry claiming 100 bytes that unpacks to 5 MB")[0][1])
    from_folder = cli("--images", str(folder), "--latent-dim", "2")
    assert from_folder.returncode == 0, from_folder.stderr
    refused = cli("--images", str(bomb))
    assert refused.returncode == 2 and "damaged and cannot be unpacked" in refused.stderr
    assert "Traceback" not in refused.stderr


# ---------- the page: names are text, previews never fail, colour works ----------

PAGE = "pages/7_Your_data.py"
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<![\\/])https?://|(?<!\\)<https?:")


def page():
    from tests.app.helpers import fresh, on  # Streamlit's AppTest: imported only where a page runs
    return on(fresh(), PAGE)


def markdown_texts(at) -> list[str]:
    kinds = ("markdown", "caption", "success", "error", "info", "warning")
    return [e.value for kind in kinds for e in at.get(kind)]


def test_a_file_name_cannot_inject_a_link():
    at = page()
    name = "[x](http://evil) **b** $x$.csv"
    at.file_uploader(key="upload_csv").set_value((name, body(table(60)), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="upload_add").click().run()
    texts = markdown_texts(at)
    assert any("evil" in v for v in texts), texts  # the name is shown ...
    assert not [v for v in texts if LINK.search(v)], texts  # ... as text: no link
    bad = "[y](https://evil.example).csv"
    at.file_uploader(key="upload_csv").set_value((bad, b"a,b\n1,2\n", "text/csv")).run()
    assert not [v for v in markdown_texts(at) if LINK.search(v)]


def test_a_column_name_cannot_inject_a_link_and_a_huge_number_never_breaks_the_preview():
    at = page()
    raw = body(table(60)).replace(b"a,b,c", b"[c](http://evil),b,c")
    at.file_uploader(key="upload_csv").set_value(("t.csv", raw + b"1,2,3\n" * 0, "text/csv")).run()
    assert not at.exception and not [v for v in markdown_texts(at) if LINK.search(v)]
    at.file_uploader(key="upload_csv").set_value(("n.csv", with_value("1" * 400, 0), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("too large" in e.value and "line '2'" in e.value for e in at.error)


def test_colour_images_are_previewed_and_added():
    at = page()
    at.file_uploader(key="upload_images").set_value(("rgb.zip", zipped(digits(40, size=16, rgb=True)),
                                                     "application/zip")).run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    assert [m.value for m in at.metric][0] == "1 × 16 × 16"
    assert any("greyscale" in s.value for s in at.success)
    at.button(key="upload_add").click().run()
    assert not at.exception
    assert at.session_state["aelab_uploads"]["yours: rgb.zip"].ds.shape == (1, 16, 16)


def test_the_limits_shown_on_the_page_are_the_ones_checked():
    at = page()
    rules = " ".join(c.value for c in at.caption)
    assert t("your_data.csv_rules", "en", rows=30, columns="2,000", mb=20) in rules
    assert "colour images are converted to greyscale" in rules
