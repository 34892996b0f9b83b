"""The command-line front end of classroom mode, on the workspace store (AELAB_HOME or AELAB_DATABASE_URL):
`classroom create|exercise|switch|results|close` for a teacher preparing at home, and the `train` flags
--classroom CODE --student NAME, which hold the settings to the class's exercise, keep the run in a workspace of the
student's and post it to the class. Added to aelib.cli's parser by add_commands(sub) and add_train_flags(t)."""
from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from aelib.classroom.presets import GOALS, Preset, enforce
from aelib.classroom.rules import clean_name, join_url, parse_code, teacher_url
from aelib.classroom.service import Classroom
from aelib.i18n import LANGS, Explained, Words
from aelib.store import Store, StoreUnavailable, home, open_store
from aelib.train.console import show

# the Train page's setting names -> train's flags (dest names); any other ranged setting is the flag of its name
ARGS = {"dataset": "dataset", "model": "model", "latent_dim": "latent_dim", "epochs": "epochs", "batch": "batch_size",
        "lr": "lr", "seed": "seed"}
SEATS = "classroom_seats.json"  # under AELAB_HOME: the workspace each (class, student) of this machine posts from


def _store() -> Store:
    try:
        return open_store()
    except StoreUnavailable as err:
        raise ValueError(str(err)) from None


@contextmanager
def _room() -> Iterator[Classroom]:
    store = _store()
    try:
        yield Classroom(store.db)
    finally:
        store.close()


def _key(args) -> str:
    key = args.teacher_key or os.environ.get("AELAB_TEACHER_KEY")
    if not key:
        raise Explained("classroom.needs_key")
    return key


def _span(name: str, text: str) -> tuple[float, float]:
    """'1:20' -> (1, 20); '2' -> (2, 2); whole numbers stay ints."""
    try:
        ends = [float(v) for v in text.split(":")]
    except ValueError:
        ends = []
    if len(ends) not in (1, 2) or not all(math.isfinite(v) for v in ends):
        raise Explained("classroom.bad_range", name=name, got=text[:24])
    lo, hi = (int(v) if v.is_integer() else v for v in (ends[0], ends[-1]))
    return lo, hi


def cmd_create(args) -> None:
    with _room() as room:
        code, key = room.create_class(args.name, args.lang, args.days)
    if not args.json:
        print(Words("classroom.key_once"), file=sys.stderr)
    show({"code": code, "teacher_key": key, "join_url": join_url(code, lang=args.lang),
          "teacher_url": teacher_url(code, key)}, args.json)


def cmd_exercise(args) -> None:
    ranges = [("latent_dim", args.latent), ("epochs", args.epochs)] + [tuple(r.split("=", 1)) for r in args.range]
    if any(len(r) != 2 for r in ranges):
        raise Explained("classroom.bad_range", name="--range", got="NAME=LOW:HIGH")
    families = tuple(f.strip() for f in (args.families or "").split(",") if f.strip())
    preset = Preset(args.dataset, families,
                    tuple((name, *_span(name, text)) for name, text in ranges if text is not None))
    with _room() as room:
        exercise = room.add_exercise(args.code, _key(args), args.name, preset, args.goal, activate=not args.inactive)
    show({"class": parse_code(args.code), "exercise": exercise, "name": args.name, "preset": preset.to_dict(),
          "goal": args.goal, "active": not args.inactive}, args.json)


def cmd_switch(args) -> None:
    text = args.exercise.strip().lower()
    if text != "none" and not text.isdigit():
        raise Explained("classroom.no_exercise", code=str(parse_code(args.code)), id=text[:12])
    exercise = None if text == "none" else int(text)
    with _room() as room:
        room.switch_exercise(args.code, _key(args), exercise)
    show({"class": parse_code(args.code), "active_exercise": exercise}, args.json)


def cmd_results(args) -> None:
    with _room() as room:
        if args.csv:
            print(room.results_csv(args.code, _key(args)), end="")
            return
        results = room.results(args.code, _key(args))
    if args.json:
        print(json.dumps(results))
        return
    for e in results["entries"]:
        metrics = "  ".join(f"{k} {v:.4g}" for k, v in e["metrics"].items() if k in GOALS)
        print(f"{e['entry']:>5}  {e['student'][:20]:<20} {e['settings'].get('model', ''):<10} {metrics}"
              f"{'  (hidden)' if e['hidden'] else ''}")


def cmd_close(args) -> None:
    with _room() as room:
        room.close_class(args.code, _key(args))
    show({"class": parse_code(args.code), "closed": True}, args.json)


