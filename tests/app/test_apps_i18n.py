"""The Compression, Few labels and Augmentation pages in Chinese (`?lang=zh`): the page's own words, its inputs, and
the results of a tiny run all come from the tables."""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from appkit.few_labels_views import RESULT
from tests.app.test_augmentation_page import tiny as augment_lab
from tests.app.test_compression_page import tiny_lab as compression_lab
from tests.app.test_few_labels_page import tiny_lab as probe_lab
from tests.app.test_pages import figure, fresh, on

CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(page: str, area: str) -> AppTest:
    """The page opened in Chinese before any run: its title, introduction and "nothing yet" note from `area`'s
    table, and nothing else in English."""
    at = on(fresh("zh"), page)
    assert_chinese(at)
    assert at.title[0].value == t(f"{area}.title", "zh")
    assert at.main.markdown[0].value == t(f"{area}.intro", "zh")
    assert any(i.value == t(f"{area}.empty", "zh") for i in at.info)
    return at


def main_texts(at: AppTest) -> list[str]:
    """Every sentence the page itself shows (not the sidebar)."""
    m = at.main
    return [e.value for kind in (m.title, m.subheader, m.markdown, m.caption, m.info, m.warning, m.success, m.error)
            for e in kind]


def assert_chinese(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert [s for s in main_texts(at) if not CJK.search(s)] == []


def chart(at: AppTest, title: str) -> dict:
    return next(figure(c) for c in at.get("plotly_chart") if figure(c)["layout"]["title"]["text"] == title)


def test_the_compression_page_in_chinese():
    at = zh("pages/10_Compression.py", "compression")
    assert at.button(key="cz_train").label == t("compression.train", "zh")
    data = at.selectbox(key="cz_dataset")
    assert data.label == t("lab.data", "zh") and t("data.digits.title", "zh") in data.options

    compression_lab(at)
    assert_chinese(at)
    assert at.subheader[0].value == t("compression.results", "zh")
    names = [d["name"] for d in chart(at, t("compression.chart_title", "zh"))["data"]]
    assert names[0] == t("compression.trace", "zh", method=t("compression.method.ae", "zh"), size=2)
    assert t("compression.method.jpeg_data", "zh") in names
    rows = figure(at.get("plotly_chart")[1])["layout"]["yaxis"]["ticktext"]
    assert rows[0] == t("compression.original", "zh")
    assert t("compression.col_budget", "zh") in at.dataframe[0].value.columns

    at.multiselect(key="cz_bits").set_value([]).run()
    assert any(i.value == t("compression.no_bits", "zh") for i in at.info)


def test_the_few_labels_page_in_chinese():
    at = zh("pages/11_Few_labels.py", "few_labels")
    assert at.number_input(key="fl_latent").label == t("few_labels.code_size", "zh")

    probe_lab(at)
    assert_chinese(at)
    assert at.subheader[0].value == t("few_labels.results", "zh")
    fig = chart(at, t("few_labels.chart_title", "zh", n=at.session_state[RESULT].n_test))
    assert fig["layout"]["xaxis"]["title"]["text"] == t("few_labels.chart_x", "zh")
    assert fig["layout"]["xaxis"]["ticktext"][-1].startswith(t("few_labels.all", "zh"))
    names = [d["name"] for d in fig["data"] if d.get("showlegend") is not False]
    assert names[0] == t("few_labels.curve_name", "zh", features=t("few_labels.feature.raw", "zh"),
                         width=t("few_labels.width_raw", "zh"))
    df = at.dataframe[0].value
    assert list(df.columns)[:2] == [t("few_labels.col_labels", "zh"), t("few_labels.feature.raw", "zh")]
    assert df.iloc[-1, 0] == t("few_labels.all", "zh")
    assert at.expander[0].label == t("few_labels.how_to_read", "zh")


def test_the_augmentation_page_in_chinese():
    at = zh("pages/12_Augmentation.py", "augmentation")
    assert at.slider(key="aug_jitter").label == t("augmentation.jitter", "zh")

    augment_lab(at)
    assert_chinese(at)
    assert at.subheader[0].value == t("augmentation.results", "zh")
    assert t("origin.here", "zh") in at.caption[0].value
    verdicts = [m.value for m in (*at.success, *at.warning)]
    assert len(verdicts) == 1 and verdicts[0].startswith(t("augmentation.verdict_name.cvae", "zh"))
    bars = figure(at.get("plotly_chart")[0])
    assert bars["layout"]["yaxis"]["title"]["text"] == t("few_labels.chart_y", "zh")
    assert bars["data"][0]["x"][0].startswith(t("augmentation.short.none", "zh"))
    images = figure(at.get("plotly_chart")[1])
    assert list(images["layout"]["yaxis"]["ticktext"]) == [t("augmentation.row.labelled", "zh"),
                                                           t("augmentation.row.cvae", "zh"),
                                                           t("augmentation.row.jitter", "zh")]
