"""Hostile model files, configs, histories, links and command lines: each gets a clear error in words (or a valid
result) within the limits of aelib.limits, never a traceback, a huge allocation or a replaced model. Parametrised
cases per family and per field, plus a hypothesis fuzzer over config/history JSON and query parameters."""
from __future__ import annotations

import json
import math
import pickle
import resource
import struct
import tomllib
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save as safetensors_bytes

from aelib import cli, limits
from aelib.i18n import LANGS, Explained, parse_lang
from aelib.limits import Exceeded, Limits, check_train, from_env, json_depth, load_json
from aelib.models import MODELS, build_model, config_for
from aelib.sharing import checkpoint, export
from aelib.sharing.checkpoint import CheckpointError
from aelib.sharing.share import Float, Int, decode
from aelib.teach import lessons
from aelib.train import EpochStats, TimeUp, TrainConfig, train, warm_up
from tests.conftest import small_shape

ROOT = Path(__file__).resolve().parents[1]
MB = 1024  # ru_maxrss is in kilobytes on Linux


def peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@pytest.fixture(scope="module")
def files():
    """(model, weights bytes, config.json text with dataset digits, train settings and a two-epoch history)."""
    model = build_model(config_for("ae", (1, 8, 8), 2, hidden=(8,)))
    history = [EpochStats(e, 2, {"loss": 3.0 / e, "recon": 3.0 / e}, {"loss": 3.5 / e, "recon": 3.5 / e}, 0.1, 500.0)
               for e in (1, 2)]
    weights, config = export.model_files(model, "digits", history, TrainConfig(epochs=2))
    return model, weights, config


def with_model(config: str, **changes) -> str:
    meta = json.loads(config)
    meta["model"].update(changes)
    return json.dumps(meta)


def refused(fn, *kinds) -> str:
    with pytest.raises(kinds or (CheckpointError,)) as info:
        fn()
    message = str(info.value)
    assert "Traceback" not in message and message.strip()
    for lang in LANGS:  # every learner-facing refusal speaks both languages
        assert info.value.words.say(lang).strip()
    return message


# ---------- 1. every size in a config is checked before anything is built ----------

OVERSIZED = [  # (family, the config changes, words the refusal must hold)
    *[(m, {"input_shape": [20_000_000] + list(small_shape(m))[1:]}, "input_shape") for m in MODELS],
    ("seq_ae", {"input_shape": [1_000_000_000, 1]}, "input_shape"),
    ("seq_ae", {"input_shape": [5000, 1]}, "time steps"),
    ("ae", {"input_shape": [256, 256, 3]}, "values per sample"),
    ("ae", {"input_shape": [10**40]}, "input_shape"),
    ("ae", {"input_shape": [1, 2, 3, 4]}, "input_shape lists 4 values"),
    ("ae", {"latent_dim": 10**9}, "latent_dim"),
    ("ae", {"hidden": [10**9]}, "hidden"),
    ("ae", {"hidden": [64] * 9}, "hidden lists 9 values"),
    ("deep_ae", {"hidden": [4096] * 8, "input_shape": [1, 128, 128]}, "weights; this server allows at most"),
    ("conv_ae", {"channels": [10**6, 8]}, "channels"),
    ("conv_ae", {"channels": [4] * 9}, "channels lists 9 values"),
    ("vq_vae", {"codebook_size": 10**8}, "codebook_size"),
    ("vq_vae", {"vq_dim": 10**6}, "vq_dim"),
    ("cvae", {"n_classes": 10**7}, "n_classes"),
    ("umap_ae", {"n_neighbors": 10**6}, "n_neighbors"),
    ("umap_ae", {"jitter_copies": 10**6}, "jitter_copies"),
]


@pytest.mark.parametrize(("family", "changes", "words"), OVERSIZED,
                         ids=[f"{f}-{'-'.join(c)}-{i}" for i, (f, c, _) in enumerate(OVERSIZED)])
