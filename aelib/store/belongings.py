"""What else a workspace keeps besides runs: the datasets a learner uploaded (raw bytes, parsed again by
aelib.data.your_data when used, under a per-workspace quota), their quiz answers and their latest result on each
lab page (packed by aelib.runs.kept; the store only keeps the bytes)."""
from __future__ import annotations

import json
import secrets
import time

import sqlalchemy as sa

from aelib.i18n import Explained
from aelib.store.engine import Db
from aelib.store.schema import lab_results, quiz_answers, touch, uploads, workspaces

UPLOAD_QUOTA = 100_000_000  # bytes of uploads one workspace may keep
RESULT_BYTES = 100_000_000  # bytes of one lab result (the largest, Compression's eight codecs, is about 10 MB)


class Uploads:
    def __init__(self, db: Db):
        self.db = db

    def save(self, workspace: str, name: str, data: bytes, quota: int = UPLOAD_QUOTA,
             now: float | None = None) -> str:
        """Keep an uploaded file; LookupError for an unknown workspace, an Explained error past the quota."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            # lock the workspace row, so two tabs uploading at once cannot both squeeze under the quota
            if conn.execute(sa.select(workspaces.c.id).where(workspaces.c.id == workspace).with_for_update()
                            ).first() is None:
                raise LookupError("no such workspace")
            used = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(uploads.c.size), 0))
                                .where(uploads.c.workspace_id == workspace)).scalar()
            if used + len(data) > quota:
                raise Explained("store.quota", size=_mb(len(data)), used=_mb(used), quota=_mb(quota))
            upload_id = secrets.token_urlsafe(24)
            conn.execute(uploads.insert().values(id=upload_id, workspace_id=workspace, name=name[:200],
                                                 size=len(data), data=bytes(data), created_at=now))
            touch(conn, workspace, now)
        return upload_id

    def list(self, workspace: str) -> list[dict]:
        """id, name, size and created_at of each of the workspace's uploads, newest first."""
        cols = (uploads.c.id, uploads.c.name, uploads.c.size, uploads.c.created_at)
        with self.db.read() as conn:
            rows = conn.execute(sa.select(*cols).where(uploads.c.workspace_id == workspace)
                                .order_by(uploads.c.created_at.desc(), uploads.c.id)).all()
        return [r._asdict() for r in rows]

    def get(self, workspace: str, upload_id: str) -> bytes | None:
        with self.db.read() as conn:
            data = conn.execute(sa.select(uploads.c.data).where(uploads.c.id == upload_id,
                                                                uploads.c.workspace_id == workspace)).scalar()
        return None if data is None else bytes(data)

    def delete(self, workspace: str, upload_id: str) -> bool:
        with self.db.write() as conn:
            done = conn.execute(uploads.delete().where(uploads.c.id == upload_id, uploads.c.workspace_id == workspace))
            return done.rowcount == 1

    def stats(self) -> dict[str, int]:
        return _count_and_bytes(self.db, uploads, "upload")


class Quiz:
    def __init__(self, db: Db):
        self.db = db

    def answer(self, workspace: str, question: str, answer: object, correct: bool, now: float | None = None) -> None:
        """Record (or replace) the workspace's answer to a question; LookupError for an unknown workspace."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            if not touch(conn, workspace, now):
                raise LookupError("no such workspace")
            key = (quiz_answers.c.workspace_id == workspace) & (quiz_answers.c.question == question)
            conn.execute(quiz_answers.delete().where(key))
            conn.execute(quiz_answers.insert().values(workspace_id=workspace, question=question, correct=bool(correct),
                                                      answer=json.dumps(answer, allow_nan=False), answered_at=now))

    def progress(self, workspace: str) -> dict[str, dict]:
        """question -> {"answer", "correct", "answered_at"} for the workspace."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(quiz_answers).where(quiz_answers.c.workspace_id == workspace)).all()
        return {r.question: {"answer": json.loads(r.answer), "correct": r.correct, "answered_at": r.answered_at}
                for r in rows}

    def clear(self, workspace: str) -> int:
        """Forget the workspace's answers (the learner starts the quiz again); returns how many were removed."""
        with self.db.write() as conn:
            return conn.execute(quiz_answers.delete().where(quiz_answers.c.workspace_id == workspace)).rowcount

    def stats(self) -> dict[str, int]:
        with self.db.read() as conn:
            return {"quiz_answers": conn.execute(sa.select(sa.func.count()).select_from(quiz_answers)).scalar()}


class LabResults:
    def __init__(self, db: Db):
        self.db = db

    def save(self, workspace: str, lab: str, tree: str, data: bytes, limit: int = RESULT_BYTES,
             now: float | None = None) -> None:
        """Keep (replacing) the workspace's result on a lab; LookupError for an unknown workspace, an Explained
        error past the limit. One transaction: a failed write leaves the earlier result whole."""
        now = time.time() if now is None else now
        size = len(tree.encode()) + len(data)
        if size > limit:
            raise Explained("store.result_too_big", size=_mb(size), limit=_mb(limit))
        with self.db.write() as conn:
            if not touch(conn, workspace, now):
                raise LookupError("no such workspace")
            key = (lab_results.c.workspace_id == workspace) & (lab_results.c.lab == lab)
            conn.execute(lab_results.delete().where(key))
            conn.execute(lab_results.insert().values(workspace_id=workspace, lab=lab[:100], tree=tree, size=size,
                                                     data=bytes(data), saved_at=now))

    def get(self, workspace: str, lab: str) -> tuple[str, bytes] | None:
        """(tree, data) of the workspace's result on the lab, or None."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(lab_results.c.tree, lab_results.c.data).where(
                lab_results.c.workspace_id == workspace, lab_results.c.lab == lab)).first()
        return None if row is None else (row.tree, bytes(row.data))

    def list(self, workspace: str) -> list[dict]:
        """lab, size and saved_at of each of the workspace's results, newest first."""
        cols = (lab_results.c.lab, lab_results.c.size, lab_results.c.saved_at)
        with self.db.read() as conn:
            rows = conn.execute(sa.select(*cols).where(lab_results.c.workspace_id == workspace)
                                .order_by(lab_results.c.saved_at.desc(), lab_results.c.lab)).all()
        return [r._asdict() for r in rows]

    def delete(self, workspace: str, lab: str) -> bool:
        with self.db.write() as conn:
            return conn.execute(lab_results.delete().where(lab_results.c.workspace_id == workspace,
                                                           lab_results.c.lab == lab)).rowcount == 1

    def stats(self) -> dict[str, int]:
        return _count_and_bytes(self.db, lab_results, "lab_result")


def _count_and_bytes(db: Db, table: sa.Table, what: str) -> dict[str, int]:
    """{"<what>s": rows, "<what>_bytes": their sizes summed}: for the store's stats."""
    with db.read() as conn:
        n, size = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(table.c.size), 0))).one()
    return {f"{what}s": n, f"{what}_bytes": size}


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f}"
