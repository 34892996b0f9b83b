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
from aelib.models import MODELS
from aelib.plots import image_rows, latent_scatter, series_rows
from aelib.zoo_plots import bars, curves, histograms, two_clouds
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
        title = MODELS[run.model_cfg.model].title
        st.subheader(f"What makes the {title[0].lower() + title[1:]} different")
        fn(run, ds)


def _fit_reporting(ds, mcfg, tcfg, what: str):
    """A work function for on_request: train mcfg/tcfg, reporting each epoch."""
    return lambda report: fit(ds, mcfg, tcfg, log=lambda s: report(s.epoch / s.epochs,
                                                                    f"{what}: epoch {s.epoch} of {s.epochs}"))


def _estimate(run: Run, epochs: int, models: int = 1) -> str:
    return f"about {run.seconds / len(run.history) * epochs * models:.0f} s"


def _plain_ae(run: Run, ds: Dataset, what: str):
    """The same network and settings as a plain autoencoder, trained on request, for contrast."""
    plain = replace(run.model_cfg, model="ae")
    label = f"Train a plain autoencoder with the same settings for contrast ({_estimate(run, run.train_cfg.epochs)})"
    return on_request(run, "plain_ae", label, _fit_reporting(ds, plain, run.train_cfg, what))


@view("ae")
def bottleneck(run: Run, ds: Dataset) -> None:
    st.markdown("The bottleneck decides how much of each sample survives. Train the same autoencoder at several "
                "latent sizes and compare with PCA, the best *linear* code of each size.")
    sizes = [k for k in (1, 2, 4, 8, 16, 32) if k < ds.input_dim]
    tcfg = replace(run.train_cfg, epochs=min(run.train_cfg.epochs, 10))
    label = f"Train {len(sizes)} sizes, {tcfg.epochs} epochs each ({_estimate(run, tcfg.epochs, len(sizes))})"
    rows = on_request(run, "sweep", label, lambda report: bottleneck_sweep(
        ds, run.model_cfg, tcfg, sizes, log=lambda i, n: report(i / n, f"latent size {sizes[i - 1]} done")))
    if rows:
        st.plotly_chart(curves(sizes, {"autoencoder": [r["ae"] for r in rows], "PCA": [r["pca"] for r in rows]},
                               "Reconstruction error against bottleneck size", "latent size",
                               "test MSE per value", log_x=True, dashed=("PCA",)))
        st.caption("Small codes: the non-linear autoencoder beats PCA. Large codes: both keep nearly everything, "
                   "and short training lets PCA catch up.")


@view("deep_ae")
def _recipes(run: Run, ds: Dataset) -> None:
    pre = run.train_cfg.pretrain_epochs
    st.markdown("Deep autoencoders were first trained *greedily*: each layer pair as a shallow autoencoder, "
                "outside in, then fine-tuned (Hinton & Salakhutdinov 2006). With ReLU and Adam a deep network "
                "often trains end to end; whether pretraining still pays off depends on depth, data and "
                "time. Compare the two recipes on the same network:")
    other = replace(run.train_cfg, pretrain_epochs=0 if pre else 3)
    label = ("Train the same network end to end, without pretraining" if pre
             else "Train it again with greedy pretraining, 3 epochs per layer pair")
    result = on_request(run, "recipe", label, _fit_reporting(ds, run.model_cfg, other, "other recipe"))
    if result:
        mine, theirs = ("with pretraining", "end to end") if pre else ("end to end", "with pretraining")
        n = max(len(run.history), len(result[1]))
        series = {f"{mine} (yours)": [h.val["loss"] for h in run.history], theirs: [h.val["loss"] for h in result[1]]}
        st.plotly_chart(curves(list(range(1, n + 1)), series, f"{run.val_name.capitalize()} loss of both recipes",
                               "fine-tuning epoch", "loss per sample", dashed=(theirs,)))
        st.caption("Pretraining is not free: its layer-by-layer epochs come before the fine-tuning epochs "
                   "plotted here. Compare at equal time as well as at equal epochs.")


