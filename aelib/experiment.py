"""One experiment = a dataset + a model config + a train config. Helpers the CLI, the benchmarks and the
pages share: the config for a dataset, warnings worth showing, training to the end, the summary numbers of a
finished run, and the AE-vs-PCA-vs-t-SNE comparison on held-out points."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace

import numpy as np

from aelib import diagnostics, infer
from aelib.data import Dataset, load_dataset, sample_rows
from aelib.data.your_data import UNLABELLED
from aelib.estimators import AutoencoderTransformer, ae_projection
from aelib.i18n import Words, t
from aelib.metrics import knn_accuracy, pca_test_mse, trustworthiness
from aelib.models import MODELS, Autoencoder, ModelConfig, build_model, config_for
from aelib.projections import TSNE_ITER, project_pca, project_tsne, project_umap, score
from aelib.train import EpochStats, TrainConfig, subset_rows, train

COMPARE_METHODS = ("pca", "tsne", "umap", "ae")


VAL_FRACTION = 0.1  # of the training split, held out for early stopping


# where a lab page's model came from (the learner reads it beside the results): English strs that speak Chinese too
TRAINED_HERE = Words("origin.here")
FROM_TRAIN_PAGE = Words("origin.main")


def from_train_page(model: str) -> Words:
    """"your vae from the Train page": the Train page's model, by family name."""
    return Words("origin.main_model", model=model)


def model_config(ds: Dataset, model: str = "ae", latent_dim: int = 2, **kw) -> ModelConfig:
    """A model config shaped for this dataset (its family's defaults, then kw)."""
    return config_for(model, ds.shape, latent_dim, n_classes=len(ds.class_names), **kw)


def train_config(model: str = "ae", **given) -> TrainConfig:
    """A train config for a model family: TrainConfig's defaults, then the family's own (a linear AE's larger step
    size, a UMAP autoencoder's smaller batches), then every given value that is not None."""
    return TrainConfig(**{**MODELS[model].train_defaults, **{k: v for k, v in given.items() if v is not None}})


def warnings_for(ds: Dataset, cfg: ModelConfig, tcfg: TrainConfig | None = None, *, lang: str) -> list[str]:
    """Legal but probably unintended choices, in words (in `lang`)."""
    out = []
    if cfg.latent_dim >= ds.input_dim and not MODELS[cfg.model].overcomplete_ok:
        out.append(t("warn.no_bottleneck", lang, latent=cfg.latent_dim, inputs=ds.input_dim))
    if cfg.model == "sparse_ae" and cfg.sparsity == "l1" and cfg.latent_dim < 8:
        out.append(t("warn.sparse_l1_small", lang, latent=cfg.latent_dim))
    if ds.kind == "sequence" and MODELS[cfg.model].backbone != "rnn":
        out.append(t("warn.sequence_dense", lang))
    if tcfg is not None and tcfg.train_subset and tcfg.train_subset < 50:
        out.append(t("warn.tiny_subset", lang, n=tcfg.train_subset))
    return out


