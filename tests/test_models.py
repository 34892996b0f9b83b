"""aelib.models and aelib.models.networks: shapes, losses, the config, seeding, and the KL formula."""
from __future__ import annotations

import json
import math
from dataclasses import fields

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from aelib.experiment import model_config, warnings_for
from aelib.i18n import t
from aelib.models import MODELS, VAE, VQVAE, ModelConfig, build_model, config_for, kl_per_dim, kl_to_standard_normal
from aelib.models.networks import BACKBONES
from tests.conftest import EXTRA_TERMS, SHAPES, small_shape

CASES = [(name, shape) for name, fam in MODELS.items() for shape in SHAPES[fam.backbone]]
IDS = [f"{name}-{'x'.join(map(str, shape))}" for name, shape in CASES]
# the config field that weights each extra loss term in the total ("loss")
WEIGHT_OF = {"kl": "beta", "sparsity": "sparsity_weight", "contractive": "contractive_weight", "codebook": None,
             "commitment": "commitment", "adversarial": "adversarial_weight",
             "umap": "umap_weight"}  # None: weight 1


def batch(data_for_shape, shape, n=32) -> torch.Tensor:
    ds = data_for_shape(shape)
    return torch.as_tensor(ds.x_train[:n]).reshape(n, *shape)


def test_registry_is_consistent():
    assert MODELS, "no models registered"
    for name, fam in MODELS.items():
        assert fam.backbone in BACKBONES, name
        title, summary = t(f"family.{name}.title"), t(f"family.{name}.summary")  # its words are the table's
        assert title != f"family.{name}.title" and summary != f"family.{name}.summary" and "\n" not in summary
        assert set(fam.reads) <= {f.name for f in fields(ModelConfig)} - {"options"}, name
        cfg = config_for(name, small_shape(name))  # every registered name makes a valid config
        assert all(getattr(cfg, k) == v for k, v in fam.fixed.items()), name


@pytest.mark.parametrize(("name", "shape"), CASES, ids=IDS)
def test_shapes(tiny, batch_for, name, shape):
    cfg = tiny(name, shape, latent_dim=3)
    model = build_model(cfg)
    x, y = batch_for(cfg, 5)
    width = 3 * cfg.vq_dim if isinstance(model, VQVAE) else 3  # a VQ-VAE's code is latent_dim vectors
    code = model.encode(x, y)
    if isinstance(model, VAE):
        mu, logvar = code
        assert mu.shape == logvar.shape == (5, 3)
    else:
        assert code.shape == (5, width)
    z = model.embed(x, y)
    assert z.shape == (5, width)
    out = model.decode(z, y)
    assert out.shape == (5, *shape)
    if name == "linear_ae":  # no squashing: the decoder is affine in the code
        z2 = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
        torch.testing.assert_close(model.decode(0.25 * z + 0.75 * z2), 0.25 * out + 0.75 * model.decode(z2))
    else:
        assert out.min() >= 0 and out.max() <= 1
    assert model(x, y).shape == (5, *shape)
    torch.testing.assert_close(model(x, y), out)  # forward = decode(embed(x))


@pytest.mark.parametrize(("name", "shape"), CASES, ids=IDS)
@pytest.mark.parametrize("recon_loss", ["bce", "mse"])
def test_loss_terms_are_finite_scalars(tiny, batch_for, name, shape, recon_loss):
    cfg = tiny(name, shape, recon_loss=recon_loss, beta=2.0, sparsity_weight=0.3, contractive_weight=0.2,
               commitment=0.5, adversarial_weight=0.7)
    model = build_model(cfg)
    model.generator = torch.Generator().manual_seed(0)
    terms = model.loss_terms(*batch_for(cfg, 8))
    assert set(terms) == {"loss", "recon"} | EXTRA_TERMS.get(name, set())
    for k, v in terms.items():
        assert v.ndim == 0 and math.isfinite(v.item()), k
        if k != "loss":
            assert v.item() >= 0, k  # every part is a distance, divergence or cross-entropy
    weighted = [(1.0 if WEIGHT_OF[k] is None else getattr(cfg, WEIGHT_OF[k])) * terms[k].item()
                for k in terms if k in WEIGHT_OF]  # "discriminator" trains its own network, not part of "loss"
    assert terms["loss"].item() == pytest.approx(terms["recon"].item() + sum(weighted), rel=1e-5)


def test_beta_weights_the_kl_term(tiny, data_for_shape):
    x = batch(data_for_shape, (1, 8, 8), 8)
    losses = {}
    for beta in (0.0, 4.0):
        model = build_model(tiny("vae", beta=beta), seed=1)
        model.generator = torch.Generator().manual_seed(0)
        losses[beta] = {k: v.item() for k, v in model.loss_terms(x).items()}
    assert losses[0.0]["loss"] == pytest.approx(losses[0.0]["recon"])
    assert losses[4.0]["recon"] == pytest.approx(losses[0.0]["recon"])  # same weights, same noise
    assert losses[4.0]["loss"] == pytest.approx(losses[4.0]["recon"] + 4.0 * losses[4.0]["kl"], rel=1e-5)


