"""The Lessons page's helpers: the lesson picker kept in step with ?lesson=N, the prediction that unlocks Run, the
preset experiment trained live in a shared training slot, each lesson's result kept in session state (the Train
page's run is never touched), and the figures and explanation of a result, all in the learner's language."""
from __future__ import annotations

import numpy as np
import streamlit as st

from aelib.i18n import t
from aelib.labs.score_field_plots import residual_field
from aelib.models.zoo_plots import bars, curves, histograms, two_clouds
from aelib.plots import image_rows
from aelib.teach import lessons
from aelib.teach.lessons import LESSONS, Lesson
from appkit import resources
from appkit.i18n import current_lang, tr
from appkit.lab import Lab

CHOICE, RESULTS, REQUEST = "lesson", "lesson_results", "lesson_request"  # session keys (CHOICE: as in the URL)
PICK = "lesson_pick_"
SEED = 0
# the experiment runs on the server, keyed by workspace: it goes on if the learner leaves; each lesson's result is
# kept in the workspace under lessons/<lesson id>
LAB = Lab("lessons", part=lambda done: done["lesson"])


def _picked() -> None:
    st.session_state[REQUEST] = None
    st.query_params["lesson"] = str(st.session_state[CHOICE])


def choose_lesson() -> Lesson:
    """The lesson picker; the URL's ?lesson=N wins when present (junk means lesson 1) and is kept in step."""
    asked = st.query_params.get("lesson")
    if asked is not None or CHOICE not in st.session_state:
        st.session_state[CHOICE] = lessons.parse_number(asked)
    lang = current_lang()  # bound into format_func: AppTest calls it outside the script run
    number = st.selectbox(tr("lessons.pick"), range(1, len(LESSONS) + 1), key=CHOICE, on_change=_picked,
                          disabled=busy(), format_func=lambda n: t("lessons.option", lang, n=n,
                                                                   title=t(f"lesson.{LESSONS[n - 1].id}.title", lang)))
    if asked != str(number):
        st.query_params["lesson"] = str(number)
    return LESSONS[number - 1]


def results() -> dict[str, dict]:
    return st.session_state.setdefault(RESULTS, {})  # lesson id -> {"result", "pick"}


def busy() -> bool:
    """Run was pressed; or this workspace's experiment is still running on the server (followed here)."""
    return st.session_state.get(REQUEST) is not None or LAB.busy()


def _request(lesson_id: str) -> None:
    st.session_state[REQUEST] = lesson_id


def _forget(lesson_id: str) -> None:
    results().pop(lesson_id, None)
    LAB.forget(lesson_id)


@LAB.keeper
def keep(done: dict) -> None:
    """{"lesson": id, "pick": the learner's prediction, "result": the experiment's} where the page reads it."""
    results()[done["lesson"]] = {"result": done["result"], "pick": done["pick"]}


def predict(lesson: Lesson) -> int | None:
    """The prediction radio (locked once the experiment has run) and the Run button it unlocks."""
    done = results().get(lesson.id)
    key, lang = PICK + lesson.id, current_lang()
    if done is not None:
        st.session_state[key] = done["pick"]
    pick = st.radio(tr(f"lesson.{lesson.id}.question"), range(lesson.n_options), index=None, key=key,
                    format_func=lambda i: t(f"lesson.{lesson.id}.option.{i}", lang),
                    disabled=done is not None or busy())
    if done is None:
        st.button(tr("lessons.run"), type="primary", key="lesson_run", icon=":material/play_arrow:",
                  disabled=pick is None or busy(), on_click=_request, args=(lesson.id,),
                  help=tr("lessons.run_help") if pick is None else None)
    return pick


def run_requested(lesson: Lesson) -> None:
    """If Run was clicked for this lesson: run its experiment on the server, follow it, keep the result, rerun to
    show it."""
    if st.session_state.get(REQUEST) != lesson.id:
        return
    st.session_state[REQUEST] = None  # taken: a learner who leaves and comes back follows it, never runs it twice
    pick, lesson_id = st.session_state.get(PICK + lesson.id), lesson.id
    ds, running = resources.dataset(lessons.DATASET, SEED), tr("lessons.running")
    LAB.run(lambda report: {"lesson": lesson_id, "pick": pick,
                            "result": lesson.run(ds, SEED, lambda f: report(f, running))})
    st.rerun()


