"""The autoencoder and its deterministic variants: each is the base class plus the one thing that makes it
different. Every model answers `loss_terms(x, y) -> {"loss": total, "recon": ..., ...}`; the trainer
minimises "loss" and records every term. Labels `y` are ignored except by conditional models."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aelib.data.noise import corrupt
from aelib.i18n import Words
from aelib.models.networks import Widths


class Autoencoder(nn.Module):
    """x -> z = encode(x) -> x_hat = decode(z); trained to make x_hat close to x. An undercomplete code
    (latent smaller than the input) forces it to keep only what matters."""

    needs_labels = False  # conditional models read the class label too

    def __init__(self, cfg, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.cfg, self.encoder, self.decoder = cfg, encoder, decoder
        self.generator: torch.Generator | None = None  # noise source; the trainer seeds it

    @classmethod
    def widths(cls, cfg) -> Widths:
        return Widths(cond=0, code=cfg.latent_dim, dec_in=cfg.latent_dim)

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.encoder(x)  # (B, latent_dim)

    def output(self, logits: torch.Tensor) -> torch.Tensor:
        """Decoder logits -> values in the data's range [0, 1]."""
        return torch.sigmoid(logits)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.output(self.decoder(z))  # (B, *shape)

    def embed(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The point a sample maps to in the latent space (what the latent plots show)."""
        return self.encode(x, y)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.decode(self.embed(x, y), y)

    def recon_term(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction loss summed over a sample's values, averaged over the batch."""
        if self.cfg.recon_loss == "bce":
            per_value = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
        else:
            per_value = F.mse_loss(self.output(logits), x, reduction="none")
        return per_value.flatten(1).sum(1).mean()

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        recon = self.recon_term(self.decoder(self.encode(x)), x)
        return {"loss": recon, "recon": recon}

    def prepare(self, x: torch.Tensor) -> None:
        """Data-dependent set-up before training starts (x: the training inputs). Most families need none."""

    def preparing(self, n: int) -> Words | None:
        """What prepare() will do with n training samples, for a learner who waits on it; None when it is quick."""
        return None

    def backward(self, terms: dict[str, torch.Tensor]) -> None:
        """Gradients for one step (an adversarial model routes its two losses to two networks)."""
        terms["loss"].backward()


class LinearAE(Autoencoder):
    """No activations and a squared-error loss: the optimum spans the same subspace as PCA's first
    latent_dim components (Baldi & Hornik 1989), though not necessarily with orthogonal axes. Like PCA it
    works on centred data: the training mean is subtracted before encoding and added back after decoding
    (gradient descent on uncentred pixels spends most of its steps on the mean)."""

    def __init__(self, cfg, encoder, decoder):
        super().__init__(cfg, encoder, decoder)
        self.register_buffer("center", torch.zeros(cfg.input_shape))

    def prepare(self, x: torch.Tensor) -> None:
        self.center.copy_(x.mean(0))

    def encode(self, x, y=None):
        return self.encoder(x - self.center)

    def output(self, logits: torch.Tensor) -> torch.Tensor:
        return logits + self.center  # linear all the way; recon_term uses squared error (the config forces mse)


class DenoisingAE(Autoencoder):
    """Sees a corrupted input, is scored against the clean one (Vincent et al. 2008): it must learn
    the structure of the data to undo the noise, so it cannot just copy."""

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        noisy = corrupt(x, self.cfg.noise, self.cfg.noise_level, self.generator)
        recon = self.recon_term(self.decoder(self.encode(noisy)), x)
        return {"loss": recon, "recon": recon}


def kl_bernoulli(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)) per unit, the sparse-autoencoder penalty (Ng's notes)."""
    rho_hat = rho_hat.clamp(1e-6, 1 - 1e-6)
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))


class SparseAE(Autoencoder):
    """Penalises code activity, so each sample uses few units and the code may even be overcomplete.
    "l1": ReLU code, penalty = weight · Σ|h|; "kl": sigmoid code, penalty = weight · Σⱼ KL(ρ ‖ mean hⱼ)."""

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.encoder(x)
        return torch.relu(h) if self.cfg.sparsity == "l1" else torch.sigmoid(h)

    def penalty(self, h: torch.Tensor) -> torch.Tensor:
        if self.cfg.sparsity == "l1":
            return h.abs().sum(1).mean()
        return kl_bernoulli(self.cfg.sparsity_target, h.mean(0)).sum()

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        h = self.encode(x)
        recon, sparsity = self.recon_term(self.decoder(h), x), self.penalty(h)
        return {"loss": recon + self.cfg.sparsity_weight * sparsity, "recon": recon, "sparsity": sparsity}


def jacobian_frobenius(f, x: torch.Tensor, create_graph: bool) -> torch.Tensor:
    """‖∂f(x)/∂x‖²_F per sample, exactly: one batched backward pass per code unit (vectorised)."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        z = f(x)  # (B, k)
        k = z.shape[1]
        basis = torch.eye(k, device=z.device, dtype=z.dtype).unsqueeze(1).expand(k, *z.shape)  # (k, B, k)
        (jac,) = torch.autograd.grad(z, x, grad_outputs=basis, is_grads_batched=True, create_graph=create_graph)
    return jac.pow(2).flatten(2).sum((0, 2)), z  # (B,), and the code


class ContractiveAE(Autoencoder):
    """Penalises the encoder's sensitivity to its input, ‖J_f(x)‖²_F (Rifai et al. 2011): codes that
    stay put under small input changes, except along the directions the data actually varies."""

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        penalty, z = jacobian_frobenius(self.encode, x, create_graph=self.training)
        recon = self.recon_term(self.decoder(z), x)
        contractive = penalty.mean()
        return {"loss": recon + self.cfg.contractive_weight * contractive, "recon": recon,
                "contractive": contractive}
