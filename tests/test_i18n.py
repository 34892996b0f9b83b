"""The string tables: English and Chinese have the same keys and placeholders (a key missing in either language
fails here), every key the code asks for exists, and the URL's language is parsed, never trusted."""
from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest

from aelib import i18n
from aelib.i18n import LANGS, missing_keys, page_slug, parse_lang, t, table
from aelib.teach import quiz

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_BOTH = {"lang.en", "lang.zh"}  # each language's name, in its own script


def worded_calls() -> tuple[str, ...]:
    """Words, Explained, DatasetUnavailable and every aelib class derived from them: calls whose first argument is
    a table key."""
    names, bases = {"Words", "Explained", "DatasetUnavailable"}, {}  # the last: a RuntimeError that says Words
    for path in (ROOT / "aelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
    while grown := {name for name, of in bases.items() if of & names and name not in names}:
        names |= grown
    return tuple(sorted(names))


WORDED = worded_calls()


def has_words(template: str) -> bool:
    """False for templates of placeholders, icons and punctuation only ("{correct} / {answered}")."""
    return bool(re.sub(r"\{[^}]*\}|:material/\w+:|[\W_]", "", template))


def tables() -> dict[str, dict[str, str]]:
    return {lang: dict(table(lang)) for lang in LANGS}


def test_both_languages_have_the_same_keys_and_placeholders():
    assert missing_keys() == []
    assert table("en").keys() == table("zh").keys()


@pytest.mark.parametrize("lang", LANGS)
def test_a_key_removed_from_either_language_is_reported(lang):
    copy = tables()
    del copy[lang]["quiz.check"]
    assert missing_keys(copy) == [f"{lang}: missing 'quiz.check'"]


def test_a_key_added_to_one_language_only_is_reported():
    copy = tables()
    copy["zh"]["quiz.only_here"] = "只有中文"
    assert missing_keys(copy) == ["en: missing 'quiz.only_here'"]


def test_an_empty_translation_counts_as_missing():
    copy = tables()
    copy["zh"]["quiz.check"] = ""
    assert missing_keys(copy) == ["zh: missing 'quiz.check'"]


def test_placeholders_must_match():
    copy = tables()
    copy["zh"]["quiz.progress"] = "已答 {n} 题"
    assert missing_keys(copy) == ["zh: 'quiz.progress' has placeholders ['n'], en has ['answered', 'total']"]
    copy["zh"]["quiz.progress"] = "已答 {answered / {total} 题"
    assert "unbalanced brace" in missing_keys(copy)[0]


def test_chinese_is_a_translation_not_a_copy():
    en, zh = table("en"), table("zh")
    worded = [k for k in en if k not in SAME_IN_BOTH and has_words(en[k])]
    assert len(worded) > 40
    assert [k for k in worded if en[k] == zh[k] or not CJK.search(zh[k])] == []


def used_keys(path: Path) -> set[str]:
    """Literal first arguments of tr(...) and t(...) calls, and of the library's worded values (Words("key", ...));
    the heading key a page gives page.setup."""
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("tr", "t", *WORDED)
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            keys.add(node.args[0].value)
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "setup" and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
            keys.add(node.args[1].value)  # page.setup(label, heading key)
    return keys


def test_every_key_the_code_asks_for_exists():
    from aelib.data import DATASETS
    from aelib.data.noise import NOISES
    from aelib.labs.generation import MIDPOINT_COLUMNS
    from aelib.models import MODELS
    from aelib.sharing.quickstart import SETUPS
    from appkit.page import PAGES, SECTIONS, section

    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "appkit").rglob("*.py"),
             *(ROOT / "aelib").rglob("*.py")]
    literal = set().union(*(used_keys(f) for f in files))
    assert {"quiz.title", "lang.label", "home.title", "error.diverged", "source.mnist5k"} <= literal  # the scan works
    built = ({f"topic.{k}" for k in quiz.TOPICS} | {f"page.{page_slug(p)}" for p in quiz.PAGES}
             | {f"lang.{code}" for code in LANGS} | {"quiz.option_right", "quiz.option_wrong"}
             | {f"page.{page_slug(label)}" for _, label, _ in PAGES} | set(SECTIONS.values())  # the sidebar
             | {f"home.step{i}{end}" for i in (1, 2, 3) for end in ("", "_text")}  # the home page's built keys
             | {f"home.use.{page_slug(label)}" for _, label, _ in section("nav.apply")}
             | {f"family.{name}.{part}" for name in MODELS for part in ("title", "summary")}  # appkit.i18n
             | {w.key for info in [*DATASETS.values(), *NOISES.values()] for w in (info.title, info.description)}
             | {w.key for s in SETUPS.values() for w in (s.title, s.use)}  # the bundled models' names and uses
             | {f"generation.col_{c}" for c in MIDPOINT_COLUMNS if c != "sqrt_d"})  # appkit.generation_views
    assert sorted((literal | built) - table("en").keys()) == []


