"""The training replay under the latent scatter: the snapshots run_training recorded, as an animation."""
from __future__ import annotations

import streamlit as st

from aelib.data import Dataset
from aelib.projections.plots import replay_figure
from aelib.replay import frames, organisation
from appkit.i18n import current_lang, tr
from appkit.state import Run


def show_replay(run: Run, ds: Dataset) -> None:
    if len(run.snapshots) < 2:
        st.caption(tr("replay.none"))
        return
    key = ("replay", len(run.snapshots))
    if key not in run.extras:  # computed once per run: PCA view, per-frame scaling and 5-NN per frame
        epochs, codes = [e for e, _ in run.snapshots], [c for _, c in run.snapshots]
        y = ds.y_test[:len(codes[0])]
        run.extras[key] = (epochs, frames(codes), organisation(codes, y), y)
    epochs, views, scores, y = run.extras[key]
    st.plotly_chart(replay_figure(views, epochs, y, ds.class_names, scores, lang=current_lang()), key="replay_plot")
    wide = run.model_cfg.latent_dim > 2
    st.caption(tr("replay.caption", n=f"{len(y):,}") + (tr("replay.caption_pca") if wide else "")
               + tr("replay.caption_scaled"))
