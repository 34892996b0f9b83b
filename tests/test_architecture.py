"""The house rules, checked by parsing the source: aelib never imports streamlit; pages, app.py and
appkit never import torch (the torch -> numpy boundary is aelib.infer)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "appkit").glob("*.py"))]
LIB_FILES = sorted((ROOT / "aelib").glob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_rule_sees_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from torch import nn\n    import streamlit.components.v1 as c\n")
    assert {"torch", "streamlit"} <= imported_roots(probe)


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_code_does_not_import_torch(path):
    assert "torch" not in imported_roots(path) and "torchvision" not in imported_roots(path)


@pytest.mark.parametrize("path", LIB_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_aelib_does_not_import_streamlit(path):
    assert "streamlit" not in imported_roots(path)


def test_pages_use_streamlit_page_discovery():
    pages = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert pages and all(p[0].isdigit() for p in pages)
    for p in UI_FILES:
        assert "st.navigation" not in p.read_text(encoding="utf-8"), f"{p.name} mixes st.navigation with pages/"


def reads_without_encoding(path: Path) -> list[int]:
    """Lines that open or read a text file without naming its encoding."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        keywords = {kw.arg for kw in node.keywords}
        binary = any(isinstance(a, ast.Constant) and isinstance(a.value, str) and "b" in a.value for a in node.args[1:])
        if name in ("read_text", "write_text") and "encoding" not in keywords:
            lines.append(node.lineno)
        elif name == "open" and isinstance(node.func, ast.Name) and not binary and "encoding" not in keywords:
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", [*UI_FILES, *LIB_FILES], ids=lambda p: str(p.relative_to(ROOT)))
def test_text_files_name_their_encoding(path):
    """numba's first compile (UMAP's warm-up thread) switches the process locale to C for a moment, so a read
    that relies on the locale can decode as ASCII and fail on "×" or Chinese: every read names UTF-8."""
    assert reads_without_encoding(path) == []


def test_the_encoding_rule_sees_a_bare_read(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("p.read_text()\nopen('f')\nopen('f', 'rb')\np.read_text(encoding='utf-8')\n", encoding="utf-8")
    assert reads_without_encoding(probe) == [1, 2]
