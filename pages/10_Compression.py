"""Compression lab: an autoencoder's code and PCA's coefficients, quantised to a few bits each, against JPEG —
quality (PSNR) against bytes per image, the rate–distortion picture."""
import streamlit as st

from appkit import page
from appkit.i18n import tr

page.setup("Compression", "compression.title")
from appkit import compression_views as cv
from appkit import share_views

busy = cv.busy()  # inputs are frozen while the models train

st.markdown(tr("compression.intro"))
st.caption(tr("compression.psnr_caption"))
share_views.apply_page_link("pages/10_Compression.py")  # a teacher's link: its settings, once

settings = cv.training_inputs(busy)
share_views.page_share_expander("pages/10_Compression.py")
st.button(tr("compression.train"), type="primary", key="cz_train", disabled=busy, on_click=cv.request,
          help=tr("compression.train_help"))

if busy:
    if cv.take_request():
        cv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the new coders

error = cv.take_error()
if error:
    st.error(tr("compression.error", error=error))
lab = cv.get_lab()
if lab is None:
    st.info(tr("compression.empty"))
    st.stop()

ae = next(c for (m, _), c in lab.codecs.items() if m == "ae")
st.subheader(tr("compression.results"))
st.caption(tr("compression.results_caption", sizes=", ".join(map(str, lab.latent_dims)), dataset=lab.dataset,
              epochs=len(ae.history), seconds=f"{lab.seconds:.0f}"))
if settings != (lab.dataset, tuple(lab.latent_dims), len(ae.history)):
    st.info(tr("compression.stale"))
ds = cv.load(lab.dataset, data_dir=lab.data_dir)
error = cv.take_error()
if ds is None:
    st.error(error or tr("compression.no_data"))
else:
    cv.show_lab(lab, ds)
