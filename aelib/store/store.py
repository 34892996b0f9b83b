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
from aelib.store.belongings import LabResults, Quiz, Uploads
from aelib.store.engine import Db
from aelib.store.records import ENDINGS, WEIGHTS, Claim, LeaseLost, Run, Status, dump, is_id, new_id, run_of
from aelib.store.schema import (
    blobs,
    classes,
    current_version,
    entries,
    epochs,
    follows,
    members,
    runs,
    stops,
    touch,
    workspaces,
)

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
        self.results = LabResults(db)

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
            return text if touch(conn, text, now) else None

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
            if not touch(conn, workspace, now):
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

    def put_blob(self, run_id: str, kind: str, data: bytes, owner: str = "", *,
                 lease_seconds: float = LEASE_SECONDS, now: float | None = None) -> None:
        """Store one blob of a running run (a replay snapshot) with a renewed lease; LeaseLost if not owner's."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            _hold(conn, run_id, owner, now + lease_seconds)
            _put_blob(conn, run_id, kind, data)

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
            _complete_followers(conn, run_id, status, now)

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
            source = _source(conn, workspace, run_id)
            rows = [] if source is None else conn.execute(
                sa.select(epochs.c.stats).where(epochs.c.run_id == source).order_by(epochs.c.epoch)).scalars().all()
        return [json.loads(s) for s in rows]

    def get_blob(self, workspace: str, run_id: str, kind: str = WEIGHTS) -> bytes | None:
        """A run's blob: "weights" (safetensors bytes) or "replay/<epoch>"; None if absent or not in workspace."""
        with self.db.read() as conn:
            source = _source(conn, workspace, run_id)
            data = None if source is None else conn.execute(
                sa.select(blobs.c.data).where(blobs.c.run_id == source, blobs.c.kind == kind)).scalar()
        return None if data is None else bytes(data)

    def blob_kinds(self, workspace: str, run_id: str, prefix: str = "") -> list[str]:
        """The kinds of a run's blobs that start with prefix (e.g. "replay/"), for a run in workspace."""
        with self.db.read() as conn:
            source = _source(conn, workspace, run_id)
            return [] if source is None else sorted(conn.execute(
                sa.select(blobs.c.kind).where(blobs.c.run_id == source, blobs.c.kind.startswith(prefix))).scalars())

    def delete_run(self, workspace: str, run_id: str) -> bool:
        """Delete a run with its epochs and blobs; False if workspace has no such run."""
        with self.db.write() as conn:
            if conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id, runs.c.workspace_id == workspace)).first():
                _complete_followers(conn, run_id, Status.STOPPED, time.time())  # they keep the epochs so far
            done = conn.execute(runs.delete().where(runs.c.id == run_id, runs.c.workspace_id == workspace))
            return done.rowcount == 1

    # one training, many learners ----------------------------------------------------------------------------------
    def reuse(self, workspace: str, source_id: str, name: str = "", now: float | None = None) -> str:
        """A finished run of another workspace, copied into this one with its epochs, weights and replay (a learner
        who asked for the same identity gets it at once); its summary says reused. LookupError if the source is not
        finished or the workspace does not exist."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            new = _reused_row(conn, source_id, workspace, name, now, Status.FINISHED, "no finished run to reuse")
            _copy_contents(conn, source_id, new)
        return new

    def follow(self, workspace: str, source_id: str, name: str = "", now: float | None = None) -> str:
        """A run in workspace that follows a running training of another workspace instead of training it again:
        it reads the source's epochs while the source runs and receives a copy of them when the source ends
        (finished, stopped, failed or interrupted), in the same transaction. LookupError if the source has ended."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            new = _reused_row(conn, source_id, workspace, name, now, Status.RUNNING, "no running training to follow")
            conn.execute(follows.insert().values(run_id=new, source_id=source_id))
        return new

    def source_of(self, workspace: str, run_id: str) -> str | None:
        """The run a follower in workspace reads from while it runs; None for a run that trains (or has) its own."""
        with self.db.read() as conn:
            return conn.execute(sa.select(follows.c.source_id).join(runs, runs.c.id == follows.c.run_id)
                                .where(runs.c.id == run_id, runs.c.workspace_id == workspace)).scalar()

    def detach(self, workspace: str, run_id: str, now: float | None = None) -> bool:
        """Stop following: the follower keeps a copy of the epochs so far and ends as stopped; the shared training
        goes on for the others. False if run_id is not a follower in workspace."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            source = conn.execute(sa.select(follows.c.source_id).join(runs, runs.c.id == follows.c.run_id)
                                  .where(runs.c.id == run_id, runs.c.workspace_id == workspace)).scalar()
            if source is None:
                return False
            _end_follower(conn, run_id, source, Status.STOPPED, now)
            return True

    def ask_stop(self, workspace: str, run_id: str, now: float | None = None) -> bool:
        """Ask whoever trains run_id (in workspace, running) to stop at its next heartbeat; False if not running."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            live = conn.execute(sa.select(runs.c.id).where(runs.c.id == run_id, runs.c.workspace_id == workspace,
                                                           runs.c.status == Status.RUNNING)).scalar()
            if live is None:
                return False
            conn.execute(stops.delete().where(stops.c.run_id == run_id))
            conn.execute(stops.insert().values(run_id=run_id, asked_at=now))
            return True

    def stops_asked(self, run_ids: list[str]) -> set[str]:
        """Which of these runs someone asked to stop (the owner's heartbeat reads this)."""
        if not run_ids:
            return set()
        with self.db.read() as conn:
            return set(conn.execute(sa.select(stops.c.run_id).where(stops.c.run_id.in_(run_ids))).scalars())

    def count_trainings(self) -> int:
        """How many runs were trained by the job runner for themselves (not reused or followed; imported and bundled
        models have no identity): what a class's load is made of."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(runs.c.summary).where(runs.c.identity != "")).scalars().all()
        return sum(1 for s in rows if not json.loads(s).get("reused"))

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
            ids = sorted(done.scalars().all())
            for run_id in ids:
                _complete_followers(conn, run_id, Status.INTERRUPTED, now)
            return ids

    # retention ----------------------------------------------------------------------------------------------------
    def gc(self, older_than_days: float, now: float | None = None) -> dict[str, int]:
        """Expire stale leases, then remove workspaces untouched for older_than_days with everything in them,
        except pinned ones, any with a running run, and any that an open class holds (a member's, one with entries,
        or the one whose run is published to the class). Returns what was removed."""
        if not older_than_days > 0:
            raise ValueError(f"keep workspaces at least some days, got {older_than_days}")
        now = time.time() if now is None else now
        interrupted = self.expire_stale(now)
        live = sa.select(runs.c.workspace_id).where(runs.c.status == Status.RUNNING)
        open_classes = sa.select(classes.c.code).where(~classes.c.closed, classes.c.closes_at > now)
        in_class = sa.union(
            sa.select(members.c.workspace_id).where(members.c.class_code.in_(open_classes)),
            sa.select(entries.c.workspace_id).where(entries.c.class_code.in_(open_classes)),
            sa.select(runs.c.workspace_id).where(runs.c.id.in_(
                sa.select(classes.c.published_run_id).where(classes.c.code.in_(open_classes)))))
        old = (workspaces.c.touched_at < now - older_than_days * 86400) & ~workspaces.c.pinned \
            & workspaces.c.id.not_in(live) & workspaces.c.id.not_in(in_class)
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
        return {**out, **self.uploads.stats(), **self.quiz.stats(), **self.results.stats()}

    def all_runs(self) -> list[Run]:
        """Every run in every workspace, newest first: for operators (`python -m aelib runs`), never for pages."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.created_at.desc(), runs.c.id)).all()
        return [r for r in map(run_of, rows) if r is not None]


