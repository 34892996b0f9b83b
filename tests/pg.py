"""A throwaway PostgreSQL server for tests and load tests: Debian's binaries (apt-get install postgresql) start a
fresh cluster in a temporary folder, on loopback and a free port, as the `postgres` user when run as root, and
remove it afterwards. `cluster()` is the plain context manager; `postgres` the session-scoped pytest fixture, which
skips with a clear message where the binaries are missing."""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

MISSING = "PostgreSQL is not installed (apt-get install postgresql): the PostgreSQL half of the store tests is skipped"


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster and yield its URL (postgresql://postgres@127.0.0.1:PORT/postgres, trust auth on loopback)."""
    bins = bin_dir()
    if bins is None:
        raise FileNotFoundError(MISSING)
    as_root = os.geteuid() == 0  # the server refuses to run as root
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="aelab-pg-"))
    data, port = folder / "data", _free_port()
    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    run = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    try:
        subprocess.run([*prefix, str(bins / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "--no-sync", "-E", "UTF8", "--locale=C"], **run)
        options = f"-p {port} -k {folder} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run([*prefix, str(bins / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                        "-w", "start"], **run)
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*prefix, str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    except subprocess.CalledProcessError as err:
        log = folder / "log"
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {err.stderr.decode(errors='replace')}{tail}") from err
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server: its URL (each test gets its own, so no test sees another's rows)."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:16]}"
    engine = sa.create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """The URL of a PostgreSQL server started for this test session (skips where PostgreSQL is not installed)."""
    if bin_dir() is None:
        pytest.skip(MISSING)
    with cluster() as url:
        yield url
