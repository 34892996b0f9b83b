"""The Train page's runs from a page's side: hand a run to the server's job runner and follow it (the bar, and for
the learner who trains it the curves and reconstructions every epoch), play back a reused one, show a finished one,
and the family views' extra computations (lab tasks: they go on if the learner leaves)."""
from __future__ import annotations

import statistics
import time

import streamlit as st

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import history_dicts, summarize
from aelib.plots import image_rows, loss_curves, series_rows, split_name, term_titles
from aelib.runs import Ask, Started, load_run
from aelib.runs.stored import Loaded, train_config
from aelib.store import Status
from aelib.train.pace import epoch_samples, expected_seconds, seconds_left
from appkit import resources, state, workspace
from appkit.i18n import current_lang, in_lang, plain, tr
from appkit.lab import Lab
from appkit.state import Run

PREVIEW = 10  # test samples shown as originals vs reconstructions
POLL_S = 1.0  # how often a page following a run looks at it (each look redraws the bar in the learner's browser)
# while a run is followed: no status figure, no transitions (the bar jumps; every redraw costs each browser CPU)
QUIET_CSS = ("<style>[data-testid='stStatusWidget']{visibility:hidden}"  # no-i18n
             "[data-testid='stMain'] *{transition:none!important;animation:none!important}</style>")
FOLLOWER_BAR_S = 4.0  # within an epoch, a follower's bar moves at most this often
PLAYBACK_S, PLAYBACK_FRAMES = 1.5, 12  # a reused run's history is played back in this long, in at most this many steps
HOW = "aelab_run_how"  # how the live run came about: "trained", "following" or "reused" (aelib.runs.Started)


def show_results(run: Run, ds: Dataset, curves=None, grid=None, key: str | None = None) -> None:
    """Loss curves and the originals-vs-reconstructions grid, into placeholders or the page; `key` names the two
    charts (a live run redraws them into its placeholders within one script run)."""
    lang = current_lang()
    loss = tr("controls.recon_bce") if run.model_cfg.recon_loss == "bce" else tr("controls.recon_mse")
    split = split_name(run.val_name, lang=lang)
    with (curves or st).container():
        st.plotly_chart(loss_curves(history_dicts(run.history), run.val_name, lang=lang),
                        key=None if key is None else f"{key}_curves")
        extra = [term for term in run.history[-1].train if term not in ("loss", "recon")] if run.history else []
        if extra:
            titles = term_titles(lang=lang)
            terms = tr("training.and").join(plain(titles.get(term, term)) for term in extra)  # a file's names: text
            st.caption(tr("training.loss_caption_terms", loss=loss, n=ds.input_dim, terms=terms, split=split))
        else:
            st.caption(tr("training.loss_caption", loss=loss, n=ds.input_dim, split=split))
    x, y = ds.x_test[:PREVIEW], ds.y_test[:PREVIEW]
    x_hat = infer.reconstruct(run.model, x, y)
    with (grid or st).container():
        if ds.kind == "sequence":
            st.plotly_chart(series_rows(x[:6], x_hat[:6], ds.shape, lang=lang),
                            key=None if key is None else f"{key}_grid")
        else:
            st.plotly_chart(image_rows([x, x_hat], ds.shape, [tr("plots.original"), tr("plots.reconstruction")]),
                            key=None if key is None else f"{key}_grid")
        if ds.kind == "table":
            st.caption(tr("training.table_caption", n=ds.input_dim))


def expected(model: str, dataset: str, samples: int, epochs: int, cap: float = float("inf")) -> str:
    """How long such a run should take here, in words: from this server's recent runs of the family on the dataset
    and the runs ahead in the queue; or that there is no measurement yet."""
    ahead = resources.training_slots().ahead()
    guess = expected_seconds(samples, epochs, resources.pace().pace(model, dataset), ahead, resources.SLOTS, cap)
    if guess is None:
        return tr("train.expect_unmeasured")
    text = tr("train.expect", s=f"{max(guess[0], 1):.0f}")
    return text + (tr("train.expect_queue", n=ahead, s=f"{guess[1]:.0f}") if guess[1] else "")


def start(ds: Dataset, mcfg, tcfg, data_dir: str | None = None, fresh: bool = False) -> Started:
    """Hand the run to the server's job runner (it trains, follows an identical training, or reuses a finished
    one) and make it the session's live run."""
    try:
        started = workspace.runner().submit(Ask(workspace.ensure(), ds, mcfg, tcfg, data_dir=data_dir), fresh=fresh)
    except LookupError:  # the workspace was removed while the page was open
        started = workspace.runner().submit(Ask(workspace.renew(), ds, mcfg, tcfg, data_dir=data_dir), fresh=fresh)
    workspace.set_live(started.run_id)
    st.session_state[HOW] = started.how
    return started


def _live_run(loaded: Loaded, ds: Dataset) -> Run:
    run = Run(loaded.record.dataset, 0, loaded.record.model_config, train_config(loaded.record.train_config),
              model=loaded.model, history=loaded.history, snapshots=loaded.snapshots)
    run.val_name = "validation" if run.train_cfg.patience > 0 else "test"
    return run


