"""One experiment = a dataset + a model config + a train config. Helpers the CLI, the benchmarks and the
pages share: the config for a dataset, warnings worth showing, training to the end, the summary numbers of a
finished run, and the AE-vs-PCA-vs-t-SNE comparison on held-out points."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from aelib import infer
from aelib.data import Dataset, load_dataset, sample_rows
from aelib.metrics import knn_accuracy, pca_test_mse, trustworthiness
from aelib.models import Autoencoder, ModelConfig, build_model
from aelib.projections import Projection, project_pca, project_tsne, score
from aelib.train import EpochStats, TrainConfig, train

COMPARE_METHODS = ("pca", "tsne", "ae")


def model_config(ds: Dataset, model: str = "ae", latent_dim: int = 2, **kw) -> ModelConfig:
    """A model config shaped for this dataset."""
    return ModelConfig(model=model, input_shape=ds.shape, latent_dim=latent_dim, **kw)


def warnings_for(ds: Dataset, cfg: ModelConfig) -> list[str]:
    """Legal but probably unintended choices, in words."""
    out = []
    if cfg.latent_dim >= ds.input_dim:
        out.append(f"The latent size ({cfg.latent_dim}) is not smaller than the input ({ds.input_dim} values): "
                   f"without a bottleneck an autoencoder can learn to copy its input instead of compressing it.")
    return out


def fit(ds: Dataset, mcfg: ModelConfig, tcfg: TrainConfig,
        log: Callable[[EpochStats], None] | None = None) -> tuple[Autoencoder, list[EpochStats]]:
    """Build the model (seeded by tcfg.seed) and train it to the end; `log` sees every epoch."""
    model, history = build_model(mcfg, seed=tcfg.seed), []
    for stats in train(model, ds.x_train, ds.x_test, tcfg):
        if isinstance(stats, EpochStats):
            history.append(stats)
            if log is not None:
                log(stats)
    return model, history


def compare(dataset: str, methods: list[str], n: int, seed: int = 0, perplexity: float = 30.0,
            epochs: int = 30, data_dir: str | None = None) -> dict[str, dict]:
    """Score each method on the same n held-out points: the split holds out exactly n (the official test
    split for mnist/fashion_mnist, sampled down to n); PCA and the 2-D AE are fitted on the rest."""
    unknown = set(methods) - set(COMPARE_METHODS)
    if unknown:
        raise ValueError(f"unknown methods: {', '.join(sorted(unknown))}; choose from {', '.join(COMPARE_METHODS)}")
    ds = load_dataset(dataset, seed=seed, test_size=n, data_dir=data_dir)
    if n > len(ds.x_test):
        raise ValueError(f"--n {n} is more than the {len(ds.x_test)} held-out points of {dataset}")
    rows = sample_rows(len(ds.x_test), n, seed)
    x_test, y_test = ds.x_test[rows], ds.y_test[rows]
    out = {}
    for m in methods:
        if m == "pca":
            proj = project_pca(ds.x_train, x_test, seed=seed)
        elif m == "tsne":
            proj = project_tsne(x_test, perplexity=perplexity, seed=seed)
        else:
            net, history = fit(ds, model_config(ds, "ae", 2), TrainConfig(epochs=epochs, seed=seed))
            proj = Projection("ae", infer.encode(net, x_test), infer.encode(net, ds.x_train),
                              sum(h.seconds for h in history))
        out[m] = score(proj, x_test, ds.y_train, y_test, seed)
    return out


def summarize(model: Autoencoder, ds: Dataset, history: list[EpochStats], seed: int = 0) -> dict:
    """The numbers that say how good a trained model is, on the held-out split."""
    z_train, z_test = infer.encode(model, ds.x_train), infer.encode(model, ds.x_test)
    seconds = sum(h.seconds for h in history)
    return {
        "dataset": ds.name, "model": model.cfg.model, "latent_dim": model.cfg.latent_dim,
        "epochs": len(history), "seconds": round(seconds, 2),
        "samples_per_second": round(len(history) * len(ds.x_train) / seconds, 1) if seconds else None,
        "train_loss": round(history[-1].train["loss"], 4) if history else None,
        "test_mse": round(infer.mse(model, ds.x_test), 5),
        "pca_test_mse": round(pca_test_mse(ds.x_train, ds.x_test, model.cfg.latent_dim, seed), 5),
        "knn_accuracy": round(knn_accuracy(z_train, ds.y_train, z_test, ds.y_test), 4),
        "trustworthiness": round(trustworthiness(ds.x_test, z_test, 10, seed), 4),
    }


def history_dicts(history: list[EpochStats]) -> list[dict]:
    return [asdict(h) for h in history]
