"""A corpus of hostile uploads (quote-heavy and oversized CSVs, numbers float64 cannot hold, zip bombs whose
headers lie, nested and traversing zips, images that lie about their size) and their measurement: each one runs
through the Your data parsers in a forked process that reports its wall time, its extra peak memory and whether it
ended in a dataset, a clear refusal or anything else (a crash)."""
from __future__ import annotations

import io
import os
import resource
import struct
import sys
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image

from aelib.data.your_data import UploadError, dataset_from_csv, dataset_from_images
from aelib.limits import VISITOR


def png(a: np.ndarray, mode: str | None = None, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img = Image.fromarray(a)
    (img.convert(mode) if mode else img).save(buf, format=fmt)
    return buf.getvalue()


def zipped(files: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, raw in files:
            z.writestr(name, raw)
    return buf.getvalue()


def deflated_zeros(n: int) -> tuple[bytes, int]:
    """n zero bytes deflated (raw deflate, as zip stores it) and their CRC-32, made a megabyte at a time."""
    comp, crc, block = zlib.compressobj(9, zlib.DEFLATED, -15), 0, bytes(1 << 20)
    parts = []
    for start in range(0, n, len(block)):
        piece = block[:min(len(block), n - start)]
        crc = zlib.crc32(piece, crc)
        parts.append(comp.compress(piece))
    parts.append(comp.flush())
    return b"".join(parts), crc


def lying_zip(entries: list[tuple[str, bytes, int, int]], method: int = zipfile.ZIP_DEFLATED, flags: int = 0,
              external_attr: int = 0) -> bytes:
    """A zip written by hand from (name, stored bytes, crc, size the headers claim): the headers may lie."""
    body, directory = io.BytesIO(), io.BytesIO()
    for name, data, crc, claimed in entries:
        raw_name, offset = name.encode(), body.tell()
        body.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, 0, 0, crc, len(data), claimed,
                               len(raw_name), 0) + raw_name + data)
        directory.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x0314, 20, flags, method, 0, 0, crc, len(data),
                                    claimed, len(raw_name), 0, 0, 0, 0, external_attr, offset) + raw_name)
    cd = directory.getvalue()
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(cd), body.tell(), 0)
    return body.getvalue() + cd + end


def _digits(n: int = 40, size: int = 8, mode: str | None = None, rgb: bool = False) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    shape = (size, size, 3) if rgb else (size, size)
    return [(f"{'odd' if i % 2 else 'even'}/{i:05d}.png", png(rng.integers(0, 256, shape, dtype=np.uint8), mode))
            for i in range(n)]


def png_claiming(w: int, h: int) -> bytes:
    """A PNG whose header says w×h pixels but whose data is an 8×8 image's."""
    raw = bytearray(png(np.zeros((8, 8), np.uint8)))
    raw[16:24] = struct.pack(">2L", w, h)
    raw[29:33] = struct.pack(">L", zlib.crc32(bytes(raw[12:29])))
    return bytes(raw)


def ztxt_png(mb: int) -> bytes:
    """An 8×8 PNG carrying a compressed text chunk that unpacks to `mb` megabytes."""
    data = b"Comment\x00\x00" + zlib.compress(bytes(mb * 1_000_000), 9)
    raw = png(np.zeros((8, 8), np.uint8))
    chunk = struct.pack(">L", len(data)) + b"zTXt" + data + struct.pack(">L", zlib.crc32(b"zTXt" + data))
    return raw[:33] + chunk + raw[33:]


def _mnist_like_csv() -> bytes:
    rng = np.random.default_rng(0)
    rows = (rng.random((9000, 785)) ** 4 * 256).astype(np.uint8)  # mostly small numbers, like MNIST's pixels
    return b"\n".join(b",".join(b"%d" % v for v in row) for row in rows[:, :]) + b"\n"


def _bomb(claimed: int, real: int) -> bytes:
    """39 good images and one entry of `real` zero bytes whose headers claim `claimed` bytes."""
    data, crc = deflated_zeros(real)
    good = [(n, b, zlib.crc32(b), len(b)) for n, b in _digits(39)]
    return lying_zip([(n, zlib.compress(b)[2:-4], c, size) for n, b, c, size in good]
                     + [("odd/zz.png", data, crc, claimed)])


