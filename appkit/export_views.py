"""The Train page's classroom tools: start from a bundled pretrained model, export a finished run (model,
codes, report), import an exported model. Bundled checkpoints are cached once for everybody; every learner's
run gets its own copy of the model, kept in their workspace as a finished run (appkit.stored_imports)."""
from __future__ import annotations

import copy
import logging

import sqlalchemy as sa
import streamlit as st

from aelib.data import Dataset, DatasetUnavailable
from aelib.experiment import summarize
from aelib.i18n import Words
from aelib.sharing import export, quickstart
from aelib.sharing.checkpoint import CONFIG, WEIGHTS, CheckpointError
from appkit import resources, share_views, state, stored_imports, widgets, workspace
from appkit.i18n import current_lang, explain, in_lang, plain, tr
from appkit.state import Run

log = logging.getLogger(__name__)

PRETRAINED, WEIGHTS_FILE, CONFIG_FILE, IMPORT_ERROR = ("pretrained_choice", "import_weights", "import_config",
                                                       "aelab_import_error")
BUNDLED = "bundled"  # run.extras key (and stored summary note): the name of the bundled model the run is a copy of


def bundled_name(run: Run) -> str | None:
    """The bundled pretrained model this run is a copy of (None: the learner trained or imported it); a run brought
    back from the workspace says so in its summary."""
    name = run.extras.get(BUNDLED) or (run.summary or {}).get(BUNDLED)
    return name if isinstance(name, str) else None


def bundled_title(name: str, title: str | None = None) -> str:
    """A bundled model's title in the learner's language (its file's title, else its name, for one not in SETUPS)."""
    return in_lang(quickstart.SETUPS[name].title) if name in quickstart.SETUPS else title or name


@st.cache_resource(show_spinner=False, max_entries=8)  # the caller's spinner speaks the learner's language
def bundled(name: str) -> export.Imported:
    """A read-only bundled checkpoint; never hand this model to a learner, hand them a copy."""
    return quickstart.load(name)


@st.cache_resource(show_spinner=False, max_entries=8)
def bundled_replay(name: str) -> list:
    """A bundled checkpoint's training replay (read-only, shared; [] if it has none)."""
    return quickstart.replay(name)


@st.cache_resource(show_spinner=False, max_entries=8)
def bundled_summary(name: str) -> dict:
    """A bundled checkpoint's metrics on its dataset (read-only, shared: measured once per server)."""
    shared = bundled(name)
    return summarize(shared.model, resources.dataset(shared.dataset), list(shared.history), shared.train.seed)


def _run_from(imported: export.Imported, message: Words, summary: dict | None = None) -> Run:
    """A finished run around an imported model, with its metrics (measured now unless given); raises
    CheckpointError if it does not fit its dataset."""
    ds = resources.dataset(imported.dataset)
    export.check_fits(imported, ds)
    history = list(imported.history)
    summary = summarize(imported.model, ds, history, imported.train.seed) if summary is None else summary
    return Run(imported.dataset, 0, imported.model.cfg, imported.train, model=imported.model, history=history,
               status="finished", message=message, summary=dict(summary))


def _keep(run: Run, origin: str, **notes: object) -> None:
    """Store the run in the learner's workspace and give it its id there; when the store cannot take it, the run
    stays in this session only and a notice says so."""
    summary = stored_imports.summary_of(run, origin, **notes)
    try:
        try:
            run.run_id = stored_imports.keep(workspace.store(), workspace.ensure(), run, summary)
        except LookupError:  # the workspace was removed while the page was open: a fresh one, with a note
            run.run_id = stored_imports.keep(workspace.store(), workspace.renew(), run, summary)
    except (LookupError, ValueError, sa.exc.SQLAlchemyError) as err:
        log.warning("a %s model was not stored in the workspace: %s", origin, err)  # no-i18n
        st.session_state[state.NOTICE] = ("info", tr("export.not_kept"))


def _clashes(imported: export.Imported) -> list[str]:
    """The settings a teacher's link locked that this model contradicts ([] when it fits every lock)."""
    if not state.locked():
        return []
    return share_views.conflicts(state.run_settings(imported.dataset, imported.model.cfg, imported.train))


