"""The shipped deployment (deploy/) holds together: the nginx template renders into a configuration nginx accepts,
its upload limit is the app's, the renderer refuses values that would break out of a directive, and the compose file
names the same prefix, replicas and port as the app's settings. tests/e2e/test_replicas.py runs it for real."""
from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from deploy.render import main, normalise_prefix, render
from tests.stack import nginx_binary

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def rendered(tmp_path: Path, prefix: str = "/aelab/", upstreams=("127.0.0.1:8501", "127.0.0.1:8502")) -> str:
    return render(listen="127.0.0.1:8080", prefix=prefix, runtime_dir=str(tmp_path), upstreams=list(upstreams))


def directives(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_render_fills_every_placeholder_and_repeats_the_server_line_per_replica(tmp_path):
    lines = directives(rendered(tmp_path, upstreams=["127.0.0.1:8501", "127.0.0.1:8502", "10.0.0.7:8501"]))
    assert not [line for line in lines if "${" in line]
    servers = [line for line in lines if line.startswith("server ") and line != "server {"]
    assert servers == [f"server {u} max_fails=1 fail_timeout=10s;"
                       for u in ("127.0.0.1:8501", "127.0.0.1:8502", "10.0.0.7:8501")]
    assert "hash $aelab_affinity consistent;" in lines
    assert "location /aelab/_stcore/stream {" in lines and "location /aelab/ {" in lines
    assert f"pid {tmp_path}/nginx.pid;" in lines and f"access_log {tmp_path}/access.log aelab;" in lines


def test_the_upload_limit_is_streamlits_own_request_limit(tmp_path):
    """Streamlit refuses an upload body over maxUploadSize + 1 MB (the multipart wrapping): nginx says so first."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    [limit] = [line for line in directives(rendered(tmp_path)) if line.startswith("client_max_body_size")]
    assert limit == f"client_max_body_size {config['server']['maxUploadSize'] + 1}m;"
    assert config["server"]["enableXsrfProtection"] is True


@pytest.mark.parametrize("prefix, path", [("", "/"), ("/", "/"), ("aelab", "/aelab/"), ("/course/ae/", "/course/ae/")])
def test_prefixes_are_normalised(prefix, path):
    assert normalise_prefix(prefix) == path


@pytest.mark.parametrize("field, value", [("prefix", "/a; return 200"), ("prefix", "/a/../b"), ("listen", "8080"),
                                          ("upstreams", ["app1"]), ("upstreams", []), ("runtime_dir", "rel/dir"),
                                          ("upstreams", ["127.0.0.1:8501 backup"]), ("listen", "0.0.0.0:99999")])
def test_values_that_would_change_the_configuration_are_refused(tmp_path, field, value):
    kwargs = dict(listen="127.0.0.1:8080", prefix="/", runtime_dir=str(tmp_path), upstreams=["127.0.0.1:8501"])
    with pytest.raises(ValueError):
        render(**{**kwargs, field: value})


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (apt-get install nginx)")
@pytest.mark.parametrize("prefix", ["/", "/aelab/"])
def test_nginx_accepts_the_rendered_configuration(tmp_path, prefix):
    runtime = tmp_path / "nginx"
    assert main(["--listen", "127.0.0.1:8080", "--prefix", prefix, "--runtime-dir", str(runtime),
                 "--upstream", "127.0.0.1:8501", "--upstream", "127.0.0.1:8502"]) == 0
    result = subprocess.run([nginx_binary(), "-t", "-p", str(runtime), "-c", str(runtime / "nginx.conf")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_compose_renders_with_the_same_template_for_its_replicas():
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    replicas = re.findall(r"^  (app\d+): \*app$", compose, re.M)
    upstreams = re.findall(r'--upstream, "([\w.-]+):(\d+)"', compose)
    assert len(replicas) >= 2 and [name for name, _ in upstreams] == replicas
    assert {port for _, port in upstreams} == {"8501"}
    assert re.search(r"^EXPOSE 8501$", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M)
    prefix = re.search(r"--prefix, (\S+),", compose).group(1)
    base = re.search(r"STREAMLIT_SERVER_BASE_URL_PATH: (\S+)", compose).group(1)
    assert normalise_prefix(prefix) == normalise_prefix(base)
    assert "python, deploy/render.py" in compose and "STREAMLIT_SERVER_COOKIE_SECRET: ${" in compose


def test_the_image_installs_the_pinned_torch_on_the_slim_base():
    """The Dockerfile's first pip install picks torch and torchvision out of requirements.txt, pins and all."""
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.count("FROM python:3.11-slim") == 1
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pattern = re.search(r"grep -Eo '([^']+)' requirements\.txt", dockerfile).group(1)
    picked = [m.group(0) for m in re.finditer(pattern, requirements, re.M)]
    assert [p.split("==")[0] for p in picked] == ["torch", "torchvision"] and all(p in requirements for p in picked)
