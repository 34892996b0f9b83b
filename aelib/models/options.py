"""The options model families read beyond the common config fields, each declared once (aelib.settings.Option:
default, range, widget, words), and Options, the read-only, hashable mapping a config holds their values in."""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from aelib.data.noise import NOISES
from aelib.settings import Choice, Float, Int, Option

WEIGHT = Float(0.0, math.inf)  # a loss term's weight: any number >= 0

BETA = Option("beta", 1.0, WEIGHT, Float(0.0, 10.0), "slider", "controls.beta", "controls.beta_help", step=0.1)
NOISE = Option("noise", "gaussian", Choice(tuple(NOISES)), widget="select", label="controls.noise_label",
               words="noise.{}.title", choice_help="noise.{}.description")
NOISE_LEVEL = Option("noise_level", 0.5, Float(0.0, 1.0), widget="slider", label="controls.noise_level", step=0.05)
# "l1" on a ReLU code, or "kl" to a target rate rho on a sigmoid code
SPARSITY = Option("sparsity", "l1", Choice(("l1", "kl")), widget="radio", label="controls.sparsity",
                  words="controls.sparsity_{}")
SPARSITY_WEIGHT = Option("sparsity_weight", 0.1, WEIGHT, Float(0.0, 100.0), "number", "controls.sparsity_weight",
                         step=0.05, format="%.3f")
SPARSITY_TARGET = Option("sparsity_target", 0.05, Float(0.0, 1.0, inside=True), Float(0.01, 0.5), "slider",
                         "controls.sparsity_target", step=0.01, when=("sparsity", "kl"))
CONTRACTIVE_WEIGHT = Option("contractive_weight", 0.1, WEIGHT, Float(0.0, 100.0), "number", "controls.contractive",
                            step=0.05, format="%.3f")
CODEBOOK_SIZE = Option("codebook_size", 64, Int(2, math.inf), Choice((8, 16, 32, 64, 128, 256, 512)),
                       "select_slider", "controls.codebook")  # entries in the codebook
VQ_DIM = Option("vq_dim", 8, Int(1, math.inf), Choice((1, 2, 4, 8, 16)), "select_slider", "controls.vq_dim",
                "controls.vq_dim_help")  # length of each code vector
COMMITMENT = Option("commitment", 0.25, WEIGHT, Float(0.0, 2.0), "slider", "controls.commitment", step=0.05)
ADVERSARIAL_WEIGHT = Option("adversarial_weight", 1.0, WEIGHT, Float(0.0, 100.0), "number", "controls.adversarial",
                            step=0.5)
RNN = Option("rnn", "gru", Choice(("gru", "lstm")), widget="radio", label="controls.rnn", words="controls.rnn_{}")
# parametric UMAP: the weight per edge against the reconstruction summed per sample, neighbours per point in the
# fuzzy kNN graph, and slightly rotated, scaled and shifted copies of each training image in the graph
UMAP_WEIGHT = Option("umap_weight", 1000.0, WEIGHT)
N_NEIGHBORS = Option("n_neighbors", 15, Int(2, math.inf))
JITTER_COPIES = Option("jitter_copies", 8, Int(0, math.inf))


class Options(Mapping[str, object]):
    """A family's option values, in the order it declares them: read-only and hashable, so a config holding them
    still keys caches and compares by value."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, object] | None = None):
        object.__setattr__(self, "_items", dict(items or {}))

    def __getitem__(self, key: str) -> object:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and self._items == dict(other.items())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Options are read-only")

    def __repr__(self) -> str:
        return f"Options({', '.join(f'{k}={v!r}' for k, v in self._items.items())})"

    def __reduce__(self):
        return Options, (self._items,)
