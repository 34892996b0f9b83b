"""Bad input, library level: every case is refused with its own error type and a message that says what
is wrong and what to do, quickly, and never with another exception. Properties (hypothesis) on the validators."""
from __future__ import annotations

import io
import json
import pickle
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from safetensors.torch import save as save_safetensors

from aelib import infer
from aelib.data import DatasetUnavailable, load_dataset
from aelib.data.your_data import MAX_BYTES, MIN_ROWS, UploadError, dataset_from_csv, dataset_from_images
from aelib.experiment import model_config, warnings_for
from aelib.labs.draw import preprocess
from aelib.models import ModelConfig, build_model, config_for
from aelib.projections import check_tsne, project_tsne
from aelib.sharing import checkpoint
from aelib.sharing.checkpoint import CheckpointError, load_bytes
from aelib.train import EpochStats, TrainConfig, TrainingDiverged, train

FAST_S = 5.0  # a refusal is immediate: nothing big is parsed, decoded or allocated first


def refused(call, error=UploadError) -> str:
    """The message of the `error` that call() raises, within FAST_S seconds."""
    t0 = time.perf_counter()
    with pytest.raises(error) as err:
        call()
    assert time.perf_counter() - t0 < FAST_S
    return str(err.value)


def table_csv(n: int = 60, d: int = 3, seed: int = 0, **extra) -> bytes:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"x{j}" for j in range(d)]).assign(**extra)
    return df.to_csv(index=False).encode()


def png(a: np.ndarray, mode: str | None = None, fmt: str = "PNG") -> bytes:
    img = Image.fromarray(a)
    buf = io.BytesIO()
    (img.convert(mode) if mode else img).save(buf, format=fmt)
    return buf.getvalue()


def images(n: int = 30, size: int = 8, colour: bool = False, mode: str | None = None) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    shape = (size, size, 3) if colour else (size, size)
    return [(f"{i % 2}_{i:03d}.png", png(rng.integers(0, 256, shape, dtype=np.uint8), mode)) for i in range(n)]


# ---------- CSV uploads ----------

def test_csv_with_text_in_a_feature_column():
    message = refused(lambda: dataset_from_csv(table_csv(city=np.resize(["Oslo", "Rome"], 60))))
    assert "Not numeric: column 'city' (e.g. 'Oslo'" in message and "label column" in message


def test_csv_with_missing_values():
    lines = table_csv().splitlines()
    lines[1] = b"," + lines[1].split(b",", 1)[1]  # line 2 of the file: the first cell left empty
    body = b"\n".join(lines)
    message = refused(lambda: dataset_from_csv(body))
    assert "Missing values in column 'x0'" in message and "line '2' " in message and "Fill them in" in message


def test_csv_with_one_row():
    message = refused(lambda: dataset_from_csv(b"a,b,c\n1,2,3\n"))
    assert "Only 1 row" in message and f"at least {MIN_ROWS}" in message


def test_csv_with_one_column():
    message = refused(lambda: dataset_from_csv(b"a\n" + b"".join(b"%d\n" % i for i in range(50))))
    assert "at least 2 numeric columns" in message and "has 1." in message and "more columns" in message


def test_csv_with_a_million_columns_is_refused_before_parsing():
    row = b",".join([b"1"] * 1_000_000)  # 2 MB: under the size limit, but pandas would take minutes
    message = refused(lambda: dataset_from_csv(row + b"\n" + row + b"\n"))
    assert "1,000,000 columns; the limit is 2,000" in message and "transpose" in message


