"""The "Where autoencoders are used" page's helpers: the case notes, and the two live demos (a recommender on
generated ratings, forecasting vs reconstruction on sines), each with its own request, error and result slots."""
from __future__ import annotations

import streamlit as st

from aelib.labs import forecasting, recommender
from aelib.labs.where_plots import forecast_bars, forecast_rows, rmse_bars
from aelib.models import source
from appkit.i18n import current_lang, tr
from appkit.lab import Lab

CASES = ("text", "recommendation", "sparse", "forecasting", "audio", "medical", "video", "music", "drug", "rl",
         "bio", "finance")
PARTS = ("encoded", "family", "evaluated", "source")
REC, FC = Lab("where_rec"), Lab("where_fc")
REC_RESULT, FC_RESULT = "aelab_where_rec_result", "aelab_where_fc_result"
HISTORY = 48  # steps of each 64-step sines sequence the networks are shown


def busy() -> bool:
    """A demo is training: every input on the page is frozen until it is done."""
    return REC.busy() or FC.busy()


def case_notes() -> None:
    for case in CASES:
        with st.expander(tr(f"where.case.{case}.title")):
            st.markdown("\n\n".join(f"**{tr(f'where.label.{part}')}:** {tr(f'where.case.{case}.{part}')}"
                                    for part in PARTS))


def show_code(*objs) -> None:
    """The demo's model code, exactly as the app runs it, collapsed."""
    with st.expander(tr("where.code")):
        st.code(source.code_of(*objs), language="python")


def _work(lab: Lab, work) -> None:
    """Do the requested work (inputs are frozen on this run), keep its result, and rerun to show it."""
    if lab.take_request():
        lab.run(work)
        st.rerun()


@REC.keeper
def keep_recommender(result: recommender.RecommenderResult) -> None:
    st.session_state[REC_RESULT] = result


@FC.keeper
def keep_forecast(result: forecasting.ForecastResult) -> None:
    st.session_state[FC_RESULT] = result


def recommender_demo(frozen: bool) -> None:
    st.subheader(tr("where.rec.title"))
    st.markdown(tr("where.rec.intro"))
    c = st.columns(5)
    users = c[0].number_input(tr("where.rec.users"), 100, 1500, step=100, key="where_users", disabled=frozen)
    items = c[1].number_input(tr("where.rec.items"), 50, 1000, step=50, key="where_items", disabled=frozen)
    rank = c[2].number_input(tr("where.rec.rank"), 1, 10, key="where_rank", disabled=frozen,
                             help=tr("where.rec.rank_help"))
    density = c[3].slider(tr("where.rec.density"), 0.02, 0.5, step=0.01, key="where_density", disabled=frozen,
                          help=tr("where.rec.density_help"))
    epochs = c[4].number_input(tr("where.rec.epochs"), 5, 200, step=5, key="where_rec_epochs", disabled=frozen)
    st.button(tr("where.rec.run"), key="where_rec_run", type="primary", disabled=frozen, on_click=REC.request)
    show_code(recommender.AutoRec, recommender.AutoRecConfig)
    _work(REC, lambda report: recommender.experiment(
        recommender.make_ratings(int(users), int(items), int(rank), float(density)), int(epochs), report=report))
    error = REC.take_error()
    if error:
        st.error(error)
    result = st.session_state.get(REC_RESULT)
    if result is None:
        st.info(tr("where.rec.empty"))
        return
    r, s = result.ratings, result.rmse
    st.caption(tr("where.rec.data_caption", users=r.train.shape[0], items=r.train.shape[1], rank=r.rank,
                  train=int((r.train > 0).sum()), test=int((r.test > 0).sum()), density=f"{r.density:.1%}"))
    st.plotly_chart(rmse_bars(s, lang=current_lang()))
    model, baseline = f"{s['autorec_masked']:.3f}", f"{s['item_means']:.3f}"
    st.markdown(tr("where.rec.better", model=model, baseline=baseline) if s["autorec_masked"] < s["item_means"]
                else tr("where.rec.worse", model=model, baseline=baseline))
    st.caption(tr("where.rec.plain_note", plain=f"{s['autorec_unmasked']:.3f}", oracle=f"{s['taste_oracle']:.3f}"))


def forecast_demo(frozen: bool) -> None:
    st.subheader(tr("where.fc.title"))
    st.markdown(tr("where.fc.intro", history=HISTORY))
    c = st.columns(2)
    epochs = c[0].number_input(tr("where.fc.epochs"), 1, 100, key="where_fc_epochs", disabled=frozen)
    horizon = c[1].slider(tr("where.fc.horizon"), 4, 16, step=4, key="where_horizon", disabled=frozen)
    st.button(tr("where.fc.run"), key="where_fc_run", type="primary", disabled=frozen, on_click=FC.request)
    show_code(forecasting.WindowNet, forecasting.WindowConfig)
    if FC.busy():
        ds = FC.load("sines")
        if ds is None:
            FC.take_request()
        else:
            _work(FC, lambda report: forecasting.experiment(ds, int(epochs), HISTORY, int(horizon), report=report))
    error = FC.take_error()
    if error:
        st.error(error)
    result = st.session_state.get(FC_RESULT)
    if result is None:
        st.info(tr("where.fc.empty"))
        return
    m, lang = result.mse, current_lang()
    st.plotly_chart(forecast_bars(m, lang=lang))
    numbers = {"forecaster": f"{m['forecaster']:.4f}", "ae": f"{m['ae_last_window']:.4f}",
               "recon": f"{result.ae_recon_mse:.4f}"}
    st.markdown(tr("where.fc.better", ratio=f"{m['ae_last_window'] / max(m['forecaster'], 1e-12):.0f}", **numbers)
                if m["forecaster"] < m["ae_last_window"] else tr("where.fc.worse", **numbers))
    st.plotly_chart(forecast_rows(result, lang=lang))