def test_an_oversized_config_is_refused_before_anything_is_built(family, changes, words):
    model = build_model(config_for(family, small_shape(family), 2))
    weights, config = safetensors_bytes(checkpoint.tensors(model)), checkpoint.config_json(model)
    before = peak_kb()
    message = refused(lambda: checkpoint.load_bytes(weights, with_model(config, **changes)))
    assert "cannot be opened on this server" in message and words in message
    assert peak_kb() - before < 100 * MB  # nothing was allocated for the asked size


def test_the_reported_seq_ae_upload_allocates_nothing(files):
    """The 118 KB upload of the report: a seq_ae whose config asks for 20,000,000 time steps."""
    model = build_model(config_for("seq_ae", (20, 1), 2))
    weights = safetensors_bytes(checkpoint.tensors(model))
    before = peak_kb()
    for steps in (20_000_000, 1_000_000_000):
        config = with_model(checkpoint.config_json(model), input_shape=[steps, 1])
        assert "this server allows 1 to 65,536" in refused(lambda c=config: checkpoint.load_bytes(weights, c))
    assert peak_kb() - before < 50 * MB


@pytest.mark.parametrize("bad", [True, 2.5, "8", None, [8]], ids=["bool", "float", "str", "null", "list"])
def test_a_size_of_the_wrong_kind_is_refused(files, bad):
    _, weights, config = files
    assert "whole number" in refused(lambda: checkpoint.load_bytes(weights, with_model(config, latent_dim=bad)))


def test_check_sizes_counts_the_weights_a_config_would_have():
    cfg = config_for("ae", (1, 28, 28), 2, hidden=(4096, 4096, 4096))
    with pytest.raises(Exceeded, match=r"would have [\d,]+ weights"):
        checkpoint.check_sizes(cfg)
    assert checkpoint.check_sizes(config_for("ae", (1, 28, 28), 2))  # the default fits


# ---------- 2. the weights: names, shapes, dtypes, values, size, pickles ----------

def _state(model) -> dict[str, torch.Tensor]:
    return checkpoint.tensors(model)


def _pickled() -> bytes:
    return pickle.dumps({"encoder.1.weight": [1.0, 2.0]}, protocol=4)


WEIGHT_CASES = {
    "nan": (lambda s: {**s, "encoder.1.weight": torch.full_like(s["encoder.1.weight"], math.nan)}, "NaN or infinite"),
    "inf": (lambda s: {**s, "decoder.0.bias": torch.full_like(s["decoder.0.bias"], math.inf)}, "NaN or infinite"),
    "int": (lambda s: {**s, "encoder.1.weight": s["encoder.1.weight"].to(torch.int32)}, "holds int32 values"),
    "bool": (lambda s: {**s, "encoder.1.bias": s["encoder.1.bias"] > 0}, "holds bool values"),
    "missing": (lambda s: {k: v for k, v in s.items() if k != "encoder.1.bias"}, "missing encoder.1.bias"),
    "extra": (lambda s: {**s, "evil": torch.zeros(3)}, "unexpected evil"),
    "shape": (lambda s: {**s, "encoder.1.weight": torch.zeros(9, 64)}, "in the file but"),
    "half": (lambda s: {k: v.half() for k, v in s.items()}, None),  # float16 is how the quick-starts are stored
}


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_hostile_weights_are_refused_in_words(files, case):
    model, _, config = files
    change, words = WEIGHT_CASES[case]
    raw = safetensors_bytes(change(_state(model)))
    if words is None:
        assert checkpoint.load_bytes(raw, config).cfg == model.cfg
    else:
        assert words in refused(lambda: checkpoint.load_bytes(raw, config))


@pytest.mark.parametrize(("raw", "words"), [
    (_pickled(), "is a pickle"), (b"PK\x03\x04" + b"\0" * 64, "is a pickle"), (b"", "not a readable safetensors"),
    (struct.pack("<Q", 2**60) + b"{}", "not a readable safetensors"), (b"\xff" * 100, "not a readable safetensors"),
], ids=["pickle", "torch-zip", "empty", "huge-header", "junk"])
def test_files_that_are_not_safetensors_are_never_unpickled(files, raw, words):
    assert words in refused(lambda: checkpoint.load_bytes(raw, files[2]))


