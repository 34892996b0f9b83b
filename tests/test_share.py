"""aelib.sharing.share: a setup round-trips through its query parameters,
and junk in a link becomes a problem in words, never an exception, never a value."""
from __future__ import annotations

import math
from urllib.parse import parse_qs, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aelib.data import DATASETS
from aelib.models import MODELS
from aelib.sharing.share import LOCK, MAX_PARAMS, MAX_PROBLEMS, Choice, Flag, Float, Int, Text, decode, encode
from appkit.controls import SCHEMA
from appkit.state import SETTINGS

DEFAULTS = {k: SETTINGS[k] for k in SCHEMA}


def value_of(field) -> st.SearchStrategy:
    if isinstance(field, Int):
        return st.integers(field.lo, field.hi)
    if isinstance(field, Float):
        return st.floats(field.lo, field.hi, allow_nan=False)
    if isinstance(field, Choice):
        return st.sampled_from(field.options)
    if isinstance(field, Flag):
        return st.booleans()
    assert isinstance(field, Text)  # the layer widths
    return st.lists(st.integers(1, 4096), min_size=1, max_size=8).map(lambda w: ", ".join(map(str, w)))


SETUPS = st.fixed_dictionaries({k: value_of(f) for k, f in SCHEMA.items()})


def through_url(params: dict[str, str]) -> dict[str, list[str]]:
    """What a browser hands back: the params as a real query string, parsed again."""
    return parse_qs(urlencode(params, safe=","))


def test_the_schema_covers_the_registries_and_the_defaults_are_valid():
    assert SCHEMA["model"].options == tuple(MODELS) and SCHEMA["dataset"].options == tuple(DATASETS)
    assert set(SCHEMA) <= set(SETTINGS) and "data_dir" not in SCHEMA  # a path is never shared
    for key, field in SCHEMA.items():
        assert field.parse(field.format(SETTINGS[key])) == SETTINGS[key], key


@settings(max_examples=200, deadline=None)
@given(setup=SETUPS, locked=st.sets(st.sampled_from(sorted(SCHEMA))))
def test_a_setup_round_trips_through_its_link(setup, locked):
    params = encode(setup, locked, SCHEMA, DEFAULTS)
    got, got_locked, problems = decode(through_url(params), SCHEMA)
    assert problems == [] and got_locked == locked
    restored = DEFAULTS | got
    for key, field in SCHEMA.items():
        assert field.format(restored[key]) == field.format(setup[key]), key
        if isinstance(field, Float):
            assert restored[key] == setup[key]  # repr: the very same float


@pytest.mark.parametrize("model", MODELS)
def test_every_model_family_round_trips(model):
    setup = DEFAULTS | {"model": model, "latent_dim": 8, "beta": 4.0, "seed": 3}
    params = encode(setup, {"model"}, SCHEMA, DEFAULTS)
    got, locked, problems = decode(params, SCHEMA)
    assert (got["model"], got["latent_dim"], got["beta"], locked, problems) == (model, 8, 4.0, {"model"}, [])


def test_links_hold_only_what_differs_from_the_defaults_and_stay_readable():
    assert encode(DEFAULTS, set(), SCHEMA, DEFAULTS) == {}
    setup = DEFAULTS | {"model": "vae", "latent_dim": 2, "beta": 4.0, "epochs": 20, "lr": 1e-3, "hidden": "64,32"}
    params = encode(setup, {"model", "latent_dim"}, SCHEMA, DEFAULTS)
    assert params == {"model": "vae", "latent_dim": "2", "hidden": "64,32", "beta": "4", "epochs": "20",
                      LOCK: "model,latent_dim"}  # a locked default is written, so the lock pins its value
    assert urlencode(params, safe=",") == "model=vae&latent_dim=2&hidden=64,32&beta=4&epochs=20&lock=model,latent_dim"
    assert decode({"hidden": "64,32"}, SCHEMA)[0] == {"hidden": "64, 32"}  # the text box's usual form


def test_a_value_the_schema_rejects_is_left_out_of_the_link():
    params = encode(DEFAULTS | {"dataset": "upload:mine", "hidden": "wide", "epochs": 10}, set(), SCHEMA, DEFAULTS)
    assert params == {"epochs": "10"}


def test_numbers_in_other_spellings_name_the_same_choice():
    assert decode({"lr": "1e-3", "batch": "64", "tied": "true", "weight_decay": "0.0001"}, SCHEMA)[0] == \
        {"lr": 1e-3, "batch": 64, "tied": True, "weight_decay": 1e-4}


