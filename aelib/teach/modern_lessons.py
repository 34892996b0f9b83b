"""The lessons on the autoencoders of 2026 — sparse, masked, latent diffusion, denoising as score matching: each
one's small preset run (the labs' own functions on small settings), the numbers its explanation quotes, and which
sentences of "lesson.<id>.explain.*" those numbers call for. Registered in aelib.teach.lessons.LESSONS."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import fit, model_config, train_config
from aelib.labs import latent_diffusion as ld_lab
from aelib.labs import mae as mae_lab
from aelib.labs import sae as sae_lab
from aelib.labs import score_field as sf_lab

SHOW = 8  # samples per image row
FEATURES = 3  # SAE latents whose top-activating digits are shown
Log = Callable[[float], None]


def _log(log: Log | None, fraction: float) -> None:
    if log is not None:
        log(fraction)


# -- sparse autoencoder on a classifier's hidden layer ----------------------------------------------------------

def sparse(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 15, latents: int = 128,
           k: int = 8, hidden: int = 64) -> dict:
    """A digit classifier, then a TopK SAE on its hidden activations: the lab's numbers, and the top-activating
    held-out digits of the FEATURES latents that fire most often."""
    net, h_train, h_test, scale = sae_lab.prepare(ds, hidden, seed=seed)
    _log(log, 0.3)
    model = sae_lab.train_sae(h_train / scale, sae_lab.SAEConfig(latents=latents, k=k, epochs=epochs, seed=seed))
    _log(log, 0.9)
    out = sae_lab.evaluate(model, net, scale, h_train, h_test, ds.y_test)
    z, _ = sae_lab.codes(model, h_test / scale)
    busiest = np.argsort(-(z > 0).sum(0))[:FEATURES]
    top = sae_lab.top_digits(z[:, busiest], SHOW)  # (FEATURES, SHOW) row indices
    return {**out, "k": k, "latents": latents, "hidden": hidden, "top": [ds.x_test[r] for r in top],
            "top_labels": [ds.y_test[r].tolist() for r in top]}


def facts_sparse(r: dict) -> dict:
    return {"k": r["k"], "latents": r["latents"], "hidden": r["hidden"], "l0": r["l0"],
            "dead": 100 * r["dead_fraction"], "fvu": r["fvu"], "explained": 100 * (1 - r["fvu"]),
            "acc": 100 * r["accuracy"], "acc_rec": 100 * r["accuracy_with_reconstructed_activations"],
            "acc_mean": 100 * r["accuracy_with_mean_activations"], "purity": 100 * r["top_digit_purity"]}


def story_sparse(f: dict) -> tuple[str, ...]:
    fidelity = "faithful" if f["fvu"] < 0.1 else "partial" if f["fvu"] < 0.3 else "poor"
    drop = f["acc"] - f["acc_rec"]
    acc = "keeps" if drop <= 2 else "drops" if f["acc_rec"] > (f["acc"] + f["acc_mean"]) / 2 else "loses"
    return (fidelity, acc, "no_dead" if f["dead"] <= 10 else "dead", "pure" if f["purity"] >= 60 else "mixed",
            "closing")


# -- masked autoencoder --------------------------------------------------------------------------------------

def masked(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 8, dim: int = 16,
           ae_epochs: int = 10) -> dict:
    """An MAE (4×4 patches, 75 % hidden) and a plain AE with a code of `dim`; linear probes on raw pixels, the AE
    code and the MAE features; the hidden-patch error against the mean image's, and filled-in digits."""
    cfg = mae_lab.MAEConfig(grid=4, dim=dim, epochs=epochs, seed=seed)
    model = mae_lab.train_mae(ds.x_train, ds.shape, cfg)
    _log(log, 0.6)
    ae, _ = fit(ds, model_config(ds, "ae", dim), train_config("ae", epochs=ae_epochs, seed=seed))
    _log(log, 0.8)
    feats = {"raw": (ds.x_train, ds.x_test), "ae": (infer.encode(ae, ds.x_train), infer.encode(ae, ds.x_test)),
             "mae": (mae_lab.features(model, ds.x_train, ds.shape, cfg.grid),
                     mae_lab.features(model, ds.x_test, ds.shape, cfg.grid))}
    out = {f"probe_{n}": mae_lab.probe(a, ds.y_train, b, ds.y_test) for n, (a, b) in feats.items()}
    filled = mae_lab.fill_in(model, ds.x_test[:SHOW * 20], ds.shape, cfg, seed)
    mean = mae_lab.fill_in_mean(ds.x_train.mean(0, keepdims=True), ds.x_test[:SHOW * 20], ds.shape, cfg)
    return {**out, "mse_mae": filled["mse_hidden"], "mse_mean": mean, "mask_ratio": cfg.mask_ratio,
            "patches": cfg.grid ** 2, "dim": dim, "pixels": ds.input_dim,
            "rows": [ds.x_test[:SHOW], filled["masked"][:SHOW], filled["filled"][:SHOW]]}


