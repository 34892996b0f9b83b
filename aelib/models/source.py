"""The real PyTorch source of a model family, as text: its class, the aelib classes it builds on, the helper
functions its loss calls, and the backbone that builds its layers — what "how would you implement it" needs."""
from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import threading
from dataclasses import dataclass

from aelib.models import MODELS
from aelib.models.networks import BACKBONES

# CPython 3.11's parser is not safe from two threads at once ("SystemError: AST constructor recursion depth
# mismatch", seen when 30 pages on one server showed a family's code together): one parse at a time, each family once
_PARSING = threading.Lock()


@dataclass(frozen=True)
class Snippet:
    name: str  # e.g. "VAE", "kl_to_standard_normal", "dense_backbone"
    module: str  # e.g. "aelib.models.variational"
    code: str


def _classes(cls: type) -> list[type]:
    """cls and its aelib base classes, most specific first (VAE -> VAE, Autoencoder)."""
    return [c for c in cls.__mro__ if c.__module__.startswith("aelib.")]


def _is_model_code(obj) -> bool:
    """Code of the models and the data they corrupt, not the words of the messages (aelib.i18n)."""
    return obj.__module__.startswith(("aelib.models", "aelib.data"))


def _helpers(obj, seen: set[str]) -> list:
    """The module-level aelib functions and classes obj's code calls by name (kl_to_standard_normal, corrupt,
    _mlp ...), and theirs in turn, each once."""
    module = inspect.getmodule(obj)
    found = []
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(obj)))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in seen:
            target = getattr(module, node.func.id, None)
            if (inspect.isfunction(target) or inspect.isclass(target)) and _is_model_code(target):
                seen.add(node.func.id)
                found += [target, *_helpers(target, seen)]
    return found


def family_source(name: str) -> list[Snippet]:
    """The code of MODELS[name]: its class and aelib base classes (with their loss_terms), the helpers their code
    calls, then the backbone function that builds its encoder and decoder, and the helpers it calls."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return list(_family_source(name))


@functools.cache
def _family_source(name: str) -> tuple[Snippet, ...]:
    with _PARSING:
        return tuple(_read_family(name))


def _read_family(name: str) -> list[Snippet]:
    family = MODELS[name]
    classes = _classes(family.cls)
    backbone = BACKBONES[family.backbone]
    seen = {c.__name__ for c in classes} | {backbone.__name__}
    parts = [*classes, *(h for c in classes for h in _helpers(c, seen)), backbone, *_helpers(backbone, seen)]
    return [Snippet(p.__name__, p.__module__, textwrap.dedent(inspect.getsource(p))) for p in parts]


def code_of(*objs) -> str:
    """The source of classes or functions as one Python text, each under a comment naming its module."""
    with _PARSING:
        texts = [f"# {o.__module__}\n{textwrap.dedent(inspect.getsource(o)).rstrip()}" for o in objs]
    return "\n\n".join(texts) + "\n"


def family_code(name: str) -> str:
    """family_source(name) as one Python text, each part under a comment naming its module."""
    return "\n\n".join(f"# {s.module}\n{s.code.rstrip()}" for s in family_source(name)) + "\n"
