"""The command-line front end of the workspace store (AELAB_HOME or AELAB_DATABASE_URL): `runs` lists the stored
runs and `store` reports or cleans up what it holds; added to aelib.cli's parser by add_commands(sub)."""
from __future__ import annotations

import json

from aelib.store import Store, StoreUnavailable, open_store, retention_days
from aelib.train.console import show


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
    show(result, args.json)


def add_commands(sub) -> None:
    """`runs` and `store`, each with its own --json."""
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
