"""The generation lab: new samples from a decoder. Sampling codes (a VAE's prior, a Gaussian fitted to a plain
AE's codes), a grid over a 2-D latent plane, per-dimension traversals, and interpolation (linear and spherical
in latent space, against blending pixels). Plain arrays in and out."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.neighbors import NearestNeighbors

from aelib import infer
from aelib.data import Dataset
from aelib.experiment import TRAINED_HERE, fit, model_config
from aelib.i18n import Words
from aelib.models import Autoencoder, ModelConfig
from aelib.train import EpochStats, TrainConfig

FAMILIES = ("vae", "cvae", "ae")  # the families this lab can sample from
LATENT_DIM = 2  # the classic manifold picture needs a 2-D code
HIDDEN = (512, 256)
EPS = 1e-7


def lerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Straight-line interpolation (1 - t)·a + t·b. (D,), (D,), (T,) -> (T, D); t = 0 gives a, t = 1 gives b."""
    a, b, t = np.asarray(a, np.float64), np.asarray(b, np.float64), np.atleast_1d(np.asarray(t, np.float64))
    return (1 - t)[:, None] * a + t[:, None] * b


def slerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Spherical interpolation (Shoemake 1985; for latent codes, White 2016 "Sampling generative networks"). The
    direction follows the great circle from a to b, sin((1-t)ω)/sin ω · â + sin(tω)/sin ω · b̂ (ω the angle
    between them), and the norm goes linearly from ‖a‖ to ‖b‖: between codes of equal norm this is Shoemake's
    formula and every point keeps that norm; for unequal norms his formula on the raw vectors would overshoot
    when they point nearly opposite ways. (D,), (D,), (T,) -> (T, D); the endpoints are a and b exactly.
    Parallel vectors (sin ω ≈ 0, a zero vector included) fall back to lerp; for opposite vectors every great
    circle is as good as another, and lerp (through the origin) is what is returned."""
    a, b, t = np.asarray(a, np.float64), np.asarray(b, np.float64), np.atleast_1d(np.asarray(t, np.float64))
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < EPS or nb < EPS:
        return lerp(a, b, t)
    omega = np.arccos(np.clip(a @ b / (na * nb), -1.0, 1.0))
    so = np.sin(omega)
    if so < 1e-6:
        return lerp(a, b, t)
    unit = (np.sin((1 - t) * omega) / so)[:, None] * (a / na) + (np.sin(t * omega) / so)[:, None] * (b / nb)
    out = ((1 - t) * na + t * nb)[:, None] * unit  # (T, D)
    out[t == 0], out[t == 1] = a, b  # exact, whatever the rounding
    return out


def blend(xa: np.ndarray, xb: np.ndarray, t) -> np.ndarray:
    """Pixel-space cross-fade of two images (a double exposure, not a morph). (D,), (D,), (T,) -> (T, D)."""
    return lerp(xa, xb, t).astype(np.float32)


def midpoint_norms(dims: tuple[int, ...] = (2, 16, 128, 512), n: int = 300, seed: int = 0) -> list[dict]:
    """Why slerp (White 2016): for pairs of N(0, I) samples in d dimensions, the mean norm of the samples (≈ √d),
    of their linear midpoint (≈ √(d/2), a radius where the prior has almost no mass when d is large) and of
    their spherical midpoint (≈ √d again). Each row's keys are MIDPOINT_COLUMNS (ids, not words)."""
    rng, rows = np.random.default_rng(seed), []
    for d in dims:
        a, b = rng.standard_normal((2, n, d))
        mid_l = np.linalg.norm((a + b) / 2, axis=1)
        mid_s = np.array([np.linalg.norm(slerp(a[i], b[i], 0.5)[0]) for i in range(n)])
        rows.append({"d": d, "sample": float(np.linalg.norm(a, axis=1).mean()), "linear": float(mid_l.mean()),
                     "spherical": float(mid_s.mean()), "sqrt_d": float(np.sqrt(d))})  # E‖z‖ → √d as d grows
    return rows


