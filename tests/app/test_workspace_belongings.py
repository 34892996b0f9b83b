"""What a learner keeps in their workspace besides the runs they train: the datasets they upload (within the
workspace's quota, parsed again with a fresh upload's checks when read back) and the models they start from or
import (finished runs with their history, weights and replay). A new session on the same workspace (a reload,
another device) finds them all; an upload over the quota is a clear message and stays in the session."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
import sqlalchemy as sa
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from aelib import infer
from aelib.data import load_dataset
from aelib.experiment import fit, model_config
from aelib.i18n import t
from aelib.sharing import export, quickstart
from aelib.store import Uploads, open_store
from aelib.train import TrainConfig
from appkit import export_views, stored_imports, stored_uploads, workspace
from appkit.i18n import plain
from appkit.state import RUN, Run
from appkit.stored_uploads import Packed
from tests.app.helpers import APP, TIMEOUT, figure, fresh, on, values
from tests.app.test_your_data import PAGE, add, digit_zip, pets, upload_csv

TRAIN = "pages/1_Train.py"
UPLOADS = "aelab_uploads"
PETS = "yours: pets.csv"


def reopened(at: AppTest, page: str, lang: str | None = None) -> AppTest:
    """A new session (a reload, another device) on the workspace of `at`, switched to `page`."""
    again = AppTest.from_file(APP, default_timeout=TIMEOUT)
    again.query_params["ws"] = at.session_state["aelab_ws"]
    if lang:
        again.query_params["lang"] = lang
    again.run()
    return on(again, page)


def kept(at: AppTest) -> list[str]:
    """The names of the uploads the workspace of `at` keeps, newest first."""
    return [row["name"] for row in workspace.store().uploads.list(at.session_state["aelab_ws"])]


def listed(at: AppTest) -> list[str]:
    """The sets the Your data page lists, by name (each row starts with its title in bold)."""
    return [m.value.split("**")[1] for m in at.markdown if m.value.startswith("**")]


# Uploads ------------------------------------------------------------------------------------------------------------


def test_an_upload_and_a_run_trained_on_it_come_back_in_a_new_session():
    at = upload_csv(fresh(), pets())
    at.selectbox(key="upload_label").set_value("kind").run()
    add(at)
    assert kept(at) == [PETS]
    on(at, TRAIN)
    at.number_input(key="epochs").set_value(2).run()
    at.button(key="train").click().run()
    run = at.session_state[RUN]
    assert not at.exception and run.dataset == PETS and run.status == "finished" and run.run_id

    again = reopened(at, PAGE)
    assert listed(again) == [t("your_data.dataset_title", "en", name="pets.csv")]
    back = again.session_state[RUN]
    assert back.run_id == run.run_id and back.dataset == PETS and len(back.history) == 2
    mine, read_back = at.session_state[UPLOADS][PETS].ds, again.session_state[UPLOADS][PETS].ds
    for part in ("x_train", "x_test", "y_train", "y_test"):  # parsed again into the very same split
        np.testing.assert_array_equal(getattr(mine, part), getattr(read_back, part))
    assert read_back.class_names == ["cat", "dog", "fox"] and read_back.name == PETS

    on(again, "pages/2_Latent_space.py")  # the stored run shows its data again
    assert not again.error
    fig = figure(again.get("plotly_chart")[0])
    assert [tr["name"] for tr in fig["data"]] == ["cat", "dog", "fox"]
    assert sum(len(values(tr["x"])) for tr in fig["data"]) == 120  # 20 % of 600 rows held out

    upload_csv(again, pets())  # the same file again: the set read back is recognised
    again.selectbox(key="upload_label").set_value("kind").run()
    title = t("your_data.dataset_title", "en", name="pets.csv")
    assert [i.value for i in again.info] == [t("your_data.already_added", "en", title=title)]
    assert kept(again) == [PETS]


def png(side: int = 8, value: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((side, side), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_images_come_back_and_removing_them_removes_them_from_the_workspace():
    at = on(fresh(), PAGE)
    files = [("digits.zip", digit_zip(), "application/zip"), ("odd_one.png", png(), "image/png")]
    at.file_uploader(key="upload_images").set_value(files).run()
    add(at)
    (name,) = at.session_state[UPLOADS]
    assert kept(at) == [name]

    again = reopened(at, PAGE)
    assert list(again.session_state[UPLOADS]) == [name]
    mine, read_back = at.session_state[UPLOADS][name].ds, again.session_state[UPLOADS][name].ds
    assert read_back.shape == (1, 8, 8) and len(read_back.x_train) + len(read_back.x_test) == 41
    np.testing.assert_array_equal(mine.x_train, read_back.x_train)
    assert read_back.source == mine.source  # parsed under the same name: "2 files"

    again.button(key=f"upload_remove_{name}").click().run()
    assert not again.exception and kept(again) == [] and not again.session_state[UPLOADS]
    on(at, PAGE)  # the first tab lets go of it too
    assert not at.session_state[UPLOADS] and any(c.value == t("your_data.none_yet", "en") for c in at.caption)
    assert not reopened(at, PAGE).session_state[UPLOADS]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_upload_over_the_quota_is_a_clear_message_and_stays_in_the_session(monkeypatch, lang):
    quota = 1_000  # bytes: pets.csv is larger
    save = Uploads.save
    monkeypatch.setattr(Uploads, "save", lambda self, ws, name, data, q=quota, now=None: save(self, ws, name, data,
                                                                                               q, now))
    at = on(fresh(lang), PAGE)
    at.file_uploader(key="upload_csv").set_value(("pets.csv", pets(), "text/csv")).run()
    at.selectbox(key="upload_label").set_value("kind").run()
    add(at)
    size = len(stored_uploads.pack(Packed("csv", "pets.csv", (("pets.csv", pets()),), "kind")))
    why = t("store.quota", lang, size=f"{size / 1e6:.1f}", used="0.0", quota="0.0")
    title = plain(t("your_data.dataset_title", lang, name="pets.csv"))
    assert [w.value for w in at.warning] == [t("your_data.not_kept", lang, why=why, title=title)]
    assert kept(at) == []
    assert PETS in at.session_state[UPLOADS] and at.session_state[UPLOADS][PETS].upload_id is None
    on(at, TRAIN)  # the session still trains on it
    assert at.selectbox(key="dataset").value == PETS and not at.error
    assert not on(at, PAGE).warning  # said once
    assert not reopened(at, PAGE).session_state[UPLOADS]  # as it said: a new session does not find it


# Models the learner did not train here -----------------------------------------------------------------------------


def import_files(at: AppTest, weights: bytes, config: str) -> AppTest:
    at.file_uploader(key=export_views.WEIGHTS_FILE).set_value(("model.safetensors", weights, "application/x")).run()
    at.file_uploader(key=export_views.CONFIG_FILE).set_value(("config.json", config.encode(), "application/json")).run()
    at.button(key="import_model").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_imported_model_survives_a_reload_and_is_listed_in_my_runs():
    ds = load_dataset("digits")
    model, history = fit(ds, model_config(ds, "ae", 3, hidden=(32,)), TrainConfig(epochs=2, seed=1))
    at = import_files(on(fresh(), TRAIN), *export.model_files(model, "digits", history))
    run = at.session_state[RUN]
    assert run.run_id and run.summary["test_mse"] > 0
    record = workspace.store().get_run(at.session_state["aelab_ws"], run.run_id)
    assert record.status == "finished" and record.summary["origin"] == "imported"

    again = reopened(at, TRAIN, lang="zh")
    back = again.session_state[RUN]
    assert back.run_id == run.run_id and back.dataset == "digits" and back.model_cfg == run.model_cfg
    assert [h.val for h in back.history] == [h.val for h in history]
    np.testing.assert_array_equal(infer.reconstruct(back.model, ds.x_test), infer.reconstruct(model, ds.x_test))
    said = t("export.imported", "zh", weights="model.safetensors", config="config.json", model="ae", dataset="digits")
    assert said in [s.value for s in again.success]  # its message, in the new session's language
    assert t("workspace.my_runs", "zh", n=1) in [e.label for e in again.expander]
    assert not any(c.value.startswith(t("widgets.pretrained_caption", "zh", title="")[:6]) for c in again.caption)


@pytest.mark.skipif("ae_mnist5k" not in quickstart.available(), reason="no bundled checkpoints")
def test_the_quick_start_model_survives_a_reload():
    at = on(fresh(), TRAIN)
    at.button(key="use_pretrained").click().run()
    run = at.session_state[RUN]
    assert not at.exception and run.run_id and len(run.history) == 30

    again = reopened(at, "pages/2_Latent_space.py")
    back = again.session_state[RUN]
    assert back.run_id == run.run_id and len(back.history) == 30 and back.model is not run.model
    shared = export_views.bundled("ae_mnist5k").model
    for a, b in zip(back.model.parameters(), shared.parameters()):
        assert torch.equal(a.detach().cpu(), b.detach().cpu())
    assert [e for e, _ in back.snapshots] == [e for e, _ in quickstart.replay("ae_mnist5k")]
    said = t("widgets.pretrained_caption", "en", title=t("export.setup.ae_mnist5k", "en"))
    assert any(c.value == said for c in again.caption)  # still never passed off as the learner's own
    assert "replay_plot" in [c.key for c in again.get("plotly_chart")]
    on(again, TRAIN)
    assert t("workspace.my_runs", "en", n=1) in [e.label for e in again.expander]


# The pieces, without a page ----------------------------------------------------------------------------------------


def test_a_stored_import_is_all_or_nothing(tmp_path, monkeypatch):
    store = open_store(f"sqlite:///{tmp_path}/aelab.db")
    ws = store.new_workspace()
    ds = load_dataset("digits")
    model, history = fit(ds, model_config(ds, "ae", 2, hidden=(16,)), TrainConfig(epochs=1, seed=0))
    run = Run("digits", 0, model.cfg, TrainConfig(epochs=1), model=model, history=history, status="finished",
              message="hello", snapshots=[(1, np.zeros((5, 2), np.float32))])
    summary = stored_imports.summary_of(run, "imported")
    run_id = stored_imports.keep(store, ws, run, summary)
    assert store.blob_kinds(ws, run_id) == ["replay/1", "weights"] and len(store.epochs(ws, run_id)) == 1
    nowhere = sa.Table("no_such_table", sa.MetaData(), *[sa.Column(c.name, c.type) for c in stored_imports.blobs.c])
    monkeypatch.setattr(stored_imports, "blobs", nowhere)  # the second transaction fails
    with pytest.raises(sa.exc.OperationalError):
        stored_imports.keep(store, ws, run, summary)
    assert [r.id for r in store.list_runs(ws)] == [run_id]  # no run left without its weights
    with pytest.raises(LookupError):
        stored_imports.keep(store, "x" * 32, run, summary)
    store.close()


def test_a_stored_upload_reads_back_and_anything_else_is_refused():
    packed = Packed("images", "2 files", (("a.zip", digit_zip()), ("b.png", png())))
    assert stored_uploads.unpack(stored_uploads.pack(packed)) == packed
    data = stored_uploads.pack(Packed("csv", "p.csv", (("p.csv", pets(60)),), "kind"))
    head = len(stored_uploads.MAGIC)
    header_at = data.index(b"\n", head) + 1
    size = int(data[head:header_at - 1])
    header = json.loads(data[header_at:header_at + size])
    bad = [b"", b"id,x\n1,2\n", data[:-1], data + b"x", data.replace(stored_uploads.MAGIC, b"AELAB-UPLOAD 9\n"),
           stored_uploads.MAGIC + b"99999999999\n{}", stored_uploads.MAGIC + b"5\n[[[[[",
           stored_uploads.MAGIC + b"%d\n" % 20_000 + b"[" * 20_000]
    for change in ({"kind": "pickle"}, {"label": 3}, {"files": [["p.csv", -1]]}, {"files": [["p.csv", True]]},
                   {"files": [["p.csv", 1], ["q.csv", len(pets(60)) - 1]]}, {"name": ""}):
        text = json.dumps({**header, **change}).encode()
        bad.append(stored_uploads.MAGIC + b"%d\n" % len(text) + text + data[header_at + size:])
    for data in bad:
        with pytest.raises(ValueError):
            stored_uploads.unpack(data)
