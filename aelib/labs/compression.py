"""Compression: quantise an autoencoder's code or PCA's coefficients to a few bits per number, and compare quality
(PSNR) against bytes per image with JPEG (Pillow) — a rate–distortion picture. Plain arrays in and out."""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from sklearn.decomposition import PCA

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import fit, model_config
from aelib.i18n import Words
from aelib.labs.denoising import mean_psnr
from aelib.models import Autoencoder
from aelib.train import EpochStats, TrainConfig

LATENT_DIMS = (8, 16, 32)  # code sizes the lab trains by default
BITS = (2, 4, 6, 8)  # bits per code number
AE_HIDDEN = (256,)  # one hidden layer: trains in seconds per epoch on a CPU, and beats PCA at every code size
TRAIN_DEFAULTS = {"lr": 3e-3, "batch_size": 32}  # many quick steps: ~+1 dB over the defaults in 10 epochs
MAX_BITS = 16
JPEG_QUALITIES = (1, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95)
BUDGETS = (8, 16, 32, 64, 128, 256, 512)  # bytes per image, for the "best at this size" table
# each method's name: Words (English as a str, say(lang) for another language); PCA reads the same in every language
METHOD_TITLES = {"ae": Words("compression.method.ae"), "pca": "PCA", "jpeg": Words("compression.method.jpeg"),
                 "jpeg_data": Words("compression.method.jpeg_data")}


@dataclass(frozen=True)
class Quantiser:
    """Uniform quantisation of each code number to 2**bits levels spread evenly over [lo, hi], that number's
    range over the training codes. The ranges are side information shared by every image, like the decoder."""
    lo: np.ndarray  # (k,) the smallest training value of each code number
    hi: np.ndarray  # (k,) the largest
    bits: int

    def __post_init__(self):
        if not 1 <= self.bits <= MAX_BITS:
            raise ValueError(f"bits per number must be between 1 and {MAX_BITS}, got {self.bits}")

    @classmethod
    def fit(cls, codes: np.ndarray, bits: int) -> Quantiser:
        """The range of each column of the training codes (N, k)."""
        codes = np.asarray(codes, dtype=np.float64)
        if codes.ndim != 2 or len(codes) == 0:
            raise ValueError("the quantiser needs training codes shaped (N, k) with N >= 1")
        return cls(codes.min(0), codes.max(0), bits)

    @property
    def levels(self) -> int:
        return 2 ** self.bits

    @property
    def step(self) -> np.ndarray:
        """(k,) the distance between neighbouring levels (0 for a number that never varied)."""
        return (self.hi - self.lo) / (self.levels - 1)

    def encode(self, z: np.ndarray) -> np.ndarray:
        """(N, k) codes -> (N, k) whole numbers in 0 .. 2**bits - 1; values outside the range are clipped to it."""
        step = np.where(self.step > 0, self.step, 1.0)  # a constant number always gets level 0
        q = np.rint((np.asarray(z, dtype=np.float64) - self.lo) / step)
        return np.clip(q, 0, self.levels - 1).astype(np.int64)

    def decode(self, q: np.ndarray) -> np.ndarray:
        """(N, k) level numbers -> (N, k) codes (float32)."""
        return (self.lo + np.asarray(q) * self.step).astype(np.float32)

    def roundtrip(self, z: np.ndarray) -> np.ndarray:
        return self.decode(self.encode(z))


def code_bytes(k: int, bits: int) -> float:
    """Bytes per image for k numbers of `bits` bits each, packed with no gaps."""
    return k * bits / 8


@dataclass
class Codec:
    """A learned transform coder: k numbers per image from an autoencoder's encoder or PCA's projection, and
    back. Its decoder (the network, or the components and the mean) is shared by every image and not counted."""
    method: str  # "ae" or "pca"
    model: Autoencoder | PCA
    train_codes: np.ndarray  # (N_train, k): where each quantiser's range comes from
    history: list[EpochStats] = field(default_factory=list)

    @property
    def k(self) -> int:
        return self.train_codes.shape[1]

    def encode(self, x: np.ndarray) -> np.ndarray:
        if self.method == "ae":
            return infer.encode(self.model, x)
        return self.model.transform(x).astype(np.float32)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """(N, k) -> (N, D), clipped to the pixel range [0, 1] (PCA's sums can stray outside it)."""
        x_hat = infer.decode(self.model, z) if self.method == "ae" else self.model.inverse_transform(z)
        return np.clip(x_hat, 0.0, 1.0).astype(np.float32)

    def roundtrip(self, x: np.ndarray, bits: int | None) -> np.ndarray:
        """x -> code -> quantised to `bits` per number (None: kept as float32) -> decoded."""
        z = self.encode(x)
        return self.decode(z if bits is None else Quantiser.fit(self.train_codes, bits).roundtrip(z))


