"""The Train page's classroom tools: start from a bundled pretrained model, export a finished run (model,
codes, report), import an exported model. Bundled checkpoints are cached once for everybody; every learner's
run gets its own copy of the model."""
from __future__ import annotations

import copy

import streamlit as st

from aelib import export, quickstart
from aelib.checkpoint import CONFIG, WEIGHTS, CheckpointError
from aelib.data import Dataset, DatasetUnavailable
from appkit import resources, state, widgets
from appkit.state import Run

PRETRAINED, WEIGHTS_FILE, CONFIG_FILE, IMPORT_ERROR = ("pretrained_choice", "import_weights", "import_config",
                                                       "aelab_import_error")


@st.cache_resource(show_spinner="Loading the pretrained model (once for everybody)…", max_entries=8)
def bundled(name: str) -> export.Imported:
    """A read-only bundled checkpoint; never hand this model to a learner, hand them a copy."""
    return quickstart.load(name)


def _run_from(imported: export.Imported, message: str) -> Run:
    """A finished run around an imported model (raises CheckpointError if it does not fit its dataset)."""
    ds = resources.dataset(imported.dataset)
    export.check_fits(imported, ds)
    return Run(imported.dataset, 0, imported.model.cfg, imported.train, model=imported.model,
               history=list(imported.history), status="finished", message=message)


def _use_pretrained() -> None:
    """Button callback: the chosen bundled model, copied into this learner's run; the settings follow it."""
    name = st.session_state[PRETRAINED]
    try:
        shared = bundled(name)
        mine = export.Imported(copy.deepcopy(shared.model), shared.dataset, list(shared.history), shared.train,
                               False)
        run = _run_from(mine, f"Loaded the pretrained model “{name}”: trained in advance for "
                              f"{len(mine.history)} epochs with seed 0. Explore it, or press Train to train your own.")
    except (CheckpointError, DatasetUnavailable, ValueError) as err:
        st.session_state[state.NOTICE] = ("error", f"The pretrained model could not be loaded: {err}")
        return
    state.set_run(run)
    cfg = run.model_cfg
    st.session_state.update(dataset=run.dataset, model=cfg.model, latent_dim=cfg.latent_dim,
                            epochs=run.train_cfg.epochs, seed=run.train_cfg.seed)
    state.apply_family_defaults()  # the family's own layers, loss, learning rate and batch size


def _import() -> None:
    """Button callback: the uploaded pair becomes the learner's run; on any error the current run stays."""
    weights, config = st.session_state.get(WEIGHTS_FILE), st.session_state.get(CONFIG_FILE)
    st.session_state.pop(IMPORT_ERROR, None)
    try:
        imported = export.read_model_files(weights.getvalue(), config.getvalue(), where="the uploaded ")
        run = _run_from(imported, f"Imported {weights.name} and {config.name}: a {imported.model.cfg.model} "
                                  f"trained on {imported.dataset}."
                        + (" The files held no training history: the curves show its loss measured now."
                           if imported.measured else ""))
    except (CheckpointError, DatasetUnavailable) as err:
        st.session_state[IMPORT_ERROR] = str(err)
        return
    state.set_run(run)


def _forget_error() -> None:
    st.session_state.pop(IMPORT_ERROR, None)


def quick_start(disabled: bool) -> None:
    """For a learner without a model: the bundled pretrained models to start from."""
    names = quickstart.available()
    if not names:
        return
    with st.container(border=True):
        st.markdown("**…or start from a pretrained model**")
        st.caption("Trained in advance with the default settings (seed 0), so you can explore the latent space "
                   "before anyone trains. You get your own copy.")
        st.selectbox("Pretrained model", list(names), format_func=names.get, key=PRETRAINED, disabled=disabled)
        st.button("Use this model", on_click=_use_pretrained, disabled=disabled, key="use_pretrained")


def export_files(run: Run, ds: Dataset) -> None:
    """A finished run's files to download; each is made only when its button is pressed."""
    stem = f"{run.model_cfg.model}_{run.dataset}"
    with st.expander("Export: the model, its latent codes, a report to hand in"):
        st.caption(f"The model is two files: the weights ({WEIGHTS}, safetensors) and {CONFIG} (its settings and "
                   "training history). Import both below, here or on another AE Lab, to get this model back.")
        files = [
            (WEIGHTS, lambda: export.model_files(run.model, run.dataset, run.history, run.train_cfg)[0],
             "application/octet-stream", "Weights: upload this with config.json to import the model."),
            (CONFIG, lambda: export.model_files(run.model, run.dataset, run.history, run.train_cfg)[1],
             "application/json", "Settings and history."),
            ("codes.csv", lambda: export.codes_csv(run.model, ds), "text/csv",
             "The latent code of every test sample: columns z1…zd, label, split."),
            ("report.html", lambda: export.html_report(run.model, ds, run.history, run.summary or {}, run.train_cfg,
                                                       run.val_name), "text/html",
             "One file (about 5 MB, works offline): settings, metrics, curves, reconstructions, latent plot."),
        ]
        for col, (name, data, mime, help_text) in zip(st.columns(2) + st.columns(2), files):  # labels fit unclipped
            col.download_button(name, data=data, file_name=name if name in (WEIGHTS, CONFIG) else f"{stem}_{name}",
                                mime=mime, help=help_text, on_click="ignore", key=f"export_{name}",
                                icon=":material/download:")


def import_files(disabled: bool) -> None:
    """Upload model.safetensors + config.json; only safetensors is read, shapes are checked first."""
    error = st.session_state.get(IMPORT_ERROR)
    with st.expander("Import a model", expanded=error is not None):
        st.caption(f"Upload the {WEIGHTS} and {CONFIG} that AE Lab exported. Your current model stays until the "
                   "import succeeds.")
        c = st.columns(2)
        c[0].file_uploader(f"Weights ({WEIGHTS})", type=["safetensors"], key=WEIGHTS_FILE, disabled=disabled,
                           on_change=_forget_error)
        c[1].file_uploader(f"Settings ({CONFIG})", type=["json"], key=CONFIG_FILE, disabled=disabled,
                           on_change=_forget_error)
        ready = st.session_state.get(WEIGHTS_FILE) is not None and st.session_state.get(CONFIG_FILE) is not None
        st.button("Import", on_click=_import, disabled=disabled or not ready, key="import_model")
        if error:
            st.error(f"Nothing was imported: {error}")


def show(run: Run | None, busy: bool) -> None:
    """The Train page's quick start (no model yet), export (a model with history) and import."""
    if busy:
        return
    if run is None or not run.history:
        quick_start(busy)
    elif run.status != "training":
        export_files(run, widgets.run_dataset(run))
    import_files(busy)
