"""The model zoo: one config for every family, the registry that names them, and build_model(). A family is a
class (autoencoder.py, variational.py), a backbone (networks.py) and its MODELS entry, which declares once the
common fields it reads, its own options (options.py), its defaults and its own numbers (aelib.diagnostics)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import torch

from aelib.i18n import Explained, Listed, Words
from aelib.models import options as opt
from aelib.models.autoencoder import Autoencoder, ContractiveAE, DenoisingAE, LinearAE, SparseAE
from aelib.models.networks import BACKBONES, CHECKS
from aelib.models.options import Options
from aelib.models.umap_ae import UMAPAE
from aelib.models.variational import CVAE, VAE, VQVAE, AdversarialAE, kl_per_dim, kl_to_standard_normal
from aelib.settings import Option

__all__ = ["MODELS", "Autoencoder", "Family", "ModelConfig", "Option", "Options", "build_model", "config_for",
           "declared_options", "kl_per_dim", "kl_to_standard_normal"]


@dataclass(frozen=True, init=False)
class ModelConfig:
    """What build_model needs: the fields every family shares, and `options`, the values of the family's own
    declared options (each also readable as an attribute: cfg.beta). Made with keywords, ModelConfig(model="vae",
    beta=4.0): an option the family does not declare but another one does is checked and left out (that family's
    model would ignore it); a name no family declares is refused."""

    model: str = "ae"  # a key of MODELS
    input_shape: tuple[int, ...] = (1, 28, 28)  # one sample: (C, H, W) images, (T, F) sequences, (D,) tables
    latent_dim: int = 2  # code size; for vq_vae, the number of code vectors per sample
    hidden: tuple[int, ...] = (512, 256)  # dense layer widths, encoder order; the decoder mirrors them
    channels: tuple[int, ...] = (32, 64)  # conv channels; each layer halves the image size
    recon_loss: str = "bce"  # "bce" (data are in [0, 1], so a proper likelihood) or "mse"
    dropout: float = 0.0  # after every hidden layer, training only
    tied: bool = False  # dense decoders reuse the encoder's weights, transposed
    linear: bool = False  # no activations (linear_ae)
    n_classes: int = 10  # classes in the data; the conditional families (cvae) read the labels
    options: Options = field(default_factory=Options)  # the family's own options, in its declared order

    def __init__(self, model: str = "ae", options: Mapping[str, object] | None = None, **given: object):
        values = {**(options or {}), **given}
        for f in fields(self):
            if f.name not in ("model", "options"):
                object.__setattr__(self, f.name, values.pop(f.name, f.default))
        object.__setattr__(self, "model", model)
        family = MODELS.get(model)
        if family is None:
            raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
        object.__setattr__(self, "options", Options(_own_options(model, family, values)))
        self._check(family)

    def __getattr__(self, name: str) -> object:
        """A family option as an attribute (cfg.beta); only called when no field has the name."""
        own = self.__dict__.get("options")
        if own is not None and name in own:
            return own[name]
        raise AttributeError(f"{self.__dict__.get('model')} has no config field or option {name!r}")

    def _check(self, family: Family) -> None:
        checks = [
            (self.latent_dim >= 1, f"latent size must be at least 1, got {self.latent_dim}"),
            (all(h >= 1 for h in self.hidden), f"layer widths must be at least 1, got {self.hidden}"),
            (self.recon_loss in ("bce", "mse"), f"reconstruction loss must be 'bce' or 'mse', got {self.recon_loss!r}"),
            (0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}"),
            (self.n_classes >= 1, f"number of classes must be at least 1, got {self.n_classes}"),
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

    def to_dict(self) -> dict:
        """One flat dict: the common fields, then the family's options (the format of config.json and links)."""
        common = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "options"}
        return {**common, **self.options}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """A config from its flat dict. Files written before a family's options were its own hold every family's
        options: those of other families are read and left out."""
        known = {f.name for f in fields(cls)} - {"options"} | set(declared_options())
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(sorted(unknown))}")
        tuples = {k: tuple(v) for k, v in d.items() if isinstance(v, list)}
        return cls(**{**d, **tuples})


