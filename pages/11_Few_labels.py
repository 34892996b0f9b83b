"""Features from few labels: an autoencoder trained without labels as a feature extractor, against raw pixels
and PCA, when only k labelled examples per class are available."""
import streamlit as st

from appkit import page, state
from appkit import probe_views as pv

page.setup("Few labels")
busy = pv.busy()  # inputs are frozen while the extractor trains and the probes are fitted

st.title("Features from few labels")
st.markdown(
    "Labels are expensive; images are cheap. An autoencoder learns from images **without labels**, so it can "
    "use every training image. Does its code make a better starting point when only a handful of images are "
    "labelled? Here an autoencoder and a PCA are fitted on all training images (labels unused); then a "
    "**logistic regression** (a *linear probe*) is trained on just *k* labelled examples per class, with "
    "raw pixels, PCA codes or autoencoder codes as its features, and scored on the held-out images.")
st.caption("Every feature is standardised (zero mean, unit variance over the unlabelled training images). "
           "PCA keeps as many components as the code is wide, so the two compressions are equally small.")

settings = pv.inputs(busy)
run = state.get_run()
use_main = pv.usable_main_run(run)
c = st.columns(2)
c[0].button("Train the autoencoder and fit the probes", type="primary", key="fl_train", disabled=busy,
            on_click=pv.request, args=("new",), width="stretch",
            help="A dense autoencoder on the training images (labels unused), then logistic regressions for "
                 "k = 1, 2, 5, … labelled examples per class. Your model on the Train page is not touched.")
if use_main:
    c[1].button(f"Use your {run.model_cfg.model} from the Train page ({run.dataset}, code size "
                f"{run.model_cfg.latent_dim})", key="fl_use_main", disabled=busy, on_click=pv.request,
                args=("main",), width="stretch", help="Its codes become the features; it is not retrained.")
elif run is not None and run.model is not None and run.status != "training":
    c[1].caption(f"Your {run.model_cfg.model} from the Train page reads the class label to encode, so its "
                 "codes would give the answer away: it cannot be a feature extractor here.")

if busy:
    what = pv.take_request()
    if what == "main" and use_main:
        pv.adopt_main_run(run, settings)
    elif what == "new":
        pv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the result

error = pv.take_error()
if error:
    st.error(f"Could not measure the probes: {error}")
lab = pv.get_lab()
if lab is None:
    st.info("Press **Train the autoencoder and fit the probes**: on the default settings it trains a dense "
            "autoencoder with a 32-D code on 4,000 MNIST digits for ten epochs, then fits a few hundred small "
            "logistic regressions (about a minute on a quiet machine; longer when many learners train).")
    st.stop()

st.subheader("Test accuracy against the number of labels")
st.caption(f"Feature extractor ({lab.source}): **{lab.model_name}**, {lab.latent_dim}-D code, {lab.epochs} "
           f"epochs on **{lab.dataset}**; {lab.repeats} draw{'s' * (lab.repeats > 1)} per k.")
if lab.source == "trained here" and settings != (lab.dataset, lab.latent_dim, lab.epochs, lab.repeats):
    st.info("The settings above differ from this result's: press the button to measure them.")
pv.show(lab)
with st.expander("How to read this"):
    st.markdown(
        "- **Few labels** (left): a classifier cannot learn 784 pixel weights from one example per class. A "
        "short code that already groups similar digits gives it less to learn, which is where unsupervised "
        "features can help.\n"
        "- **All labels** (right): with thousands of examples the linear classifier finds what it needs in the "
        "pixels themselves, and a 32-number summary can only throw information away.\n"
        "- An autoencoder is trained to *reconstruct*, not to *separate classes*: its code keeps what matters "
        "for redrawing the image (thickness, slant) as much as what matters for the label. Whether it beats "
        "PCA depends on the data and on training — measure, don't assume.")
