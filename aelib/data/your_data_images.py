"""A visitor's image files and zips read under `Limits`: zip entries are streamed and their real unpacked bytes
counted (headers can lie about sizes), every image's size is read from its header before it is decoded, and each
image becomes 8-bit grey pixels (colour is converted: every page of the lab draws and models grey images)."""
from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
from PIL import Image, UnidentifiedImageError

from aelib.data.your_data_tables import UploadError, megabytes, shown_text
from aelib.limits import Limits

IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
MIN_SIDE = 4
CHUNK = 65_536  # bytes unpacked per read: zipfile inflates a whole entry in one call when asked for all of it
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # bzip2 and LZMA inflate unbounded per read


@dataclass(frozen=True)
class ImageFile:
    path: str  # as uploaded or as named in the zip; never used as a path on the server
    read: Callable[[], bytes]  # the file's bytes, unpacked under the limits when called


class _Budget:
    """Unpacked bytes left to all entries of the upload's zips."""

    def __init__(self, limits: Limits):
        self.left, self.limits = limits.decompressed_bytes, limits

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise UploadError("your_data.zip_too_big", limit=megabytes(self.limits.decompressed_bytes))


def _read_entry(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, limits: Limits) -> bytes:
    """One entry's bytes, unpacked CHUNK at a time and counted for real against the entry's and the upload's
    limits; a header's file_size is never trusted."""
    parts, size = [], 0
    try:
        with z.open(info) as f:
            while chunk := f.read(CHUNK):
                size += len(chunk)
                budget.take(len(chunk))
                if size > limits.image_file_bytes:
                    raise UploadError("your_data.image_file_too_big", path=shown_text(info.filename),
                                      mb=megabytes(limits.image_file_bytes), side=limits.image_side)
                parts.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
            NotImplementedError) as err:  # a damaged entry: bad CRC, truncated data, a method zipfile lacks
        if isinstance(err, UploadError):
            raise
        raise UploadError("your_data.bad_zip_entry", path=shown_text(info.filename)) from err
    return b"".join(parts)


def _wanted(info: zipfile.ZipInfo) -> bool:
    """An image entry: not a folder, a link, macOS metadata, a hidden file or another kind of file (a nested zip
    is not opened)."""
    name = PurePosixPath(info.filename.replace("\\", "/")).name
    is_link = stat.S_ISLNK(info.external_attr >> 16)
    return (not info.is_dir() and not is_link and "__MACOSX" not in info.filename and not name.startswith(".")
            and name.lower().endswith(IMAGE_TYPES))


def _zip_images(path: str, raw: bytes, budget: _Budget, limits: Limits) -> list[ImageFile]:
    if raw.count(b"PK\x01\x02") > limits.archive_entries:  # directory entries, counted before zipfile reads them
        raise UploadError("your_data.zip_entries", path=shown_text(path), limit=f"{limits.archive_entries:,}")
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
        raise UploadError("your_data.bad_zip", path=shown_text(path)) from err
    out = []
    for info in z.infolist():
        if not _wanted(info):
            continue
        if info.flag_bits & 0x1:
            raise UploadError("your_data.zip_encrypted", path=shown_text(info.filename))
        if info.compress_type not in ZIP_METHODS:
            raise UploadError("your_data.zip_method", path=shown_text(info.filename))
        out.append(ImageFile(info.filename, lambda info=info: _read_entry(z, info, budget, limits)))
    return out


def image_files(files: list[tuple[str, bytes]], limits: Limits) -> list[ImageFile]:
    """Every image of the upload, zips listed (not yet unpacked). UploadError for an empty, oversized or foreign
    upload."""
    out, total, budget = [], 0, _Budget(limits)
    for path, raw in files:
        total += len(raw)
        if total > limits.upload_bytes:
            raise UploadError("your_data.images_too_big", limit=megabytes(limits.upload_bytes))
        if path.lower().endswith(".zip") or raw[:4] == b"PK\x03\x04":
            out += _zip_images(path, raw, budget, limits)
        elif path.lower().endswith(IMAGE_TYPES):
            out.append(ImageFile(path, lambda raw=raw: raw))
        else:
            raise UploadError("your_data.not_image_or_zip", path=shown_text(path), types=", ".join(IMAGE_TYPES))
    if not out:
        raise UploadError("your_data.no_images")
    if len(out) > limits.images:
        raise UploadError("your_data.too_many_images", n=f"{len(out):,}", limit=f"{limits.images:,}")
    return out


def _open(path: str, raw: bytes, limits: Limits) -> Image.Image:
    """The decoded image. Its size is read from the header first: a small file can unpack to gigabytes."""
    try:
        img = Image.open(io.BytesIO(raw))  # reads the header only
        w, h = img.size
    except Image.DecompressionBombError as err:  # Pillow's own guard, for hundreds of millions of pixels
        raise UploadError("your_data.image_far_too_large", path=shown_text(path), side=limits.image_side) from err
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as err:
        raise UploadError("your_data.unreadable_image", path=shown_text(path)) from err
    if max(w, h) > limits.image_side or min(w, h) < MIN_SIDE:
        raise UploadError("your_data.image_size", path=shown_text(path), w=w, h=h, side=limits.image_side)
    if len(raw) > limits.image_file_bytes:
        raise UploadError("your_data.image_file_too_big", path=shown_text(path), mb=megabytes(limits.image_file_bytes),
                          side=limits.image_side)
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as err:  # damaged pixel data
        raise UploadError("your_data.unreadable_image", path=shown_text(path)) from err
    return img


def grey_pixels(path: str, raw: bytes, limits: Limits) -> tuple[np.ndarray, bool]:
    """(H, W) uint8 grey pixels and whether the image was in colour (converted with ITU-R 601-2 luma, Pillow's
    "L"). 16-bit and float images are scaled to 0..255; alpha is dropped; colour images whose channels agree are
    grey."""
    img = _open(path, raw, limits)
    if img.mode in ("1", "L", "LA", "La"):
        return np.asarray(img.convert("L"), dtype=np.uint8), False
    if img.mode.startswith(("I", "F")):
        a = np.asarray(img.convert("F"), dtype=np.float64)
        peak = 1.0 if img.mode == "F" else 65535.0 if a.size and a.max() > 255 else 255.0
        return np.round(np.clip(a / peak, 0, 1) * 255).astype(np.uint8), False
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)  # palette, RGB(A), CMYK, YCbCr
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        return np.ascontiguousarray(rgb[..., 0]), False
    return np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.uint8), True
