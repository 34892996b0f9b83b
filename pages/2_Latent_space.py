"""Where did the model put each test sample? The latent codes, coloured by class."""
import streamlit as st

from appkit import page
from appkit.i18n import current_lang, tr

page.setup("Latent space", "latent.title")
import numpy as np

from aelib import infer
from aelib.plots import factor_scatter, image_rows, latent_scatter, thumbnails
from aelib.projections import project_pca
from appkit import projection_views, share_views, state, widgets
from appkit.replay_view import show_replay

TSNE_MAX = 2000  # t-SNE of the codes embeds at most this many test points
VIEWS = state.LATENT_VIEWS  # the radio's values (tests set them); the learner reads view_names

share_views.apply_page_link("pages/2_Latent_space.py")  # a teacher's link: its settings, once
run = widgets.require_run()
ds = widgets.run_dataset(run)
widgets.run_caption(run)
share_views.page_share_expander("pages/2_Latent_space.py")
if run.model_cfg.model in ("vae", "cvae"):
    st.caption(tr("latent.vae_caption")
               + (tr("latent.cvae_caption") if run.model_cfg.model == "cvae" else ""))
elif run.model_cfg.model == "vq_vae":
    st.caption(tr("latent.vq_caption"))

z = infer.encode(run.model, ds.x_test, ds.y_test)  # (N_test, code width)
labels, ids, axis = ds.y_test, ds.test_ids, "z"
if z.shape[1] > 2:
    view_names = dict(zip(VIEWS, [tr("latent.view_pca"), tr("latent.view_tsne"), tr("latent.view_first_two")]))
    how = st.radio(tr("latent.view"), VIEWS, horizontal=True, key="latent_view", format_func=view_names.__getitem__)
    if how == VIEWS[0]:
        coords, axis = project_pca(infer.encode(run.model, ds.x_train, ds.y_train), z).test, "PC"  # no-i18n
    elif how == VIEWS[1]:
        n = min(len(z), TSNE_MAX)
        st.caption(tr("latent.tsne_caption", n=f"{n:,}"))
        labels, ids = labels[:n], ids[:n]
        proj, _ = projection_views.tsne(z[:n], labels, 30.0, run.train_cfg.seed, tr("latent.view_tsne"))
        coords, axis = proj.test, "t-SNE"
    else:
        coords = z[:, :2]
else:
    coords = z

colour = "class"
if ds.factor_names:
    colour_names = {"class": tr("latent.colour_class"), **{f: f for f in ds.factor_names}}
    colour = st.radio(tr("latent.colour_by"), ["class", *ds.factor_names], horizontal=True, key="latent_colour",
                      format_func=colour_names.__getitem__, help=tr("latent.colour_help"))
if colour == "class":
    drawn = thumbnails(ds.x_test[:len(ids)], ds.shape)  # hover shows each sample
    fig = latent_scatter(coords, labels, ds.class_names, ids, axis=axis, thumbs=drawn, lang=current_lang())
else:
    factor = ds.f_test[:len(ids), ds.factor_names.index(colour)]  # ids are the first len(ids) test samples
    fig = factor_scatter(coords, factor, colour, ids, axis=axis, lang=current_lang())
event = st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"), key="latent_plot")
st.caption(tr("latent.colours_caption"))

picked = [p["customdata"] for p in (event.selection.points if event and event.selection else [])
          if "customdata" in p]
if picked:
    rows = np.flatnonzero(np.isin(ds.test_ids, picked))[:12]
    st.subheader(tr("latent.selected", n=len(picked), shown=len(rows)))
    x = ds.x_test[rows]
    x_hat = infer.reconstruct(run.model, x, ds.y_test[rows])
    st.plotly_chart(image_rows([x, x_hat], ds.shape, [tr("latent.row_original"), tr("latent.row_reconstruction")]))

st.subheader(tr("latent.replay"))
show_replay(run, ds)
