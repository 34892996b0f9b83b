"""Writes the nginx configuration for AE Lab's replicas from deploy/nginx.conf.template (standard library only, so
the test stack, the compose file and an operator's shell all render the same file):

    python deploy/render.py --listen 0.0.0.0:8080 --prefix /aelab/ --runtime-dir /tmp/aelab-nginx \\
        --upstream 10.0.0.5:8501 --upstream 10.0.0.6:8501
    nginx -p /tmp/aelab-nginx -c /tmp/aelab-nginx/nginx.conf -g 'daemon off;'
"""
from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")
# what may be written into the configuration: no spaces, quotes, semicolons or braces that could end a directive
HOST_PORT = re.compile(r"^[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")
SAFE_PATH = re.compile(r"^/[A-Za-z0-9._\-/]*$")


def normalise_prefix(prefix: str) -> str:
    """The app's path as nginx's location wants it: "" or "/" give "/", "aelab" or "/aelab" give "/aelab/"."""
    inner = prefix.strip("/")
    path = f"/{inner}/" if inner else "/"
    if not SAFE_PATH.match(path) or "//" in path or "/../" in path:
        raise ValueError(f"the path prefix may hold only letters, digits and . _ - /, not {prefix!r}")
    return path


def _host_port(value: str, what: str) -> str:
    if not HOST_PORT.match(value) or not 0 < int(value.rsplit(":", 1)[1]) < 65536:
        raise ValueError(f"{what} must be host:port (e.g. 127.0.0.1:8501), not {value!r}")
    return value


def _log_target(value: str, what: str) -> str:
    if value not in ("stderr", "/dev/stdout", "/dev/stderr") and not SAFE_PATH.match(value):
        raise ValueError(f"{what} must be an absolute path or stderr, not {value!r}")
    return value


def render(*, listen: str, prefix: str, runtime_dir: str, upstreams: Sequence[str], error_log: str | None = None,
           access_log: str | None = None, template: str | None = None) -> str:
    """The configuration text: each ${NAME} filled in, and each line holding ${UPSTREAM} repeated once per replica.
    Raises ValueError for a value that does not fit its place or a placeholder the template has and this lacks."""
    if not upstreams:
        raise ValueError("at least one upstream (a replica's host:port) is needed")
    if not SAFE_PATH.match(runtime_dir):
        raise ValueError(f"the runtime folder must be an absolute path without spaces, not {runtime_dir!r}")
    runtime_dir = runtime_dir.rstrip("/") or "/"
    values = {
        "LISTEN": _host_port(listen, "--listen"),
        "PREFIX": normalise_prefix(prefix),
        "RUNTIME_DIR": runtime_dir,
        "ERROR_LOG": _log_target(error_log or f"{runtime_dir}/error.log", "--error-log"),
        "ACCESS_LOG": _log_target(access_log or f"{runtime_dir}/access.log", "--access-log"),
    }
    servers = [_host_port(u, "an upstream") for u in upstreams]
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    lines = []
    for line in text.splitlines():
        if "${UPSTREAM}" in line and not line.lstrip().startswith("#"):
            lines += [line.replace("${UPSTREAM}", server) for server in servers]
        else:
            lines.append(line)

    def fill(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ValueError(f"the template names ${{{match.group(1)}}}, which render() does not fill in")
        return values[match.group(1)]

    # comments keep their placeholder names: they document the template
    return "\n".join(line if line.lstrip().startswith("#") else PLACEHOLDER.sub(fill, line) for line in lines) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Write AE Lab's nginx configuration for a set of replicas.")
    p.add_argument("--listen", default="0.0.0.0:8080", help="address:port nginx listens on (default 0.0.0.0:8080)")
    p.add_argument("--prefix", default="/", help="the app's path, as Streamlit's server.baseUrlPath (default /)")
    p.add_argument("--runtime-dir", default="/tmp/aelab-nginx", help="pid file, temp folders, logs, nginx.conf")
    p.add_argument("--upstream", action="append", required=True, help="a replica's host:port (repeat per replica)")
    p.add_argument("--error-log", default=None, help="a file or stderr (default RUNTIME_DIR/error.log)")
    p.add_argument("--access-log", default=None, help="a file or /dev/stdout (default RUNTIME_DIR/access.log)")
    p.add_argument("--out", default=None, help="where to write it (default RUNTIME_DIR/nginx.conf)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        text = render(listen=args.listen, prefix=args.prefix, runtime_dir=args.runtime_dir, upstreams=args.upstream,
                      error_log=args.error_log, access_log=args.access_log)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    Path(args.runtime_dir).mkdir(parents=True, exist_ok=True)
    out = Path(args.out or Path(args.runtime_dir) / "nginx.conf")
    out.write_text(text, encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
