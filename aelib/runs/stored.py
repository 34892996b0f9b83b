"""A run as the store keeps it and as a page gets it back: epochs as EpochStats, weights as safetensors (checked
like an imported model's), replay snapshots as .npy bytes (never pickles), and the run's message as the table key
and fields of its Words, so it is said in whichever language the learner reads it later."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from safetensors.torch import save as save_tensors

from aelib.i18n import DEFAULT, Listed, Words, table
from aelib.models import Autoencoder
from aelib.sharing.checkpoint import load_weights, tensors
from aelib.store import Run, Status, Store
from aelib.train import EpochStats, TrainConfig

REPLAY = "replay/"


def weights_blob(model: Autoencoder) -> bytes:
    return save_tensors(tensors(model))


def codes_blob(codes: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(codes, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def codes_of(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


def words_json(words: Words | str) -> dict:
    """Words as JSON: {"key", "fields"} (a field that is Words nested the same way); plain text as {"text"}."""
    if isinstance(words, Listed):
        return {"listed": list(words.fields["items"])}
    if isinstance(words, Words):
        return {"key": words.key, "fields": {k: words_json(v) if isinstance(v, Words) else v
                                             for k, v in words.fields.items()}}
    return {"text": str(words)}


def message_of(data: object) -> Words | str:
    """words_json() read back; anything else (a hand-edited row) becomes an empty message, never an error."""
    if not isinstance(data, dict):
        return ""
    if "listed" in data:
        return Listed([str(x) for x in data["listed"]])
    if "key" in data:
        if str(data["key"]) not in table(DEFAULT):
            return ""
        fields = {k: message_of(v) if isinstance(v, dict) else v for k, v in dict(data.get("fields", {})).items()}
        try:
            return Words(str(data["key"]), **fields)
        except (KeyError, ValueError, IndexError):
            return ""
    return str(data.get("text", ""))


def _terms(d: dict) -> dict:
    """Loss terms in the order the trainer reports them: the total, the reconstruction, then the family's own (the
    store keeps JSON with sorted keys)."""
    first = [k for k in ("loss", "recon") if k in d]
    return {k: float(d[k]) for k in first + sorted(set(d) - set(first))}


def epoch_stats(d: dict) -> EpochStats:
    return EpochStats(epoch=int(d["epoch"]), epochs=int(d["epochs"]), train=_terms(d["train"]), val=_terms(d["val"]),
                      seconds=float(d["seconds"]), samples_per_second=float(d["samples_per_second"]))


def train_config(d: dict) -> TrainConfig:
    """The TrainConfig a stored run was made with (unknown keys of a newer version left out)."""
    known = TrainConfig.__dataclass_fields__
    return TrainConfig(**{k: v for k, v in d.items() if k in known})


@dataclass
class Loaded:
    """A stored run, ready for a page: the record, its model (None until an epoch was committed), its history and
    replay snapshots (epoch, codes), and its message."""

    record: Run
    model: Autoencoder | None
    history: list[EpochStats]
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    message: Words | str = ""
    source: str | None = None  # the training it follows, while it follows one


def load_run(store: Store, workspace: str, run_id: str, with_model: bool = True,
             with_replay: bool = True) -> Loaded | None:
    """The run run_id of workspace with its epochs, weights and replay (a live view needs neither every epoch's
    snapshot nor, for a follower, the weights); None if there is no such run."""
    record = store.get_run(workspace, run_id)
    if record is None:
        return None
    history = [epoch_stats(d) for d in store.epochs(workspace, run_id)]
    model = None
    if with_model and history:
        data = store.get_blob(workspace, run_id)
        model = None if data is None else load_weights(data, record.model_config)
        if model is not None:
            model.train(False)  # inference mode (dropout off)
    snaps = []
    for kind in store.blob_kinds(workspace, run_id, REPLAY) if with_replay else ():
        data = store.get_blob(workspace, run_id, kind)
        if data is not None:
            snaps.append((int(kind[len(REPLAY):]), codes_of(data)))
    snaps.sort(key=lambda s: s[0])
    source = store.source_of(workspace, run_id) if record.status == Status.RUNNING else None
    return Loaded(record, model, history, snaps, message_of(record.summary.get("message")), source)
