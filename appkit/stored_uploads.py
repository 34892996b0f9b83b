"""A learner's upload as their workspace keeps it: the raw bytes of its files behind a small JSON header that says
what kind of upload it was (a table, or images and zips of images), the name it was parsed under, its files' names
and sizes, and the label column chosen. A later session (a reload, another device) reads it back and parses it
again with a fresh upload's checks (aelib.data.your_data). No pickles, no Streamlit."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from aelib.data import Dataset
from aelib.data.your_data import MAX_BYTES, MAX_IMAGES, dataset_from_images, dataset_from_table, read_table

MAGIC = b"AELAB-UPLOAD 1\n"  # no-i18n
KINDS = ("csv", "images")
MAX_HEADER = 8_000_000  # bytes: the names and sizes of up to MAX_IMAGES files


@dataclass(frozen=True)
class Packed:
    """An upload as the learner gave it: kind "csv" (one table) or "images"; name: what the parser named it (the
    file's name, or "3 files"); files: (name, bytes) pairs; label: the table's label column (None: unlabelled)."""

    kind: str
    name: str
    files: tuple[tuple[str, bytes], ...]
    label: str | None = None


def digest(p: Packed) -> str:
    """What makes two uploads the same set: a table's bytes and label column; the images' names and bytes."""
    h = hashlib.sha256()
    if p.kind == "csv":
        parts = [p.files[0][1], str(p.label)]
    else:
        parts = sorted(f"{n}:{hashlib.sha256(b).hexdigest()}" for n, b in p.files)
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
    return h.hexdigest()


def pack(p: Packed) -> bytes:
    header = json.dumps({"kind": p.kind, "name": p.name, "label": p.label,
                         "files": [[n, len(b)] for n, b in p.files]}).encode("ascii")  # ensure_ascii: one byte each
    return MAGIC + str(len(header)).encode("ascii") + b"\n" + header + b"".join(b for _, b in p.files)


def unpack(data: bytes) -> Packed:
    """pack()'s bytes read back; ValueError for anything else. The header is checked field by field, and the
    files' sizes must add up to what follows it; their contents are the parsers' to check (parse())."""
    if not data.startswith(MAGIC):
        raise ValueError("not a stored upload")
    size_end = data.find(b"\n", len(MAGIC), len(MAGIC) + 12)
    size_text = data[len(MAGIC):size_end] if size_end > 0 else b""
    if not size_text.isdigit() or int(size_text) > MAX_HEADER:
        raise ValueError("a stored upload's header has no valid size")
    start = size_end + 1 + int(size_text)
    try:
        header = json.loads(data[size_end + 1:start].decode("ascii"))
    except RecursionError:  # nested too deep: json raises this, not ValueError
        raise ValueError("a stored upload's header is nested too deep") from None
    if not isinstance(header, dict):
        raise ValueError("a stored upload's header is not an object")
    kind, name, label, files = (header.get(k) for k in ("kind", "name", "label", "files"))
    if kind not in KINDS or not _name(name) or not (label is None or _name(label)) or not isinstance(files, list):
        raise ValueError("a stored upload's header is malformed")
    if not 1 <= len(files) <= (1 if kind == "csv" else MAX_IMAGES) or not all(
            isinstance(f, list) and len(f) == 2 and _name(f[0]) and type(f[1]) is int and f[1] >= 0 for f in files):
        raise ValueError("a stored upload's list of files is malformed")
    if sum(f[1] for f in files) != len(data) - start or len(data) - start > MAX_BYTES:
        raise ValueError("a stored upload's files do not add up to its size")
    out, at = [], start
    for file_name, n in files:
        out.append((file_name, data[at:at + n]))
        at += n
    return Packed(kind, name, tuple(out), label)


def parse(p: Packed) -> Dataset:
    """The dataset, as a fresh upload of these files becomes one (UploadError says what is wrong)."""
    if p.kind == "csv":
        return dataset_from_table(read_table(p.files[0][1]), p.label, name=p.name)
    return dataset_from_images(list(p.files), name=p.name)


def _name(value: object) -> bool:
    return isinstance(value, str) and value != ""