def _offered(names: dict[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """The bundled models a learner may start from under the link's locks, and {name: locked settings it
    contradicts} for the others."""
    blocked = {}
    for name in names if state.locked() else ():
        try:
            clash = _clashes(bundled(name))
        except (CheckpointError, ValueError) as err:  # a broken bundle is not offered either
            clash = [plain(explain(err))]
        if clash:
            blocked[name] = clash
    return [n for n in names if n not in blocked], blocked


def _use_pretrained() -> None:
    """Button callback: the chosen bundled model, copied into this learner's run; the settings follow it, except
    those a teacher's link locked (a model contradicting a lock is not offered, and refused here too)."""
    name = st.session_state[PRETRAINED]
    try:
        with st.spinner(tr("export.loading_pretrained")):
            shared = bundled(name)
        if _clashes(shared):
            raise ValueError(tr("export.locked_out_one", settings=", ".join(_clashes(shared))))
        mine = export.Imported(copy.deepcopy(shared.model), shared.dataset, list(shared.history), shared.train,
                               False)
        run = _run_from(mine, Words("export.pretrained_loaded", name=name, epochs=len(mine.history)),
                        bundled_summary(name))
        run.extras[BUNDLED] = name
        run.snapshots = list(bundled_replay(name))  # the codes arrays are shared, read only
    except (CheckpointError, DatasetUnavailable, ValueError) as err:
        st.session_state[state.NOTICE] = ("error", tr("export.pretrained_failed", error=explain(err)))
        return
    _keep(run, "bundled", **{BUNDLED: name})
    state.set_run(run)
    cfg = run.model_cfg
    st.session_state.update(state.unlocked(dict(dataset=run.dataset, model=cfg.model, latent_dim=cfg.latent_dim,
                                                epochs=run.train_cfg.epochs, seed=run.train_cfg.seed)))
    state.apply_family_defaults()  # the family's own layers, loss, learning rate and batch size


def _import() -> None:
    """Button callback: the uploaded pair becomes the learner's run; on any error the current run stays."""
    weights, config = st.session_state.get(WEIGHTS_FILE), st.session_state.get(CONFIG_FILE)
    st.session_state.pop(IMPORT_ERROR, None)
    try:
        imported = export.read_model_files(weights.getvalue(), config.getvalue(), where=Words("checkpoint.uploaded"))
        message = Words("export.imported", weights=plain(weights.name), config=plain(config.name),
                        model=imported.model.cfg.model, dataset=imported.dataset)
        if imported.measured:
            message = Words("export.imported_with_note", imported=message, note=Words("export.imported_measured"))
        run = _run_from(imported, message)
    except (CheckpointError, DatasetUnavailable) as err:
        st.session_state[IMPORT_ERROR] = plain(explain(err))  # it may quote the file: shown as text, never markup
        return
    clash = _clashes(imported)
    if clash:  # the link's locks hold for imported models too
        st.session_state[IMPORT_ERROR] = tr("export.import_locked", settings=", ".join(clash))
        return
    _keep(run, "imported")
    state.set_run(run)


def _forget_error() -> None:
    st.session_state.pop(IMPORT_ERROR, None)


def quick_start(disabled: bool) -> None:
    """For a learner without a model: the bundled pretrained models to start from."""
    names = quickstart.available()
    if not names:
        return
    offered, blocked = _offered(names)
    labels = {name: bundled_title(name, title) for name, title in names.items()}  # built now: see format_func
    with st.container(border=True):
        st.markdown(tr("export.quick_start_heading"))
        st.caption(tr("export.quick_start_caption"))
        if offered:
            if st.session_state.get(PRETRAINED) not in offered:
                st.session_state[PRETRAINED] = offered[0]
            picked = st.selectbox(tr("export.pretrained_label"), offered, format_func=labels.__getitem__,
                                  key=PRETRAINED, disabled=disabled)
            if picked in quickstart.SETUPS:  # where the app uses it: beside the name, it would cut it on 1024 px
                st.caption(in_lang(quickstart.SETUPS[picked].use))
            st.button(tr("export.use_pretrained"), on_click=_use_pretrained, disabled=disabled,
                      key="use_pretrained")
        reasons: dict[str, list[str]] = {}  # one line per reason, naming every model it keeps out
        for name, clash in blocked.items():
            reasons.setdefault(", ".join(clash), []).append(labels[name])
        for settings, models in reasons.items():
            st.caption(tr("export.locked_out", model=tr("export.titles_separator").join(models), settings=settings))


def export_files(run: Run, ds: Dataset) -> None:
    """A finished run's files to download; each is made only when its button is pressed."""
    stem = f"{run.model_cfg.model}_{run.dataset}"
    lang = current_lang()  # read now: the report is made later, when its button is pressed
    with st.expander(tr("export.export_title")):
        st.caption(tr("export.export_caption", weights=WEIGHTS, config=CONFIG))
        files = [
            (WEIGHTS, lambda: export.model_files(run.model, run.dataset, run.history, run.train_cfg)[0],
             "application/octet-stream", tr("export.help_weights")),
            (CONFIG, lambda: export.model_files(run.model, run.dataset, run.history, run.train_cfg)[1],
             "application/json", tr("export.help_config")),
            ("codes.csv", lambda: export.codes_csv(run.model, ds), "text/csv", tr("export.help_codes")),
            ("report.html", lambda: export.html_report(run.model, ds, run.history, run.summary or {}, run.train_cfg,
                                                       run.val_name, lang=lang), "text/html",
             tr("export.help_report")),
        ]
        for col, (name, data, mime, help_text) in zip(st.columns(2) + st.columns(2), files):  # labels fit unclipped
            col.download_button(name, data=data, file_name=name if name in (WEIGHTS, CONFIG) else f"{stem}_{name}",
                                mime=mime, help=help_text, on_click="ignore", key=f"export_{name}",
                                icon=":material/download:")


def import_files(disabled: bool) -> None:
    """Upload model.safetensors + config.json; only safetensors is read, shapes are checked first."""
    error = st.session_state.get(IMPORT_ERROR)
    with st.expander(tr("export.import_title"), expanded=error is not None):
        st.caption(tr("export.import_caption", weights=WEIGHTS, config=CONFIG))
        c = st.columns(2)
        c[0].file_uploader(tr("export.weights_label", weights=WEIGHTS), type=["safetensors"], key=WEIGHTS_FILE,
                           disabled=disabled, on_change=_forget_error)
        c[1].file_uploader(tr("export.config_label", config=CONFIG), type=["json"], key=CONFIG_FILE,
                           disabled=disabled, on_change=_forget_error)
        ready = st.session_state.get(WEIGHTS_FILE) is not None and st.session_state.get(CONFIG_FILE) is not None
        st.button(tr("export.import_button"), on_click=_import, disabled=disabled or not ready, key="import_model")
        if error:
            st.error(tr("export.import_failed", error=error))


def show(run: Run | None, busy: bool) -> None:
    """The Train page's quick start (no model yet), export (a model with history) and import."""
    if busy:
        return
    if run is None or not run.history:
        quick_start(busy)
    elif run.status != "training":
        export_files(run, widgets.run_dataset(run))
    import_files(busy)
