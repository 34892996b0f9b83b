"""What a learner takes home from a run, and brings back: the model as safetensors + config JSON, the latent
codes as CSV, a one-file HTML report; and reading an exported model back into a model, its dataset and history."""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

import plotly.graph_objects as go
import torch
from safetensors.torch import save as safetensors_bytes

from aelib import infer
from aelib.data import DATASETS, Dataset, load_dataset
from aelib.experiment import history_dicts, summarize
from aelib.i18n import Words, t
from aelib.limits import VISITOR, Exceeded, Limits, check_train, load_json, number, whole
from aelib.models import Autoencoder
from aelib.plots import image_rows, latent_scatter, loss_curves, series_rows, split_name, term_titles
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


# the loss terms a model or the trainer reports (EpochStats keys): an imported history may name only these
TERMS = frozenset(term_titles(lang="en")) | {"umap"}
MAX_TERMS = 16
_PLAIN = re.compile(r"[A-Za-z0-9_.,+-]{1,32}")  # visitor text that may be quoted back in a message
NOT_SET_BY_FILES = ("device", "max_seconds")  # this server's device and wall-time cap, not the file's


def quoted(value: object) -> str:
    """A value from a file as a message may show it: plain short text quoted, anything else described."""
    return f"'{value}'" if isinstance(value, str) and _PLAIN.fullmatch(value) else "(an unusual value)"


def train_config(raw: object, where: str | Words = "", limits: Limits = VISITOR) -> TrainConfig:
    """The training settings saved in a config.json ("train"), within the limits. None values (a CLI's flags left
    at their defaults) and keys TrainConfig does not have are skipped; the device and the wall-time cap are this
    server's. Anything else of the wrong kind or over a limit is a CheckpointError."""
    if not isinstance(raw, dict):
        return TrainConfig()
    known = {f.name for f in fields(TrainConfig)} - set(NOT_SET_BY_FILES)
    values = {k: v for k, v in raw.items() if k in known and v is not None}
    try:
        check_train(values, limits)
        return TrainConfig(**values)
    except (Exceeded, ValueError, TypeError) as err:
        problem = err.words if isinstance(err, Exceeded) else str(err)[:200]
        raise CheckpointError("checkpoint.train", file=checkpoint.file_name(where, checkpoint.CONFIG),
                              problem=problem) from err


def _terms(raw: object, name: str) -> dict[str, float]:
    """One split's loss terms: 1..MAX_TERMS known names with finite values, "loss" among them."""
    if not isinstance(raw, dict) or not 1 <= len(raw) <= MAX_TERMS or "loss" not in raw:
        raise ValueError(f"{name} must map 1 to {MAX_TERMS} loss-term names, \"loss\" among them, to numbers")
    for term in raw:
        if term not in TERMS:
            raise ValueError(f"{name} names the loss term {quoted(term)}, which no AE Lab model reports")
    return {term: number(f"{name}.{term}", v, -1e30, 1e30) for term, v in raw.items()}


def _epoch(raw: object) -> EpochStats:
    keys = [f.name for f in fields(EpochStats)]
    if not isinstance(raw, dict) or sorted(raw) != sorted(keys):
        raise ValueError(f"an epoch must hold exactly {', '.join(keys)}")
    epoch = whole("epoch", raw["epoch"], 1, 10**6)
    train, val = _terms(raw["train"], "train"), _terms(raw["val"], "val")
    if set(train) != set(val):
        raise ValueError("train and val must name the same loss terms")
    return EpochStats(epoch, whole("epochs", raw["epochs"], epoch, 10**6), train, val,
                      number("seconds", raw["seconds"], 0.0, 1e9),
                      number("samples_per_second", raw["samples_per_second"], 0.0, 1e15))


