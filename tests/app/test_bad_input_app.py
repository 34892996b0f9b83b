"""Bad input through the pages: each case is an st.error or st.warning that says what is wrong, never an
exception element, and the learner's trained model survives it."""
from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from aelib.experiment import model_config, train_config
from aelib.i18n import t
from aelib.runs import Ask
from aelib.runs import runner as runner_module
from appkit import resources, workspace
from tests.app.helpers import APP, fits, fresh, on, prefix, tiny_run

TRAIN, YOUR_DATA = "pages/1_Train.py", "pages/7_Your_data.py"
ALL_PAGES = sorted(str(p.relative_to(Path(APP).parent)) for p in (Path(APP).parent / "pages").glob("*.py"))


def messages(at) -> str:
    return " | ".join(m.value for m in [*at.error, *at.warning])


def has_button(at, key: str) -> bool:
    return any(b.key == key for b in at.button)


def png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def trained():
    """A session with a finished 2-epoch run on the 8×8 digits; each test checks it is still there after."""
    at = tiny_run(fresh())
    return at, at.session_state["aelab_run"]


def assert_run_kept(at, run) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["aelab_run"] is run and len(run.history) == 2 and run.status == "finished"


@pytest.mark.parametrize("name, body, expected", [
    ("photo.csv", png(np.zeros((8, 8), np.uint8)), "not a CSV file"),
    ("wide.csv", b",".join([b"1"] * 1_000_000) + b"\n", "1,000,000 columns; the limit is 2,000"),
    ("one.csv", b"a,b,c\n1,2,3\n", "Only 1 row"),
    ("holes.csv", b"a,b\n" + b"".join(b"%d,%s\n" % (i, b"" if i == 5 else b"%d" % i) for i in range(40)),
     "Missing values in column 'b'"),
], ids=["png_renamed", "million_columns", "one_row", "missing_value"])
def test_a_bad_csv_is_a_message_and_the_trained_model_stays(trained, name, body, expected):
    at, run = trained
    on(at, YOUR_DATA)
    at.file_uploader(key="upload_csv").set_value((name, body, "text/csv")).run()
    assert expected in messages(at) and not has_button(at, "upload_add")
    at.file_uploader(key="upload_csv").set_value(None).run()
    on(at, TRAIN)
    assert_run_kept(at, run)
    assert any(fits(s.value, "training.finished", "en", n=2) for s in at.success)


def test_images_of_the_wrong_size_are_a_message_and_the_trained_model_stays(trained):
    at, run = trained
    on(at, YOUR_DATA)
    files = [(f"{i % 2}_{i}.png", png(np.zeros((8, 8), np.uint8)), "image/png") for i in range(30)]
    files.append(("1_huge.png", png(np.zeros((3000, 3000), np.uint8)), "image/png"))
    at.file_uploader(key="upload_images").set_value(files).run()
    shown = re.sub(r"\\(.)", r"\1", messages(at))  # learner names are Markdown-escaped: read them as displayed
    assert "'1_huge.png' is 3000×3000 pixels; use sizes between 4×4 and 64×64" in shown
    at.file_uploader(key="upload_images").set_value(None).run()
    assert_run_kept(at, run)


