"""Compression lab: an autoencoder's code and PCA's coefficients, quantised to a few bits each, against JPEG —
quality (PSNR) against bytes per image, the rate–distortion picture."""
import streamlit as st

from appkit import compression_views as cv
from appkit import page

page.setup("Compression")
busy = cv.busy()  # inputs are frozen while the models train

st.title("Compression")
st.markdown(
    "An autoencoder squeezes an image into a few numbers, so it is a compressor: send the **code**, and the "
    "receiver's decoder rebuilds the image. To count bytes, each number is **quantised**: rounded to one of "
    "2^bits evenly spaced levels between its smallest and largest value on the training images, so a code of "
    "*k* numbers at *b* bits costs *k·b/8* bytes. **PCA** does the same with its first *k* coefficients. "
    "**JPEG** (Pillow, optimised tables) is the everyday baseline, at qualities 1–95. The chart shows the "
    "trade-off every codec faces — fewer bytes, lower quality — and where each one is worth using.")
st.caption("PSNR = 10·log₁₀(1 / MSE) in dB, for pixel values in [0, 1]: higher means closer to the original, and "
           "+6 dB halves the typical pixel error.")

settings = cv.training_inputs(busy)
st.button("Train the coders", type="primary", key="cz_train", disabled=busy, on_click=cv.request,
          help="One dense autoencoder (one hidden layer of 256) and one PCA per code size, on the training split. "
               "Your model on the Train page is not touched.")

if busy:
    if cv.take_request():
        cv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the new coders

error = cv.take_error()
if error:
    st.error(f"Could not train the coders: {error}")
lab = cv.get_lab()
if lab is None:
    st.info("Press **Train the coders**: on the default settings it trains three small autoencoders (codes of 8, "
            "16 and 32 numbers) on 4,000 MNIST digits, eight epochs each (about half a minute), and fits PCA.")
    st.stop()

ae = next(c for (m, _), c in lab.codecs.items() if m == "ae")
st.subheader("Quality against size")
st.caption(f"Coders for code sizes {', '.join(map(str, lab.latent_dims))} on **{lab.dataset}**; each autoencoder "
           f"trained for {len(ae.history)} epochs ({lab.seconds:.0f} s in all).")
if settings != (lab.dataset, tuple(lab.latent_dims), len(ae.history)):
    st.info("The settings above differ from these coders': press **Train the coders** to train new ones.")
ds = cv.load(lab.dataset, data_dir=lab.data_dir)
error = cv.take_error()
if ds is None:
    st.error(error or "The coders' dataset cannot be loaded.")
else:
    cv.show_lab(lab, ds)
