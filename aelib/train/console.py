"""What the command-line commands share (aelib.cli and the rooms' command modules): the --device flag of the
commands that train, a result printed as aligned lines or one JSON line, a finished epoch as one line on stderr, and
comma-separated whole numbers read from a flag."""
from __future__ import annotations

import argparse
import json
import sys

from aelib.train import EpochStats


def add_device_flag(p: argparse.ArgumentParser) -> None:
    """--device, which every command that trains takes (aelib.cli holds those commands to the visitor limits)."""
    p.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda or mps")


def show(obj: dict, as_json: bool) -> None:
    """One JSON object on one line, or one `key  value` line per entry, keys right-aligned."""
    if as_json:
        print(json.dumps(obj))
    else:
        for k, v in obj.items():
            print(f"{k:>20}  {v}")


def log_epoch(stats: EpochStats) -> None:
    """A finished epoch's losses and time on stderr (stdout stays the result)."""
    print(f"epoch {stats.epoch:3d}/{stats.epochs}  train {stats.train['loss']:.4f}  "
          f"val {stats.val['loss']:.4f}  ({stats.seconds:.2f} s)", file=sys.stderr)


def ints(text: str | None) -> tuple[int, ...] | None:
    """'512,256' -> (512, 256); None stays None (the flag was not given)."""
    if text is None:
        return None
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"expected comma-separated whole numbers such as 512,256, got {text!r}") from None