def test_a_weights_file_over_the_limit_is_not_read(files):
    model, weights, config = files
    small = Limits(parameters=100)  # 1,400 weights would be too many for this server
    assert "cannot be opened on this server" in refused(lambda: checkpoint.load_bytes(weights, config, limits=small))
    assert checkpoint.weights_bytes(small) < len(weights) + 1_000_000


# ---------- 3. JSON: bytes, depth, numbers, encodings ----------

def _deep(n: int) -> str:
    return '{"model": ' + "[" * n + "]" * n + "}"


@pytest.mark.parametrize(("text", "words"), [
    (_deep(100_000), "nests lists and objects more than 32 levels"),
    ('{"model": {"latent_dim": 2}, "pad": "' + "x" * 1_100_000 + '"}', "bytes long"),
    ('{"model": {"latent_dim": ' + "9" * 5000 + "}}", "not valid JSON"),
    (b'{"model": {"latent_dim": 2}, "x": "\xff\xfe"}', "not valid JSON"),
    ("[" * 20 + "]" * 20, "not an AE Lab model config"),
    ('{"model": [1, 2]}', "not an AE Lab model config"),
    ('{"model": {"dropout": NaN}}', "dropout"),
    ('{"model": {"model": "[click](http://evil)"}}', "not an AE Lab model config"),
], ids=["deep", "huge", "5000-digits", "not-utf8", "list", "model-list", "nan", "markup-name"])
def test_hostile_config_json_gets_a_clear_message(files, text, words):
    assert words in refused(lambda: checkpoint.load_bytes(files[1], text))


def test_json_depth_is_a_linear_scan_that_ignores_brackets_in_strings():
    assert json_depth('{"a": "[[[[{{{{\\"]]]", "b": [[1]]}') == 3
    assert json_depth("[" * 1_000_000, stop=32) == 33  # stops early: never walks a deep document to its end
    with pytest.raises(Exceeded):
        load_json("[" * 40 + "]" * 40)


# ---------- 4. an imported history, field by field ----------

GOOD_EPOCH = {"epoch": 1, "epochs": 2, "train": {"loss": 1.0, "recon": 1.0}, "val": {"loss": 1.2, "recon": 1.2},
              "seconds": 0.1, "samples_per_second": 100.0}
BAD_EPOCHS = {
    "epoch-str": {"epoch": "1"}, "epoch-float": {"epoch": 1.5}, "epoch-bool": {"epoch": True},
    "epoch-zero": {"epoch": 0},
    "epochs-below-epoch": {"epoch": 3}, "epochs-null": {"epochs": None},
    "train-list": {"train": [1, 2]}, "train-empty": {"train": {}}, "train-no-loss": {"train": {"recon": 1.0}},
    "train-markup": {"train": {"loss": 1.0, "[x](http://evil)": 1.0}}, "train-unknown": {"train": {"loss": 1, "z": 1}},
    "train-str": {"train": {"loss": "1.0"}}, "train-nan": {"train": {"loss": math.nan}},
    "train-inf": {"train": {"loss": math.inf}}, "train-null": {"train": {"loss": None}},
    "val-differs": {"val": {"loss": 1.0, "kl": 1.0}}, "val-many": {"val": {f"t{i}": 1.0 for i in range(40)}},
    "seconds-negative": {"seconds": -1.0}, "seconds-str": {"seconds": "fast"},
    "rate-nan": {"samples_per_second": math.nan}, "extra-key": {"evil": 1}, "missing-key": {"seconds": ...},
}


@pytest.mark.parametrize("case", list(BAD_EPOCHS))
def test_a_history_with_a_wrong_field_is_refused_before_anything_is_replaced(files, case):
    _, weights, config = files
    entry = {**GOOD_EPOCH, **BAD_EPOCHS[case]}
    entry = {k: v for k, v in entry.items() if v is not ...}
    meta = json.loads(config)
    meta["history"] = [GOOD_EPOCH, entry]
    message = refused(lambda: export.read_model_files(weights, json.dumps(meta)))
    assert "training history" in message and "evil" not in message