JUNK = {
    "dataset": "../../etc/passwd", "model": "__import__('os').system('touch pwned')", "lr": "1e999",
    "beta": "NaN", "noise_level": "inf", "latent_dim": "-1", "epochs": "1e3", "seed": "99999999999999999999",
    "batch": "100", "tied": "maybe", "hidden": "512, x", "sparsity": "L1", "dropout": "0.9",
    "data_dir": "/etc", "device": "cuda", "page": "javascript:alert(1)", "x" * 500: "1", "<script>": "1",
}


def test_junk_becomes_problems_and_nothing_else():
    got, locked, problems = decode(JUNK, SCHEMA)
    assert got == {} and locked == set()
    assert len(problems) == MAX_PROBLEMS + 1 and problems[-1] == f"... and {len(JUNK) - MAX_PROBLEMS} more"
    text = " ".join(problems)
    for secret in ("passwd", "__import__", "javascript", "<script>", "x" * 30):
        assert secret not in text  # an untrusted value is only echoed when it is plainly harmless
    assert "`latent_dim` (`-1`) must be between 1 and 1024" in text and "`lr` (`1e999`)" in text


@pytest.mark.parametrize("key, value, expect", [
    ("lr", "1e999", "must be one of"), ("beta", "nan", "is not a number"), ("beta", "1e999", "not a finite"),
    ("epochs", "0", "between 1 and 500"), ("seed", "-5", "between 0"), ("latent_dim", "１２", "not a whole number"),
    ("latent_dim", "1_0", "not a whole number"), ("model", "VAE", "must be one of ae,"),
    ("epochs", "9" * 100, "too long"), ("model", ["vae", "ae"], "given 2 times"), ("oops", "1", "not a setting"),
    (LOCK, "model,__class__", "`__class__` is not a setting that can be locked"),
])
def test_each_kind_of_bad_value_is_named(key, value, expect):
    got, _, problems = decode({key: value}, SCHEMA)
    assert key not in got and len(problems) == 1 and expect in problems[0], problems


def test_locks_parse_and_the_language_is_someone_elses():
    got, locked, problems = decode({"lang": "zh", LOCK: " model , latent_dim,,", "model": ["vae"]}, SCHEMA,
                                   passthrough=("lang",))
    assert (got, locked, problems) == ({"model": "vae"}, {"model", "latent_dim"}, [])


def test_too_many_parameters_are_not_read():
    params = {f"k{i}": "1" for i in range(MAX_PARAMS + 500)} | {"model": "vae"}
    got, _, problems = decode(params, SCHEMA)
    assert got == {} and f"only the first {MAX_PARAMS}" in problems[0] and len(problems) == MAX_PROBLEMS + 1


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(st.sampled_from([*SCHEMA, LOCK, "lang"]) | st.text(max_size=40),
                              st.text(max_size=80) | st.lists(st.text(max_size=10), max_size=5), max_size=60))
def test_decode_never_raises_and_returns_only_valid_values(params):
    got, locked, problems = decode(params, SCHEMA)
    assert locked <= set(SCHEMA) and all(isinstance(p, str) for p in problems)
    for key, value in got.items():
        field = SCHEMA[key]
        assert field.parse(field.format(value)) == value
        if isinstance(value, float):
            assert math.isfinite(value)


def test_several_choices_round_trip_and_refuse_what_is_not_offered():
    from aelib.sharing.share import Several

    sizes = {"cz_latent": Several(Choice((2, 4, 8, 16, 32, 64)))}
    assert encode({"cz_latent": [8, 16, 32]}, (), sizes, {"cz_latent": [8]}) == {"cz_latent": "8,16,32"}
    got, _, problems = decode({"cz_latent": "8, 16,16,32"}, sizes)
    assert got == {"cz_latent": [8, 16, 32]} and problems == []  # a repeat counts once
    assert decode({"cz_latent": ""}, sizes)[0] == {"cz_latent": []}
    got, _, problems = decode({"cz_latent": "8,7"}, sizes)
    assert got == {} and problems == ["`cz_latent` (`8,7`) must be one of 2, 4, 8, 16, 32, 64"]
    assert decode({"cz_latent": ",".join(["2"] * 17)}, sizes)[2] == ["`cz_latent` lists more than 16 values"]