def show_error() -> None:
    message = LAB.take_error()
    if message:
        st.error(tr("lessons.error", message=message), icon=":material/error:")


def show_result(lesson: Lesson) -> None:
    """The figures, then whether the prediction was right and why: the sentences the run's own numbers call for."""
    done = results().get(lesson.id)
    if done is None:
        return
    st.subheader(tr("lessons.result"))
    FIGURES[lesson.id](done["result"])
    answer = tr(f"lesson.{lesson.id}.option.{lesson.answer}")
    if done["pick"] == lesson.answer:
        st.success(tr("lessons.right", answer=answer), icon=":material/check_circle:")
    else:
        st.error(tr("lessons.wrong", answer=answer), icon=":material/cancel:")
    st.info(" ".join(tr(key, **facts) for key, facts in lesson.explanation(done["result"])),
            icon=":material/lightbulb:")
    st.button(tr("lessons.again"), key="lesson_again", on_click=_forget, args=(lesson.id,),
              icon=":material/restart_alt:", help=tr("lessons.again_help"))


# -- one figure function per lesson -------------------------------------------------------------------------

def _shape() -> tuple[int, ...]:
    return resources.dataset(lessons.DATASET, SEED).shape


def _bottleneck(r: dict) -> None:
    st.plotly_chart(curves(r["sizes"], {tr("lessons.series_ae"): r["ae"], tr("lessons.series_pca"): r["pca"]},
                           tr("lesson.bottleneck.fig"), tr("lessons.latent_size"), tr("lessons.mse"), log_x=True))
    st.plotly_chart(image_rows([r["original"], *r["rows"]], _shape(),
                               [tr("lessons.original"), *(tr("lessons.code_of", k=k) for k in r["sizes"])]))


def _linear(r: dict) -> None:
    x = list(range(1, r["k"] + 1))
    st.plotly_chart(curves(x, {tr("lesson.linear_pca.series_ae"): r["angles"],
                               tr("lesson.linear_pca.series_random"): r["random"]},
                           tr("lesson.linear_pca.fig"), tr("lesson.linear_pca.x"), tr("lessons.degrees")))
    c = st.columns(2)
    c[0].metric(tr("lesson.linear_pca.ae_mse"), f"{r['ae_mse']:.5f}")
    c[1].metric(tr("lesson.linear_pca.pca_mse"), f"{r['pca_mse']:.5f}")


def _overfitting(r: dict) -> None:
    names = [tr(f"lesson.overfitting.cure.{c}") for c in r["cures"]]
    st.plotly_chart(bars(r["gap"], names, tr("lesson.overfitting.fig"), tr("lesson.overfitting.x"),
                         tr("lesson.overfitting.y")))
    st.dataframe({tr("lesson.overfitting.x"): names, tr("lesson.overfitting.train"): np.round(r["train"], 5),
                  tr("lesson.overfitting.test"): np.round(r["test"], 5), tr("lesson.overfitting.epochs"): r["epochs"]},
                 hide_index=True)


def _vae(r: dict) -> None:
    st.plotly_chart(two_clouds(r["vae"]["z"], r["ae"]["z"], (tr("lessons.vae"), tr("lessons.series_ae")),
                               tr("lesson.vae.fig")))
    st.plotly_chart(image_rows([r["vae"]["samples"], r["ae"]["samples"]], _shape(),
                               [tr("lesson.vae.row_vae"), tr("lesson.vae.row_ae")]))
    c = st.columns(3)
    c[0].metric(tr("lesson.vae.kl"), f"{r['kl']:.2f}")
    c[1].metric(tr("lesson.vae.holes_vae"), f"{100 * r['vae']['holes']:.0f}%")
    c[2].metric(tr("lesson.vae.holes_ae"), f"{100 * r['ae']['holes']:.0f}%")


