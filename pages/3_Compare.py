"""The autoencoder's latent space beside PCA, t-SNE and UMAP: same test points, same colours, same numbers,
one linked selection."""
import streamlit as st

from appkit import compare_views as cv
from appkit import page, widgets
from appkit.family_views import bottleneck

page.setup("Compare")
st.title("Autoencoder vs PCA vs t-SNE vs UMAP")
run = widgets.require_run()
ds = widgets.run_dataset(run)
widgets.run_caption(run)

settings = cv.controls(ds)
x, y, ids = cv.sample(ds, settings)
results, coords = cv.panels(cv.projections(run, ds, settings, x, y), y, ids, ds, settings.dim)
if settings.dim == 2:
    cv.show_selection(run, ds, x, y, ids, coords, settings.seed)

st.subheader("Measured on the same points")
cv.metrics_table(results)
st.markdown(
    "- **5-NN accuracy**: how often a point's 5 nearest neighbours share its class. For the autoencoder, "
    "PCA and UMAP a classifier is fit on the *training* codes and scored on these test points. t-SNE has no "
    "`transform` for new points, so it is scored by 5-fold cross-validation inside its own embedding, "
    "which every point helped to shape.\n"
    "- **Trustworthiness**: are the neighbours you see in the plot real neighbours in the data? (1 = all.) "
    "**Continuity**: the reverse — are the data's neighbours still neighbours in the plot?\n"
    "- **Silhouette**: how tight and well separated the classes are in the plot (-1 to 1).\n"
    "- **Seconds**: the autoencoder's figure is its training time; the others' are their fit times. Placing new "
    "points: the autoencoder and PCA apply a learned map; UMAP optimises each new point against its fitted "
    "embedding; t-SNE cannot (`TSNE` has no `transform`).\n"
    "- **Reconstruction MSE** (per value): only methods with a way back from the code to the data can rebuild "
    "a sample — the autoencoder's decoder, PCA's transpose. t-SNE and UMAP only draw maps.")

st.subheader("How to misread t-SNE")
cv.misreading_tsne(x, y, ds, settings.seed)

st.subheader("Reconstruction error against latent size")
st.caption("Hinton & Salakhutdinov (2006) trained a deep autoencoder on all 60,000 MNIST digits: with a 30-D code "
           "it rebuilt them with a squared error of 3.00 per image, PCA with 30 components 13.87. Here is the same "
           "comparison for your model on your data, at a smaller scale.")
bottleneck(run, ds)
