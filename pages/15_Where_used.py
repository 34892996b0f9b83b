"""Where autoencoders are used: a case note per application field (what is encoded, which family, how it is
evaluated, what to read), then two live demos on data made here: a recommender and forecasting vs reconstruction."""
import streamlit as st

from appkit import page
from appkit.i18n import tr

page.setup("Where autoencoders are used", "where.title")
from appkit import share_views
from appkit import where_views as wv

share_views.apply_page_link("pages/15_Where_used.py")  # a teacher's link: the demos' settings, once

frozen = wv.busy()  # inputs are frozen while a demo trains

st.markdown(tr("where.intro"))
share_views.page_share_expander("pages/15_Where_used.py")
st.header(tr("where.cases"))
wv.case_notes()
st.header(tr("where.demos"))
wv.recommender_demo(frozen)
st.divider()
wv.forecast_demo(frozen)