def _denoising(r: dict) -> None:
    st.plotly_chart(image_rows(r["rows"], _shape(), [tr("lesson.denoising.noisy"), tr("lesson.denoising.dae"),
                                                     tr("lessons.series_ae"), tr("lessons.original")]))
    c = st.columns(3)
    for col, key, label in zip(c, ("noisy", "denoised", "plain"), ("noisy", "dae", "plain")):
        col.metric(tr(f"lesson.denoising.psnr_{label}"), f"{r['psnr'][key]:.1f} dB")


def _anomaly(r: dict) -> None:
    fig = histograms({tr("lesson.anomaly.normal"): r["normal"], tr("lesson.anomaly.anomalous"): r["anomalous"]},
                     tr("lesson.anomaly.fig"), tr("lesson.anomaly.x"), lang=current_lang())
    fig.add_vline(x=r["threshold"], line_dash="dash", annotation_text=tr("lesson.anomaly.threshold"))
    fig.update_yaxes(title_text=tr("lesson.anomaly.y"))
    st.plotly_chart(fig)
    st.plotly_chart(image_rows([r["worst"]], _shape(), [tr("lesson.anomaly.worst")]))
    st.metric("AUROC", f"{r['auroc']:.3f}")


def _sae(r: dict) -> None:
    bars_ = [100 * r[k] for k in ("accuracy", "accuracy_with_reconstructed_activations",
                                  "accuracy_with_mean_activations")]
    st.plotly_chart(bars(bars_, [tr(f"lesson.sae.bar.{k}") for k in ("own", "rec", "mean")], tr("lesson.sae.fig"), "",
                         tr("lesson.sae.y")))
    st.plotly_chart(image_rows(r["top"], _shape(), [tr("lesson.sae.top", latent=i + 1) for i in range(len(r["top"]))]))
    c = st.columns(3)
    c[0].metric(tr("lesson.sae.l0"), f"{r['l0']:.0f}")
    c[1].metric(tr("lesson.sae.dead"), f"{100 * r['dead_fraction']:.0f}%")
    c[2].metric(tr("lesson.sae.fvu"), f"{r['fvu']:.3f}")


def _mae(r: dict) -> None:
    st.plotly_chart(image_rows(r["rows"], _shape(), [tr(f"lesson.mae.row.{k}") for k in ("original", "masked",
                                                                                          "filled")]))
    st.plotly_chart(bars([100 * r[f"probe_{k}"] for k in ("raw", "ae", "mae")],
                         [tr(f"lesson.mae.bar.{k}") for k in ("raw", "ae", "mae")], tr("lesson.mae.fig"), "",
                         tr("lesson.mae.y")))
    c = st.columns(2)
    c[0].metric(tr("lesson.mae.mse_mae"), f"{r['mse_mae']:.4f}")
    c[1].metric(tr("lesson.mae.mse_mean"), f"{r['mse_mean']:.4f}")


LATENT_KINDS = ("real", "reconstructed", "prior", "latent_diffusion")


def _latent_diffusion(r: dict) -> None:
    names = [tr(f"lesson.latent_diffusion.kind.{k}") for k in LATENT_KINDS]
    st.plotly_chart(image_rows([r["rows"][k] for k in LATENT_KINDS], _shape(), names))
    st.plotly_chart(bars([100 * r[f"recognised_{k}"] for k in LATENT_KINDS], names,
                         tr("lesson.latent_diffusion.fig"), "", tr("lesson.latent_diffusion.y")))


def _score(r: dict) -> None:
    st.plotly_chart(residual_field(r["data"], r["grid"], r["field"], lang=current_lang()))
    c = st.columns(3)
    c[0].metric(tr("lesson.score.cosine"), f"{r['cosine_toward_circle']:.2f}")
    c[1].metric(tr("lesson.score.tangent"), f"{r['dae_gain_tangent']:.2f}")
    c[2].metric(tr("lesson.score.normal"), f"{r['dae_gain_normal']:.2f}")


FIGURES = {"bottleneck": _bottleneck, "linear_pca": _linear, "overfitting": _overfitting, "vae": _vae,
           "denoising": _denoising, "anomaly": _anomaly, "sae": _sae, "mae": _mae,
           "latent_diffusion": _latent_diffusion, "score": _score}