@view("conv_ae")
def _filters(run: Run, ds: Dataset) -> None:
    filters, (kh, kw) = dg.conv_filters(run.model)
    st.plotly_chart(image_rows([filters], (1, kh, kw), ["filters"]))
    st.caption(f"The first layer's {len(filters)} learned {kh}×{kw} filters (dark = large weight). Each slides "
               "over the whole image: the same edge or stroke detector is used everywhere.")
    maps = dg.feature_maps(run.model, ds.x_test[:1])
    half = len(maps) // 2
    st.plotly_chart(image_rows([maps[:half].reshape(half, -1), maps[half:2 * half].reshape(half, -1)],
                               (1, *maps.shape[1:]), ["maps", "maps"]))
    st.caption("What those filters see in the first test image (feature maps after the ReLU, at half resolution).")


@view("denoising_ae")
def _denoising(run: Run, ds: Dataset) -> None:
    x = ds.x_test[:SHOW]
    noisy = dg.noisy_copies(run.model, x, run.train_cfg.seed)
    rows, titles = [noisy, infer.reconstruct(run.model, noisy), x], ["noisy input", "denoised", "clean"]
    plain = _plain_ae(run, ds, "plain autoencoder")
    if plain:
        rows.insert(2, infer.reconstruct(plain[0], noisy))
        titles.insert(2, "plain AE")
    st.plotly_chart(image_rows(rows, ds.shape, titles))
    errs = dg.denoising_errors(run.model, ds.x_test, run.train_cfg.seed)
    c = st.columns(3)
    c[0].metric("Noisy vs clean (MSE)", f"{errs['noisy_mse']:.4f}")
    c[1].metric("Denoised vs clean", f"{errs['denoise_mse']:.4f}")
    if plain:
        plain_mse = dg.denoising_errors(plain[0], ds.x_test, run.train_cfg.seed)["denoise_mse"]  # same noise
        c[2].metric("Plain AE vs clean", f"{plain_mse:.4f}", help=f"on the same {len(ds.x_test):,} noisy inputs")


@view("sparse_ae")
def _sparsity(run: Run, ds: Dataset) -> None:
    h = dg.code_activity(run.model, ds.x_test)
    active = (h > dg.ACTIVE).mean(1) * 100
    c = st.columns(2)
    c[0].plotly_chart(histograms({"code activations": h}, "Code activations (test set)", "activation"))
    c[1].plotly_chart(histograms({"samples": active}, "Units active per sample", "% of code units active"))
    st.caption(f"On average {active.mean():.0f}% of the {h.shape[1]} code units are active (> {dg.ACTIVE}) for a "
               "sample: each sample is described by a few units, different ones for different samples.")


@view("contractive_ae")
def _contractive(run: Run, ds: Dataset) -> None:
    st.markdown("The penalty ‖J‖² measures how much the code moves when the input moves a little. Its curve is "
                "in the loss panels above; here is its value against a plain autoencoder's.")
    mine = dg.contractive_penalty(run.model, ds.x_test[:500])
    plain = _plain_ae(run, ds, "plain autoencoder")
    c = st.columns(2)
    c[0].metric("Encoder ‖J‖² (yours)", f"{mine:.3g}")
    if plain:
        c[1].metric("Plain autoencoder's ‖J‖²", f"{dg.contractive_penalty(plain[0], ds.x_test[:500]):.3g}")


@view("linear_ae")
def _angles(run: Run, ds: Dataset) -> None:
    angles = dg.principal_angles(run.model, ds.x_train, run.train_cfg.seed)
    st.plotly_chart(bars(angles, list(range(1, len(angles) + 1)), "Principal angles to PCA's subspace",
                         "angle number", "degrees", line=10, line_name="10°"))
    st.caption("0° means the decoder's columns span exactly the same subspace as PCA's first components. A "
               "linear autoencoder with squared error finds PCA's subspace, but not its orthogonal, ordered axes.")


