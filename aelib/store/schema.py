"""The store's tables and their history: each table as it is now, the ordered migrations that build them from an
empty database, and upgrade(), which brings any older store to the newest version in one transaction.

A table here is its latest definition. Migrations so far only add tables, so each one creates its tables from
these definitions; a migration that changes an existing table must also freeze the earlier definition for the
migration that first created it (tests/test_store.py checks a migrated database against these definitions)."""
from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()
ID = 43  # characters of an id column: secrets.token_urlsafe(32) or shorter
_CASCADE = {"ondelete": "CASCADE"}

schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))

workspaces = sa.Table(
    "workspaces", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),  # seconds since the epoch, UTC
    sa.Column("touched_at", sa.Float, nullable=False),  # last visit or write: retention counts from here
    sa.Column("pinned", sa.Boolean, nullable=False, default=False),  # never removed by gc (a teacher's class)
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), nullable=False,
              index=True),
    sa.Column("identity", sa.String(64), nullable=False, default="", index=True),  # content hash of the run
    # the identity again while this run is *the* training of it (running or finished): unique, so two processes
    # never train the same identity at once; NULL for a learner's own copy, and released when a run fails
    sa.Column("claim", sa.String(64), nullable=True, unique=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("dataset", sa.String(100), nullable=False),
    sa.Column("model", sa.String(40), nullable=False),  # the family, for listings (also in model_config)
    sa.Column("model_config", sa.Text, nullable=False),  # ModelConfig.to_json()
    sa.Column("train_config", sa.Text, nullable=False),  # JSON object
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, default="{}"),  # JSON object: metrics and notes
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.Column("owner", sa.String(200), nullable=False, default=""),  # the process training it
    sa.Column("lease_until", sa.Float, nullable=True),  # the owner's heartbeat: past this, the run is abandoned
)

epochs = sa.Table(
    "epochs", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.id", **_CASCADE), primary_key=True),
    sa.Column("epoch", sa.Integer, primary_key=True),
    sa.Column("stats", sa.Text, nullable=False),  # JSON object: EpochStats as a dict
)

blobs = sa.Table(
    "blobs", metadata,
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.id", **_CASCADE), primary_key=True),
    sa.Column("kind", sa.String(40), primary_key=True),  # "weights" (safetensors bytes), "replay/<epoch>", ...
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

uploads = sa.Table(
    "uploads", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), nullable=False,
              index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

quiz_answers = sa.Table(
    "quiz_answers", metadata,
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), primary_key=True),
    sa.Column("question", sa.String(100), primary_key=True),
    sa.Column("answer", sa.Text, nullable=False),  # JSON
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("answered_at", sa.Float, nullable=False),
)


follows = sa.Table(
    "follows", metadata,
    # a learner's run that follows another workspace's training of the same identity instead of training it again:
    # while the source runs, its epochs are read through this row; when the source ends, they are copied over
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.id", **_CASCADE), primary_key=True),
    sa.Column("source_id", sa.String(ID), sa.ForeignKey("runs.id", **_CASCADE), nullable=False, index=True),
)

stops = sa.Table(
    "stops", metadata,
    # Stop pressed on a run that another process trains: its owner reads this at its next heartbeat and stops
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.id", **_CASCADE), primary_key=True),
    sa.Column("asked_at", sa.Float, nullable=False),
)

# a class (aelib.classroom): students join it with its code and post their finished runs to its board
classes = sa.Table(
    "classes", metadata,
    sa.Column("code", sa.String(8), primary_key=True),  # what students type: 6 characters without look-alikes
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("teacher_key_hash", sa.String(64), nullable=False),  # SHA-256 (hex) of the key, shown only once
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("closes_at", sa.Float, nullable=False),  # from here on the class is read-only
    sa.Column("closed", sa.Boolean, nullable=False, default=False),  # closed by the teacher: read-only
    sa.Column("quiz_on", sa.Boolean, nullable=False, default=False),  # students' quiz answers are posted too
    sa.Column("active_exercise", sa.Integer, nullable=True),  # an exercises.id of this class; NULL: any run counts
    sa.Column("published_run_id", sa.String(ID), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
)

exercises = sa.Table(
    "exercises", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_code", sa.String(8), sa.ForeignKey("classes.code", **_CASCADE), nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("preset", sa.Text, nullable=False),  # JSON object: aelib.classroom.presets.Preset.to_dict()
    sa.Column("goal", sa.String(40), nullable=False),  # a key of aelib.classroom.presets.GOALS
    sa.Column("created_at", sa.Float, nullable=False),
)

members = sa.Table(
    "members", metadata,
    sa.Column("class_code", sa.String(8), sa.ForeignKey("classes.code", **_CASCADE), primary_key=True),
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), primary_key=True,
              index=True),
    sa.Column("display_name", sa.String(40), nullable=False),  # plain text, shown as text
    sa.Column("joined_at", sa.Float, nullable=False),
)

