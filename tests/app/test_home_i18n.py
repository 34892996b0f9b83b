"""The home page in both languages: every visible sentence comes from the tables, and `?lang=zh` switches it."""
from aelib.i18n import t
from tests.app.test_pages import fresh


def test_the_home_page_speaks_chinese_with_lang_zh_and_english_without():
    for lang in ("en", "zh"):
        at = fresh(lang if lang == "zh" else None)
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == t("home.title", lang)
        assert [m.value for m in at.markdown if m.value == t("home.steps", lang)]
        assert any(c.value == t("home.offline", lang) for c in at.caption)
    assert t("home.title", "zh") != t("home.title", "en")


