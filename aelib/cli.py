"""`python -m aelib ...`: the command-line front end over the same functions the pages use."""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, replace

from aelib import bench
from aelib.data import DATASETS, Dataset, DatasetUnavailable, load_dataset
from aelib.data.hostile import hostile as hostile_uploads
from aelib.data.hostile import hostile_table
from aelib.data.noise import NOISES
from aelib.data.your_data import (
    IMAGE_TYPES,
    UploadError,
    dataset_from_images,
    dataset_from_table,
    guess_label,
    read_table,
)
from aelib.experiment import compare, fit, history_dicts, model_config, summarize, train_config, warnings_for
from aelib.i18n import t as text
from aelib.labs import anomaly, apps_commands, augmentation, compression, denoising, few_labels, superres
from aelib.labs import commands as modern_commands
from aelib.limits import VISITOR, check_train, from_env, whole
from aelib.models import MODELS, declared_options
from aelib.projections import TSNE_ITER
from aelib.sharing import checkpoint, export, quickstart
from aelib.store import Store, StoreUnavailable, open_store, retention_days
from aelib.train import EpochStats, TrainConfig, TrainingDiverged


def _print(obj, as_json: bool) -> None:
    if as_json:
        print(json.dumps(obj))
    else:
        for k, v in obj.items():
            print(f"{k:>20}  {v}")


def cmd_datasets(args) -> None:
    _print({k: f"{v.title}: {v.description}" for k, v in DATASETS.items()}, args.json)


def cmd_models(args) -> None:
    _print({k: f"{text(f'family.{k}.title')}: {text(f'family.{k}.summary')}" for k in MODELS}, args.json)


def _log_epoch(stats: EpochStats) -> None:
    print(f"epoch {stats.epoch:3d}/{stats.epochs}  train {stats.train['loss']:.4f}  "
          f"val {stats.val['loss']:.4f}  ({stats.seconds:.2f} s)", file=sys.stderr)


def _ints(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"expected comma-separated whole numbers such as 512,256, got {text!r}") from None


def add_model_flags(t: argparse.ArgumentParser) -> None:
    """--<option> for every option a family declares (None: the family's default; the config checks the value)."""
    owners: dict[str, list[str]] = {}
    for model, family in MODELS.items():
        for option in family.options:
            owners.setdefault(option.name, []).append(model)
    group = t.add_argument_group("model options", "each family's own (see `models`); unset: the family's default")
    for name, option in declared_options().items():
        kind = ({"action": argparse.BooleanOptionalAction} if isinstance(option.default, bool)
                else {"type": type(option.default)})
        words = f"{text(option.label)}; " if option.label else ""
        group.add_argument("--" + name.replace("_", "-"), default=None, **kind,
                           help=f"{', '.join(owners[name])}: {words}default {option.default}")
TRAIN_FLAGS = {"weight_decay": 0.0, "l1_weight": 0.0, "patience": 0, "train_subset": 0, "pretrain_epochs": 0}


def own_data_flags(p: argparse.ArgumentParser) -> None:
    """--csv FILE [--label-column NAME|auto|none] and --images ZIP|FOLDER: a learner's own data, read by the Your
    data page's parsers under the same limits (aelib.limits.VISITOR)."""
    own = p.add_mutually_exclusive_group()
    own.add_argument("--csv", default=None, metavar="FILE", help="train on your own CSV table instead of --dataset")
    own.add_argument("--images", default=None, metavar="ZIP_OR_FOLDER",
                     help="train on your own images (a zip, or a folder; labels from sub-folders or name prefixes)")
    p.add_argument("--label-column", default="auto",
                   help="with --csv: the column naming each row's class; auto (default): the column the Your data "
                        "page detects (named label/class/target/y, text of few values, or few whole numbers in the "
                        "first or last column); none: the table has no labels")


