"""Every limit on what a visitor sends, in one place: bytes, decompressed bytes, rows and columns, nesting depth,
parse time and a run's size and wall time. The pages, share links, imports and the CLI's learner-facing commands
all check against `VISITOR`; operator commands (bench, building the bundled models) and library callers may pass
a `Limits` with larger numbers explicitly."""
from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from aelib.i18n import Explained

UPLOAD_MB = 20  # Streamlit's server.maxUploadSize (.streamlit/config.toml; a test keeps them equal)


@dataclass(frozen=True)
class Limits:
    upload_bytes: int = UPLOAD_MB * 1_000_000  # what Streamlit enforces: it counts a megabyte as 10**6 bytes
    decompressed_bytes: int = 5 * UPLOAD_MB * 1_000_000  # all entries of one archive, counted while streaming
    cells: int = 20_000_000  # rows × columns of one table
    columns: int = 2000
    images: int = 20_000
    image_side: int = 64  # pixels; a dense model on larger images is slow on a shared server
    json_bytes: int = 1_000_000  # one config.json or history.json
    json_depth: int = 32  # nesting of a JSON document (a real config is 2 deep)
    parse_seconds: float = 2.0  # wall time one parser may take before it gives up
    epochs: int = 500
    min_batch: int = 8  # smaller batches make an epoch of a large set take minutes
    run_seconds: float = 900.0  # wall-time cap of one training run: no learner holds a shared slot for longer
    # a model's sizes, checked in its config before anything is built (a file, a link, the form or the CLI)
    input_values: int = 65_536  # values in one sample (a 64×64 colour image has 12,288; a table 2,000 columns)
    sequence_steps: int = 4096  # time steps of one sequence (the sequence decoder keeps a table row per step)
    latent: int = 1024  # code size; also a vq_vae code vector's length
    width: int = 4096  # one dense layer's width
    layers: int = 8  # dense hidden layers, or conv layers
    channels: int = 512  # one conv layer's channels
    codebook: int = 4096  # vq_vae codebook entries
    classes: int = 1000  # cvae one-hot labels
    neighbours: int = 200  # umap_ae: neighbours per point in the graph
    copies: int = 64  # umap_ae: jittered copies of each training image in the graph
    parameters: int = 50_000_000  # numbers in one model's weights (200 MB as float32)
    # a learner's own data (aelib.data.your_data): `cells` also caps an image set's pixel values
    sniff_bytes: int = 65_536  # the start of a CSV its delimiter is guessed from (a linear count, no regexes)
    line_chars: int = 1_000_000  # a CSV's first line: 2,000 columns of 20-digit numbers take 42,000 characters
    table_chunk_cells: int = 2_000_000  # a CSV is parsed in chunks of about this many cells; limits are checked
    #                                     between chunks, so a refusal costs at most one chunk's time and memory
    text_values: int = 50  # distinct texts a non-numeric column may hold: only a label column may be text, and
    #                        a label names at most this many classes (more would be held as millions of strings)
    archive_entries: int = 30_000  # entries of one zip: its directory is read into memory before any entry
    image_file_bytes: int = 2_000_000  # one image file, counted while it unpacks: a 64×64 PNG needs ~20 KB
    image_seconds: float = 10.0  # an image set's wall time: ~0.3 ms an image (20,000 take ~6 s); unlike a CSV
    #                              parse, decoding (Pillow, zlib) lets other sessions' threads run in between

    def with_(self, **changes) -> Limits:
        return replace(self, **changes)


def from_env(env: dict[str, str] | None = None) -> Limits:
    """The visitor limits, with the run wall-time cap an operator may set (AELAB_MAX_RUN_SECONDS)."""
    env = os.environ if env is None else env
    limits = Limits()
    raw = env.get("AELAB_MAX_RUN_SECONDS")
    if raw:
        try:
            seconds = float(raw)
        except ValueError:
            raise ValueError(f"AELAB_MAX_RUN_SECONDS must be a number of seconds, got {raw!r}") from None
        if not 1 <= seconds <= 7 * 24 * 3600:
            raise ValueError(f"AELAB_MAX_RUN_SECONDS must be between 1 and 604800, got {raw!r}")
        limits = limits.with_(run_seconds=seconds)
    return limits


VISITOR = Limits()  # the defaults; from_env() adds what the operator configured


class Exceeded(Explained):
    """A value a visitor sent that is over a limit, or not the kind of value its setting takes; the message names
    the setting, what was sent and what is allowed (str: English; `words`: any language)."""


def _shown(value: object) -> str:
    """A value as a message may quote it: short, and never a huge number written out in full."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"{'-' if value < 0 else ''}2^{abs(value).bit_length() - 1}+"
    text = repr(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 40 else text[:37] + "..."


def whole(name: str, value: object, lo: int, hi: int) -> int:
    """value if it is a whole number (not a bool, not 3.0) in [lo, hi]; Exceeded otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Exceeded("limits.not_whole", name=name, value=_shown(value))
    if not lo <= value <= hi:
        raise Exceeded("limits.range", name=name, value=_shown(value), lo=f"{lo:,}", hi=f"{hi:,}")
    return value


