"""Quick-start checkpoints: small models of the default setups, trained once (`python -m aelib pretrain`) and
bundled in assets/checkpoints/, so a class can explore before anyone trains. (Not aelib.models.pretrain, which is
greedy layer-wise pretraining.)"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from aelib import infer
from aelib.data import load_dataset
from aelib.experiment import history_dicts, model_config, train_config, training_split
from aelib.i18n import Words
from aelib.models import Autoencoder, build_model
from aelib.replay import REPLAY_POINTS, snapshot_epochs
from aelib.sharing import checkpoint
from aelib.sharing.export import Imported, read_history, read_model_files
from aelib.train import EpochStats, train

FOLDER = Path(__file__).resolve().parents[2] / "assets" / "checkpoints"
# float16 halves the files; kept only if the reconstructions stay this close to float32's (values in [0, 1])
HALF_TOLERANCE = 2e-3
REPLAY = "replay.npz"  # the training replay's snapshots: epochs (int32) and codes (float16, snapshots × points × width)


@dataclass(frozen=True)
class Setup:
    title: str  # what the learner picks from: Words (the table's export.setup.<name>), English in files
    dataset: str
    model: str
    latent_dim: int
    epochs: int
    use: str  # where the app uses it, said under the choice: Words (export.setup_use.<name>)


def _setup(name: str, model: str, latent_dim: int, epochs: int) -> Setup:
    """A setup on mnist5k, its words under export.setup.<name> and export.setup_use.<name>."""
    return Setup(Words(f"export.setup.{name}"), "mnist5k", model, latent_dim, epochs, Words(f"export.setup_use.{name}"))


# The Train page's default (a 2-D dense AE on mnist5k, 30 epochs) first, then one model of each family the lessons
# and the lab pages' defaults use, each with its family's defaults: the VAE (lesson 4, Generation's pair), the linear
# AE (lesson 2: it finds PCA's subspace), the denoising AE with the Denoising page's 32-D code (lesson 5), the
# conditional VAE of Generation's chosen-digit section, and the conv AE with the Anomaly page's 16-D code (fewer
# epochs: a conv AE costs many CPU minutes in `pretrain`). About 9 MB in all as float16.
SETUPS = {name: _setup(name, *rest) for name, *rest in [
    ("ae_mnist5k", "ae", 2, 30), ("vae_mnist5k", "vae", 2, 30), ("linear_ae_mnist5k", "linear_ae", 2, 30),
    ("denoising_ae_mnist5k", "denoising_ae", 32, 30), ("cvae_mnist5k", "cvae", 2, 30),
    ("conv_ae_mnist5k", "conv_ae", 16, 20)]}
MAX_BYTES = 40_000_000  # every bundled checkpoint together (the repository and every replica carry them)


def _half_is_faithful(model: Autoencoder, x: np.ndarray, y: np.ndarray) -> bool:
    """Do float16 weights (cast back to float32 on load) reconstruct like the float32 ones?"""
    rounded = copy.deepcopy(model).half().float()
    return float(np.abs(infer.reconstruct(rounded, x, y) - infer.reconstruct(model, x, y)).max()) < HALF_TOLERANCE


def make(name: str, out_dir: str | Path = FOLDER, seed: int = 0, data_dir: str | None = None,
         log: Callable[[EpochStats], None] | None = None, device: str = "auto") -> dict:
    """Train one setup with its defaults (as aelib.experiment.fit does), snapshotting the replay samples' codes as
    the Train page does, and write out_dir/name/{model.safetensors, config.json, history.json, replay.npz}. The
    files are device-free (weights saved from the CPU): build them on a GPU box and copy them to every replica."""
    setup = SETUPS[name]
    ds = load_dataset(setup.dataset, seed=seed, data_dir=data_dir)
    tcfg = train_config(setup.model, epochs=setup.epochs, seed=seed, device=device)
    net, history = build_model(model_config(ds, setup.model, setup.latent_dim), seed=tcfg.seed), []
    x_tr, y_tr, x_val, y_val, _ = training_split(ds, tcfg)
    snap_at, x_snap, y_snap = snapshot_epochs(tcfg.epochs), ds.x_test[:REPLAY_POINTS], ds.y_test[:REPLAY_POINTS]
    snapshots = [(0, infer.encode(net, x_snap, y_snap))]
    for stats in train(net, x_tr, x_val, tcfg, y_train=y_tr, y_val=y_val):
        if isinstance(stats, EpochStats):
            history.append(stats)
            if stats.epoch in snap_at:
                snapshots.append((stats.epoch, infer.encode(net, x_snap, y_snap)))
            if log is not None:
                log(stats)
    if history and snapshots[-1][0] != history[-1].epoch:  # early stopping: the kept weights
        snapshots.append((history[-1].epoch, infer.encode(net, x_snap, y_snap)))
    half = _half_is_faithful(net, ds.x_test, ds.y_test)
    stored = copy.deepcopy(net).half() if half else net  # load_bytes casts back to float32
    folder = checkpoint.save(stored, Path(out_dir) / name, history_dicts(history),
                             {"dataset": ds.name, "title": setup.title, "train": asdict(tcfg),
                              "stored_as": "float16" if half else "float32"})
    np.savez_compressed(folder / REPLAY, epochs=np.array([e for e, _ in snapshots], dtype=np.int32),
                        codes=np.stack([c for _, c in snapshots]).astype(np.float16))
    size = sum(f.stat().st_size for f in folder.iterdir())
    return {"name": name, "folder": str(folder), "bytes": size, "float16": half,
            "test_mse": round(infer.mse(checkpoint.load(folder), ds.x_test, ds.y_test), 5)}


def available(folder: str | Path = FOLDER) -> dict[str, str]:
    """{name: title} of the checkpoints in folder (those with a config.json), in SETUPS order."""
    root = Path(folder)
    found = {}
    for sub in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            found[sub.name] = json.loads((sub / checkpoint.CONFIG).read_text(encoding="utf-8")).get("title", sub.name)
        except (OSError, ValueError):
            continue
    order = list(SETUPS)
    return dict(sorted(found.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def load(name: str, folder: str | Path = FOLDER) -> Imported:
    """A bundled checkpoint with its history, checked like any upload (load_bytes: safetensors only, shapes)."""
    sub = Path(folder) / name
    try:
        weights = (sub / checkpoint.WEIGHTS).read_bytes()
        config_text = (sub / checkpoint.CONFIG).read_text(encoding="utf-8")
        history = (sub / checkpoint.HISTORY).read_bytes()
    except (OSError, ValueError) as err:
        raise checkpoint.CheckpointError("checkpoint.quickstart", path=sub, detail=err) from err
    imported = read_model_files(weights, config_text, where=f"{sub}/")
    imported.history = read_history(history, f"{sub}/")
    return imported


def replay(name: str, folder: str | Path = FOLDER) -> list[tuple[int, np.ndarray]]:
    """A bundled checkpoint's training replay, [(epoch, codes (points, width) float32)] as the Train page records
    it ([] for a checkpoint written without one, or a file that does not read as one). No pickles are read."""
    try:
        with np.load(Path(folder) / name / REPLAY, allow_pickle=False) as f:
            epochs, codes = f["epochs"], f["codes"]
    except (OSError, ValueError, KeyError):
        return []
    if codes.ndim != 3 or len(epochs) != len(codes) or len(codes) < 2:
        return []
    return [(int(e), c.astype(np.float32)) for e, c in zip(epochs, codes)]
