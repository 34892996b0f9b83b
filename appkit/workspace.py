"""A learner's workspace: the store and the job runner every session of this server shares, the workspace id in
the address (?ws=) and the sidebar's links, and the session's current run, restored from the store after a reload,
a new ?lang=, a server restart or on another device. When the database cannot be reached the session works on a
throwaway store on this server, and every page says so."""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass

import streamlit as st

from aelib.i18n import Words
from aelib.runs import Loaded, Runner, load_run
from aelib.store import Status, Store, StoreUnavailable, database_url, open_store
from appkit import resources
from appkit.i18n import in_lang, tr

log = logging.getLogger(__name__)

WS, WS_URL, LIVE, NOTE = "aelab_ws", "aelab_ws_url", "aelab_live_run", "aelab_ws_note"
STATUS = {Status.RUNNING: "training", Status.FINISHED: "finished", Status.STOPPED: "stopped",
          Status.INTERRUPTED: "stopped", Status.FAILED: "diverged"}


@dataclass
class Shared:
    """The process's store and runner; problem: why the configured database is not in use (None when it is)."""

    store: Store
    runner: Runner
    problem: str | None = None


_OPENED: list[Shared] = []  # every store this process opened, for close_all()


@st.cache_resource(show_spinner=False)
def _shared(url: str) -> Shared:
    problem = None
    try:
        store = open_store(url)
    except StoreUnavailable as err:
        log.error("the store is unavailable, keeping work on a throwaway store: %s", err)  # no-i18n
        problem = str(err)
        store = open_store(f"sqlite:///{tempfile.mkdtemp(prefix='aelab-fallback-')}/aelab.db")
    opened = Shared(store, Runner(store, resources.training_slots()), problem)
    _OPENED.append(opened)
    return opened


def close_all() -> None:
    """Stop every runner's jobs (each ends as stopped, keeping its epochs) and close the stores: for tests, which
    give each test a store of its own."""
    while _OPENED:
        opened = _OPENED.pop()
        opened.runner.close()
        opened.store.close()
    _shared.clear()


def shared() -> Shared:
    """The store and runner for the database the environment names (one per process and database)."""
    return _shared(database_url())


def store() -> Store:
    return shared().store


def runner() -> Runner:
    return shared().runner


def current() -> str | None:
    """This session's workspace id (None before ensure() ran)."""
    return st.session_state.get(WS)


def ensure() -> str:
    """The session's workspace: the one it has, else the address's (?ws=) if the store knows it, else a new one.
    A tampered or unknown id gets a fresh workspace and a note, never anyone else's data."""
    ws = st.session_state.get(WS)
    if st.session_state.get(WS_URL) != database_url():  # a session from before the store changed (tests do that)
        ws = None
    if ws is None:
        given = st.query_params.get("ws")
        ws = store().check_workspace_id(given) if given else None
        if given and ws is None:
            st.session_state[NOTE] = "workspace.unknown"
        if ws is None:
            ws = store().new_workspace()
        st.session_state[WS], st.session_state[WS_URL] = ws, database_url()
        restore(ws)
    if st.query_params.get("ws") != ws:
        st.query_params["ws"] = ws
    return ws


def renew() -> str:
    """A fresh workspace for this session (its old one was removed while it was open), with a note."""
    st.session_state.pop(WS, None)
    st.query_params.pop("ws", None)
    st.session_state[NOTE] = "workspace.unknown"
    return ensure()


def notes() -> None:
    """Say once why the workspace is new, and on every page when the database is not in use."""
    key = st.session_state.pop(NOTE, None)
    if key:
        st.warning(tr(key), icon=":material/link_off:")
    if shared().problem:
        st.warning(tr("workspace.no_database"), icon=":material/cloud_off:")


def to_session(loaded: Loaded, data_dir: str | None = None):
    """A stored run as the session's Run (appkit.state), with its id."""
    from appkit import state

    rec = loaded.record
    from aelib.runs.stored import train_config

    run = state.Run(rec.dataset, 0, rec.model_config, train_config(rec.train_config),
                    data_dir=rec.train_config.get("data_dir") or data_dir, model=loaded.model,
                    history=loaded.history, status=STATUS.get(rec.status, "stopped"), message=loaded.message,
                    summary={k: v for k, v in rec.summary.items() if k not in ("message", "val_name", "reused")}
                    or None, val_name=str(rec.summary.get("val_name", "test")), snapshots=loaded.snapshots)
    run.run_id, run.reused = rec.id, bool(rec.summary.get("reused"))
    if rec.status == Status.INTERRUPTED:
        run.message = Words("workspace.interrupted", done=len(loaded.history), epochs=run.train_cfg.epochs)
    if run.summary is not None and "test_mse" not in run.summary:
        run.summary = None  # ended before the summary was measured: the page measures it
    return run


def load(run_id: str):
    """The workspace's run run_id as a session Run, or None if there is no such run."""
    loaded = load_run(store(), ensure(), run_id)
    return None if loaded is None else to_session(loaded)


def restore(ws: str) -> None:
    """A new session on a known workspace: the newest run with epochs becomes current, and a run still training
    is followed."""
    from appkit import state

    for rec in store().list_runs(ws):
        if rec.status == Status.RUNNING and st.session_state.get(LIVE) is None:
            st.session_state[LIVE] = rec.id
            continue
        loaded = load_run(store(), ws, rec.id)
        if loaded is not None and loaded.history:
            state.set_run(to_session(loaded))
            return


def live() -> str | None:
    """The id of the session's run that is training now (on this server or another), if any."""
    return st.session_state.get(LIVE)


def set_live(run_id: str | None) -> None:
    if run_id is None:
        st.session_state.pop(LIVE, None)
    else:
        st.session_state[LIVE] = run_id


def settle() -> str | None:
    """If the session's live run has ended (its job ran on while the learner was elsewhere), make it current when
    it has epochs and return None; while it trains, return its id."""
    from appkit import state

    run_id = live()
    if run_id is None:
        return None
    view = runner().view(ensure(), run_id)
    if view is None:
        set_live(None)
        return None
    if view.status == Status.RUNNING:
        return run_id
    set_live(None)
    run = load(run_id)
    if run is not None and run.history:
        state.set_run(run)
    elif run is not None:  # it ended before its first epoch: the learner's previous run stays current
        stopped = view.status == Status.STOPPED
        why = tr("state.stopped_before") if stopped else in_lang(run.message) or tr("runs.failed")
        kept = tr("state.previous_kept") if state.get_run() is not None else ""
        st.session_state[state.NOTICE] = ("info" if stopped else "error", f"{why} {kept}".strip())
    return None