def english_constants(root: Path, min_len: int = 25) -> list[tuple[str, int, str]]:
    """(file, line, table key) of each string constant in root's modules that equals an English table value
    longer than min_len characters: words written in the code as well as in the table (docstrings included, so a
    docstring that quotes a table value is reported too)."""
    english = {v: k for k, v in table("en").items() if len(v) > min_len}
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in english:
                found.append((str(path.relative_to(root.parent)), node.lineno, english[node.value]))
    return found


def test_the_library_writes_no_english_that_the_tables_hold():
    """A title or description lives in the tables only: aelib names it by its key (Words), so the two copies
    cannot drift apart."""
    assert english_constants(ROOT / "aelib") == []


def test_the_duplicate_scan_finds_a_copied_sentence(tmp_path):
    key, text = next((k, v) for k, v in table("en").items() if k.startswith("data.") and len(v) > 25)
    (tmp_path / "aelib").mkdir()
    (tmp_path / "aelib" / "m.py").write_text(f"TITLE = {text!r}\nKEY = {key!r}\n", encoding="utf-8")
    assert english_constants(tmp_path / "aelib") == [("aelib/m.py", 1, key)]


def test_registry_words_are_english_and_say_chinese():
    from aelib.data import DATASETS, load_dataset
    from aelib.data.noise import NOISES

    info = DATASETS["digits"]
    assert info.title == t("data.digits.title", "en") and info.title.say("zh") == t("data.digits.title", "zh")
    assert NOISES["mask"].description.say("zh") == t("noise.mask.description", "zh") != NOISES["mask"].description
    assert load_dataset("digits").source.say("zh") == t("source.digits", "zh")


def test_t_formats_and_falls_back():
    assert t("quiz.progress", "en", answered=3, total=46) == "3 of 46 answered"
    assert t("quiz.progress", "zh", answered=3, total=46) == "已答 3 / 46 题"
    assert t("quiz.title", "xx") == t("quiz.title", "en")  # an unknown language reads English
    assert t("no.such.key", "zh") == "no.such.key"  # visible, never a crash (and the test above catches it)


@pytest.mark.parametrize("value", ["zh", "ZH", " zh ", "zh-CN", "zh-Hans"])
def test_parse_lang_accepts_chinese(value):
    assert parse_lang(value) == "zh"


@pytest.mark.parametrize("value", ["../../etc", "../zh", "__import__('os')", "zh\x00", "", "de", "x" * 10_000,
                                   None, 1, ["zh"], {"lang": "zh"}])
def test_parse_lang_turns_anything_else_into_english(value):
    assert parse_lang(value) == "en"


def test_table_refuses_a_name_outside_the_list():
    with pytest.raises(ValueError):
        table("../../etc/passwd")


def test_tables_are_read_as_utf8():
    assert CJK.search(table("zh")["quiz.title"])
    assert i18n.I18N_DIR == ROOT / "assets" / "i18n"


