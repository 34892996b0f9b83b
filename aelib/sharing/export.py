"""What a learner takes home from a run, and brings back: the model as safetensors + config JSON, the latent
codes as CSV, a one-file HTML report; and reading an exported model back into a model, its dataset and history."""
from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime

import plotly.graph_objects as go
import torch
from safetensors.torch import save as safetensors_bytes

from aelib import infer
from aelib.data import DATASETS, Dataset
from aelib.experiment import history_dicts
from aelib.i18n import Words, t
from aelib.models import Autoencoder
from aelib.plots import image_rows, latent_scatter, loss_curves, series_rows, split_name
from aelib.sharing import checkpoint
from aelib.sharing.checkpoint import CheckpointError
from aelib.train import EpochStats, TrainConfig, as_batch_tensor, evaluate, label_tensor

VERSION = "AE Lab 1.0"  # printed on every report, so a teacher knows which app made it
PREVIEW = 10  # held-out samples in the report's reconstructions


def model_files(model: Autoencoder, dataset: str, history: list[EpochStats],
                train: TrainConfig | None = None) -> tuple[bytes, str]:
    """(model.safetensors bytes, config.json text). The config is checkpoint.save's, plus the dataset, the
    train config and the history, so an import brings back the curves as well as the weights."""
    extra = {"dataset": dataset, "history": history_dicts(history)}
    if train is not None:
        extra["train"] = asdict(train)
    return safetensors_bytes(checkpoint.tensors(model)), checkpoint.config_json(model, extra)


def codes_csv(model: Autoencoder, ds: Dataset, split: str = "test") -> str:
    """The latent codes of one split ("train", "test" or "all") as CSV: columns z1..zd, label, split."""
    parts = {"train": [("train", ds.x_train, ds.y_train)], "test": [("test", ds.x_test, ds.y_test)]}
    if split not in (*parts, "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, (name, x, y) in enumerate(parts["train"] + parts["test"] if split == "all" else parts[split]):
        z = infer.encode(model, x, y)  # (N, code width)
        if i == 0:
            writer.writerow([f"z{j + 1}" for j in range(z.shape[1])] + ["label", "split"])
        for row, label in zip(z, y):
            writer.writerow([f"{v:.6g}" for v in row] + [ds.class_names[int(label)], name])
    return out.getvalue()


@dataclass
class Imported:
    """A model read back from an export, with what the app needs to show it."""

    model: Autoencoder
    dataset: str
    history: list[EpochStats]
    train: TrainConfig
    measured: bool  # True: the file had no history; the one point was measured on import


def _train_config(raw) -> TrainConfig:
    known = {f.name for f in fields(TrainConfig)}
    try:
        return TrainConfig(**{k: v for k, v in (raw or {}).items() if k in known})
    except (TypeError, ValueError):  # a CLI config ("train" holds its flags) or an odd one: the defaults
        return TrainConfig()


def read_model_files(weights: bytes, config_text: str | bytes, where: str | Words = "") -> Imported:
    """An exported model back: load_bytes's checks, then the dataset it names (which must be one AE Lab
    bundles and fit the model's input) and its history (or, if the file has none, one measured point)."""
    model = checkpoint.load_bytes(weights, config_text, where)
    meta = json.loads(config_text)  # valid JSON: load_bytes has parsed it
    name = meta.get("dataset")
    if name not in DATASETS:
        raise CheckpointError("checkpoint.no_dataset", file=checkpoint.file_name(where, checkpoint.CONFIG),
                              name=repr(name))
    try:
        history = [EpochStats(**h) for h in meta.get("history") or []]
    except TypeError as err:
        raise CheckpointError("checkpoint.history", file=checkpoint.file_name(where, checkpoint.CONFIG), detail=err,
                              resave=checkpoint.RESAVE) from err
    return Imported(model, name, history, _train_config(meta.get("train")), not history)


def check_fits(imported: Imported, ds: Dataset) -> None:
    """The model must read this dataset's samples; then, if it came without history, measure one point."""
    if tuple(imported.model.cfg.input_shape) != tuple(ds.shape):
        raise CheckpointError("checkpoint.shape", model_shape=imported.model.cfg.input_shape, dataset=ds.name,
                              data_shape=ds.shape)
    if not imported.history:
        imported.history = [measure(imported.model, ds)]


def measure(model: Autoencoder, ds: Dataset) -> EpochStats:
    """The loss terms of a model on both splits, as one EpochStats (for a model that came without history)."""
    with infer.evaluating(model) as device:
        terms = [evaluate(model, as_batch_tensor(model, x, device), label_tensor(model, y, len(x), device))
                 for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test))]
    return EpochStats(1, 1, terms[0], terms[1], 0.0, 0.0)


