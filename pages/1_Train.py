"""Train an autoencoder live: choose data, model and hyperparameters, press Train, watch it learn."""
import streamlit as st

from aelib.experiment import warnings_for
from appkit import controls, page, share_views, state, widgets
from appkit.export_views import show as show_quick_start_export_import
from appkit.family_views import show_family_view
from appkit.training import ensure_summary, run_training, show_results

page.setup("Train")
busy = state.training_request() is not None  # inputs are frozen while a run trains

st.title("Train an autoencoder")
share_views.apply_link()  # a teacher's share link: its settings, once; its locks, every run
left, right = st.columns([1, 2.4], gap="large")
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
            error = str(err)
            st.error(f"Cannot train this combination: {error}")
        else:
            for w in warnings_for(ds, mcfg, tcfg):
                st.warning(w)
    valid = ds is not None and error is None
    st.button("Train", type="primary", disabled=busy or not valid, width="stretch", key="train",
              on_click=state.request_training)
    if busy:
        st.button("Stop", on_click=state.request_stop, width="stretch", key="stop",
                  help="End training now; the model keeps what it has learned so far.")
        st.caption("Leaving this page also stops training; the model keeps what it has learned.")

with right:
    if busy and state.take_training_request():
        if valid:  # the settings as committed by the click itself
            run_training(state.Run(ds.name, 0, mcfg, tcfg, data_dir=widgets.data_dir_of(
                st.session_state.get(widgets.DATA_DIR_KEY))), ds)
        st.rerun()  # re-enable the inputs and show the finished run
    notice = state.take_notice()
    if notice:
        (st.error if notice[0] == "error" else st.info)(notice[1])
    run = state.get_run()
    if (run is None or not run.history) and ds is None:
        st.info("Choose data that loads (see the message on the left) to train a model.")
    elif (run is None or not run.history) and state.is_default_setup():
        st.info("Press **Train** to train the default: a dense autoencoder with a 2-D latent space on 5,000 "
                "real MNIST digits. It takes about 15 seconds; the curves and reconstructions update live.")
    elif run is None or not run.history:
        st.info("Press **Train** to train the setup on the left; the curves and reconstructions update live.")
    else:
        (st.success if run.status == "finished" else st.warning)(run.message)
        widgets.run_caption(run)
        if valid and (run.model_cfg, run.train_cfg, run.dataset) != (mcfg, tcfg, ds.name):
            st.info("The settings on the left differ from this model's: press **Train** to train them.")
        run_ds = widgets.run_dataset(run)
        s = ensure_summary(run, run_ds)
        if s:
            c = st.columns(4)
            c[0].metric("Test MSE (per value)", f"{s['test_mse']:.4f}",
                        delta=f"{s['test_mse'] - s['pca_test_mse']:+.4f} vs PCA", delta_color="inverse",
                        help=f"PCA with {s['latent_dim']} components: {s['pca_test_mse']:.4f}")
            c[1].metric("5-NN accuracy", f"{s['knn_accuracy']:.2f}",
                        help="How well the codes separate the classes: a 5-nearest-neighbour classifier fit on "
                             "the training codes, scored on the test codes. No label was used in training.")
            c[2].metric("Trustworthiness", f"{s['trustworthiness']:.2f}",
                        help="Are neighbours in the latent space neighbours in the data? (1 = always)")
            c[3].metric("Training time", f"{run.seconds:.1f} s")
        show_results(run, run_ds)
        show_family_view(run, run_ds)
        st.page_link("pages/2_Latent_space.py", label="See the latent space →")
    show_quick_start_export_import(run, busy)  # pretrained models (no run yet), export, import

with left:
    share_views.share_expander()
