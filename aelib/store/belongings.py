"""What else a workspace keeps besides runs: the datasets a learner uploaded (raw bytes, parsed again by
aelib.data.your_data when used, under a per-workspace quota) and their quiz answers."""
from __future__ import annotations

import json
import secrets
import time

import sqlalchemy as sa

from aelib.i18n import Explained
from aelib.store.engine import Db
from aelib.store.schema import quiz_answers, uploads, workspaces

UPLOAD_QUOTA = 100_000_000  # bytes of uploads one workspace may keep


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
            conn.execute(workspaces.update().where(workspaces.c.id == workspace).values(touched_at=now))
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
        with self.db.read() as conn:
            n, size = conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(uploads.c.size), 0))).one()
        return {"uploads": n, "upload_bytes": size}


class Quiz:
    def __init__(self, db: Db):
        self.db = db

    def answer(self, workspace: str, question: str, answer: object, correct: bool, now: float | None = None) -> None:
        """Record (or replace) the workspace's answer to a question; LookupError for an unknown workspace."""
        now = time.time() if now is None else now
        with self.db.write() as conn:
            if conn.execute(workspaces.update().where(workspaces.c.id == workspace).values(touched_at=now)
                            ).rowcount != 1:
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


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f}"
