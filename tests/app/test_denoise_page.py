"""The Denoising page through AppTest: empty state, a tiny pair trained on request, the test-noise pickers
re-rendering without retraining, adopting a denoising AE from the Train page, and failures as messages;
then the same page in Chinese (?lang=zh)."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.i18n import t
from aelib.labs import denoising
from aelib.train import TrainingDiverged
from appkit.denoising_views import N_EVAL, PAIR
from appkit.resources import dataset
from tests.app.helpers import figure, fresh, on, prefix, tiny_run, titles, values

PAGE = "pages/5_Denoising.py"


def tiny_pair(at, noise: str = "gaussian", level: float = 0.5):
    """Two 1-epoch models with a latent size of 4 on the 8×8 digits, trained from the page."""
    on(at, PAGE)
    at.selectbox(key="dn_dataset").set_value("digits").run()
    at.selectbox(key="dn_noise").set_value(noise).run()
    at.slider(key="dn_level").set_value(level).run()
    at.number_input(key="dn_epochs").set_value(1).run()
    at.number_input(key="dn_latent").set_value(4).run()
    at.button(key="dn_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def curve_fig(at) -> dict:
    return next(figure(c) for c in at.get("plotly_chart") if "PSNR against" in str(figure(c)["layout"].get("title")))


@pytest.fixture(scope="module")
def trained():
    return tiny_pair(fresh())


def test_without_models_the_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert any(i.value == t("denoising.empty", "en") for i in at.info)
    assert not at.get("plotly_chart") and "dn_use_main" not in [b.key for b in at.button]
    assert "corrupted" in at.markdown[0].value


def test_the_button_trains_both_models_and_shows_images_and_curve(trained):
    pair = trained.session_state[PAIR]
    assert pair.dae.cfg.model == "denoising_ae" and pair.plain.cfg.model == "ae"
    assert pair.dae.cfg.latent_dim == pair.plain.cfg.latent_dim == 4 and pair.dataset == "digits"
    assert [len(h) for h in pair.histories] == [1, 1]
    assert "aelab_run" not in trained.session_state  # the Train page's model slot is left alone
    images = figure(trained.get("plotly_chart")[0])
    assert images["data"][0]["type"] == "heatmap"
    assert list(images["layout"]["yaxis"]["ticktext"]) == ["noisy input", "denoising AE", "plain AE", "clean"]
    fig = curve_fig(trained)
    assert [t["name"] for t in fig["data"]] == ["noisy input", "denoising AE", "plain AE"]
    assert list(values(fig["data"][0]["x"])) == pytest.approx(list(denoising.CURVE_LEVELS))


def honest_notes_match(at, kind: str, level: float) -> None:
    """The page admits a loss exactly where the library's numbers show one: at the level shown, and on the curve."""
    pair = at.session_state[PAIR]
    x = dataset("digits").x_test[:N_EVAL]
    r = denoising.side_by_side(pair, x, kind, level)
    loses = not r["psnr_denoised"].mean() > r["psnr_plain"].mean()
    assert any("does **not** beat the plain one" in i.value for i in at.info) == loses
    worse = denoising.losing_levels(denoising.psnr_curve(pair.dae, pair.plain, x, kind))
    caption = " ".join(c.value for c in at.caption)
    assert ("does not beat the plain AE at level" in caption) == bool(worse)
    assert all(f"{v:g}" in caption for v in worse)


def test_shown_psnrs_are_the_library_s_numbers(trained):
    pair = trained.session_state[PAIR]
    x = dataset("digits").x_test[:N_EVAL]
    r = denoising.side_by_side(pair, x, "gaussian", 0.5)
    assert metric(trained, t("denoising.metric_noisy", "en")) == f"{r['psnr_noisy'].mean():.1f} dB"
    assert metric(trained, t("denoising.metric_dae", "en")) == f"{r['psnr_denoised'].mean():.1f} dB"
    assert metric(trained, t("denoising.metric_plain", "en")) == f"{r['psnr_plain'].mean():.1f} dB"
    honest_notes_match(trained, "gaussian", 0.5)


