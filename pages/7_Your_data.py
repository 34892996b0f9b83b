"""Bring your own data: upload a CSV table or a set of images, see it checked and previewed, then train on it
like a bundled set."""
import streamlit as st

from appkit import page
from appkit.i18n import tr

page.setup("Your data", "your_data.title")
from aelib.data.your_data import MAX_COLUMNS, MAX_MB, MAX_SIDE, MIN_ROWS
from appkit import your_data_views

st.markdown(tr("your_data.intro"))

tab_csv, tab_images = st.tabs([tr("your_data.tab_csv"), tr("your_data.tab_images")])
with tab_csv:
    st.caption(tr("your_data.csv_rules", rows=MIN_ROWS, columns=f"{MAX_COLUMNS:,}", mb=MAX_MB))
    table = st.file_uploader(tr("your_data.csv_file"), type=["csv", "txt", "tsv"], key="upload_csv")
    if table is not None:
        your_data_views.csv_form(table)
with tab_images:
    st.caption(tr("your_data.image_rules", side=MAX_SIDE, rows=MIN_ROWS, mb=MAX_MB))
    images = st.file_uploader(tr("your_data.image_files"), type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "zip"],
                              accept_multiple_files=True, key="upload_images")
    if images:
        your_data_views.images_form(images)

st.divider()
st.subheader(tr("your_data.yours"))
your_data_views.session_list()
if your_data_views.names():  # nothing to train on until a set is added
    st.page_link("pages/1_Train.py", label=tr("your_data.train_on_it"), icon=":material/model_training:")
