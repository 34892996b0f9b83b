"""A visitor's bytes read as a table under `Limits`: size, text encoding (BOMs included), the delimiter (counted
outside quotes on the first lines: never csv.Sniffer, whose regexes backtrack on quote-heavy text while holding
the GIL), then a chunked parse that checks columns, cells, distinct texts, numbers float64 cannot hold and wall
time between chunks. Anything wrong is an UploadError whose message says what and where."""
from __future__ import annotations

import codecs
import csv
import io
import math
import re
import time
from collections import Counter

import numpy as np
import pandas as pd

from aelib.i18n import Explained, Listed, Words
from aelib.limits import VISITOR, Limits

DELIMITERS = (",", ";", "\t")
SNIFF_LINES = 20
BLOCK = 1 << 20  # characters of a long line counted at once
SHOWN = 60  # characters of a learner's name or value quoted in a message
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE's BOM starts like UTF-16's
_FIRST_TEXT = re.compile(r"\S")
_LINE_END = re.compile(r"[\r\n]")


class UploadError(Explained):
    """An upload that cannot become a dataset; the message says what is wrong and what to do (str: English;
    `words`: any language)."""


def listed(items: list, limit: int = 5) -> Words:
    """'a', 'b', 'c' — or, past `limit` items, 'a', 'b' and 3 more (Words: quotes, commas and "and 3 more" are
    said in the learner's language: “a”、“b” in Chinese). Long names are cut short."""
    shown = Listed([shown_text(i) for i in items[:limit]])
    return Words("your_data.names_more", shown=shown, n=len(items) - limit) if len(items) > limit else shown


def on_lines(rows: list[int]) -> Words:
    """Where in the file: on line '5' / on lines '5', '9'."""
    return Words("your_data.on_lines" if len(rows) > 1 else "your_data.on_line", lines=listed(rows))


def shown_text(value: object) -> str:
    """A name or value from the learner as a message quotes it: at most SHOWN characters, on one line."""
    text = " ".join(str(value).split()) if not isinstance(value, int) else str(value)
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:g}"  # Streamlit's megabyte: 10**6 bytes


class Deadline:
    """The wall time one parse may take; check() raises UploadError once it is spent."""

    def __init__(self, seconds: float):
        self.seconds, self.end = seconds, time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise UploadError("your_data.too_slow", seconds=f"{self.seconds:g}")


