"""Train an autoencoder live: choose data, model and hyperparameters, press Train, watch it learn."""
import streamlit as st

from appkit import page
from appkit.i18n import current_lang, explain, in_lang, tr

page.setup("Train", "train.title")
from aelib.experiment import warnings_for
from appkit import classroom_views, controls, runs_views, share_views, state, widgets, workspace
from appkit.export_views import show as show_quick_start_export_import
from appkit.family_views import show_family_view
from appkit.training import ensure_summary, expected_run, follow, show_results, start

# inputs are frozen while a run trains: asked for by this click, or still training on the server since earlier
busy = state.training_request() is not None or workspace.live() is not None

share_views.apply_link()  # a teacher's share link: its settings, once; its locks, every run
# in a class with an active exercise the server holds the settings to its preset, whatever the address says
classroom_views.hold_to_exercise()
left, right = st.columns([1.2, 2], gap="medium")
with left:
    ds = widgets.dataset_picker(disabled=controls.disabled("dataset", busy))
    model, latent, options = controls.model_inputs(busy)
    reg = controls.regularisation_inputs(model, busy)
    training = controls.training_inputs(model, busy)
    error = None
    if ds is not None:
        try:
            mcfg, tcfg = controls.configs(ds, model, latent, options, reg, training)
        except ValueError as err:
            error = explain(err)
            st.error(tr("train.cannot", error=error))
        else:
            for w in warnings_for(ds, mcfg, tcfg, lang=current_lang()):
                st.warning(w)
    valid = ds is not None and error is None
    st.button(tr("train.button"), type="primary", disabled=busy or not valid, width="stretch", key="train",
              on_click=state.request_training)
    if busy:
        st.button(tr("train.stop"), on_click=state.request_stop, width="stretch", key="stop",
                  help=tr("train.stop_help"))
        st.caption(tr("train.leaving"))

with right:
    request = state.take_training_request()
    if request and valid:  # the settings as committed by the click itself
        start(ds, mcfg, tcfg, widgets.picked_data_dir(ds.name), fresh=request == state.FRESH)
    if workspace.live() is not None:
        follow(workspace.live(), widgets.live_dataset(ds))
        workspace.settle()
        st.rerun()  # re-enable the inputs and show the finished run
    elif request:
        st.rerun()
    notice = state.take_notice()
    if notice:
        (st.error if notice[0] == "error" else st.info)(notice[1])
    run = state.get_run()
    if (run is None or not run.history) and ds is None:
        st.info(tr("train.no_data"))
    elif run is None or not run.history:  # how long it should take here: this server's measured pace
        expect = expected_run(ds, mcfg, tcfg) if valid else ""
        st.info(tr("train.default_hint" if state.is_default_setup() else "train.setup_hint", expect=expect))
    else:
        (st.success if run.status == "finished" else st.warning)(in_lang(run.message))
        widgets.run_caption(run)
        runs_views.reused_note(run)
        if run.status == "finished":
            classroom_views.post_if_member(run.run_id)  # to the learner's class board, once
        if valid and (run.model_cfg, run.train_cfg, run.dataset) != (mcfg, tcfg, ds.name):
            st.info(tr("train.differs"))
        run_ds = widgets.run_dataset(run)
        s = ensure_summary(run, run_ds)
        if s:
            # two to a row: four side by side in this column cut the numbers to "0.0…" on a 1024-px projector
            c = [*st.columns(2), *st.columns(2)]
            c[0].metric(tr("train.metric_mse"), f"{s['test_mse']:.4f}",
                        delta=tr("train.metric_mse_delta", delta=f"{s['test_mse'] - s['pca_test_mse']:+.4f}"),
                        delta_color="inverse", help=tr("train.metric_mse_help", k=s["latent_dim"],
                                                       mse=f"{s['pca_test_mse']:.4f}"))
            c[1].metric(tr("train.metric_knn"), f"{s['knn_accuracy']:.2f}", help=tr("train.metric_knn_help"))
            c[2].metric(tr("train.metric_trust"), f"{s['trustworthiness']:.2f}", help=tr("train.metric_trust_help"))
            c[3].metric(tr("train.metric_time"), f"{run.seconds:.1f} s")
        show_results(run, run_ds)
        show_family_view(run, run_ds)
        st.page_link("pages/2_Latent_space.py", label=tr("train.see_latent"))
    show_quick_start_export_import(run, busy)  # pretrained models (no run yet), export, import
    runs_views.my_runs(busy)

with left:
    share_views.share_expander()