def _padded(n: int, pad: int) -> bytes:
    """n images, each a good PNG followed by `pad` zero bytes (Pillow reads the image and ignores the rest)."""
    return zipped([(n_, b + bytes(pad)) for n_, b in _digits(n)])


def _many_entries(n: int) -> bytes:
    tiny = png(np.zeros((8, 8), np.uint8))
    return lying_zip([(f"{i % 2}/{i}.png", tiny, zlib.crc32(tiny), len(tiny)) for i in range(n)],
                     method=zipfile.ZIP_STORED)


MB = 1_000_000
# name -> (what it is, "csv" or "images", a builder of the upload)
CSV_CASES: dict[str, Callable[[], bytes]] = {
    "quotes and commas, 64 KB": lambda: b',"' * 32_768,
    "quotes and commas, 20 MB": lambda: b',"' * (10 * MB - 8),
    "quotes and newlines, 20 MB": lambda: b'"\n' * (10 * MB - 8),
    "quotes only, 20 MB": lambda: b'"' * (20 * MB - 8),
    "quote, delimiter, quote, 20 MB": lambda: b'a";"b,"\t' * (2_500_000 - 1),
    "one quoted field of 20 MB": lambda: b'a,b\n"' + b"x" * (20 * MB - 16) + b'",1\n',
    "one line of 20 MB": lambda: b"x" * (20 * MB - 8),
    "a million columns": lambda: b",".join([b"1"] * 1_000_000) + b"\n",
    "a million fields in row 2": lambda: b"a,b\n" + b"1," * 1_000_000 + b"\n",
    "20 MB of empty cells": lambda: (b"," * 999 + b"\n") * 20_000,
    "ten million zeros": lambda: b"a,b\n" + b"0,0\n" * (5 * MB - 2),
    "unique texts": lambda: b"a,b\n" + b"".join(b"%x,t%x\n" % (i, i) for i in range(1_300_000)),
    "a 400-digit number": lambda: b"a,b\n" + b"1" * 400 + b",1\n" + b"0,2\n" * 40,
    "numbers of 5,000 digits": lambda: b"a,b\n" + (b"9" * 5000 + b",1\n") * 3000,
    "inf, nan and 1e999": lambda: b"a,b,c\n" + b"inf,nan,1e999\n" * 100,
    "random bytes": lambda: np.random.default_rng(0).integers(0, 256, 20 * MB - 8, dtype=np.uint8).tobytes(),
    "UTF-16 with a BOM": lambda: ("a,b\n" + "1,2\n" * 2_000_000).encode("utf-16"),
    "a UTF-16 BOM before bytes that are not UTF-16": lambda: b"\xff\xfe" + b"\xd8\x00" * 1000,
    "carriage returns only": lambda: b"a,b\r" + b"1,2\r" * 4 * MB,
    "an MNIST-like table of 18 MB": _mnist_like_csv,
}
IMAGE_CASES: dict[str, Callable[[], list[tuple[str, bytes]]]] = {
    "zip entry claiming 100 bytes, unpacking to 2 GB": lambda: [("bomb.zip", _bomb(100, 2_000 * MB))],
    "zip entry honestly unpacking to 2 GB": lambda: [("bomb.zip", _bomb(2_000 * MB, 2_000 * MB))],
    "60 images padded to 1.9 MB each": lambda: [("padded.zip", _padded(60, 1_900_000))],
    "an image padded to 50 MB": lambda: [("padded.zip", _padded(1, 50 * MB))] + _digits(39),
    "a zip inside a zip": lambda: [("nested.zip", zipped([("inner.zip", _bomb(100, 200 * MB))]))],
    "30,001 entries": lambda: [("entries.zip", _many_entries(VISITOR.archive_entries + 1))],
    "bzip2 entries": lambda: [("bz.zip", zipped(_digits(), zipfile.ZIP_BZIP2))],
    "a PNG claiming 30000×30000 pixels": lambda: _digits(39) + [("odd/big.png", png_claiming(30_000, 30_000))],
    "a PNG claiming 64×64 with 8×8 data": lambda: _digits(39) + [("odd/liar.png", png_claiming(64, 64))],
    "a PNG with 50 MB of compressed text": lambda: _digits(39) + [("odd/text.png", ztxt_png(50))],
    "20,000 images of 64×64": lambda: [("max.zip", zipped([(f"{i % 2}/{i}.png", png(np.full((64, 64), i % 256,
                                                                                             np.uint8)))
                                                          for i in range(20_000)]))],
    "path-traversal names": lambda: [("t.zip", zipped([(f"../../{n}", b) for n, b in _digits()]))],
    "colour, palette, RGBA and 16-bit images": lambda: (_digits(10, rgb=True) + _digits(10, mode="P", rgb=True)
                                                         + _digits(10, mode="RGBA", rgb=True)
                                                         + _digits(10, mode="I;16")),
}


