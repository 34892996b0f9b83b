"""Typed access to a learner's session state. A learner's model lives here, never in a global cache."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from aelib.data import DATASETS
from aelib.data.noise import NOISES
from aelib.labs.anomaly import PROTOCOLS
from aelib.labs.anomaly import RECIPE as ANOMALY_RECIPE
from aelib.labs.compression import BUDGETS
from aelib.labs.superres import SCALES
from aelib.models import MODELS, ModelConfig, declared_options
from aelib.projections import TSNE_ITER
from aelib.sharing.share import Choice, Field, Float, Int, Several
from aelib.teach import quiz
from aelib.teach.lessons import LESSONS
from aelib.train import EpochStats, TrainConfig

RUN, REQUEST, STOP, NOTICE = "aelab_run", "aelab_train_request", "aelab_stop_requested", "aelab_notice"
LOCKED = "aelab_locked"  # {setting: value} a teacher's share link fixed for this session (appkit.share_views)
FIXED = "aelab_class_fixed"  # settings the class exercise leaves one value for (set by appkit.classroom_views)


@dataclass
class Run:
    dataset: str
    split_seed: int
    model_cfg: ModelConfig
    train_cfg: TrainConfig
    data_dir: str | None = None  # for the downloaded sets
    model: Any = None  # aelib Autoencoder; its weights are updated in place while it trains
    history: list[EpochStats] = field(default_factory=list)
    status: str = "training"  # training | finished | stopped | diverged
    message: str = ""
    summary: dict | None = None  # aelib.experiment.summarize(), once training has ended
    previous: Run | None = None  # the run this one replaced, kept until this one has finished an epoch
    val_name: str = "test"  # which split the held-out curves show: "test", or "validation" (early stopping)
    extras: dict = field(default_factory=dict)  # contrast runs and sweeps a family's view trained for it
    snapshots: list = field(default_factory=list)  # (epoch, codes of the replay samples) for the training replay
    run_id: str | None = None  # its id in the learner's workspace (None: not stored, e.g. the store was unreachable)
    reused: bool = False  # copied from an identical run trained earlier on this server, not trained for this learner

    @property
    def seconds(self) -> float:
        return sum(h.seconds for h in self.history)


class Derived(Mapping[str, object]):
    """A read-only dict built afresh from the registries at every read, so a family registered after import is
    part of it. `d | other` and `other | d` give plain dicts, as they do for a dict."""

    def __init__(self, build: Callable[[], dict]):
        self._build = build

    def __getitem__(self, key: str) -> object:
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())

    def __or__(self, other: Mapping) -> dict:
        return {**self._build(), **other}

    def __ror__(self, other: Mapping) -> dict:
        return {**other, **self._build()}

    def __repr__(self) -> str:
        return repr(self._build())


# The Train page's settings and their defaults (the default run: a 2-D dense AE on mnist5k).
# Widgets take their value from these keys, so no widget is given a default of its own.
COMMON_SETTINGS = {"dataset": "mnist5k", "data_dir": "", "model": "ae", "latent_dim": 2, "epochs": 30, "batch": 128,
                   "lr": 1e-3, "seed": 0, "device": "auto", "hidden": "512, 256", "recon_loss": "bce",
                   "dropout": 0.0, "tied": False, "weight_decay": 0.0, "l1_weight": 0.0, "patience": 0,
                   "train_subset": 0, "pretrain_epochs": 0}


def _settings() -> dict:
    """COMMON_SETTINGS, then the default of every family option the Train page shows (aelib.models declares them;
    only the chosen family's are shown)."""
    return {**COMMON_SETTINGS, **{k: o.default for k, o in declared_options().items() if o.widget}}


SETTINGS = Derived(_settings)


# Latent space's views (the radio's values, which tests set; the learner reads translated names)
LATENT_VIEWS = ("PCA of the codes", "t-SNE of the codes", "the first two dimensions")  # no-i18n

# The other pages' own settings, kept the same way (each page's keys share its prefix)
PAGE_SETTINGS = {
    # Compare
    "cmp_n": 1000, "cmp_dim": "2-D", "cmp_seed": 0, "cmp_perplexity": 30.0, "cmp_tsne_lr": 0.0,
    "cmp_tsne_iter": TSNE_ITER, "cmp_neighbours": 15, "cmp_min_dist": 0.1,
    # Anomaly detection
    "an_protocol": "one-class", "an_dataset": "mnist5k", "an_normal": ["1"], "an_model": "conv_ae",
    "an_latent": ANOMALY_RECIPE["latent_dim"], "an_epochs": 20,
    # Denoising
    "dn_dataset": "mnist5k", "dn_noise": "gaussian", "dn_level": 0.5, "dn_epochs": 10, "dn_latent": 32,
    "dn_test_noise": "gaussian", "dn_test_level": 0.5,
    # Generation
    "gen_dataset": "mnist5k", "gen_latent": 2, "gen_epochs": 10, "gen_seed": 0, "gen_grid": 15, "gen_from": 1,
    "gen_to": 7, "gen_example": 0, "gen_digit": 8,
    # Few labels and Augmentation
    "fl_dataset": "mnist5k", "fl_latent": 32, "fl_epochs": 10, "fl_repeats": 3,
    "aug_dataset": "mnist5k", "aug_labels": 10, "aug_generated": 50, "aug_cvae_epochs": 150, "aug_ae_epochs": 10,
    "aug_jitter": 0.5, "aug_repeats": 3,
    # Super-resolution and Compression
    "sr_dataset": "mnist5k", "sr_scale": 2, "sr_epochs": 5,
    "cz_dataset": "mnist5k", "cz_latent": [8, 16, 32], "cz_bits": [2, 4, 6, 8], "cz_epochs": 8, "cz_budget": 32,
    # Latent space, Lessons (the lesson the page also keeps as ?lesson=N), Quiz and Where used
    "latent_view": LATENT_VIEWS[0], "lesson": 1, "quiz_topics": [],
    "where_users": 600, "where_items": 300, "where_rank": 3, "where_density": 0.1, "where_rec_epochs": 30,
    "where_fc_epochs": 20, "where_horizon": 16}


def _page_schemas() -> dict[str, dict[str, Field]]:
    """Each page's settings (Train's aside) a share link may carry (keyed by the page's file), with the ranges and
    choices its widgets offer: aelib.sharing.share validates a link against them. Learners' own datasets stay out (they
    live in one learner's session)."""
    images = tuple(n for n, info in DATASETS.items() if info.kind == "image")
    return {
        "pages/3_Compare.py": {
            "cmp_n": Int(100, 3000), "cmp_dim": Choice(("2-D", "3-D")), "cmp_seed": Int(0, 10_000),
            "cmp_perplexity": Float(1.0, 500.0), "cmp_tsne_lr": Float(0.0, 10_000.0), "cmp_tsne_iter": Int(250, 5000),
            "cmp_neighbours": Int(2, 200), "cmp_min_dist": Float(0.0, 1.0)},
        "pages/4_Anomaly.py": {
            "an_protocol": Choice(tuple(PROTOCOLS)), "an_dataset": Choice(tuple(DATASETS)),
            "an_normal": Several(Choice(tuple(str(i) for i in range(10)))),
            "an_model": Choice(tuple(m for m in MODELS if not MODELS[m].cls.needs_labels)),
            "an_latent": Int(1, 256), "an_epochs": Int(1, 200)},
        "pages/5_Denoising.py": {
            "dn_dataset": Choice(images), "dn_noise": Choice(tuple(NOISES)), "dn_level": Float(0.05, 1.0),
            "dn_epochs": Int(1, 200), "dn_latent": Int(1, 256), "dn_test_noise": Choice(tuple(NOISES)),
            "dn_test_level": Float(0.0, 1.0)},
        "pages/8_Generation.py": {
            "gen_dataset": Choice(images), "gen_latent": Int(1, 64), "gen_epochs": Int(1, 200),
            "gen_seed": Int(0, 10_000), "gen_grid": Int(5, 25), "gen_from": Int(0, 9), "gen_to": Int(0, 9),
            "gen_example": Int(0, 100), "gen_digit": Int(0, 9)},
        "pages/9_Super_resolution.py": {
            "sr_dataset": Choice(images), "sr_scale": Choice(tuple(SCALES)), "sr_epochs": Int(1, 100)},
        "pages/10_Compression.py": {
            "cz_dataset": Choice(images), "cz_latent": Several(Choice((2, 4, 8, 16, 32, 64))),
            "cz_bits": Several(Choice(tuple(range(1, 9)))), "cz_epochs": Int(1, 100), "cz_budget": Choice(BUDGETS)},
        "pages/11_Few_labels.py": {
            "fl_dataset": Choice(images), "fl_latent": Int(1, 256), "fl_epochs": Int(1, 200), "fl_repeats": Int(1, 20)},
        "pages/12_Augmentation.py": {
            "aug_dataset": Choice(images), "aug_labels": Int(1, 100), "aug_generated": Int(1, 500),
            "aug_repeats": Int(1, 10), "aug_cvae_epochs": Int(1, 1000), "aug_ae_epochs": Int(1, 200),
            "aug_jitter": Float(0.0, 2.0)},
        "pages/2_Latent_space.py": {"latent_view": Choice(LATENT_VIEWS)},
        "pages/6_Draw_a_digit.py": {},  # nothing to set: a drawing is the learner's own
        "pages/13_Quiz.py": {"quiz_topics": Several(Choice(quiz.TOPICS))},
        "pages/14_Lessons.py": {"lesson": Int(1, len(LESSONS))},
        "pages/15_Where_used.py": {
            "where_users": Int(100, 1500), "where_items": Int(50, 1000), "where_rank": Int(1, 10),
            "where_density": Float(0.02, 0.5), "where_rec_epochs": Int(5, 200), "where_fc_epochs": Int(1, 100),
            "where_horizon": Choice((4, 8, 12, 16))},
    }


PAGE_SCHEMAS = Derived(_page_schemas)


def family_settings(model: str) -> dict:
    """The settings a model family starts from: its own layers, loss, step size and batch (a deep AE's layers, a
    sequence AE's squared error, a linear AE's larger step size, the UMAP AE's batch of 64), the rest as SETTINGS."""
    family = MODELS[model]
    hidden = family.defaults.get("hidden")
    return {"hidden": ", ".join(map(str, hidden)) if hidden else SETTINGS["hidden"],
            "recon_loss": family.defaults.get("recon_loss", SETTINGS["recon_loss"]),
            "lr": family.train_defaults.get("lr", SETTINGS["lr"]),
            "batch": family.train_defaults.get("batch_size", SETTINGS["batch"])}


def apply_family_defaults() -> None:
    """Model picker callback: start the new family from its own defaults rather than the last family's values
    (except the settings a teacher's link locked)."""
    st.session_state.update(unlocked(family_settings(st.session_state["model"])))


def run_settings(dataset: str, mcfg: ModelConfig, tcfg: TrainConfig) -> dict:
    """The Train-page settings a run was made with: the common ones, and those its family reads."""
    reads = {"latent_dim", *MODELS[mcfg.model].names()}
    model = {"hidden": ", ".join(map(str, mcfg.hidden)), "recon_loss": mcfg.recon_loss, "dropout": mcfg.dropout,
             "tied": mcfg.tied, "latent_dim": mcfg.latent_dim, **dict(mcfg.options)}
    return {"dataset": dataset, "model": mcfg.model, **{k: v for k, v in model.items() if k in reads},
            "epochs": tcfg.epochs, "batch": tcfg.batch_size, "lr": tcfg.lr, "seed": tcfg.seed,
            "weight_decay": tcfg.weight_decay, "l1_weight": tcfg.l1_weight, "patience": tcfg.patience,
            "train_subset": tcfg.train_subset, "pretrain_epochs": tcfg.pretrain_epochs}


def keep_widget_values() -> None:
    """Streamlit forgets a widget's value when its page is left; re-storing every setting on every page
    keeps the learner's choices (the documented workaround), and fills in the defaults."""
    for key, default in {**SETTINGS, **PAGE_SETTINGS}.items():
        st.session_state[key] = st.session_state.get(key, default)


def locked() -> dict:
    """The settings a teacher fixed, with their values ({} when none): locked by their share link, or held by the
    class exercise (the preset leaves them one value)."""
    held = dict(st.session_state.get(LOCKED, {}))
    for key in st.session_state.get(FIXED, ()):
        held.setdefault(key, st.session_state.get(key))
    return held


def unlocked(values: Mapping[str, object]) -> dict:
    """`values` without the settings a teacher's link locked: what a button or callback may change."""
    held = locked()
    return {k: v for k, v in values.items() if k not in held}


def is_default_setup() -> bool:
    """Every Train-page setting still at its default (the page then describes what Train will do)."""
    return all(st.session_state.get(k, v) == v for k, v in SETTINGS.items())


def get_run() -> Run | None:
    return st.session_state.get(RUN)


def set_run(run: Run) -> None:
    st.session_state[RUN] = run


FRESH = "fresh"  # a training request that must train, even when an identical run exists ("train my own")


def request_training(fresh: bool = False) -> None:
    """Train button callback: the next script run disables the inputs and starts the run. It builds the config
    from the widgets' values in that run, so a value committed by the same click is used."""
    st.session_state[REQUEST] = FRESH if fresh else True
    st.session_state[STOP] = False


def training_request() -> bool | None:
    return st.session_state.get(REQUEST)


def take_training_request() -> bool | None:
    return st.session_state.pop(REQUEST, None)


def request_stop() -> None:
    """Stop button callback: the server's job stops after its current step and keeps its weights (a run that
    follows someone else's training stops following, keeping the epochs so far)."""
    from appkit import workspace

    st.session_state[STOP] = True
    st.session_state.pop(REQUEST, None)
    if workspace.live() is not None:
        workspace.runner().stop(workspace.ensure(), workspace.live())


def take_notice() -> tuple[str, str] | None:
    """(kind, text) of a notice left for the Train page, once."""
    return st.session_state.pop(NOTICE, None)
