"""Encoder/decoder networks ("backbones"). They know shapes and layers, nothing about objectives.
Every backbone is called as backbone(cfg, Widths) and returns (encoder, decoder): the encoder maps
(B, *shape) — or, with a condition, (B, D + cond) — to (B, code); the decoder maps (B, dec_in) to logits
(B, *shape)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aelib.i18n import Explained

CONV_DENSE = 256  # width of the dense layer between a conv backbone's feature map and its code
RNN_HIDDEN = 64  # state size of the sequence backbone's GRU/LSTM
POS_WIDTH = 16  # positional-encoding features fed to the sequence decoder at each step


@dataclass(frozen=True)
class Widths:
    """How a family plugs into a backbone: extra encoder inputs, encoder outputs, decoder inputs."""

    cond: int  # values appended to the flattened input (a conditional VAE's one-hot label)
    code: int  # encoder output width (a VAE outputs mu and logvar: 2 * latent_dim)
    dec_in: int  # decoder input width (a conditional VAE's decoder also reads the label)


def _mlp(widths: list[int], dropout: float = 0.0, act: type[nn.Module] | None = nn.ReLU) -> list[nn.Module]:
    """Linear layers with an activation (and dropout, if any) between them, none after the last."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            if act is not None:
                layers.append(act())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return layers


class TiedLinear(nn.Module):
    """y = x Wᵀ' + b where W' is another Linear layer's weight, transposed: a decoder layer that shares its
    mirror encoder layer's weights (tied weights halve the parameters). Only the bias is its own."""

    def __init__(self, source: nn.Linear):
        super().__init__()
        self._source = [source]  # a list, so the shared weight is stored once (under the encoder)
        self.bias = nn.Parameter(torch.zeros(source.in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self._source[0].weight.t(), self.bias)


def _tie(decoder: nn.Sequential, encoder: nn.Sequential) -> nn.Sequential:
    """Replace each Linear of the decoder by a TiedLinear on its mirror encoder Linear."""
    enc = [m for m in encoder if isinstance(m, nn.Linear)]
    mirror = iter(reversed(enc))
    return nn.Sequential(*[TiedLinear(next(mirror)) if isinstance(m, nn.Linear) else m for m in decoder])


def dense_backbone(cfg, w: Widths) -> tuple[nn.Module, nn.Module]:
    """A multilayer perceptron; the decoder mirrors the encoder's widths. cfg.linear drops the
    activations (a linear autoencoder); cfg.tied shares the weights of mirrored layers."""
    d = math.prod(cfg.input_shape)
    act = None if cfg.linear else nn.ReLU
    encoder = nn.Sequential(nn.Flatten(), *_mlp([d + w.cond, *cfg.hidden, w.code], cfg.dropout, act))
    dec = nn.Sequential(*_mlp([w.dec_in, *reversed(cfg.hidden), d], cfg.dropout, act))
    if cfg.tied:
        dec = _tie(dec, encoder)
    return encoder, nn.Sequential(*dec, nn.Unflatten(1, cfg.input_shape))


def check_dense(cfg) -> None:
    if not cfg.input_shape or math.prod(cfg.input_shape) < 1:
        raise ValueError(f"input shape {cfg.input_shape} has no values")


def check_conv(cfg) -> None:
    """Raise ValueError, in words, when conv_backbone cannot be built for this shape."""
    shape, channels = cfg.input_shape, cfg.channels
    if len(shape) != 3:
        raise Explained("error.conv_needs_images", shape=shape)
    factor = 2 ** len(channels)
    if shape[1] % factor or shape[2] % factor:
        raise Explained("error.conv_divisible", h=shape[1], w=shape[2], factor=factor, layers=len(channels))


def conv_backbone(cfg, w: Widths) -> tuple[nn.Module, nn.Module]:
    """Stride-2 convolutions down, transposed convolutions up; each halves or doubles H and W."""
    check_conv(cfg)
    c, h, wd = cfg.input_shape
    factor = 2 ** len(cfg.channels)
    chans = [c, *cfg.channels]
    down: list[nn.Module] = []
    for a, b in zip(chans[:-1], chans[1:]):
        down += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.ReLU()]
    small = (chans[-1], h // factor, wd // factor)  # the feature map at the bottom, e.g. (64, 7, 7)
    flat = math.prod(small)
    drop = [nn.Dropout(cfg.dropout)] if cfg.dropout else []
    # a dense layer between the feature map and the code: a 2-D code straight from 3,136 features trains poorly
    encoder = nn.Sequential(*down, nn.Flatten(), *drop, nn.Linear(flat, CONV_DENSE), nn.ReLU(),
                            nn.Linear(CONV_DENSE, w.code))
    up: list[nn.Module] = [nn.Linear(w.dec_in, CONV_DENSE), nn.ReLU(), *drop, nn.Linear(CONV_DENSE, flat),
                           nn.ReLU(), nn.Unflatten(1, small)]
    rev = list(reversed(chans))
    for i, (a, b) in enumerate(zip(rev[:-1], rev[1:])):
        up.append(nn.ConvTranspose2d(a, b, 4, stride=2, padding=1))
        if i < len(rev) - 2:
            up.append(nn.ReLU())
    return encoder, nn.Sequential(*up)


def check_rnn(cfg) -> None:
    if len(cfg.input_shape) != 2:
        raise Explained("error.seq_needs_sequences", shape=cfg.input_shape)


class SeqEncoder(nn.Module):
    """Reads the sequence with a GRU/LSTM; its last hidden state, through a linear layer, is the code."""

    def __init__(self, cell: str, features: int, code: int):
        super().__init__()
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(features, RNN_HIDDEN, batch_first=True)
        self.out = nn.Linear(RNN_HIDDEN, code)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, F) -> (B, code)
        _, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h  # an LSTM returns (h, c)
        return self.out(h[-1])