def run_case(kind: str, build: Callable) -> dict:
    """Build one upload here, then parse it in a forked child: seconds, extra peak memory in MB (ru_maxrss over
    the child's own start), and the outcome (a dataset's shape, the refusal, or the crash's last line)."""
    upload = build()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, report one line, exit without cleanup
        os.close(read)
        start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        try:
            ds = dataset_from_csv(upload) if kind == "csv" else dataset_from_images(upload)
            outcome = f"dataset {ds.shape}"
        except UploadError as err:
            outcome = f"refused: {err}"
        except BaseException:  # noqa: BLE001 — what the benchmark exists to find
            outcome = "CRASH: " + traceback.format_exc().strip().splitlines()[-1]
        seconds = time.perf_counter() - t0
        extra = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) * (1 if sys.platform == "darwin"
                                                                                 else 1024) / MB
        os.write(write, f"{seconds:.3f}\t{extra:.1f}\t{outcome}".encode()[:60_000])
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        line = f.read().decode(errors="replace")
    os.waitpid(pid, 0)
    size = len(upload) if isinstance(upload, bytes) else sum(len(b) for _, b in upload)
    if not line:
        return {"seconds": None, "extra_mb": None, "bytes": size, "outcome": "CRASH: the child died"}
    seconds, extra, outcome = line.split("\t", 2)
    return {"seconds": float(seconds), "extra_mb": float(extra), "bytes": size, "outcome": outcome}


def hostile(log: Callable[[str], None] | None = None) -> dict:
    """Every case of the corpus through the real parsers; the worst time and memory, and the crashes."""
    cases = [("csv", n, b) for n, b in CSV_CASES.items()] + [("images", n, b) for n, b in IMAGE_CASES.items()]
    results = {}
    for kind, name, build in cases:
        results[name] = {"kind": kind, **run_case(kind, build)}
        if log:
            log(f"{name}: {results[name]}")
    timed = [r for r in results.values() if r["seconds"] is not None]
    return {"cases": len(results), "crashes": sum(r["outcome"].startswith("CRASH") for r in results.values()),
            "worst_seconds": max(r["seconds"] for r in timed), "worst_extra_mb": max(r["extra_mb"] for r in timed),
            "targets": {"seconds": 2.0, "extra_mb": 200}, "results": results}


def hostile_table(result: dict) -> str:
    """The result as a markdown table, worst first."""
    rows = sorted(result["results"].items(), key=lambda kv: -(1e9 if kv[1]["seconds"] is None else kv[1]["seconds"]))
    lines = [f"{result['cases']} hostile uploads, {result['crashes']} crashes; worst parse "
             f"{result['worst_seconds']:.2f} s (target ≤ 2 s), worst extra peak memory "
             f"{result['worst_extra_mb']:.0f} MB (target ≤ 200 MB).", "",
             "| upload | kind | size | seconds | extra MB | outcome |", "|---|---|---:|---:|---:|---|"]
    for name, r in rows:
        outcome = r["outcome"].replace("|", "/")
        outcome = outcome if len(outcome) <= 110 else outcome[:107] + "..."
        lines.append(f"| {name} | {r['kind']} | {r['bytes'] / MB:.1f} MB | {r['seconds']} | {r['extra_mb']} | "
                     f"{outcome} |")
    return "\n".join(lines)
