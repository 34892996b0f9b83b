"""Data augmentation with generated samples: does adding cVAE samples or decoded jittered codes to a small
labelled set help a classifier? Measured, and said plainly either way."""
import streamlit as st

from appkit import augment_views as av
from appkit import page, state

page.setup("Augmentation")
busy = av.busy()  # inputs are frozen while the generators train

st.title("Augmentation with generated samples")
st.markdown(
    "With only a few labelled images, could a generative model make more? Here a classifier (logistic "
    "regression on standardised pixels) learns from *k* labelled images per class, then again with generated "
    "images added, and all three are scored on the same held-out images:\n"
    "- **cVAE samples**: a conditional VAE trained on **the labelled images only** — it sees nothing else — "
    "draws new images of each class from its prior. This is the honest setting: no extra data.\n"
    "- **Jittered codes**: a plain autoencoder trained on **all training images, without their labels** "
    "(semi-supervised: it sees more images, never more labels) encodes each labelled image, adds noise to the "
    "code and decodes it; the new image keeps its source's label.")

name, values = av.inputs(busy)
run = state.get_run()
use_main = av.usable_main_run(run)
c = st.columns(2)
c[0].button("Train the generators and compare", type="primary", key="aug_train", disabled=busy,
            on_click=av.request, args=("new",), width="stretch",
            help="An autoencoder on all training images, then for each draw a cVAE on the labelled images and "
                 "three classifiers. Your model on the Train page is not touched.")
if use_main:
    c[1].button(f"Use your {run.model_cfg.model} from the Train page for the jittered codes ({run.dataset})",
                key="aug_use_main", disabled=busy, on_click=av.request, args=("main",), width="stretch",
                help="It encodes and decodes the jittered codes; it is not retrained.")

if busy:
    what = av.take_request()
    if what == "main" and use_main:
        av.adopt_main_run(run, values)
    elif what == "new":
        av.train_new(name, values)
    st.rerun()  # re-enable the inputs and show the result

error = av.take_error()
if error:
    st.error(f"Could not run the comparison: {error}")
result = av.get_result()
if result is None:
    st.info("Press **Train the generators and compare**: on the default settings it trains an autoencoder on "
            "4,000 MNIST digits for ten epochs and three small cVAEs on 100 labelled digits each (a few minutes "
            "on a busy server).")
    st.stop()

cfg = result.cfg
st.subheader("Test accuracy with and without generated images")
st.caption(f"**{result.dataset}**: {cfg.labels_per_class} labelled images per class, "
           f"{cfg.generated_per_class} generated per class by each generator, {cfg.repeats} "
           f"draw{'s' * (cfg.repeats > 1)}; cVAE {cfg.cvae_epochs} epochs, code jitter {cfg.jitter:g}; "
           f"jittered-codes model: {result.ae_source}.")
if result.ae_source == "trained here" and (name != result.dataset or values != {
        k: getattr(cfg, k) for k in values}):
    st.info("The settings above differ from this result's: press the button to measure them.")
ds = av.result_dataset()
error = av.take_error()
if ds is None:
    st.error(error or "The dataset cannot be loaded.")
else:
    av.show(result, ds)
