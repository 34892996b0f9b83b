"""Where the store lives and how it is reached: the database URL (AELAB_DATABASE_URL, else a SQLite file under
AELAB_HOME), one SQLAlchemy engine per URL with SQLite set up to behave like a server database (foreign keys on,
WAL, a busy timeout, writers that lock at BEGIN), and the read and write transactions every query runs in."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

BUSY_MS = 20_000  # how long a SQLite writer waits for another's lock before giving up


def home(env: Mapping[str, str] | None = None) -> Path:
    """The data folder: $AELAB_HOME, else ~/.aelab."""
    env = os.environ if env is None else env
    return Path(env.get("AELAB_HOME") or Path.home() / ".aelab").expanduser()


def database_url(env: Mapping[str, str] | None = None) -> str:
    """$AELAB_DATABASE_URL (PostgreSQL that several app processes share), else the SQLite file aelab.db in home()."""
    env = os.environ if env is None else env
    return env.get("AELAB_DATABASE_URL") or f"sqlite:///{home(env) / 'aelab.db'}"


def _url(url: str) -> URL:
    """The URL with a driver named: a bare postgresql:// means psycopg 3 (SQLAlchemy would pick psycopg2)."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"the store runs on SQLite or PostgreSQL, not {parsed.get_backend_name()}")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for url. SQLite: the folder is made, and pysqlite's own transaction handling is replaced by
    explicit BEGINs (SQLAlchemy's documented recipe) so DDL is transactional and writers take the lock up front."""
    parsed = _url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGINs: _begin below says when
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys = ON", f"busy_timeout = {BUSY_MS}", "journal_mode = WAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # a deferred reader that later writes fails at once when another writer got in first (SQLITE_BUSY is not
        # retried mid-transaction), so writers lock the database when they begin and wait their turn
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("aelab_write") else "BEGIN")

    return engine


class Db:
    """An engine and its two kinds of transaction: read() and write(); each commits on success and rolls back
    on any error, so a failed write leaves nothing behind."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.backend = engine.url.get_backend_name()
        self._writer = engine.execution_options(aelab_write=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self._writer.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()