def test_a_failed_download_is_a_message_and_the_trained_model_stays(trained, monkeypatch, tmp_path):
    import torchvision

    def offline(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(torchvision.datasets.FashionMNIST, "download", offline)
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    at, run = trained
    on(at, TRAIN)
    at.selectbox(key="dataset").set_value("fashion_mnist").run()
    assert "Could not load FashionMNIST" in messages(at) and at.button(key="train").disabled
    assert_run_kept(at, run)
    at.selectbox(key="dataset").set_value("digits").run()  # leave the shared session as it was


def test_learning_rate_10_is_stopped_and_the_previous_model_kept(trained):
    at, run = trained
    on(at, TRAIN)
    at.select_slider(key="lr").set_value(10.0).run()
    at.button(key="train").click().run()  # real training: the loss explodes within the first epoch
    assert prefix("error.diverged", "en", epoch=1) in messages(at)
    assert t("state.previous_kept", "en") in messages(at)
    assert_run_kept(at, run)
    assert all(torch.isfinite(p).all() for p in run.model.parameters())
    at.select_slider(key="lr").set_value(1e-3).run()


def test_stop_pressed_before_train_changes_nothing():
    at = on(fresh(), TRAIN)
    assert not has_button(at, "stop")  # no Stop button until a run trains
    at.session_state["aelab_stop_requested"] = True  # a late Stop click (its callback) with nothing training
    at.run()
    assert not at.exception and not at.error and "aelab_run" not in at.session_state
    at.number_input(key="epochs").set_value(1).run()
    at.selectbox(key="dataset").set_value("digits").run()
    at.button(key="train").click().run()  # Train still trains, and the stale Stop does not stop it
    assert not at.exception and at.session_state["aelab_run"].status == "finished"


def test_leaving_the_page_mid_training_lets_the_run_go_on(monkeypatch):
    """Training is the server's job, not the page's: a learner who leaves mid-run finds it finished on return."""
    real_train, go_on = runner_module.train_steps, threading.Event()

    def held_after_one_epoch(model, *args, **kwargs):
        events = real_train(model, *args, **kwargs)
        for e in events:
            yield e
            if type(e).__name__ == "EpochStats" and e.epoch == 1:
                assert go_on.wait(60)

    monkeypatch.setattr(runner_module, "train_steps", held_after_one_epoch)
    at = on(fresh(), TRAIN)
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="epochs").set_value(3).run()
    ds = resources.dataset("digits")
    started = workspace.runner().submit(Ask(at.session_state["aelab_ws"], ds, model_config(ds, "ae", 2),
                                            train_config("ae", epochs=3)))
    at.session_state["aelab_live_run"] = started.run_id  # as the Train button leaves it
    for _ in range(600):  # the first epoch is committed, then the training waits
        if workspace.store().epochs(at.session_state["aelab_ws"], started.run_id):
            break
        time.sleep(0.1)
    on(at, "pages/2_Latent_space.py")  # the learner went elsewhere while it trains
    assert not at.exception and at.session_state["aelab_live_run"] == started.run_id
    assert t("workspace.live_note", "en", done=1, epochs=3) in [c.value for c in at.sidebar.caption]
    go_on.set()
    assert workspace.runner().wait(started.run_id, 60)
    on(at, TRAIN)  # back: the run has gone on to the end, and is the current run
    run = at.session_state["aelab_run"]
    assert not at.exception and run.status == "finished" and len(run.history) == 3 and run.run_id == started.run_id
    assert "aelab_live_run" not in at.session_state and not at.button(key="train").disabled


def test_latent_size_and_epochs_cannot_go_below_one():
    at = on(fresh(), TRAIN)
    assert at.number_input(key="latent_dim").min == 1 and at.number_input(key="epochs").min == 1
    at.selectbox(key="dataset").set_value("digits").run()
    at.number_input(key="latent_dim").set_value(100).run()  # larger than the 64 inputs: allowed, with a warning
    assert "latent size (100) is not smaller than the input (64 values)" in messages(at)


MALICIOUS = {"dataset": "../../../../etc/passwd", "model": "__import__('os').system('touch pwned')",
             "lr": "1e999", "latent_dim": "-1", "data_dir": "/etc", "page": "javascript:alert(1)",
             "unknown": ["a", "b"]}


@pytest.mark.parametrize("page", ["app.py", *ALL_PAGES])
def test_unknown_or_malicious_url_parameters_are_ignored(page, tmp_path, monkeypatch):
    """The Train page reads a share link (appkit.share_views); every page must parse, validate and clamp
    (st.query_params are untrusted strings): the defaults stand, nothing is evaluated or opened, no path is shown."""
    monkeypatch.chdir(tmp_path)  # where `touch pwned` would land
    at = fresh()
    at.query_params.update(MALICIOUS)
    at.run()
    if page != "app.py":
        on(at, page)
    assert not at.exception, [e.value for e in at.exception]
    state = at.session_state
    assert (state["dataset"], state["model"], state["data_dir"]) == ("mnist5k", "ae", "")  # no path, no code
    assert 0 < state["lr"] <= 10 and 1 <= state["latent_dim"] <= 1024  # a number from the URL may only be clamped
    assert "passwd" not in messages(at) and not (tmp_path / "pwned").exists()
    if page == TRAIN:  # the page that reads the link says which parameters it ignored
        assert "`unknown` is not a setting" in messages(at) and "`data_dir` is not a setting" in messages(at)