def follow(run_id: str, ds: Dataset) -> None:
    """Show the live run as it trains (on this server or another), until it ends; this script run waits, the
    training does not: leaving the page or reloading leaves it running, and the page follows it again on return.
    A run reused from an identical finished one is played back epoch by epoch in a couple of seconds."""
    ws, shared = workspace.ensure(), workspace.shared()
    # the page's own bar says it is working: Streamlit's animated "running" figure, and any other animation, would
    # redraw in every follower's browser for the whole run (30 of them cost the server's cores more than the training)
    st.markdown(QUIET_CSS, unsafe_allow_html=True)
    status, bar, curves, grid = st.empty(), st.progress(0.0, text=tr("training.starting")), st.empty(), st.empty()
    how = st.session_state.get(HOW)
    if how == "reused":
        _play_back(run_id, ds, status, bar, curves, grid)
        return
    live_charts = how != "following"  # a follower sees the bar; the curves and reconstructions come at the end
    if not live_charts:
        status.info(tr("workspace.following"))
    record, shown, t0 = shared.store.get_run(ws, run_id), 0, time.time()
    t0 = record.created_at if record is not None else t0
    prior = resources.pace().pace(record.model, record.dataset) if record is not None else None
    history: list = []
    shown_bar, bar_at = -1, 0.0
    while True:
        view = shared.runner.view(ws, run_id)
        if view is None or view.status != Status.RUNNING:
            break
        if view.epochs_done > shown:
            # the store can be an epoch ahead of the view (an epoch ended between the two reads): what is drawn is
            # counted from what was loaded, and each drawing has keys of its own, so a repeat never clashes
            loaded = load_run(shared.store, ws, run_id, with_model=live_charts, with_replay=False)
            if loaded is not None and len(loaded.history) > shown:
                history, shown = loaded.history, len(loaded.history)
                if loaded.model is not None:
                    show_results(_live_run(loaded, ds), ds, curves, grid, key=f"live_{shown}")
        if not live_charts and view.epochs_done == shown_bar and time.time() - bar_at < FOLLOWER_BAR_S:
            pass  # a follower's bar moves with each epoch, else every few seconds: each redraw costs its browser
        elif view.phase is not None and not view.epochs_done:
            bar.progress(0.0, text=in_lang(view.phase))
        else:
            samples = history[-1].samples_per_second if history else None
            left = seconds_left([h.seconds for h in history], view.epochs, view.into_epoch,
                                None if not prior or samples else None)
            text = tr("training.progress", epoch=min(view.epochs_done + 1, view.epochs), epochs=view.epochs,
                      elapsed=f"{time.time() - t0:.0f}",
                      left=tr("training.estimating") if left is None else tr("training.time_left", s=f"{left:.0f}"))
            bar.progress(min((view.epochs_done + view.into_epoch) / max(view.epochs, 1), 1.0), text=text)
            shown_bar, bar_at = view.epochs_done, time.time()
        time.sleep(POLL_S)
    if history and st.session_state.get(HOW) == "trained":  # this server's pace, for the next runs' estimates
        resources.pace().record(record.model, record.dataset, statistics.median(h.samples_per_second
                                                                                for h in history))


def _play_back(run_id: str, ds: Dataset, status, bar, curves, grid) -> None:
    """A reused run: its real history, epoch by epoch, in about PLAYBACK_S seconds."""
    loaded = load_run(workspace.store(), workspace.ensure(), run_id)
    if loaded is None or not loaded.history:
        return
    status.info(tr("workspace.reused"))
    n = len(loaded.history)
    steps = sorted({max(1, round(n * k / PLAYBACK_FRAMES)) for k in range(1, PLAYBACK_FRAMES + 1)})
    for k in steps:
        part = Loaded(loaded.record, loaded.model, loaded.history[:k], loaded.snapshots)
        with curves.container():
            lang = current_lang()
            st.plotly_chart(loss_curves(history_dicts(part.history), _live_run(part, ds).val_name, lang=lang),
                            key=f"playback_{k}")
        bar.progress(k / n, text=tr("workspace.replaying", epoch=k, epochs=n))
        time.sleep(PLAYBACK_S / len(steps))


def ensure_summary(run: Run, ds: Dataset) -> dict | None:
    """A stopped run has no summary yet: compute it once (about a second)."""
    if run.summary is None and run.history and run.status != "training":
        with st.spinner(tr("training.measuring")):
            run.summary = summarize(run.model, ds, run.history, run.train_cfg.seed)
    return run.summary


def on_request(run: Run, key: str, label: str, work):
    """The result of an extra computation a family's view offers (a contrast model, a sweep): computed on the
    server when the learner presses its button (a lab task: it goes on if the learner leaves the page, and the
    page follows it again on return), with a progress bar, then kept with the run. `work(report)` gets
    report(fraction, text), runs outside the page and so must not call Streamlit. None until then, or if it
    failed (the message is shown)."""
    if key in run.extras:
        return run.extras[key]
    lab, run_id = Lab(f"extra_{key}_{run.run_id or id(run)}"), run.run_id

    def keep(result) -> None:  # in whichever session collects it: this run, or the same run reloaded
        for r in (run, state.get_run()):
            if r is not None and (r is run or (run_id is not None and r.run_id == run_id)):
                r.extras[key] = result

    lab.resume()  # this view's earlier computation still going (the learner left or reloaded): follow it
    button = st.empty()
    if not button.button(label, key=f"extra_{key}"):
        return None
    button.empty()
    result = lab.run(work, keep)
    error = lab.take_error()
    if error:
        st.error(error)
    return result


def expected_run(ds: Dataset, mcfg, tcfg) -> str:
    """expected() for the run these configs would start on ds."""
    return expected(mcfg.model, ds.name, epoch_samples(len(ds.x_train), tcfg), tcfg.epochs, tcfg.max_seconds)
