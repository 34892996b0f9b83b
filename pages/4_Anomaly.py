"""Anomaly detection: train an autoencoder on normal samples only and flag what it reconstructs badly."""
import streamlit as st

from appkit import page
from appkit.i18n import explain, family_title, in_lang, tr

page.setup("Anomaly detection", "anomaly.title")
from aelib.labs.anomaly import PROTOCOLS
from aelib.models import MODELS
from appkit import anomaly_views as av
from appkit import share_views

busy = av.busy()

st.markdown(tr("anomaly.intro"))
share_views.apply_page_link("pages/4_Anomaly.py")  # a teacher's link: its settings, once
left, right = st.columns([1.2, 2], gap="medium")  # the inputs' names whole on a 1024-px projector
with left:
    # labels built now: Streamlit may call format_func outside the script run, where tr() cannot see the language
    protocol_names, protocol_captions = av.protocol_texts()
    protocol = st.radio(tr("anomaly.protocol"), list(PROTOCOLS), key="an_protocol", disabled=busy,
                        format_func=protocol_names.__getitem__)
    st.caption(protocol_captions[protocol])
    names = av.dataset_names()
    titles = {n: av.dataset_title(n) for n in names}
    name = st.selectbox(tr("anomaly.data"), names, key="an_dataset", disabled=busy,
                        on_change=av.on_dataset_change, format_func=titles.__getitem__,
                        help=tr("anomaly.data_help"))
    ds, error = av.load(name)
    normal = []
    if ds is not None and protocol == "one-class":
        normal = st.multiselect(tr("anomaly.normal"), [str(i) for i in range(len(ds.class_names))], key="an_normal",
                                disabled=busy, format_func=lambda i: ds.class_names[int(i)],
                                help=tr("anomaly.normal_help"))
    models = [m for m in MODELS if not MODELS[m].cls.needs_labels]
    model_titles = {m: family_title(m) for m in models}
    model = st.selectbox(tr("anomaly.model"), models, key="an_model", disabled=busy,
                         format_func=model_titles.__getitem__)
    latent = st.number_input(tr("anomaly.latent"), 1, 256, key="an_latent", disabled=busy)
    epochs = st.number_input(tr("anomaly.epochs"), 1, 200, key="an_epochs", disabled=busy)
    if ds is not None:
        try:
            split, mcfg, tcfg = av.prepare(ds, protocol, normal, model, int(latent), int(epochs))
            st.caption(av.sentence(in_lang(split.description)))
        except ValueError as err:
            error = explain(err)
    if error:
        st.error(tr("anomaly.cannot_train", error=error))
    st.button(tr("anomaly.train"), type="primary", key="an_train", disabled=busy or error is not None,
              width="stretch", on_click=av.request)
    if busy:
        st.button(tr("anomaly.stop"), key="an_stop", width="stretch", help=tr("anomaly.stop_help"), on_click=av.stop)
    share_views.page_share_expander("pages/4_Anomaly.py")

with right:
    if busy:
        if av.LAB.take_request() and error is None:
            av.train_now(name, split, mcfg, tcfg)
        st.rerun()
    run = av.get_run()
    if run is None or run.scored is None:
        st.info(tr("anomaly.empty"))
    else:
        (st.success if run.status == "finished" else st.warning)(av.run_message(run))
        run_ds, gone = av.load(run.dataset)
        split_text = in_lang(run.split.description)
        st.caption(tr("anomaly.detector", model=run.model_cfg.model, latent=run.model_cfg.latent_dim,
                      dataset=run.dataset, split=split_text))
        av.show_threshold_metrics(run)
        if run_ds is None:
            st.error(gone)
        else:
            av.show_samples(run, run_ds)
