"""Every family's real PyTorch code, as the Train page shows it: its class with loss_terms, the helpers its loss
calls and the backbone that builds its layers."""
from __future__ import annotations

import ast

import pytest

from aelib.models import MODELS
from aelib.models.source import code_of, family_code, family_source


@pytest.mark.parametrize("name", list(MODELS))
def test_each_family_shows_its_class_loss_and_backbone(name):
    parts = [s.name for s in family_source(name)]
    family = MODELS[name]
    assert parts[0] == family.cls.__name__ and "Autoencoder" in parts
    assert any(p.endswith("_backbone") for p in parts)
    code = family_code(name)
    ast.parse(code)  # one valid Python text
    assert "def loss_terms" in code and f"class {family.cls.__name__}(" in code


def test_the_helpers_a_loss_calls_come_along():
    assert "kl_to_standard_normal" in [s.name for s in family_source("vae")]
    assert "corrupt" in [s.name for s in family_source("denoising_ae")]
    assert "jacobian_frobenius" in [s.name for s in family_source("contractive_ae")]
    assert "SeqDecoder" in [s.name for s in family_source("seq_ae")]
    assert not any(s.module == "aelib.i18n" for s in family_source("conv_ae"))  # message words are not model code
    with pytest.raises(ValueError):
        family_source("gan")


def test_code_of_names_each_module():
    from aelib.labs.recommender import AutoRec

    assert code_of(AutoRec).startswith("# aelib.labs.recommender\nclass AutoRec(")


def test_many_pages_at_once_get_the_same_code_without_an_error():
    """30 pages of one server show a family's code together: CPython 3.11's parser failed when two threads parsed at
    once (SystemError: AST constructor recursion depth mismatch); the text is read once, under a lock."""
    from concurrent.futures import ThreadPoolExecutor

    from aelib.models import MODELS
    from aelib.models.source import _family_source, code_of, family_code

    _family_source.cache_clear()
    names = list(MODELS) * 4
    with ThreadPoolExecutor(16) as pool:
        texts = list(pool.map(family_code, names))
        where = list(pool.map(lambda _: code_of(family_code, code_of), range(32)))
    assert texts == [family_code(n) for n in names]
    assert len(set(where)) == 1 and "def family_code" in where[0]