def _table(rows: dict) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _latent_figure(model: Autoencoder, ds: Dataset, lang: str = "en") -> go.Figure:
    z = infer.encode(model, ds.x_test, ds.y_test)  # (N_test, code width)
    title = (t("export.report.test_codes", lang) if z.shape[1] <= 3
             else t("export.report.test_codes_first_2", lang, d=z.shape[1]))
    return latent_scatter(z if z.shape[1] <= 3 else z[:, :2], ds.y_test, ds.class_names, ds.test_ids, title,
                          lang=lang)


def report_figures(model: Autoencoder, ds: Dataset, history: list[EpochStats], val_name: str,
                   lang: str = "en") -> dict[str, go.Figure]:
    """The report's figures by their headings, in `lang`."""
    x, y = ds.x_test[:PREVIEW], ds.y_test[:PREVIEW]
    x_hat = infer.reconstruct(model, x, y)
    recon = (series_rows(x[:6], x_hat[:6], ds.shape, lang=lang) if ds.kind == "sequence"
             else image_rows([x, x_hat], ds.shape, [t("plots.original", lang), t("plots.reconstruction", lang)]))
    return {t("export.report.loss_curves", lang): loss_curves(history_dicts(history), val_name, lang=lang),
            t("export.report.reconstructions", lang): recon,
            t("export.report.latent_space", lang): _latent_figure(model, ds, lang)}


STYLE = ("body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"  # no-i18n
         "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;"
         "text-align:left;font-size:.9em}th{background:#f4f4f4}h2{margin-top:1.5em}")


def html_report(model: Autoencoder, ds: Dataset, history: list[EpochStats], summary: dict,
                train: TrainConfig | None = None, val_name: str = "test", when: datetime | None = None,
                lang: str = "en") -> str:
    """One self-contained HTML file: config, metrics, loss curves, reconstructions and the latent plot.
    plotly.js is inlined once (about 4.8 MB) so the figures stay interactive offline; "cdn" would need
    the internet, and static images would need kaleido, which AE Lab does not install. lang: the language of its
    words (the settings' and metrics' names stay as the code spells them)."""
    when = when or datetime.now()
    figs = report_figures(model, ds, history, val_name, lang)
    parts = []
    for i, (title, fig) in enumerate(figs.items()):
        parts.append(f"<h2>{html.escape(title)}</h2>"
                     + fig.to_html(full_html=False, include_plotlyjs=i == 0, config={"responsive": True}))
    metrics = {k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    config = {"dataset": ds.name, **asdict(model.cfg), **({f"train.{k}": v for k, v in asdict(train).items()}
                                                           if train else {})}
    title = t("export.report.title", lang, model=model.cfg.model, latent=model.cfg.latent_dim, dataset=ds.name)
    made = t("export.report.made", lang, when=f"{when:%Y-%m-%d %H:%M}", version=VERSION, torch=torch.__version__,
             n=len(history), split=split_name(val_name, lang))
    html_lang = " lang='zh-CN'" if lang == "zh" else ""  # no-i18n
    metrics_heading, config_heading = t("export.report.metrics", lang), t("export.report.configuration", lang)
    return (f"<!DOCTYPE html><html{html_lang}><head><meta charset='utf-8'>"  # no-i18n
            f"<title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(made)}</p>"
            f"<h2>{html.escape(metrics_heading)}</h2>{_table(metrics)}"
            f"<h2>{html.escape(config_heading)}</h2>{_table(config)}{''.join(parts)}"
            "</body></html>")