entries = sa.Table(
    "entries", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_code", sa.String(8), sa.ForeignKey("classes.code", **_CASCADE), nullable=False),
    sa.Column("exercise_id", sa.Integer, sa.ForeignKey("exercises.id", ondelete="SET NULL"), nullable=True),
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), nullable=False,
              index=True),
    sa.Column("student", sa.String(40), nullable=False),
    # the run it came from; its settings and metrics are copied here, so the board outlives a deleted run
    sa.Column("run_id", sa.String(ID), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
    sa.Column("settings", sa.Text, nullable=False),  # JSON object
    sa.Column("metrics", sa.Text, nullable=False),  # JSON object of numbers
    sa.Column("posted_at", sa.Float, nullable=False),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),  # hidden by the teacher
    sa.Index("entries_by_student", "class_code", "workspace_id", "posted_at"),  # the rate limit's count
)

class_answers = sa.Table(
    "class_answers", metadata,
    sa.Column("class_code", sa.String(8), sa.ForeignKey("classes.code", **_CASCADE), primary_key=True),
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), primary_key=True),
    sa.Column("question", sa.String(100), primary_key=True),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("answered_at", sa.Float, nullable=False),
)

lab_results = sa.Table(
    "lab_results", metadata,
    # a workspace's latest result on each lab page (aelib.runs.kept: a JSON tree and a safetensors file)
    sa.Column("workspace_id", sa.String(ID), sa.ForeignKey("workspaces.id", **_CASCADE), primary_key=True),
    sa.Column("lab", sa.String(100), primary_key=True),
    sa.Column("tree", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),  # bytes of tree and data together
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("saved_at", sa.Float, nullable=False),
)


def touch(conn: Connection, workspace: str, now: float | None = None) -> bool:
    """Stamp a visit or write on the workspace (retention counts from it); False if there is no such workspace."""
    now = time.time() if now is None else now
    return conn.execute(workspaces.update().where(workspaces.c.id == workspace).values(touched_at=now)).rowcount == 1


def _create(*tables: sa.Table) -> Callable[[Connection], None]:
    def migrate(conn: Connection) -> None:
        metadata.create_all(conn, tables=list(tables))
    return migrate


# (version, what it adds, how): applied in order, each once; never edit a released one, add the next
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "workspaces, runs, epochs and blobs", _create(workspaces, runs, epochs, blobs)),
    (2, "uploaded datasets and quiz answers", _create(uploads, quiz_answers)),
    (3, "runs that follow another's training of the same identity; stops asked across processes",
     _create(follows, stops)),
    (4, "classes with their exercises, members, entries and quiz answers",
     _create(classes, exercises, members, entries, class_answers)),
    (5, "each workspace's latest result on each lab page", _create(lab_results)),
]
LATEST = MIGRATIONS[-1][0]


class StoreUnavailable(RuntimeError):
    """The store cannot be used: the database is unreachable or refuses us (a page then keeps that session's work
    in memory; the CLI says so and exits)."""


class StoreTooNew(StoreUnavailable):
    """The database was written by a newer AE Lab: this one does not know its tables and must not touch them."""


def current_version(conn: Connection) -> int:
    """The schema version of the database conn is in (0: empty)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def upgrade(engine: Engine, target: int = LATEST) -> int:
    """Apply the migrations above the database's version up to target, all in one transaction (DDL is
    transactional in SQLite and PostgreSQL, so a failed step leaves the old version whole); returns the version.
    Several processes may start at once: PostgreSQL serialises them on an advisory lock, SQLite on BEGIN IMMEDIATE."""
    with engine.execution_options(aelab_write=True).begin() as conn:
        if engine.url.get_backend_name() == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(2020051700)"))  # any fixed number, the same for all
        version = current_version(conn)
        if version > LATEST:
            raise StoreTooNew(f"the store at {engine.url.render_as_string(hide_password=True)} has schema version "
                              f"{version}, newer than this AE Lab knows ({LATEST}): upgrade AE Lab to open it")
        steps = [(number, migrate) for number, _, migrate in MIGRATIONS if version < number <= target]
        if not steps:
            return version
        if version == 0:
            schema_version.create(conn)
        for number, migrate in steps:
            migrate(conn)
            version = number
        conn.execute(schema_version.delete())
        conn.execute(schema_version.insert().values(version=version))
    return version
