"""A run on the Train page over a learner's table: its summary names the label column the Your data page detected,
counts that column's classes and measures the 5-NN accuracy of the codes against them, as `train --csv` does."""
from __future__ import annotations

import pytest

from aelib.i18n import t
from tests.app.helpers import fresh, ok, on
from tests.app.test_your_data import add, sklearn_csv, upload_csv


def trained_on(body: bytes, name: str, label: str | None = "label"):
    """The session after adding the table `name` (label: the column picked; "label" is what is detected) and
    training 2 epochs of an ae on it from the Train page."""
    at = upload_csv(fresh(), body, name)
    assert at.selectbox(key="upload_label").value == "label"  # detected before the learner does anything
    if label != "label":
        at.selectbox(key="upload_label").set_value(label).run()
    add(at)
    on(at, "pages/1_Train.py")
    assert at.selectbox(key="dataset").value == f"yours: {name}"
    at.number_input(key="epochs").set_value(2).run()
    at.button(key="train").click().run()
    return ok(at)


@pytest.mark.parametrize("loader, text", [("load_iris", False), ("load_wine", True)])
def test_the_summary_of_an_upload_uses_its_label_column(loader, text):
    at = trained_on(sklearn_csv(loader, text=text), f"{loader}.csv")
    run = at.session_state["aelab_run"]
    assert run.status == "finished" and run.summary is not None
    s = run.summary
    features = {"load_iris": 4, "load_wine": 13}[loader]
    assert (s["label_column"], s["n_classes"], s["input_dim"]) == ("label", 3, features)
    assert s["knn_accuracy"] > 0.5  # three well-separated classes: far above chance (1/3)
    shown = {m.label: m.value for m in at.metric}
    assert shown[t("train.metric_knn", "en")] == f"{s['knn_accuracy']:.2f}"


def test_an_upload_read_without_labels_says_so_in_its_summary():
    at = trained_on(sklearn_csv("load_iris"), "iris.csv", label=None)
    s = at.session_state["aelab_run"].summary
    assert (s["label_column"], s["n_classes"], s["input_dim"]) == (None, 0, 5)  # the class is fed as a feature
