"""`python -m aelib ...`: the command-line front end over the same functions the pages use. The parser and main()
live here with the commands that list, train, compare and detect; the labs, sharing and the store add their own
commands (aelib.labs.lab_commands, aelib.labs.commands, aelib.labs.apps_commands, aelib.sharing.commands,
aelib.store.commands, aelib.classroom.commands)."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict

from aelib import bench
from aelib.classroom import commands as classroom_commands
from aelib.data import DATASETS, Dataset, DatasetUnavailable, load_dataset
from aelib.data.hostile import hostile as hostile_uploads
from aelib.data.hostile import hostile_table
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
from aelib.labs import anomaly, apps_commands, lab_commands
from aelib.labs import commands as modern_commands
from aelib.limits import VISITOR, check_train, from_env, whole
from aelib.models import MODELS, declared_options
from aelib.projections import TSNE_ITER
from aelib.sharing import checkpoint
from aelib.sharing import commands as sharing_commands
from aelib.store import commands as store_commands
from aelib.train import TrainingDiverged
from aelib.train.console import add_device_flag, ints, log_epoch, show


def cmd_datasets(args) -> None:
    show({k: f"{v.title}: {v.description}" for k, v in DATASETS.items()}, args.json)


def cmd_models(args) -> None:
    show({k: f"{text(f'family.{k}.title')}: {text(f'family.{k}.summary')}" for k in MODELS}, args.json)


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
    seat = classroom_commands.take_seat(args)  # --classroom: join, and hold args to the class's exercise
    ds, label = own_dataset(args) or (load_dataset(args.dataset, seed=args.seed, data_dir=args.data_dir), None)
    tcfg = train_config(args.model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                        device=args.device, **{k: getattr(args, k) for k in TRAIN_FLAGS})
    options = {k: getattr(args, k) for k in ("recon_loss", "dropout", *declared_options())}
    mcfg = model_config(ds, args.model, args.latent_dim, hidden=ints(args.hidden), channels=ints(args.channels),
                        tied=args.tied or None, **options)
    check_train(asdict(tcfg), from_env())  # the limits a visitor's settings meet on every front end
    checkpoint.check_sizes(mcfg, from_env())
    for w in warnings_for(ds, mcfg, tcfg, lang="en"):
        print(f"warning: {w}", file=sys.stderr)
    net, history = fit(ds, mcfg, tcfg, log=None if args.json else log_epoch)
    summary = summarize(net, ds, history, args.seed)  # its label_column: the one ds was read with
    if seat is not None:  # kept in the student's workspace and posted to the class board
        summary["classroom"] = seat.post(net, mcfg, tcfg, history_dicts(history), summary)
    if args.out:
        options = {k: v for k, v in vars(args).items() if k not in ("fn", "json", "out")}
        options["label_column"] = label if args.csv and label else "none"  # what auto picked, not "auto"
        checkpoint.save(net, args.out, history_dicts(history), {"dataset": ds.name, "train": options})
        summary["out"] = args.out
    show(summary, args.json)


def cmd_compare(args) -> None:
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    show(compare(args.dataset, methods, args.n, args.seed, args.perplexity, args.epochs, args.data_dir,
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
                                        log=None if args.json else log_epoch, device=args.device)
    show({"dataset": ds.name, "model": args.model, "protocol": protocol, "split": str(split.description),
          **anomaly.summary(scored), "seconds": round(seconds, 2)}, args.json)


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
        show(result, args.json)


def _add_train(sub, common: argparse.ArgumentParser) -> None:
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
    classroom_commands.add_train_flags(t)
    add_device_flag(t)
    t.set_defaults(fn=cmd_train)


def _add_compare_and_anomaly(sub, common: argparse.ArgumentParser) -> None:
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
    add_device_flag(a)
    a.set_defaults(fn=cmd_anomaly)


def _add_bench(sub) -> None:
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


def parser() -> argparse.ArgumentParser:
    """Every command; the help lists them in this order."""
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
    _add_train(sub, common)
    _add_compare_and_anomaly(sub, common)
    lab_commands.add_commands(sub, common)  # denoising, few-labels, augmentation, superres, compression
    _add_bench(sub)
    sharing_commands.add_commands(sub)  # quickstart, inspect
    store_commands.add_commands(sub)  # runs, store
    classroom_commands.add_commands(sub)  # classroom create|exercise|switch|results|close
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
