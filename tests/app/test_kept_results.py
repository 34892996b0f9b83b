"""A lab page's result is kept in the learner's workspace, not only in the browser session: a new session on the
same workspace (a reload, a new ?lang=, a server restart, another device) shows the same pair, detector or lesson
result without training again; "try again" forgets it; a result the store cannot read back is dropped quietly and
the page works as on a first visit."""
from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa
import torch
from streamlit.testing.v1 import AppTest

from aelib.i18n import t
from aelib.store.schema import lab_results
from appkit import workspace
from appkit.anomaly_views import RUN
from appkit.denoising_views import PAIR
from tests.app.helpers import APP, TIMEOUT, figure, fresh, on
from tests.app.test_anomaly_page import PAGE as ANOMALY
from tests.app.test_anomaly_page import train_tiny_detector
from tests.app.test_compression_page import PAGE as COMPRESSION
from tests.app.test_compression_page import tiny_lab
from tests.app.test_denoise_page import PAGE as DENOISING
from tests.app.test_denoise_page import tiny_pair
from tests.app.test_lessons_page import open_lesson
from tests.app.test_superres_page import PAGE as SUPERRES
from tests.app.test_superres_page import tiny_model
from tests.app.test_workspace_belongings import reopened


def kept_labs(at) -> list[str]:
    return sorted(r["lab"] for r in workspace.store().results.list(at.session_state["aelab_ws"]))


def restored_note(at, lang: str = "en") -> bool:
    return any(c.value == t("lab.restored", lang) for c in at.caption)


def test_a_denoising_pair_comes_back_in_a_new_session_in_another_language():
    at = tiny_pair(fresh(), noise="salt_pepper", level=0.3)
    assert kept_labs(at) == ["denoising"]
    pair = at.session_state[PAIR]

    again = reopened(at, DENOISING, lang="zh")
    assert not again.exception, [e.value for e in again.exception]
    back = again.session_state[PAIR]
    assert restored_note(again, "zh")
    assert (back.dataset, back.noise, back.noise_level) == (pair.dataset, pair.noise, pair.noise_level)
    for mine, read in ((pair.dae, back.dae), (pair.plain, back.plain)):
        for k, v in mine.state_dict().items():
            assert torch.equal(v, read.state_dict()[k])
    assert [len(h) for h in back.histories] == [1, 1]
    assert again.session_state["dn_test_noise"] == "salt_pepper"  # the test pickers start where it was trained
    assert again.get("plotly_chart") and figure(again.get("plotly_chart")[0])["data"][0]["type"] == "heatmap"
    assert again.button(key="dn_train")  # and the learner can train a new one
    # the inputs are those of the pair, so the page does not say that its (default) settings differ
    assert (again.selectbox(key="dn_dataset").value, again.selectbox(key="dn_noise").value) == ("digits", "salt_pepper")
    assert (again.number_input(key="dn_epochs").value, again.number_input(key="dn_latent").value) == (1, 4)
    assert not any(i.value == t("denoising.settings_differ", "zh") for i in again.info)


@pytest.mark.parametrize("page, train, inputs, stale", [
    (SUPERRES, tiny_model, {"sr_dataset": "digits", "sr_scale": 2, "sr_epochs": 1}, "superres.settings_differ"),
    (COMPRESSION, tiny_lab, {"cz_dataset": "digits", "cz_latent": [2, 4], "cz_epochs": 1}, "compression.stale"),
])
def test_a_labs_inputs_come_back_with_its_result(page, train, inputs, stale):
    at = train(fresh())
    again = reopened(at, page)
    assert not again.exception, [e.value for e in again.exception]
    assert restored_note(again)
    for key, value in inputs.items():
        assert again.session_state[key] == value, key
    assert not any(i.value == t(stale, "en") for i in again.info)


def test_an_anomaly_detector_comes_back_scored_with_its_threshold():
    at = train_tiny_detector(on(fresh(), ANOMALY))
    run = at.session_state[RUN]
    again = reopened(at, ANOMALY)
    assert not again.exception, [e.value for e in again.exception]
    back = again.session_state[RUN]
    assert back.status == "finished" and len(back.history) == 2 and back.split.protocol == run.split.protocol
    np.testing.assert_allclose(back.scored.test_errors, run.scored.test_errors, rtol=1e-5)
    assert again.slider(key="an_threshold").value == np.float32(run.scored.threshold) or \
        abs(again.slider(key="an_threshold").value - run.scored.threshold) < 1e-6


def test_each_lessons_result_is_kept_and_try_again_forgets_it():
    at = open_lesson("en", "6")  # anomaly detection: the cheapest experiment
    at.radio[0].set_value(1).run()
    at.button(key="lesson_run").click().run()
    assert not at.exception and kept_labs(at) == ["lessons/anomaly"]

    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["ws"], again.query_params["lang"] = at.session_state["aelab_ws"], "en"
    again.run()
    again.query_params["lesson"] = "6"
    again.switch_page("pages/14_Lessons.py").run()
    assert not again.exception, [e.value for e in again.exception]
    done = again.session_state["lesson_results"]["anomaly"]
    assert done["pick"] == 1 and done["result"]["auroc"] == at.session_state["lesson_results"]["anomaly"]["result"][
        "auroc"]
    assert again.radio[0].disabled and again.radio[0].value == 1  # the prediction stays locked, as it was
    again.button(key="lesson_again").click().run()
    assert kept_labs(again) == [] and "anomaly" not in again.session_state["lesson_results"]


def test_an_unreadable_kept_result_is_dropped_and_the_page_works():
    at = tiny_pair(fresh())
    ws = at.session_state["aelab_ws"]
    with workspace.store().db.write() as conn:  # tampered with, or written by a version that is gone
        conn.execute(lab_results.update().where(lab_results.c.workspace_id == ws).values(
            tree='{"format": 1, "tree": {"dc": "os:system", "fields": {}}}'))
    again = reopened(at, DENOISING)
    assert not again.exception and not again.error
    assert PAIR not in again.session_state and not restored_note(again)
    assert any(i.value == t("denoising.empty", "en") for i in again.info)
    with workspace.store().db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lab_results)).scalar() == 0
