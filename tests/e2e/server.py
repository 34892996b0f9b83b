"""Start `streamlit run app.py` on a free loopback port and wait for /_stcore/health; shared by the browser
tests and the first-update measurement."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    """`streamlit run app.py` on 127.0.0.1:port, headless, watching no files."""
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    """Returns once {url}/_stcore/health answers ok; raises RuntimeError if the process ends or time runs out."""
    deadline = time.time() + timeout_s
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not become healthy") from None
            time.sleep(0.3)


@contextmanager
def streamlit_server(timeout_s: float = 90):
    """Yields the base URL of a fresh server; kills it afterwards."""
    with streamlit_process(timeout_s) as (url, _):
        yield url


@contextmanager
def streamlit_process(timeout_s: float = 90, env: dict | None = None, log: Path | None = None, port: int | None = None):
    """Yields (base URL, Popen) of a fresh, healthy server (env: the child's environment, default this one; log: a
    file for its output, default none); stops it afterwards."""
    port = port or free_port()
    out = open(log, "a", encoding="utf-8") if log else open(os.devnull, "w")  # the child keeps its own handle
    proc = subprocess.Popen(streamlit_command(port), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout_s)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        out.close()


def require_browser():
    """Playwright's sync API once Debian's Chromium is there; a test module without it is skipped, except in CI,
    where .ci/run installs it and a missing browser must fail."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: .ci/run should have installed Debian's chromium")
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")
