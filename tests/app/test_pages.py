"""Every page through Streamlit's AppTest: empty state, after a tiny training run, and the failure modes a
learner can reach from the UI (each a clear message, never an exception, never a lost model)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelib.train import TrainingDiverged
from appkit import page as page_nav
from appkit import training

PAGES = ["pages/1_Train.py", "pages/2_Latent_space.py", "pages/3_Compare.py"]
APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 180  # torch and sklearn imports are slow on a cold start


def fresh(lang: str | None = None) -> AppTest:
    """A new session on the home page; lang: opened with ?lang=<lang>."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def on(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tiny_run(at: AppTest, dataset: str = "digits", model: str = "ae", epochs: int = 2, latent: int = 2) -> AppTest:
    on(at, "pages/1_Train.py")
    at.selectbox(key="dataset").set_value(dataset).run()
    at.selectbox(key="model").set_value(model).run()
    at.number_input(key="latent_dim").set_value(latent).run()
    at.number_input(key="epochs").set_value(epochs).run()
    at.button(key="train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(chart) -> dict:
    return json.loads(chart.proto.spec)


def values(arr) -> np.ndarray:
    """A plotly array from a figure's JSON: a list, or plotly's typed-array form {"dtype", "bdata"}."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=arr["dtype"])
    return np.asarray(arr)


@pytest.fixture(scope="module")
def trained() -> AppTest:
    """One session with a finished 2-epoch run on the 8×8 digits."""
    return tiny_run(fresh())


def test_home_renders_with_links_to_every_page():
    at = fresh()
    assert "autoencoder" in at.title[0].value.lower()
    assert at.session_state["dataset"] == "mnist5k"  # the defaults are in place before any click


def test_every_page_file_is_in_the_sidebar():
    files = {str(f.relative_to(Path(APP).parent)) for f in (Path(APP).parent / "pages").glob("*.py")}
    assert files <= {path for path, _, _ in page_nav.PAGES}


@pytest.mark.parametrize("page", PAGES[1:])
def test_result_pages_without_a_model_point_to_train(page):
    at = on(fresh(), page)
    assert any("No trained model yet" in i.value for i in at.info)


def test_train_page_defaults_to_a_2d_dense_ae_on_mnist5k():
    at = on(fresh(), "pages/1_Train.py")
    assert at.selectbox(key="dataset").value == "mnist5k"
    assert at.selectbox(key="model").value == "ae"
    assert at.number_input(key="latent_dim").value == 2
    assert not at.button(key="train").disabled
    assert any("Press **Train**" in i.value for i in at.info)


def test_training_shows_curves_reconstructions_and_metrics(trained):
    assert any("Finished 2 epochs" in s.value for s in trained.success)
    charts = trained.get("plotly_chart")
    assert len(charts) == 2
    curves = figure(charts[0])
    assert {t["name"] for t in curves["data"]} == {"training", "test"}
    assert list(values(curves["data"][0]["x"])) == [1, 2]  # one point per epoch
    assert [m.label for m in trained.metric][:3] == ["Test MSE (per value)", "5-NN accuracy",
                                                      "Trustworthiness"]
    run = trained.session_state["aelab_run"]
    assert run.status == "finished" and len(run.history) == 2 and run.summary["knn_accuracy"] > 0.2


def test_latent_page_scatters_every_test_sample_by_class(trained):
    on(trained, "pages/2_Latent_space.py")
    fig = figure(trained.get("plotly_chart")[0])
    run = trained.session_state["aelab_run"]
    ids = np.concatenate([values(t["customdata"]) for t in fig["data"]])
    assert len(ids) == 360 and len(set(ids)) == 360  # digits: 1,797 rows, 20 % held out, each once
    assert len(fig["data"]) == 10 and len({t["marker"]["color"] for t in fig["data"]}) == 10
    assert run.history  # visiting another page keeps the model


def test_compare_page_shows_four_methods_and_their_numbers(trained):
    on(trained, "pages/3_Compare.py")
    assert len(trained.get("plotly_chart")) == 4
    table = trained.dataframe[0].value
    assert list(table["method"]) == ["Autoencoder", "PCA", "t-SNE", "UMAP"]
    placing = list(table["seconds to place new points"])
    assert placing[2] == "cannot" and all(float(v) >= 0 for i, v in enumerate(placing) if i != 2)
    for column in ("5-NN accuracy", "trustworthiness (k=10)", "continuity (k=10)"):
        assert table[column].between(0, 1).all()
    assert table["silhouette"].between(-1, 1).all()


def test_bad_umap_neighbours_is_a_message_not_a_crash(trained):
    on(trained, "pages/3_Compare.py")
    trained.number_input(key="cmp_neighbours").set_value(200).run()
    assert not trained.exception
    trained.number_input(key="cmp_neighbours").set_value(15).run()  # leave the shared session as it was


def test_too_large_perplexity_is_a_message_not_a_crash(trained):
    on(trained, "pages/3_Compare.py")
    trained.slider(key="cmp_n").set_value(100).run()
    trained.number_input(key="cmp_perplexity").set_value(150.0).run()
    assert not trained.exception
    assert any("perplexity must be between 0 and the number of points (100)" in e.value for e in trained.error)
    assert list(trained.dataframe[0].value["method"]) == ["Autoencoder", "PCA", "UMAP"]


def test_vae_plots_reconstruction_and_kl_separately():
    at = tiny_run(fresh(), model="vae")
    titles = [a["text"] for a in figure(at.get("plotly_chart")[0])["layout"]["annotations"]]
    assert titles == ["total loss", "reconstruction", "KL divergence"]


def test_larger_latent_offers_projections():
    at = tiny_run(fresh(), latent=5)
    on(at, "pages/2_Latent_space.py")
    assert at.radio(key="latent_view").value == "PCA of the codes"
    at.radio(key="latent_view").set_value("the first two dimensions").run()
    assert not at.exception and [c.key for c in at.get("plotly_chart")] == ["latent_plot", "replay_plot"]


def test_divergence_keeps_the_last_good_weights(monkeypatch):
    real_train = training.train

    def one_epoch_then_nan(model, *args, **kwargs):
        events = real_train(model, *args, **kwargs)
        yield next(e for e in events if type(e).__name__ == "EpochStats")
        raise TrainingDiverged(2, 1)

    monkeypatch.setattr(training, "train", one_epoch_then_nan)
    at = tiny_run(fresh(), epochs=5)
    assert any("NaN or infinite" in w.value and "in epoch 2" in w.value for w in at.warning)
    run = at.session_state["aelab_run"]
    assert run.status == "diverged" and len(run.history) == 1
    on(at, "pages/2_Latent_space.py")  # the kept model still works everywhere, its one epoch replayable
    assert [c.key for c in at.get("plotly_chart")] == ["latent_plot", "replay_plot"]


def test_impossible_combination_disables_train():
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("swiss_roll").run()
    at.selectbox(key="model").set_value("conv_ae").run()
    assert any("needs image data" in e.value for e in at.error)
    assert at.button(key="train").disabled


def test_latent_as_large_as_the_input_warns():
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="latent_dim").set_value(64).run()
    assert any("not smaller than the input (64 values)" in w.value for w in at.warning)
    assert not at.button(key="train").disabled


def test_failed_download_offers_the_offline_set(monkeypatch, tmp_path):
    import torchvision

    def offline(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(torchvision.datasets.MNIST, "download", offline)
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))  # the download cache: empty
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("mnist").run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "Could not load MNIST" in message and str(tmp_path) in message and "mnist5k" in message
    assert at.button(key="train").disabled
    next(b for b in at.button if b.label.startswith("Use the offline MNIST")).click().run()
    assert at.selectbox(key="dataset").value == "mnist5k" and not at.error
    assert not at.button(key="train").disabled


def test_two_sessions_do_not_share_a_model(trained):
    other = on(fresh(), "pages/2_Latent_space.py")
    assert any("No trained model yet" in i.value for i in other.info)
    assert trained.session_state["aelab_run"].history


def test_a_folder_without_the_files_says_which_files_it_needs(tmp_path):
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("fashion_mnist").run()
    at.text_input(key="data_dir").set_value(str(tmp_path)).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert f"No FashionMNIST files in {tmp_path}" in message and "train-images-idx3-ubyte" in message
    assert list(tmp_path.iterdir()) == []  # a learner's folder is never written to


def test_divergence_in_the_first_epoch_keeps_the_previous_model(monkeypatch):
    at = tiny_run(fresh(), epochs=2)
    before = at.session_state["aelab_run"]

    def diverge_at_once(model, *args, **kwargs):
        raise TrainingDiverged(1, 0)
        yield  # a generator, like the real one

    monkeypatch.setattr(training, "train", diverge_at_once)
    at.select_slider(key="lr").set_value(10.0).run()
    at.button(key="train").click().run()
    assert not at.exception
    assert any("in epoch 1" in e.value and "Your previous model is kept" in e.value for e in at.error)
    assert at.session_state["aelab_run"] is before and len(before.history) == 2
    assert any("Finished 2 epochs" in s.value for s in at.success)


def test_train_uses_a_value_committed_by_the_same_click():
    """Typing a value and clicking Train at once (the field commits on blur) must train that value."""
    at = tiny_run(fresh(), epochs=2)
    at.number_input(key="epochs").set_value(3)
    at.number_input(key="latent_dim").set_value(4)
    at.button(key="train").click().run()
    run = at.session_state["aelab_run"]
    assert len(run.history) == 3 and run.model_cfg.latent_dim == 4


def test_results_say_which_model_they_show_and_when_the_form_differs():
    at = tiny_run(fresh(), epochs=2)
    assert any("latent size 2" in c.value and "2 of 2 epochs" in c.value for c in at.caption)
    assert not any("differ from this model" in i.value for i in at.info)
    at.number_input(key="latent_dim").set_value(3).run()
    assert any("differ from this model" in i.value for i in at.info)


@pytest.mark.parametrize("page, key, value", [("pages/4_Anomaly.py", "an_epochs", 7),
                                              ("pages/5_Denoising.py", "dn_epochs", 3)])
def test_a_pages_settings_survive_a_visit_elsewhere(page, key, value):
    at = on(fresh(), page)
    at.number_input(key=key).set_value(value).run()
    on(at, "pages/1_Train.py")
    on(at, page)
    assert at.number_input(key=key).value == value
