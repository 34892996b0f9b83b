"""A class's deployment on loopback, for the browser tests and the load test: a throwaway PostgreSQL (tests/pg.py), N
`streamlit run app.py` replicas on free ports sharing its database and one cookie secret, and nginx in front of them,
configured from deploy/nginx.conf.template by deploy/render.py, so what is tested is what is shipped. Everything it
started is stopped and its files removed on exit, also when a start fails half-way.

    with stack(replicas=2) as s:      # s.url: nginx, e.g. http://127.0.0.1:PORT/aelab/
        s.kill(s.replicas[0])         # the replica's process group gets SIGKILL: a machine that went away
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest

from deploy.render import normalise_prefix, render
from tests import pg
from tests.e2e.server import ROOT, free_port, streamlit_command, wait_healthy

PREFIX = "/aelab/"  # the stack serves under a path prefix, as a department's shared host would
NGINX_MISSING = "nginx is not installed (apt-get install nginx): the replica tests behind nginx are skipped"


def nginx_binary() -> str | None:
    """Debian's nginx (/usr/sbin is not on every PATH), or whichever nginx the PATH finds, or None."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def missing() -> str | None:
    """Why a stack cannot start here (nginx or PostgreSQL not installed), or None."""
    if nginx_binary() is None:
        return NGINX_MISSING
    if pg.bin_dir() is None:
        return pg.MISSING.replace("the store tests", "the replica tests behind nginx")
    return None


def require_stack() -> None:
    """Skips the calling test module where nginx or PostgreSQL is missing, except in CI, where .ci/run installs both
    and a missing one must fail."""
    reason = missing()
    if reason and os.environ.get("CI"):
        raise RuntimeError(f"{reason}; .ci/run should have installed it")
    if reason:
        pytest.skip(reason, allow_module_level=True)


@dataclass(eq=False)  # a replica is itself: compared and hashed by identity
class Replica:
    """One `streamlit run` process: its port (also its address in nginx's upstream list) and log file."""

    index: int
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Stack:
    url: str  # through nginx, ending in the prefix
    database_url: str  # what every replica has as AELAB_DATABASE_URL
    replicas: list[Replica]
    folder: Path  # logs (replica<i>.log; nginx/access.log, nginx/error.log) and nginx's runtime files
    timings: dict[str, float] = field(default_factory=dict)  # seconds per start-up step

    def kill(self, replica: Replica | int) -> Replica:
        """Kills a replica at once (SIGKILL to its process group) and waits until it is gone."""
        replica = self.replicas[replica] if isinstance(replica, int) else replica
        _stop(replica.proc, signal.SIGKILL)
        return replica

    def serving(self, x_upstream: str) -> Replica:
        """The replica that answered a response whose X-Upstream header nginx set to x_upstream (after a failover
        it lists every replica tried, "dead:port, live:port"; the last one answered)."""
        last = x_upstream.replace(" : ", ", ").split(",")[-1].strip()
        for replica in self.replicas:
            if replica.address == last:
                return replica
        raise LookupError(f"no replica of this stack is at {last!r} (X-Upstream: {x_upstream!r})")

    def access_log(self) -> str:
        path = self.folder / "nginx" / "access.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace_s: float = 10) -> None:
    """Ends a process started in its own session, with its children: sig to its group, then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(grace_s)


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else "(no log)"


def _start_replicas(count: int, env: dict[str, str], folder: Path, cleanup: contextlib.ExitStack,
                    timeout_s: float) -> list[Replica]:
    """Starts all replicas at once (their start-ups overlap), then waits until each one's health answers."""
    replicas = []
    for i in range(count):
        port, log = free_port(), folder / f"replica{i}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(streamlit_command(port), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                    env={**env, "AELAB_HOME": str(folder / f"home{i}")}, start_new_session=True)
        cleanup.callback(_stop, proc, signal.SIGTERM, 3)  # nothing of a throwaway replica is worth waiting for
        replicas.append(Replica(i, port, proc, log))
    path = "/" + env["STREAMLIT_SERVER_BASE_URL_PATH"] if env["STREAMLIT_SERVER_BASE_URL_PATH"] else ""
    for r in replicas:
        try:
            wait_healthy(f"http://{r.address}{path}", r.proc, timeout_s)
        except RuntimeError as err:
            raise RuntimeError(f"replica {r.index} did not start:\n{_tail(r.log)}") from err
    return replicas


def _start_nginx(replicas: list[Replica], prefix: str, folder: Path, cleanup: contextlib.ExitStack,
                 timeout_s: float) -> str:
    """nginx from the rendered deploy template, in the foreground of its own session; its URL once it proxies."""
    runtime, port = folder / "nginx", free_port()
    runtime.mkdir()
    conf = runtime / "nginx.conf"
    conf.write_text(render(listen=f"127.0.0.1:{port}", prefix=prefix, runtime_dir=str(runtime),
                           upstreams=[r.address for r in replicas]), encoding="utf-8")
    # run as root, nginx's workers are `nobody`: they must reach the temp folders under this one
    for path in (folder, runtime):
        path.chmod(0o755)
    log = runtime / "nginx.out"
    with open(log, "wb") as out:
        proc = subprocess.Popen([nginx_binary(), "-p", str(runtime), "-c", str(conf), "-g", "daemon off;"],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    cleanup.callback(_stop, proc)
    url = f"http://127.0.0.1:{port}{prefix}"
    try:
        wait_healthy(url.rstrip("/"), proc, timeout_s)
    except RuntimeError as err:
        raise RuntimeError(f"nginx did not start:\n{_tail(log)}\n{_tail(runtime / 'error.log')}") from err
    return url


@contextlib.contextmanager
def stack(replicas: int = 2, prefix: str = PREFIX, timeout_s: float = 120,
          env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Starts PostgreSQL, `replicas` app replicas and nginx; yields the Stack; stops and removes all of it on exit.
    env adds to (or overrides) the replicas' environment. Raises FileNotFoundError where nginx or PostgreSQL is
    missing (see missing()) and RuntimeError, with the log's tail, when a part does not start."""
    if reason := missing():
        raise FileNotFoundError(reason)
    prefix, timings, start = normalise_prefix(prefix), {}, time.monotonic()
    with contextlib.ExitStack() as cleanup:
        folder = Path(tempfile.mkdtemp(prefix="aelab-stack-"))
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        step = time.monotonic()
        server_url = cleanup.enter_context(pg.cluster())
        database_url = pg.fresh_database(server_url)
        timings["postgres_s"] = time.monotonic() - step
        replica_env = {**os.environ, "AELAB_DATABASE_URL": database_url,
                       "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),  # shared, as compose.yaml shares it
                       "STREAMLIT_SERVER_BASE_URL_PATH": prefix.strip("/"), **(env or {})}
        step = time.monotonic()
        started = _start_replicas(replicas, replica_env, folder, cleanup, timeout_s)
        timings["replicas_s"] = time.monotonic() - step
        step = time.monotonic()
        url = _start_nginx(started, prefix, folder, cleanup, timeout_s)
        timings["nginx_s"] = time.monotonic() - step
        timings["total_s"] = time.monotonic() - start
        yield Stack(url, database_url, started, folder, timings)


def get(url: str, cookie: str | None = None, timeout_s: float = 10) -> tuple[int, Message, bytes]:
    """(status, headers, body) of a GET through the stack, an error status included; redirects are not followed."""

    class _Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(_Keep).open(request, timeout=timeout_s) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()
