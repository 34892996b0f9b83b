"""The Train page's quick start, export and import through AppTest: a pretrained model is a learner's own run,
a finished run offers its four files, a bad import is a clear message that keeps the run, a good one replaces it;
then the same tools, the share expander and the HTML report in Chinese (?lang=zh)."""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelib import infer
from aelib.data import load_dataset
from aelib.experiment import fit, model_config
from aelib.i18n import t
from aelib.models import build_model
from aelib.sharing import export
from aelib.train import TrainConfig
from appkit import export_views
from appkit.state import RUN
from tests.app.helpers import APP, CJK, TIMEOUT, fits, fresh, on, tiny_run, zh

TRAIN = "pages/1_Train.py"


def upload(at, weights: bytes, config: str, name: str = "model.safetensors"):
    at.file_uploader(key=export_views.WEIGHTS_FILE).set_value((name, weights, "application/x")).run()
    at.file_uploader(key=export_views.CONFIG_FILE).set_value(("config.json", config.encode(), "application/json")).run()
    at.button(key="import_model").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def trained():
    return tiny_run(fresh())


@pytest.fixture(scope="module")
def other_model():
    """A model the session never saw: a 3-D dense AE on the 8×8 digits, and its exported files."""
    ds = load_dataset("digits")
    model, history = fit(ds, model_config(ds, "ae", 3, hidden=(32,)), TrainConfig(epochs=1, seed=1))
    return model, ds, export.model_files(model, "digits", history)


def test_a_learner_without_a_model_can_start_from_a_pretrained_one():
    at = on(fresh(), TRAIN)
    assert at.selectbox(key=export_views.PRETRAINED).options[0].startswith("Dense autoencoder")
    at.button(key="use_pretrained").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state[RUN]
    assert run.status == "finished" and run.dataset == "mnist5k" and len(run.history) == 30
    assert run.model is not export_views.bundled("ae_mnist5k").model  # the learner's own copy, never the shared one
    assert not any("differ" in i.value for i in at.info)  # the settings now match the model
    assert any(d.proto.label == "model.safetensors" for d in at.get("download_button"))
    on(at, "pages/2_Latent_space.py")
    assert not any(i.value == t("widgets.no_model", "en") for i in at.info)
    assert at.get("plotly_chart")


def test_a_finished_run_offers_the_four_exports(trained):
    at = on(trained, TRAIN)
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["model.safetensors", "config.json", "codes.csv", "report.html"]
    assert "use_pretrained" not in [b.key for b in at.button]  # the quick start is for learners without a model


@pytest.mark.parametrize("bad", ["corrupted", "other architecture", "history types", "train limits"])
def test_a_bad_import_is_a_clear_message_and_keeps_the_run(trained, other_model, bad):
    at = on(trained, TRAIN)
    before = at.session_state[RUN]
    model, ds, (weights, config) = other_model
    if bad == "corrupted":
        weights, expected = weights[:100] + b"\x00garbage", "not a readable safetensors file"
    elif bad == "other architecture":  # the config of a conv AE beside the dense AE's weights
        config = export.model_files(build_model(model_config(ds, "conv_ae", 3)), "digits", [])[1]
        expected = "another architecture"
    else:  # a history whose numbers are text, or training settings over this server's limits
        meta = json.loads(config)
        if bad == "history types":
            meta["history"][0]["train"]["loss"], expected = "1.0", "training history"
        else:
            meta["train"], expected = {"epochs": 1_000_000_000, "batch_size": 1}, "this server allows 1 to 500"
        config = json.dumps(meta)
    upload(at, weights, config)
    errors = [e.value for e in at.error]
    assert any(fits(e, "export.import_failed", "en") and expected in e for e in errors), errors
    assert at.session_state[RUN] is before


def test_a_valid_import_replaces_the_run_with_the_same_reconstructions(trained, other_model):
    model, ds, (weights, config) = other_model
    at = upload(on(trained, TRAIN), weights, config)
    assert not at.error
    run = at.session_state[RUN]
    assert run.model_cfg.latent_dim == 3 and run.dataset == "digits" and run.status == "finished"
    np.testing.assert_array_equal(infer.reconstruct(run.model, ds.x_test), infer.reconstruct(model, ds.x_test))
    assert any("Imported" in s.value for s in at.success)


