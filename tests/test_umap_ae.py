"""The UMAP autoencoder: its fuzzy kNN graph on a case small enough to check by hand, its loss, that training
keeps neighbourhoods, and that a checkpoint (which leaves the graph out) still encodes the same."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import silhouette_score

from aelib import infer
from aelib.models import build_model, config_for
from aelib.models.umap_ae import EPS, NEGATIVES, UMAP_A, UMAP_B, fuzzy_graph, memberships, umap_cross_entropy
from aelib.sharing import checkpoint
from aelib.train import TrainConfig, train

FAR = math.log2(3) - 1  # with 2 neighbours, sigma makes 1 + w_far = log2(3): the farther one gets 0.585


def test_memberships_by_hand():
    """Points 0, 1, 3 on a line, n_neighbors=3 (each point and its 2 others): the nearest gets 1."""
    idx, w = memberships(np.array([[0.0], [1.0], [3.0]]), n_neighbors=3)
    np.testing.assert_array_equal(idx, [[1, 2], [0, 2], [1, 0]])
    np.testing.assert_allclose(w, [[1, FAR], [1, FAR], [1, FAR]], rtol=1e-4)


def test_fuzzy_graph_by_hand():
    head, tail, weight = fuzzy_graph(np.array([[0.0], [1.0], [3.0]]), n_neighbors=3)
    got = {(int(h), int(t)): float(v) for h, t, v in zip(head, tail, weight, strict=True)}
    union = 2 * FAR - FAR * FAR  # 0 and 3 are each other's farther neighbour
    expected = {(0, 1): 1.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0, (0, 2): union, (2, 0): union}
    assert got.keys() == expected.keys()
    for edge, v in expected.items():
        assert got[edge] == pytest.approx(v, rel=1e-4), edge


def test_fuzzy_graph_is_symmetric_with_weights_in_0_1(digits):
    x = digits.x_train[:200]
    idx, w = memberships(x, 15)
    assert idx.shape == w.shape == (200, 14) and np.all(w[:, 0] == 1)
    head, tail, weight = fuzzy_graph(x, 15)
    assert np.all((weight > 0) & (weight <= 1)) and np.all(head != tail)
    forward = dict(zip(zip(head.tolist(), tail.tolist(), strict=True), weight.tolist(), strict=True))
    assert all(forward[(t, h)] == pytest.approx(v) for (h, t), v in forward.items())
    assert len(forward) >= 200 * 14  # every directed kNN edge survives the union


def test_fuzzy_graph_matches_umap_learn(digits):
    """Given the same exact kNN, the edge weights equal umap-learn's fuzzy_simplicial_set (McInnes et al. 2018)."""
    from sklearn.neighbors import NearestNeighbors
    from umap.umap_ import fuzzy_simplicial_set

    x = digits.x_train[:300].reshape(300, -1).astype(np.float32)
    x += np.random.default_rng(0).normal(0, 1e-3, x.shape).astype(np.float32)  # break distance ties (pixels are k/16)
    dists, idx = NearestNeighbors(n_neighbors=15).fit(x).kneighbors(x)
    dists[:, 0] = 0  # each point itself; round-off leaves ~1e-7, which umap-learn would take for a neighbour
    ref = fuzzy_simplicial_set(x, 15, np.random.RandomState(0), "euclidean", knn_indices=idx,
                               knn_dists=dists.astype(np.float32))[0].toarray()
    head, tail, weight = fuzzy_graph(x, 15)
    ours = np.zeros_like(ref)
    ours[head, tail] = weight
    assert (ref > 0).sum() > 300 * 14  # a real graph, not two empty ones
    np.testing.assert_allclose(ours, ref, atol=1e-5)


def test_cross_entropy_by_hand():
    """q = 1 / (1 + a d^2b): a positive pair at distance 0 costs nothing; a negative there costs a lot."""
    z0 = torch.zeros(1, 2)
    far = torch.tensor([[100.0, 0.0]])
    def q(d):  # the output similarity, written out by hand
        return 1 / (1 + UMAP_A * (d * d + EPS) ** UMAP_B)

    by_hand = -math.log(q(0)) - NEGATIVES * math.log(1 - q(100))  # small: only EPS and a far tail keep it above 0
    got = umap_cross_entropy(z0, z0, far.unsqueeze(1).expand(1, NEGATIVES, 2)).item()
    assert got == pytest.approx(by_hand, rel=1e-4) and got < 0.05
    assert umap_cross_entropy(z0, far, z0.unsqueeze(1).expand(1, NEGATIVES, 2)).item() > 20


