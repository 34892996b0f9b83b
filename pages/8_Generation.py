"""Generation: new samples from a decoder. A VAE and a plain autoencoder with the same layers side by side —
prior samples, the latent grid, traversals and interpolation — and a conditional VAE that draws a chosen digit."""
import streamlit as st

from appkit import generation_views as gv
from appkit import page, state

page.setup("Generation")
busy = gv.busy()  # inputs are frozen while a model trains

st.title("Generation")
st.markdown(
    "An autoencoder's **decoder** turns a code *z* into an image. To make *new* images, pick a code no training "
    "image had and decode it. That only works if you know **where** good codes lie. A **variational** autoencoder "
    "(Kingma & Welling 2014) is trained so that its codes follow a known prior, N(0, I): draw from it and decode. "
    "A plain autoencoder has no such promise — its codes lie wherever training put them, with gaps in between.")

settings = gv.training_inputs(busy)
run = state.get_run()
main = gv.main_family(run)
c = st.columns(2)
c[0].button("Train a VAE and a plain AE", type="primary", key="gen_train", disabled=busy, on_click=gv.request,
            args=("new",), width="stretch",
            help="Both with layers (512, 256) and this latent size, one after the other. Your model on the "
                 "Train page is not touched.")
if main in ("vae", "ae"):
    c[1].button(f"Use your {main} from the Train page (latent size {run.model_cfg.latent_dim})", key="gen_use_main",
                disabled=busy, on_click=gv.request, args=("main",), width="stretch",
                help="Pairs it with a model of the other kind and the same network, trained now.")

if busy:
    what = gv.take_request()
    if what is not None and (not what.endswith("main") or main is not None):
        gv.train(what, settings, run)
    st.rerun()  # re-enable the inputs and show the new models

error = gv.take_error()
if error:
    st.error(f"Could not train the models: {error}")
pair = gv.get_pair()
ds = None if pair is None else gv.load(pair.dataset, data_dir=pair.data_dir)
if pair is None:
    st.info("Press **Train a VAE and a plain AE**: on the default settings it trains two small dense models with a "
            "2-D code on 5,000 MNIST digits, ten epochs each (under a minute).")
elif ds is None:
    st.error(gv.take_error() or "The models' dataset cannot be loaded.")
else:
    cfg = pair.vae.cfg
    st.caption(f"Models ({pair.source}): a **vae** and a plain **ae** with layers {cfg.hidden} and latent size "
               f"{cfg.latent_dim}, on **{pair.dataset}**.")
    st.subheader("1 · Sampling: decode random codes")
    seed = st.columns(3)[0].number_input("Sample seed", 0, 10_000, step=1, key="gen_seed",
                                        help="Change it for new samples.")
    gv.show_samples(pair, ds, int(seed))
    st.subheader("2 · The latent grid (the manifold picture)")
    n = st.columns(3)[0].slider("Grid size", 5, 25, step=1, key="gen_grid")
    gv.show_grid(pair, ds, int(n))
    st.subheader("3 · Traversals: one dimension at a time")
    gv.show_traversals(pair, ds)
    st.subheader("4 · Interpolation: from one image to another")
    classes = gv.class_choices(len(ds.class_names), ("gen_from", "gen_to"))
    p = st.columns(3)
    first = p[0].selectbox("From", classes, key="gen_from", format_func=lambda i: ds.class_names[i])
    second = p[1].selectbox("To", classes, key="gen_to", format_func=lambda i: ds.class_names[i])
    example = p[2].number_input("Which examples", 0, 100, step=1, key="gen_example",
                                help="The n-th held-out image of each class.")
    gv.show_interpolation(pair, ds, (int(first), int(second), int(example)))

st.header("Generate a chosen digit: the conditional VAE")
st.markdown("A **conditional VAE** (Sohn et al. 2015) reads the class label in the encoder and the decoder. "
            "Decode a prior sample together with the label you want, and you get that class.")
c = st.columns(2)
c[0].button("Train a conditional VAE", key="gen_train_cvae", disabled=busy, on_click=gv.request, args=("cvae",),
            width="stretch", help="With the data, latent size and epochs chosen above.")
if main == "cvae":
    c[1].button("Use your conditional VAE from the Train page", key="gen_use_main_cvae", disabled=busy,
                on_click=gv.request, args=("cvae_main",), width="stretch")
cvae = gv.get_cvae()
cds = None if cvae is None else gv.load(cvae.dataset, data_dir=cvae.data_dir)
if cvae is None:
    st.info("Train a conditional VAE (or use one from the Train page) to pick the digit it draws.")
elif cds is None:
    st.error(gv.take_error() or "The conditional VAE's dataset cannot be loaded.")
else:
    st.caption(f"Model ({cvae.source}): a **cvae** with latent size {cvae.model.cfg.latent_dim} on "
               f"**{cvae.dataset}**.")
    names = cds.class_names
    digit = st.selectbox("Digit (class) to draw", gv.class_choices(len(names), ("gen_digit",)), key="gen_digit",
                         format_func=lambda i: names[i])
    gv.cvae_section(cds, cvae.model, int(digit), int(st.session_state.get("gen_seed", 0)))
