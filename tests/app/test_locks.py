"""What a teacher's link locks stays locked on every path of the Train page: the pretrained models (one that
contradicts a lock is not offered), a model family's defaults,
and an imported model."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from aelib.data import load_dataset
from aelib.experiment import fit, model_config
from aelib.sharing import export, quickstart
from aelib.train import TrainConfig
from appkit import export_views
from appkit.state import RUN
from tests.app.helpers import APP, TIMEOUT, fits, on

TRAIN = "pages/1_Train.py"


def opened(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return on(at.run(), TRAIN)


def test_a_locked_model_is_the_only_pretrained_family_offered_and_the_one_used():
    at = opened({"model": "vae", "lock": "model"})
    picker = at.selectbox(key=export_views.PRETRAINED)
    assert len(picker.options) == 1 and at.session_state[export_views.PRETRAINED] == "vae_mnist5k"
    unlocked = opened({"model": "vae"}).selectbox(key=export_views.PRETRAINED).options
    assert len(unlocked) == len(quickstart.SETUPS)  # unlocked: every bundled model
    out = [c.value for c in at.caption if fits(c.value, "export.locked_out", "en")]
    assert len(out) == 1 and "model" in out[0]  # one line names every model the lock keeps out
    assert all(title in out[0] for title in unlocked if title != picker.options[0])
    at.button(key="use_pretrained").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[RUN].model_cfg.model == "vae" and at.selectbox(key="model").value == "vae"


def test_a_lock_no_pretrained_model_fits_leaves_only_the_reason():
    assert 8 not in {setup.latent_dim for setup in quickstart.SETUPS.values()}
    at = opened({"latent_dim": "8", "lock": "latent_dim"})
    assert "use_pretrained" not in [b.key for b in at.button]
    out = [c.value for c in at.caption if fits(c.value, "export.locked_out", "en")]
    assert len(out) == 1 and out[0].count("; ") == len(quickstart.SETUPS) - 1


def test_a_familys_defaults_do_not_move_a_locked_setting():
    at = opened({"lr": "0.01", "lock": "lr"})
    at.selectbox(key="model").set_value("umap_ae").run()
    assert at.session_state["lr"] == 0.01  # locked: umap_ae's own 3e-3 is not applied
    assert at.session_state["batch"] == 64  # unlocked: the family's own batch is


@pytest.fixture(scope="module")
def ae_files():
    ds = load_dataset("digits")
    model, history = fit(ds, model_config(ds, "ae", 2, hidden=(32,)), TrainConfig(epochs=1, seed=1))
    return export.model_files(model, "digits", history)


def test_an_imported_model_that_contradicts_a_lock_is_refused(ae_files):
    weights, config = ae_files
    at = opened({"model": "vae", "lock": "model"})
    at.file_uploader(key=export_views.WEIGHTS_FILE).set_value(("model.safetensors", weights, "application/x")).run()
    at.file_uploader(key=export_views.CONFIG_FILE).set_value(("config.json", config.encode(), "application/json")).run()
    at.button(key="import_model").click().run()
    assert not at.exception
    assert RUN not in at.session_state and at.selectbox(key="model").value == "vae"
    assert any(fits(e.value, "export.import_failed", "en") and "locks model" in e.value for e in at.error)
    free = opened({"model": "vae"})  # without the lock the same files are imported
    free.file_uploader(key=export_views.WEIGHTS_FILE).set_value(("model.safetensors", weights, "application/x")).run()
    free.file_uploader(key=export_views.CONFIG_FILE).set_value(("config.json", config.encode(),
                                                                 "application/json")).run()
    free.button(key="import_model").click().run()
    assert free.session_state[RUN].model_cfg.model == "ae"
