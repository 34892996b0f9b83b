"""Every page through Streamlit's AppTest: empty state, after a tiny training run, and the failure modes a
learner can reach from the UI (each a clear message, never an exception, never a lost model);
then the home and Train pages in Chinese (?lang=zh), every word from the tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.runs import runner as runner_module
from aelib.train import TrainingDiverged, pick_device
from appkit import page as page_nav
from appkit.i18n import LANG
from tests.app.helpers import APP, figure, fits, fresh, on, prefix, tiny_run, values

PAGES = ["pages/1_Train.py", "pages/2_Latent_space.py", "pages/3_Compare.py"]
TRAIN = PAGES[0]
CJK_FULL_STOP = "。"


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
    assert any(fits(i.value, "train.default_hint", "en") for i in at.info)


def test_training_shows_curves_reconstructions_and_metrics(trained):
    assert any(fits(s.value, "training.finished", "en", n=2) for s in trained.success)
    charts = trained.get("plotly_chart")
    assert len(charts) == 2
    curves = figure(charts[0])
    assert {t["name"] for t in curves["data"]} == {"training", "test"}
    assert list(values(curves["data"][0]["x"])) == [1, 2]  # one point per epoch
    assert [m.label for m in trained.metric][:3] == [t(k, "en") for k in ("train.metric_mse", "train.metric_knn",
                                                                          "train.metric_trust")]
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
    real_train = runner_module.train_steps

    def one_epoch_then_nan(model, *args, **kwargs):
        events = real_train(model, *args, **kwargs)
        yield next(e for e in events if type(e).__name__ == "EpochStats")
        raise TrainingDiverged(2, 1)

    monkeypatch.setattr(runner_module, "train_steps", one_epoch_then_nan)
    at = tiny_run(fresh(), epochs=5)
    assert any("NaN or infinite" in w.value and "in epoch 2" in w.value for w in at.warning)
    run = at.session_state["aelab_run"]
    assert run.status == "diverged" and len(run.history) == 1
    on(at, "pages/2_Latent_space.py")  # the kept model still works everywhere, its one epoch replayable
    assert [c.key for c in at.get("plotly_chart")] == ["latent_plot", "replay_plot"]


def test_a_live_run_that_loads_the_same_epochs_twice_draws_them_once(monkeypatch):
    """The runner's view and the store are read one after the other, so the page following a run can see the view
    move on while the epochs it loads are those it already drew (under load, on a replica). Drawing the same charts
    again in one script run raised StreamlitDuplicateElementId and left a learner's page dead in a class on two
    replicas; the page must draw each loaded state once and finish as usual."""
    import time

    from appkit import training

    real_steps, real_load, first = runner_module.train_steps, training.load_run, {}

    def slow_epochs(*args, **kwargs):  # each epoch outlasts the page's poll, so the view moves one epoch at a time
        for event in real_steps(*args, **kwargs):
            yield event
            if type(event).__name__ == "EpochStats":
                time.sleep(1.5 * training.POLL_S)

    def stale(store, ws, run_id, **kwargs):  # while the run trains, the store answers with its first epoch only
        loaded = real_load(store, ws, run_id, **kwargs)
        if loaded is None or loaded.record.status != runner_module.Status.RUNNING or not loaded.history:
            return loaded
        return first.setdefault(run_id, loaded)

    monkeypatch.setattr(runner_module, "train_steps", slow_epochs)
    monkeypatch.setattr(training, "load_run", stale)
    at = tiny_run(fresh(), epochs=3)
    assert first, "the page never loaded the run while it trained"
    assert any(fits(s.value, "training.finished", "en", n=3) for s in at.success)
    assert len(at.get("plotly_chart")) == 2


def test_impossible_combination_disables_train():
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("swiss_roll").run()
    at.selectbox(key="model").set_value("conv_ae").run()
    reason = t("error.conv_needs_images", "en", shape=(20,))
    assert [e.value for e in at.error] == [t("train.cannot", "en", error=reason)]
    assert at.button(key="train").disabled


def test_latent_as_large_as_the_input_warns():
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="latent_dim").set_value(64).run()
    assert any(w.value == t("warn.no_bottleneck", "en", latent=64, inputs=64) for w in at.warning)
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
    next(b for b in at.button if b.label == t("widgets.use_offline", "en")).click().run()
    assert at.selectbox(key="dataset").value == "mnist5k" and not at.error
    assert not at.button(key="train").disabled


def test_two_sessions_do_not_share_a_model(trained):
    other = on(fresh(), "pages/2_Latent_space.py")
    assert any("No trained model yet" in i.value for i in other.info)
    assert trained.session_state["aelab_run"].history


def test_a_folder_without_the_files_says_which_files_it_needs(tmp_path, monkeypatch):
    monkeypatch.setenv("AELAB_DATA_ROOT", str(tmp_path))  # the operator's data folder; the learner names one in it
    folder = tmp_path / "fashion"
    folder.mkdir()
    at = on(fresh(), "pages/1_Train.py")
    at.selectbox(key="dataset").set_value("fashion_mnist").run()
    at.text_input(key="data_dir").set_value(str(folder)).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert f"No FashionMNIST files in {folder}" in message and "train-images-idx3-ubyte" in message
    assert list(folder.iterdir()) == []  # a learner's folder is never written to


def test_divergence_in_the_first_epoch_keeps_the_previous_model(monkeypatch):
    at = tiny_run(fresh(), epochs=2)
    before = at.session_state["aelab_run"]

    def diverge_at_once(model, *args, **kwargs):
        raise TrainingDiverged(1, 0)
        yield  # a generator, like the real one

    monkeypatch.setattr(runner_module, "train_steps", diverge_at_once)
    at.select_slider(key="lr").set_value(10.0).run()
    at.button(key="train").click().run()
    assert not at.exception
    diverged, kept = prefix("error.diverged", "en", epoch=1), t("state.previous_kept", "en")
    assert any(e.value.startswith(diverged) and kept in e.value for e in at.error)
    assert at.session_state["aelab_run"] is before and len(before.history) == 2
    assert any(fits(s.value, "training.finished", "en", n=2) for s in at.success)


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
    assert not any(i.value == t("train.differs", "en") for i in at.info)
    at.number_input(key="latent_dim").set_value(3).run()
    assert any(i.value == t("train.differs", "en") for i in at.info)


@pytest.mark.parametrize("page, key, value", [("pages/4_Anomaly.py", "an_epochs", 7),
                                              ("pages/5_Denoising.py", "dn_epochs", 3)])
def test_a_pages_settings_survive_a_visit_elsewhere(page, key, value):
    at = on(fresh(), page)
    at.number_input(key=key).set_value(value).run()
    on(at, "pages/1_Train.py")
    on(at, page)
    assert at.number_input(key=key).value == value


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_the_home_page_speaks_chinese_with_lang_zh_and_english_without():
    for lang in ("en", "zh"):
        at = fresh(lang if lang == "zh" else None)
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == t("home.title", lang)
        assert [m.value for m in at.markdown if m.value == t("home.steps", lang)]
        assert any(c.value == t("home.offline", lang) for c in at.caption)
    assert t("home.title", "zh") != t("home.title", "en")


def chinese() -> AppTest:
    """A new session opened with ?lang=zh, on the Train page."""
    return on(fresh("zh"), TRAIN)


@pytest.fixture(scope="module")
def trained_zh() -> AppTest:
    """A Chinese session with a finished 2-epoch run on the 8×8 digits (the smallest run this file trains)."""
    at = tiny_run(chinese())
    assert at.session_state[LANG] == "zh"
    return at


def test_the_train_page_speaks_chinese_before_training():
    at = chinese()
    assert at.title[0].value == t("train.title", "zh") != t("train.title", "en")
    assert any(fits(i.value, "train.default_hint", "zh") for i in at.info)
    assert at.button(key="train").label == t("train.button", "zh")
    assert at.selectbox(key="dataset").label == t("widgets.data", "zh")
    assert at.selectbox(key="model").label == t("controls.model", "zh")
    assert t("family.ae.title", "zh") in at.selectbox(key="model").options  # names built before format_func
    assert at.number_input(key="latent_dim").label == t("controls.latent", "zh")
    assert at.number_input(key="epochs").label == t("controls.epochs", "zh")
    assert at.select_slider(key="lr").help == t("controls.lr_help", "zh")
    assert any(c.value == t("family.ae.summary", "zh") for c in at.caption)


def test_warnings_and_errors_are_chinese():
    at = chinese()
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="latent_dim").set_value(64).run()
    assert any(w.value == t("warn.no_bottleneck", "zh", latent=64, inputs=64) for w in at.warning)
    at.selectbox(key="dataset").set_value("swiss_roll").run()
    at.selectbox(key="model").set_value("conv_ae").run()
    assert not at.exception
    reason = t("error.conv_needs_images", "zh", shape=(20,))  # aelib's reason, said in Chinese too
    assert [e.value for e in at.error] == [t("train.cannot", "zh", error=reason)]
    assert at.button(key="train").disabled


def test_a_finished_run_reports_in_chinese(trained_zh):
    at = trained_zh
    run = at.session_state["aelab_run"]
    device = t(f"training.device.{pick_device(run.train_cfg.device).type}", "zh")
    assert [s.value for s in at.success] == [t("training.finished", "zh", n=2, s=f"{run.seconds:.1f}",
                                               device=device)]
    assert [m.label for m in at.metric] == [t(k, "zh") for k in ("train.metric_mse", "train.metric_knn",
                                                                  "train.metric_trust", "train.metric_time")]
    status = t("widgets.status.finished", "zh")
    assert any(c.value.startswith("你的模型：") and f"2 / 2 轮（{status}）" in c.value for c in at.caption)
    split = t("plots.split.test", "zh")
    assert any(c.value == t("training.loss_caption", "zh", loss=t("controls.recon_bce", "zh"), n=64, split=split)
               for c in at.caption)
    curves, grid = (figure(c) for c in at.get("plotly_chart")[:2])
    assert {trace["name"] for trace in curves["data"]} == {t("plots.split.training", "zh"), split}
    assert [a["text"] for a in curves["layout"]["annotations"]] == [t("plots.term.loss", "zh")]
    assert curves["layout"]["xaxis"]["title"]["text"] == t("plots.epoch", "zh")
    assert grid["layout"]["yaxis"]["ticktext"] == [t("plots.original", "zh"), t("plots.reconstruction", "zh")]


def test_changed_settings_are_pointed_out_in_chinese(trained_zh):
    at = trained_zh
    at.number_input(key="latent_dim").set_value(3).run()
    assert any(i.value == t("train.differs", "zh") for i in at.info)
    at.number_input(key="latent_dim").set_value(2).run()  # leave the shared session as it was


def test_the_finished_message_follows_a_language_switch(trained_zh):
    at = trained_zh
    run = at.session_state["aelab_run"]
    device = pick_device(run.train_cfg.device).type
    at.sidebar.segmented_control(key="lang_picker").set_value("en").run()
    try:
        assert [s.value for s in at.success] == [t("training.finished", "en", n=2, s=f"{run.seconds:.1f}",
                                                   device=t(f"training.device.{device}", "en"))]
    finally:
        at.sidebar.segmented_control(key="lang_picker").set_value("zh").run()  # leave the shared session as it was
    assert CJK_FULL_STOP in at.success[0].value