def bold_that_breaks(text: str) -> list[str]:
    """`**…**` spans that CommonMark will not close: a closing `**` after punctuation and before a letter, as in
    "**正确答案：**{option}" (it shows the asterisks). Put the punctuation outside the bold."""
    def kind(ch: str) -> str:
        return "space" if ch.isspace() else "punct" if unicodedata.category(ch)[0] in "PS" else "letter"

    parts = text.split("**")
    return [parts[i] for i in range(1, len(parts) - 1, 2)
            if parts[i] and parts[i + 1] and kind(parts[i][-1]) == "punct" and kind(parts[i + 1][0]) == "letter"]


def test_bold_markdown_closes_in_every_text():
    texts = [*table("en").values(), *table("zh").values()]
    for q in quiz.load_questions():
        texts += [q.stem[lang] for lang in LANGS]
        texts += [s[lang] for o in q.options for s in (o.text, o.why) for lang in LANGS]
    assert bold_that_breaks("**正确答案：**答案") == ["正确答案："]
    assert [b for text in texts for b in bold_that_breaks(text)] == []


def test_the_home_diagram_has_a_chinese_twin():
    import xml.etree.ElementTree as ET

    def labels(name: str) -> list[str]:
        root = ET.parse(ROOT / "assets" / name).getroot()
        return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]

    en, zh = labels("autoencoder.svg"), labels("autoencoder.zh.svg")
    assert len(en) == len(zh) > 5
    worded = [(a, b) for a, b in zip(en, zh) if len(a) > 2]  # the symbols x, z, x̂ are the same in both
    assert worded and all(CJK.search(b) and not CJK.search(a) for a, b in worded)


def test_words_are_the_english_text_and_can_say_it_in_chinese():
    import json
    import pickle

    from aelib.i18n import Words

    inner = Words("source.labels_column", column="kind")
    w = Words("source.table", name="pets.csv", rows="90", columns=3, labels=inner)
    assert w == "your table pets.csv: 90 rows × 3 columns, labels from 'kind'"  # a str: English wherever it goes
    assert json.loads(json.dumps({"w": w})) == {"w": str(w)} and "90 rows" in w
    assert w.say("zh") == t("source.table", "zh", name="pets.csv", rows="90", columns=3,
                            labels=t("source.labels_column", "zh", column="kind"))  # the inner Words in Chinese too
    assert pickle.loads(pickle.dumps(w)).say("zh") == w.say("zh")


def test_a_list_of_names_is_quoted_and_separated_as_each_language_writes_it():
    from aelib.i18n import Listed, Words

    names = Listed(["a", 2, "c"])
    assert names == "'a', '2', 'c'" and names.say("en") == names
    assert names.say("zh") == "“a”、“2”、“c”"
    assert Words("your_data.names_more", shown=names, n=4).say("zh").startswith("“a”、“2”、“c”")  # nested: Chinese too
    assert Listed([]) == "" and Listed(["x"]).say("zh") == "“x”"


def test_a_learners_error_keeps_english_for_the_library_and_says_it_in_chinese(tmp_path):
    from aelib.data import DatasetUnavailable, load_dataset
    from aelib.i18n import say
    from aelib.projections import check_tsne
    from aelib.train import TrainingDiverged

    with pytest.raises(ValueError) as err:
        check_tsne(100, perplexity=500)
    assert "perplexity must be between 0 and the number of points (100)" in str(err.value)
    assert say(err.value, "zh") == t("error.tsne_perplexity", "zh", n=100, got="500")
    assert CJK.search(say(err.value, "zh"))
    diverged = TrainingDiverged(3, 2, 1e9, 0.5)
    assert str(diverged).startswith("Training diverged in epoch 3") and "epoch 2" in str(diverged)
    assert say(diverged, "zh").startswith(t("error.diverged", "zh", epoch=3, limit="100", seen="", kept="")[:8])
    assert "第 2 轮" in say(diverged, "zh")
    with pytest.raises(DatasetUnavailable) as missing:
        load_dataset("mnist", data_dir=str(tmp_path))
    assert str(missing.value).startswith("No MNIST files in") and say(missing.value, "zh").startswith(str(tmp_path))
    assert say(ValueError("plain"), "zh") == "plain"  # an error without Words speaks for itself
