"""Greedy layer-wise pretraining, the historical recipe for deep ("stacked") autoencoders (Hinton &
Salakhutdinov 2006 used RBMs; Bengio et al. 2007 used shallow autoencoders, as here): train the outermost
encoder/decoder pair as a one-hidden-layer autoencoder, freeze it, train the next pair on its codes, and so
on inward. The whole network is then fine-tuned end to end by the usual training loop."""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aelib.models.networks import TiedLinear

PRETRAINABLE = ("ae", "deep_ae")  # plain dense autoencoders


@dataclass(frozen=True)
class PretrainStats:
    layer: int  # 1-based, from the outside in
    layers: int
    epoch: int
    epochs: int
    loss: float  # mean squared error of this layer pair, per value
    seconds: float


def _linears(seq: nn.Module) -> list[nn.Module]:
    return [m for m in seq if isinstance(m, (nn.Linear, TiedLinear))]


def greedy_pretrain(model, x: torch.Tensor, cfg) -> Iterator[PretrainStats]:
    """Pretrain model's layer pairs in place, cfg.pretrain_epochs epochs each, on training inputs x."""
    if model.cfg.model not in PRETRAINABLE:
        raise ValueError(f"layer-wise pretraining applies to dense autoencoders ({', '.join(PRETRAINABLE)}), "
                         f"not {model.cfg.model}")
    act = (lambda h: h) if model.cfg.linear else F.relu
    enc, dec = _linears(model.encoder), _linears(model.decoder)
    n = len(enc)
    h = x.flatten(1)
    for i in range(n):
        e, d = enc[i], dec[n - 1 - i]
        params = [p for m in (e, d) for p in m.parameters()]
        opt = torch.optim.Adam(params, lr=cfg.lr)
        order = torch.Generator().manual_seed(cfg.seed + i)
        for epoch in range(1, cfg.pretrain_epochs + 1):
            t0, total = time.perf_counter(), 0.0
            perm = torch.randperm(len(h), generator=order).to(h.device)
            for start in range(0, len(h), cfg.batch_size):
                hb = h[perm[start:start + cfg.batch_size]]
                code = e(hb) if i == n - 1 else act(e(hb))  # the innermost layer is the linear code
                out = d(code)
                out = torch.sigmoid(out) if i == 0 else act(out)  # the outermost pair rebuilds the [0, 1] input
                loss = F.mse_loss(out, hb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(hb)
            if not math.isfinite(total):
                raise ValueError("layer-wise pretraining diverged; try a smaller learning rate")
            yield PretrainStats(i + 1, n, epoch, cfg.pretrain_epochs, total / len(h), time.perf_counter() - t0)
        with torch.no_grad():
            h = act(e(h))  # the next pair learns to rebuild this layer's codes
