"""The "Where autoencoders are used" page through AppTest: a case note per field with its four parts, the two live
demos on small settings (their charts and verdicts written from the numbers), in English and in Chinese; and the
Train page's code view of a family."""
from __future__ import annotations

from aelib.i18n import t
from appkit.where_views import CASES
from tests.app.helpers import CJK, figure, fresh, on, tiny_run, titles

PAGE = "pages/15_Where_used.py"


def test_every_case_note_has_what_family_evaluation_and_a_reading():
    at = on(fresh(), PAGE)
    assert at.title[0].value == t("where.title", "en")
    labels = [e.label for e in at.expander]
    assert all(t(f"where.case.{c}.title", "en") in labels for c in CASES) and len(CASES) == 12
    notes = [m.value for m in at.markdown if m.value.startswith("**" + t("where.label.encoded", "en"))]
    assert len(notes) == 12 and all(t("where.label.source", "en") in n for n in notes)
    assert [i.value for i in at.info] == [t("where.rec.empty", "en"), t("where.fc.empty", "en")]
    assert any("class AutoRec(" in c.value for c in at.code) and any("class WindowNet(" in c.value for c in at.code)


def test_the_recommender_demo_runs_and_says_what_the_numbers_show():
    at = on(fresh(), PAGE)
    at.number_input(key="where_users").set_value(100).run()
    at.number_input(key="where_items").set_value(50).run()
    at.number_input(key="where_rec_epochs").set_value(5).run()
    at.button(key="where_rec_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state["aelab_where_rec_result"]
    assert result.ratings.train.shape == (100, 50)
    fig = next(figure(c) for c in at.get("plotly_chart") if t("where.rec.plot_title", "en") in str(figure(c)))
    assert [round(v, 6) for v in fig["data"][0]["y"]] == [round(result.rmse[m], 6) for m in (
        "global_mean", "item_means", "autorec_unmasked", "autorec_masked")]
    s = result.rmse
    key = "where.rec.better" if s["autorec_masked"] < s["item_means"] else "where.rec.worse"
    said = t(key, "en", model=f"{s['autorec_masked']:.3f}", baseline=f"{s['item_means']:.3f}")
    assert said in [m.value for m in at.markdown]
    assert not at.number_input(key="where_users").disabled  # inputs are free again after the run


def test_the_forecasting_demo_runs_in_chinese():
    at = on(fresh("zh"), PAGE)
    assert CJK.search(at.title[0].value) and all(CJK.search(e.label) for e in at.expander[:12])
    at.number_input(key="where_fc_epochs").set_value(2).run()
    at.slider(key="where_horizon").set_value(8).run()
    at.button(key="where_fc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    result = at.session_state["aelab_where_fc_result"]
    assert result.cfg.horizon == 8 and result.forecasts["forecaster"].shape[1] == 8
    assert t("where.fc.bars_title", "zh") in titles(at)
    assert t("where.fc.rows_title", "zh", history=48, horizon=8) in titles(at)
    verdicts = [m.value for m in at.markdown if m.value.startswith(("预测器在未来上的误差", "在这些设置下"))]
    assert len(verdicts) == 1 and CJK.search(verdicts[0])


def test_the_train_page_shows_the_familys_pytorch_code():
    at = tiny_run(fresh(), model="vae")
    code = [c.value for c in at.code]
    assert any("class VAE(" in c and "def loss_terms" in c and "def kl_to_standard_normal" in c for c in code)
    assert any(e.label == t("code.expander", "en", family=t("family.vae.title", "en")) for e in at.expander)
