"""A small MLP digit classifier shared by the modern labs: its hidden activations are what a sparse autoencoder
explains, and its confidence is how the latent-diffusion lab judges generated samples. Plain arrays in and out."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class DigitNet(nn.Module):
    """x (B, D) -> hidden h = ReLU(W1 x + b1) (B, H) -> logits = W2 h + b2 (B, C)."""

    def __init__(self, input_dim: int, hidden: int, n_classes: int):
        super().__init__()
        self.inner, self.head = nn.Linear(input_dim, hidden), nn.Linear(hidden, n_classes)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.inner(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))


def batches(n: int, size: int, gen: torch.Generator):
    order = torch.randperm(n, generator=gen)
    for i in range(0, n, size):
        yield order[i:i + size]


def train_classifier(x: np.ndarray, y: np.ndarray, hidden: int = 128, epochs: int = 10, seed: int = 0,
                     lr: float = 2e-3) -> DigitNet:
    """Adam on cross-entropy, seeded (initialisation and shuffling) without touching the global random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = DigitNet(x.shape[1], hidden, int(y.max()) + 1)
    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(epochs):
        for rows in batches(len(xt), 64, gen):
            loss = F.cross_entropy(net(xt[rows]), yt[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net.eval()


@torch.no_grad()
def hidden_of(net: DigitNet, x: np.ndarray) -> np.ndarray:
    """(N, D) inputs -> (N, H) hidden activations."""
    return net.hidden(torch.as_tensor(x, dtype=torch.float32)).numpy()


@torch.no_grad()
def head_accuracy(net: DigitNet, h: np.ndarray, y: np.ndarray) -> float:
    """Accuracy when the head reads these (N, H) activations instead of the network's own."""
    pred = net.head(torch.as_tensor(h, dtype=torch.float32)).argmax(1).numpy()
    return float(np.mean(pred == y))


@torch.no_grad()
def probabilities(net: DigitNet, x: np.ndarray) -> np.ndarray:
    """(N, D) inputs -> (N, C) class probabilities."""
    return F.softmax(net(torch.as_tensor(x, dtype=torch.float32)), dim=1).numpy()


def accuracy(net: DigitNet, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(probabilities(net, x).argmax(1) == y))