def test_an_imported_file_name_is_shown_as_text_never_as_a_link(trained, other_model):
    _, _, (weights, config) = other_model
    at = upload(on(trained, TRAIN), weights, config, name="[click](http://evil.example).safetensors")
    shown = [s.value for s in at.success if "Imported" in s.value]
    assert shown and "\\[click\\]" in shown[0] and "[click](" not in shown[0]


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def opened(params: dict) -> AppTest:
    """A new session that opened the Train page with these query parameters (the language among them)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    at.switch_page(TRAIN).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def expander_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


@pytest.fixture(scope="module")
def pretrained():
    """A Chinese session that started from the bundled pretrained model (no training needed)."""
    at = opened({"lang": "zh"})
    before = at
    assert [m.value for m in before.markdown if m.value == zh("export.quick_start_heading")]
    assert any(c.value == zh("export.quick_start_caption") for c in before.caption)
    box = before.selectbox(key=export_views.PRETRAINED)
    assert box.label == zh("export.pretrained_label")
    assert box.options[0] == zh("export.setup.ae_mnist5k")
    assert at.button(key="use_pretrained").label == zh("export.use_pretrained")
    assert zh("export.import_title") in expander_labels(at) and zh("share.title") in expander_labels(at)
    at.button(key="use_pretrained").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_quick_start_speaks_chinese_and_so_does_its_message(pretrained):
    at = pretrained
    run = at.session_state[RUN]
    assert run.status == "finished" and len(run.history) == 30
    assert any(s.value == zh("export.pretrained_loaded", name="ae_mnist5k", epochs=30) for s in at.success)
    assert zh("export.pretrained_loaded", name="ae_mnist5k", epochs=30) != t("export.pretrained_loaded", "en",
                                                                              name="ae_mnist5k", epochs=30)


def test_the_export_and_import_expanders_speak_chinese(pretrained):
    at = pretrained
    assert zh("export.export_title") in expander_labels(at)
    assert any(c.value == zh("export.export_caption", weights="model.safetensors", config="config.json")
               for c in at.caption)
    helps = {d.proto.label: d.proto.help for d in at.get("download_button")}
    assert helps == {"model.safetensors": zh("export.help_weights"), "config.json": zh("export.help_config"),
                     "codes.csv": zh("export.help_codes"), "report.html": zh("export.help_report")}
    assert any(c.value == zh("export.import_caption", weights="model.safetensors", config="config.json")
               for c in at.caption)
    uploaders = at.get("file_uploader")
    assert [u.proto.label for u in uploaders] == [zh("export.weights_label", weights="model.safetensors"),
                                                  zh("export.config_label", config="config.json")]
    assert at.button(key="import_model").label == zh("export.import_button")


def test_the_share_expander_speaks_chinese(pretrained):
    at = pretrained
    picker = at.multiselect(key="share_lock")
    assert picker.label == zh("share.lock_label") and picker.help == zh("share.lock_help")
    assert any(c.value == zh("share.copy_caption", end=zh("share.copy_end_no_base")) for c in at.caption)


def test_a_corrupted_model_file_is_explained_in_chinese(pretrained):
    at = pretrained
    before = at.session_state[RUN]
    weights, config = export.model_files(before.model, before.dataset, before.history)
    at.file_uploader(key=export_views.WEIGHTS_FILE).set_value(
        ("model.safetensors", weights[:100] + b"\x00garbage", "application/x")).run()
    at.file_uploader(key=export_views.CONFIG_FILE).set_value(("config.json", config.encode(), "application/json")).run()
    at.button(key="import_model").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = [e.value for e in at.error]
    file = zh("checkpoint.uploaded") + "model.safetensors"
    lead = zh("export.import_failed", error=zh("checkpoint.unreadable", file=file, detail="", resave=""))
    assert error.startswith(lead.split("（")[0]) and CJK.search(lead)  # aelib's own message, said in Chinese
    assert "not a readable safetensors file" not in error and "safetensors" in error
    assert error.endswith(zh("checkpoint.resave", weights="model.safetensors", config="config.json"))
    assert at.session_state[RUN] is before


def test_the_html_report_speaks_the_learners_language():
    ds = load_dataset("digits")
    model, history = fit(ds, model_config(ds, "ae", 2, hidden=(16,)), TrainConfig(epochs=1, seed=1))
    when = datetime(2026, 1, 1, 9, 30)
    pages = {lang: export.html_report(model, ds, history, {"test_mse": 0.1}, TrainConfig(epochs=1), "test", when,
                                      lang=lang) for lang in ("en", "zh")}
    for key in ("export.report.metrics", "export.report.configuration", "export.report.loss_curves",
                "export.report.latent_space"):
        assert f"<h2>{t(key, 'zh')}</h2>" in pages["zh"] and f"<h2>{t(key, 'en')}</h2>" in pages["en"]
    for lang in ("en", "zh"):
        assert f"<h1>{t('export.report.title', lang, model='ae', latent=2, dataset='digits')}</h1>" in pages[lang]
    assert "<html><head>" in pages["en"]
    assert "2026-01-01 09:30" in pages["zh"] and export.VERSION in pages["zh"]
