"""No English sentence is left in the UI code: every word a learner reads comes from the string tables (so the
Chinese page is Chinese). A lint over the pages and the view modules: any string literal that is not a docstring,
an identifier-like key, a path or an icon, and that holds a word outside TERMS (names and symbols that read the
same in both languages: PCA, MNIST, t-SNE ...), is reported with its line.

Run it on files while translating:  python tests/test_i18n_coverage.py pages/9_Super_resolution.py appkit/x.py
A line that must keep a literal (HTML markup, a format spec the scan misreads) ends with the comment `# no-i18n`."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# code that draws UI: the home page, the pages and the view modules (appkit modules without text are skipped: the
# scan finds nothing in them)
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "appkit").rglob("*.py")])
# words that are the same in Chinese text: method and data names, units, symbols, authors' names in citations
TERMS = set("""
AE VAE VAEs CVAE VQ AAE GAN GANs PCA SVD UMAP SNE MNIST Fashion CSV PNG JPEG JSON HTML SVG PSNR MSE BCE KL ELBO
AUROC AUPRC Lab ReLU Adam SGD GRU LSTM RNN CNN MLP CPU GPU CUDA MPS NN kNN ROC AUC PR
dB px KB MB GB ms s ok id ids x y z
safetensors torch numpy sklearn mlxtend umap openTSNE Streamlit Plotly PyTorch
et al
""".split())
IDENTIFIER = re.compile(r"^[\w.:/\-*#%<>=|,\[\]{}()]*$")  # keys, paths, icons, format specs: one token, lower case
WORD = re.compile(r"[A-Za-z]{2,}")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _in_raise_or_key(tree: ast.AST) -> set[int]:
    """Literals inside `raise` (a developer's error), subscripts and comparisons (keys and values, not words)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Raise, ast.Compare, ast.Subscript)):
            ids |= {id(n) for n in ast.walk(node) if isinstance(n, ast.Constant)}
        if isinstance(node, ast.Call):  # keys and other non-text keyword arguments
            for kw in node.keywords:
                if kw.arg in ("key", "type", "icon", "format", "width", "height", "layout", "on_click", "mime",
                              "file_name", "page", "value", "options", "default", "color", "mode", "symbol"):
                    ids |= {id(n) for n in ast.walk(kw.value) if isinstance(n, ast.Constant)}
            func = node.func
            name = getattr(func, "attr", getattr(func, "id", ""))
            if name in ("tr", "t", "latex", "setup", "get", "pop", "setdefault", "page_link", "switch_page", "Lab",
                        "startswith", "endswith", "split", "join", "replace", "getattr", "hasattr", "isinstance"):
                ids |= {id(n) for n in node.args[:1] if isinstance(n, ast.Constant)}
    return ids


def english_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each literal that reads as English UI text."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skip = _docstrings(tree) | _in_raise_or_key(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        text = node.value
        if lines[node.lineno - 1].rstrip().endswith("# no-i18n"):
            continue
        words = [w for w in WORD.findall(text) if w not in TERMS]
        if not words or (IDENTIFIER.match(text) and text == text.lower()):
            continue
        if re.fullmatch(r"[\w.]+", text) and "_" in text:  # a key such as "aelab_superres"
            continue
        if re.fullmatch(r"[\w./-]+\.(py|svg|png|json|csv|html|safetensors)", text):  # a file name
            continue
        found.append((node.lineno, text))
    return sorted(set(found))


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_english_literal_in_the_ui_code(path):
    assert [f"{line}: {text[:80]!r}" for line, text in english_literals(path)] == []


def test_the_lint_sees_english_and_lets_keys_through(tmp_path):
    f = tmp_path / "page.py"
    f.write_text('"""Docstring words."""\nimport streamlit as st\nst.title("Train an autoencoder")\n'
                 'st.button(tr("train.go"), key="sr_train")\nx = st.session_state.get("aelab_run")\n'
                 'st.caption(f"{n} epochs")\nst.metric("MSE", 1)\n'
                 'st.markdown("<div>", unsafe_allow_html=True)  # no-i18n\n'
                 'if mode == "Train": pass\n', encoding="utf-8")
    assert english_literals(f) == [(3, "Train an autoencoder"), (6, " epochs")]


if __name__ == "__main__":
    for arg in sys.argv[1:] or [str(p) for p in UI_FILES]:
        for line, text in english_literals(Path(arg)):
            print(f"{arg}:{line}: {text[:100]!r}")



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_home_page_names_the_train_button_as_the_learner_sees_it(lang):
    from aelib.i18n import t

    pressed = {"en": "Press {}", "zh": "按下“{}”"}[lang].format(t("train.button", lang))
    assert pressed in t("home.step1_text", lang)  # the Chinese home once said 按下“Train” for the 训练 button
