"""Features from few labels: an autoencoder trained without labels as a feature extractor, against raw pixels
and PCA, when only k labelled examples per class are available."""
import streamlit as st

from appkit import page
from appkit.i18n import in_lang, tr

page.setup("Few labels", "few_labels.title")
from aelib.experiment import TRAINED_HERE
from appkit import few_labels_views as pv
from appkit import share_views, state

busy = pv.busy()  # inputs are frozen while the extractor trains and the probes are fitted

st.markdown(tr("few_labels.intro"))
st.caption(tr("few_labels.standardised"))
share_views.apply_page_link("pages/11_Few_labels.py")  # a teacher's link: its settings, once

settings = pv.inputs(busy)
share_views.page_share_expander("pages/11_Few_labels.py")
run = state.get_run()
use_main = pv.usable_main_run(run)
c = st.columns(2)
c[0].button(tr("few_labels.train"), type="primary", key="fl_train", disabled=busy,
            on_click=pv.request, args=("new",), width="stretch", help=tr("few_labels.train_help"))
if use_main:
    c[1].button(tr("few_labels.use_main", model=run.model_cfg.model, dataset=run.dataset,
                   latent=run.model_cfg.latent_dim), key="fl_use_main", disabled=busy, on_click=pv.request,
                args=("main",), width="stretch", help=tr("few_labels.use_main_help"))
elif run is not None and run.model is not None and run.status != "training":
    c[1].caption(tr("few_labels.needs_labels", model=run.model_cfg.model))

if busy:
    what = pv.take_request()
    if what == "main" and use_main:
        pv.adopt_main_run(run, settings)
    elif what == "new":
        pv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the result

error = pv.take_error()
if error:
    st.error(tr("few_labels.error", error=error))
lab = pv.get_lab()
if lab is None:
    st.info(tr("few_labels.empty"))
    st.stop()

st.subheader(tr("few_labels.results"))
draws = tr("lab.draw_many", n=lab.repeats) if lab.repeats > 1 else tr("lab.draw_one", n=lab.repeats)
st.caption(tr("few_labels.results_caption", source=in_lang(lab.source), model=lab.model_name,
              latent=lab.latent_dim, epochs=lab.epochs, dataset=lab.dataset, draws=draws))
if lab.source == TRAINED_HERE and settings != (lab.dataset, lab.latent_dim, lab.epochs, lab.repeats):
    st.info(tr("few_labels.stale"))
pv.show(lab)
with st.expander(tr("few_labels.how_to_read")):
    st.markdown(tr("few_labels.how_to_read_text"))
