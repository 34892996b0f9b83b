"""The Train page's classroom tools in Chinese (?lang=zh): the quick start, export, import and share expanders
speak Chinese, a pretrained model's message is Chinese, a corrupted model file is explained in Chinese, and a
teacher's link says what it set in Chinese."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.sharing import export
from appkit import export_views
from appkit.state import RUN
from tests.app.test_pages import APP, TIMEOUT

TRAIN = "pages/1_Train.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def zh(key: str, **fmt: object) -> str:
    return t(key, "zh", **fmt)


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


def test_a_teachers_link_is_described_in_chinese():
    at = opened({"lang": "zh", "model": "vae", "latent_dim": "1e999", "lock": "model"})
    info = zh("share.came_from_link", settings="model = vae", locks=zh("share.locked", locked="model"))
    assert any(i.value == info for i in at.info), [i.value for i in at.info]
    assert any(w.value.startswith(zh("share.ignored")) for w in at.warning)




def test_the_html_report_speaks_the_learners_language():
    from datetime import datetime

    from aelib.data import load_dataset
    from aelib.experiment import fit, model_config
    from aelib.train import TrainConfig

    ds = load_dataset("digits")
    model, history = fit(ds, model_config(ds, "ae", 2, hidden=(16,)), TrainConfig(epochs=1, seed=1))
    when = datetime(2026, 1, 1, 9, 30)
    pages = {lang: export.html_report(model, ds, history, {"test_mse": 0.1}, TrainConfig(epochs=1), "test", when,
                                      lang=lang) for lang in ("en", "zh")}
    for key in ("export.report.metrics", "export.report.configuration", "export.report.loss_curves",
                "export.report.latent_space"):
        assert f"<h2>{t(key, 'zh')}</h2>" in pages["zh"] and f"<h2>{t(key, 'en')}</h2>" in pages["en"]
    assert "<h1>AE Lab report: ae, latent size 2, on digits</h1>" in pages["en"] and "<html><head>" in pages["en"]
    assert f"<h1>{t('export.report.title', 'zh', model='ae', latent=2, dataset='digits')}</h1>" in pages["zh"]
    assert "2026-01-01 09:30" in pages["zh"] and export.VERSION in pages["zh"]