def parse_history(raw: object, where: str | Words = "", name: str = checkpoint.CONFIG) -> list[EpochStats]:
    """A saved training history (EpochStats as dicts), checked field by field before anything uses it: whole
    epoch numbers, finite numbers, known loss-term names, the same terms in every epoch. CheckpointError says
    which entry is damaged and how (in file `name`)."""
    file = checkpoint.file_name(where, name)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CheckpointError("checkpoint.history_not_list", file=file, resave=checkpoint.RESAVE)
    history = []
    for i, entry in enumerate(raw):
        try:
            stats = _epoch(entry)
            if history and set(stats.train) != set(history[0].train):
                raise ValueError("every epoch must name the same loss terms as the first")
        except (Exceeded, ValueError) as err:
            problem = err.words if isinstance(err, Exceeded) else str(err)
            raise CheckpointError("checkpoint.history_entry", n=i + 1, file=file, problem=problem,
                                  resave=checkpoint.RESAVE) from err
        history.append(stats)
    return history


def read_history(text: str | bytes, where: str | Words = "", limits: Limits = VISITOR) -> list[EpochStats]:
    """A history.json's text, read within the limits and checked like an imported history."""
    name = checkpoint.file_name(where, checkpoint.HISTORY)
    try:
        raw = load_json(text, limits, checkpoint.HISTORY)
    except Exceeded as err:
        raise CheckpointError("checkpoint.limit", file=name, problem=err.words) from err
    except (ValueError, UnicodeDecodeError) as err:
        raise CheckpointError("checkpoint.not_json", file=name, detail=str(err)[:200],
                              resave=checkpoint.RESAVE) from err
    return parse_history(raw, where, checkpoint.HISTORY)


def read_model_files(weights: bytes, config_text: str | bytes, where: str | Words = "",
                     limits: Limits = VISITOR) -> Imported:
    """An exported model back. Everything in config.json is checked before the model is built: its size and
    depth, the model config's sizes, the dataset it names (one AE Lab bundles), the training settings (within
    the limits) and the history (field by field); then load_weights's checks of the weights. A file without
    history gets one measured point (check_fits)."""
    meta = checkpoint.read_meta(config_text, where, limits)
    cfg = checkpoint.model_config(meta, where, limits)
    name = meta.get("dataset")
    if not isinstance(name, str) or name not in DATASETS:
        raise CheckpointError("checkpoint.no_dataset", file=checkpoint.file_name(where, checkpoint.CONFIG),
                              name=quoted(name))
    history = parse_history(meta.get("history"), where)
    train = train_config(meta.get("train"), where, limits)
    model = checkpoint.load_weights(weights, cfg, where, limits)
    return Imported(model, name, history, train, not history)


def inspect(folder: str | Path, limits: Limits = VISITOR, data_dir: str | None = None) -> dict:
    """A saved model folder (`train --out`, or an export's two files) read with the import panel's checks, then
    measured on the dataset it names: its config, training settings, epochs and test metrics."""
    root = Path(folder)
    if not root.is_dir():
        raise CheckpointError("checkpoint.inspect_usage", path=root, weights=checkpoint.WEIGHTS,
                              config=checkpoint.CONFIG)
    where = f"{root}/"
    try:
        config_text = checkpoint.read_capped(root / checkpoint.CONFIG, limits.json_bytes)
        history = (checkpoint.read_capped(root / checkpoint.HISTORY, limits.json_bytes)
                   if (root / checkpoint.HISTORY).is_file() else None)
    except OSError as err:
        raise CheckpointError("checkpoint.config_missing", path=root / checkpoint.CONFIG, detail=err) from err
    try:
        weights = checkpoint.read_capped(root / checkpoint.WEIGHTS, checkpoint.weights_bytes(limits))
    except OSError as err:
        raise CheckpointError("checkpoint.weights_missing", path=root / checkpoint.WEIGHTS, detail=err) from err
    imported = read_model_files(weights, config_text, where, limits)
    if not imported.history and history is not None:
        imported.history = read_history(history, where, limits)
        imported.measured = not imported.history
    ds = load_dataset(imported.dataset, data_dir=data_dir)
    check_fits(imported, ds)
    metrics = summarize(imported.model, ds, imported.history)
    return {"folder": str(root), "dataset": imported.dataset, "model": imported.model.cfg.to_dict(),
            "train": asdict(imported.train), "epochs": len(imported.history), "measured": imported.measured,
            **{k: v for k, v in metrics.items() if k not in ("dataset", "model", "epochs")}}


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


