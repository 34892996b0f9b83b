"""The Train page's quick start, export and import through AppTest: a pretrained model is a learner's own run,
a finished run offers its four files, a bad import is a clear message that keeps the run, a good one replaces it."""
from __future__ import annotations

import numpy as np
import pytest

from aelib import infer
from aelib.data import load_dataset
from aelib.experiment import fit, model_config
from aelib.models import build_model
from aelib.sharing import export
from aelib.train import TrainConfig
from appkit import export_views
from appkit.state import RUN
from tests.app.test_pages import fresh, on, tiny_run

TRAIN = "pages/1_Train.py"


def upload(at, weights: bytes, config: str):
    at.file_uploader(key=export_views.WEIGHTS_FILE).set_value(("model.safetensors", weights, "application/x")).run()
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
    assert not any("No trained model yet" in i.value for i in at.info)
    assert at.get("plotly_chart")


def test_a_finished_run_offers_the_four_exports(trained):
    at = on(trained, TRAIN)
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["model.safetensors", "config.json", "codes.csv", "report.html"]
    assert "use_pretrained" not in [b.key for b in at.button]  # the quick start is for learners without a model


@pytest.mark.parametrize("bad", ["corrupted", "other architecture"])
def test_a_bad_import_is_a_clear_message_and_keeps_the_run(trained, other_model, bad):
    at = on(trained, TRAIN)
    before = at.session_state[RUN]
    model, ds, (weights, config) = other_model
    if bad == "corrupted":
        weights, expected = weights[:100] + b"\x00garbage", "not a readable safetensors file"
    else:  # the config of a conv AE beside the dense AE's weights
        config = export.model_files(build_model(model_config(ds, "conv_ae", 3)), "digits", [])[1]
        expected = "another architecture"
    upload(at, weights, config)
    assert any("Nothing was imported" in e.value and expected in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state[RUN] is before


def test_a_valid_import_replaces_the_run_with_the_same_reconstructions(trained, other_model):
    model, ds, (weights, config) = other_model
    at = upload(on(trained, TRAIN), weights, config)
    assert not at.error
    run = at.session_state[RUN]
    assert run.model_cfg.latent_dim == 3 and run.dataset == "digits" and run.status == "finished"
    np.testing.assert_array_equal(infer.reconstruct(run.model, ds.x_test), infer.reconstruct(model, ds.x_test))
    assert any("Imported" in s.value for s in at.success)
