"""One experiment = a dataset + a model config + a train config. Helpers both front ends share:
building the config for a dataset, warnings worth showing, and the summary numbers of a finished run."""
from __future__ import annotations

from dataclasses import asdict

from aelib import infer
from aelib.data import Dataset
from aelib.metrics import knn_accuracy, pca_test_mse, trustworthiness
from aelib.models import Autoencoder, ModelConfig
from aelib.train import EpochStats


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
