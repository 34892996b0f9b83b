"""What the store's rows become: run statuses, ids, canonical JSON and run identities, and Run, a stored run with
its configs re-checked on the way out (ModelConfig.from_dict), so a row edited by hand cannot reach a model."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from aelib.models import ModelConfig

log = logging.getLogger(__name__)


class Status(StrEnum):
    """runs.status: a run is running until it ends one of three ways, or its owner vanishes (interrupted)."""

    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"  # the learner pressed Stop: the weights so far are kept
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the owner's lease ran out (a crash, a lost replica): kept at its last epoch


ENDINGS = (Status.FINISHED, Status.STOPPED, Status.FAILED)
WEIGHTS = "weights"
_ID = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24): 192 random bits


def new_id() -> str:
    return secrets.token_urlsafe(24)


def is_id(text: object) -> bool:
    """Whether text has the shape of a workspace or run id (says nothing about whether it exists)."""
    return isinstance(text, str) and _ID.fullmatch(text) is not None


def dump(obj: object) -> str:
    """Canonical JSON (sorted keys, no NaN): what the store keeps and what identities hash."""
    return json.dumps(obj, sort_keys=True, allow_nan=False, separators=(",", ":"))


def identity_of(parts: Mapping[str, object]) -> str:
    """A run identity: the SHA-256 of what determines its result (data and split, configs, seed, code version)."""
    return hashlib.sha256(dump(dict(parts)).encode("utf-8")).hexdigest()


class LeaseLost(RuntimeError):
    """The run is no longer this owner's to write: it was marked interrupted, finished, deleted or taken over."""


@dataclass(frozen=True)
class Run:
    id: str
    workspace: str
    identity: str
    name: str
    dataset: str
    model: str
    model_config: ModelConfig
    train_config: dict
    status: Status
    summary: dict
    created_at: float
    finished_at: float | None
    claimed: bool  # this run is the shared training of its identity


@dataclass(frozen=True)
class Claim:
    """Who holds an identity: enough to follow or reuse it, without the holder's workspace."""

    run_id: str
    status: Status
    lease_until: float | None


def run_of(row) -> Run | None:
    """A row as a Run, its configs re-checked; None (and a log line) for a row that no longer passes."""
    try:
        cfg = ModelConfig.from_dict(json.loads(row.model_config))
        train, summary, status = json.loads(row.train_config), json.loads(row.summary), Status(row.status)
        if not (isinstance(train, dict) and isinstance(summary, dict)):
            raise ValueError("train config and summary must be JSON objects")
    except (ValueError, TypeError, KeyError) as err:
        log.warning("run %s left out: its stored config does not pass the checks (%s)", row.id, err)
        return None
    return Run(row.id, row.workspace_id, row.identity, row.name, row.dataset, row.model, cfg, train, status,
               summary, row.created_at, row.finished_at, row.claim is not None)
