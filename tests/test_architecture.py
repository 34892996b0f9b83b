"""The house rules, checked by parsing the source: aelib never imports streamlit; pages, app.py and
appkit never import torch (the torch -> numpy boundary is aelib.infer)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "appkit").rglob("*.py"))]
LIB_FILES = sorted((ROOT / "aelib").rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_rule_sees_imports(tmp_path):
    probe = tmp_path / "few_labels.py"
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
    probe = tmp_path / "few_labels.py"
    probe.write_text("p.read_text()\nopen('f')\nopen('f', 'rb')\np.read_text(encoding='utf-8')\n", encoding="utf-8")
    assert reads_without_encoding(probe) == [1, 2]


# aelib's rooms, lowest first: a module may import from its own layer or a lower one, never a higher one.
# (i18n and the figure style sit under everything; data under the models that read it; the core trains, measures
# and projects; the labs, teaching and sharing build on the core; the command line and benchmarks on all of it.)
LAYERS = [
    {"aelib.i18n", "aelib.plots", "aelib.limits", "aelib.settings"},
    {"aelib.data"},
    {"aelib.models"},
    {"aelib.train", "aelib.infer", "aelib.metrics", "aelib.projections", "aelib.replay", "aelib.jobs",
     "aelib.diagnostics", "aelib.experiment", "aelib.estimators", "aelib.store"},
    {"aelib.labs", "aelib.teach", "aelib.sharing", "aelib.runs", "aelib.classroom"},
    {"aelib.cli", "aelib.bench", "aelib.__main__", "aelib"},
]
MAX_TOP_MODULES = 16  # later features land in rooms (sub-packages), not at the top


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """The layer of aelib.<room>[.<module>...]: the longest listed prefix decides."""
    best = None
    for level, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (level, name)
    if best is None:
        raise AssertionError(f"{module} is in no layer of tests/test_architecture.py's LAYERS")
    return best[0]


def aelib_imports(path: Path) -> set[str]:
    """The aelib modules a file imports (from aelib.x import y counts y too when y is a module of aelib.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "aelib"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("aelib"):
            found |= {f"{node.module}.{a.name}" if node.module == "aelib" else node.module for a in node.names}
    return found


def layering_violations(root: Path) -> list[str]:
    """Every import of aelib by aelib that goes up a layer, and every streamlit import, in a source tree."""
    problems = []
    for path in sorted((root / "aelib").rglob("*.py")):
        here = module_name(path, root)
        if "streamlit" in imported_roots(path):
            problems.append(f"{here} imports streamlit")
        for target in aelib_imports(path):
            if layer_of(target) > layer_of(here):
                problems.append(f"{here} (layer {layer_of(here)}) imports {target} (layer {layer_of(target)})")
    return problems


def test_aelib_imports_only_down_the_layers():
    assert layering_violations(ROOT) == []


def test_a_violation_planted_in_a_room_is_caught(tmp_path):
    """The checks read sub-packages too: copy aelib, plant an upward import and a streamlit import in rooms."""
    import shutil

    shutil.copytree(ROOT / "aelib", tmp_path / "aelib", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "aelib" / "models" / "planted.py").write_text("from aelib.labs import anomaly\n", encoding="utf-8")
    (tmp_path / "aelib" / "labs" / "planted_ui.py").write_text("import streamlit as st\n", encoding="utf-8")
    problems = layering_violations(tmp_path)
    assert any(p.startswith("aelib.models.planted (layer 2) imports aelib.labs") for p in problems)
    assert "aelib.labs.planted_ui imports streamlit" in problems
    assert tmp_path / "aelib" / "labs" / "planted_ui.py" in sorted((tmp_path / "aelib").rglob("*.py"))


def test_aelib_top_folder_stays_small():
    top = sorted(p.name for p in (ROOT / "aelib").glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, f"{len(top)} modules at aelib's top: put new ones in a room ({top})"


def test_no_import_cycles_between_aelib_modules():
    graph = {module_name(p, ROOT): {t for t in aelib_imports(p)} for p in (ROOT / "aelib").rglob("*.py")}
    modules = set(graph)
    edges = {m: {t if t in modules else t.rsplit(".", 1)[0] for t in ts} & modules - {m} for m, ts in graph.items()}
    # a package's __init__ importing its own submodules is not a cycle; strip those edges
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in edges.items()}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, m, t]))
            if t not in state:
                visit(t, [*path, m])
        state[m] = 2

    for m in sorted(modules):
        if m not in state:
            visit(m, [])