@pytest.mark.parametrize("history", [{"epoch": 1}, "[]", 5, [[1, 2]], [GOOD_EPOCH, {**GOOD_EPOCH, "train": {
    "loss": 1.0, "kl": 1.0}, "val": {"loss": 1.0, "kl": 1.0}}]], ids=["dict", "str", "int", "nested", "terms-change"])
def test_a_history_that_is_not_a_list_of_epochs_is_refused(files, history):
    meta = json.loads(files[2])
    meta["history"] = history
    assert "training history" in refused(lambda: export.read_model_files(files[1], json.dumps(meta)))


def test_a_valid_history_comes_back_and_summarize_can_read_it(files):
    back = export.read_model_files(files[1], files[2])
    assert [h.epoch for h in back.history] == [1, 2] and back.history[-1].train["loss"] == 1.5


# ---------- 5. training settings from a file, a link, the CLI and the library ----------

@pytest.mark.parametrize(("train", "words"), [
    ({"epochs": 1_000_000_000, "batch_size": 1}, "epochs is 1000000000; this server allows 1 to 500"),
    ({"batch_size": 1}, "batch_size is 1"), ({"lr": "0.1"}, "lr must be a finite number"),
    ({"lr": -1}, "lr is -1"), ({"seed": -1}, "seed is -1"), ({"patience": 10**9}, "patience"),
    ({"pretrain_epochs": 10**6}, "pretrain_epochs"), ({"train_subset": "all"}, "train_subset"),
    ({"epochs": 10**400}, "epochs is 2^"), ({"weight_decay": math.inf}, "weight_decay"),
], ids=["report", "batch", "lr-str", "lr-neg", "seed", "patience", "pretrain", "subset", "huge-int", "inf"])
def test_imported_training_settings_meet_the_limits(files, train, words):
    meta = json.loads(files[2])
    meta["train"] = {**meta["train"], **train}
    message = refused(lambda: export.read_model_files(files[1], json.dumps(meta)))
    assert "training settings" in message and words in message


def test_a_files_device_and_time_cap_are_this_servers(files):
    meta = json.loads(files[2])
    meta["train"].update(device="cuda", max_seconds=1e12, batch_size=None)  # None: a CLI flag left at its default
    back = export.read_model_files(files[1], json.dumps(meta))
    assert back.train.device == "auto" and back.train.max_seconds == from_env().run_seconds
    assert back.train.batch_size == TrainConfig().batch_size


def test_a_share_link_cannot_ask_for_more_than_the_limits():
    schema = {"epochs": Int(1, limits.VISITOR.epochs), "lr": Float(1e-5, 10.0)}
    settings, _, problems = decode({"epochs": "1000000000", "lr": "nan"}, schema)
    assert settings == {} and len(problems) == 2


@pytest.mark.parametrize("argv", [["--epochs", "1000"], ["--epochs", "501"], ["--batch-size", "2"],
                                  ["--hidden", "4096,4096,4096,4096"], ["--latent-dim", "100000"]])
