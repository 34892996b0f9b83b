"""A model the learner did not train on this server (a bundled pretrained one, or one they imported) kept in their
workspace as a finished run: its configs, summary and message, its epochs, weights and replay snapshots, so a
reload or another device brings it back and "My runs" lists it. No Streamlit here: the caller names the store."""
from __future__ import annotations

from contextlib import suppress
from dataclasses import asdict

import sqlalchemy as sa

from aelib.runs.stored import REPLAY, codes_blob, weights_blob, words_json
from aelib.store import Status, Store
from aelib.store.records import WEIGHTS, dump
from aelib.store.schema import blobs, epochs, runs
from appkit.state import Run

ORIGINS = ("bundled", "imported")  # the summary's "origin": where a run that was not trained here came from


def summary_of(run: Run, origin: str, **notes: object) -> dict:
    """What the store keeps as the run's summary: its metrics (run.summary), message, validation split, origin and
    notes (e.g. the bundled model's name)."""
    if origin not in ORIGINS:
        raise ValueError(f"origin is one of {ORIGINS}, not {origin!r}")
    return {**(run.summary or {}), "message": words_json(run.message), "val_name": run.val_name, "origin": origin,
            **notes}


def keep(store: Store, workspace: str, run: Run, summary: dict) -> str:
    """Store run (finished, with a model and a history) in workspace and return its id. The row is written by
    Store.save_run, then its epochs and blobs in one transaction; if that fails the row is deleted again, so no
    run is left without its weights. LookupError for an unknown workspace; ValueError for numbers JSON cannot hold
    (NaN); SQLAlchemy's errors when the database fails."""
    train = {**asdict(run.train_cfg), **({"data_dir": run.data_dir} if run.data_dir else {})}
    stats = [dump(asdict(h)) for h in run.history]  # checked before anything is written
    contents = {WEIGHTS: weights_blob(run.model)}
    contents.update({f"{REPLAY}{int(epoch)}": codes_blob(codes) for epoch, codes in run.snapshots})
    run_id = store.save_run(workspace, run.dataset, run.model_cfg, train, status=Status.FINISHED, summary=summary)
    try:
        with store.db.write() as conn:
            mine = sa.select(runs.c.id).where(runs.c.id == run_id, runs.c.workspace_id == workspace)
            if conn.execute(mine).first() is None:  # deleted between the two transactions (another tab)
                raise LookupError("the run was deleted while it was being stored")
            if stats:  # numbered by position: an imported history's own numbers need not be unique
                conn.execute(epochs.insert(), [dict(run_id=run_id, epoch=i, stats=s) for i, s in enumerate(stats, 1)])
            conn.execute(blobs.insert(), [dict(run_id=run_id, kind=kind, size=len(data), data=data)
                                          for kind, data in contents.items()])
    except BaseException:
        with suppress(Exception):  # the database may be what failed: the original error says more
            store.delete_run(workspace, run_id)
        raise
    return run_id
