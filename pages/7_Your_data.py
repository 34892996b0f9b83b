"""Bring your own data: upload a CSV table or a set of images, see it checked and previewed, then train on it
like a bundled set."""
import streamlit as st

from aelib.upload import MAX_COLUMNS, MAX_MB, MAX_SIDE, MIN_ROWS
from appkit import page, uploads

page.setup("Your data")
st.title("Bring your own data")
st.markdown(
    "Upload a table or a set of images. It is checked, scaled to [0, 1] like the bundled sets, and split the "
    "same way (80 % to train on, 20 % held out, each class in both). Once added, it appears in the **Data** "
    "choice on the Train page, and every page can show your model's results on it.")

tab_csv, tab_images = st.tabs(["A table (CSV)", "Images"])
with tab_csv:
    st.caption(f"Numeric columns, one header row, at least {MIN_ROWS} rows and at most {MAX_COLUMNS:,} columns; "
               "optionally one column naming each row's class. Each column is min-max scaled with the training "
               f"rows' range. Up to {MAX_MB} MB.")
    table = st.file_uploader("CSV file", type=["csv", "txt", "tsv"], key="upload_csv")
    if table is not None:
        uploads.csv_form(table)
with tab_images:
    st.caption(f"PNG or JPEG files of one size (at most {MAX_SIDE}×{MAX_SIDE} pixels), or a .zip of them; all "
               "greyscale or all in colour. Labels come from the folder each image is in (`cats/001.png`), or "
               f"else from the file name before the first `_` (`3_001.png`). At least {MIN_ROWS} images, up to "
               f"{MAX_MB} MB in all.")
    images = st.file_uploader("Images or a zip of images", type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "zip"],
                              accept_multiple_files=True, key="upload_images")
    if images:
        uploads.images_form(images)

st.divider()
st.subheader("Your datasets")
uploads.session_list()
st.page_link("pages/1_Train.py", label="Train on it →", icon=":material/model_training:")
