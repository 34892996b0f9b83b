"""Generation: new samples from a decoder. A VAE and a plain autoencoder with the same layers side by side —
prior samples, the latent grid, traversals and interpolation — and a conditional VAE that draws a chosen digit."""
import streamlit as st

from appkit import page
from appkit.i18n import dataset_title, in_lang, tr

page.setup("Generation", "generation.title")
from appkit import generation_views as gv
from appkit import share_views, state

busy = gv.busy()  # inputs are frozen while a model trains

st.markdown(tr("generation.intro"))
share_views.apply_page_link("pages/8_Generation.py")  # a teacher's link: its settings, once

settings = gv.training_inputs(busy)
share_views.page_share_expander("pages/8_Generation.py")
run = state.get_run()
main = gv.main_family(run)
c = st.columns(2)
c[0].button(tr("generation.train"), type="primary", key="gen_train", disabled=busy, on_click=gv.request,
            args=("new",), width="stretch", help=tr("generation.train_help"))
if main in ("vae", "ae"):
    c[1].button(tr("generation.use_main", model=main, latent=run.model_cfg.latent_dim), key="gen_use_main",
                disabled=busy, on_click=gv.request, args=("main",), width="stretch",
                help=tr("generation.use_main_help"))

if busy:
    what = gv.take_request()
    if what is not None and (not what.endswith("main") or main is not None):
        gv.train(what, settings, run)
    st.rerun()  # re-enable the inputs and show the new models

error = gv.take_error()
if error:
    st.error(tr("generation.train_failed", error=error))
pair = gv.get_pair()
ds = None if pair is None else gv.load(pair.dataset, data_dir=pair.data_dir)
if pair is None:
    st.info(tr("generation.empty"))
elif ds is None:
    st.error(gv.take_error() or tr("generation.data_missing"))
else:
    cfg = pair.vae.cfg
    st.caption(tr("generation.pair_caption", source=in_lang(pair.source), hidden=cfg.hidden, latent=cfg.latent_dim,
                  dataset=dataset_title(pair.dataset)))
    st.subheader(tr("generation.sampling"))
    seed = st.columns(3)[0].number_input(tr("generation.seed"), 0, 10_000, step=1, key="gen_seed",
                                         help=tr("generation.seed_help"))
    gv.show_samples(pair, ds, int(seed))
    st.subheader(tr("generation.grid"))
    n = st.columns(3)[0].slider(tr("generation.grid_size"), 5, 25, step=1, key="gen_grid")
    gv.show_grid(pair, ds, int(n))
    st.subheader(tr("generation.traversals"))
    gv.show_traversals(pair, ds)
    st.subheader(tr("generation.interpolation"))
    classes = gv.class_choices(len(ds.class_names), ("gen_from", "gen_to"))
    p = st.columns(3)
    first = p[0].selectbox(tr("generation.from"), classes, key="gen_from", format_func=lambda i: ds.class_names[i])
    second = p[1].selectbox(tr("generation.to"), classes, key="gen_to", format_func=lambda i: ds.class_names[i])
    example = p[2].number_input(tr("generation.example"), 0, 100, step=1, key="gen_example",
                                help=tr("generation.example_help"))
    gv.show_interpolation(pair, ds, (int(first), int(second), int(example)))

st.header(tr("generation.cvae_header"))
st.markdown(tr("generation.cvae_intro"))
c = st.columns(2)
c[0].button(tr("generation.train_cvae"), key="gen_train_cvae", disabled=busy, on_click=gv.request, args=("cvae",),
            width="stretch", help=tr("generation.train_cvae_help"))
if main == "cvae":
    c[1].button(tr("generation.use_main_cvae"), key="gen_use_main_cvae", disabled=busy, on_click=gv.request,
                args=("cvae_main",), width="stretch")
cvae = gv.get_cvae()
cds = None if cvae is None else gv.load(cvae.dataset, data_dir=cvae.data_dir)
if cvae is None:
    st.info(tr("generation.cvae_empty"))
elif cds is None:
    st.error(gv.take_error() or tr("generation.cvae_data_missing"))
else:
    st.caption(tr("generation.cvae_model_caption", source=in_lang(cvae.source), latent=cvae.model.cfg.latent_dim,
                  dataset=dataset_title(cvae.dataset)))
    names = cds.class_names
    digit = st.selectbox(tr("generation.digit"), gv.class_choices(len(names), ("gen_digit",)), key="gen_digit",
                         format_func=lambda i: names[i])
    gv.cvae_section(cds, cvae.model, int(digit), int(st.session_state.get("gen_seed", 0)))
