"""The model zoo: one config for every family, the registry that names them, and build_model().
A family is a class (autoencoder.py, generative.py), a backbone (networks.py) and the options it reads."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

import torch

from aelib.data.noise import NOISES
from aelib.i18n import Explained, Words
from aelib.models.autoencoder import Autoencoder, ContractiveAE, DenoisingAE, LinearAE, SparseAE
from aelib.models.networks import BACKBONES, CHECKS
from aelib.models.umap_ae import UMAPAE
from aelib.models.variational import CVAE, VAE, VQVAE, AdversarialAE, kl_per_dim, kl_to_standard_normal

__all__ = ["MODELS", "Autoencoder", "Family", "ModelConfig", "build_model", "kl_per_dim", "kl_to_standard_normal"]


@dataclass(frozen=True)
class ModelConfig:
    model: str = "ae"  # a key of MODELS
    input_shape: tuple[int, ...] = (1, 28, 28)  # one sample: (C, H, W) images, (T, F) sequences, (D,) tables
    latent_dim: int = 2  # code size; for vq_vae, the number of code vectors per sample
    hidden: tuple[int, ...] = (512, 256)  # dense layer widths, encoder order; the decoder mirrors them
    channels: tuple[int, ...] = (32, 64)  # conv channels; each layer halves the image size
    recon_loss: str = "bce"  # "bce" (data are in [0, 1], so a proper likelihood) or "mse"
    dropout: float = 0.0  # after every hidden layer, training only
    tied: bool = False  # dense decoders reuse the encoder's weights, transposed
    linear: bool = False  # no activations (linear_ae)
    beta: float = 1.0  # vae, cvae: weight on the KL term; beta > 1 is a beta-VAE (Higgins et al. 2017)
    noise: str = "gaussian"  # denoising_ae: a key of noise.NOISES
    noise_level: float = 0.5
    sparsity: str = "l1"  # sparse_ae: "l1" on a ReLU code or "kl" to a target rate on a sigmoid code
    sparsity_weight: float = 0.1
    sparsity_target: float = 0.05  # rho for sparsity="kl"
    contractive_weight: float = 0.1
    n_classes: int = 10  # cvae
    codebook_size: int = 64  # vq_vae: entries in the codebook
    vq_dim: int = 8  # vq_vae: length of each code vector
    commitment: float = 0.25  # vq_vae
    adversarial_weight: float = 1.0  # aae
    rnn: str = "gru"  # seq_ae: "gru" or "lstm"
    umap_weight: float = 1000.0  # umap_ae: weight on the parametric-UMAP term, per edge against recon summed per sample
    n_neighbors: int = 15  # umap_ae: neighbours per point in the fuzzy kNN graph
    jitter_copies: int = 8  # umap_ae: slightly rotated, scaled and shifted copies of each training image in the graph

    def __post_init__(self):
        family = MODELS.get(self.model)
        if family is None:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        checks = [
            (self.latent_dim >= 1, f"latent size must be at least 1, got {self.latent_dim}"),
            (all(h >= 1 for h in self.hidden), f"layer widths must be at least 1, got {self.hidden}"),
            (self.recon_loss in ("bce", "mse"), f"reconstruction loss must be 'bce' or 'mse', got {self.recon_loss!r}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.beta >= 0, f"beta must be >= 0, got {self.beta}"),
            (self.noise in NOISES, f"unknown noise {self.noise!r}; choose one of {', '.join(NOISES)}"),
            (0 <= self.noise_level <= 1, f"noise level must be between 0 and 1, got {self.noise_level}"),
            (self.sparsity in ("l1", "kl"), f"sparsity must be 'l1' or 'kl', got {self.sparsity!r}"),
            (0 < self.sparsity_target < 1, f"target activation must be between 0 and 1, got {self.sparsity_target}"),
            (min(self.sparsity_weight, self.contractive_weight, self.adversarial_weight, self.commitment) >= 0,
             "penalty weights must be >= 0"),
            (self.n_classes >= 1, f"number of classes must be at least 1, got {self.n_classes}"),
            (self.codebook_size >= 2 and self.vq_dim >= 1, "a codebook needs at least 2 entries of length >= 1"),
            (self.rnn in ("gru", "lstm"), f"rnn must be 'gru' or 'lstm', got {self.rnn!r}"),
            (self.umap_weight >= 0, f"the UMAP weight must be >= 0, got {self.umap_weight}"),
            (self.n_neighbors >= 2, f"the neighbourhood graph needs at least 2 neighbours, got {self.n_neighbors}"),
            (self.jitter_copies >= 0, f"jittered copies must be >= 0, got {self.jitter_copies}"),
            (not self.tied or family.backbone == "dense", Words("error.tied_dense")),
            (not self.tied or family.cls.widths(self).code == family.cls.widths(self).dec_in,
             Words("error.tied_code", model=self.model)),
        ]
        for ok, message in checks:
            if not ok:
                raise Explained(message.key, **message.fields) if isinstance(message, Words) else ValueError(message)
        for key, value in family.fixed.items():  # e.g. a linear AE has no hidden layers and no activations
            if getattr(self, key) != value:
                raise ValueError(f"{self.model} needs {key}={value!r} (got {getattr(self, key)!r}); "
                                 f"models.config_for() sets it")
        CHECKS[family.backbone](self)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(sorted(unknown))}")
        tuples = {k: tuple(v) for k, v in d.items() if isinstance(v, list)}
        return cls(**{**d, **tuples})


@dataclass(frozen=True)
class Family:
    cls: type[Autoencoder]
    backbone: str  # a key of networks.BACKBONES
    title: str
    summary: str  # one line: what it teaches
    options: tuple[str, ...] = ()  # the ModelConfig fields this family reads beyond the common ones
    defaults: dict = field(default_factory=dict)  # config values it starts from (the learner may change them)
    fixed: dict = field(default_factory=dict)  # config values it must have
    overcomplete_ok: bool = False  # a code as large as the input is legitimate (sparse codes)
    train_defaults: dict = field(default_factory=dict)  # TrainConfig values it trains best with


DENSE_OPTIONS = ("hidden", "recon_loss", "dropout", "tied")
MODELS: dict[str, Family] = {
    "ae": Family(Autoencoder, "dense", "Autoencoder (undercomplete)",
                 "Dense encoder and decoder with a small bottleneck: it must compress to reconstruct.",
                 DENSE_OPTIONS),
    "deep_ae": Family(Autoencoder, "dense", "Deep (stacked) autoencoder",
                      "Several hidden layers of your choosing; optionally pretrained greedily, layer by layer.",
                      DENSE_OPTIONS, defaults={"hidden": (512, 256, 128, 64)}),
    "conv_ae": Family(Autoencoder, "conv", "Convolutional autoencoder",
                      "Convolutions share weights across the image; needs image data.",
                      ("channels", "recon_loss", "dropout")),
    "denoising_ae": Family(DenoisingAE, "dense", "Denoising autoencoder",
                           "Corrupts the input and learns to give back the clean one.",
                           (*DENSE_OPTIONS, "noise", "noise_level"), overcomplete_ok=True),
    "sparse_ae": Family(SparseAE, "dense", "Sparse autoencoder",
                        "Penalises active code units (L1 or KL to a target rate); the code may be overcomplete.",
                        (*DENSE_OPTIONS, "sparsity", "sparsity_weight", "sparsity_target"), overcomplete_ok=True),
    "contractive_ae": Family(ContractiveAE, "dense", "Contractive autoencoder",
                             "Penalises the encoder's Jacobian (Rifai et al. 2011): codes robust to small changes.",
                             (*DENSE_OPTIONS, "contractive_weight")),
    "linear_ae": Family(LinearAE, "dense", "Linear autoencoder",
                        "No activations, squared error: it learns the same subspace as PCA.",
                        ("tied",), fixed={"hidden": (), "linear": True, "recon_loss": "mse"},
                        train_defaults={"lr": 1e-2}),
    "vae": Family(VAE, "dense", "Variational autoencoder (β)",
                  "Encodes a distribution; loss = reconstruction + β·KL. β > 1 is a β-VAE.",
                  ("hidden", "recon_loss", "dropout", "beta")),
    "cvae": Family(CVAE, "dense", "Conditional VAE",
                   "A VAE that also reads the class label, so it can generate a chosen class.",
                   ("hidden", "recon_loss", "dropout", "beta")),
    "vq_vae": Family(VQVAE, "dense", "Vector-quantised VAE",
                     "Snaps each code vector to the nearest of a learned codebook (van den Oord et al. 2017).",
                     ("hidden", "recon_loss", "dropout", "codebook_size", "vq_dim", "commitment")),
    "aae": Family(AdversarialAE, "dense", "Adversarial autoencoder",
                  "A discriminator pushes the codes toward a prior (Makhzani et al. 2015): the link to GANs.",
                  ("hidden", "recon_loss", "dropout", "adversarial_weight")),
    "seq_ae": Family(Autoencoder, "rnn", "Sequence autoencoder",
                     "A GRU or LSTM reads a time series into a code and unrolls it back; needs sequence data.",
                     ("rnn", "recon_loss"), defaults={"recon_loss": "mse"}, train_defaults={"lr": 3e-3}),
    "umap_ae": Family(UMAPAE, "dense", "UMAP autoencoder (parametric UMAP)",
                      "Also keeps each sample's nearest neighbours close in the code (Sainburg et al. 2021): "
                      "UMAP-like clusters that still place new points and decode.",
                      ("hidden", "recon_loss", "dropout", "umap_weight", "n_neighbors", "jitter_copies"),
                      train_defaults={"lr": 3e-3, "batch_size": 64}),
}


def config_for(model: str, input_shape: tuple[int, ...], latent_dim: int = 2, **options) -> ModelConfig:
    """A config for `model`: its family's defaults, then the given options, then what the family fixes."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    family = MODELS[model]
    values = {**family.defaults, **{k: v for k, v in options.items() if v is not None}, **family.fixed}
    return ModelConfig(model=model, input_shape=tuple(input_shape), latent_dim=latent_dim, **values)


def build_model(cfg: ModelConfig, seed: int = 0) -> Autoencoder:
    """The model named by cfg.model, its backbone sized for cfg.input_shape, initialised from `seed`
    (without touching the global random state)."""
    family = MODELS[cfg.model]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder, decoder = BACKBONES[family.backbone](cfg, family.cls.widths(cfg))
        return family.cls(cfg, encoder, decoder)
