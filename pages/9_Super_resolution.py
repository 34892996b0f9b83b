"""Super-resolution lab: shrink held-out images by 2 or 4 and bring them back by repeating pixels, by bicubic
interpolation and by a small convolutional model trained on (shrunk, original) pairs; compare by eye and PSNR."""
import streamlit as st

from appkit import page
from appkit import superres_views as sv

page.setup("Super-resolution")
busy = sv.busy()  # inputs are frozen while the model trains

st.title("Super-resolution")
st.markdown(
    "Shrink a digit from 28×28 to 14×14 (or 7×7) pixels and detail is lost: each small pixel is the average of "
    "a block. **Bicubic interpolation** fills the gaps with a smooth curve through the neighbouring pixels — it "
    "knows nothing about digits. A **super-resolution network** is an encoder–decoder trained on pairs "
    "(shrunk image → original): its encoder reads the small image with convolutions, and its decoder writes "
    "the missing detail at full size (sub-pixel convolution, Shi et al. 2016). Here it learns only the "
    "*correction* to bicubic (residual learning, Kim et al. 2016), so it starts from bicubic and can only "
    "improve on it by learning what digits' strokes look like.")
st.caption("PSNR = 10·log₁₀(1 / MSE) in dB, for pixel values in [0, 1]: higher means closer to the original, "
           "and +6 dB halves the typical pixel error.")

settings = sv.training_inputs(busy)
st.button("Train the super-resolution model", type="primary", key="sr_train", disabled=busy, on_click=sv.request,
          help="Trains on the training split only; the images below are held out. Your model on the Train page "
               "is not touched.")

if busy:
    if sv.take_request():
        sv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the new model

error = sv.take_error()
if error:
    st.error(f"Could not train the model: {error}")
result = sv.get_result()
if result is None:
    st.info("Press **Train the super-resolution model**: on the default settings it trains a small convolutional "
            "network on 4,000 MNIST digits for five epochs (under half a minute on a laptop CPU).")
    st.stop()

cfg = result.model.cfg
st.subheader("Low-res, bicubic, model, original")
_, h, w = cfg.low_shape
st.caption(f"Model: {cfg.channels} feature maps, ×{cfg.scale} ({h}×{w} → {cfg.input_shape[1]}×{cfg.input_shape[2]}), "
           f"trained on **{result.dataset}**.")
if settings != (result.dataset, cfg.scale, len(result.history)):
    st.info("The settings above differ from this model's: press **Train the super-resolution model** to train "
            "a new one.")
ds = sv.load(result.dataset, data_dir=result.data_dir)
error = sv.take_error()
if ds is None:
    st.error(error or "The model's dataset cannot be loaded.")
else:
    sv.show(result, ds)
