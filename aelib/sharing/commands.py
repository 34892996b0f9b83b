"""The command-line front end of sharing: `quickstart` (alias `pretrain`) writes the bundled checkpoints and
`inspect` loads a saved model with the import panel's checks; added to aelib.cli's parser by add_commands(sub)."""
from __future__ import annotations

from aelib.limits import from_env
from aelib.sharing import export, quickstart
from aelib.train.console import log_epoch, show

DATA_DIR_HELP = "folder for downloaded sets (default ~/.cache/aelab)"


def cmd_quickstart(args) -> None:
    """Train the quick-start setups (the Train page's defaults) and write them as bundled checkpoints."""
    names = [n.strip() for n in args.setups.split(",") if n.strip()]
    unknown = [n for n in names if n not in quickstart.SETUPS]
    if unknown:
        raise ValueError(f"unknown setup {', '.join(unknown)}; choose from {', '.join(quickstart.SETUPS)}")
    for name in names:
        show(quickstart.make(name, args.out, args.seed, args.data_dir, None if args.json else log_epoch,
                             device=args.device), args.json)


def cmd_inspect(args) -> None:
    """A saved model's config and test metrics, read under the visitor limits."""
    show(export.inspect(args.folder, from_env(), args.data_dir), args.json)


def add_commands(sub) -> None:
    """`quickstart` and `inspect`, each with its own --data-dir and --json."""
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
    q.add_argument("--device", default="auto", help="auto (AELAB_DEVICE, else cuda, then mps, then cpu), cpu, cuda "
                   "or mps: the files written do not depend on it")
    q.add_argument("--data-dir", default=None, help=DATA_DIR_HELP)
    q.add_argument("--json", action="store_true", help="print one JSON object per setup")
    q.set_defaults(fn=cmd_quickstart)
    i = sub.add_parser("inspect", help="load a saved model with the import panel's checks; print its config and "
                                       "test metrics")
    i.add_argument("folder", help="a folder holding model.safetensors and config.json (train --out)")
    i.add_argument("--data-dir", default=None, help=DATA_DIR_HELP)
    i.add_argument("--json", action="store_true")
    i.set_defaults(fn=cmd_inspect)