def test_csv_over_the_size_limit():
    message = refused(lambda: dataset_from_csv(b"a,b\n" + b"1,2\n" * (MAX_BYTES // 4 + 1)))
    assert "the limit is 20 MB" in message and "Upload fewer rows" in message


def test_png_renamed_to_csv():
    message = refused(lambda: dataset_from_csv(png(np.zeros((8, 8), np.uint8))))
    assert "not a CSV file" in message and "Save the table as CSV" in message


def test_spreadsheet_renamed_to_csv():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    message = refused(lambda: dataset_from_csv(buf.getvalue()))
    assert "zip archive" in message and "save it as CSV" in message


def test_csv_with_infinite_values():
    body = b"a,b\n" + b"".join(b"%d,%s\n" % (i, b"1e999" if i == 7 else b"%d" % (i * i)) for i in range(40))
    message = refused(lambda: dataset_from_csv(body))
    assert "Infinite values in 'b'" in message and "replace them with numbers" in message


def test_csv_with_only_a_header():
    assert "Only 0 rows" in refused(lambda: dataset_from_csv(b"height,weight,age\n"))


# ---------- image uploads ----------

def test_images_of_different_sizes():
    files = images(30) + [("1_odd.png", png(np.zeros((10, 8), np.uint8)))]
    message = refused(lambda: dataset_from_images(files))
    assert "differ in size" in message and "'1_odd.png' is 8×10" in message and "Resize them" in message


def test_images_too_large_are_refused_from_their_header():
    big = png(np.zeros((4000, 4000), np.uint8))  # 64 MB of float pixels each, were it decoded
    message = refused(lambda: dataset_from_images([(f"{i % 2}_{i}.png", big) for i in range(30)]))
    assert "is 4000×4000 pixels; use sizes between 4×4 and 64×64" in message and "Resize" in message


def test_decompression_bomb_image(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow's guard (89 million pixels) made small
    buf = io.BytesIO()
    Image.new("1", (100, 100)).save(buf, format="PNG")  # over twice the limit: Image.open refuses it
    message = refused(lambda: dataset_from_images([("0_bomb.png", buf.getvalue())] + images(30)))
    assert "'0_bomb.png' is far too large an image" in message and "64×64" in message


def test_images_mixing_colour_and_grey_are_all_grey():
    files = images(30) + [("1_rgb.png", png(np.random.default_rng(1).integers(0, 256, (8, 8, 3), np.uint8)))]
    ds = dataset_from_images(files)
    assert ds.shape == (1, 8, 8) and "converted to greyscale from 1 colour images" in ds.source


@pytest.mark.parametrize("mode, colour, channels", [
    ("1", False, 1), ("LA", False, 1), ("I;16", False, 1), ("P", True, 1), ("RGBA", True, 1), ("CMYK", True, 1)])
def test_unusual_image_modes_are_read_as_grey_or_colour(mode, colour, channels):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    rng = np.random.default_rng(0)
    files = [(f"{i % 2}_{i}.{fmt.lower()}", png(rng.integers(0, 256, (8, 8, 3) if colour else (8, 8), np.uint8),
                                                 mode, fmt)) for i in range(30)]
    ds = dataset_from_images(files)
    assert ds.shape == (channels, 8, 8) and 0 <= ds.x_train.min() and ds.x_train.max() <= 1


def test_text_renamed_to_png():
    files = images(30) + [("0_notes.png", b"my notes, not a picture")]
    message = refused(lambda: dataset_from_images(files))
    assert "'0_notes.png' is not an image that can be read" in message


def test_drawing_of_the_wrong_shape():
    message = refused(lambda: preprocess(np.ones((8, 8, 2))), ValueError)
    assert "expected a grey (H, W) or colour (H, W, 3 or 4) drawing" in message
    assert "draw a digit on the canvas first" in refused(lambda: preprocess(np.zeros((28, 28))), ValueError)


# ---------- model files (load_bytes: safetensors only) ----------

@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(model, weights bytes, config text) of a tiny dense AE on 20 columns, saved by checkpoint.save."""
    model = build_model(config_for("ae", (20,), 2, hidden=(16,)), seed=0)
    folder = checkpoint.save(model, tmp_path_factory.mktemp("ckpt"))
    return model, (folder / checkpoint.WEIGHTS).read_bytes(), (folder / checkpoint.CONFIG).read_text(encoding="utf-8")


def test_model_file_round_trips_from_bytes(saved):
    model, weights, config = saved
    x = np.random.default_rng(0).random((5, 20), dtype=np.float32)
    assert np.array_equal(infer.reconstruct(load_bytes(weights, config.encode()), x), infer.reconstruct(model, x))


def test_model_file_corrupt(saved):
    _, weights, config = saved
    for raw in (b"definitely not a model", weights[: len(weights) // 2], b""):
        message = refused(lambda raw=raw: load_bytes(raw, config), CheckpointError)
        assert "not a readable safetensors file" in message and "Upload the model.safetensors" in message


def test_model_file_that_is_a_pickle_is_refused_without_unpickling(saved, tmp_path, monkeypatch):
    model, _, config = saved
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)  # what a PyTorch tutorial writes, renamed .safetensors

    class Payload:  # a pickle that would create a file if anything unpickled it
        def __reduce__(self):
            return open, (str(tmp_path / "pwned"), "w")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, lambda *a, **k: pytest.fail("a model upload was unpickled"))
    monkeypatch.setattr(torch, "load", lambda *a, **k: pytest.fail("a model upload went to torch.load"))
    for raw in (buf.getvalue(), pickle.dumps(Payload(), protocol=4)):
        message = refused(lambda raw=raw: load_bytes(raw, config), CheckpointError)
        assert "is a pickle" in message and "never opens pickles" in message and "safetensors" in message
    assert not (tmp_path / "pwned").exists()


def test_model_file_of_another_architecture(saved):
    _, weights, config = saved
    other = json.loads(config)
    other["model"]["hidden"] = [32]
    message = refused(lambda: load_bytes(weights, json.dumps(other)), CheckpointError)
    assert "do not fit a ae with this config" in message and "(32, 20)" in message and "config.json saved" in message
    other["model"].update(model="conv_ae", input_shape=[1, 8, 8])
    message = refused(lambda: load_bytes(weights, json.dumps(other)), CheckpointError)
    assert "another architecture" in message and "missing" in message


def test_model_config_asking_for_a_huge_network_allocates_nothing(saved):
    _, weights, config = saved
    huge = json.loads(config)
    huge["model"]["hidden"] = [10**9]  # 20 billion weights: refused by the limits before anything is built
    message = refused(lambda: load_bytes(weights, json.dumps(huge)), CheckpointError)
    assert "hidden is 1000000000; this server allows 1 to 4,096" in message


@pytest.mark.parametrize("config, expected", [
    ("{not json", "not valid JSON"), ("[1, 2]", "not an AE Lab model config"),
    ('{"model": {"size": 3}}', "unknown model config keys: size"),
    ('{"model": {"model": "gan"}}', "unknown model 'gan'"), ('{"model": {"latent_dim": 0}}', "latent size")])
def test_model_config_that_is_not_an_ae_lab_config(saved, config, expected):
    message = refused(lambda: load_bytes(saved[1], config), CheckpointError)
    assert expected in message and "config.json" in message


def test_model_file_with_nan_weights(saved):
    model, _, config = saved
    state = {k: v.clone() for k, v in model.state_dict().items()}
    next(iter(state.values()))[0] = float("nan")
    message = refused(lambda: load_bytes(save_safetensors(state), config), CheckpointError)
    assert "NaN or infinite weights" in message and "smaller learning rate" in message


# ---------- hyperparameters ----------

def test_latent_size_zero():
    assert "latent size must be at least 1, got 0" in refused(lambda: config_for("ae", (20,), 0), ValueError)


def test_latent_size_larger_than_the_input_warns(small_digits):
    [warning] = warnings_for(small_digits, model_config(small_digits, "ae", 100), lang="en")
    assert "latent size (100) is not smaller than the input (64 values)" in warning and "copy its input" in warning


def test_epochs_zero():
    assert "epochs must be at least 1, got 0" in refused(lambda: TrainConfig(epochs=0), ValueError)


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf")])
def test_learning_rate_that_is_not_a_positive_number(lr):
    assert "learning rate must be a positive number" in refused(lambda: TrainConfig(lr=lr), ValueError)


def test_learning_rate_10_diverges_and_keeps_the_last_good_weights(small_digits):
    model = build_model(model_config(small_digits, "ae", 2, hidden=(32,)), seed=0)
    history, last_good = [], None
    with pytest.raises(TrainingDiverged) as err:
        for ev in train(model, small_digits.x_train, small_digits.x_test, TrainConfig(epochs=3, lr=10.0)):
            if isinstance(ev, EpochStats):
                history.append(ev)
                last_good = {k: v.clone() for k, v in model.state_dict().items()}
    assert err.value.good_epoch == len(history) and "smaller learning rate" in str(err.value)
    kept = model.state_dict()
    if last_good is None:  # diverged in epoch 1: the untrained weights are back
        last_good = build_model(model.cfg, seed=0).state_dict()
    assert all(torch.equal(kept[k], last_good[k]) for k in kept)
    assert np.isfinite(infer.reconstruct(model, small_digits.x_test[:5])).all()


def test_perplexity_larger_than_the_sample():
    message = refused(lambda: check_tsne(100, 150.0), ValueError)
    assert "perplexity must be between 0 and the number of points (100); got 150" in message
    assert "Use a smaller perplexity" in message
    refused(lambda: project_tsne(np.zeros((20, 3)), perplexity=30.0), ValueError)  # checked before fitting


def test_failed_mnist_download(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("AELAB_DATA_DIR", str(tmp_path))
    message = refused(lambda: load_dataset("mnist"), DatasetUnavailable)
    assert "the download failed" in message and "mnist5k" in message and str(tmp_path) in message


def test_unknown_dataset_name():
    assert "unknown dataset '../../etc/passwd'" in refused(lambda: load_dataset("../../etc/passwd"), ValueError)


# ---------- properties of the validators ----------

CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
                  st.text(max_size=6), st.none(), st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 5), st.integers(MIN_ROWS - 2, MIN_ROWS + 15), st.data())
def test_any_small_table_is_a_finite_dataset_or_an_upload_error(d, n, data):
    """Cells may be NaN, inf, huge integers, text, empty or booleans: the result is a dataset in [0, 1] or a
    message, never another exception, never a non-finite value."""
    base = np.random.default_rng(data.draw(st.integers(0, 99))).normal(size=(n, d)).astype(object)
    for _ in range(data.draw(st.integers(0, 3))):
        base[data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, d - 1))] = data.draw(CELLS)
    body = pd.DataFrame(base, columns=[f"c{j}" for j in range(d)]).to_csv(index=False).encode()
    try:
        ds = dataset_from_csv(body)
    except UploadError as err:
        assert len(str(err)) > 20
    else:
        for x in (ds.x_train, ds.x_test):
            assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 80), st.integers(1, 80), st.sampled_from(["L", "RGB", "RGBA", "P", "1", "I;16"]),
       st.integers(MIN_ROWS - 1, MIN_ROWS + 2))
def test_any_set_of_images_is_a_dataset_or_an_upload_error(h, w, mode, n):
    rng = np.random.default_rng(h * w)
    files = [(f"{i % 2}_{i}.png", png(rng.integers(0, 256, (h, w, 3), np.uint8), mode)) for i in range(n)]
    try:
        ds = dataset_from_images(files)
    except UploadError as err:
        assert "pixels" in str(err) or f"Only {n} images" in str(err)
    else:
        assert 4 <= min(h, w) and max(h, w) <= 64 and np.isfinite(ds.x_train).all()


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_a_model_or_a_checkpoint_error(saved, raw):
    try:
        load_bytes(raw, saved[2])
    except CheckpointError as err:
        assert "model.safetensors" in str(err)


@settings(max_examples=60, deadline=None)
@given(st.integers(5, 5000), st.floats(-10, 6000, allow_nan=False))
def test_check_tsne_refuses_exactly_the_perplexities_outside_0_n(n, perplexity):
    if 0 < perplexity < n:
        check_tsne(n, perplexity)
    else:
        assert f"number of points ({n})" in refused(lambda: check_tsne(n, perplexity), ValueError)


@settings(max_examples=30, deadline=None)
@given(st.integers(-5, 5), st.integers(-3, 3))
def test_configs_refuse_exactly_the_nonpositive_sizes(latent, epochs):
    for ok, make in ((latent >= 1, lambda: ModelConfig(input_shape=(20,), latent_dim=latent)),
                     (epochs >= 1, lambda: TrainConfig(epochs=epochs))):
        if ok:
            make()
        else:
            assert "must be at least 1" in refused(make, ValueError)