def _latent_figure(model: Autoencoder, ds: Dataset, *, lang: str) -> go.Figure:
    z = infer.encode(model, ds.x_test, ds.y_test)  # (N_test, code width)
    title = (t("export.report.test_codes", lang) if z.shape[1] <= 3
             else t("export.report.test_codes_first_2", lang, d=z.shape[1]))
    return latent_scatter(z if z.shape[1] <= 3 else z[:, :2], ds.y_test, ds.class_names, ds.test_ids, title,
                          lang=lang)


def report_figures(model: Autoencoder, ds: Dataset, history: list[EpochStats], val_name: str,
                   *, lang: str) -> dict[str, go.Figure]:
    """The report's figures by their headings, in `lang`."""
    x, y = ds.x_test[:PREVIEW], ds.y_test[:PREVIEW]
    x_hat = infer.reconstruct(model, x, y)
    recon = (series_rows(x[:6], x_hat[:6], ds.shape, lang=lang) if ds.kind == "sequence"
             else image_rows([x, x_hat], ds.shape, [t("plots.original", lang), t("plots.reconstruction", lang)]))
    figs = {t("export.report.loss_curves", lang): loss_curves(history_dicts(history), val_name, lang=lang),
            t("export.report.reconstructions", lang): recon,
            t("export.report.latent_space", lang): _latent_figure(model, ds, lang=lang)}
    return {title: standalone(fig) for title, fig in figs.items()}


def standalone(fig: go.Figure) -> go.Figure:
    """A figure that lays itself out outside Streamlit: plotly's own template (inside a Streamlit process the
    default template is Streamlit's, which leaves the axes' automargin off) and automargin on every axis, so tick
    labels and axis titles push the 10-px margins out instead of being clipped or drawn over each other."""
    fig.update_layout(template="plotly")
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


STYLE = ("body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"  # no-i18n
         "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;"
         "text-align:left;font-size:.9em}th{background:#f4f4f4}h2{margin-top:1.5em}")


def html_report(model: Autoencoder, ds: Dataset, history: list[EpochStats], summary: dict,
                train: TrainConfig | None = None, val_name: str = "test", when: datetime | None = None,
                *, lang: str) -> str:
    """One self-contained HTML file: config, metrics, loss curves, reconstructions and the latent plot.
    plotly.js is inlined once (about 4.8 MB) so the figures stay interactive offline; "cdn" would need
    the internet, and static images would need kaleido, which AE Lab does not install. lang: the language of its
    words (the settings' and metrics' names stay as the code spells them)."""
    when = when or datetime.now()
    figs = report_figures(model, ds, history, val_name, lang=lang)
    parts = []
    for i, (title, fig) in enumerate(figs.items()):
        parts.append(f"<h2>{html.escape(title)}</h2>"
                     + fig.to_html(full_html=False, include_plotlyjs=i == 0, config={"responsive": True}))
    metrics = {k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    config = {"dataset": ds.name, **model.cfg.to_dict(), **({f"train.{k}": v for k, v in asdict(train).items()}
                                                           if train else {})}
    title = t("export.report.title", lang, model=model.cfg.model, latent=model.cfg.latent_dim, dataset=ds.name)
    made = t("export.report.made", lang, when=f"{when:%Y-%m-%d %H:%M}", version=VERSION, torch=torch.__version__,
             n=len(history), split=split_name(val_name, lang=lang))
    html_lang = " lang='zh-CN'" if lang == "zh" else ""  # no-i18n
    metrics_heading, config_heading = t("export.report.metrics", lang), t("export.report.configuration", lang)
    return (f"<!DOCTYPE html><html{html_lang}><head><meta charset='utf-8'>"  # no-i18n
            f"<title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(made)}</p>"
            f"<h2>{html.escape(metrics_heading)}</h2>{_table(metrics)}"
            f"<h2>{html.escape(config_heading)}</h2>{_table(config)}{''.join(parts)}"
            "</body></html>")

