"""The learner's runs on the Train page: "My runs" (every run of the workspace: make one current, compare two side
by side, delete one) and the note under a run that was reused from an identical training ("train my own")."""
from __future__ import annotations

import time

import streamlit as st

from aelib.plots import loss_curves
from aelib.store import Status
from appkit import state, workspace
from appkit.i18n import current_lang, family_title, plain, tr

METRICS = ("test_mse", "knn_accuracy", "trustworthiness")


def reused_note(run: state.Run) -> None:
    """Under a reused run: say so, and offer a training of the learner's own."""
    if not run.reused:
        return
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(tr("workspace.reused_caption"))
    right.button(tr("workspace.train_own"), key="train_own", on_click=state.request_training, args=(True,),
                 disabled=workspace.live() is not None, help=tr("workspace.train_own_help"))


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def _status(status: Status) -> str:
    return tr(f"workspace.status.{status}")


def _label(rec) -> str:
    return tr("workspace.run_label", family=family_title(rec.model), latent=rec.model_config.latent_dim,
              dataset=rec.dataset, when=_when(rec.created_at))


def _make_current(run_id: str) -> None:
    run = workspace.load(run_id)
    if run is not None and run.history:
        state.set_run(run)


def _delete(run_id: str) -> None:
    current = state.get_run()
    if workspace.store().delete_run(workspace.ensure(), run_id) and current is not None and current.run_id == run_id:
        st.session_state.pop(state.RUN, None)
        st.session_state[state.NOTICE] = ("info", tr("workspace.deleted_current"))


def my_runs(busy: bool) -> None:
    """Every run in the workspace, newest first, with what can be done to them."""
    records = workspace.store().list_runs(workspace.ensure())
    if not records:
        return
    current = state.get_run()
    current_id = current.run_id if current is not None else None
    with st.expander(tr("workspace.my_runs", n=len(records)), icon=":material/history:"):
        rows = [{tr("workspace.col.current"): "●" if r.id == current_id else "",
                 tr("workspace.col.family"): family_title(r.model),
                 tr("workspace.col.latent"): r.model_config.latent_dim,
                 tr("workspace.col.dataset"): plain(r.dataset),
                 tr("workspace.col.status"): _status(r.status) + (tr("workspace.reused_mark")
                                                                  if r.summary.get("reused") else ""),
                 **{tr(f"workspace.col.{m}"): r.summary.get(m) for m in METRICS},
                 tr("workspace.col.when"): _when(r.created_at)} for r in records]
        event = st.dataframe(rows, on_select="rerun", selection_mode="multi-row", hide_index=True,
                             key="my_runs_table", width="stretch")
        picked = [records[i] for i in event.selection.rows if i < len(records)]
        st.caption(tr("workspace.my_runs_help"))
        one = picked[0] if len(picked) == 1 else None
        c = st.columns(3)
        c[0].button(tr("workspace.make_current"), key="runs_current", on_click=_make_current,
                    args=(one.id if one else "",), width="stretch",
                    disabled=busy or one is None or one.status == Status.RUNNING or one.id == current_id)
        c[1].button(tr("workspace.delete"), key="runs_delete", on_click=_delete, args=(one.id if one else "",),
                    width="stretch", disabled=busy or one is None or one.status == Status.RUNNING)
        show = c[2].toggle(tr("workspace.compare"), key="runs_compare", disabled=len(picked) != 2)
        if show and len(picked) == 2:
            _compare(picked)


def _compare(pair) -> None:
    """Two runs side by side: settings, metrics and loss curves."""
    lang = current_lang()
    cols = st.columns(2)
    for col, rec in zip(cols, pair):
        with col:
            st.markdown(f"**{plain(_label(rec))}**")
            m = st.columns(len(METRICS))
            for box, name in zip(m, METRICS):
                value = rec.summary.get(name)
                box.metric(tr(f"workspace.col.{name}"), "—" if value is None else f"{value:.4g}")
            history = workspace.store().epochs(workspace.ensure(), rec.id)
            if history:
                st.plotly_chart(loss_curves(history, str(rec.summary.get("val_name", "test")), lang=lang),
                                key=f"compare_{rec.id}")
            settings = {**{k: v for k, v in rec.model_config.to_dict().items() if k != "input_shape"},
                        **{k: rec.train_config.get(k) for k in ("epochs", "batch_size", "lr", "seed")}}
            st.caption(plain(", ".join(f"{k} = {v}" for k, v in settings.items())))

