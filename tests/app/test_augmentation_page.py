"""The Augmentation page through AppTest: empty state, a tiny comparison run on request (bars, verdict, the
generated images), the Train page's model used for the jittered codes (never replaced), and failures as messages.
Then the same page in Chinese (?lang=zh)."""
from __future__ import annotations

import numpy as np
import pytest

from aelib.i18n import t
from aelib.labs import augmentation
from appkit.augmentation_views import RESULT
from tests.app.helpers import assert_chinese, chinese_page, figure, fits, fresh, on, tiny_run

PAGE = "pages/12_Augmentation.py"


def tiny(at, button: str = "aug_train"):
    """2 labelled and 3 generated digits per class, one draw, 1-epoch models on the 8×8 digits."""
    on(at, PAGE)
    at.selectbox(key="aug_dataset").set_value("digits").run()
    for key, v in (("aug_labels", 2), ("aug_generated", 3), ("aug_repeats", 1), ("aug_cvae_epochs", 1),
                   ("aug_ae_epochs", 1)):
        at.number_input(key=key).set_value(v).run()
    at.button(key=button).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def trained():
    return tiny(fresh())


def test_without_a_result_the_page_explains_and_offers_training():
    at = on(fresh(), PAGE)
    assert any(i.value == t("augmentation.empty", "en") for i in at.info)
    assert not at.get("plotly_chart") and "aug_use_main" not in [b.key for b in at.button]
    assert at.markdown[0].value == t("augmentation.intro", "en")


def test_the_button_compares_with_and_without_generated_images(trained):
    r = trained.session_state[RESULT]
    assert r.dataset == "digits" and r.cfg.labels_per_class == 2 and len(r.accuracy["none"]) == 1
    assert "aelab_run" not in trained.session_state
    bars = figure(trained.get("plotly_chart")[0])
    assert len(bars["data"][0]["x"]) == 3
    assert bars["data"][0]["x"][0].endswith(f"{r.mean('none'):.3f} ± 0.000")
    verdicts = [m.value for m in (*trained.success, *trained.warning)]
    assert len(verdicts) == 1
    assert fits(verdicts[0], "augmentation.verdict", "en", name=t("augmentation.verdict_name.cvae", "en"))
    images = figure(trained.get("plotly_chart")[1])
    assert list(images["layout"]["yaxis"]["ticktext"]) == ["labelled example", "cVAE sample", "jittered code"]


def test_the_train_page_model_makes_the_jittered_codes_and_is_not_replaced():
    at = tiny_run(fresh(), dataset="digits", model="ae", epochs=1, latent=3)
    run = at.session_state["aelab_run"]
    weights = next(run.model.parameters()).detach().clone()
    at = tiny(at, "aug_use_main")
    r = at.session_state[RESULT]
    assert r.ae_source.startswith("your ae from the Train page") and "ae" not in r.histories
    assert at.session_state["aelab_run"] is run and np.array_equal(next(run.model.parameters()).detach(), weights)


def test_failed_training_is_a_message(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a conditional VAE needs each sample's class label")

    monkeypatch.setattr(augmentation, "experiment", broken)
    at = on(fresh(), PAGE)
    at.button(key="aug_train").click().run()
    assert not at.exception
    assert any(fits(e.value, "augmentation.error", "en") for e in at.error)
    assert not at.button(key="aug_train").disabled


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_augmentation_page_in_chinese():
    at = chinese_page(PAGE, "augmentation")
    assert at.slider(key="aug_jitter").label == t("augmentation.jitter", "zh")

    tiny(at)
    assert_chinese(at)
    assert at.subheader[0].value == t("augmentation.results", "zh")
    assert any(t("origin.here", "zh") in c.value for c in at.caption)  # the share box adds its own caption
    verdicts = [m.value for m in (*at.success, *at.warning)]
    assert len(verdicts) == 1 and verdicts[0].startswith(t("augmentation.verdict_name.cvae", "zh"))
    bars = figure(at.get("plotly_chart")[0])
    assert bars["layout"]["yaxis"]["title"]["text"] == t("few_labels.chart_y", "zh")
    assert bars["data"][0]["x"][0].startswith(t("augmentation.short.none", "zh"))
    images = figure(at.get("plotly_chart")[1])
    assert list(images["layout"]["yaxis"]["ticktext"]) == [t("augmentation.row.labelled", "zh"),
                                                           t("augmentation.row.cvae", "zh"),
                                                           t("augmentation.row.jitter", "zh")]
