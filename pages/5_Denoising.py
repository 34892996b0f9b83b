"""Denoising lab: a denoising autoencoder and a plain one with the same network, trained side by side; corrupt
held-out images and compare what each gives back, by eye and by PSNR."""
import streamlit as st

from appkit import denoise_views as dv
from appkit import page, state

page.setup("Denoising")
busy = dv.busy()  # inputs are frozen while the pair trains

st.title("Denoising lab")
st.markdown(
    "A **denoising autoencoder** (Vincent et al. 2008) never sees a clean image as input. Each training image *x* "
    "is first corrupted by a random process q(x̃ | x) — Gaussian noise, salt and pepper, or masking — and the "
    "network is scored on how well it rebuilds the **clean** *x* from the corrupted x̃. Copying its input "
    "would copy the noise, so it has to learn what the data look like: strokes, shapes, which pixels go "
    "together. Those features are more robust than a plain autoencoder's, which only ever saw clean images.")
st.caption("PSNR = 10·log₁₀(1 / MSE) in dB, for pixel values in [0, 1]: higher means closer to the clean image, "
           "and +6 dB halves the typical pixel error.")

settings = dv.training_inputs(busy)
run = state.get_run()
main_is_dae = (run is not None and bool(run.history) and run.model_cfg.model == "denoising_ae"
               and run.status != "training")
c = st.columns(2)
c[0].button("Train both models", type="primary", key="dn_train", disabled=busy, on_click=dv.request,
            args=("new",), width="stretch",
            help="A denoising autoencoder with this noise, then a plain autoencoder with the same layers, "
                 "code size and epochs. Your model on the Train page is not touched.")
if main_is_dae:
    c[1].button(f"Use your denoising autoencoder from the Train page ({dv.NOISE_TITLES[run.model_cfg.noise]}, "
                f"level {run.model_cfg.noise_level:g})", key="dn_use_main", disabled=busy, on_click=dv.request,
                args=("main",), width="stretch",
                help="Compares it with a plain autoencoder of the same network (trained now, unless its own "
                     "view on the Train page already did).")

if busy:
    what = dv.take_request()
    if what == "main" and main_is_dae:
        dv.adopt_main_run(run)
    elif what == "new":
        dv.train_new(settings)
    st.rerun()  # re-enable the inputs and show the new pair

error = dv.take_error()
if error:
    st.error(f"Could not train the models: {error}")
pair = dv.get_pair()
if pair is None:
    st.info("Press **Train both models**: on the default settings it trains two small dense autoencoders on "
            "5,000 MNIST digits, ten epochs each (about half a minute).")
    st.stop()

dae = pair.dae.cfg
st.subheader("Noisy, denoised, plain, clean")
st.caption(f"Models ({pair.source}): a **denoising_ae** trained on {dv.NOISE_TITLES[dae.noise]} noise at level "
           f"{dae.noise_level:g}, and a plain **ae** with the same layers {dae.hidden} and latent size "
           f"{dae.latent_dim}, on **{pair.dataset}**.")
if pair.source == "trained here" and settings != (pair.dataset, dae.noise, dae.noise_level,
                                                  len(pair.histories[0]), dae.latent_dim):
    st.info("The settings above differ from these models': press **Train both models** to train them.")
ds = dv.load(pair.dataset, data_dir=pair.data_dir)
error = dv.take_error()
if ds is None:
    st.error(error or "The models' dataset cannot be loaded.")
else:
    dv.show_pair(pair, ds)