def facts_masked(r: dict) -> dict:
    return {"raw": 100 * r["probe_raw"], "ae": 100 * r["probe_ae"], "mae": 100 * r["probe_mae"], "dim": r["dim"],
            "pixels": r["pixels"], "mse_mae": r["mse_mae"], "mse_mean": r["mse_mean"],
            "hidden": round(100 * r["mask_ratio"]), "patches": r["patches"]}


def story_masked(f: dict) -> tuple[str, ...]:
    gap = f["mae"] - f["raw"]
    probe = "mae_wins" if gap > 1 else "raw_wins" if gap < -1 else "tie"
    ae = "mae_above_ae" if f["mae"] > f["ae"] + 1 else "ae_above_mae" if f["ae"] > f["mae"] + 1 else "ae_ties"
    fill = "fills" if f["mse_mae"] < 0.9 * f["mse_mean"] else "mean_level"
    return "numbers", probe, ae, fill, "closing"


# -- latent diffusion ----------------------------------------------------------------------------------------

def latent(ds: Dataset, seed: int = 0, log: Log | None = None, vae_epochs: int = 15, diffusion_epochs: int = 40,
           samples: int = 200) -> dict:
    """A VAE with a 4-number code, a 100-step DDPM on its codes, and the classifier's verdict (the lab's report)."""
    cfg = ld_lab.LatentDiffusionConfig(latent_dim=4, vae_epochs=vae_epochs, steps=100,
                                       diffusion_epochs=diffusion_epochs, samples=samples, seed=seed)
    _log(log, 0.05)
    return ld_lab.report(ds, cfg, show=SHOW)


def facts_latent(r: dict) -> dict:
    kinds = ("real", "reconstructed", "prior", "latent_diffusion")
    return {"latent_dim": r["latent_dim"], "pixels": r["pixels"], "compression": r["compression"],
            "mse": r["vae_mse"], "confidence": round(100 * r["confidence"]), "acc": 100 * r["classifier_accuracy"],
            **{k: 100 * r[f"recognised_{k}"] for k in kinds}, **{f"covered_{k}": r[f"digits_covered_{k}"]
                                                                   for k in kinds}}


def story_latent(f: dict) -> tuple[str, ...]:
    loss = "compression_loses" if f["reconstructed"] < f["real"] - 5 else "compression_keeps"
    gain = f["latent_diffusion"] - f["prior"]
    diffusion = "diffusion_gains" if gain > 3 else "diffusion_loses" if gain < -3 else "diffusion_ties"
    ceiling = "above_ceiling" if f["latent_diffusion"] > f["reconstructed"] + 3 else "under_ceiling"
    return "numbers", loss, diffusion, ceiling, "closing"


# -- denoising as score matching -----------------------------------------------------------------------------

def score(ds: Dataset | None = None, seed: int = 0, log: Log | None = None, epochs: int = 300) -> dict:
    """The score-field lab on the unit circle (the digits are not used): a DAE at σ = 0.1 and a plain AE."""
    _log(log, 0.05)
    return sf_lab.report(sf_lab.ScoreConfig(epochs=epochs, seed=seed))


def facts_score(r: dict) -> dict:
    return {"sigma": r["sigma"], "cosine": r["cosine_toward_circle"], "share": 100 * r["share_pointing_toward"],
            "cosine_plain": r["cosine_plain"], "tangent": r["dae_gain_tangent"], "normal": r["dae_gain_normal"],
            "plain_tangent": r["plain_gain_tangent"], "plain_normal": r["plain_gain_normal"],
            "loss": r["dae_loss"], "expansion": r["clean_plus_contractive"]}


def story_score(f: dict) -> tuple[str, ...]:
    toward = "toward" if f["cosine"] > 0.7 else "partly" if f["cosine"] > 0.2 else "not_toward"
    plain = "plain_aimless" if abs(f["cosine_plain"]) < 0.5 else "plain_also"
    contracts = "contracts" if f["normal"] < 0.8 * f["tangent"] else "no_contraction"
    close = abs(f["loss"] - f["expansion"]) <= 0.1 * max(f["loss"], 1e-12)
    return toward, plain, contracts, "expansion_holds" if close else "expansion_off", "closing"