def test_recon_term_matches_definitions(tiny, data_for_shape):
    """BCE summed over a sample's values and averaged over the batch; MSE likewise on sigmoid outputs."""
    x = batch(data_for_shape, (1, 8, 8), 6)
    logits = torch.randn(6, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    p = torch.sigmoid(logits)
    bce = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1).mean()
    mse = ((p - x) ** 2).flatten(1).sum(1).mean()
    assert build_model(tiny()).recon_term(logits, x).item() == pytest.approx(bce.item(), rel=1e-5)
    assert build_model(tiny(recon_loss="mse")).recon_term(logits, x).item() == pytest.approx(mse.item(), rel=1e-5)


# (steps, lr, latent size) where the default (80 steps at 1e-2, a 2-D code) is not a fair trial: a sparse AE's
# 2-unit ReLU code dies under its L1 penalty on the 20-column table, an AAE's reconstruction competes with its
# adversary, and a GRU needs more, smaller steps to fit sine waves
OVERFIT = {"sparse_ae": (80, 1e-2, 8), "aae": (150, 1e-2, 2), "seq_ae": (200, 5e-3, 2)}


@pytest.mark.parametrize(("name", "shape"), CASES, ids=IDS)
def test_overfits_one_batch(tiny, batch_for, name, shape):
    steps, lr, latent = OVERFIT.get(name, (80, 1e-2, 2))
    cfg = tiny(name, shape, latent_dim=latent)
    model = build_model(cfg, seed=0)
    model.generator = torch.Generator().manual_seed(0)
    x, y = batch_for(cfg, 16)
    model.prepare(x)  # as the trainer does: the linear AE's centre, the VQ-VAE's codebook

    def measure():  # (loss terms with fixed noise, squared error of the deterministic reconstruction)
        model.generator = torch.Generator().manual_seed(0)
        with torch.no_grad():
            return model.loss_terms(x, y), ((model(x, y) - x) ** 2).mean().item()

    terms0, err0 = measure()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        terms = model.loss_terms(x, y)
        opt.zero_grad()
        model.backward(terms)
        opt.step()
    terms1, err1 = measure()
    # an AAE's total includes fooling a discriminator that learns too: a game, not a quantity that must fall
    falls = ["recon"] if name == "aae" else ["loss", "recon"]
    assert all(terms1[k] < terms0[k] for k in falls), (terms0, terms1)
    assert err1 < 0.6 * err0, (err0, err1)  # BCE has a floor above 0 for grey values; squared error has not


# -- config -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"latent_dim": 0}, "latent size must be at least 1, got 0"),
    ({"latent_dim": -2}, "latent size"),
    ({"model": "gan"}, "unknown model 'gan'; choose one of ae"),
    ({"recon_loss": "l1"}, "'bce' or 'mse'"),
    ({"model": "vae", "beta": -1.0}, "beta must be at least 0, got -1.0"),
])
def test_config_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(**changes)


def test_conv_needs_images():
    with pytest.raises(ValueError, match=r"needs image data \(C, H, W\).*\(20,\)"):
        ModelConfig(model="conv_ae", input_shape=(20,))  # refused when the config is made, not later


def test_conv_needs_divisible_image_size(tiny):
    with pytest.raises(ValueError, match="28×28 must be divisible by 8 for 3 conv layers"):
        ModelConfig(model="conv_ae", input_shape=(1, 28, 28), channels=(4, 8, 8))
    build_model(tiny("conv_ae", (1, 8, 8), channels=(4, 8, 8)))  # 8 is divisible by 8


@pytest.mark.parametrize("shape", [(), (0,), (1, 0, 28)])
def test_dense_needs_values(shape):
    with pytest.raises(ValueError, match="has no values"):
        ModelConfig(model="ae", input_shape=shape)


def test_dense_models_take_any_shape(tiny):
    model = build_model(tiny("vae", (3, 4, 5)))
    assert model(torch.rand(2, 3, 4, 5)).shape == (2, 3, 4, 5)


@pytest.mark.parametrize("cfg", [
    ModelConfig(),
    ModelConfig(model="vae", input_shape=(20,), latent_dim=5, hidden=(64, 16, 8), beta=4.0, recon_loss="mse"),
    ModelConfig(model="conv_ae", input_shape=(1, 8, 8), channels=(4,), hidden=()),
])
def test_config_json_round_trip(cfg):
    back = ModelConfig.from_dict(json.loads(cfg.to_json()))
    assert back == cfg
    assert isinstance(back.input_shape, tuple) and isinstance(back.hidden, tuple)
    assert hash(back) == hash(cfg)