def _folder_images(folder: str) -> list[tuple[str, bytes]]:
    """(path inside the folder, bytes) of its image files, links not followed, refused past the upload limit before
    they are read."""
    found, total = [], 0
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if name.lower().endswith(IMAGE_TYPES) and not os.path.islink(path):
                total += os.path.getsize(path)
                if total > VISITOR.upload_bytes:
                    raise UploadError("your_data.images_too_big", limit=VISITOR.upload_bytes // 1_000_000)
                found.append(os.path.relpath(path, folder))
    return [(rel.replace(os.sep, "/"), open(os.path.join(folder, rel), "rb").read()) for rel in found]


def _csv_label(df, given: str, quiet: bool) -> str | None:
    """The label column --label-column names: none, a column, or auto (guess_label; said on stderr unless quiet)."""
    if given.lower() == "none":
        return None
    if given.lower() != "auto":
        return given
    guess = guess_label(df)
    if not quiet:
        print(f"label column: '{guess.column}' ({guess.why}); --label-column NAME or none to change it" if guess
              else "label column: none found, the table is read as unlabelled; --label-column NAME to name one",
              file=sys.stderr)
    return guess.column if guess else None


def own_dataset(args) -> tuple[Dataset, str | None] | None:
    """The Dataset of --csv or --images and the label column it was read with (None without either);
    UploadError as the Your data page says it."""
    if args.csv:
        with open(args.csv, "rb") as f:  # read_bytes reads no further than the size limit
            df = read_table(f)
        label = _csv_label(df, args.label_column, args.json)
        return dataset_from_table(df, label, name=os.path.basename(args.csv), seed=args.seed), label
    if args.images:
        if os.path.isdir(args.images):
            files = _folder_images(args.images)
        else:
            if os.path.getsize(args.images) > VISITOR.upload_bytes:
                raise UploadError("your_data.images_too_big", limit=VISITOR.upload_bytes // 1_000_000)
            with open(args.images, "rb") as f:
                files = [(os.path.basename(args.images), f.read())]
        return dataset_from_images(files, name=os.path.basename(os.path.normpath(args.images)), seed=args.seed), None
    return None


def cmd_train(args) -> None:
    if args.out:
        checkpoint.check_destination(args.out)  # before training: a bad --out must not cost the run
    ds, label = own_dataset(args) or (load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir), None)
    tcfg = train_config(args.model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                        device=args.device, **{k: getattr(args, k) for k in TRAIN_FLAGS})
    options = {k: getattr(args, k) for k in ("recon_loss", "dropout", *declared_options())}
    mcfg = model_config(ds, args.model, args.latent_dim, hidden=_ints(args.hidden), channels=_ints(args.channels),
                        tied=args.tied or None, **options)
    check_train(asdict(tcfg), from_env())  # the limits a visitor's settings meet on every front end
    checkpoint.check_sizes(mcfg, from_env())
    for w in warnings_for(ds, mcfg, tcfg, lang="en"):
        print(f"warning: {w}", file=sys.stderr)
    net, history = fit(ds, mcfg, tcfg, log=None if args.json else _log_epoch)
    summary = summarize(net, ds, history, args.seed, label_column=label)
    if args.out:
        options = {k: v for k, v in vars(args).items() if k not in ("fn", "json", "out")}
        options["label_column"] = label if args.csv and label else "none"  # what auto picked, not "auto"
        checkpoint.save(net, args.out, history_dicts(history), {"dataset": ds.name, "train": options})
        summary["out"] = args.out
    _print(summary, args.json)


def cmd_compare(args) -> None:
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    _print(compare(args.dataset, methods, args.n, args.seed, args.perplexity, args.epochs, args.data_dir,
                   args.tsne_iter), args.json)


def cmd_anomaly(args) -> None:
    """One detector: one-class for data with classes (default normal class 0), injected anomalies for
    sequences (or any table with --protocol inject); prints the AUCs and the textbook threshold's metrics."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    protocol = args.protocol or ("inject" if ds.kind == "sequence" else "one-class")
    if protocol == "inject" and args.normal_class is not None:
        raise ValueError("--normal-class belongs to the one-class protocol; the inject protocol treats every "
                         "class as normal")
    split = anomaly.make_split(ds, protocol, args.normal_class, args.fraction, args.seed)
    _, scored, seconds = anomaly.detect(ds, split, args.model, args.latent_dim, args.epochs, args.seed,
                                        log=None if args.json else _log_epoch, device=args.device)
    _print({"dataset": ds.name, "model": args.model, "protocol": protocol, "split": str(split.description),
            **anomaly.summary(scored), "seconds": round(seconds, 2)}, args.json)


def cmd_denoising(args) -> None:
    """A denoising AE and a plain AE with the same network; mean PSNR (dB) on the held-out split at the noise."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    _print(denoising.report(ds, args.noise, args.noise_level, TrainConfig(epochs=args.epochs, seed=args.seed,
                                                                            device=args.device),
                              args.latent_dim), args.json)