# midpoint_norms()' columns: the latent size d, the mean norm of a sample, of the linear and of the spherical
# midpoint, and √d
MIDPOINT_COLUMNS = ("d", "sample", "linear", "spherical", "sqrt_d")


@dataclass(frozen=True)
class Gaussian:
    """A Gaussian over codes to draw new codes from: a VAE's prior N(0, I), or one fitted to a plain AE's codes."""
    mean: np.ndarray  # (D,)
    cov: np.ndarray  # (D, D)
    name: str

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """(n, D) codes."""
        chol = np.linalg.cholesky(self.cov + 1e-9 * np.eye(len(self.mean)))
        return (self.mean + np.random.default_rng(seed).standard_normal((n, len(self.mean))) @ chol.T).astype(
            np.float32)

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))


def standard_normal(latent_dim: int) -> Gaussian:
    return Gaussian(np.zeros(latent_dim), np.eye(latent_dim), "N(0, I)")


def fitted_gaussian(codes: np.ndarray) -> Gaussian:
    """The Gaussian with the mean and covariance of the codes (N, D): the best a plain AE offers to sample from."""
    codes = np.asarray(codes, np.float64)
    cov = np.atleast_2d(np.cov(codes, rowvar=False)) if len(codes) > 1 else np.eye(codes.shape[1])
    return Gaussian(codes.mean(0), cov, "a Gaussian fitted to its training codes")


def prior_for(model: Autoencoder, codes: np.ndarray) -> Gaussian:
    """What to sample codes from: N(0, I) for the VAE family (its KL term pulls the codes toward it), else a
    Gaussian fitted to the model's training codes (a plain AE's codes lie wherever training left them)."""
    if model.cfg.model in ("vae", "cvae"):
        return standard_normal(model.cfg.latent_dim)
    return fitted_gaussian(codes)


def hole_fraction(samples: np.ndarray, codes: np.ndarray, q: float = 0.99) -> float:
    """The share of sampled codes farther from every training code than q of the training codes are from their
    own nearest neighbour: samples landing in a gap the decoder was never trained on."""
    index = NearestNeighbors(n_neighbors=2).fit(codes)
    gaps = index.kneighbors(codes)[0][:, 1]  # (N,): the first neighbour of a training code is itself
    far = index.kneighbors(samples, n_neighbors=1)[0][:, 0]  # (n,)
    return float(np.mean(far > np.quantile(gaps, q)))


def reach_fraction(samples: np.ndarray, codes: np.ndarray, k: int = 3, max_codes: int = 1000, seed: int = 0) -> float:
    """The share of training codes that the samples come close to: the "recall" of Kynkäänniemi et al. (2019,
    "Improved precision and recall metric for assessing generative models"). Each sample claims a ball reaching
    to its k-th nearest fellow sample; a training code is reached when it lies in some sample's ball. Samples
    bunched on a patch of the codes, however well inside it, reach few; hole_fraction is its other half (samples
    outside the codes). (n, D) samples, (N, D) codes (a random max_codes of them are tested) -> [0, 1]."""
    samples, codes = np.asarray(samples, np.float64), np.asarray(codes, np.float64)
    if len(codes) > max_codes:
        codes = codes[np.random.default_rng(seed).choice(len(codes), max_codes, replace=False)]
    k = min(k, len(samples) - 1)
    radius = NearestNeighbors(n_neighbors=k + 1).fit(samples).kneighbors(samples)[0][:, k]  # (n,); [:, 0] is itself
    far = cdist(codes, samples)  # (N, n)
    return float(np.mean((far <= radius[None, :]).any(axis=1)))


def sampling_story(holes: dict[str, float], reach: dict[str, float]) -> tuple[str, str]:
    """Which two sentences tell what sampling showed, from the shares in holes and of codes reached for
    "vae_prior", "ae_prior" (a plain AE sampled from N(0, I)) and "ae_fitted" (from a Gaussian fitted to its codes):
    how N(0, I) failed the plain AE — samples off its codes ("wrong_place"), or bunched on a patch of them
    ("patch") — or that this run's codes happened to suit it ("fits"); then whether the fitted Gaussian still
    landed in holes more often than the VAE's prior ("fitted_holes") or not ("fitted_ok")."""
    ae_holes, ae_reach = holes["ae_prior"], reach["ae_prior"]
    first = "wrong_place" if ae_holes >= 0.2 else "patch" if ae_reach < 0.6 * max(reach["vae_prior"], 1e-9) else "fits"
    second = "fitted_holes" if holes["ae_fitted"] > holes["vae_prior"] + 0.02 else "fitted_ok"
    return first, second


