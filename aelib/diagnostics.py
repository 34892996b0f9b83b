"""What each family's distinctive mechanism did, measured on held-out data: the numbers behind every
family's own view (principal angles for the linear AE, active units for the VAE, codebook use for the
VQ-VAE, ...). Plain arrays in, plain numbers and arrays out."""
from __future__ import annotations

import numpy as np
import torch
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from aelib import infer
from aelib.data.noise import corrupt_array
from aelib.models import MODELS, Autoencoder
from aelib.models.autoencoder import jacobian_frobenius
from aelib.models.variational import kl_per_dim
from aelib.train import as_batch_tensor, label_tensor

ACTIVE = 0.1  # a sparse code unit counts as active on a sample when its activation exceeds this
# a VAE latent dimension is active when its posterior mean varies across samples more than this (Burda et al. 2016)
ACTIVE_UNIT_VAR = 0.01


def _apply(model: Autoencoder, fn, x: np.ndarray, y: np.ndarray | None = None):
    """fn(x, y) as tensors on the model's device, in one pass, in eval mode."""
    with infer.evaluating(model) as device:
        return fn(as_batch_tensor(model, x, device), label_tensor(model, y, len(x), device))


def decoder_matrix(model: Autoencoder) -> np.ndarray:
    """(D, k): the linear decoder's columns, read off by decoding the unit vectors (works tied or not)."""
    k = model.cfg.latent_dim
    basis = np.vstack([np.zeros((1, k)), np.eye(k)])
    out = infer.decode(model, basis)
    return (out[1:] - out[0]).T


def principal_angles(model: Autoencoder, x_train: np.ndarray, seed: int = 0) -> np.ndarray:
    """Angles in degrees between the span of the decoder's columns and PCA's first k components,
    smallest first. 0° everywhere means the same subspace."""
    k = model.cfg.latent_dim
    pca = PCA(n_components=k, random_state=seed).fit(x_train)
    return np.sort(np.degrees(subspace_angles(decoder_matrix(model), pca.components_.T)))


def noisy_copies(model: Autoencoder, x: np.ndarray, seed: int = 0) -> np.ndarray:
    """x corrupted with the model's own noise kind and level, reproducibly."""
    return corrupt_array(x, model.cfg.noise, model.cfg.noise_level, seed)


def denoising_errors(model: Autoencoder, x: np.ndarray, seed: int = 0,
                     noise_from: Autoencoder | None = None) -> dict[str, float]:
    """Per-value MSE to the clean x: of the noisy input, and of the model's output for it. The noise is that of
    `noise_from` (a denoising AE; by default the model itself), so a plain AE can be measured at the same noise."""
    noisy = noisy_copies(noise_from or model, x, seed)
    return {"noisy_mse": float(np.mean((noisy - x) ** 2)),
            "denoise_mse": float(np.mean((infer.reconstruct(model, noisy) - x) ** 2))}


