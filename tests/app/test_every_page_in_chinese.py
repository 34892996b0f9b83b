"""Every page of the sidebar opens in Chinese (?lang=zh) without an exception, with a Chinese title and a Chinese
tab title, and switches back to English with the picker."""
from __future__ import annotations

import pytest

from aelib.i18n import page_slug, t
from appkit.page import PAGES
from tests.app.helpers import CJK, fresh


@pytest.mark.parametrize(("path", "label"), [(p, label) for p, label, _ in PAGES], ids=[p for p, _, _ in PAGES])
def test_the_page_opens_in_chinese(path, label):
    at = fresh("zh")
    if path != "app.py":
        at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and CJK.search(at.title[0].value), at.title[0].value if at.title else "no title"
    links = [link.label for link in at.sidebar.get("page_link")]
    assert t(f"page.{page_slug(label)}", "zh") in links
    assert not [m.value for m in at.main.get("markdown") if m.value.startswith("page.")]  # no bare keys shown

    at.sidebar.segmented_control(key="lang_picker").set_value("en").run()
    assert not at.exception
    assert at.title and not CJK.search(at.title[0].value)
