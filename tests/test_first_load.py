"""A page shows itself before the heavy modules load: every page calls page.setup(label, heading) before importing
anything but Streamlit and the i18n modules, so a fresh server's first visitor sees the sidebar, the heading and
the "loading" note at once instead of a blank page while torch is imported (tens of seconds on a cold server)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIGHT = {"__future__", "pathlib", "streamlit", "aelib.i18n", "appkit.i18n", "appkit.page"}  # may come above setup
PAGES = [pytest.param(p, id=p.name) for p in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]]


def modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement loads: `from appkit import page` loads appkit.page."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.module in ("appkit", "aelib"):
        return [f"{node.module}.{a.name}" for a in node.names]
    return [node.module]


def before_setup(path: Path) -> tuple[list[str], ast.Call | None]:
    """The modules a page imports before it calls page.setup, and that call (None if the page never calls it
    before some other statement)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    loaded = []
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            loaded += modules(node)
            continue
        call = node.value if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) else None
        is_setup = call is not None and ast.unparse(call.func) == "page.setup"
        return loaded, call if is_setup else None
    return loaded, None


@pytest.mark.parametrize("path", PAGES)
def test_a_page_draws_its_heading_before_importing_anything_heavy(path):
    loaded, setup = before_setup(path)
    assert setup is not None, "the first statement after the imports must be page.setup(...)"
    assert sorted(set(loaded) - LIGHT) == [], "import these after page.setup: they load torch or the data libraries"
    assert len(setup.args) == 2 or any(k.arg == "heading" for k in setup.keywords), "page.setup(label, heading)"


def test_what_may_come_above_setup_is_light():
    """The allowed modules, imported together in a fresh interpreter, load neither torch nor sklearn."""
    code = "; ".join(f"import {m}" for m in sorted(LIGHT - {"__future__"}))
    code += "; import sys; print(sorted(m for m in ('torch', 'sklearn', 'scipy', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"
