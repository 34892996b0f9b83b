"""Encoder/decoder networks ("backbones"). They know shapes and layers, nothing about objectives:
an encoder maps (B, *shape) to (B, code_width); a decoder maps (B, latent_dim) to logits (B, *shape)."""
from __future__ import annotations

import math

from torch import nn

CONV_DENSE = 256  # width of the dense layer between a conv backbone's feature map and its code


def _mlp(widths: list[int]) -> list[nn.Module]:
    """Linear layers with ReLU between them, none after the last."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return layers


def dense_backbone(shape: tuple[int, ...], hidden: tuple[int, ...], latent_dim: int,
                   code_width: int, **_) -> tuple[nn.Module, nn.Module]:
    """A multilayer perceptron; the decoder mirrors the encoder's widths."""
    d = math.prod(shape)
    encoder = nn.Sequential(nn.Flatten(), *_mlp([d, *hidden, code_width]))
    decoder = nn.Sequential(*_mlp([latent_dim, *reversed(hidden), d]), nn.Unflatten(1, shape))
    return encoder, decoder


def check_dense(shape: tuple[int, ...], **_) -> None:
    if not shape or math.prod(shape) < 1:
        raise ValueError(f"input shape {shape} has no values")


def check_conv(shape: tuple[int, ...], channels: tuple[int, ...], **_) -> None:
    """Raise ValueError, in words, when conv_backbone cannot be built for this shape."""
    if len(shape) != 3:
        raise ValueError(f"a convolutional model needs image data (C, H, W); this data has shape {shape}")
    factor = 2 ** len(channels)
    if shape[1] % factor or shape[2] % factor:
        raise ValueError(f"image size {shape[1]}×{shape[2]} must be divisible by {factor} "
                         f"for {len(channels)} conv layers")


def conv_backbone(shape: tuple[int, ...], channels: tuple[int, ...], latent_dim: int,
                  code_width: int, **_) -> tuple[nn.Module, nn.Module]:
    """Stride-2 convolutions down, transposed convolutions up; each halves or doubles H and W."""
    check_conv(shape, channels)
    c, h, w = shape
    factor = 2 ** len(channels)
    chans = [c, *channels]
    down: list[nn.Module] = []
    for a, b in zip(chans[:-1], chans[1:]):
        down += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.ReLU()]
    small = (chans[-1], h // factor, w // factor)  # the feature map at the bottom, e.g. (64, 7, 7)
    flat = math.prod(small)
    # a dense layer between the feature map and the code: a 2-D code straight from 3,136 features trains poorly
    encoder = nn.Sequential(*down, nn.Flatten(), nn.Linear(flat, CONV_DENSE), nn.ReLU(),
                            nn.Linear(CONV_DENSE, code_width))
    up: list[nn.Module] = [nn.Linear(latent_dim, CONV_DENSE), nn.ReLU(), nn.Linear(CONV_DENSE, flat), nn.ReLU(),
                           nn.Unflatten(1, small)]
    rev = list(reversed(chans))
    for i, (a, b) in enumerate(zip(rev[:-1], rev[1:])):
        up.append(nn.ConvTranspose2d(a, b, 4, stride=2, padding=1))
        if i < len(rev) - 2:
            up.append(nn.ReLU())
    return encoder, nn.Sequential(*up)


BACKBONES = {"dense": dense_backbone, "conv": conv_backbone}
CHECKS = {"dense": check_dense, "conv": check_conv}  # cheap shape checks, run when a config is made
