"""What every page does first: page config, shared runtime set-up, settings kept across pages, and
the sidebar navigation (drawn here so the home page is called "Home", not after its file)."""
from __future__ import annotations

import streamlit as st

from appkit import projection_views, resources, state

PAGES = [("app.py", "Home", ":material/home:"),
         ("pages/1_Train.py", "Train", ":material/model_training:"),
         ("pages/2_Latent_space.py", "Latent space", ":material/scatter_plot:"),
         ("pages/3_Compare.py", "Compare", ":material/compare:"),
         ("pages/4_Anomaly.py", "Anomaly detection", ":material/crisis_alert:"),
         ("pages/5_Denoising.py", "Denoising", ":material/blur_on:"),
         ("pages/6_Draw_a_digit.py", "Draw a digit", ":material/draw:"),
         ("pages/7_Your_data.py", "Your data", ":material/upload_file:")]


def setup(title: str) -> None:
    st.set_page_config(page_title=f"{title} · AE Lab", page_icon=":material/hub:", layout="wide")
    resources.configure_runtime()
    projection_views.start_umap_warm_up()
    state.keep_widget_values()
    state.settle_interrupted_run()
    with st.sidebar:
        st.markdown("### AE Lab")
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
