"""The model zoo's mechanisms, family by family: gradients reach every parameter, each family's distinctive
piece does what its paper says (checked against torch.autograd and torch.distributions where they can be),
and the config refuses combinations that cannot work."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.autograd.functional import jacobian
from torch.distributions import Bernoulli, Normal, kl_divergence

from aelib.models import MODELS, ModelConfig, build_model, config_for
from aelib.models.autoencoder import jacobian_frobenius, kl_bernoulli
from aelib.models.networks import TiedLinear

DISC = "discriminator."  # the AAE's discriminator parameters


def ready(tiny, batch_for, name, n=8, seed=0, **changes):
    """A tiny model of family `name`, a seeded noise source, and a batch (x, y) it can read."""
    cfg = tiny(name, **changes)
    model = build_model(cfg, seed=seed)
    model.generator = torch.Generator().manual_seed(seed)
    x, y = batch_for(cfg, n)
    model.prepare(x)
    return model, x, y


# -- every family -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(MODELS))
def test_backward_gives_every_parameter_a_finite_gradient(tiny, batch_for, name):
    model, x, y = ready(tiny, batch_for, name)
    model.backward(model.loss_terms(x, y))
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert [n for n, g in grads.items() if g is None] == []  # nothing is left out of training
    assert all(torch.isfinite(g).all() for g in grads.values())
    assert any(g.abs().sum() > 0 for g in grads.values())


@pytest.mark.parametrize("rnn", ["gru", "lstm"])
def test_seq_ae_cells(tiny, batch_for, rnn):
    model, x, _ = ready(tiny, batch_for, "seq_ae", rnn=rnn)
    assert isinstance(model.encoder.rnn, nn.LSTM if rnn == "lstm" else nn.GRU)
    assert model(x).shape == x.shape == (8, 16, 1)
    assert torch.isfinite(model.loss_terms(x)["loss"])


# -- config -----------------------------------------------------------------------------------------------

def test_config_for_applies_defaults_options_and_fixed_values():
    assert config_for("deep_ae", (20,)).hidden == MODELS["deep_ae"].defaults["hidden"]
    assert config_for("deep_ae", (20,), hidden=(8, 4)).hidden == (8, 4)  # the learner's choice wins a default
    assert config_for("deep_ae", (20,), hidden=None).hidden == MODELS["deep_ae"].defaults["hidden"]  # None: unset
    linear = config_for("linear_ae", (20,), 3, hidden=(64,), recon_loss="bce")
    assert (linear.hidden, linear.linear, linear.recon_loss) == ((), True, "mse")  # what the family needs wins
    assert config_for("seq_ae", (16, 1)).recon_loss == "mse"
    with pytest.raises(ValueError, match="unknown model 'gan'"):
        config_for("gan", (20,))


@pytest.mark.parametrize(("model", "shape", "message"), [
    ("vae", (20,), "tied weights need a decoder that reads the code"),
    ("cvae", (20,), "tied weights need a decoder that reads the code"),
    ("conv_ae", (1, 8, 8), "tied weights need a dense"),
    ("seq_ae", (16, 1), "tied weights need a dense"),
])
def test_tied_refused_where_it_cannot_work(model, shape, message):
    with pytest.raises(ValueError, match=message):
        config_for(model, shape, tied=True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"model": "seq_ae", "input_shape": (1, 8, 8)}, r"sequence data \(time steps, features\)"),
    ({"model": "denoising_ae", "noise": "pink"}, "noise must be one of 'gaussian', 'salt_pepper', 'mask', got 'pink'"),
    ({"model": "denoising_ae", "noise_level": 1.5}, "noise_level must be between 0 and 1, got 1.5"),
    ({"model": "sparse_ae", "sparsity": "l2"}, "sparsity must be one of 'l1', 'kl', got 'l2'"),
    ({"model": "sparse_ae", "sparsity_target": 1.0}, "sparsity_target must lie strictly between 0 and 1, got 1.0"),
    ({"model": "contractive_ae", "contractive_weight": -0.1}, "contractive_weight must be at least 0, got -0.1"),
    ({"model": "vq_vae", "codebook_size": 1}, "codebook_size must be at least 2, got 1"),
    ({"model": "vq_vae", "codebook_size": 2.5}, "codebook_size must be a whole number, got 2.5"),
    ({"model": "seq_ae", "input_shape": (16, 1), "rnn": "transformer"}, "rnn must be one of 'gru', 'lstm'"),
    ({"model": "umap_ae", "n_neighbors": 1}, "n_neighbors must be at least 2, got 1"),
    ({"model": "vae", "betta": 1.0}, "'betta' is not a setting of model vae; it reads: .*'beta'"),
    ({"beta": -1.0}, "beta must be at least 0"),  # another family's option is still checked, then left out
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
])
def test_zoo_config_validation(changes, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(**{"input_shape": (20,), **changes})


# -- tied weights -----------------------------------------------------------------------------------------

def test_tied_linear_shares_the_encoder_weight(tiny, batch_for):
    tied, x, _ = ready(tiny, batch_for, "ae", tied=True, hidden=(16,))
    untied = build_model(tiny("ae", hidden=(16,)))
    enc = [m for m in tied.encoder if isinstance(m, nn.Linear)]
    dec = [m for m in tied.decoder if isinstance(m, TiedLinear)]
    assert len(dec) == len(enc) == 2 and not any(isinstance(m, nn.Linear) for m in tied.decoder)
    # the decoder's own parameters are its biases only: the weights are counted once, under the encoder
    count = sum(p.numel() for p in tied.parameters())
    assert count == sum(p.numel() for p in untied.parameters()) - sum(m.weight.numel() for m in enc)
    # each decoder layer applies its mirror encoder layer's weight, transposed
    h = torch.randn(3, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(dec[0](h), h @ enc[-1].weight + dec[0].bias)
    # decoding alone sends gradient into the encoder's weight
    tied.decode(h).sum().backward()
    assert enc[0].weight.grad is not None and enc[0].weight.grad.abs().sum() > 0
    v = torch.ones(1, 16)
    before = dec[-1](v).detach()
    with torch.no_grad():
        enc[0].weight.mul_(2.0)  # changing the encoder's weight changes what the decoder computes
    torch.testing.assert_close(dec[-1](v).detach() - dec[-1].bias, 2 * (before - dec[-1].bias))


# -- linear AE --------------------------------------------------------------------------------------------

def test_linear_ae_is_affine_and_centres_on_the_training_mean(tiny, batch_for):
    model, x, _ = ready(tiny, batch_for, "linear_ae", n=32)
    torch.testing.assert_close(model.center, x.mean(0))
    assert not any(isinstance(m, nn.ReLU) for m in [*model.encoder, *model.decoder])
    # the mean maps to the zero code, and the zero code decodes to the mean plus the biases
    torch.testing.assert_close(model.encode(x.mean(0, keepdim=True)), model.encoder[1].bias[None])
    torch.testing.assert_close(model.decode(torch.zeros(1, 2))[0], model.center + model.decoder[0].bias.view(1, 8, 8))


# -- denoising --------------------------------------------------------------------------------------------

def test_denoising_scores_the_clean_input(tiny, batch_for):
    model, x, _ = ready(tiny, batch_for, "denoising_ae", noise="mask", noise_level=0.5)
    logits_clean = model.decoder(model.encode(x))
    plain = model.recon_term(logits_clean, x)
    model.generator = torch.Generator().manual_seed(4)
    noisy_terms = model.loss_terms(x)
    model.generator = torch.Generator().manual_seed(4)
    again = model.loss_terms(x)
    assert noisy_terms["loss"].item() == again["loss"].item()  # the seeded generator makes the noise repeatable
    assert noisy_terms["loss"].item() != pytest.approx(plain.item())  # it saw a corrupted input
    zero = build_model(tiny("denoising_ae", noise_level=0.0))  # same weights (seed 0), no noise: a plain AE
    assert zero.loss_terms(x)["loss"].item() == pytest.approx(plain.item(), rel=1e-6)


# -- sparse -----------------------------------------------------------------------------------------------

def test_kl_bernoulli_by_hand_and_against_torch():
    rho, rho_hat = 0.05, torch.tensor([0.2, 0.05, 0.5], dtype=torch.float64)
    by_hand = 0.05 * math.log(0.05 / 0.2) + 0.95 * math.log(0.95 / 0.8)  # 0.0939...
    got = kl_bernoulli(rho, rho_hat)
    assert got[0].item() == pytest.approx(by_hand, rel=1e-9) and got[0].item() == pytest.approx(0.093943, abs=1e-6)
    assert got[1].item() == pytest.approx(0.0, abs=1e-12)  # no penalty at the target rate
    reference = kl_divergence(Bernoulli(probs=torch.full_like(rho_hat, rho)), Bernoulli(probs=rho_hat))
    torch.testing.assert_close(got, reference)
    assert torch.isfinite(kl_bernoulli(rho, torch.tensor([0.0, 1.0]))).all()  # clamped, never infinite


@pytest.mark.parametrize("sparsity", ["l1", "kl"])
def test_sparse_penalty(tiny, batch_for, sparsity):
    model, x, _ = ready(tiny, batch_for, "sparse_ae", latent_dim=6, sparsity=sparsity, sparsity_target=0.1)
    h = model.encode(x)
    terms = model.loss_terms(x)
    if sparsity == "l1":  # a ReLU code, penalised by its summed magnitude
        assert (h >= 0).all()
        expected = h.abs().sum(1).mean()
    else:  # a sigmoid code, penalised per unit by KL(rho || the unit's mean activation)
        assert ((h > 0) & (h < 1)).all()
        q = h.mean(0).double()
        expected = (0.1 * torch.log(0.1 / q) + 0.9 * torch.log(0.9 / (1 - q))).sum()
    assert terms["sparsity"].item() == pytest.approx(expected.item(), rel=1e-5)


# -- contractive ------------------------------------------------------------------------------------------

def test_jacobian_frobenius_matches_autograd_jacobian():
    torch.manual_seed(0)
    f = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3)).double()
    x = torch.randn(4, 5, dtype=torch.float64)
    penalty, z = jacobian_frobenius(f, x, create_graph=False)
    reference = torch.stack([jacobian(f, x[i]).pow(2).sum() for i in range(len(x))])  # (3, 5) per sample
    torch.testing.assert_close(penalty, reference)
    torch.testing.assert_close(z, f(x))


def test_contractive_penalty_trains_the_encoder(tiny, batch_for):
    model, x, _ = ready(tiny, batch_for, "contractive_ae")
    terms = model.loss_terms(x)
    first = model.encoder[1].weight
    (grad,) = torch.autograd.grad(terms["contractive"], first)
    assert grad.abs().sum() > 0  # the penalty has a graph in training mode, so it shapes the encoder
    model.eval()
    assert not model.loss_terms(x)["contractive"].requires_grad  # evaluation builds no second-order graph


# -- VAE and CVAE -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["vae", "cvae"])
def test_vae_kl_term_against_torch_distributions(tiny, batch_for, name):
    model, x, y = ready(tiny, batch_for, name, latent_dim=3)
    mu, logvar = model.encode(x, y)
    q = Normal(mu, torch.exp(0.5 * logvar))
    reference = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(1).mean()
    assert model.loss_terms(x, y)["kl"].item() == pytest.approx(reference.item(), rel=1e-5)


def test_cvae_label_changes_what_it_draws(tiny, batch_for):
    model, x, y = ready(tiny, batch_for, "cvae")
    z = torch.zeros(2, 2)
    out = model.decode(z, torch.tensor([0, 7]))
    assert not torch.allclose(out[0], out[1])  # same code, different class
    torch.testing.assert_close(model.decode(z, torch.tensor([3, 3]))[0], model.decode(z, torch.tensor([3, 3]))[1])
    for call in (lambda: model.loss_terms(x), lambda: model.decode(z), lambda: model(x)):
        with pytest.raises(ValueError, match="needs each sample's class label"):
            call()


# -- VQ-VAE -----------------------------------------------------------------------------------------------

def test_vq_vae_straight_through(tiny, batch_for):
    """recon reaches the encoder through the snap (straight-through estimator) but not the codebook; the
    codebook learns from its own term, the commitment term trains only the encoder."""
    model, x, _ = ready(tiny, batch_for, "vq_vae", n=16)
    terms = model.loss_terms(x)
    enc = list(model.encoder.parameters())
    recon_enc = torch.autograd.grad(terms["recon"], enc, retain_graph=True)
    assert all(torch.isfinite(g).all() for g in recon_enc) and sum(g.abs().sum() for g in recon_enc) > 0
    (recon_book,) = torch.autograd.grad(terms["recon"], [model.codebook], retain_graph=True, allow_unused=True)
    assert recon_book is None or recon_book.abs().sum() == 0
    (book,) = torch.autograd.grad(terms["codebook"], [model.codebook], retain_graph=True)
    assert book.abs().sum() > 0
    commit = torch.autograd.grad(terms["commitment"], [model.codebook, *enc], allow_unused=True)
    assert commit[0] is None and sum(g.abs().sum() for g in commit[1:]) > 0


def test_vq_vae_codes_are_codebook_entries(tiny, batch_for):
    model, x, _ = ready(tiny, batch_for, "vq_vae", n=16, latent_dim=3)
    idx = model.codes(x)
    assert idx.shape == (16, 3) and idx.min() >= 0 and idx.max() < model.cfg.codebook_size
    book = torch.nn.functional.normalize(model.codebook, dim=1)
    torch.testing.assert_close(model.embed(x), book[idx].flatten(1))
    # each chosen entry is the nearest to its (unit-length) encoder output (up to cdist's float error)
    z_e = model.z_e(x).view(16, 3, 1, -1)
    dist = (z_e - book).pow(2).sum(-1).sqrt()  # (16, 3, K), by broadcasting
    chosen = dist.gather(2, idx[..., None])[..., 0]
    assert torch.all(chosen <= dist.min(2).values + 1e-3)
    torch.testing.assert_close(z_e.norm(dim=-1)[..., 0], torch.ones(16, 3))


def test_vq_vae_prepare_starts_the_codebook_on_encoder_outputs(tiny, batch_for):
    model, x, _ = ready(tiny, batch_for, "vq_vae", n=64)
    outputs = model.z_e(x).reshape(-1, model.cfg.vq_dim).detach()
    dist = (model.codebook.detach()[:, None] - outputs[None]).abs().amax(-1).min(1).values
    assert torch.all(dist < 1e-6)  # every entry is one of the encoder's outputs, so none starts dead


# -- adversarial AE ---------------------------------------------------------------------------------------

def test_aae_backward_routes_each_loss_to_its_own_network(tiny, batch_for):
    model, x, _ = ready(tiny, batch_for, "aae", n=16)
    terms = model.loss_terms(x)
    own = [(n, p) for n, p in model.named_parameters() if not n.startswith(DISC)]
    disc = [(n, p) for n, p in model.named_parameters() if n.startswith(DISC)]
    expect_own = torch.autograd.grad(terms["loss"], [p for _, p in own], retain_graph=True)
    expect_disc = torch.autograd.grad(terms["discriminator"], [p for _, p in disc], retain_graph=True)
    # the autoencoder's loss would also push the discriminator (toward being fooled): it must not
    leak = torch.autograd.grad(terms["loss"], [p for _, p in disc], retain_graph=True)
    assert sum(g.abs().sum() for g in leak) > 0
    # and the discriminator's loss does not reach the encoder at all (it reads detached codes)
    assert all(g is None for g in torch.autograd.grad(terms["discriminator"], [p for _, p in own],
                                                      retain_graph=True, allow_unused=True))
    model.backward(terms)
    for (n, p), g in zip(own, expect_own):
        torch.testing.assert_close(p.grad, g, msg=n)
    for (n, p), g in zip(disc, expect_disc):
        torch.testing.assert_close(p.grad, g, msg=n)


def test_aae_prior_samples_are_seeded(tiny):
    model = build_model(tiny("aae", latent_dim=3))
    model.generator = torch.Generator().manual_seed(1)
    a = model.sample_prior(5000, torch.device("cpu"))
    model.generator = torch.Generator().manual_seed(1)
    assert torch.equal(a, model.sample_prior(5000, torch.device("cpu")))
    assert a.shape == (5000, 3)
    torch.testing.assert_close(a.mean(0), torch.zeros(3), atol=0.06, rtol=0)
    torch.testing.assert_close(a.std(0), torch.ones(3), atol=0.06, rtol=0)