def training_split(ds: Dataset, tcfg: TrainConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """(x_train, y_train, x_val, y_val, name of the held-out part). Early stopping must not peek at the test
    set, so with patience a seeded tenth of the training split becomes a validation set; otherwise the
    curves show the test split."""
    if not tcfg.patience:
        return ds.x_train, ds.y_train, ds.x_test, ds.y_test, "test"
    n = len(ds.x_train)
    val = subset_rows(n, max(1, int(n * VAL_FRACTION)), tcfg.seed + 1)
    keep = np.setdiff1d(np.arange(n), val)
    if len(keep) == 0:
        raise ValueError("too few training samples to hold out a validation set for early stopping")
    return ds.x_train[keep], ds.y_train[keep], ds.x_train[val], ds.y_train[val], "validation"


def fit(ds: Dataset, mcfg: ModelConfig, tcfg: TrainConfig,
        log: Callable[[EpochStats], None] | None = None) -> tuple[Autoencoder, list[EpochStats]]:
    """Build the model (seeded by tcfg.seed) and train it to the end; `log` sees every epoch."""
    model, history = build_model(mcfg, seed=tcfg.seed), []
    x_tr, y_tr, x_val, y_val, _ = training_split(ds, tcfg)
    for stats in train(model, x_tr, x_val, tcfg, y_train=y_tr, y_val=y_val):
        if isinstance(stats, EpochStats):
            history.append(stats)
            if log is not None:
                log(stats)
    return model, history


def compare(dataset: str, methods: list[str], n: int, seed: int = 0, perplexity: float = 30.0,
            epochs: int = 30, data_dir: str | None = None, tsne_iter: int = TSNE_ITER) -> dict[str, dict]:
    """Score each method on the same n held-out points: the split holds out exactly n (the official test
    split for mnist/fashion_mnist, sampled down to n); PCA, UMAP and the 2-D AE are fitted on the rest."""
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
            proj = project_tsne(x_test, perplexity=perplexity, seed=seed, max_iter=tsne_iter)
        elif m == "umap":
            proj = project_umap(ds.x_train, x_test, seed=seed)
        else:  # the same estimator a notebook would use, with the same seed: the same numbers
            est = AutoencoderTransformer("ae", 2, epochs=epochs, random_state=seed, input_shape=ds.shape)
            proj = ae_projection(est.fit(ds.x_train), ds.x_train, x_test)
        out[m] = score(proj, x_test, ds.y_train, y_test, seed)
    return out


def summarize(model: Autoencoder, ds: Dataset, history: list[EpochStats], seed: int = 0) -> dict:
    """The numbers that say how good a trained model is, on the held-out split, and what it was trained on:
    input_dim (the features a sample has, labels not among them), n_classes (0 for data without labels) and
    label_column (ds.label_column: the column of a learner's table the labels came from; None for the bundled
    sets), whichever front end trained it."""
    z_train, z_test = infer.encode(model, ds.x_train, ds.y_train), infer.encode(model, ds.x_test, ds.y_test)
    seconds = sum(h.seconds for h in history)
    return {
        "dataset": ds.name, "model": model.cfg.model, "latent_dim": model.cfg.latent_dim,
        "input_dim": ds.input_dim, "n_classes": 0 if ds.class_names == [UNLABELLED] else len(ds.class_names),
        "label_column": ds.label_column,
        "epochs": len(history), "seconds": round(seconds, 2),
        "samples_per_second": round(len(history) * len(ds.x_train) / seconds, 1) if seconds else None,
        "train_loss": round(history[-1].train["loss"], 4) if history else None,
        "loss_terms": sorted(history[-1].train) if history else [],
        "test_mse": round(infer.mse(model, ds.x_test, ds.y_test), 5),
        "pca_test_mse": round(pca_test_mse(ds.x_train, ds.x_test, model.cfg.latent_dim, seed), 5),
        "knn_accuracy": round(knn_accuracy(z_train, ds.y_train, z_test, ds.y_test), 4),
        "trustworthiness": round(trustworthiness(ds.x_test, z_test, 10, seed), 4),
        **diagnostics.report(model, ds.x_train, ds.x_test, ds.y_test, seed),
    }


def bottleneck_sweep(ds: Dataset, mcfg: ModelConfig, tcfg: TrainConfig, sizes: list[int],
                     log: Callable[[int, int], None] | None = None) -> list[dict]:
    """Test MSE per value of the same model at each latent size, beside PCA with as many components."""
    out = []
    for i, k in enumerate(sizes):
        model, _ = fit(ds, replace(mcfg, latent_dim=k), tcfg)
        out.append({"latent_dim": k, "ae": infer.mse(model, ds.x_test, ds.y_test),
                    "pca": pca_test_mse(ds.x_train, ds.x_test, k, tcfg.seed)})
        if log is not None:
            log(i + 1, len(sizes))
    return out


def history_dicts(history: list[EpochStats]) -> list[dict]:
    return [asdict(h) for h in history]
