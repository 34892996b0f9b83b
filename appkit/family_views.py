"""Each model family's own view, shown under a finished run: the picture that teaches what makes that
family different. A family's view is one function registered under its name in VIEWS."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st

from aelib import diagnostics as dg
from aelib import infer
from aelib.data import Dataset
from aelib.experiment import bottleneck_sweep, fit
from aelib.i18n import Words
from aelib.metrics import pca_test_mse
from aelib.models import source
from aelib.models.zoo_plots import bars, curves, filter_grid, histograms, two_clouds
from aelib.plots import image_rows, latent_scatter, series_rows
from appkit.i18n import current_lang, family_title, tr
from appkit.state import Run
from appkit.training import on_request

VIEWS = {}
SHOW = 8  # samples per row in the views' image grids


def view(*names):
    def register(fn):
        for name in names:
            VIEWS[name] = fn
        return fn
    return register


def show_family_view(run: Run, ds: Dataset) -> None:
    fn = VIEWS.get(run.model_cfg.model)
    if fn is not None and run.history:
        title = family_title(run.model_cfg.model)
        if not title[:2].isupper():  # "Sparse autoencoder" -> "sparse autoencoder"; keep "UMAP ..." as it is
            title = title[:1].lower() + title[1:]
        st.subheader(tr("zoo.different", family=title))
        fn(run, ds)
        show_code(run.model_cfg.model)


def _fit_reporting(ds, mcfg, tcfg, what: str):
    """A work function for on_request: train mcfg/tcfg, reporting each epoch."""
    return lambda report: fit(ds, mcfg, tcfg, log=lambda s: report(
        s.epoch / s.epochs, Words("zoo.epoch_progress", what=what, epoch=s.epoch, epochs=s.epochs)))


def _estimate(run: Run, epochs: int, models: int = 1) -> str:
    return tr("zoo.estimate", s=run.seconds / len(run.history) * epochs * models)


def _first_two(z: np.ndarray) -> str:
    """The note a 2-D picture of a wider code needs."""
    return tr("zoo.first_two_dims") if z.shape[1] > 2 else ""


def _plain_ae(run: Run, ds: Dataset, what: str):
    """The same network and settings as a plain autoencoder, trained on request, for contrast."""
    plain = replace(run.model_cfg, model="ae")
    label = tr("zoo.plain_ae.button", estimate=_estimate(run, run.train_cfg.epochs))
    return on_request(run, "plain_ae", label, _fit_reporting(ds, plain, run.train_cfg, what))


@view("ae")
def bottleneck(run: Run, ds: Dataset) -> None:
    st.markdown(tr("zoo.ae.intro"))
    sizes = [k for k in (1, 2, 4, 8, 16, 32) if k < ds.input_dim]
    tcfg = replace(run.train_cfg, epochs=min(run.train_cfg.epochs, 10))
    label = tr("zoo.ae.button", n=len(sizes), epochs=tcfg.epochs, estimate=_estimate(run, tcfg.epochs, len(sizes)))
    rows = on_request(run, "sweep", label, lambda report: bottleneck_sweep(
        ds, run.model_cfg, tcfg, sizes, log=lambda i, n: report(i / n, Words("zoo.ae.size_done", k=sizes[i - 1]))))
    if rows:
        st.plotly_chart(curves(sizes, {tr("zoo.ae.autoencoder"): [r["ae"] for r in rows],
                                       "PCA": [r["pca"] for r in rows]},
                               tr("zoo.ae.title"), tr("zoo.ae.x"), tr("zoo.ae.y"), log_x=True, dashed=("PCA",)))
        st.caption(tr("zoo.ae.caption"))


@view("deep_ae")
def _recipes(run: Run, ds: Dataset) -> None:
    pre = run.train_cfg.pretrain_epochs
    st.markdown(tr("zoo.deep.intro"))
    other = replace(run.train_cfg, pretrain_epochs=0 if pre else 3)
    label = tr("zoo.deep.button_end_to_end") if pre else tr("zoo.deep.button_pretrain")
    result = on_request(run, "recipe", label, _fit_reporting(ds, run.model_cfg, other, tr("zoo.deep.other")))
    if result:
        with_pre, end_to_end = tr("zoo.deep.with_pretraining"), tr("zoo.deep.end_to_end")
        mine, theirs = (with_pre, end_to_end) if pre else (end_to_end, with_pre)
        n = max(len(run.history), len(result[1]))
        series = {tr("zoo.deep.yours", recipe=mine): [h.val["loss"] for h in run.history],
                  theirs: [h.val["loss"] for h in result[1]]}
        split = {"test": tr("zoo.split.test"), "validation": tr("zoo.split.validation")}
        title = tr("zoo.deep.title", split=split.get(run.val_name, run.val_name.capitalize()))
        st.plotly_chart(curves(list(range(1, n + 1)), series, title, tr("zoo.deep.x"), tr("zoo.deep.y"),
                               dashed=(theirs,)))
        st.caption(tr("zoo.deep.caption"))


@view("conv_ae")
def _filters(run: Run, ds: Dataset) -> None:
    filters, (kh, kw) = dg.conv_filters(run.model)
    st.plotly_chart(filter_grid(filters, kh, kw, tr("zoo.conv.filters_title", n=len(filters), kh=kh, kw=kw),
                                lang=current_lang()))
    st.caption(tr("zoo.conv.filters_caption", n=len(filters), kh=kh, kw=kw))
    st.caption(conv_vs_pca(run, ds))
    maps = dg.feature_maps(run.model, ds.x_test[:1])
    half = len(maps) // 2
    st.plotly_chart(image_rows([maps[:half].reshape(half, -1), maps[half:2 * half].reshape(half, -1)],
                               (1, *maps.shape[1:]), [tr("zoo.conv.maps")] * 2))
    st.caption(tr("zoo.conv.maps_caption"))


def conv_vs_pca(run: Run, ds: Dataset) -> str:
    """This run's held-out error beside PCA's with as many numbers, and why the order is what it is."""
    if "vs_pca" not in run.extras:  # one forward pass and one PCA fit, kept with the run
        run.extras["vs_pca"] = (infer.mse(run.model, ds.x_test), pca_test_mse(ds.x_train, ds.x_test,
                                                                               run.model_cfg.latent_dim))
    ae, pca = run.extras["vs_pca"]
    verdict = "close" if abs(ae - pca) <= 0.05 * pca else "worse" if ae > pca else "better"
    return tr(f"zoo.conv.vs_pca_{verdict}", epochs=len(run.history), k=run.model_cfg.latent_dim,
              ae=f"{ae:.4f}", pca=f"{pca:.4f}")


@view("denoising_ae")
def _denoising(run: Run, ds: Dataset) -> None:
    x = ds.x_test[:SHOW]
    noisy = dg.noisy_copies(run.model, x, run.train_cfg.seed)
    rows = [noisy, infer.reconstruct(run.model, noisy), x]
    titles = [tr("zoo.denoise.noisy"), tr("zoo.denoise.denoised"), tr("zoo.denoise.clean")]
    plain = _plain_ae(run, ds, tr("zoo.plain_ae.what"))
    if plain:
        rows.insert(2, infer.reconstruct(plain[0], noisy))
        titles.insert(2, tr("zoo.denoise.plain"))
    st.plotly_chart(image_rows(rows, ds.shape, titles))
    errs = dg.denoising_errors(run.model, ds.x_test, run.train_cfg.seed)
    c = st.columns(3)
    c[0].metric(tr("zoo.denoise.noisy_mse"), f"{errs['noisy_mse']:.4f}")
    c[1].metric(tr("zoo.denoise.denoised_mse"), f"{errs['denoise_mse']:.4f}")
    if plain:
        plain_mse = dg.denoising_errors(plain[0], ds.x_test, run.train_cfg.seed, noise_from=run.model)["denoise_mse"]
        c[2].metric(tr("zoo.denoise.plain_mse"), f"{plain_mse:.4f}",
                    help=tr("zoo.denoise.plain_mse_help", n=len(ds.x_test)))


@view("sparse_ae")
def _sparsity(run: Run, ds: Dataset) -> None:
    h = dg.code_activity(run.model, ds.x_test)
    active = (h > dg.ACTIVE).mean(1) * 100
    lang = current_lang()
    c = st.columns(2)
    c[0].plotly_chart(histograms({tr("zoo.sparse.activations"): h}, tr("zoo.sparse.activations_title"),
                                 tr("zoo.sparse.activation"), lang=lang))
    c[1].plotly_chart(histograms({tr("zoo.sparse.samples"): active}, tr("zoo.sparse.active_title"),
                                 tr("zoo.sparse.active_x"), lang=lang))
    st.caption(tr("zoo.sparse.caption", pct=active.mean(), units=h.shape[1], threshold=dg.ACTIVE))


@view("contractive_ae")
def _contractive(run: Run, ds: Dataset) -> None:
    st.markdown(tr("zoo.contractive.intro"))
    mine = dg.contractive_penalty(run.model, ds.x_test[:500])
    plain = _plain_ae(run, ds, tr("zoo.plain_ae.what"))
    c = st.columns(2)
    c[0].metric(tr("zoo.contractive.yours"), f"{mine:.3g}")
    if plain:
        c[1].metric(tr("zoo.contractive.plain"), f"{dg.contractive_penalty(plain[0], ds.x_test[:500]):.3g}")


@view("linear_ae")
def _angles(run: Run, ds: Dataset) -> None:
    angles = dg.principal_angles(run.model, ds.x_train, run.train_cfg.seed)
    st.plotly_chart(bars(angles, list(range(1, len(angles) + 1)), tr("zoo.linear.title"), tr("zoo.linear.x"),
                         tr("zoo.linear.y"), line=10, line_name="10°"))
    st.caption(tr("zoo.linear.caption"))


@view("vae", "cvae")
def _vae(run: Run, ds: Dataset) -> None:
    mu, logvar = dg.vae_posteriors(run.model, ds.x_test, ds.y_test)
    kl = dg.kl_per_dimension(mu, logvar)
    active = dg.active_units(mu)
    st.plotly_chart(bars(kl, [f"z{i + 1}" for i in range(len(kl))], tr("zoo.vae.title"), tr("zoo.vae.x"),
                         tr("zoo.vae.y")))
    if active < len(kl):
        st.warning(tr("zoo.vae.collapse", collapsed=len(kl) - active, total=len(kl)))
    else:
        st.caption(tr("zoo.vae.all_active", total=len(kl)))
    rng = np.random.default_rng(run.train_cfg.seed)
    z = rng.standard_normal((SHOW, run.model_cfg.latent_dim))
    if run.model_cfg.model == "cvae":
        rows = [infer.decode(run.model, z, np.full(SHOW, c)) for c in range(len(ds.class_names))]
        st.plotly_chart(image_rows(rows, ds.shape, ds.class_names))
        st.caption(tr("zoo.cvae.caption"))
    else:
        st.plotly_chart(image_rows([infer.decode(run.model, z)], ds.shape, [tr("zoo.vae.from_prior")]))
        st.caption(tr("zoo.vae.samples_caption"))


@view("vq_vae")
def _codebook(run: Run, ds: Dataset) -> None:
    s = dg.codebook_stats(run.model, ds.x_test)
    order = np.argsort(s["counts"])[::-1]
    st.plotly_chart(bars(s["counts"][order], order, tr("zoo.vq.title"), tr("zoo.vq.x"), tr("zoo.vq.y")))
    c = st.columns(3)
    c[0].metric(tr("zoo.vq.used"), f"{s['codebook_usage']:.0%}")
    c[1].metric(tr("zoo.vq.perplexity"), f"{s['perplexity']:.1f}", help=tr("zoo.vq.perplexity_help"))
    c[2].metric(tr("zoo.vq.dead"), s["dead_codes"], help=tr("zoo.vq.dead_help"))


@view("aae")
def _prior_match(run: Run, ds: Dataset) -> None:
    z = infer.encode(run.model, ds.x_test)
    prior = np.random.default_rng(run.train_cfg.seed).standard_normal(z.shape)
    st.plotly_chart(two_clouds(z[:, :2], prior[:, :2], (tr("zoo.aae.codes"), tr("zoo.aae.prior")),
                               tr("zoo.aae.title") + _first_two(z)))
    acc = dg.discriminator_accuracy(run.model, ds.x_test, run.train_cfg.seed)
    st.caption(tr("zoo.aae.caption", acc=acc))


@view("seq_ae")
def _series(run: Run, ds: Dataset) -> None:
    picks = [int(np.flatnonzero(ds.y_test == c)[0]) for c in np.unique(ds.y_test)][:6]
    x = ds.x_test[picks]
    if ds.kind == "sequence":
        st.plotly_chart(series_rows(x, infer.reconstruct(run.model, x), ds.shape, lang=current_lang()))
        classes = tr("zoo.seq.separator").join(ds.class_names[ds.y_test[i]] for i in picks)
        st.caption(tr("zoo.seq.caption", classes=classes, k=run.model_cfg.latent_dim))


@view("umap_ae")
def _neighbourhoods(run: Run, ds: Dataset) -> None:
    z = infer.encode(run.model, ds.x_test)
    st.plotly_chart(latent_scatter(z[:, :2], ds.y_test, ds.class_names, ds.test_ids,
                                   title=tr("zoo.umap.title") + _first_two(z), lang=current_lang()))
    caption = tr("zoo.umap.caption", k=run.model_cfg.n_neighbors, weight=run.model_cfg.umap_weight)
    # the jittered copies the training made (a run trained here: its config says; an imported checkpoint: unknown)
    copies = run.model.copies or (run.model_cfg.jitter_copies if run.run_id and ds.kind == "image" else 0)
    st.caption(f"{caption} {tr('zoo.umap.jitter', copies=copies)}" if copies else caption)


def show_code(model: str) -> None:
    """The family's real PyTorch code (class, loss, helpers, backbone), collapsed."""
    with st.expander(tr("code.expander", family=family_title(model)), expanded=False):
        parts = source.family_source(model)
        st.caption(tr("code.caption", parts=tr("code.separator").join(f"`{p.name}`" for p in parts)))
        st.code(source.family_code(model), language="python")
