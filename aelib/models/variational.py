"""Autoencoders built to generate: the VAE (and β-VAE), the conditional VAE, the VQ-VAE, and the
adversarial autoencoder, the bridge to GANs. Each is the base Autoencoder plus what makes it different."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aelib.models.autoencoder import Autoencoder
from aelib.models.networks import Widths


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) for each sample and latent dimension (Kingma & Welling 2014, App. B)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())  # (B, latent_dim)


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per sample, summed over the latent dimensions."""
    return kl_per_dim(mu, logvar).sum(1)  # (B,)


class VAE(Autoencoder):
    """Variational autoencoder: the encoder outputs a Gaussian q(z|x), not a point.
    Loss = recon + beta * KL, the negative ELBO (Kingma & Welling 2014; beta: Higgins et al. 2017)."""

    @classmethod
    def widths(cls, cfg) -> Widths:
        return Widths(cond=0, code=2 * cfg.latent_dim, dec_in=cfg.latent_dim)  # mu and logvar

    def encode(self, x, y=None) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)  # each (B, latent_dim)
        return mu, logvar

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        # z = mu + sigma * eps keeps sampling differentiable with respect to mu and logvar
        eps = torch.randn(mu.shape, generator=self.generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * logvar) * eps

    def embed(self, x, y=None) -> torch.Tensor:
        return self.encode(x, y)[0]  # the posterior mean

    def loss_terms(self, x, y=None) -> dict[str, torch.Tensor]:
        mu, logvar = self.encode(x, y)
        z = self.reparameterize(mu, logvar)
        recon = self.recon_term(self.decoder(self._dec_input(z, y)), x)
        kl = kl_to_standard_normal(mu, logvar).mean()
        return {"loss": recon + self.cfg.beta * kl, "recon": recon, "kl": kl}

    def _dec_input(self, z, y):
        return z


class CVAE(VAE):
    """Conditional VAE (Sohn et al. 2015): encoder and decoder both read the class label, so the code is
    free to hold everything but the class, and decoding a prior sample with a chosen label draws that class."""

    needs_labels = True

    @classmethod
    def widths(cls, cfg) -> Widths:
        return Widths(cond=cfg.n_classes, code=2 * cfg.latent_dim, dec_in=cfg.latent_dim + cfg.n_classes)

    def _onehot(self, y: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
        if y is None:
            raise ValueError("a conditional VAE needs each sample's class label")
        return F.one_hot(y.long(), self.cfg.n_classes).to(like.dtype)

    def encode(self, x, y=None):
        h = self.encoder(torch.cat([x.flatten(1), self._onehot(y, x)], dim=1))
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar

    def _dec_input(self, z, y):
        return torch.cat([z, self._onehot(y, z)], dim=1)

    def decode(self, z, y=None) -> torch.Tensor:
        return self.output(self.decoder(self._dec_input(z, y)))


class VQVAE(Autoencoder):
    """Vector-quantised autoencoder (van den Oord et al. 2017): the code is latent_dim vectors, each snapped
    to its nearest entry of a learned codebook; gradients skip the snap (straight-through). Loss = recon +
    ‖sg[z_e] − e‖² (moves the codebook) + commitment · ‖z_e − sg[e]‖² (keeps the encoder near its codes).
    Encoder outputs and codebook entries are normalised to unit length (as in Yu et al. 2022's ViT-VQGAN):
    unnormalised codes drift away from the codebook and leave most of it dead."""

    @classmethod
    def widths(cls, cfg) -> Widths:
        return Widths(cond=0, code=cfg.latent_dim * cfg.vq_dim, dec_in=cfg.latent_dim * cfg.vq_dim)

    def __init__(self, cfg, encoder, decoder):
        super().__init__(cfg, encoder, decoder)
        k = cfg.codebook_size
        self.codebook = nn.Parameter(torch.empty(k, cfg.vq_dim).uniform_(-1 / k, 1 / k))

    @torch.no_grad()
    def prepare(self, x: torch.Tensor) -> None:
        """Start the codebook on the encoder's outputs for random training samples: an entry far from every
        code is never chosen, never updated, and stays dead."""
        z = self.z_e(x[:4096]).reshape(-1, self.cfg.vq_dim)
        pick = torch.randint(len(z), (len(self.codebook),), generator=self.generator, device=z.device)
        self.codebook.copy_(z[pick])

    def quantize(self, z_e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, latent_dim * vq_dim) -> nearest codebook vectors (B, latent_dim, vq_dim) and indices (B, latent_dim)."""
        flat = z_e.reshape(-1, self.cfg.vq_dim)
        book = F.normalize(self.codebook, dim=1)
        idx = torch.cdist(flat, book).argmin(1)
        return book[idx].view(len(z_e), -1, self.cfg.vq_dim), idx.view(len(z_e), -1)

    def z_e(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's output as latent_dim unit vectors, flattened: (B, latent_dim * vq_dim)."""
        return F.normalize(self.encoder(x).view(len(x), -1, self.cfg.vq_dim), dim=2).flatten(1)

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """The codebook index of each of a sample's latent_dim vectors: (B, latent_dim)."""
        return self.quantize(self.z_e(x))[1]

    def embed(self, x, y=None) -> torch.Tensor:
        return self.quantize(self.z_e(x))[0].flatten(1)

    def loss_terms(self, x, y=None) -> dict[str, torch.Tensor]:
        z_e = self.z_e(x)
        z_q = self.quantize(z_e)[0].flatten(1)
        codebook = (z_q - z_e.detach()).pow(2).sum(1).mean()
        commitment = (z_e - z_q.detach()).pow(2).sum(1).mean()
        z = z_e + (z_q - z_e).detach()  # straight-through: forward uses z_q, backward treats the snap as identity
        recon = self.recon_term(self.decoder(z), x)
        return {"loss": recon + codebook + self.cfg.commitment * commitment, "recon": recon,
                "codebook": codebook, "commitment": commitment}


class AdversarialAE(Autoencoder):
    """Adversarial autoencoder (Makhzani et al. 2015): a discriminator learns to tell codes from samples of
    the prior N(0, I); the encoder is also trained to fool it, which pulls the codes toward the prior. This
    is the GAN idea applied to the latent space — a GAN itself has no encoder and is not an autoencoder."""

    def __init__(self, cfg, encoder, decoder):
        super().__init__(cfg, encoder, decoder)
        k = cfg.latent_dim
        self.discriminator = nn.Sequential(nn.Linear(k, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                                           nn.Linear(128, 1))

    def sample_prior(self, n: int, device: torch.device) -> torch.Tensor:
        return torch.randn(n, self.cfg.latent_dim, generator=self.generator, device=device)

    def loss_terms(self, x, y=None) -> dict[str, torch.Tensor]:
        z = self.encode(x)
        recon = self.recon_term(self.decoder(z), x)
        real, fake = self.discriminator(self.sample_prior(len(z), z.device)), self.discriminator(z.detach())
        disc = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
        fooled = self.discriminator(z)
        adversarial = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        return {"loss": recon + self.cfg.adversarial_weight * adversarial, "recon": recon,
                "adversarial": adversarial, "discriminator": disc}

    def backward(self, terms: dict[str, torch.Tensor]) -> None:
        """The autoencoder minimises "loss"; the discriminator minimises its own term. Each loss writes
        gradients only into its own network, as in a GAN's alternating updates."""
        own = [p for n, p in self.named_parameters() if not n.startswith("discriminator.")]
        terms["loss"].backward(inputs=own)
        terms["discriminator"].backward(inputs=list(self.discriminator.parameters()))
