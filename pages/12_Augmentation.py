"""Data augmentation with generated samples: does adding cVAE samples or decoded jittered codes to a small
labelled set help a classifier? Measured, and said plainly either way."""
import streamlit as st

from appkit import page
from appkit.i18n import in_lang, tr

page.setup("Augmentation", "augmentation.title")
from aelib.experiment import TRAINED_HERE
from appkit import augmentation_views as av
from appkit import share_views, state

busy = av.busy()  # inputs are frozen while the generators train

st.markdown(tr("augmentation.intro"))
share_views.apply_page_link("pages/12_Augmentation.py")  # a teacher's link: its settings, once

name, values = av.inputs(busy)
share_views.page_share_expander("pages/12_Augmentation.py")
run = state.get_run()
use_main = av.usable_main_run(run)
c = st.columns(2)
c[0].button(tr("augmentation.train"), type="primary", key="aug_train", disabled=busy,
            on_click=av.request, args=("new",), width="stretch", help=tr("augmentation.train_help"))
if use_main:
    c[1].button(tr("augmentation.use_main", model=run.model_cfg.model, dataset=run.dataset),
                key="aug_use_main", disabled=busy, on_click=av.request, args=("main",), width="stretch",
                help=tr("augmentation.use_main_help"))

if busy:
    what = av.take_request()
    if what == "main" and use_main:
        av.adopt_main_run(run, values)
    elif what == "new":
        av.train_new(name, values)
    st.rerun()  # re-enable the inputs and show the result

error = av.take_error()
if error:
    st.error(tr("augmentation.error", error=error))
result = av.get_result()
if result is None:
    st.info(tr("augmentation.empty"))
    st.stop()

cfg = result.cfg
st.subheader(tr("augmentation.results"))
draws = tr("lab.draw_many", n=cfg.repeats) if cfg.repeats > 1 else tr("lab.draw_one", n=cfg.repeats)
st.caption(tr("augmentation.results_caption", dataset=result.dataset, labels=cfg.labels_per_class,
              generated=cfg.generated_per_class, draws=draws, cvae_epochs=cfg.cvae_epochs,
              jitter=f"{cfg.jitter:g}", source=in_lang(result.ae_source)))
if result.ae_source == TRAINED_HERE and (name != result.dataset or values != {
        k: getattr(cfg, k) for k in values}):
    st.info(tr("augmentation.stale"))
ds = av.result_dataset()
error = av.take_error()
if ds is None:
    st.error(error or tr("augmentation.no_data"))
else:
    av.show(result, ds)
