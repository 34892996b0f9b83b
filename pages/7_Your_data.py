"""Bring your own data: upload a CSV table or a set of images, see it checked and previewed, then train on it
like a bundled set."""
import streamlit as st

from aelib.upload import MAX_COLUMNS, MAX_MB, MAX_SIDE, MIN_ROWS
from appkit import page, uploads
from appkit.i18n import tr

page.setup("Your data")
st.title(tr("yourdata.title"))
st.markdown(tr("yourdata.intro"))

tab_csv, tab_images = st.tabs([tr("yourdata.tab_csv"), tr("yourdata.tab_images")])
with tab_csv:
    st.caption(tr("yourdata.csv_rules", rows=MIN_ROWS, columns=f"{MAX_COLUMNS:,}", mb=MAX_MB))
    table = st.file_uploader(tr("yourdata.csv_file"), type=["csv", "txt", "tsv"], key="upload_csv")
    if table is not None:
        uploads.csv_form(table)
with tab_images:
    st.caption(tr("yourdata.image_rules", side=MAX_SIDE, rows=MIN_ROWS, mb=MAX_MB))
    images = st.file_uploader(tr("yourdata.image_files"), type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "zip"],
                              accept_multiple_files=True, key="upload_images")
    if images:
        uploads.images_form(images)

st.divider()
st.subheader(tr("yourdata.yours"))
uploads.session_list()
st.page_link("pages/1_Train.py", label=tr("yourdata.train_on_it"), icon=":material/model_training:")
