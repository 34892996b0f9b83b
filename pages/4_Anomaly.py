"""Anomaly detection: train an autoencoder on normal samples only and flag what it reconstructs badly."""
import streamlit as st

from aelib.anomaly import PROTOCOLS
from aelib.models import MODELS
from appkit import anomaly_views as av
from appkit import page

page.setup("Anomaly detection")
av.settle()
busy = av.busy()

st.title("Anomaly detection")
st.markdown("Train an autoencoder on **normal** samples only. It learns to redraw what it has seen, so a sample "
            "it redraws badly — a large reconstruction error — is probably unlike the training data: an anomaly.")
left, right = st.columns([1, 2.4], gap="large")
with left:
    protocol = st.radio("Protocol", list(PROTOCOLS), key="an_protocol", disabled=busy,
                        format_func={"one-class": "one class is normal", "inject": "injected outliers"}.get)
    st.caption(PROTOCOLS[protocol].capitalize() + ".")
    name = st.selectbox("Data", av.dataset_names(), key="an_dataset", disabled=busy,
                        on_change=av.on_dataset_change, format_func=av.dataset_title,
                        help="Bundled sets, and your own from the Your data page (a CSV works as a table).")
    ds, error = av.load(name)
    normal = []
    if ds is not None and protocol == "one-class":
        normal = st.multiselect("Normal class(es)", [str(i) for i in range(len(ds.class_names))], key="an_normal",
                                disabled=busy, format_func=lambda i: ds.class_names[int(i)],
                                help="Training sees only these; every other class is an anomaly at test time.")
    model = st.selectbox("Model", [m for m in MODELS if not MODELS[m].cls.needs_labels], key="an_model",
                         disabled=busy, format_func=lambda m: MODELS[m].title)
    latent = st.number_input("Latent size", 1, 256, key="an_latent", disabled=busy)
    epochs = st.number_input("Epochs", 1, 200, key="an_epochs", disabled=busy)
    if ds is not None:
        try:
            split, mcfg, tcfg = av.prepare(ds, protocol, normal, model, int(latent), int(epochs))
            st.caption(split.description.capitalize() + ".")
        except ValueError as err:
            error = str(err)
    if error:
        st.error(f"Cannot train this combination: {error}")
    st.button("Train", type="primary", key="an_train", disabled=busy or error is not None, width="stretch",
              on_click=av.request)
    if busy:
        st.button("Stop", key="an_stop", width="stretch", help="End training now; the model keeps its weights.")

with right:
    if busy:
        if error is None:
            av.train_now(name, split, mcfg, tcfg)
        st.session_state.pop(av.REQUEST, None)
        st.rerun()
    run = av.get_run()
    if run is None or run.scored is None:
        st.info("Press **Train**: by default a convolutional autoencoder learns the digit 1 from about 400 "
                "examples (under a minute), then meets every other digit.")
    else:
        (st.success if run.status == "finished" else st.warning)(run.message)
        st.caption(f"Detector: **{run.model_cfg.model}**, latent size {run.model_cfg.latent_dim}, on "
                   f"**{run.dataset}** · {run.split.description}.")
        av.show_threshold_metrics(run)
        run_ds, gone = av.load(run.dataset)
        if run_ds is None:
            st.error(gone)
        else:
            av.show_samples(run, run_ds)
