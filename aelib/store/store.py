"""The Store: workspaces (unguessable ids, nothing else), the runs in them with their epochs and blobs, the leases
by which one process owns a training, and retention. Every read of a learner's rows names the workspace; configs
go in as JSON and come back re-checked by ModelConfig.from_dict, never pickled."""
from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aelib.models import ModelConfig
from aelib.store.belongings import Quiz, Uploads
from aelib.store.engine import Db
from aelib.store.records import ENDINGS, WEIGHTS, Claim, LeaseLost, Run, Status, dump, is_id, new_id, run_of
from aelib.store.schema import blobs, current_version, epochs, runs, workspaces

RETENTION_DAYS = 90.0  # untouched workspaces older than this are removed by gc
LEASE_SECONDS = 30.0  # a training renews its lease at least this often (each epoch, or a heartbeat)


def retention_days(env: Mapping[str, str] | None = None) -> float:
    """How long an untouched workspace is kept: $AELAB_RETENTION_DAYS, else 90 days."""
    text = (os.environ if env is None else env).get("AELAB_RETENTION_DAYS", "")
    try:
        days = float(text) if text else RETENTION_DAYS
    except ValueError:
        raise ValueError(f"AELAB_RETENTION_DAYS must be a number of days, not {text!r}") from None
    if not 0 < days < math.inf:
        raise ValueError(f"AELAB_RETENTION_DAYS must be a positive number of days, not {text!r}")
    return days