def plane_axes(model: Autoencoder, codes: np.ndarray, n: int, dims: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """The two axes' values of an n×n grid. For the VAE family, evenly spaced probabilities 0.05..0.95 through the
    Gaussian's inverse CDF (Kingma & Welling 2014, Fig. 4), so each cell holds the same prior mass; for a plain
    AE, evenly spaced over the 1st-99th percentile of its codes on that axis."""
    if model.cfg.model in ("vae", "cvae"):
        ppf = np.array([NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, n)])
        return ppf, ppf.copy()
    lo, hi = np.percentile(codes[:, list(dims)], [1, 99], axis=0)
    return np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)


def latent_grid(center: np.ndarray, u: np.ndarray, v: np.ndarray, dims: tuple[int, int] = (0, 1)) -> np.ndarray:
    """Codes of a grid over the plane of two latent dimensions through center (D,): row r, column c has
    z[dims[0]] = u[c] and z[dims[1]] = v[len(v) - 1 - r] (so z₂ grows upward, as on a plot). -> (len(v)·len(u), D),
    row by row."""
    z = np.tile(np.asarray(center, np.float32), (len(v) * len(u), 1))
    z[:, dims[0]] = np.tile(u, len(v))
    z[:, dims[1]] = np.repeat(v[::-1], len(u))
    return z


def traversals(center: np.ndarray, scale: np.ndarray, order: list[int], n: int = 9, k: float = 2.5) -> np.ndarray:
    """One row per latent dimension in `order`: center (D,) with that dimension swept over
    center ± k·scale, the others held. -> (len(order), n, D)."""
    steps = np.linspace(-k, k, n)
    out = np.tile(np.asarray(center, np.float32), (len(order), n, 1))
    for r, d in enumerate(order):
        out[r, :, d] = center[d] + steps * scale[d]
    return out


def spread_order(codes: np.ndarray) -> list[int]:
    """Latent dimensions by the variance of the codes across the data, largest first (a VAE's collapsed,
    inactive dimensions come last: the encoder ignores the input there)."""
    return [int(i) for i in np.argsort(-np.var(codes, axis=0), kind="stable")]


def generate_class(model: Autoencoder, label: int, n: int, seed: int = 0) -> np.ndarray:
    """A conditional VAE's samples of one class: codes from N(0, I) decoded with that label. -> (n, D)."""
    if not model.needs_labels:
        raise ValueError(f"only a conditional model can generate a chosen class; {model.cfg.model} reads no label")
    if not 0 <= label < model.cfg.n_classes:
        raise ValueError(f"the class must lie in 0..{model.cfg.n_classes - 1}, got {label}")
    z = standard_normal(model.cfg.latent_dim).sample(n, seed)
    return infer.decode(model, z, np.full(n, label))


@dataclass
class GenerationPair:
    """A VAE and a plain AE with the same network, code size and settings: the VAE has a prior, the AE none."""
    dataset: str
    vae: Autoencoder
    ae: Autoencoder
    histories: tuple[list[EpochStats], list[EpochStats]] = field(default_factory=lambda: ([], []))
    source: str = TRAINED_HERE  # or FROM_TRAIN_PAGE
    data_dir: str | None = None
    codes: dict = field(default_factory=dict)  # "vae"/"ae" -> training codes, computed once

    def models(self) -> dict[str, Autoencoder]:
        return {"vae": self.vae, "ae": self.ae}

    def train_codes(self, ds: Dataset, which: str) -> np.ndarray:
        if which not in self.codes:
            self.codes[which] = infer.encode(self.models()[which], ds.x_train)
        return self.codes[which]


