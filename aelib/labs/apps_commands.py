"""The command-line front end of the "Where autoencoders are used" demos: `recommender` and `forecast`, added
to aelib.cli's parser by add_commands(sub, common)."""
from __future__ import annotations

import argparse
import json

from aelib.data import load_dataset
from aelib.labs import forecasting, recommender


def _print(obj: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(obj))
    else:
        for k, v in obj.items():
            print(f"{k:>32}  {v}")


def cmd_recommender(args) -> None:
    """AutoRec (masked and plain loss) against item means, RMSE on held-out ratings of a generated matrix."""
    _print(recommender.report(args.users, args.items, args.rank, args.density, args.epochs, args.seed), args.json)


def cmd_forecast(args) -> None:
    """On sines: an autoencoder of the history window against a forecaster of the next steps, on the future."""
    ds = load_dataset("sines", seed=args.seed, data_dir=args.data_dir)
    _print(forecasting.report(ds, args.epochs, args.history, args.horizon, args.seed), args.json)


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`recommender` and `forecast`, each taking the common flags (--seed, --json, ...; --dataset is ignored:
    the recommender makes its own ratings and forecasting uses sines)."""
    r = sub.add_parser("recommender", parents=[common],
                       help="AutoRec with a masked loss vs item means on a generated low-rank ratings matrix")
    r.add_argument("--users", type=int, default=600)
    r.add_argument("--items", type=int, default=300)
    r.add_argument("--rank", type=int, default=3, help="hidden taste dimensions the ratings are made from")
    r.add_argument("--density", type=float, default=0.1, help="share of user-item pairs with a rating")
    r.add_argument("--epochs", type=int, default=30)
    r.set_defaults(fn=cmd_recommender)
    f = sub.add_parser("forecast", parents=[common],
                       help="forecasting vs reconstruction on sines: a forecaster against an autoencoder's output")
    f.add_argument("--history", type=int, default=48, help="steps the networks are shown")
    f.add_argument("--horizon", type=int, default=16, help="steps after them to forecast")
    f.add_argument("--epochs", type=int, default=30)
    f.set_defaults(fn=cmd_forecast)