class Store:
    """One database's store, shared by every session of a process (an engine holds a pool of connections). Reads
    of a learner's rows take the workspace id; writes to a run in training take its owner (the lease holder).
    `now` parameters exist for tests: leases and retention run on the caller's clock, default time.time()."""

    def __init__(self, db: Db):
        self.db = db
        self.uploads = Uploads(db)
        self.quiz = Quiz(db)

    def close(self) -> None:
        self.db.close()

    # workspaces ---------------------------------------------------------------------------------------------------
    def new_workspace(self, now: float | None = None) -> str:
        ws, now = new_id(), time.time() if now is None else now
        with self.db.write() as conn:
            conn.execute(workspaces.insert().values(id=ws, created_at=now, touched_at=now, pinned=False))
        return ws

    def check_workspace_id(self, text: object, now: float | None = None) -> str | None:
        """The workspace id in text if it has the right shape and exists (touching it), else None; never raises
        on junk, and an unknown id says nothing about any other."""
        if not is_id(text):
            return None
        with self.db.write() as conn:
            return text if _touch(conn, text, now) else None

    def pin(self, workspace: str, pinned: bool = True) -> bool:
        """Keep a workspace from gc (a teacher's, a class's) or let it go again; False if it does not exist."""
        with self.db.write() as conn:
            done = conn.execute(workspaces.update().where(workspaces.c.id == workspace).values(pinned=pinned))
            return done.rowcount == 1

    # runs ---------------------------------------------------------------------------------------------------------
    def save_run(self, workspace: str, dataset: str, model_config: ModelConfig, train_config: Mapping[str, object],
                 *, identity: str = "", name: str = "", status: str = Status.RUNNING, summary: Mapping | None = None,
                 owner: str = "", lease_seconds: float = LEASE_SECONDS, now: float | None = None) -> str:
        """A new run in workspace (LookupError if there is none); a running one is leased to owner."""
        now = time.time() if now is None else now
        if status not in (Status.RUNNING, *ENDINGS):
            raise ValueError(f"a new run is running or {', '.join(ENDINGS)}, not {status!r}")
        config = json.loads(model_config.to_json())
        row = dict(id=new_id(), workspace_id=workspace, identity=identity, name=name[:200], dataset=dataset[:100],
                   model=config["model"], model_config=dump(config), train_config=dump(dict(train_config)),
                   status=status, summary=dump(dict(summary or {})), created_at=now, owner=owner,
                   finished_at=None if status == Status.RUNNING else now,
                   lease_until=now + lease_seconds if status == Status.RUNNING else None)
        with self.db.write() as conn:
            if not _touch(conn, workspace, now):
                raise LookupError("no such workspace")
            conn.execute(runs.insert().values(**row))
        return row["id"]

    def append_epoch(self, run_id: str, epoch: int, stats: Mapping[str, object], owner: str = "", *,
                     weights: bytes | None = None, snapshot: bytes | None = None,
                     lease_seconds: float = LEASE_SECONDS, now: float | None = None) -> None:
        """Commit one epoch: its stats, optionally the weights after it and a replay snapshot, and a renewed
        lease, all or nothing. LeaseLost if the run is not running under owner any more."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            _hold(conn, run_id, owner, now + lease_seconds)
            conn.execute(epochs.insert().values(run_id=run_id, epoch=int(epoch), stats=dump(dict(stats))))
            if weights is not None:
                _put_blob(conn, run_id, WEIGHTS, weights)
            if snapshot is not None:
                _put_blob(conn, run_id, f"replay/{int(epoch)}", snapshot)

    def finish_run(self, run_id: str, status: str = Status.FINISHED, summary: Mapping | None = None, owner: str = "", *,
                   weights: bytes | None = None, now: float | None = None) -> None:
        """End a running run (finished, stopped or failed) with its summary and final weights, in one transaction.
        Only a finished run keeps its claim: a stopped or failed identity may be trained again."""
        if status not in ENDINGS:
            raise ValueError(f"a run ends {', '.join(ENDINGS)}, not {status!r}")
        now = time.time() if now is None else now
        with self.db.write() as conn:
            _hold(conn, run_id, owner, None)
            values = dict(status=status, finished_at=now, lease_until=None)
            if summary is not None:
                values["summary"] = dump(dict(summary))
            if status != Status.FINISHED:
                values["claim"] = None
            conn.execute(runs.update().where(runs.c.id == run_id).values(**values))
            if weights is not None:
                _put_blob(conn, run_id, WEIGHTS, weights)

    def list_runs(self, workspace: str) -> list[Run]:
        """The workspace's runs, newest first (rows whose config no longer passes the checks left out)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(runs).where(runs.c.workspace_id == workspace)
                                .order_by(runs.c.created_at.desc(), runs.c.id)).all()
        return [r for r in map(run_of, rows) if r is not None]

    def get_run(self, workspace: str, run_id: str) -> Run | None:
        """The run if it is in workspace (and its config passes), else None."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.id == run_id, runs.c.workspace_id == workspace)).first()
        return None if row is None else run_of(row)

    def epochs(self, workspace: str, run_id: str) -> list[dict]:
        """The committed epochs' stats in order ([] for a run not in workspace)."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(epochs.c.stats).join(runs, runs.c.id == epochs.c.run_id)
                                .where(runs.c.id == run_id, runs.c.workspace_id == workspace)
                                .order_by(epochs.c.epoch)).scalars().all()
        return [json.loads(s) for s in rows]

    def get_blob(self, workspace: str, run_id: str, kind: str = WEIGHTS) -> bytes | None:
        """A run's blob: "weights" (safetensors bytes) or "replay/<epoch>"; None if absent or not in workspace."""
        with self.db.read() as conn:
            data = conn.execute(sa.select(blobs.c.data).join(runs, runs.c.id == blobs.c.run_id)
                                .where(runs.c.id == run_id, runs.c.workspace_id == workspace,
                                       blobs.c.kind == kind)).scalar()
        return None if data is None else bytes(data)

    def delete_run(self, workspace: str, run_id: str) -> bool:
        """Delete a run with its epochs and blobs; False if workspace has no such run."""
        with self.db.write() as conn:
            done = conn.execute(runs.delete().where(runs.c.id == run_id, runs.c.workspace_id == workspace))
            return done.rowcount == 1

    # leases -------------------------------------------------------------------------------------------------------
    def claim(self, run_id: str, owner: str, lease_seconds: float = LEASE_SECONDS, now: float | None = None) -> str:
        """Make run_id (running, with an identity) the one training of its identity, owned by owner. Returns the id
        of the run that holds the identity: run_id if this call won, else the other run (follow or reuse it).
        The UNIQUE claim column decides a race between processes: exactly one UPDATE can succeed."""
        now = time.time() if now is None else now
        for _ in range(3):  # the holder may be released between our failed UPDATE and the look-up
            with self.db.read() as conn:
                row = conn.execute(sa.select(runs.c.identity, runs.c.status).where(runs.c.id == run_id)).first()
            if row is None or not row.identity or row.status != Status.RUNNING:
                raise ValueError("only a running run with an identity can be claimed")
            try:
                with self.db.write() as conn:
                    if conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == Status.RUNNING).values(
                            claim=row.identity, owner=owner, lease_until=now + lease_seconds)).rowcount == 1:
                        return run_id
            except sa.exc.IntegrityError:
                held = self.claimed(row.identity)
                if held is not None:
                    return held.run_id
        raise LeaseLost("the run stopped running while it was being claimed")

    def claimed(self, identity: str) -> Claim | None:
        """The run that holds identity (running or finished), in any workspace, or None."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(runs.c.id, runs.c.status, runs.c.lease_until)
                               .where(runs.c.claim == identity)).first()
        return None if row is None else Claim(row.id, Status(row.status), row.lease_until)

    def renew(self, run_id: str, owner: str, lease_seconds: float = LEASE_SECONDS, now: float | None = None) -> bool:
        """Extend owner's lease on a running run; False if it is no longer owner's (stop training then)."""
        now = time.time() if now is None else now
        try:
            with self.db.write() as conn:
                _hold(conn, run_id, owner, now + lease_seconds)
            return True
        except LeaseLost:
            return False

    def expire_stale(self, now: float | None = None) -> list[str]:
        """Mark running runs whose lease ran out as interrupted (kept at their last epoch, claim released);
        a run whose owner renewed in time is never touched. Returns their ids."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            done = conn.execute(runs.update().where(runs.c.status == Status.RUNNING, runs.c.lease_until < now)
                                .values(status=Status.INTERRUPTED, claim=None, finished_at=now, lease_until=None)
                                .returning(runs.c.id))
            return sorted(done.scalars().all())

    # retention ----------------------------------------------------------------------------------------------------
    def gc(self, older_than_days: float, now: float | None = None) -> dict[str, int]:
        """Expire stale leases, then remove workspaces untouched for older_than_days with everything in them,
        except pinned ones and any with a running run. Returns what was removed."""
        if not older_than_days > 0:
            raise ValueError(f"keep workspaces at least some days, got {older_than_days}")
        now = time.time() if now is None else now
        interrupted = self.expire_stale(now)
        live = sa.select(runs.c.workspace_id).where(runs.c.status == Status.RUNNING)
        old = (workspaces.c.touched_at < now - older_than_days * 86400) & ~workspaces.c.pinned \
            & workspaces.c.id.not_in(live)
        with self.db.write() as conn:
            n_runs = conn.execute(sa.select(sa.func.count()).select_from(runs)
                                  .where(runs.c.workspace_id.in_(sa.select(workspaces.c.id).where(old)))).scalar()
            n_ws = conn.execute(workspaces.delete().where(old)).rowcount
        return {"workspaces": n_ws, "runs": n_runs, "interrupted": len(interrupted)}

    def stats(self) -> dict[str, object]:
        """What the store holds, for operators: counts, bytes, runs by status, schema version, where it is."""
        count = sa.func.count()
        with self.db.read() as conn:
            by_status = dict(conn.execute(sa.select(runs.c.status, count).group_by(runs.c.status)).all())
            out = {
                "database": self.db.engine.url.render_as_string(hide_password=True),
                "backend": self.db.backend,
                "schema_version": current_version(conn),
                "workspaces": conn.execute(sa.select(count).select_from(workspaces)).scalar(),
                "runs": sum(by_status.values()),
                "runs_by_status": dict(sorted(by_status.items())),
                "epochs": conn.execute(sa.select(count).select_from(epochs)).scalar(),
                "blobs": conn.execute(sa.select(count).select_from(blobs)).scalar(),
                "blob_bytes": conn.execute(sa.select(sa.func.coalesce(sa.func.sum(blobs.c.size), 0))).scalar(),
            }
        return {**out, **self.uploads.stats(), **self.quiz.stats()}

    def all_runs(self) -> list[Run]:
        """Every run in every workspace, newest first: for operators (`python -m aelib runs`), never for pages."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.created_at.desc(), runs.c.id)).all()
        return [r for r in map(run_of, rows) if r is not None]


def _touch(conn: Connection, workspace: str, now: float | None) -> bool:
    now = time.time() if now is None else now
    return conn.execute(workspaces.update().where(workspaces.c.id == workspace).values(touched_at=now)).rowcount == 1


def _hold(conn: Connection, run_id: str, owner: str, lease_until: float | None) -> None:
    """Inside a write: check that run_id is running under owner and set its lease; LeaseLost (rolling the whole
    transaction back) if not."""
    done = conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == Status.RUNNING, runs.c.owner == owner)
                        .values(lease_until=lease_until))
    if done.rowcount != 1:
        raise LeaseLost(f"run {run_id} is not running under this owner")


def _put_blob(conn: Connection, run_id: str, kind: str, data: bytes) -> None:
    conn.execute(blobs.delete().where(blobs.c.run_id == run_id, blobs.c.kind == kind))
    conn.execute(blobs.insert().values(run_id=run_id, kind=kind, size=len(data), data=bytes(data)))
