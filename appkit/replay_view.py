"""The training replay under the latent scatter: the snapshots run_training recorded, as an animation."""
from __future__ import annotations

import streamlit as st

from aelib.data import Dataset
from aelib.projection_plots import replay_figure
from aelib.replay import frames, organisation
from appkit.state import Run


def show_replay(run: Run, ds: Dataset) -> None:
    if len(run.snapshots) < 2:
        st.caption("This run has no recorded training to replay (it ended before its first epoch, or was trained "
                   "before replays existed). Train again to record one.")
        return
    key = ("replay", len(run.snapshots))
    if key not in run.extras:  # computed once per run: PCA view, per-frame scaling and 5-NN per frame
        epochs, codes = [e for e, _ in run.snapshots], [c for _, c in run.snapshots]
        y = ds.y_test[:len(codes[0])]
        run.extras[key] = (epochs, frames(codes), organisation(codes, y), y)
    epochs, views, scores, y = run.extras[key]
    st.plotly_chart(replay_figure(views, epochs, y, ds.class_names, scores), key="replay_plot")
    wide = run.model_cfg.latent_dim > 2
    st.caption(f"The same {len(y):,} held-out samples after each recorded epoch — press ▶ Play or drag the slider. "
               + ("The codes are shown through one PCA fitted on the final epoch, so the motion is the model's. "
                  if wide else "")
               + "Each frame is centred and scaled to the same spread: you see the arrangement change, not the "
                 "codes growing. The title's 5-NN accuracy (cross-validated within the frame) measures how far the "
                 "classes have separated.")