def _hold(conn: Connection, run_id: str, owner: str, lease_until: float | None) -> None:
    """Inside a write: check that run_id is running under owner and set its lease; LeaseLost (rolling the whole
    transaction back) if not."""
    done = conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == Status.RUNNING, runs.c.owner == owner)
                        .values(lease_until=lease_until))
    if done.rowcount != 1:
        raise LeaseLost(f"run {run_id} is not running under this owner")


def _source(conn: Connection, workspace: str, run_id: str) -> str | None:
    """Where a run's epochs and blobs are read from: the source while it follows one, else itself; None when the run
    is not in workspace."""
    row = conn.execute(sa.select(runs.c.id, follows.c.source_id).outerjoin(follows, follows.c.run_id == runs.c.id)
                       .where(runs.c.id == run_id, runs.c.workspace_id == workspace)).first()
    return None if row is None else (row.source_id or row.id)


def _reused_row(conn: Connection, source_id: str, workspace: str, name: str, now: float, status: Status,
                missing: str) -> str:
    """Inside a write: a new row in workspace for the source run, which must have `status` (else LookupError with
    `missing`), marked reused and with the same status; the workspace is touched (LookupError if there is none)."""
    src = conn.execute(sa.select(runs).where(runs.c.id == source_id)).first()
    if src is None or src.status != status:
        raise LookupError(missing)
    if not touch(conn, workspace, now):
        raise LookupError("no such workspace")
    return _copy_row(conn, src, workspace, name, now, status=status, reused=True)


