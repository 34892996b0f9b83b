"""Denoising lab: a denoising autoencoder and a plain one with the same network, trained side by side; corrupt
held-out images and compare what each gives back, by eye and by PSNR."""
import streamlit as st

from appkit import page
from appkit.i18n import in_lang, tr

page.setup("Denoising", "denoising.title")
from aelib.experiment import TRAINED_HERE
from appkit import denoising_views as dv
from appkit import share_views, state

busy = dv.busy()  # inputs are frozen while the pair trains

st.markdown(tr("denoising.intro"))
st.caption(tr("denoising.psnr_caption"))
share_views.apply_page_link("pages/5_Denoising.py")  # a teacher's link: its settings, once

settings = dv.training_inputs(busy)
share_views.page_share_expander("pages/5_Denoising.py")
run = state.get_run()
main_is_dae = (run is not None and bool(run.history) and run.model_cfg.model == "denoising_ae"
               and run.status != "training")
noise_titles = dv.noise_titles()
c = st.columns(2)
c[0].button(tr("denoising.train"), type="primary", key="dn_train", disabled=busy, on_click=dv.request,
            args=("new",), width="stretch", help=tr("denoising.train_help"))
if main_is_dae:
    c[1].button(tr("denoising.use_main", noise=noise_titles[run.model_cfg.noise],
                   level=f"{run.model_cfg.noise_level:g}"),
                key="dn_use_main", disabled=busy, on_click=dv.request, args=("main",), width="stretch",
                help=tr("denoising.use_main_help"))

if busy:
    what = dv.take_request()
    if what == "main" and main_is_dae:
        dv.adopt_main_run(run)
    elif what == "new":
        dv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the new pair

error = dv.take_error()
if error:
    st.error(tr("denoising.train_failed", error=error))
pair = dv.get_pair()
if pair is None:
    st.info(tr("denoising.empty"))
    st.stop()

dae = pair.dae.cfg
st.subheader(tr("denoising.rows_heading"))
st.caption(tr("denoising.models_caption", source=in_lang(pair.source), noise=noise_titles[dae.noise],
              level=f"{dae.noise_level:g}", hidden=dae.hidden, latent=dae.latent_dim, dataset=pair.dataset))
if pair.source == TRAINED_HERE and settings != (pair.dataset, dae.noise, dae.noise_level,
                                                  len(pair.histories[0]), dae.latent_dim):
    st.info(tr("denoising.settings_differ"))
ds = dv.load(pair.dataset, data_dir=pair.data_dir)
error = dv.take_error()
if ds is None:
    st.error(error or tr("denoising.dataset_gone"))
else:
    dv.show_pair(pair, ds)
