"""Super-resolution lab: shrink held-out images by 2 or 4 and bring them back by repeating pixels, by bicubic
interpolation and by a small convolutional model trained on (shrunk, original) pairs; compare by eye and PSNR."""
import streamlit as st

from appkit import page
from appkit.i18n import dataset_title, tr

page.setup("Super-resolution", "superres.title")
from appkit import share_views
from appkit import superres_views as sv

busy = sv.busy()  # inputs are frozen while the model trains

st.markdown(tr("superres.intro"))
st.caption(tr("superres.psnr_caption"))
share_views.apply_page_link("pages/9_Super_resolution.py")  # a teacher's link: its settings, once

settings = sv.training_inputs(busy)
share_views.page_share_expander("pages/9_Super_resolution.py")
st.button(tr("superres.train"), type="primary", key="sr_train", disabled=busy, on_click=sv.request,
          help=tr("superres.train_help"))

if busy:
    if sv.take_request():
        sv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the new model

error = sv.take_error()
if error:
    st.error(tr("superres.train_failed", error=error))
result = sv.get_result()
if result is None:
    st.info(tr("superres.empty"))
    st.stop()

cfg = result.model.cfg
st.subheader(tr("superres.rows_header"))
_, h, w = cfg.low_shape
st.caption(tr("superres.model_caption", channels=cfg.channels, scale=cfg.scale, h=h, w=w, H=cfg.input_shape[1],
              W=cfg.input_shape[2], dataset=dataset_title(result.dataset)))
if settings != (result.dataset, cfg.scale, len(result.history)):
    st.info(tr("superres.settings_differ"))
ds = sv.load(result.dataset, data_dir=result.data_dir)
error = sv.take_error()
if ds is None:
    st.error(error or tr("superres.data_missing"))
else:
    sv.show(result, ds)
