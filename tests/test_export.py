"""aelib.sharing.export and aelib.sharing.quickstart: exported models come back identical, codes CSV and the
one-file HTML report hold what they promise, and quickstart.make writes a loadable checkpoint (the bundled ones
are checked in tests/test_quickstart.py)."""
from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pytest

from aelib import cli, infer
from aelib.experiment import fit, model_config, summarize
from aelib.sharing import checkpoint, export, quickstart
from aelib.sharing.checkpoint import CheckpointError
from aelib.train import TrainConfig
from tests.conftest import TINY


@pytest.fixture(scope="module")
def trained(small_digits):
    """model name -> (model, history) after two epochs on 300 8×8 digits."""
    out = {}
    for name in ("ae", "vae", "conv_ae"):
        cfg = model_config(small_digits, name, 2, hidden=TINY["hidden"], channels=TINY["channels"])
        out[name] = fit(small_digits, cfg, TrainConfig(epochs=2, batch_size=64, seed=0))
    return out


@pytest.mark.parametrize("name", ["ae", "vae", "conv_ae"])
def test_export_then_import_gives_identical_reconstructions(trained, small_digits, name):
    model, history = trained[name]
    weights, config = export.model_files(model, "digits", history, TrainConfig(epochs=2))
    back = export.read_model_files(weights, config)
    export.check_fits(back, small_digits)
    assert back.dataset == "digits" and back.train.epochs == 2 and not back.measured
    assert [h.train for h in back.history] == [h.train for h in history]
    np.testing.assert_array_equal(infer.reconstruct(back.model, small_digits.x_test),
                                  infer.reconstruct(model, small_digits.x_test))
    # the same config checkpoint.save writes (one function builds both)
    assert json.loads(config)["model"] == json.loads(checkpoint.config_json(model))["model"]


def test_corrupted_or_mismatched_files_get_a_clear_message(trained):
    (ae, history), (conv, _) = trained["ae"], trained["conv_ae"]
    weights, config = export.model_files(ae, "digits", history)
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        export.read_model_files(weights[: len(weights) // 2], config)
    with pytest.raises(CheckpointError, match="another architecture"):
        export.read_model_files(weights, export.model_files(conv, "digits", history)[1])
    with pytest.raises(CheckpointError, match="not valid JSON"):
        export.read_model_files(weights, "{not json")
    unknown = json.dumps({**json.loads(config), "dataset": "upload:mine.csv"})
    with pytest.raises(CheckpointError, match="names no dataset"):
        export.read_model_files(weights, unknown)


def test_a_model_for_other_data_is_refused_and_one_without_history_is_measured(trained, small_mnist, small_digits):
    model, history = trained["ae"]
    weights, config = export.model_files(model, "digits", history)
    with pytest.raises(CheckpointError, match="shape"):
        export.check_fits(export.read_model_files(weights, config), small_mnist)
    bare = json.dumps({"model": json.loads(config)["model"], "dataset": "digits"})  # what `train --out` writes
    back = export.read_model_files(weights, bare)
    export.check_fits(back, small_digits)
    assert back.measured and len(back.history) == 1 and back.history[0].val["loss"] > 0


def test_codes_csv_has_one_row_per_sample_with_codes_label_and_split(trained, small_digits):
    model, _ = trained["vae"]
    rows = list(csv.reader(io.StringIO(export.codes_csv(model, small_digits))))
    assert rows[0] == ["z1", "z2", "label", "split"]
    assert len(rows) == 1 + len(small_digits.x_test)
    assert [r[2] for r in rows[1:]] == [small_digits.class_names[i] for i in small_digits.y_test]
    z = np.array([[float(v) for v in r[:2]] for r in rows[1:]])
    np.testing.assert_allclose(z, infer.encode(model, small_digits.x_test), rtol=1e-5, atol=1e-6)
    both = list(csv.reader(io.StringIO(export.codes_csv(model, small_digits, "all"))))
    assert len(both) == 1 + len(small_digits.x_train) + len(small_digits.x_test)
    assert {r[3] for r in both[1:]} == {"train", "test"}
    with pytest.raises(ValueError, match="split"):
        export.codes_csv(model, small_digits, "val")


def test_html_report_is_one_self_contained_file(trained, small_digits):
    model, history = trained["ae"]
    summary = summarize(model, small_digits, history)
    page = export.html_report(model, small_digits, history, summary, TrainConfig(epochs=2, lr=0.0042), lang="en")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"<script[^>]+src=[\"']?https?:", page)  # nothing to fetch: works offline
    assert page.count("Plotly.newPlot") == 3 and page.count("plotly.js v") == 1  # 3 figures, the library once
    for text in ("latent_dim", "train.lr", "0.0042", "knn_accuracy", str(summary["test_mse"]),
                 str(summary["trustworthiness"]), export.VERSION, "Loss curves", "Reconstructions", "Latent space"):
        assert text in page, text
    assert len(page.encode()) < 6_000_000


def test_quickstart_make_writes_a_loadable_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setitem(quickstart.SETUPS, "tiny", quickstart.Setup("tiny", "digits", "ae", 2, 1, "a test"))
    out = quickstart.make("tiny", tmp_path)
    assert {f.name for f in (tmp_path / "tiny").iterdir()} == {checkpoint.WEIGHTS, checkpoint.CONFIG,
                                                                checkpoint.HISTORY, quickstart.REPLAY}
    assert quickstart.available(tmp_path) == {"tiny": "tiny"} and out["bytes"] > 0
    assert len(quickstart.load("tiny", tmp_path).history) == 1


def test_the_pretrain_command_writes_the_setups_it_is_given(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(quickstart.SETUPS, "tiny", quickstart.Setup("tiny", "digits", "ae", 2, 1, "a test"))
    assert cli.main(["pretrain", "--setups", "tiny", "--out", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["name"] == "tiny"
    assert quickstart.available(tmp_path) == {"tiny": "tiny"}
    assert cli.main(["pretrain", "--setups", "nope"]) == 2
    assert "unknown setup nope" in capsys.readouterr().err


def test_report_figures_lay_themselves_out_even_inside_streamlit(trained, small_digits, monkeypatch):
    """Inside the app plotly's default template is Streamlit's, which leaves automargin off: the report's figures
    must carry their own, or a y tick "250" is clipped to "0" and axis titles land on the ticks."""
    import plotly.io as pio

    monkeypatch.setattr(pio.templates, "default", "none")  # a template with no automargin, like Streamlit's
    model, history = trained["ae"]
    for lang in ("en", "zh"):
        for title, fig in export.report_figures(model, small_digits, history, "test", lang=lang).items():
            layout = fig.to_dict()["layout"]
            axes = [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]
            assert axes and all(a.get("automargin") is True for a in axes), title
            assert layout["template"]["layout"]["xaxis"]["automargin"] is True, title
