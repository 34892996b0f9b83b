"""The autoencoder's latent space beside PCA, t-SNE and UMAP: same test points, same colours, same numbers,
one linked selection."""
import streamlit as st

from appkit import page
from appkit.i18n import tr

page.setup("Compare", "compare.title")
from appkit import compare_views as cv
from appkit import share_views, widgets
from appkit.family_views import bottleneck

share_views.apply_page_link("pages/3_Compare.py")  # a teacher's link: its settings, once
run = widgets.require_run()
ds = widgets.run_dataset(run)
widgets.run_caption(run)

settings = cv.controls(ds)
share_views.page_share_expander("pages/3_Compare.py")
x, y, ids = cv.sample(ds, settings)
results, coords = cv.panels(cv.projections(run, ds, settings, x, y), y, ids, ds, settings.dim, x=x)
if settings.dim == 2:
    cv.show_selection(run, ds, x, y, ids, coords, settings.seed)

st.subheader(tr("compare.measured"))
cv.metrics_table(results)
st.markdown(tr("compare.metrics_help"))

st.subheader(tr("compare.misread"))
cv.misreading_tsne(x, y, ds, settings.seed)

st.subheader(tr("compare.bottleneck"))
st.caption(tr("compare.hinton"))
bottleneck(run, ds)
