"""What every AppTest of a page does: open the app (optionally in a language), switch to a page, train a tiny model
on the Train page, read a plotly chart's figure, titles and arrays, and check that a page speaks Chinese."""
from __future__ import annotations

import base64
import json
import re
import string
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from aelib.i18n import t, table

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 180  # torch and sklearn imports are slow on a cold start
CJK = re.compile(r"[\u4e00-\u9fff]")  # a Chinese character


def fresh(lang: str | None = None) -> AppTest:
    """A new session on the home page; lang: opened with ?lang=<lang>."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ok(at: AppTest) -> AppTest:
    """The session, after checking that its last run raised no exception."""
    assert not at.exception, [e.value for e in at.exception]
    return at


def on(at: AppTest, page: str) -> AppTest:
    """The session switched to `page` (a path such as "pages/1_Train.py"), run without an exception."""
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tiny_run(at: AppTest, dataset: str = "digits", model: str = "ae", epochs: int = 2, latent: int = 2) -> AppTest:
    """The session after pressing Train on the Train page with these settings (a few seconds on the 8×8 digits)."""
    on(at, "pages/1_Train.py")
    at.selectbox(key="dataset").set_value(dataset).run()
    at.selectbox(key="model").set_value(model).run()
    at.number_input(key="latent_dim").set_value(latent).run()
    at.number_input(key="epochs").set_value(epochs).run()
    at.button(key="train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(chart) -> dict:
    """A plotly chart element's figure as a dict."""
    return json.loads(chart.proto.spec)


def values(arr) -> np.ndarray:
    """A plotly array from a figure's JSON: a list, or plotly's typed-array form {"dtype", "bdata"}."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"])
    return np.asarray(arr)


def titles(at: AppTest) -> list[str]:
    """The title of every plotly chart on the page, in order ("" for a chart without one)."""
    return [str(figure(c).get("layout", {}).get("title", {}).get("text", "")) for c in at.get("plotly_chart")]


def chart_titled(at: AppTest, title: str) -> dict:
    """The figure of the first chart whose title is exactly `title`."""
    return next(figure(c) for c in at.get("plotly_chart") if figure(c)["layout"].get("title", {}).get("text") == title)


def rows_of(fig: dict) -> list[str]:
    """An image grid's row labels: its y-axis tick texts."""
    return list(fig["layout"]["yaxis"].get("ticktext", []))


def marked(key: str, lang: str, **fmt: object) -> str:
    """The text of `key` in `lang` with `fmt` filled in, and a NUL in each placeholder that `fmt` leaves out or
    gives as `...` (a value the test cannot know, such as a time in seconds)."""
    names = [name for _, name, _, _ in string.Formatter().parse(table(lang)[key]) if name]
    return t(key, lang, **{n: "\0" if fmt.get(n, ...) is ... else fmt[n] for n in names})


def prefix(key: str, lang: str, **fmt: object) -> str:
    """The text of `key` in `lang` with `fmt` filled in, up to its first placeholder not in `fmt` (or given as `...`):
    what the message starts with."""
    return marked(key, lang, **fmt).split("\0")[0]


def main_texts(at: AppTest) -> list[str]:
    """Every sentence the page itself shows (not the sidebar)."""
    m = at.main
    return [e.value for kind in (m.title, m.subheader, m.markdown, m.caption, m.info, m.warning, m.success, m.error)
            for e in kind]


def assert_chinese(at: AppTest) -> None:
    """No exception, and every sentence the page shows has Chinese in it."""
    assert not at.exception, [e.value for e in at.exception]
    assert [s for s in main_texts(at) if not CJK.search(s)] == []


def chinese_page(page: str, area: str) -> AppTest:
    """The page opened in Chinese before any run: its title, introduction and "nothing yet" note from `area`'s
    table, and nothing else in English."""
    at = on(fresh("zh"), page)
    assert_chinese(at)
    assert at.title[0].value == t(f"{area}.title", "zh")
    assert at.main.markdown[0].value == t(f"{area}.intro", "zh")
    assert any(i.value == t(f"{area}.empty", "zh") for i in at.info)
    return at


def zh(key: str, **fmt: object) -> str:
    """The Chinese text of `key`, with `fmt` filled in."""
    return t(key, "zh", **fmt)


def fits(text: str, key: str, lang: str, **fmt: object) -> bool:
    """Whether `text` is the text of `key` in `lang` with `fmt` filled in and any value in its other placeholders."""
    pattern = "(.+?)".join(re.escape(part) for part in marked(key, lang, **fmt).split("\0"))
    return re.fullmatch(pattern, text, re.S) is not None
