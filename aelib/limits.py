"""Every limit on what a visitor sends, in one place: bytes, decompressed bytes, rows and columns, nesting depth,
parse time and a run's size and wall time. The pages, share links, imports and the CLI's learner-facing commands
all check against `VISITOR`; operator commands (bench, building the bundled models) and library callers may pass
a `Limits` with larger numbers explicitly."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

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