def test_config_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown model config keys: colour, size"):
        ModelConfig.from_dict({"model": "ae", "size": 3, "colour": "red"})


def test_model_config_for_dataset_and_warnings(small_digits):
    cfg = model_config(small_digits, "vae", 3, beta=2.0)
    assert (cfg.model, cfg.input_shape, cfg.latent_dim, cfg.beta) == ("vae", (1, 8, 8), 3, 2.0)
    assert warnings_for(small_digits, cfg, lang="en") == []
    (warning,) = warnings_for(small_digits, model_config(small_digits, "ae", 64), lang="en")
    assert "(64)" in warning and "64 values" in warning


# -- seeding ----------------------------------------------------------------------------------------------

def state(model) -> dict[str, torch.Tensor]:
    return model.state_dict()


@pytest.mark.parametrize("name", list(MODELS))
def test_build_model_is_seeded(tiny, name):
    """tiny(name) picks a shape the family can read (sequences for seq_ae)."""
    a, b, c = (build_model(tiny(name), seed=s) for s in (3, 3, 4))
    assert state(a).keys() == state(c).keys()
    assert all(torch.equal(state(a)[k], state(b)[k]) for k in state(a))
    weights = [k for k in state(a) if k.endswith("weight")]
    assert all(not torch.equal(state(a)[k], state(c)[k]) for k in weights)


def test_build_model_leaves_global_rng_alone(tiny):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    build_model(tiny("vae"), seed=7)
    assert torch.equal(before, torch.get_rng_state())


def test_vae_code_width(tiny):
    vae, ae = build_model(tiny("vae", latent_dim=3)), build_model(tiny("ae", latent_dim=3))
    assert vae.encoder(torch.zeros(2, 1, 8, 8)).shape == (2, 6)  # mu and logvar
    assert ae.encoder(torch.zeros(2, 1, 8, 8)).shape == (2, 3)


# -- KL and sampling --------------------------------------------------------------------------------------

def test_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu = 2 * torch.randn(64, 5, generator=g, dtype=torch.float64)
    logvar = 1.5 * torch.randn(64, 5, generator=g, dtype=torch.float64)
    std = torch.exp(0.5 * logvar)
    reference = kl_divergence(Normal(mu, std), Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)
    got = kl_to_standard_normal(mu, logvar)
    assert got.shape == (64,)
    torch.testing.assert_close(got, reference)


def test_kl_per_dim_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu = 2 * torch.randn(32, 4, generator=g, dtype=torch.float64)
    logvar = 1.5 * torch.randn(32, 4, generator=g, dtype=torch.float64)
    reference = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu)))
    got = kl_per_dim(mu, logvar)
    assert got.shape == (32, 4)
    torch.testing.assert_close(got, reference)
    torch.testing.assert_close(got.sum(1), kl_to_standard_normal(mu, logvar))


def test_kl_is_zero_only_at_the_prior():
    zeros = torch.zeros(3, 4)
    torch.testing.assert_close(kl_to_standard_normal(zeros, zeros), torch.zeros(3))
    assert (kl_to_standard_normal(zeros + 0.1, zeros) > 0).all()


def test_reparameterize_is_seeded(tiny):
    vae = build_model(tiny("vae"))
    mu, logvar = torch.full((4, 2), 1.0), torch.full((4, 2), -1.0)

    def draw(seed):
        vae.generator = torch.Generator().manual_seed(seed)
        return vae.reparameterize(mu, logvar)

    torch.testing.assert_close(draw(5), draw(5), rtol=0, atol=0)
    assert not torch.equal(draw(5), draw(6))


def test_reparameterize_has_the_right_distribution(tiny):
    vae = build_model(tiny("vae"))
    vae.generator = torch.Generator().manual_seed(0)
    mu = torch.tensor([[3.0, -1.0]]).expand(20000, 2)
    logvar = torch.log(torch.tensor([[0.25, 4.0]])).expand(20000, 2)
    z = vae.reparameterize(mu, logvar)
    torch.testing.assert_close(z.mean(0), torch.tensor([3.0, -1.0]), atol=0.05, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([0.5, 2.0]), atol=0.05, rtol=0)


def test_vae_embed_is_the_posterior_mean(tiny, data_for_shape):
    vae = build_model(tiny("vae"))
    x = batch(data_for_shape, (1, 8, 8), 4)
    torch.testing.assert_close(vae.embed(x), vae.encode(x)[0], rtol=0, atol=0)
    torch.testing.assert_close(vae.embed(x), vae.embed(x), rtol=0, atol=0)  # no sampling