def number(name: str, value: object, lo: float, hi: float, above: bool = False) -> float:
    """value if it is a finite number in [lo, hi] (in (lo, hi] with above=True); Exceeded otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Exceeded("limits.not_number", name=name, value=_shown(value))
    if isinstance(value, int):
        value = float(value) if abs(value) < 10**300 else math.inf
    if not math.isfinite(value):
        raise Exceeded("limits.not_number", name=name, value=_shown(value))
    if not lo <= value <= hi or (above and value == lo):
        raise Exceeded("limits.range_open" if above else "limits.range", name=name, value=_shown(value),
                       lo=f"{lo:g}", hi=f"{hi:g}")
    return value


def wholes(name: str, values: object, longest: int, hi: int, shortest: int = 0, lo: int | None = 1) -> tuple[int, ...]:
    """A list of shortest..longest whole numbers, each in [lo, hi] (lo None: any at most hi)."""
    if not isinstance(values, list | tuple):
        raise Exceeded("limits.not_list", name=name, value=_shown(values))
    if not shortest <= len(values) <= longest:
        raise Exceeded("limits.count", name=name, n=len(values), lo=shortest, hi=longest)
    return tuple(whole(name, v, min(v, 1) if lo is None and isinstance(v, int) else 1, hi) for v in values)


def check_model(values: Mapping[str, object], limits: Limits = VISITOR) -> None:
    """Every size in a model config (a dict as config.json holds it, or asdict(ModelConfig)) is a whole number
    within the limits, before anything is built from it; keys it does not hold are left to the config's defaults.
    The total number of weights is checked once the shapes are known (aelib.sharing.checkpoint.check_sizes)."""
    if "input_shape" in values:
        shape = wholes("input_shape", values["input_shape"], 3, limits.input_values, shortest=1)
        if math.prod(shape) > limits.input_values:
            raise Exceeded("limits.values", shape=list(shape), n=f"{math.prod(shape):,}",
                           hi=f"{limits.input_values:,}")
        if len(shape) == 2:
            whole("input_shape[0] (time steps)", shape[0], 1, limits.sequence_steps)
    sizes = {"latent_dim": limits.latent, "vq_dim": limits.latent, "codebook_size": limits.codebook,
             "n_classes": limits.classes, "n_neighbors": limits.neighbours}
    sizes["jitter_copies"] = limits.copies
    for key, hi in sizes.items():  # too small a size is left to ModelConfig, which says why in its own words
        if key in values:
            whole(key, values[key], min(values[key], 1) if isinstance(values[key], int) else 1, hi)
    for key, hi in (("hidden", limits.width), ("channels", limits.channels)):
        if key in values:
            wholes(key, values[key], limits.layers, hi, lo=None)


DEVICES = ("auto", "cpu", "cuda", "mps")


def check_train(values: Mapping[str, object], limits: Limits = VISITOR) -> None:
    """Every training setting (a dict as config.json holds it, or asdict(TrainConfig)) is of its kind and within
    the limits: at most `epochs` epochs, batches of at least `min_batch`, a wall-time cap within `run_seconds`."""
    rules = {"epochs": lambda v: whole("epochs", v, 1, limits.epochs),
             "batch_size": lambda v: whole("batch_size", v, limits.min_batch, 10**6),
             "lr": lambda v: number("lr", v, 0.0, 10.0, above=True),
             "seed": lambda v: whole("seed", v, 0, 2**63 - 1),
             "weight_decay": lambda v: number("weight_decay", v, 0.0, 1.0),
             "l1_weight": lambda v: number("l1_weight", v, 0.0, 1.0),
             "patience": lambda v: whole("patience", v, 0, limits.epochs),
             "train_subset": lambda v: whole("train_subset", v, 0, 10**9),
             "pretrain_epochs": lambda v: whole("pretrain_epochs", v, 0, limits.epochs),
             "max_seconds": lambda v: number("max_seconds", v, 0.0, limits.run_seconds, above=True)}
    for key, rule in rules.items():
        if key in values:
            rule(values[key])
    if "device" in values and values["device"] not in DEVICES:
        raise Exceeded("limits.device", value=_shown(values["device"]), choices=", ".join(DEVICES))


_BRACKET = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(r'(?:[^"\\]++|\\.)*+"', re.S)  # the rest of a JSON string, through its closing quote


def json_depth(text: str, stop: int | None = None) -> int:
    """How deeply a JSON text nests arrays and objects, found by one linear scan of its brackets outside strings
    (so a deep document is measured without the recursion json.loads would need); the scan ends early once the
    depth passes `stop`."""
    depth = deepest = pos = 0
    while (m := _BRACKET.search(text, pos)) is not None:
        c, pos = m.group(), m.end()
        if c == '"':
            end = _STRING_REST.match(text, pos)
            if end is None:
                break
            pos = end.end()
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop is not None and deepest > stop:
                break
        else:
            depth -= 1
    return deepest


def load_json(text: str | bytes, limits: Limits = VISITOR, name: str = "JSON") -> object:
    """json.loads within the limits on bytes and nesting depth (checked first: Exceeded). Invalid JSON raises
    json.JSONDecodeError, text that is not UTF-8 UnicodeDecodeError, a number too long to read ValueError."""
    size = len(text)  # a str's characters: no more than its bytes, so only a short one is encoded to count them
    if isinstance(text, str) and size <= limits.json_bytes:
        size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.json_bytes:
        raise Exceeded("limits.json_bytes", name=name, n=f"{size:,}", hi=f"{limits.json_bytes:,}")
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if json_depth(text, stop=limits.json_depth) > limits.json_depth:
        raise Exceeded("limits.json_depth", name=name, hi=limits.json_depth)
    return json.loads(text)
