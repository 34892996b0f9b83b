"""AE Lab's home page: what an autoencoder is, and where to start."""
from pathlib import Path

import streamlit as st

from aelib.models import MODELS
from appkit import page, state

page.setup("Home")
st.title("AE Lab: learn autoencoders by training them")
st.markdown(
    "An **autoencoder** is a neural network trained to reproduce its input. It has two halves: an "
    "**encoder** that squeezes each input *x* into a short code *z* (the **latent** representation), and "
    "a **decoder** that rebuilds *x̂* from *z* alone. Because the code is smaller than the input "
    "(the **bottleneck**), the network must learn what matters about the data to rebuild it.")
st.image(str(Path(__file__).parent / "assets" / "autoencoder.svg"), width=640)
st.latex(r"z = f_\theta(x), \qquad \hat x = g_\phi(z), \qquad \min_{\theta,\phi}\ \mathcal{L}(x, \hat x)")
st.markdown("**Try it in three steps:**")
c1, c2, c3 = st.columns(3)
with c1:
    st.page_link("pages/1_Train.py", label="1 · Train", icon=":material/model_training:")
    st.caption("Press Train on the default: a 2-D autoencoder on 5,000 real MNIST digits. Watch the loss "
               "fall and the reconstructions sharpen.")
with c2:
    st.page_link("pages/2_Latent_space.py", label="2 · Latent space", icon=":material/scatter_plot:")
    st.caption("See where the encoder put every test digit. Do the classes separate, though no label "
               "was used in training?")
with c3:
    st.page_link("pages/3_Compare.py", label="3 · Compare", icon=":material/compare:")
    st.caption("Set the autoencoder beside PCA (linear), t-SNE (a visualisation that cannot place new "
               "points) and UMAP, measured on the same test points.")

st.markdown("**Then put autoencoders to work:**")
uses = [("pages/4_Anomaly.py", "Anomaly detection", ":material/crisis_alert:",
         "Train on 'normal' digits only; the ones it rebuilds badly are the anomalies."),
        ("pages/5_Denoising.py", "Denoising", ":material/blur_on:",
         "Corrupt the inputs, train to restore them, and measure the gain in PSNR."),
        ("pages/6_Draw_a_digit.py", "Draw a digit", ":material/draw:",
         "Draw your own digit and follow it through the encoder, the latent space and the decoder."),
        ("pages/7_Your_data.py", "Your data", ":material/upload_file:",
         "Upload a CSV or images and use them on every page like the bundled sets."),
        ("pages/8_Generation.py", "Generation", ":material/auto_awesome:",
         "Decode random codes: a VAE's prior against a plain autoencoder's holes; grids, traversals, interpolation."),
        ("pages/9_Super_resolution.py", "Super-resolution", ":material/zoom_in:",
         "Restore 28×28 digits from 14×14 or 7×7 ones, and measure the gain over bicubic upsampling."),
        ("pages/10_Compression.py", "Compression", ":material/compress:",
         "Quantise the code and weigh bytes per image against quality, beside PCA and JPEG."),
        ("pages/11_Few_labels.py", "Few labels", ":material/label:",
         "Use the encoder as a feature extractor when only a handful of labels exist."),
        ("pages/12_Augmentation.py", "Augmentation", ":material/library_add:",
         "Add generated digits to a small labelled set: does the classifier get better?")]
for i in range(0, len(uses), 4):  # four to a row
    for col, (path, label, icon, text) in zip(st.columns(4), uses[i:i + 4]):
        col.page_link(path, label=label, icon=icon)
        col.caption(text)

st.markdown("**Learn step by step, then test yourself** (also in 中文: pick it at the top of the sidebar):")
c1, c2 = st.columns(2)
c1.page_link("pages/14_Lessons.py", label="Lessons", icon=":material/school:")
c1.caption("Six guided lessons: the idea and its maths, your prediction, a live experiment, what happened.")
c2.page_link("pages/13_Quiz.py", label="Quiz", icon=":material/quiz:")
c2.caption("Interview questions on autoencoders, with an explanation for every option.")

with st.expander(f"The model zoo: {len(MODELS)} autoencoder families, each with its own view on the Train page"):
    st.markdown("\n".join(f"- **{f.title}** (`{name}`): {f.summary}" for name, f in MODELS.items()))
    st.caption("Not in the zoo, on purpose: a GAN (a generator and a discriminator, but no encoder — the "
               "adversarial autoencoder borrows its game) and IsolationForest (a tree ensemble for anomalies; "
               "no encoder, no decoder).")

run = state.get_run()
if run is not None and run.history:
    st.divider()
    st.markdown(f"**Your current model:** {run.model_cfg.model}, latent size {run.model_cfg.latent_dim}, on "
                f"{run.dataset} — {len(run.history)} epochs, {run.status}.")
st.caption("Everything runs offline on the embedded data; the full MNIST sets download once if you choose them.")