def fit_pca(ds: Dataset, k: int, seed: int = 0) -> Codec:
    if not 1 <= k <= min(len(ds.x_train), ds.input_dim):
        raise ValueError(f"PCA can keep 1 to {min(len(ds.x_train), ds.input_dim)} components here, not {k}")
    pca = PCA(n_components=k, random_state=seed).fit(ds.x_train)
    return Codec("pca", pca, pca.transform(ds.x_train).astype(np.float32))


def fit_ae(ds: Dataset, k: int, tcfg: TrainConfig, log: Callable[[EpochStats], None] | None = None) -> Codec:
    """A plain dense autoencoder (aelib's `ae`, one hidden layer of AE_HIDDEN) with a k-number code."""
    model, history = fit(ds, model_config(ds, "ae", k, hidden=AE_HIDDEN), tcfg, log)
    return Codec("ae", model, infer.encode(model, ds.x_train), history)


def train_config(epochs: int, seed: int = 0) -> TrainConfig:
    return TrainConfig(epochs=epochs, seed=seed, **TRAIN_DEFAULTS)


def _check_sizes(latent_dims: Sequence[int], bits: Sequence[int]) -> None:
    if not latent_dims or not bits:
        raise ValueError("choose at least one code size and one number of bits")
    if any(k < 1 for k in latent_dims):
        raise ValueError(f"code sizes must be at least 1, got {list(latent_dims)}")
    if any(not 1 <= b <= MAX_BITS for b in bits):
        raise ValueError(f"bits per number must be between 1 and {MAX_BITS}, got {list(bits)}")


@dataclass
class CompressionLab:
    """Autoencoders and PCA coders of the same code sizes, fitted on one dataset's training split."""
    dataset: str
    shape: tuple[int, ...]
    codecs: dict[tuple[str, int], Codec]  # ("ae" | "pca", k) -> codec
    data_dir: str | None = None
    cache: dict = field(default_factory=dict)  # rate_distortion() results, keyed by what they depend on

    @property
    def latent_dims(self) -> list[int]:
        return sorted({k for _, k in self.codecs})

    @property
    def seconds(self) -> float:
        return sum(h.seconds for c in self.codecs.values() for h in c.history)


def build_lab(ds: Dataset, latent_dims: Sequence[int], tcfg: TrainConfig,
              log: Callable[[float, str], None] | None = None) -> CompressionLab:
    """An AE and a PCA coder for each code size; log(fraction done, text) after every AE epoch."""
    if not ds.is_image:
        raise ValueError(f"the compression lab compares with JPEG, so it needs images; {ds.name} holds "
                         f"{ds.kind} data")
    _check_sizes(latent_dims, BITS)
    dims = sorted(set(latent_dims))
    codecs: dict[tuple[str, int], Codec] = {}
    for i, k in enumerate(dims):
        codecs["pca", k] = fit_pca(ds, k, tcfg.seed)
        report = None if log is None else (lambda s, i=i, k=k: log(
            (i + s.epoch / s.epochs) / len(dims), Words("progress.code_ae", k=k, epoch=s.epoch, epochs=s.epochs)))
        codecs["ae", k] = fit_ae(ds, k, tcfg, report)
    return CompressionLab(ds.name, ds.shape, codecs)


def _to_pil(row: np.ndarray, shape: tuple[int, ...]) -> Image.Image:
    """One (D,) row in [0, 1] -> an 8-bit greyscale ("L") or colour ("RGB") image."""
    c, h, w = shape
    pixels = np.rint(np.clip(row, 0.0, 1.0) * 255).astype(np.uint8).reshape(c, h, w)
    return Image.fromarray(pixels[0], "L") if c == 1 else Image.fromarray(pixels.transpose(1, 2, 0), "RGB")


def jpeg_header_bytes(data: bytes) -> int:
    """Bytes of a baseline JPEG file that are not image data: every marker segment up to and including the
    start-of-scan header (tables, sizes, the JFIF tag) plus the 2-byte end marker."""
    i = 2  # after the start-of-image marker FFD8
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError("not a JPEG file: a marker was expected")
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        i += 2 + length
        if marker == 0xDA:  # start of scan: the entropy-coded data follow
            return i + 2
    raise ValueError("not a JPEG file: no start-of-scan marker")