@view("vae", "cvae")
def _vae(run: Run, ds: Dataset) -> None:
    mu, logvar = dg.vae_posteriors(run.model, ds.x_test, ds.y_test)
    kl = dg.kl_per_dimension(mu, logvar)
    active = dg.active_units(mu)
    st.plotly_chart(bars(kl, [f"z{i + 1}" for i in range(len(kl))], "KL to the prior per latent dimension",
                         "dimension", "nats"))
    if active < len(kl):
        st.warning(f"Posterior collapse: {len(kl) - active} of {len(kl)} dimensions carry (almost) no information "
                   "— their KL is near 0 and the encoder ignores the input there. A smaller β, KL warm-up or a "
                   "weaker decoder bring them back.")
    else:
        st.caption(f"All {len(kl)} dimensions are active: each pays some KL to carry information about the input.")
    rng = np.random.default_rng(run.train_cfg.seed)
    z = rng.standard_normal((SHOW, run.model_cfg.latent_dim))
    if run.model_cfg.model == "cvae":
        rows = [infer.decode(run.model, z, np.full(SHOW, c)) for c in range(len(ds.class_names))]
        st.plotly_chart(image_rows(rows, ds.shape, ds.class_names))
        st.caption("Each row decodes the same random codes with a different class label: the label sets the class, "
                   "the code sets the style.")
    else:
        st.plotly_chart(image_rows([infer.decode(run.model, z)], ds.shape, ["from the prior"]))
        st.caption("New samples: codes drawn from the prior N(0, I), decoded. A plain autoencoder has no prior to "
                   "sample from.")


@view("vq_vae")
def _codebook(run: Run, ds: Dataset) -> None:
    s = dg.codebook_stats(run.model, ds.x_test)
    order = np.argsort(s["counts"])[::-1]
    st.plotly_chart(bars(s["counts"][order], order, "How often each codebook entry is chosen (test set)",
                         "codebook entry (most used first)", "times chosen"))
    c = st.columns(3)
    c[0].metric("Entries used", f"{s['codebook_usage']:.0%}")
    c[1].metric("Perplexity", f"{s['perplexity']:.1f}", help="exp(entropy of code use): the number of equally used "
                "entries that would give the same spread.")
    c[2].metric("Dead entries", s["dead_codes"], help="Never chosen, so never updated.")


@view("aae")
def _prior_match(run: Run, ds: Dataset) -> None:
    z = infer.encode(run.model, ds.x_test)
    prior = np.random.default_rng(run.train_cfg.seed).standard_normal(z.shape)
    st.plotly_chart(two_clouds(z[:, :2], prior[:, :2], ("codes of test samples", "samples of the prior N(0, I)"),
                               "Codes against the prior" + (" (first two dimensions)" if z.shape[1] > 2 else "")))
    acc = dg.discriminator_accuracy(run.model, ds.x_test, run.train_cfg.seed)
    st.caption(f"The discriminator tells codes from prior samples {acc:.0%} of the time (50% = it cannot). Its loss "
               "is in the panels above. A GAN uses the same game to make images; here it shapes the latent space.")


@view("seq_ae")
def _series(run: Run, ds: Dataset) -> None:
    picks = [int(np.flatnonzero(ds.y_test == c)[0]) for c in np.unique(ds.y_test)][:6]
    x = ds.x_test[picks]
    if ds.kind == "sequence":
        st.plotly_chart(series_rows(x, infer.reconstruct(run.model, x), ds.shape))
        st.caption("One test series per class: " + ", ".join(ds.class_names[ds.y_test[i]] for i in picks) +
                   ". The recurrent decoder rebuilds each from a code of "
                   f"{run.model_cfg.latent_dim} numbers, step by step.")


@view("umap_ae")
def _neighbourhoods(run: Run, ds: Dataset) -> None:
    z = infer.encode(run.model, ds.x_test)
    st.plotly_chart(latent_scatter(z[:, :2], ds.y_test, ds.class_names, ds.test_ids,
                                   title="Test codes: neighbourhoods kept by the UMAP term"
                                   + (" (first two dimensions)" if z.shape[1] > 2 else "")))
    st.caption(f"Training pulled each sample's {run.model_cfg.n_neighbors} nearest neighbours (in pixel space) "
               "together in the code and pushed random pairs apart, weighted by umap_weight = "
               f"{run.model_cfg.umap_weight:g} against reconstruction. Unlike UMAP or t-SNE, these test samples "
               "were never in that graph: the encoder places new points in one pass, and every point decodes.")