def code_activity(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """(N, k) code activations of a sparse autoencoder (what its penalty acts on)."""
    return infer.encode(model, x)


def vae_posteriors(model: Autoencoder, x: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mu, logvar), each (N, latent_dim), for a VAE or conditional VAE."""
    mu, logvar = _apply(model, model.encode, x, y)
    return mu.cpu().numpy(), logvar.cpu().numpy()


def kl_per_dimension(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Mean KL to N(0, 1) of each latent dimension, in nats: near 0 means the dimension carries nothing."""
    return kl_per_dim(torch.as_tensor(mu), torch.as_tensor(logvar)).mean(0).numpy()


def active_units(mu: np.ndarray) -> int:
    """Latent dimensions whose posterior mean varies across samples (Burda et al. 2016): the rest collapsed."""
    return int(np.sum(mu.var(0) > ACTIVE_UNIT_VAR))


def codebook_stats(model: Autoencoder, x: np.ndarray) -> dict:
    """How a VQ-VAE uses its codebook on x: counts per entry, the share used, perplexity (exp of the entropy
    of code use: K if all K are used equally, 1 if only one is) and dead entries (never chosen)."""
    idx = _apply(model, lambda xb, _: model.codes(xb), x).cpu().numpy().ravel()
    counts = np.bincount(idx, minlength=model.cfg.codebook_size)
    p = counts / counts.sum()
    nz = p[p > 0]
    return {"counts": counts, "codebook_usage": float(np.mean(counts > 0)),
            "perplexity": float(np.exp(-np.sum(nz * np.log(nz)))), "dead_codes": int(np.sum(counts == 0))}


def contractive_penalty(model: Autoencoder, x: np.ndarray) -> float:
    """Mean ‖J_f(x)‖²_F of the encoder over x."""
    penalty, _ = _apply(model, lambda xb, _: jacobian_frobenius(model.encode, xb, create_graph=False), x)
    return float(penalty.mean())


def discriminator_accuracy(model: Autoencoder, x: np.ndarray, seed: int = 0) -> float:
    """How often the AAE's discriminator tells codes of x from prior samples (0.5: it cannot)."""
    def judge(xb, _):
        z = model.encode(xb)
        prior = torch.randn(z.shape, generator=torch.Generator().manual_seed(seed)).to(z.device)
        return (model.discriminator(z) < 0).float().mean() / 2 + (model.discriminator(prior) > 0).float().mean() / 2
    return float(_apply(model, judge, x))


# -- each family's own numbers: the function its MODELS entry names (Family.report), all with one signature ----

def subspace_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                    seed: int) -> dict:
    """Linear AE: how far its decoder's subspace is from PCA's."""
    angles = principal_angles(model, x_train, seed)
    return {"max_principal_angle_deg": round(float(angles.max()), 2),
            "principal_angles_deg": [round(float(a), 2) for a in angles]}


def denoising_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                     seed: int) -> dict:
    return {k: round(v, 5) for k, v in denoising_errors(model, x_test, seed).items()}


def sparsity_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                    seed: int) -> dict:
    return {"active_fraction": round(float(np.mean(code_activity(model, x_test) > ACTIVE)), 4)}


def posterior_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                     seed: int) -> dict:
    """VAE and conditional VAE: active latent units and the KL each dimension carries."""
    mu, logvar = vae_posteriors(model, x_test, y_test)
    return {"active_units": active_units(mu),
            "kl_per_dim": [round(float(v), 3) for v in kl_per_dimension(mu, logvar)]}


def codebook_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                    seed: int) -> dict:
    s = codebook_stats(model, x_test)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in s.items() if k != "counts"}


def contractive_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                       seed: int) -> dict:
    return {"contractive_penalty": round(contractive_penalty(model, x_test), 4)}


def prior_match_report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None,
                       seed: int) -> dict:
    """AAE: whether its discriminator can still tell the codes from the prior."""
    return {"discriminator_accuracy": round(discriminator_accuracy(model, x_test, seed), 3)}


def report(model: Autoencoder, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray | None = None,
           seed: int = 0) -> dict:
    """The family's own numbers on the held-out split: the function of this module its MODELS entry names in
    `report` (empty for families without one)."""
    name = MODELS[model.cfg.model].report
    return family_report(name)(model, x_train, x_test, y_test, seed) if name else {}


def family_report(name: str):
    """The report function called `name` here; ValueError for a name this module does not define."""
    fn = globals().get(name)
    if not (name.endswith("_report") and callable(fn)):
        raise ValueError(f"aelib.diagnostics has no report function {name!r}")
    return fn


def conv_filters(model: Autoencoder) -> np.ndarray:
    """The first conv layer's kernels for its first input channel, as learned (signed, unscaled, so that 0 means
    "ignores this pixel" and the sign says whether a bright pixel excites or inhibits the filter):
    (n_filters, kh * kw) and their (kh, kw)."""
    conv = next(m for m in model.encoder if isinstance(m, torch.nn.Conv2d))
    w = conv.weight.detach().cpu().numpy()[:, 0]  # (n, kh, kw)
    return w.reshape(len(w), -1), w.shape[1:]


def feature_maps(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    """What the first conv layer (and its ReLU) sees in one sample: (n_filters, H', W'), each scaled to [0, 1]."""
    first = model.encoder[:2]  # Conv2d, ReLU
    maps = _apply(model, lambda xb, _: first(xb), x[:1])[0].cpu().numpy()
    return maps / np.maximum(maps.max(axis=(1, 2), keepdims=True), 1e-8)