def add_commands(sub) -> None:
    """`classroom` with its actions, each with --json where it prints a result."""
    c = sub.add_parser("classroom", help="a class in the workspace store: create it, set exercises, read results")
    acts = c.add_subparsers(dest="action", required=True)
    new = acts.add_parser("create", help='a new class: prints {"code", "teacher_key", "join_url", "teacher_url"}')
    new.add_argument("--name", required=True)
    new.add_argument("--lang", default="en", choices=list(LANGS))
    new.add_argument("--days", type=float, default=None, help="open this long (default $AELAB_CLASS_DAYS, else 14)")
    new.set_defaults(fn=cmd_create)
    ex = acts.add_parser("exercise", help="add an exercise (and make it the active one)")
    ex.add_argument("--name", required=True)
    ex.add_argument("--dataset", default=None, help="the one dataset allowed (default: any)")
    ex.add_argument("--families", default=None, help="the model families allowed, e.g. ae,vae (default: any)")
    ex.add_argument("--latent", default=None, help="latent size LOW:HIGH, or one value, e.g. 2:2")
    ex.add_argument("--epochs", default=None, help="epochs LOW:HIGH, e.g. 1:20")
    ex.add_argument("--range", action="append", default=[], metavar="NAME=LOW:HIGH",
                    help="any other number setting, e.g. lr=0.0001:0.01 (repeatable)")
    ex.add_argument("--goal", default="knn_accuracy", choices=list(GOALS), help="what the board ranks by")
    ex.add_argument("--inactive", action="store_true", help="add it without switching to it")
    ex.set_defaults(fn=cmd_exercise)
    sw = acts.add_parser("switch", help="make another exercise the active one (none: accept any run)")
    sw.add_argument("--exercise", required=True, help="an exercise id, or none")
    sw.set_defaults(fn=cmd_switch)
    res = acts.add_parser("results", help='every entry: {"class", "entries": [...]} with --json, or --csv')
    res.add_argument("--csv", action="store_true", help="the results as CSV on stdout")
    res.set_defaults(fn=cmd_results)
    close = acts.add_parser("close", help="close the class: it keeps its results and takes no more entries")
    close.set_defaults(fn=cmd_close)
    for p in (ex, sw, res, close):
        p.add_argument("code", help="the class code")
        p.add_argument("--teacher-key", default=None, help="the key `create` printed (default $AELAB_TEACHER_KEY)")
    for p in (new, ex, sw, res, close):
        p.add_argument("--json", action="store_true", help="print one JSON object as the last line")


def add_train_flags(t) -> None:
    """train's --classroom CODE --student NAME."""
    t.add_argument("--classroom", default=None, metavar="CODE",
                   help="post the run to this class, held to its active exercise (needs --student)")
    t.add_argument("--student", default=None, metavar="NAME", help="with --classroom: the name the class board shows")


@dataclass(frozen=True)
class Seat:
    """A student's place in a class for one `train --classroom` run: where the run is kept and what it was held to."""

    code: str
    student: str
    workspace: str
    settings: dict

    def post(self, net, mcfg, tcfg, history: list[dict], summary: dict) -> dict:
        """Keep the trained run in the student's workspace (epochs, summary, safetensors weights) and post it;
        returns what was posted, with the student's rank."""
        from safetensors.torch import save as safetensors_bytes

        from aelib.sharing.checkpoint import tensors

        owner, store = f"cli:{os.getpid()}", _store()
        try:
            train = {k: v for k, v in asdict(tcfg).items() if k not in ("device", "max_seconds")}
            run_id = store.save_run(self.workspace, self.settings["dataset"], mcfg, train, owner=owner,
                                    name=f"{self.student}: {mcfg.model}")
            for stats in history:
                store.append_epoch(run_id, stats["epoch"], _plain(stats), owner)
            store.finish_run(run_id, summary=_plain(summary), owner=owner, weights=safetensors_bytes(tensors(net)))
            room = Classroom(store.db)
            entry = room.post_entry(self.code, self.workspace, run_id, self.settings)
            standing = room.standing(self.code, self.workspace)
        finally:
            store.close()
        goal = GOALS[standing["goal"]]
        print(Words("classroom.posted_unranked", code=self.code, student=self.student) if standing["rank"] is None
              else Words("classroom.posted", code=self.code, student=self.student, goal=goal.title,
                         value=f"{standing['best']:.4g}", rank=standing["rank"], n=standing["students"]),
              file=sys.stderr)
        return {"class": self.code, "student": self.student, "run_id": run_id, "entry": entry,
                "settings": self.settings, "goal": goal.name, "rank": standing["rank"], "of": standing["students"]}


def take_seat(args) -> Seat | None:
    """For `train --classroom CODE --student NAME` (None without --classroom): join the class from a workspace kept
    for this student on this machine, and hold args to the active exercise (each change said on stderr), before
    anything is trained. Explained errors for a wrong, closed or expired class."""
    if not getattr(args, "classroom", None):
        return None
    if not args.student:
        raise Explained("classroom.needs_student")
    if args.csv or args.images:
        raise Explained("classroom.own_data")
    store = _store()
    try:
        room = Classroom(store.db)
        code, student = room.info(args.classroom).code, clean_name(args.student)
        workspace = _workspace(store, code, student)
        room.join(code, workspace, student)
        exercise = room.active_exercise(code)
        names = [*ARGS, *(n for n, _, _ in exercise.preset.ranges)] if exercise else list(ARGS)
        given = {n: getattr(args, ARGS.get(n, n)) for n in names if getattr(args, ARGS.get(n, n), None) is not None}
        held, changes = enforce(exercise.preset, given) if exercise else (given, [])
    finally:
        store.close()
    for change in changes:
        print(Words("classroom.cli_held", what=change), file=sys.stderr)
    for name, value in held.items():
        if hasattr(args, ARGS.get(name, name)):
            setattr(args, ARGS.get(name, name), value)
    return Seat(code, student, workspace, held)


def _workspace(store: Store, code: str, student: str) -> str:
    """The workspace this machine posts to the class from as student (made the first time, kept in AELAB_HOME)."""
    path = home() / SEATS
    seats = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    seat = f"{code}/{student}"
    workspace = store.check_workspace_id(seats.get(seat))
    if workspace is None:
        seats[seat] = workspace = store.new_workspace()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(seats, indent=1), encoding="utf-8")
    return workspace


def _plain(values: dict) -> dict:
    """The JSON-safe part of a dict (a NaN or an object that JSON cannot hold is left out)."""
    out = {}
    for k, v in values.items():
        try:
            json.dumps(v, allow_nan=False)
        except (TypeError, ValueError):
            continue
        out[k] = v
    return out
