"""aelib.cli (in process, through main()) and one real `python -m aelib` subprocess."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from aelib import bench, experiment
from aelib.cli import main
from aelib.data import DATASETS
from aelib.i18n import t
from aelib.models import MODELS
from aelib.sharing import checkpoint
from tests.conftest import EXTRA_TERMS, REPORT_KEYS

ROOT = Path(__file__).resolve().parents[1]
TRAIN_KEYS = {"dataset", "model", "latent_dim", "input_dim", "n_classes", "label_column", "epochs", "seconds",
              "samples_per_second", "train_loss", "loss_terms", "test_mse", "pca_test_mse", "knn_accuracy",
              "trustworthiness"}
# every model family, by its registry name
ZOO = ["ae", "deep_ae", "conv_ae", "denoising_ae", "sparse_ae", "contractive_ae", "linear_ae", "vae", "cvae", "vq_vae",
       "aae", "seq_ae", "umap_ae"]
COMPARE_KEYS = {"seconds", "knn_accuracy", "trustworthiness", "places_new_points"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_datasets_json(capsys):
    code, out, _ = run(capsys, "datasets", "--json")
    assert code == 0
    listed = last_json(out)
    assert set(listed) == set(DATASETS)
    assert all(DATASETS[k].title in v for k, v in listed.items())


def test_models_json_and_text(capsys):
    code, out, _ = run(capsys, "models", "--json")
    listed = last_json(out)
    assert code == 0 and set(listed) == set(MODELS) == set(ZOO)
    for name, text in listed.items():  # one line each, naming the family and what it teaches
        assert t(f"family.{name}.title") in text and t(f"family.{name}.summary") in text and "\n" not in text
    code, out, _ = run(capsys, "models")
    assert code == 0
    assert [line.split()[0] for line in out.strip().splitlines()] == list(MODELS)


def test_train_json(capsys):
    code, out, err = run(capsys, "train", "--dataset", "digits", "--epochs", "2", "--json")
    assert code == 0, err
    summary = last_json(out)
    assert set(summary) == TRAIN_KEYS
    assert (summary["dataset"], summary["model"], summary["latent_dim"], summary["epochs"]) == ("digits", "ae", 2, 2)
    assert summary["loss_terms"] == ["loss", "recon"]
    for key in TRAIN_KEYS - {"dataset", "model", "loss_terms", "label_column"}:
        assert isinstance(summary[key], int | float) and math.isfinite(summary[key]), key
    assert (summary["input_dim"], summary["n_classes"], summary["label_column"]) == (64, 10, None)  # a bundled set
    assert 0 <= summary["knn_accuracy"] <= 1 and 0 <= summary["trustworthiness"] <= 1
    assert 0 < summary["test_mse"] < 1 and 0 < summary["pca_test_mse"] < 1
    assert "epoch" not in err  # --json keeps stderr quiet too


@pytest.mark.parametrize("model", ZOO)
def test_train_every_family(capsys, model):
    """Each image family trains an epoch on the 8×8 digits, seq_ae on the sine waves; each reports its loss terms
    and its own numbers."""
    dataset = "sines" if model == "seq_ae" else "digits"
    code, out, err = run(capsys, "train", "--dataset", dataset, "--model", model, "--epochs", "1",
                         "--train-subset", "256", "--json")
    assert code == 0, err
    summary = last_json(out)
    assert (summary["dataset"], summary["model"], summary["epochs"]) == (dataset, model, 1)
    assert set(summary) == TRAIN_KEYS | REPORT_KEYS.get(model, set())
    assert summary["loss_terms"] == sorted({"loss", "recon"} | EXTRA_TERMS.get(model, set()))
    assert math.isfinite(summary["train_loss"]) and math.isfinite(summary["test_mse"])


@pytest.mark.parametrize(("flags", "saved", "terms"), [
    (["--model", "ae", "--tied", "--l1", "0.001"], {"model": "ae", "tied": True}, {"loss", "recon", "weight_l1"}),
    (["--model", "denoising_ae", "--noise", "mask", "--noise-level", "0.4", "--weight-decay", "1e-4"],
     {"noise": "mask", "noise_level": 0.4, "tied": False}, {"loss", "recon"}),
    (["--model", "sparse_ae", "--sparsity", "kl", "--sparsity-target", "0.1", "--latent-dim", "16"],
     {"sparsity": "kl", "sparsity_target": 0.1, "latent_dim": 16}, {"loss", "recon", "sparsity"}),
    (["--model", "deep_ae", "--hidden", "32,16,8", "--pretrain-epochs", "1", "--patience", "1"],
     {"hidden": (32, 16, 8)}, {"loss", "recon"}),
    (["--model", "vq_vae", "--codebook-size", "16", "--vq-dim", "4", "--commitment", "0.5"],
     {"codebook_size": 16, "vq_dim": 4, "commitment": 0.5}, {"loss", "recon", "codebook", "commitment"}),
])
def test_train_options(capsys, tmp_path, flags, saved, terms):
    """Model flags reach the saved config; training flags reach the loop (L1 shows up as its own term)."""
    code, out, err = run(capsys, "train", "--dataset", "digits", "--epochs", "2", "--json", "--out", str(tmp_path),
                         *flags)
    assert code == 0, err
    assert set(last_json(out)["loss_terms"]) == terms
    cfg = checkpoint.load(tmp_path).cfg
    assert cfg.model == flags[1]
    assert {k: getattr(cfg, k) for k in saved} == saved


def test_linear_ae_learns_pcas_subspace_on_mnist(capsys):
    """A linear AE's decoder spans PCA-8's subspace to within 10°."""
    code, out, err = run(capsys, "train", "--dataset", "mnist5k", "--model", "linear_ae", "--latent-dim", "8",
                         "--epochs", "30", "--json")
    assert code == 0, err
    summary = last_json(out)
    assert len(summary["principal_angles_deg"]) == 8
    assert summary["max_principal_angle_deg"] == max(summary["principal_angles_deg"]) < 10


def test_denoising_ae_halves_the_noise_on_mnist(capsys):
    """On the test split, denoised-vs-clean error is at most half of noisy-vs-clean."""
    code, out, err = run(capsys, "train", "--dataset", "mnist5k", "--model", "denoising_ae", "--noise", "gaussian",
                         "--noise-level", "0.5", "--epochs", "20", "--json")
    assert code == 0, err
    summary = last_json(out)
    assert 0 < summary["denoise_mse"] <= summary["noisy_mse"] / 2, summary


def test_train_text_reports_epochs_on_stderr(capsys):
    code, out, err = run(capsys, "train", "--dataset", "moons", "--model", "vae", "--epochs", "2",
                         "--latent-dim", "3", "--beta", "0.5", "--batch-size", "256")
    assert code == 0, err
    assert "epoch   1/2" in err and "epoch   2/2" in err
    rows = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert rows["model"] == "vae" and rows["latent_dim"] == "3" and rows["dataset"] == "moons"


def test_train_warns_without_bottleneck(capsys):
    code, _, err = run(capsys, "train", "--dataset", "circles", "--epochs", "1", "--latent-dim", "20", "--json")
    assert code == 0
    assert "warning: The latent size (20) is not smaller than the input (20 values)" in err


def test_train_out_writes_checkpoint(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run(capsys, "train", "--dataset", "digits", "--epochs", "1", "--json", "--out", str(out_dir))
    assert code == 0, err
    assert last_json(out)["out"] == str(out_dir)
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([checkpoint.WEIGHTS, checkpoint.CONFIG,
                                                               checkpoint.HISTORY])
    assert checkpoint.load(out_dir).cfg.input_shape == (1, 8, 8)
    assert len(json.loads((out_dir / checkpoint.HISTORY).read_text(encoding="utf-8"))) == 1


def test_compare_pca_tsne(capsys, one_thread):
    code, out, err = run(capsys, "compare", "--dataset", "digits", "--methods", "pca,tsne", "--n", "200", "--json")
    assert code == 0, err
    result = last_json(out)
    assert list(result) == ["pca", "tsne"]
    for method, scores in result.items():
        assert COMPARE_KEYS <= set(scores), method
        assert 0 <= scores["knn_accuracy"] <= 1 and 0 <= scores["trustworthiness"] <= 1
        assert scores["seconds"] >= 0
    assert result["pca"]["places_new_points"] is True
    assert result["tsne"]["places_new_points"] is False


def test_compare_ae(capsys):
    code, out, err = run(capsys, "compare", "--dataset", "digits", "--methods", " ae ,", "--n", "100",
                         "--epochs", "1", "--json")
    assert code == 0, err
    result = last_json(out)
    assert list(result) == ["ae"] and result["ae"]["places_new_points"] is True


@pytest.mark.parametrize(("argv", "message"), [
    (["compare", "--dataset", "digits", "--methods", "pca,isomap"],
     "unknown methods: isomap; choose from pca, tsne, umap, ae"),
    (["compare", "--dataset", "digits", "--methods", "pca", "--n", "5000"], "5000"),
    (["compare", "--dataset", "digits", "--methods", "tsne", "--n", "50", "--perplexity", "60"],
     r"perplexity must be between 0 and the number of points (50); got 60"),
    (["compare", "--dataset", "digits", "--methods", "tsne", "--n", "50", "--tsne-iter", "249"],
     "t-SNE needs at least 250 iterations, got 249"),
    (["train", "--dataset", "digits", "--epochs", "0"], "epochs must be at least 1, got 0"),
    (["train", "--dataset", "digits", "--epochs", "1", "--lr", "0"], "learning rate must be a positive number"),
    (["train", "--dataset", "digits", "--epochs", "1", "--latent-dim", "0"], "latent size must be at least 1"),
    (["train", "--dataset", "moons", "--model", "conv_ae", "--epochs", "1"], "needs image data"),
    (["train", "--dataset", "sines", "--model", "conv_ae", "--epochs", "1"], "needs image data"),
    (["train", "--dataset", "digits", "--model", "seq_ae", "--epochs", "1"], "needs sequence data"),
    (["train", "--dataset", "digits", "--model", "vae", "--tied", "--epochs", "1"], "tied weights need a decoder"),
    (["train", "--dataset", "digits", "--model", "vae", "--pretrain-epochs", "1", "--epochs", "1"],
     "layer-wise pretraining applies to dense autoencoders (ae, deep_ae), not vae"),
    (["train", "--dataset", "digits", "--noise", "pink", "--model", "denoising_ae", "--epochs", "1"],
     "noise must be one of"),
    (["train", "--dataset", "digits", "--patience", "-1", "--epochs", "1"], "patience must be >= 0"),
    (["train", "--dataset", "digits", "--hidden", "32,x", "--epochs", "1"], "comma-separated whole numbers"),
    (["train", "--dataset", "digits", "--epochs", "1", "--device", "tpu"], "unknown device 'tpu'"),
])
def test_errors_exit_2_with_a_message(capsys, argv, message):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err and out == ""


def test_compare_holds_out_exactly_n_points(capsys, monkeypatch):
    """compare fits on the rest and scores on exactly --n held-out points, so --n may exceed the usual 20 %."""
    seen = {}
    real = experiment.score

    def spy(proj, x_test, y_train, y_test, seed=0):
        seen["n_test"], seen["n_train"] = len(x_test), len(y_train)
        return real(proj, x_test, y_train, y_test, seed)

    monkeypatch.setattr(experiment, "score", spy)
    code, _, err = run(capsys, "compare", "--dataset", "digits", "--methods", "pca", "--n", "1000", "--json")
    assert code == 0, err
    assert seen == {"n_test": 1000, "n_train": 1797 - 1000}


def test_compare_n_beyond_the_data_is_refused(capsys):
    code, _, err = run(capsys, "compare", "--dataset", "digits", "--methods", "pca", "--n", "5000", "--json")
    assert code == 2
    assert "cannot hold out 5000 of the 1797 samples" in err and "Traceback" not in err


def test_mnist_empty_data_dir(capsys, no_network, tmp_path):
    empty = tmp_path / "data"
    code, out, err = run(capsys, "train", "--dataset", "mnist", "--epochs", "1", "--data-dir", str(empty))
    assert code == 2 and out == ""
    assert not no_network  # a named folder is only read
    assert "'mnist5k'" in err and str(empty) in err
    assert "Traceback" not in err


def test_mnist_failed_download(capsys, no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    code, out, err = run(capsys, "compare", "--dataset", "mnist", "--methods", "pca", "--json")
    assert code == 2 and out == ""
    assert no_network  # a download was attempted, and failed at once
    assert "'mnist5k'" in err and str(tmp_path / "MNIST" / "raw") in err
    assert "Traceback" not in err


def test_argparse_rejects_unknown_choices(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--dataset", "imagenet"])
    assert info.value.code == 2
    assert "invalid choice: 'imagenet'" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "aelib", "models", "--json"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    listed = last_json(proc.stdout)
    assert list(listed) == ZOO
    assert all(isinstance(v, str) and v.strip() and "\n" not in v for v in listed.values())


def test_bench_write_section_replaces_its_own_block(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\nIntro text.\n")
    bench.write_section(str(path), "overhead", "python -m aelib bench", {"ratio": 1.5})
    bench.write_section(str(path), "other", "cmd2", {"x": 1})
    bench.write_section(str(path), "overhead", "python -m aelib bench", {"ratio": 1.1})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nIntro text.")
    assert text.count("<!-- bench:overhead -->") == 1 and text.count("<!-- /bench:overhead -->") == 1
    assert '"ratio": 1.1' in text and '"ratio": 1.5' not in text
    assert '"x": 1' in text
    assert text.index("bench:overhead") < text.index("bench:other")  # replaced in place, not appended


def test_train_config_takes_the_family_defaults_unless_given():
    base = experiment.train_config("ae", epochs=3)
    assert (base.lr, base.batch_size, base.epochs) == (1e-3, 128, 3)  # TrainConfig's own defaults
    umap = experiment.train_config("umap_ae", lr=None, batch_size=None)  # None: not given (argparse's default)
    assert (umap.lr, umap.batch_size) == (MODELS["umap_ae"].train_defaults["lr"], 64)
    assert experiment.train_config("linear_ae").lr == 1e-2
    assert experiment.train_config("umap_ae", batch_size=256, lr=0.5).batch_size == 256


def test_cli_train_uses_the_family_batch_size(capsys, monkeypatch):
    seen = []
    monkeypatch.setattr("aelib.cli.fit", lambda ds, mcfg, tcfg, log=None: seen.append(tcfg) or (_ for _ in ()).throw(
        SystemExit(0)))
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "digits", "--model", "umap_ae", "--epochs", "1"])
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "digits", "--model", "umap_ae", "--epochs", "1", "--batch-size", "32"])
    assert [t.batch_size for t in seen] == [64, 32]


# -- your own table: the label column is detected (--label-column auto), named, or none --------------------------

def sklearn_csv(tmp_path: Path, loader: str, label: str | None = "label", text: bool = False) -> str:
    """One of sklearn's bundled sets written as a CSV: its features, then its class in a column `label` (class
    numbers, or the class names when `text`; no such column when label is None)."""
    from sklearn import datasets

    bunch = getattr(datasets, loader)(as_frame=True)
    df = bunch.data
    if label is not None:
        df = df.assign(**{label: [bunch.target_names[i] for i in bunch.target] if text else bunch.target})
    path = tmp_path / f"{loader}.csv"
    df.to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("loader, label, text, features, classes", [
    ("load_iris", "label", False, 4, 3),  # integer classes: once read as a fifth feature
    ("load_wine", "label", True, 13, 3),  # class names: once "Not numeric: column 'label'"
    ("load_breast_cancer", "target", False, 30, 2),
])
def test_train_detects_the_label_column_of_a_csv(capsys, tmp_path, loader, label, text, features, classes):
    path = sklearn_csv(tmp_path, loader, label, text)
    code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1", "--json")
    assert code == 0, err
    summary = last_json(out)
    assert (summary["input_dim"], summary["n_classes"], summary["label_column"]) == (features, classes, label)
    assert 0 <= summary["knn_accuracy"] <= 1 and set(summary) == TRAIN_KEYS


def test_train_says_which_label_it_picked_and_none_turns_it_off(capsys, tmp_path):
    path = sklearn_csv(tmp_path, "load_iris")
    code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1")
    assert code == 0, err
    assert "label column: 'label' (its name says so, and it holds 3 different values ('0', '1', '2'))" in err
    code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1", "--label-column", "none", "--json")
    assert code == 0, err
    summary = last_json(out)  # asked for: the class is fed to the network as a fifth feature
    assert (summary["input_dim"], summary["n_classes"], summary["label_column"]) == (5, 0, None)


def test_train_on_a_table_without_labels(capsys, tmp_path):
    path = sklearn_csv(tmp_path, "load_diabetes", label=None)  # ten continuous measurements, no class
    code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1")
    assert code == 0, err
    assert "label column: none found, the table is read as unlabelled" in err
    for flags in ([], ["--label-column", "none"]):
        code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1", "--json", *flags)
        assert code == 0, err
        summary = last_json(out)
        assert (summary["input_dim"], summary["n_classes"], summary["label_column"]) == (10, 0, None)


def test_train_takes_a_named_label_column_over_the_guess(capsys, tmp_path):
    path = sklearn_csv(tmp_path, "load_wine", text=True)
    code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1", "--json", "--label-column", "alcohol")
    assert code == 2 and "different values" in err and "Traceback" not in err  # a measurement is no class
    code, out, err = run(capsys, "train", "--csv", path, "--epochs", "1", "--json", "--label-column", "label")
    assert code == 0, err
    assert last_json(out)["label_column"] == "label"