def jpeg_roundtrip(x: np.ndarray, shape: tuple[int, ...], quality: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row of x through Pillow's JPEG encoder (optimized Huffman tables) and back: (decoded (N, D) in [0, 1],
    file bytes (N,), header bytes (N,))."""
    if len(shape) != 3 or shape[0] not in (1, 3):
        raise ValueError(f"JPEG needs greyscale or colour images, not samples shaped {shape}")
    if not 1 <= quality <= 95:
        raise ValueError(f"JPEG quality must be between 1 and 95, got {quality}")
    out, sizes, headers = np.empty((len(x), int(np.prod(shape))), np.float32), [], []
    for i, row in enumerate(x):
        buf = io.BytesIO()
        _to_pil(row, shape).save(buf, "JPEG", quality=int(quality), optimize=True)
        data = buf.getvalue()
        sizes.append(len(data))
        headers.append(jpeg_header_bytes(data))
        img = np.asarray(Image.open(io.BytesIO(data)), dtype=np.float32) / 255.0
        out[i] = (img[None] if img.ndim == 2 else img.transpose(2, 0, 1)).reshape(-1)
    return out, np.asarray(sizes), np.asarray(headers)


def png_bytes(x: np.ndarray, shape: tuple[int, ...]) -> float:
    """Mean bytes per image of lossless PNG (8-bit pixels): what 'no loss at all' costs."""
    sizes = []
    for row in x:
        buf = io.BytesIO()
        _to_pil(row, shape).save(buf, "PNG", optimize=True)
        sizes.append(len(buf.getvalue()))
    return float(np.mean(sizes))


def _point(method: str, size: int, bits: int | None, nbytes: float, psnr: float) -> dict:
    return {"method": method, "size": size, "bits": bits, "bytes": round(float(nbytes), 2), "psnr": round(psnr, 3)}


def rate_distortion(lab: CompressionLab, x: np.ndarray, bits: Sequence[int] = BITS,
                    qualities: Sequence[int] = JPEG_QUALITIES) -> list[dict]:
    """Mean bytes per image and mean PSNR on x: one point per (method, code size, bits) for "ae" and "pca" (size:
    the code size), and per quality for "jpeg" (the whole file) and "jpeg_data" (the same files without their
    headers; size: the quality). Computed once per lab and request."""
    _check_sizes(lab.latent_dims, bits)
    key = (len(x), float(np.sum(x)), tuple(bits), tuple(qualities))
    if key not in lab.cache:
        points = [_point(m, k, b, code_bytes(k, b), mean_psnr(x, c.roundtrip(x, b)))
                  for (m, k), c in sorted(lab.codecs.items()) for b in sorted(bits)]
        for q in sorted(qualities):
            x_hat, sizes, headers = jpeg_roundtrip(x, lab.shape, q)
            quality = mean_psnr(x, x_hat)
            points += [_point("jpeg", q, None, sizes.mean(), quality),
                       _point("jpeg_data", q, None, (sizes - headers).mean(), quality)]
        lab.cache[key] = points
    return lab.cache[key]


def best_under(points: list[dict], method: str, budget: float) -> dict | None:
    """The method's best-quality point that costs at most `budget` bytes per image (None if none fits)."""
    fits = [p for p in points if p["method"] == method and p["bytes"] <= budget]
    return max(fits, key=lambda p: p["psnr"]) if fits else None


def best_table(points: list[dict], budgets: Sequence[float] = BUDGETS) -> list[dict]:
    """For each budget, each method's best PSNR within it (None where nothing fits)."""
    return [{"budget": b, **{m: (p["psnr"] if (p := best_under(points, m, b)) else None) for m in METHOD_TITLES}}
            for b in budgets]


def reconstruct(lab: CompressionLab, point: dict, x: np.ndarray) -> np.ndarray:
    """x as the decoder of one rate–distortion point gives it back: (N, D) in [0, 1]."""
    if point["method"] in ("jpeg", "jpeg_data"):
        return jpeg_roundtrip(x, lab.shape, point["size"])[0]
    return lab.codecs[point["method"], point["size"]].roundtrip(x, point["bits"])


def decoder_bytes(codec: Codec) -> int:
    """What the receiver must hold before the first image, as float32: the AE's decoder weights, or PCA's
    components and mean (4 bytes per number)."""
    if codec.method == "ae":
        return 4 * sum(p.numel() for p in codec.model.decoder.parameters())
    return 4 * (codec.model.components_.size + codec.model.mean_.size)


def report(ds: Dataset, latent_dims: Sequence[int], bits: Sequence[int], tcfg: TrainConfig,
           qualities: Sequence[int] = JPEG_QUALITIES) -> dict:
    """Fit the coders on ds and measure on its whole held-out split: the CLI's `compress` command."""
    _check_sizes(latent_dims, bits)
    lab = build_lab(ds, latent_dims, tcfg)
    points = rate_distortion(lab, ds.x_test, bits, qualities)
    float32 = {f"{m}_{k}": round(mean_psnr(ds.x_test, c.roundtrip(ds.x_test, None)), 3)
               for (m, k), c in sorted(lab.codecs.items())}
    data = {p["size"]: p["bytes"] for p in points if p["method"] == "jpeg_data"}
    headers = [p["bytes"] - data[p["size"]] for p in points if p["method"] == "jpeg"]
    return {"dataset": ds.name, "n_test": len(ds.x_test), "latent_dims": sorted(set(latent_dims)),
            "bits": sorted(bits), "epochs": tcfg.epochs, "raw_bytes": ds.input_dim,
            "png_bytes": round(png_bytes(ds.x_test, ds.shape), 1),
            "jpeg_header_bytes": [round(min(headers), 1), round(max(headers), 1)],
            "psnr_float32_codes": float32,
            "decoder_bytes": {f"{m}_{k}": decoder_bytes(c) for (m, k), c in sorted(lab.codecs.items())},
            "best_within": best_table(points), "points": points,
            "seconds": round(lab.seconds, 2)}
