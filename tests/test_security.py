"""Security rules, read off the source with `ast` and off the server config: no pickles (no torch.load
without weights_only=True, no pickle module), nothing evaluated, nothing from the URL used as a path, uploads
limited in size, XSRF protection on."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from aelib.data.your_data import MAX_MB

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted(p for d in ("aelib", "appkit", "pages") for p in (ROOT / d).rglob("*.py"))]
NAMES = [str(p.relative_to(ROOT)) for p in SOURCES]
# (module or "" for a builtin, function): calls that run text as code or as a shell command
EVALUATING = {("", "eval"), ("", "exec"), ("", "compile"), ("", "__import__"), ("importlib", "import_module"),
              ("os", "system"), ("os", "popen"), ("runpy", "run_path"), ("runpy", "run_module")}
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "joblib", "marshal", "shelve", "subprocess"}
PATH_CALLS = {"open", "Path", "PurePath", "PosixPath", "read_text", "read_bytes", "load_dataset", "dataset"}


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def called_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def unsafe_torch_loads(module: ast.Module) -> list[int]:
    """Lines of torch.load(...) calls without weights_only=True."""
    out = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and called_name(node) == "load" and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch":
            safe = any(k.arg == "weights_only" and isinstance(k.value, ast.Constant) and k.value.value is True
                       for k in node.keywords)
            out += [] if safe else [node.lineno]
    return out


def test_the_rules_see_what_they_forbid():
    bad = ast.parse("import torch, pickle\ntorch.load(f)\ntorch.load(f, weights_only=False)\n"
                    "torch.load(f, weights_only=True)\neval(st.query_params['x'])\n"
                    "open(st.query_params.get('path'))\nos.system(cmd)\nre.compile('a+')\n")
    assert unsafe_torch_loads(bad) == [2, 3]
    assert imported_modules(bad) >= {"pickle"}
    assert [called_name(c) for c in evaluating_calls(bad)] == ["eval", "system"]  # re.compile is no evaluation
    assert len(url_used_as_path(bad)) == 1


def imported_modules(module: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def owner(call: ast.Call) -> str:
    f = call.func
    return f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""


def evaluating_calls(module: ast.Module) -> list[ast.Call]:
    return [n for n in ast.walk(module) if isinstance(n, ast.Call) and (owner(n), called_name(n)) in EVALUATING]


def url_used_as_path(module: ast.Module) -> list[int]:
    """Lines where st.query_params (or a value read from it) is an argument of a call that opens a file."""
    def mentions_url(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Attribute) and n.attr == "query_params" for n in ast.walk(node))

    return [n.lineno for n in ast.walk(module) if isinstance(n, ast.Call) and called_name(n) in PATH_CALLS
            and any(mentions_url(a) for a in [*n.args, *(k.value for k in n.keywords)])]


@pytest.mark.parametrize("path", SOURCES, ids=NAMES)
def test_no_torch_load_without_weights_only(path):
    assert unsafe_torch_loads(tree(path)) == [], "load weights with safetensors, or torch.load(weights_only=True)"


@pytest.mark.parametrize("path", SOURCES, ids=NAMES)
def test_no_pickle_or_shell_modules(path):
    assert not imported_modules(tree(path)) & UNSAFE_MODULES


@pytest.mark.parametrize("path", SOURCES, ids=NAMES)
def test_nothing_is_evaluated_or_imported_by_name(path):
    assert [f"line {c.lineno}: {called_name(c)}" for c in evaluating_calls(tree(path))] == []


@pytest.mark.parametrize("path", SOURCES, ids=NAMES)
def test_nothing_from_the_url_is_used_as_a_path(path):
    assert url_used_as_path(tree(path)) == []


def server_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]


def test_upload_size_is_limited_in_the_server_config():
    limit = server_config()["maxUploadSize"]
    assert isinstance(limit, int) and 1 <= limit <= 50  # Streamlit's default (200 MB) is too much for a classroom
    assert limit == MAX_MB  # aelib.data.your_data checks the same number for bytes that arrive another way


def test_xsrf_protection_is_left_on():
    server = server_config()
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True  # Streamlit turns XSRF protection off when CORS is off