def pair_configs(ds: Dataset, latent_dim: int = LATENT_DIM, hidden: tuple[int, ...] = HIDDEN,
                 beta: float = 1.0) -> tuple[ModelConfig, ModelConfig]:
    """(vae, ae) configs for ds that differ only in the model: same layers, code size and reconstruction loss."""
    vae = model_config(ds, "vae", latent_dim, hidden=hidden, beta=beta)
    return vae, replace(vae, model="ae")


def partner_config(cfg: ModelConfig) -> ModelConfig:
    """The other member of a pair for a Train-page model: a VAE for an AE (untied: a VAE's encoder writes two
    numbers per dimension), an AE for a VAE."""
    if cfg.model == "ae":
        return replace(cfg, model="vae", tied=False, beta=1.0)
    if cfg.model == "vae":
        return replace(cfg, model="ae")
    raise ValueError(f"a pair is a VAE and a plain AE; got {cfg.model}")


def train_pair(ds: Dataset, vae_cfg: ModelConfig, tcfg: TrainConfig,
               log: Callable[[float, Words], None] | None = None, vae: Autoencoder | None = None,
               ae: Autoencoder | None = None) -> GenerationPair:
    """The VAE of vae_cfg and a plain AE with the same network, each trained with tcfg unless given already
    trained; log(fraction done, text) after every epoch."""
    if vae_cfg.model != "vae":
        raise ValueError(f"the generative model must be a vae, got {vae_cfg.model}")
    jobs = {"vae": (vae_cfg, "generation.progress_vae"), "ae": (partner_config(vae_cfg), "generation.progress_ae")}
    models, histories = {"vae": vae, "ae": ae}, {"vae": [], "ae": []}
    todo = [k for k, m in models.items() if m is None]
    for done, k in enumerate(todo):
        cfg, what = jobs[k]
        report = None if log is None else (
            lambda s, done=done, what=what: log((done + s.epoch / s.epochs) / len(todo),
                                                Words(what, epoch=s.epoch, epochs=s.epochs)))
        models[k], histories[k] = fit(ds, cfg, tcfg, report)
    return GenerationPair(ds.name, models["vae"], models["ae"], (histories["vae"], histories["ae"]))


def train_cvae(ds: Dataset, cfg: ModelConfig, tcfg: TrainConfig,
               log: Callable[[float, Words], None] | None = None) -> tuple[Autoencoder, list[EpochStats]]:
    """A conditional VAE trained to the end; log(fraction done, text) after every epoch."""
    if cfg.model != "cvae":
        raise ValueError(f"expected a cvae config, got {cfg.model}")
    report = None if log is None else (
        lambda s: log(s.epoch / s.epochs, Words("generation.progress_cvae", epoch=s.epoch, epochs=s.epochs)))
    return fit(ds, cfg, tcfg, report)


def interpolations(pair: GenerationPair, xa: np.ndarray, xb: np.ndarray, steps: int = 9) -> dict[str, np.ndarray]:
    """Two images' paths: each model's codes of xa and xb joined linearly and spherically and decoded, and the
    pixel blend. Images "<model>_linear", "<model>_spherical", "pixel" (each (steps, D)), and the codes' norms
    along each path "norm_<model>_linear", ... (steps,)."""
    t = np.linspace(0.0, 1.0, steps)
    out = {"t": t, "pixel": blend(xa, xb, t)}
    for name, model in pair.models().items():
        za, zb = infer.encode(model, np.stack([xa, xb]))
        for how, fn in (("linear", lerp), ("spherical", slerp)):
            z = fn(za, zb, t)
            out[f"{name}_{how}"] = infer.decode(model, z.astype(np.float32))
            out[f"norm_{name}_{how}"] = np.linalg.norm(z, axis=1)
    return out


@dataclass
class Conditional:
    """A trained conditional VAE and where it came from (what the Generation page keeps)."""
    model: Autoencoder
    dataset: str
    source: str = TRAINED_HERE  # or FROM_TRAIN_PAGE
    data_dir: str | None = None
