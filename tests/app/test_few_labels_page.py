"""The Few labels page through AppTest: empty state, a tiny extractor trained on request with its curves and
table, the Train page's model used as the extractor (never replaced), and failures as messages; then
the same page in Chinese (?lang=zh)."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.i18n import t
from aelib.labs import few_labels
from aelib.train import TrainingDiverged
from appkit.few_labels_views import RESULT
from tests.app.helpers import assert_chinese, chart_titled, chinese_page, figure, fresh, on, prefix, tiny_run

PAGE = "pages/11_Few_labels.py"


def tiny_lab(at):
    """A 1-epoch AE with a 2-D code on the 8×8 digits, one draw per k, from the page."""
    on(at, PAGE)
    at.selectbox(key="fl_dataset").set_value("digits").run()
    at.number_input(key="fl_latent").set_value(2).run()
    at.number_input(key="fl_epochs").set_value(1).run()
    at.number_input(key="fl_repeats").set_value(1).run()
    at.button(key="fl_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def trained():
    return tiny_lab(fresh())


def test_without_a_result_the_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert any(i.value == t("few_labels.empty", "en") for i in at.info)
    assert not at.get("plotly_chart") and "fl_use_main" not in [b.key for b in at.button]


def test_the_button_measures_three_curves_and_a_table(trained):
    lab = trained.session_state[RESULT]
    assert lab.dataset == "digits" and lab.latent_dim == 2 and lab.repeats == 1
    assert lab.curve["k"][0] == 1 and lab.curve["k"][-1] == "all"
    assert "aelab_run" not in trained.session_state  # the Train page's model slot is left alone
    fig = figure(trained.get("plotly_chart")[0])
    names = [t["name"] for t in fig["data"] if t.get("showlegend") is not False]
    assert [n.split(" (")[0] for n in names] == [few_labels.FEATURE_TITLES[f] for f in few_labels.FEATURE_SETS]
    df = trained.dataframe[0].value
    assert list(df[t("few_labels.col_labels", "en")]) == [str(k) for k in lab.curve["k"]]
    assert df.iloc[-1, 1] == f"{lab.curve['raw']['mean'][-1]:.3f} ± 0.000"
    assert any("labelled example" in i.value for i in trained.info)  # the verdict in words


def test_the_train_page_model_can_be_the_extractor_and_is_not_replaced():
    at = tiny_run(fresh(), dataset="digits", model="ae", epochs=1, latent=3)
    run = at.session_state["aelab_run"]
    weights = next(run.model.parameters()).detach().clone()
    on(at, PAGE)
    at.number_input(key="fl_repeats").set_value(1).run()
    at.button(key="fl_use_main").click().run()
    assert not at.exception, [e.value for e in at.exception]
    lab = at.session_state[RESULT]
    assert lab.source == t("origin.main", "en") and lab.latent_dim == 3
    assert at.session_state["aelab_run"] is run and np.array_equal(next(run.model.parameters()).detach(), weights)
    assert any(t("origin.main", "en") in c.value for c in at.caption)


def test_a_conditional_model_is_not_offered():
    at = tiny_run(fresh(), dataset="digits", model="cvae", epochs=1)
    on(at, PAGE)
    assert "fl_use_main" not in [b.key for b in at.button]
    assert any("give the answer away" in c.value for c in at.caption)


def test_failed_training_is_a_message(monkeypatch):
    def diverge(*args, **kwargs):
        raise TrainingDiverged(1, 0)

    monkeypatch.setattr(few_labels, "train_extractor", diverge)
    at = on(fresh(), PAGE)
    at.button(key="fl_train").click().run()
    assert not at.exception
    diverged = prefix("error.diverged", "en", epoch=1)
    assert any(e.value.startswith(t("few_labels.error", "en", error=diverged)) for e in at.error)
    assert not at.button(key="fl_train").disabled


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_few_labels_page_in_chinese():
    at = chinese_page(PAGE, "few_labels")
    assert at.number_input(key="fl_latent").label == t("few_labels.code_size", "zh")

    tiny_lab(at)
    assert_chinese(at)
    assert at.subheader[0].value == t("few_labels.results", "zh")
    fig = chart_titled(at, t("few_labels.chart_title", "zh", n=at.session_state[RESULT].n_test))
    assert fig["layout"]["xaxis"]["title"]["text"] == t("few_labels.chart_x", "zh")
    assert fig["layout"]["xaxis"]["ticktext"][-1].startswith(t("few_labels.all", "zh"))
    names = [d["name"] for d in fig["data"] if d.get("showlegend") is not False]
    assert names[0] == t("few_labels.curve_name", "zh", features=t("few_labels.feature.raw", "zh"),
                         width=t("few_labels.width_raw", "zh"))
    df = at.dataframe[0].value
    assert list(df.columns)[:2] == [t("few_labels.col_labels", "zh"), t("few_labels.feature.raw", "zh")]
    assert df.iloc[-1, 0] == t("few_labels.all", "zh")
    assert t("few_labels.how_to_read", "zh") in [e.label for e in at.expander]  # beside the share box