def _copy_row(conn: Connection, src, workspace: str, name: str, now: float, *, status: str, reused: bool) -> str:
    """A new run row in workspace with src's identity, data and configs (never its claim or owner)."""
    summary = json.loads(src.summary)
    if reused:
        summary["reused"] = True
    new = new_id()
    conn.execute(runs.insert().values(
        id=new, workspace_id=workspace, identity=src.identity, claim=None, name=(name or src.name)[:200],
        dataset=src.dataset, model=src.model, model_config=src.model_config, train_config=src.train_config,
        status=status, summary=dump(summary), created_at=now, owner="", lease_until=None,
        finished_at=None if status == Status.RUNNING else now))
    return new


def _copy_contents(conn: Connection, source: str, target: str) -> None:
    """Copy a run's epochs and blobs to another run, inside the database (nothing passes through Python)."""
    conn.execute(epochs.delete().where(epochs.c.run_id == target))
    conn.execute(blobs.delete().where(blobs.c.run_id == target))
    conn.execute(epochs.insert().from_select(["run_id", "epoch", "stats"], sa.select(
        sa.literal(target, sa.String), epochs.c.epoch, epochs.c.stats).where(epochs.c.run_id == source)))
    conn.execute(blobs.insert().from_select(["run_id", "kind", "size", "data"], sa.select(
        sa.literal(target, sa.String), blobs.c.kind, blobs.c.size, blobs.c.data).where(blobs.c.run_id == source)))


def _end_follower(conn: Connection, run_id: str, source: str, status: str, now: float) -> None:
    _copy_contents(conn, source, run_id)
    summary = conn.execute(sa.select(runs.c.summary).where(runs.c.id == source)).scalar() or "{}"
    values = dict(status=status, finished_at=now, summary=dump({**json.loads(summary), "reused": True}))
    conn.execute(runs.update().where(runs.c.id == run_id).values(**values))
    conn.execute(follows.delete().where(follows.c.run_id == run_id))


def _complete_followers(conn: Connection, source: str, status: str, now: float) -> None:
    """A training ended: every run following it gets its epochs and blobs and ends the same way."""
    for run_id in conn.execute(sa.select(follows.c.run_id).where(follows.c.source_id == source)).scalars().all():
        _end_follower(conn, run_id, source, status, now)


def _put_blob(conn: Connection, run_id: str, kind: str, data: bytes) -> None:
    conn.execute(blobs.delete().where(blobs.c.run_id == run_id, blobs.c.kind == kind))
    conn.execute(blobs.insert().values(run_id=run_id, kind=kind, size=len(data), data=bytes(data)))