def test_the_cli_meets_the_same_limits(capsys, argv):
    assert cli.main(["train", "--dataset", "digits", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "this server allows" in err and "Traceback" not in err


def test_the_library_and_operator_may_raise_a_limit():
    generous = limits.VISITOR.with_(epochs=5000)
    check_train({"epochs": 4000}, generous)
    with pytest.raises(Exceeded):
        check_train({"epochs": 4000})


# ---------- 6. the wall-time cap ----------

@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((400, 64), dtype=np.float32), rng.random((50, 64), dtype=np.float32)


def test_a_run_stops_at_its_wall_time_cap_and_keeps_its_weights(data):
    warm_up()  # torch's one-off lazy imports (a second or more) would otherwise spend the whole budget
    model = build_model(config_for("ae", (1, 8, 8), 2, hidden=(16,)))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    events = list(train(model, *data, TrainConfig(epochs=500, batch_size=8, max_seconds=1.5)))
    stop = events[-1]
    assert isinstance(stop, TimeUp) and stop.limit == 1.5 and 1.5 <= stop.seconds < 6
    assert 1 <= stop.epochs_done == sum(isinstance(e, EpochStats) for e in events) < 500
    assert any(not torch.equal(v, start[k]) for k, v in model.state_dict().items())  # trained weights, kept
    for lang in LANGS:
        assert "1.5" in stop.words.say(lang)


def test_the_cap_comes_from_the_environment_and_is_checked(monkeypatch):
    monkeypatch.setenv("AELAB_MAX_RUN_SECONDS", "42")
    assert TrainConfig().max_seconds == 42 and from_env().run_seconds == 42
    for junk in ("abc", "0", "1e99", "nan"):
        with pytest.raises(ValueError, match="AELAB_MAX_RUN_SECONDS"):
            from_env({"AELAB_MAX_RUN_SECONDS": junk})
    with pytest.raises(ValueError, match="wall-time cap"):
        TrainConfig(max_seconds=0)


# ---------- 7. query parameters on every page that reads them ----------

JUNK = ["²", "①", "١٢", "３", "1_0", " 2 ", "+3", "-2", "0x3", "1e3", "", "9" * 5000, "\x00", "<script>", "3\n"]


@pytest.mark.parametrize("junk", JUNK, ids=[ascii(j)[:12] for j in JUNK])
def test_query_parameter_junk_never_raises(junk):
    assert lessons.parse_number(junk) == (2 if junk == " 2 " else 1)  # only ASCII digits name a lesson
    assert parse_lang(junk) in LANGS
    settings, _, problems = decode({"epochs": junk}, {"epochs": Int(1, 500)})
    assert settings.get("epochs") in (None, 2, 3) and (problems or settings)


# ---------- 8. the CLI: --out before training, --device everywhere, inspect ----------

@pytest.fixture()
def no_training(monkeypatch):
    def fail(*_, **__):
        raise AssertionError("the destination must be checked before any data is loaded")
    monkeypatch.setattr(cli, "load_dataset", fail)


@pytest.mark.parametrize("out", ["afile", "afile/below", "x" * 300, "/proc/aelab-nope/model"])
def test_a_bad_out_is_refused_before_training(tmp_path, capsys, no_training, out):
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    target = out if out.startswith("/") else str(tmp_path / out)
    assert cli.main(["train", "--dataset", "digits", "--out", target]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and ("--out" in err or "Cannot save" in err) and "Traceback" not in err


@pytest.mark.parametrize("command", ["train", "anomaly", "denoising", "denoise", "few-labels", "probe",
                                     "augmentation", "augment", "superres", "compression", "compress"])
def test_every_training_command_takes_device(command):
    assert cli.parser().parse_args([command, "--device", "cpu"]).device == "cpu"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved") / "model"
    assert cli.main(["train", "--dataset", "digits", "--epochs", "1", "--hidden", "16", "--json",
                     "--out", str(folder)]) == 0
    return folder


def test_inspect_prints_config_and_test_metrics(saved, capsys):
    capsys.readouterr()
    assert cli.main(["inspect", str(saved), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert shown["model"]["hidden"] == [16] and shown["dataset"] == "digits" and shown["epochs"] == 1
    assert 0 < shown["test_mse"] < 1 and not shown["measured"]


@pytest.mark.parametrize("damage", ["deep", "pickle", "history", "missing"])
def test_inspect_refuses_a_damaged_folder_with_the_import_panels_words(saved, tmp_path, capsys, damage):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in saved.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    if damage == "deep":
        (bad / "config.json").write_text(_deep(50_000), encoding="utf-8")
    elif damage == "pickle":
        (bad / "model.safetensors").write_bytes(_pickled())
    elif damage == "history":
        (bad / "history.json").write_text('[{"epoch": "one"}]', encoding="utf-8")
    else:
        (bad / "model.safetensors").unlink()
    capsys.readouterr()
    assert cli.main(["inspect", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


# ---------- 9. the server's own settings ----------

def test_learners_never_see_tracebacks_and_nothing_is_watched():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["fileWatcherType"] == "none"


@pytest.mark.parametrize("text", ["/etc", "../..", "~/.ssh", "mnist/../../..", "/proc/self", "a\x00b", "x" * 5000])
def test_the_data_folder_box_names_only_folders_under_the_data_root(tmp_path, monkeypatch, text):
    from appkit import widgets

    monkeypatch.setenv("AELAB_DATA_ROOT", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    assert widgets.data_dir_of("mnist") == str(tmp_path / "mnist") and widgets.data_dir_of(" ") is None
    with pytest.raises(Explained, match="data folder"):
        widgets.data_dir_of(text)


# ---------- 10. fuzzing: config and history JSON, query parameters ----------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=4), max_leaves=12)
CONFIG_KEYS = ["input_shape", "latent_dim", "hidden", "model", "dropout", "n_classes", "tied", "recon_loss"]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])


@FUZZ
@given(key=st.sampled_from(CONFIG_KEYS + ["dataset", "history", "train"]), value=JSON)
def test_fuzzed_config_json_is_a_clear_error_or_a_valid_model(files, key, value):
    _, weights, config = files
    meta = json.loads(config)
    (meta["model"] if key in CONFIG_KEYS else meta)[key] = value
    try:
        back = export.read_model_files(weights, json.dumps(meta))
    except CheckpointError as err:
        assert str(err) and err.words.say("zh")
    else:
        assert tuple(back.model.cfg.input_shape) == (1, 8, 8) and all(isinstance(h, EpochStats) for h in back.history)


@FUZZ
@given(entry=st.fixed_dictionaries({}, optional={f.name: JSON for f in fields(EpochStats)}))
def test_fuzzed_history_entries_are_a_clear_error_or_valid_epochs(entry):
    try:
        history = export.parse_history([entry])
    except CheckpointError as err:
        assert "training history" in str(err)
    else:
        assert all(math.isfinite(v) for h in history for v in (*h.train.values(), *h.val.values(), h.seconds))


@FUZZ
@given(params=st.dictionaries(st.text(max_size=10), st.text(max_size=80) | st.lists(st.text(max_size=5)),
                              max_size=6), lesson=st.text(max_size=10))
def test_fuzzed_query_parameters_never_raise(params, lesson):
    settings_, _, problems = decode(params, {"epochs": Int(1, 500), "lr": Float(1e-5, 10.0)}, passthrough=("lang",))
    assert set(settings_) <= {"epochs", "lr"} and len(problems) <= 13
    assert 1 <= lessons.parse_number(lesson) <= len(lessons.LESSONS) and parse_lang(lesson) in LANGS


@FUZZ
@given(doc=JSON)
def test_json_depth_agrees_with_the_document(doc):
    def depth(v) -> int:
        inner = v.values() if isinstance(v, dict) else v if isinstance(v, list) else None
        return 0 if inner is None else 1 + max(map(depth, inner), default=0)
    assert json_depth(json.dumps(doc)) == depth(doc)


def test_check_train_accepts_every_default_config():
    for model in MODELS:
        check_train(asdict(TrainConfig(**MODELS[model].train_defaults)))


def test_the_train_page_shows_a_run_stopped_by_the_cap_in_the_learners_language(monkeypatch):
    from tests.app.helpers import fresh, tiny_run

    monkeypatch.setenv("AELAB_MAX_RUN_SECONDS", "2")
    at = tiny_run(fresh("zh"), epochs=500)
    run = at.session_state["aelab_run"]
    assert run.status == "stopped" and 1 <= len(run.history) < 500 and run.message.key == "training.time_up"
    assert any(w.value == run.message.say("zh") for w in at.warning), [w.value for w in at.warning]