def _own_options(model: str, family: Family, values: Mapping[str, object]) -> dict[str, object]:
    """The family's option values, checked, defaults filled in. Another family's option is checked and dropped."""
    own, every = {o.name: o for o in family.options}, declared_options()
    chosen = {}
    for name, value in values.items():
        option = own.get(name) or every.get(name)
        if option is None:
            raise Explained("error.option_unknown", name=name, model=model,
                            reads=Listed(["latent_dim", *family.reads, *own]))
        checked = option.check(value)
        if name in own:
            chosen[name] = checked
    return {name: chosen.get(name, o.default) for name, o in own.items()}


def declared_options() -> dict[str, Option]:
    """Every family's own options by name, in registry order (a name two families share is one declaration)."""
    found: dict[str, Option] = {}
    for family in MODELS.values():
        for option in family.options:
            found.setdefault(option.name, option)
    return found


@dataclass(frozen=True)
class Family:
    """One model family, declared once. Its words are the table's family.<name>.title and .summary; its view on
    the Train page is appkit.family_views.VIEWS[<name>]."""

    cls: type[Autoencoder]
    backbone: str  # a key of networks.BACKBONES
    reads: tuple[str, ...] = ()  # the common ModelConfig fields it reads beyond latent_dim
    options: tuple[Option, ...] = ()  # its own settings: the config checks them; widgets, links, CLI flags show them
    defaults: dict = field(default_factory=dict)  # common field values it starts from (the learner may change them)
    fixed: dict = field(default_factory=dict)  # common field values it must have
    overcomplete_ok: bool = False  # a code as large as the input is legitimate (sparse codes)
    train_defaults: dict = field(default_factory=dict)  # TrainConfig values it trains best with
    report: str = ""  # the aelib.diagnostics function measuring what its mechanism did ("": none)

    def names(self) -> tuple[str, ...]:
        """Every config name it reads beyond latent_dim: its common fields, then its own options."""
        return (*self.reads, *(o.name for o in self.options))


DENSE = ("hidden", "recon_loss", "dropout", "tied")
MODELS: dict[str, Family] = {
    "ae": Family(Autoencoder, "dense", DENSE),
    "deep_ae": Family(Autoencoder, "dense", DENSE, defaults={"hidden": (512, 256, 128, 64)}),
    "conv_ae": Family(Autoencoder, "conv", ("channels", "recon_loss", "dropout")),
    "denoising_ae": Family(DenoisingAE, "dense", DENSE, (opt.NOISE, opt.NOISE_LEVEL), overcomplete_ok=True,
                           report="denoising_report"),
    "sparse_ae": Family(SparseAE, "dense", DENSE, (opt.SPARSITY, opt.SPARSITY_WEIGHT, opt.SPARSITY_TARGET),
                        overcomplete_ok=True, report="sparsity_report"),
    "contractive_ae": Family(ContractiveAE, "dense", DENSE, (opt.CONTRACTIVE_WEIGHT,), report="contractive_report"),
    "linear_ae": Family(LinearAE, "dense", ("tied",), fixed={"hidden": (), "linear": True, "recon_loss": "mse"},
                        train_defaults={"lr": 1e-2}, report="subspace_report"),
    "vae": Family(VAE, "dense", ("hidden", "recon_loss", "dropout"), (opt.BETA,), report="posterior_report"),
    "cvae": Family(CVAE, "dense", ("hidden", "recon_loss", "dropout"), (opt.BETA,), report="posterior_report"),
    "vq_vae": Family(VQVAE, "dense", ("hidden", "recon_loss", "dropout"),
                     (opt.CODEBOOK_SIZE, opt.VQ_DIM, opt.COMMITMENT), report="codebook_report"),
    "aae": Family(AdversarialAE, "dense", ("hidden", "recon_loss", "dropout"), (opt.ADVERSARIAL_WEIGHT,),
                  report="prior_match_report"),
    "seq_ae": Family(Autoencoder, "rnn", ("recon_loss",), (opt.RNN,), defaults={"recon_loss": "mse"},
                     train_defaults={"lr": 3e-3}),
    "umap_ae": Family(UMAPAE, "dense", ("hidden", "recon_loss", "dropout"),
                      (opt.UMAP_WEIGHT, opt.N_NEIGHBORS, opt.JITTER_COPIES),
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