def blobs(n: int = 120, dim: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two well-separated Gaussian blobs in [0, 1]^dim, labelled 0 and 1."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    centres = np.where(rng.random((2, dim)) > 0.5, 0.75, 0.25)
    return np.clip(centres[y] + 0.05 * rng.standard_normal((n, dim)), 0, 1).astype(np.float32), y


def test_loss_is_finite_and_reaches_every_parameter():
    x, _ = blobs()
    model = build_model(config_for("umap_ae", (20,), hidden=(16,)))
    model.generator = torch.Generator().manual_seed(0)
    xt = torch.as_tensor(x)
    model.prepare(xt)
    terms = model.loss_terms(xt[:16])
    assert set(terms) == {"loss", "recon", "umap"} and all(math.isfinite(v.item()) for v in terms.values())
    assert terms["loss"].item() == pytest.approx(terms["recon"].item() + model.cfg.umap_weight * terms["umap"].item())
    model.backward(terms)
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.encoder.parameters())


def test_training_lowers_the_umap_term_and_separates_blobs():
    x, y = blobs()
    model = build_model(config_for("umap_ae", (20,), hidden=(32,), recon_loss="mse"), seed=0)
    before = silhouette_score(infer.encode(model, x), y)
    history = list(train(model, x, x[:40], TrainConfig(epochs=15, batch_size=32, lr=3e-3)))
    assert history[-1].val["umap"] < 0.8 * history[0].val["umap"]  # the same seeded edges every epoch
    assert history[-1].train.keys() == history[-1].val.keys() == {"loss", "recon", "umap"}
    z = infer.encode(model, x)
    after = silhouette_score(z, y)
    assert after > max(before, 0.6), (before, after)
    head, tail, _ = (e.numpy() for e in model.edges)  # graph neighbours end up closer than random pairs
    rand = np.random.default_rng(0).permutation(len(x))
    near, anywhere = np.linalg.norm(z[head] - z[tail], axis=1).mean(), np.linalg.norm(z - z[rand], axis=1).mean()
    assert near < 0.5 * anywhere, (near, anywhere)


def test_checkpoint_leaves_the_graph_out_and_still_encodes(tmp_path):
    x, _ = blobs()
    model = build_model(config_for("umap_ae", (20,), hidden=(16,)))
    list(train(model, x, x[:20], TrainConfig(epochs=1)))
    assert model.edges is not None and not any("edge" in k or "graph" in k for k in model.state_dict())
    loaded = checkpoint.load(checkpoint.save(model, tmp_path / "run", []))
    assert loaded.edges is None
    np.testing.assert_array_equal(infer.encode(loaded, x), infer.encode(model, x))
    np.testing.assert_array_equal(infer.reconstruct(loaded, x), infer.reconstruct(model, x))
    assert loaded.loss_terms(torch.as_tensor(x[:4]))["umap"].item() == 0  # no graph, nothing to keep


def test_config_checks_its_options():
    with pytest.raises(ValueError, match="umap_weight must be at least 0, got -1.0"):
        config_for("umap_ae", (20,), umap_weight=-1.0)
    with pytest.raises(ValueError, match="n_neighbors must be at least 2, got 1"):
        config_for("umap_ae", (20,), n_neighbors=1)


def dot(size: int = 28, at: tuple[int, int] = (14, 14)) -> torch.Tensor:
    img = torch.zeros(1, 1, size, size)
    img[0, 0, at[0], at[1]] = 1.0
    return img


def centre_of_mass(img: torch.Tensor) -> torch.Tensor:
    """(row, col) of each image's brightness, in pixels: (N, 2)."""
    img = img[:, 0]
    rows, cols = torch.meshgrid(torch.arange(img.shape[1]), torch.arange(img.shape[2]), indexing="ij")
    total = img.sum((1, 2))
    return torch.stack([(img * rows).sum((1, 2)) / total, (img * cols).sum((1, 2)) / total], 1)


def test_jitter_with_no_room_gives_the_image_back(monkeypatch):
    import aelib.models.umap_ae as umap_ae

    monkeypatch.setattr(umap_ae, "MAX_ROTATION_DEG", 0.0)
    monkeypatch.setattr(umap_ae, "MAX_SCALE", 0.0)
    monkeypatch.setattr(umap_ae, "MAX_SHIFT", 0.0)
    x = torch.rand(5, 1, 12, 12)
    torch.testing.assert_close(umap_ae.jittered(x, torch.Generator().manual_seed(0)), x, atol=1e-5, rtol=0)