def read_bytes(data: bytes | io.IOBase, limits: Limits = VISITOR) -> bytes:
    """The upload's bytes, refused when empty or over limits.upload_bytes (a stream is read no further)."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raw = data.read(limits.upload_bytes + 1)
    if len(raw) > limits.upload_bytes:
        raise UploadError("your_data.file_too_big", mb=f"{len(raw) / 1_000_000:.1f}",
                          limit=megabytes(limits.upload_bytes))
    if not raw or raw.isspace():
        raise UploadError("your_data.empty")
    return raw


def decode_text(raw: bytes) -> tuple[str, bytes, str]:
    """(text, bytes for the parser, their encoding) of a CSV: by its byte-order mark (UTF-8/16/32), else UTF-8,
    else Latin-1 (old spreadsheet exports; every byte decodes, digits are unchanged). The parser reads bytes: a
    StringIO would hold four bytes a character. Zips and binary files are refused."""
    if raw[:4] == b"PK\x03\x04":
        raise UploadError("your_data.csv_is_zip")
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as err:
                raise UploadError("your_data.csv_bad_encoding", encoding=encoding.upper()) from err
            body, body_encoding = (raw, "utf-8-sig") if encoding == "utf-8-sig" else (None, "utf-8")
            break
    else:
        if b"\x00" in raw[:65536]:
            raise UploadError("your_data.csv_is_binary")
        try:
            text, body, body_encoding = raw.decode("utf-8"), raw, "utf-8"
        except UnicodeDecodeError:
            text, body, body_encoding = raw.decode("latin-1"), raw, "latin-1"
    if "\x00" in text:
        raise UploadError("your_data.csv_is_binary")
    text = text.lstrip("\ufeff")
    return text, body if body is not None else text.encode("utf-8"), body_encoding


def _outside_quotes(line: str) -> str:
    return "".join(line.split('"')[::2])  # a doubled quote inside a field toggles twice: still inside


def guess_delimiter(text: str, limits: Limits = VISITOR) -> str:
    """The delimiter among , ; and tab that splits the first lines into the same number of fields most
    consistently (counted outside quotes; ties go to the earlier one); "," when none splits them. Linear."""
    head = text[:limits.sniff_bytes]
    lines = [ln for ln in head.splitlines()[:SNIFF_LINES + 1] if ln.strip()]
    if len(head) < len(text) and len(lines) > 1:
        lines = lines[:-1]  # cut off mid-line
    lines = [_outside_quotes(ln) for ln in lines[:SNIFF_LINES]]
    best, best_key = ",", (0.0, 0)
    for sep in DELIMITERS:
        counts = Counter(ln.count(sep) for ln in lines)
        modal, times = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
        key = (times / len(lines), modal) if modal else (0.0, 0)
        if key > best_key:
            best, best_key = sep, key
    return best


def fields(line: str, sep: str, stop: int) -> int:
    """How many fields a CSV line has (delimiters outside quotes, plus one), counted a block at a time with numpy
    (linear, little memory even for a 20 MB line); the count ends early once it passes `stop`."""
    if '"' not in line:
        return line.count(sep) + 1
    count, inside = 0, 0
    for start in range(0, len(line), BLOCK):
        chars = np.frombuffer(line[start:start + BLOCK].encode("utf-32-le"), dtype=np.uint32)
        parity = np.bitwise_xor.accumulate((chars == 34).view(np.uint8)) ^ inside  # 1 inside quotes
        count += int(np.count_nonzero((chars == ord(sep)) & (parity == 0)))
        inside = int(parity[-1])
        if count + 1 > stop:
            break
    return count + 1


def _first_lines(text: str, n: int = 2) -> list[str]:
    """The first n lines that hold anything, found without splitting the whole text."""
    lines, pos = [], 0
    while len(lines) < n and (start := _FIRST_TEXT.search(text, pos)) is not None:
        end = _LINE_END.search(text, start.start())
        pos = end.start() if end else len(text)
        lines.append(text[start.start():pos])
    return lines


def is_number(value: object) -> bool:
    try:
        float(str(value))
        return True
    except (ValueError, OverflowError):
        return False


def _header(text: str, sep: str, limits: Limits) -> bool:
    """Whether the first line is a header (not all numbers). Refused before any parse: a first line longer than
    limits.line_chars or of more than limits.columns fields (pandas takes minutes over a million columns), and a
    second line of more fields than the first (pandas would take the extra ones for row names)."""
    lines = _first_lines(text)
    width = fields(lines[0], sep, 10**9) if lines else 0  # counted to the end: the message says how many
    if width > limits.columns:
        raise UploadError("your_data.too_many_columns_transpose", n=f"{width:,}", limit=f"{limits.columns:,}")
    if lines and len(lines[0]) > limits.line_chars:
        raise UploadError("your_data.line_too_long", n=f"{len(lines[0]):,}", limit=f"{limits.line_chars:,}")
    if len(lines) > 1 and (second := fields(lines[1], sep, width)) > width:
        raise UploadError("your_data.ragged_first_row", n=f"{second:,}" if second <= width + 1 else f"{width + 1:,}+",
                          m=width)
    try:
        first = next(csv.reader(lines[:1], delimiter=sep), [])
    except csv.Error:  # not a table's first line; the parse says so
        return True
    return not (first and all(is_number(f) for f in first))


def read_table(data: bytes | io.IOBase, limits: Limits = VISITOR) -> pd.DataFrame:
    """The CSV as a data frame, checked for what would make it unusable whatever the label column: the limits,
    missing numbers, numbers too large for float64 and text columns of too many values. A file whose first row is
    all numbers has no header: its columns are named "column 1", "column 2", ..."""
    deadline = Deadline(limits.parse_seconds)
    text, body, encoding = decode_text(read_bytes(data, limits))
    sep = guess_delimiter(text, limits)
    header = _header(text, sep, limits)
    first = _first_lines(text, 1)
    if not first:  # a byte-order mark and blanks
        raise UploadError("your_data.empty")
    width = fields(first[0], sep, limits.columns)
    del text  # the parser reads `body`
    frames = _chunks(body, encoding, sep, header, max(1, limits.table_chunk_cells // width), limits, deadline)
    try:
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    except (TypeError, ValueError) as err:
        raise UploadError("your_data.not_a_table", detail=shown_text(str(err).splitlines()[0])) from err
    if not header:
        df.columns = [f"column {i + 1}" for i in range(df.shape[1])]
    df.columns = [str(c) for c in df.columns]
    df.attrs["first_line"] = 2 if header else 1  # the file's line of the first data row, for messages
    return _numbers_as_floats(df)


def _chunks(body: bytes, encoding: str, sep: str, header: bool, rows: int, limits: Limits,
            deadline: Deadline) -> list[pd.DataFrame]:
    """pandas' C parser (linear, no regexes) `rows` rows at a time, every limit checked between chunks; integer
    columns are kept in the smallest integer type that holds them."""
    frames, cells, texts, line = [], 0, {}, 2 if header else 1
    try:
        reader = pd.read_csv(io.BytesIO(body), sep=sep, header=0 if header else None, iterator=True,
                             encoding=encoding, engine="c")
        size = max(1, rows // 20)  # a small first chunk: a column of texts is refused before it is millions
        while True:
            try:
                chunk = reader.get_chunk(size)
            except StopIteration:
                break
            size = rows
            if chunk.shape[1] > limits.columns:
                raise UploadError("your_data.too_many_columns", n=f"{chunk.shape[1]:,}",
                                  limit=f"{limits.columns:,}")
            cells += chunk.size
            if cells > limits.cells:
                raise UploadError("your_data.too_many_cells", limit=f"{limits.cells:,}")
            _check_texts(chunk, texts, line, limits)
            _check_missing(chunk, line)
            frames.append(_compact(chunk))
            line += len(chunk)
            deadline.check()
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeError, ValueError, TypeError,
            OverflowError, IndexError, MemoryError) as err:  # a parser fails in many ways on text that is no table
        if isinstance(err, UploadError):
            raise
        raise UploadError("your_data.not_a_table", detail=shown_text(str(err).splitlines()[0] if str(err)
                                                                       else type(err).__name__)) from err
    if not frames:
        raise UploadError("your_data.not_a_table", detail="no rows")  # no-i18n
    return frames


def _texts(df: pd.DataFrame) -> list:
    """The columns that are not numbers or booleans, read off the dtypes (no column is looked up)."""
    return [c for c, kind in df.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind))]


def _check_missing(chunk: pd.DataFrame, first_line: int) -> None:
    """Refuses empty cells in numeric columns: no label column choice makes such a table usable, and a file of
    empty cells would otherwise fill 8 bytes of memory per byte."""
    floats = chunk.select_dtypes("floating")  # integer and boolean columns have no empty cells
    missing = list(floats.columns[np.isnan(floats.to_numpy()).any(axis=0)]) if floats.shape[1] else []
    if missing:
        rows = (np.flatnonzero(chunk[missing[0]].isna()) + first_line).tolist()
        raise UploadError("your_data.missing_many" if len(missing) > 1 else "your_data.missing_one",
                          names=listed([_column_name(c) for c in missing]), column=_column_name(missing[0]),
                          where=on_lines(rows))


def _compact(chunk: pd.DataFrame) -> pd.DataFrame:
    """The chunk with its int64 columns in the smallest signed integer type that holds all of them."""
    ints = [c for c, kind in chunk.dtypes.items() if kind == np.int64]
    if not ints:
        return chunk
    block = chunk[ints].to_numpy()
    lo, hi = int(block.min()), int(block.max())
    kind = next(t for t in (np.int8, np.int16, np.int32, np.int64)
                if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max)
    if kind is np.int64:
        return chunk
    if len(ints) == chunk.shape[1]:  # all integers (the common wide case): one block, not column by column
        return pd.DataFrame(block.astype(kind), columns=chunk.columns, index=chunk.index)
    return chunk.astype({c: kind for c in ints})


def _check_texts(chunk: pd.DataFrame, texts: dict, first_line: int, limits: Limits) -> None:
    """Refuses numbers float64 cannot hold, and a column holding text among more than limits.text_values distinct
    values: it is neither numeric nor a label, and millions of strings would only fill the memory. `texts` carries
    the distinct values of each column with text from chunk to chunk."""
    for column in _texts(chunk):
        values = chunk[column]
        distinct = pd.unique(values.dropna())
        example = None
        for value in distinct:
            kind = _kind(value)
            if kind == "too large":
                raise UploadError("your_data.too_large_number", column=_column_name(column), value=_short(value),
                                  where=on_lines([first_line + _first_row(values, value)]))
            if kind == "text":
                example = value
                break
        if example is None and column not in texts:
            continue
        seen = texts.setdefault(column, set())
        if len(distinct) <= limits.text_values:
            seen.update(distinct)
        if len(distinct) > limits.text_values or len(seen) > limits.text_values:
            example = example if example is not None else next(iter(seen))
            raise UploadError("your_data.too_many_texts", column=_column_name(column), example=shown_text(example),
                              limit=limits.text_values)


def _column_name(column: object) -> str:
    return shown_text(column if isinstance(column, str) else f"column {int(column) + 1}")


def _first_row(values: pd.Series, value: object) -> int:
    return int((values == value).to_numpy().argmax())


def _kind(value: object) -> str:
    """"number", "too large" (a number float64 cannot hold finitely: inf, or past ±1.8e308) or "text"."""
    if isinstance(value, bool):
        return "number"
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except OverflowError:
        return "too large"
    except ValueError:
        return "text"
    if math.isfinite(number):
        return "number"
    return "text" if number != number else "too large"  # nan: a word pandas did not take as missing


def _short(value: object) -> str:
    text = str(value).strip()
    digits = sum(c.isdigit() for c in text)
    return text if len(text) <= 24 else f"{text[:12]}…{text[-4:]} ({digits:,} digits)"


def _numbers_as_floats(df: pd.DataFrame) -> pd.DataFrame:
    """Columns pandas left as objects although every value is a number (integers past 64 bits) as float64."""
    for column in _texts(df):
        if all(_kind(v) == "number" for v in pd.unique(df[column].dropna())):
            df[column] = [math.nan if pd.isna(v) else float(v) for v in df[column]]
    return df
