"""Which classes a workspace has joined: what a page asks to find a learner's class again after a reload, on another
device or after a server restart (the membership is a row of the store, not a value of one session)."""
from __future__ import annotations

import sqlalchemy as sa

from aelib.store.engine import Db
from aelib.store.schema import classes, members


def joined_classes(db: Db, workspace: str, now: float, open_only: bool = True) -> list[str]:
    """The codes of the classes workspace joined, the latest joined first; open_only: only those that still take
    entries (not closed, not past their end)."""
    query = (sa.select(members.c.class_code).join(classes, classes.c.code == members.c.class_code)
             .where(members.c.workspace_id == workspace))
    if open_only:
        query = query.where(classes.c.closed.is_(False), classes.c.closes_at > now)
    with db.read() as conn:
        return list(conn.execute(query.order_by(members.c.joined_at.desc(), members.c.class_code)).scalars())


def member_since(db: Db, code: str, workspace: str) -> float | None:
    """When workspace joined the class (its first join; joining again only renames), or None if it has not."""
    with db.read() as conn:
        return conn.execute(sa.select(members.c.joined_at).where(
            members.c.class_code == code, members.c.workspace_id == workspace)).scalar()