def test_jitter_moves_a_dot_no_further_than_its_bounds(monkeypatch):
    """A shift of up to 2 px (2/14 of a 28-px image's half-width), no rotation or scaling: the dot's centre moves,
    by at most 2 px on each axis, and differently in different copies."""
    import aelib.models.umap_ae as umap_ae

    monkeypatch.setattr(umap_ae, "MAX_ROTATION_DEG", 0.0)
    monkeypatch.setattr(umap_ae, "MAX_SCALE", 0.0)
    monkeypatch.setattr(umap_ae, "MAX_SHIFT", 2 / 14)
    x = dot().expand(50, 1, 28, 28)
    moved = centre_of_mass(umap_ae.jittered(x, torch.Generator().manual_seed(0))) - 14
    assert moved.abs().max() <= 2 + 1e-4 and moved.abs().max() > 1 and moved.std(0).min() > 0.5


def test_jitter_keeps_a_digit_a_slightly_different_digit(digits):
    from aelib.models.umap_ae import jittered

    x = torch.as_tensor(digits.x_train[:64], dtype=torch.float32).reshape(64, 1, 8, 8)
    out = jittered(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.min() >= x.min() and out.max() <= x.max()
    change = (out - x).abs().mean((1, 2, 3))
    assert (change > 0.01).all()  # every copy differs from its original...
    flat_x, flat_out = x.reshape(64, -1), out.reshape(64, -1)
    near = torch.cdist(flat_out, flat_x).argmin(1)
    assert (near == torch.arange(64)).float().mean() > 0.8  # ...yet is still nearest to it, of the 64 originals
    again = jittered(x, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)  # seeded


def test_graph_points_add_jittered_copies_of_images_only(monkeypatch):
    import aelib.models.umap_ae as umap_ae

    images = torch.rand(10, 1, 8, 8)
    g = torch.Generator().manual_seed(0)
    points = umap_ae.graph_points(images, 2, g)
    assert points.shape == (30, 1, 8, 8) and torch.equal(points[:10], images)
    assert not torch.equal(points[10:20], images) and not torch.equal(points[10:20], points[20:])
    table = torch.rand(10, 20)
    assert umap_ae.graph_points(table, 2, g) is table  # a table has no pixels to rotate
    assert umap_ae.graph_points(images, 0, g) is images
    monkeypatch.setattr(umap_ae, "MAX_GRAPH", 25)
    assert len(umap_ae.graph_points(images, 4, g)) == 20  # whole copies only, within the cap
    monkeypatch.setattr(umap_ae, "MAX_GRAPH", 15)
    assert umap_ae.graph_points(images, 4, g) is images


def test_the_graph_of_an_image_model_holds_the_jittered_copies(digits):
    x = torch.as_tensor(digits.x_train[:100], dtype=torch.float32).reshape(100, 1, 8, 8)
    model = build_model(config_for("umap_ae", (1, 8, 8), hidden=(16,), jitter_copies=2))
    model.generator = torch.Generator().manual_seed(0)
    model.prepare(x)
    head, tail, _ = model.edges
    assert model.copies == 2 and len(model.x_graph) == 300 and torch.equal(model.x_graph[:100], x)
    assert int(torch.maximum(head, tail).max()) >= 100  # the copies are in the graph, not just beside it
    copy_of = torch.arange(300) % 100  # a copy's neighbours often include its own original
    linked = (copy_of[head] == copy_of[tail]) & (head != tail)
    assert linked.sum() > 100
    with pytest.raises(ValueError, match="jitter_copies must be at least 0, got -1"):
        config_for("umap_ae", (1, 8, 8), jitter_copies=-1)


def test_the_graph_measures_wide_samples_on_their_principal_components(digits, monkeypatch):
    """Narrow data as they are; wider than GRAPH_DIMS, its principal components, which keep most neighbours."""
    import aelib.models.umap_ae as umap_ae

    x = digits.x_train.astype(np.float32)  # 64 pixels: narrower than GRAPH_DIMS
    np.testing.assert_array_equal(umap_ae.graph_space(x), x)
    monkeypatch.setattr(umap_ae, "GRAPH_DIMS", 20)
    reduced = umap_ae.graph_space(x)
    assert reduced.shape == (len(x), 20)
    np.testing.assert_array_equal(umap_ae.graph_space(x), reduced)  # seeded: the same graph every time
    pixels, _ = memberships(x, 15)
    components, _ = memberships(reduced, 15)
    shared = np.mean([len(set(a) & set(b)) / len(a) for a, b in zip(pixels, components, strict=True)])
    assert shared > 0.7, shared  # most of each point's 14 neighbours are the same
