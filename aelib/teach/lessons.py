"""The guided lessons: each one's math (language-neutral LaTeX), its prediction question's right answer, the
full page it links to, and its preset experiment — a short run on scikit-learn's 8×8 digits that returns plain
numbers and arrays, and its explanation: the numbers the run produced and, from them, which sentences of
"lesson.<id>.explain.*" (assets/i18n/lesson.<lang>.json) tell what this run actually showed."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.linalg import subspace_angles

from aelib import diagnostics, infer
from aelib.data import Dataset, load_dataset
from aelib.experiment import fit, model_config, train_config, training_split
from aelib.labs import anomaly
from aelib.labs import denoising as denoising_lab
from aelib.metrics import pca_test_mse
from aelib.models import build_model
from aelib.teach import modern_lessons as modern
from aelib.train import EpochStats, subset_rows

DATASET = "digits"  # 1,797 8×8 digits: every experiment trains in seconds on a laptop's CPU
SHOW = 8  # samples per image row
Log = Callable[[float], None]  # fraction of the experiment done, 0..1


@dataclass(frozen=True)
class Lesson:
    id: str  # the i18n prefix: lesson.<id>.title, .concept, .setup, .question, .option.<i>, .explain
    page: str  # the full page for free exploration
    formulas: tuple[str, ...]  # st.latex, shown in order
    n_options: int  # prediction options lesson.<id>.option.0 .. n-1
    answer: int  # the index of the right prediction
    run: Callable[[Dataset, int, Log], dict]  # (digits, seed, log) -> the result's numbers and arrays
    facts: Callable[[dict], dict]  # the result -> the numbers the explanation's placeholders name
    story: Callable[[dict], tuple[str, ...]]  # those numbers -> the explanation's parts, in order

    def explanation(self, result: dict) -> list[tuple[str, dict]]:
        """(table key, numbers) for each sentence of the explanation of this run, chosen by what it showed."""
        facts = self.facts(result)
        return [(f"lesson.{self.id}.explain.{part}", facts) for part in self.story(facts)]


def load(seed: int = 0) -> Dataset:
    return load_dataset(DATASET, seed=seed)


def _stepper(log: Log | None, total: int) -> Callable[[int], Callable]:
    """fit()'s per-epoch log for run `i` of `total`, reporting the whole experiment's fraction done."""
    def for_run(i: int):
        return None if log is None else (lambda s: log((i + s.epoch / s.epochs) / total))
    return for_run


def _test_recon(model, ds: Dataset) -> np.ndarray:
    return infer.reconstruct(model, ds.x_test[:SHOW])


# -- 1: the bottleneck -------------------------------------------------------------------------------------

BOTTLENECKS = (2, 8, 32)


def bottleneck(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 15,
               sizes: tuple[int, ...] = BOTTLENECKS) -> dict:
    """A plain AE at each code size: held-out MSE per value (PCA's beside it) and reconstructions."""
    step, out = _stepper(log, len(sizes)), {"sizes": list(sizes), "ae": [], "pca": [], "rows": []}
    for i, k in enumerate(sizes):
        model, _ = fit(ds, model_config(ds, "ae", k), train_config("ae", epochs=epochs, seed=seed), step(i))
        out["ae"].append(infer.mse(model, ds.x_test))
        out["pca"].append(pca_test_mse(ds.x_train, ds.x_test, k, seed))
        out["rows"].append(_test_recon(model, ds))
    out["original"] = ds.x_test[:SHOW]
    return out


# -- 2: a linear AE learns PCA's subspace -------------------------------------------------------------------

LINEAR_K = 4


def random_angles(dim: int, k: int, x_train: np.ndarray, seed: int) -> np.ndarray:
    """Principal angles (degrees) between a random k-dimensional subspace and PCA's: what 'unrelated' looks like."""
    from sklearn.decomposition import PCA

    basis = np.random.default_rng(seed).standard_normal((dim, k))
    pca = PCA(n_components=k, random_state=seed).fit(x_train)
    return np.sort(np.degrees(subspace_angles(basis, pca.components_.T)))


def linear_pca(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 40) -> dict:
    """A linear AE with a k-value code: its decoder's subspace against PCA's first k components."""
    mcfg = model_config(ds, "linear_ae", LINEAR_K)
    model, _ = fit(ds, mcfg, train_config("linear_ae", epochs=epochs, seed=seed), _stepper(log, 1)(0))
    angles = diagnostics.principal_angles(model, ds.x_train, seed)
    return {"k": LINEAR_K, "angles": angles.tolist(), "random": random_angles(ds.input_dim, LINEAR_K, ds.x_train,
                                                                                seed).tolist(),
            "ae_mse": infer.mse(model, ds.x_test), "pca_mse": pca_test_mse(ds.x_train, ds.x_test, LINEAR_K, seed)}


# -- 3: overfitting and its cures ---------------------------------------------------------------------------

TINY = 40  # training samples: far fewer than the network's weights
CURES = {"none": ({}, {}), "dropout": ({"dropout": 0.3}, {}), "weight_decay": ({}, {"weight_decay": 5e-2}),
         "early_stopping": ({}, {"patience": 10})}  # cure -> (model options, training options)


def overfitting(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 100) -> dict:
    """A wide AE trained on TINY samples, bare and with each cure. Both losses are measured after training,
    in evaluation mode (dropout off): MSE per value on those TINY samples and on the held-out split."""
    step, out = _stepper(log, len(CURES)), {"cures": list(CURES), "train": [], "test": [], "gap": [], "epochs": []}
    for i, (model_kw, train_kw) in enumerate(CURES.values()):
        tcfg = train_config("ae", epochs=epochs, seed=seed, batch_size=TINY, train_subset=TINY, **train_kw)
        model, history = fit(ds, model_config(ds, "ae", 16, **model_kw), tcfg, step(i))
        x_fit = training_split(ds, tcfg)[0]
        seen = x_fit[subset_rows(len(x_fit), TINY, seed)]  # the very rows train() used
        out["train"].append(infer.mse(model, seen))
        out["test"].append(infer.mse(model, ds.x_test))
        out["gap"].append(out["test"][-1] - out["train"][-1])
        out["epochs"].append(len(history))
    return out


# -- 4: the VAE's smooth latent space ------------------------------------------------------------------------

def holes(z: np.ndarray, n: int = 2000, radius: float = 0.2, seed: int = 0) -> float:
    """Share of draws from N(0, I) with no code of a held-out sample within `radius`: where the prior sends
    the decoder into a region no encoded sample taught it. (N, k) codes -> a fraction in [0, 1]."""
    probe = np.random.default_rng(seed).standard_normal((n, z.shape[1]))
    nearest = np.min(np.linalg.norm(probe[:, None, :] - z[None, :, :], axis=2), axis=1)
    return float(np.mean(nearest > radius))


def vae_vs_ae(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 25) -> dict:
    """A VAE and a plain AE with 2-D codes: the VAE's KL term, their codes, and what each decodes from
    z ~ N(0, I) — the VAE's prior; for the plain AE that region is whatever its codes happen to leave."""
    step, out = _stepper(log, 2), {"y": ds.y_test}
    z_prior = np.random.default_rng(seed).standard_normal((SHOW, 2)).astype(np.float32)
    for i, name in enumerate(("vae", "ae")):  # (the AE's codes are in whatever units it settled on)
        model, history = fit(ds, model_config(ds, name, 2), train_config(name, epochs=epochs, seed=seed), step(i))
        z = infer.encode(model, ds.x_test)
        out[name] = {"z": z, "samples": infer.decode(model, z_prior), "holes": holes(z, seed=seed),
                     "mse": infer.mse(model, ds.x_test), "terms": history[-1].val, "std": z.std(0).tolist()}
    out["kl"] = out["vae"]["terms"]["kl"]
    return out


# -- 5: denoising --------------------------------------------------------------------------------------------

NOISE, NOISE_LEVEL = "gaussian", 0.5


def denoising(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 30) -> dict:
    """A denoising AE and a plain AE with the same network, both fed the same noisy held-out digits."""
    dae_cfg, _ = denoising_lab.pair_configs(ds, NOISE, NOISE_LEVEL, latent_dim=16, hidden=(256, 128))
    pair = denoising_lab.train_pair(ds, dae_cfg, train_config("denoising_ae", epochs=epochs, seed=seed),
                                  None if log is None else (lambda f, _text: log(f)))
    r = denoising_lab.side_by_side(pair, ds.x_test, NOISE, NOISE_LEVEL, seed)
    return {"psnr": {k: float(np.mean(r[f"psnr_{k}"])) for k in ("noisy", "denoised", "plain")},
            "rows": [r["noisy"][:SHOW], r["denoised"][:SHOW], r["plain"][:SHOW], ds.x_test[:SHOW]]}


# -- 6: anomaly detection ------------------------------------------------------------------------------------

NORMAL = (1,)  # train on ones only; every other digit is an anomaly
CALIBRATE, PERCENTILE = 0.2, 95  # share of the normal training rows held out to set the threshold; its percentile


def anomalies(ds: Dataset, seed: int = 0, log: Log | None = None, epochs: int = 40) -> dict:
    """An AE trained only on the normal digit, less a fifth of its rows held out to calibrate: the threshold is
    the 95th percentile of those held-out normal errors (about 5 % false alarms by construction). Reconstruction
    errors of held-out normal and anomalous digits, the area under the ROC curve, the metrics at that threshold,
    and for comparison the textbook mean + 2 std of the (in-sample, so optimistic) training errors."""
    split = anomaly.one_class_split(ds, NORMAL)
    rows = np.random.default_rng(seed).permutation(len(split.x_train))
    n_cal = max(1, int(CALIBRATE * len(rows)))
    x_cal = split.x_train[rows[:n_cal]]
    split = replace(split, x_train=split.x_train[rows[n_cal:]])
    mcfg = model_config(ds, "ae", 8)
    tcfg = train_config("ae", epochs=epochs, seed=seed, batch_size=32)
    model = build_model(mcfg, seed=seed)
    for ev in anomaly.training_events(model, split, tcfg):
        if isinstance(ev, EpochStats) and log is not None:
            log(ev.epoch / ev.epochs)
    scored = anomaly.score_split(model, split)
    tau = float(np.percentile(anomaly.per_sample_errors(model, x_cal), PERCENTILE))
    summary = anomaly.summary(scored, tau)
    worst = anomaly.worst(scored.test_errors, SHOW)
    normal = scored.test_errors[~split.is_anomaly]
    return {"normal": normal, "anomalous": scored.test_errors[split.is_anomaly], "threshold": tau,
            "textbook": scored.threshold, "n_cal": n_cal, "false_alarms": float(np.mean(normal > tau)),
            "auroc": summary["auroc"], "recall": summary["recall"], "precision": summary["precision"],
            "worst": split.x_test[worst], "worst_labels": split.y_test[worst]}


# -- the numbers each explanation quotes, and which sentences they call for -------------------------------------

def _facts_bottleneck(r: dict) -> dict:
    """The smallest and largest code and the one before the largest ("mid"; the smallest when there are two)."""
    mid = -2 if len(r["sizes"]) > 2 else 0
    return {"small": r["ae"][0], "large": r["ae"][-1], "k_small": r["sizes"][0], "k_large": r["sizes"][-1],
            "mid": r["ae"][mid], "k_mid": r["sizes"][mid], "pca_small": r["pca"][0], "pca_large": r["pca"][-1],
            "ratio": r["ae"][-1] / max(r["pca"][-1], 1e-12), "sizes": len(r["sizes"])}


def _story_bottleneck(f: dict) -> tuple[str, ...]:
    """The trend from the smallest code to the largest; where the AE stopped gaining (a short run of a dense AE
    often levels off between the last two sizes while PCA keeps falling), and how both ends compare with PCA."""
    trend = "rise" if f["small"] > 1.1 * f["large"] else "fall" if f["large"] > 1.1 * f["small"] else "flat"
    parts = ["numbers", trend]
    if trend == "rise" and f["sizes"] > 2:
        parts.append("plateau" if f["mid"] <= 1.1 * f["large"] else "still_falling")
    if f["large"] < f["pca_large"]:
        return (*parts, "ae_beats_pca")
    if f["small"] < f["pca_small"]:
        parts.append("small_beats_pca")
    return (*parts, "pca_beats_ae")


def _facts_linear(r: dict) -> dict:
    return {"k": r["k"], "max_angle": max(r["angles"]), "min_random": min(r["random"]), "ae_mse": r["ae_mse"],
            "pca_mse": r["pca_mse"]}


def _story_linear(f: dict) -> tuple[str, ...]:
    angle, rnd = f["max_angle"], f["min_random"]
    found = "found" if angle < 10 and 3 * angle < rnd else "partly" if angle < rnd else "not_found"
    ratio = f["ae_mse"] / f["pca_mse"]
    mse = "mse_above" if ratio > 1.05 else "mse_below" if ratio < 0.95 else "mse_match"
    return found, mse, "closing"


def _facts_overfitting(r: dict) -> dict:
    gaps, tests, epochs = (dict(zip(r["cures"], r[k])) for k in ("gap", "test", "epochs"))
    return {"n": TINY, "train": r["train"][0], "test": r["test"][0], "gap": gaps["none"],
            "dropout": gaps["dropout"], "weight_decay": gaps["weight_decay"], "early": gaps["early_stopping"],
            "test_dropout": tests["dropout"], "test_weight_decay": tests["weight_decay"],
            "test_early": tests["early_stopping"], "epochs_early": epochs["early_stopping"], "epochs": epochs["none"]}


def _story_overfitting(f: dict) -> tuple[str, ...]:
    gap = "gap" if f["gap"] > 0.005 and f["test"] > 1.5 * f["train"] else "no_gap"
    parts = [gap]
    for cure, key in (("dropout", "dropout"), ("weight_decay", "weight_decay"), ("early_stopping", "early")):
        narrowed, better = f[key] < f["gap"], f[f"test_{key}"] < f["test"]
        parts.append(f"{cure}.{'helped' if narrowed and better else 'narrowed' if narrowed else 'no_help'}")
    return (*parts, "closing")


def _facts_vae(r: dict) -> dict:
    return {"kl": r["kl"], "holes_vae": 100 * r["vae"]["holes"], "holes_ae": 100 * r["ae"]["holes"],
            "std_ae": max(r["ae"]["std"]), "std_vae": max(r["vae"]["std"]), "std_vae_lo": min(r["vae"]["std"]),
            "mse_vae": r["vae"]["mse"], "mse_ae": r["ae"]["mse"]}


def _story_vae(f: dict) -> tuple[str, ...]:
    return ("collapse" if f["kl"] < 0.1 else "kl", "spread_near" if 0.5 <= f["std_vae"] <= 1.5 else "spread_off",
            "fewer_holes" if f["holes_vae"] < f["holes_ae"] else "no_fewer_holes",
            "blur" if f["mse_vae"] > f["mse_ae"] else "no_blur")


def _facts_denoising(r: dict) -> dict:
    return {"level": NOISE_LEVEL, **r["psnr"]}


def _story_denoising(f: dict) -> tuple[str, ...]:
    diff = f["denoised"] - f["plain"]
    return ("numbers", "dae_wins" if diff > 0.5 else "plain_wins" if diff < -0.5 else "tie",
            "plain_cleans" if f["plain"] > f["noisy"] else "plain_passes", "closing")


def _facts_anomaly(r: dict) -> dict:
    return {"auroc": r["auroc"], "normal": float(np.median(r["normal"])), "anomalous": float(np.median(r["anomalous"])),
            "recall": 100 * r["recall"], "precision": 100 * r["precision"], "tau": r["threshold"],
            "textbook": r["textbook"], "n_cal": r["n_cal"], "false_alarms": 100 * r["false_alarms"],
            "percentile": PERCENTILE}


def _story_anomaly(f: dict) -> tuple[str, ...]:
    a = f["auroc"]
    grade = "strong" if a >= 0.9 else "moderate" if a >= 0.7 else "weak" if a >= 0.5 else "inverted"
    return grade, "medians", "threshold", "closing"


# -- the registry --------------------------------------------------------------------------------------------

LESSONS = (
    Lesson("bottleneck", "pages/1_Train.py", (
        r"z = f_\theta(x) \in \mathbb{R}^k,\quad \hat x = g_\phi(z),\quad k \ll D",
        r"\min_{\theta,\phi}\ \frac{1}{N}\sum_{i=1}^{N} \lVert x_i - g_\phi(f_\theta(x_i)) \rVert^2"),
        3, 0, bottleneck, _facts_bottleneck, _story_bottleneck),
    Lesson("linear_pca", "pages/3_Compare.py", (
        r"\hat x = W_d W_e x,\qquad \min_{W_e, W_d} \lVert X - X W_e^\top W_d^\top \rVert_F^2",
        r"\operatorname{span}(W_d) = \operatorname{span}(u_1, \dots, u_k)\quad\text{(Baldi \& Hornik 1989)}"),
        3, 1, linear_pca, _facts_linear, _story_linear),
    Lesson("overfitting", "pages/1_Train.py", (
        r"\text{gap} = \mathcal{L}_{\text{held-out}} - \mathcal{L}_{\text{train}}",
        r"\mathcal{L}_{\lambda} = \mathcal{L} + \tfrac{\lambda}{2} \lVert w \rVert_2^2\ "
        r"(\nabla_w: +\lambda w,\ \text{Adam's weight\_decay} = \lambda),\qquad "
        r"\tilde h = \frac{m \odot h}{1-p},\ m_j \sim \operatorname{Bernoulli}(1-p)"),
        3, 1, overfitting, _facts_overfitting, _story_overfitting),
    Lesson("vae", "pages/8_Generation.py", (
        r"z = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon,\qquad \varepsilon \sim \mathcal{N}(0, I)",
        r"\log p(x) \ge \mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)] - "
        r"D_{\mathrm{KL}}\big(q_\phi(z\mid x)\,\Vert\,\mathcal{N}(0, I)\big)\quad\text{(the ELBO)}",
        r"\mathcal{L}_\beta = -\mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)] + "
        r"\beta\, D_{\mathrm{KL}}\quad\text{(trained; the negative ELBO only for } \beta = 1)",
        r"D_{\mathrm{KL}} = \tfrac12 \sum_j \big(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\big)"),
        3, 0, vae_vs_ae, _facts_vae, _story_vae),
    Lesson("denoising", "pages/5_Denoising.py", (
        r"\tilde x = x + \sigma\,\varepsilon,\qquad \min\ \lVert x - g(f(\tilde x)) \rVert^2",
        r"\mathrm{PSNR} = 10 \log_{10} \frac{1}{\mathrm{MSE}(x, \hat x)}\ \text{dB}"),
        3, 2, denoising, _facts_denoising, _story_denoising),
    Lesson("anomaly", "pages/4_Anomaly.py", (
        r"s(x) = \frac{1}{D} \lVert x - g(f(x)) \rVert^2",
        r"\text{anomaly} \iff s(x) > \tau,\qquad \tau = Q_{0.95}\big(s(x)\ \text{on held-out normal samples}\big)"),
        3, 1, anomalies, _facts_anomaly, _story_anomaly),
    Lesson("sae", "pages/2_Latent_space.py", (
        r"z = \operatorname{TopK}\big(W_{\text{enc}}^\top (h - b_{\text{dec}}) + b_{\text{enc}}\big),\qquad "
        r"\hat h = W_{\text{dec}}^\top z + b_{\text{dec}}\quad\text{(Gao et al. 2024)}",
        r"L_0 = \lVert z \rVert_0,\qquad \mathrm{FVU} = \frac{\sum \lVert h - \hat h \rVert^2}"
        r"{\sum \lVert h - \bar h \rVert^2}"),
        3, 0, modern.sparse, modern.facts_sparse, modern.story_sparse),
    Lesson("mae", "pages/11_Few_labels.py", (
        r"\mathcal{L} = \frac{1}{|M|} \sum_{i \in M} \lVert p_i - \hat p_i \rVert^2,\qquad "
        r"\hat p = g\big(f(\{p_j\}_{j \notin M})\big)\quad\text{(He et al. 2022)}",),
        3, 1, modern.masked, modern.facts_masked, modern.story_masked),
    Lesson("latent_diffusion", "pages/8_Generation.py", (
        r"z_0 = \mu_\phi(x),\qquad z_t = \sqrt{\bar\alpha_t}\, z_0 + \sqrt{1 - \bar\alpha_t}\, \varepsilon",
        r"\min_\theta\ \mathbb{E}\,\lVert \varepsilon - \varepsilon_\theta(z_t, t) \rVert^2,\qquad "
        r"\tilde x = g_\psi(z_0^{\text{sampled}})\quad\text{(Ho et al. 2020; Rombach et al. 2022)}"),
        3, 1, modern.latent, modern.facts_latent, modern.story_latent),
    Lesson("score", "pages/5_Denoising.py", (
        r"r^*(x) - x \approx \sigma^2\, \nabla_x \log p(x)\quad\text{(Vincent 2011; Alain \& Bengio 2014)}",
        r"\mathbb{E}\lVert r(x + \sigma\varepsilon) - x \rVert^2 \approx \lVert r(x) - x \rVert^2 + "
        r"\sigma^2 \lVert \partial r / \partial x \rVert_F^2"),
        3, 2, modern.score, modern.facts_score, modern.story_score),
)


def parse_number(value: object) -> int:
    """A lesson number (1-based) from an untrusted value (?lesson=3): a known number, else 1."""
    if isinstance(value, str) and len(value) <= 8 and re.fullmatch(r"[0-9]{1,4}", value.strip(" ")):
        n = int(value.strip(" "))  # ASCII digits only: str.isdigit() also takes "²" and "①", which int() refuses
        return n if 1 <= n <= len(LESSONS) else 1
    return 1