def cmd_few_labels(args) -> None:
    """An AE trained without labels; logistic regression on k labels per class with raw, PCA and AE features."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    k = None if args.labels_per_class == 0 else args.labels_per_class
    _print(few_labels.report(ds, args.model, args.latent_dim, k, TrainConfig(epochs=args.epochs, seed=args.seed,
                                                                             device=args.device),
                        args.repeats, args.curve), args.json)


def cmd_augmentation(args) -> None:
    """Few labels plus generated samples (cVAE on the labelled set; jittered codes of an unlabelled-data AE)."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    cfg = augmentation.AugmentConfig(args.labels_per_class, args.generated_per_class, args.repeats, args.epochs,
                                ae_epochs=args.ae_epochs, jitter=args.jitter, seed=args.seed, device=args.device)
    _print(augmentation.report(ds, cfg), args.json)


def cmd_superres(args) -> None:
    """A small conv model restores held-out images from copies shrunk by --scale; mean PSNR against bicubic."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    _print(superres.report(ds, args.scale, superres.train_config(args.epochs, args.seed, device=args.device)),
           args.json)


def cmd_compression(args) -> None:
    """Quantised AE codes and PCA coefficients against JPEG: mean PSNR and bytes per held-out image."""
    ds = load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir)
    _print(compression.report(ds, _ints(args.latent_dims), _ints(args.bits),
                              replace(compression.train_config(args.epochs, args.seed), device=args.device)), args.json)


def cmd_bench(args) -> None:
    which = [n for n in ("overhead", "quality", "zoo", "projections", "anomaly", "hostile")
             if getattr(args, n)] or ["overhead"]
    for name in which:
        if name == "overhead":
            result = bench.overhead(epochs=args.epochs or 30, seed=args.seed)
        elif name == "quality":
            result = bench.quality()
        elif name == "zoo":
            result = bench.zoo(epochs=args.epochs or 20, seed=args.seed)
        elif name == "anomaly":
            result = bench.anomaly(epochs=args.epochs or 20, seed=args.seed)
        elif name == "hostile":
            result = hostile_uploads(log=None if args.json else lambda line: print(line[:200], file=sys.stderr))
        else:
            result = bench.projections(seed=args.seed)
        if args.write:
            table = {"zoo": bench.zoo_table, "projections": bench.projections_table,
                     "anomaly": bench.anomaly_table, "hostile": hostile_table}.get(name, lambda _: None)(result)
            bench.write_section(args.write, name, f"python -m aelib bench --{name} --write {args.write}", result,
                                table)
        _print(result, args.json)


def cmd_quickstart(args) -> None:
    """Train the quick-start setups (the Train page's defaults) and write them as bundled checkpoints."""
    names = [n.strip() for n in args.setups.split(",") if n.strip()]
    unknown = [n for n in names if n not in quickstart.SETUPS]
    if unknown:
        raise ValueError(f"unknown setup {', '.join(unknown)}; choose from {', '.join(quickstart.SETUPS)}")
    for name in names:
        _print(quickstart.make(name, args.out, args.seed, args.data_dir, None if args.json else _log_epoch), args.json)


def _store() -> Store:
    """The store AELAB_DATABASE_URL or AELAB_HOME names; when it cannot be opened, that is the command's error."""
    try:
        return open_store()
    except StoreUnavailable as err:
        raise ValueError(str(err)) from None


def cmd_runs(args) -> None:
    """The stored runs (all, or one workspace's), newest first: id, workspace, dataset, model, status, metrics."""
    store = _store()
    try:
        found = store.list_runs(args.workspace) if args.workspace else store.all_runs()
    finally:
        store.close()
    rows = [{"id": r.id, "workspace": r.workspace, "name": r.name, "dataset": r.dataset, "model": r.model,
             "status": str(r.status), "created": round(r.created_at, 3),
             "metrics": {k: v for k, v in r.summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}}
            for r in found]
    if args.json:
        print(json.dumps({"runs": rows}))
    for r in [] if args.json else rows:
        metrics = "  ".join(f"{k} {v:.4g}" for k, v in r["metrics"].items())
        print(f"{r['id']}  {r['workspace']}  {r['dataset']:<14} {r['model']:<10} {r['status']:<11} {metrics}")


def cmd_store(args) -> None:
    """--stats: what the store holds; --gc: expire abandoned trainings and remove old, unpinned workspaces."""
    store = _store()
    try:
        result = store.gc(retention_days() if args.days is None else args.days) if args.gc else store.stats()
    finally:
        store.close()
    _print(result, args.json)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m aelib", description="AE Lab from the command line")
    sub = p.add_subparsers(dest="command", required=True)
    for name, fn in (("datasets", cmd_datasets), ("models", cmd_models)):
        s = sub.add_parser(name, help=f"list the {name}")
        s.add_argument("--json", action="store_true")
        s.set_defaults(fn=fn)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dataset", default="mnist5k", choices=list(DATASETS))
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--data-dir", default=None, help="folder for downloaded sets (default ~/.cache/aelab)")
    common.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    apps_commands.add_commands(sub, common)  # recommender, forecast
    modern_commands.add_commands(sub, common)  # sae, mae, latent-diffusion, score-field
    t = sub.add_parser("train", parents=[common], help="train one model and report its quality")
    t.add_argument("--model", default="ae", choices=list(MODELS))
    t.add_argument("--latent-dim", type=int, default=2)
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--batch-size", type=int, default=None, help="default: 128, or the model family's own")
    t.add_argument("--lr", type=float, default=None,
                   help="Adam's step size (default: the family's, 1e-3; linear_ae 1e-2, seq_ae 3e-3)")
    t.add_argument("--hidden", default=None, help="dense layer widths, e.g. 512,256,128 (deep_ae: the depth)")
    t.add_argument("--channels", default=None, help="conv_ae channels per layer, e.g. 32,64")
    t.add_argument("--tied", action="store_true", help="dense models: the decoder reuses the encoder's weights")
    t.add_argument("--recon-loss", default=None, help="bce or mse (default: the family's)")
    t.add_argument("--dropout", type=float, default=None, help="dense and conv models: dropout after hidden layers")
    add_model_flags(t)
    t.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (Adam's weight decay)")
    t.add_argument("--l1", dest="l1_weight", type=float, default=0.0, help="L1 penalty on the weights")
    t.add_argument("--patience", type=int, default=0, help="early stopping on a validation split (0: off)")
    t.add_argument("--train-subset", type=int, default=0, help="train on only this many samples (0: all)")
    t.add_argument("--pretrain-epochs", type=int, default=0, help="ae/deep_ae: greedy layer-wise pretraining")
    t.add_argument("--out", default=None, help="save model.safetensors, config.json, history.json here")
    own_data_flags(t)
    t.set_defaults(fn=cmd_train)
    c = sub.add_parser("compare", parents=[common], help="AE vs PCA vs t-SNE on the same held-out points")
    c.add_argument("--methods", default="pca,tsne,umap,ae", help="any of pca, tsne, umap, ae")
    c.add_argument("--n", type=int, default=1000, help="held-out points to embed and score")
    c.add_argument("--perplexity", type=float, default=30.0)
    c.add_argument("--tsne-iter", type=int, default=TSNE_ITER, help="t-SNE iterations (at least 250)")
    c.add_argument("--epochs", type=int, default=30, help="for the ae method")
    c.set_defaults(fn=cmd_compare)
    a = sub.add_parser("anomaly", parents=[common], help="anomaly detection by reconstruction error")
    a.add_argument("--model", default="conv_ae", choices=list(MODELS))
    a.add_argument("--protocol", default=None, choices=list(anomaly.PROTOCOLS),
                   help="one-class (default; sequences: inject): train on --normal-class only, the other classes "
                        "are the anomalies; inject: synthetic anomalies in a fraction of the held-out rows "
                        "(sequences and tables)")
    a.add_argument("--normal-class", default=None, help="one-class: the normal class(es), e.g. 1 or 1,7 (default 0)")
    a.add_argument("--fraction", type=float, default=anomaly.INJECT_FRACTION, help="inject: share of anomalies")
    a.add_argument("--latent-dim", type=int, default=None, help=f"default {anomaly.RECIPE['latent_dim']}")
    a.add_argument("--epochs", type=int, default=20)
    a.set_defaults(fn=cmd_anomaly)
    d = sub.add_parser("denoising", aliases=["denoise"], parents=[common],
                       help="denoising AE vs plain AE: PSNR of noisy and cleaned")
    d.add_argument("--noise", default="gaussian", choices=list(NOISES))
    d.add_argument("--noise-level", type=float, default=0.5)
    d.add_argument("--latent-dim", type=int, default=denoising.LATENT_DIM)
    d.add_argument("--epochs", type=int, default=10, help="for each of the two models")
    d.set_defaults(fn=cmd_denoising)
    pr = sub.add_parser("few-labels", aliases=["probe"], parents=[common],
                        help="logistic regression on raw, PCA and AE features")
    pr.add_argument("--model", default="ae", choices=list(MODELS),
                    help="the feature extractor (trained without labels)")
    pr.add_argument("--latent-dim", type=int, default=few_labels.LATENT_DIM,
                    help="code size; PCA gets as many components")
    pr.add_argument("--labels-per-class", type=int, default=10, help="labelled training examples per class (0: all)")
    pr.add_argument("--repeats", type=int, default=few_labels.REPEATS, help="random draws of the labelled examples")
    pr.add_argument("--epochs", type=int, default=20, help="for the autoencoder")
    pr.add_argument("--curve", action="store_true", help="also every k from 1 to all, with the same autoencoder")
    pr.set_defaults(fn=cmd_few_labels)
    au = sub.add_parser("augmentation", aliases=["augment"], parents=[common],
                        help="few labels plus generated samples: does it help?")
    au.add_argument("--labels-per-class", type=int, default=augmentation.AugmentConfig.labels_per_class)
    au.add_argument("--generated-per-class", type=int, default=augmentation.AugmentConfig.generated_per_class)
    au.add_argument("--repeats", type=int, default=augmentation.AugmentConfig.repeats, help="draws of the labelled set")
    au.add_argument("--epochs", type=int, default=augmentation.AugmentConfig.cvae_epochs,
                    help="for the cVAE, on the labelled examples only")
    au.add_argument("--ae-epochs", type=int, default=augmentation.AugmentConfig.ae_epochs,
                    help="for the jittered-codes AE, on all training images without labels")
    au.add_argument("--jitter", type=float, default=augmentation.AugmentConfig.jitter,
                    help="code noise, in units of each code dimension's spread")
    au.set_defaults(fn=cmd_augmentation)
    sr = sub.add_parser("superres", parents=[common], help="super-resolution: a conv model against bicubic upsampling")
    sr.add_argument("--scale", type=int, default=2, choices=list(superres.SCALES), help="shrink factor (2: 28 to 14)")
    sr.add_argument("--epochs", type=int, default=20)
    sr.set_defaults(fn=cmd_superres)
    cz = sub.add_parser("compression", aliases=["compress"], parents=[common],
                        help="rate-distortion: quantised AE and PCA codes against JPEG")
    cz.add_argument("--latent-dims", default=",".join(map(str, compression.LATENT_DIMS)),
                    help="code sizes, e.g. 8,16,32")
    cz.add_argument("--bits", default=",".join(map(str, compression.BITS)), help="bits per code number, e.g. 2,4,6,8")
    cz.add_argument("--epochs", type=int, default=15, help="for each autoencoder")
    cz.set_defaults(fn=cmd_compression)
    b = sub.add_parser("bench", help="benchmarks, recorded in BENCHMARKS.md with --write")
    b.add_argument("--overhead", action="store_true", help="aelib's trainer vs a bare PyTorch loop (default)")
    b.add_argument("--quality", action="store_true", help="the mnist5k quality targets: 2-D/30-D AE, PCA, t-SNE")
    b.add_argument("--zoo", action="store_true", help="every model family with its defaults (20 epochs)")
    b.add_argument("--projections", action="store_true", help="PCA, t-SNE, UMAP and a 2-D AE on 2,000 points")
    b.add_argument("--anomaly", action="store_true", help="the ten one-class tasks on mnist5k (mean AUROC)")
    b.add_argument("--hostile", action="store_true",
                   help="hostile uploads through the Your data parsers: worst time, memory, crashes")
    b.add_argument("--epochs", type=int, default=None, help="overhead: 30 (default); zoo, anomaly: 20")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--write", default=None, help="also record the result in this markdown file")
    b.add_argument("--json", action="store_true")
    b.set_defaults(fn=cmd_bench)
    q = sub.add_parser("quickstart", aliases=["pretrain"],
                       help="train the quick-start checkpoints a class can explore before training",
                       description="Train the default setups (seed 0) and write model.safetensors, config.json and "
                                   "history.json for each into OUT/<setup>/ (the app lists assets/checkpoints/). "
                                   "Not --pretrain-epochs, which is greedy layer-wise pretraining.")
    q.add_argument("--setups", default=",".join(quickstart.SETUPS), help="comma-separated, any of "
                   + ", ".join(quickstart.SETUPS))
    q.add_argument("--out", default=str(quickstart.FOLDER),
                   help="folder for the checkpoints (default: AE Lab's assets/checkpoints)")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--data-dir", default=None, help="folder for downloaded sets (default ~/.cache/aelab)")
    q.add_argument("--json", action="store_true", help="print one JSON object per setup")
    q.set_defaults(fn=cmd_quickstart)
    for s in (t, a, d, pr, au, sr, cz):  # every command that trains
        s.add_argument("--device", default="auto", help="auto (cuda, then mps, then cpu), cpu, cuda or mps")
    i = sub.add_parser("inspect", help="load a saved model with the import panel's checks; print its config and "
                                       "test metrics")
    i.add_argument("folder", help="a folder holding model.safetensors and config.json (train --out)")
    i.add_argument("--data-dir", default=None, help="folder for downloaded sets (default ~/.cache/aelab)")
    i.add_argument("--json", action="store_true")
    i.set_defaults(fn=lambda args: _print(export.inspect(args.folder, from_env(), args.data_dir), args.json))
    r = sub.add_parser("runs", help="list the runs in the workspace store (AELAB_HOME or AELAB_DATABASE_URL)")
    r.add_argument("--workspace", default=None, help="only this workspace's runs")
    r.add_argument("--json", action="store_true", help='print one JSON object, {"runs": [...]}')
    r.set_defaults(fn=cmd_runs)
    st = sub.add_parser("store", help="the workspace store (AELAB_HOME or AELAB_DATABASE_URL): --stats or --gc")
    what = st.add_mutually_exclusive_group(required=True)
    what.add_argument("--stats", action="store_true", help="counts and bytes of what it holds, its schema version")
    what.add_argument("--gc", action="store_true", help="mark trainings whose process vanished as interrupted, and "
                      "remove workspaces untouched for --days (pinned ones and live trainings are kept)")
    st.add_argument("--days", type=float, default=None, help="for --gc (default $AELAB_RETENTION_DAYS, else 90)")
    st.add_argument("--json", action="store_true")
    st.set_defaults(fn=cmd_store)
    return p


def _visitor_limits(args) -> None:
    """The commands that train (those taking --device) train within the visitor limits' epochs (too few is
    left to TrainConfig, which says so in its own words)."""
    if getattr(args, "device", None) is not None and getattr(args, "epochs", None) is not None:
        whole("--epochs", args.epochs, min(args.epochs, 1), from_env().epochs)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        _visitor_limits(args)
        args.fn(args)
    except (ValueError, OSError, DatasetUnavailable, TrainingDiverged) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