def test_changing_the_test_noise_rerenders_without_retraining(trained, monkeypatch):
    calls = []
    monkeypatch.setattr(denoising, "train_pair", lambda *a, **k: calls.append(a))
    pair = trained.session_state[PAIR]
    weights = next(pair.dae.parameters()).detach().clone()
    before = metric(trained, "Noisy input (PSNR)")
    trained.slider(key="dn_test_level").set_value(0.1).run()
    assert not trained.exception
    assert trained.session_state[PAIR] is pair and calls == []
    assert np.array_equal(next(pair.dae.parameters()).detach(), weights)
    assert float(metric(trained, t("denoising.metric_noisy", "en")).split()[0]) > float(before.split()[0])  # less noise
    assert curve_fig(trained)["layout"]["shapes"][0]["x0"] == pytest.approx(0.1)
    trained.selectbox(key="dn_test_noise").set_value("mask").run()
    assert not trained.exception and calls == [] and "masking" in str(curve_fig(trained)["layout"]["title"])
    trained.slider(key="dn_test_level").set_value(0.0).run()
    assert metric(trained, t("denoising.metric_noisy", "en")) == "∞ dB"  # level 0: the clean image itself
    assert any("PSNR = ∞" in c.value for c in trained.caption)
    honest_notes_match(trained, "mask", 0.0)
    trained.slider(key="dn_test_level").set_value(0.5).run()  # leave the shared session as it was
    trained.selectbox(key="dn_test_noise").set_value("gaussian").run()


def test_a_denoising_model_from_the_train_page_can_be_used_and_is_not_replaced():
    at = tiny_run(fresh(), dataset="digits", model="denoising_ae", epochs=1)
    run = at.session_state["aelab_run"]
    weights = next(run.model.parameters()).detach().clone()
    on(at, PAGE)
    at.button(key="dn_use_main").click().run()
    assert not at.exception, [e.value for e in at.exception]
    pair = at.session_state[PAIR]
    assert pair.dae is run.model and pair.source == t("origin.main", "en")
    assert pair.plain.cfg.model == "ae" and pair.plain.cfg.hidden == run.model_cfg.hidden
    assert at.session_state["aelab_run"] is run and len(run.history) == 1 and "plain_ae" not in run.extras
    assert np.array_equal(next(run.model.parameters()).detach(), weights)
    assert any(t("origin.main", "en") in c.value for c in at.caption)
    on(at, "pages/1_Train.py")  # once its own view has trained a plain AE, that one is used, not another
    at.button(key="extra_plain_ae").click().run()
    on(at, PAGE)
    at.button(key="dn_use_main").click().run()
    assert not at.exception and at.session_state[PAIR].plain is run.extras["plain_ae"][0]


def test_failed_training_is_a_message_and_keeps_the_previous_pair(monkeypatch):
    at = tiny_pair(fresh(), "mask", 0.3)
    pair = at.session_state[PAIR]
    assert (pair.noise, pair.noise_level) == ("mask", 0.3)
    assert at.selectbox(key="dn_test_noise").value == "mask" and at.slider(key="dn_test_level").value == 0.3

    def diverge(*args, **kwargs):
        raise TrainingDiverged(1, 0)

    monkeypatch.setattr(denoising, "train_pair", diverge)
    at.number_input(key="dn_epochs").set_value(2).run()
    at.button(key="dn_train").click().run()
    assert not at.exception
    diverged = prefix("error.diverged", "en", epoch=1)
    assert any(e.value.startswith(t("denoising.train_failed", "en", error=diverged)) for e in at.error)
    assert at.session_state[PAIR] is pair
    assert any(i.value == t("denoising.settings_differ", "en") for i in at.info)
    assert not at.button(key="dn_train").disabled  # inputs are usable again


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_denoising_page_speaks_chinese_before_and_after_training():
    at = on(fresh("zh"), PAGE)
    assert at.title[0].value == t("denoising.title", "zh") != t("denoising.title", "en")
    assert any(m.value == t("denoising.intro", "zh") for m in at.markdown)
    assert [i.value for i in at.info] == [t("denoising.empty", "zh")]
    assert at.button(key="dn_train").label == t("denoising.train", "zh")
    assert list(at.selectbox(key="dn_noise").options) == [t(f"noise.{k}.title", "zh")
                                                          for k in ("gaussian", "salt_pepper", "mask")]

    at = tiny_pair(fresh("zh"))
    assert [m.label for m in at.metric] == [t("denoising.metric_noisy", "zh"), t("denoising.metric_dae", "zh"),
                                            t("denoising.metric_plain", "zh")]
    assert at.subheader[0].value == t("denoising.rows_heading", "zh")
    captions = " ".join(c.value for c in at.caption)
    assert t("denoising.curve_note", "zh", n=len(dataset("digits").x_test[:N_EVAL])) in captions
    assert t("origin.here", "zh") in captions
    images = figure(at.get("plotly_chart")[0])
    assert list(images["layout"]["yaxis"]["ticktext"]) == [t(f"denoising.row_{k}", "zh")
                                                           for k in ("noisy", "dae", "plain", "clean")]
    assert titles(at)[1] == t("denoising.curve_title", "zh", noise=t("noise.gaussian.title", "zh"))
    assert all(not m.delta or m.delta.endswith("（相比含噪输入）") for m in at.metric)
