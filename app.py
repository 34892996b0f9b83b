"""AE Lab's home page: what an autoencoder is, and where to start. Its words are in assets/i18n/home.<lang>.json."""
from pathlib import Path

import streamlit as st

from aelib.i18n import page_slug
from appkit import page
from appkit.i18n import current_lang, family_summary, family_title, tr

# the sidebar and the heading first, then torch and the rest (the imports below are then instant)
page.setup("Home", "home.title")
from aelib.models import MODELS  # noqa: E402
from aelib.teach.lessons import LESSONS  # noqa: E402
from appkit import state  # noqa: E402

st.markdown(tr("home.intro"))
diagram = {"en": "autoencoder.svg", "zh": "autoencoder.zh.svg"}[current_lang()]  # the labels are drawn in the SVG
st.image(str(Path(__file__).parent / "assets" / diagram), width=640)
st.latex(r"z = f_\theta(x), \qquad \hat x = g_\phi(z), \qquad \min_{\theta,\phi}\ \mathcal{L}(x, \hat x)")
st.markdown(tr("home.steps"))
steps = [("pages/1_Train.py", ":material/model_training:"), ("pages/2_Latent_space.py", ":material/scatter_plot:"),
         ("pages/3_Compare.py", ":material/compare:")]
for i, (col, (path, icon)) in enumerate(zip(st.columns(3), steps), start=1):
    col.page_link(path, label=tr(f"home.step{i}"), icon=icon)
    col.caption(tr(f"home.step{i}_text"))

st.markdown(tr("home.uses"))
uses = page.section("nav.apply")
for i in range(0, len(uses), 4):  # four to a row
    for col, (path, label, icon) in zip(st.columns(4), uses[i:i + 4]):
        col.page_link(path, label=tr(f"page.{page_slug(label)}"), icon=icon)
        col.caption(tr(f"home.use.{page_slug(label)}"))

st.markdown(tr("home.learn"))
c1, c2 = st.columns(2)
c1.page_link("pages/14_Lessons.py", label=tr("page.lessons"), icon=":material/school:")
c1.caption(tr("home.lessons_text", n=len(LESSONS)))
c2.page_link("pages/13_Quiz.py", label=tr("page.quiz"), icon=":material/quiz:")
c2.caption(tr("home.quiz_text"))

with st.expander(tr("home.zoo", n=len(MODELS))):
    st.markdown("\n".join(f"- **{family_title(name)}** (`{name}`): {family_summary(name)}" for name in MODELS))
    st.caption(tr("home.not_in_zoo"))

run = state.get_run()
if run is not None and run.history:
    st.divider()
    st.markdown(tr("home.current_model", model=run.model_cfg.model, latent=run.model_cfg.latent_dim,
                   dataset=run.dataset, epochs=len(run.history), status=run.status))
st.caption(tr("home.offline"))