def positional_encoding(steps: int, width: int = POS_WIDTH) -> torch.Tensor:
    """(steps, width) sines and cosines of the step index at periods from 2 to 2 * steps (as in
    Transformers): tells the decoder where in the sequence it is."""
    t = torch.arange(steps, dtype=torch.float32).unsqueeze(1)
    freqs = 2 * math.pi / (2.0 ** torch.linspace(1, math.log2(2 * steps), width // 2))
    return torch.cat([torch.sin(t * freqs), torch.cos(t * freqs)], dim=1)


class SeqDecoder(nn.Module):
    """Unrolls a GRU/LSTM for T steps from the code: the code sets the first state and is fed at every
    step together with the step's position; a linear layer reads each step's state out as its values.
    (Fed the code alone, the decoder tends to settle on the mean series and never learns to oscillate.)"""

    def __init__(self, cell: str, dec_in: int, steps: int, features: int):
        super().__init__()
        self.cell, self.steps = cell, steps
        self.init = nn.Linear(dec_in, RNN_HIDDEN)
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(dec_in + POS_WIDTH, RNN_HIDDEN, batch_first=True)
        self.out = nn.Linear(RNN_HIDDEN, features)
        self.register_buffer("position", positional_encoding(steps), persistent=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, dec_in) -> (B, T, F)
        h0 = torch.tanh(self.init(z)).unsqueeze(0)
        state = (h0, torch.zeros_like(h0)) if self.cell == "lstm" else h0
        inputs = torch.cat([z.unsqueeze(1).expand(-1, self.steps, -1),
                            self.position.unsqueeze(0).expand(len(z), -1, -1)], dim=2)
        steps, _ = self.rnn(inputs, state)
        return self.out(steps)


def rnn_backbone(cfg, w: Widths) -> tuple[nn.Module, nn.Module]:
    check_rnn(cfg)
    steps, features = cfg.input_shape
    return SeqEncoder(cfg.rnn, features, w.code), SeqDecoder(cfg.rnn, w.dec_in, steps, features)


BACKBONES = {"dense": dense_backbone, "conv": conv_backbone, "rnn": rnn_backbone}
CHECKS = {"dense": check_dense, "conv": check_conv, "rnn": check_rnn}  # cheap checks, run when a config is made
