"""A model family is declared once. A toy family registered inside this test (its class, its MODELS entry with a
new option, its view keyed by its name, its words) shows up in `models --json`, in `train --help`'s flags, in the
share-link schema and the Train page's defaults, and on the Train page itself, with nothing else edited. The real
registry's declarations are checked too: words that exist, widgets that fit, defaults that pass their own checks."""
from __future__ import annotations

import json
from types import MappingProxyType

import pytest
import streamlit as st
import torch

import aelib.i18n as i18n
from aelib import diagnostics
from aelib.cli import main
from aelib.i18n import Explained, t
from aelib.models import MODELS, Autoencoder, Family, ModelConfig, build_model, config_for, declared_options
from aelib.settings import Choice, Float, Int, Option
from aelib.sharing.share import decode, encode
from appkit import family_views
from appkit.controls import SCHEMA, WIDGETS
from appkit.state import RUN, SETTINGS
from tests.app.helpers import CJK, fresh, ok, on

TOY = "toy_ae"
REPEATS = Option("toy_repeats", 2, Int(1, 5), widget="number", label="family.toy_ae.repeats",
                 help="family.toy_ae.repeats_help")
WORDS = {"en": {"family.toy_ae.title": "Toy autoencoder", "family.toy_ae.summary": "Counts its loss a few times.",
                "family.toy_ae.repeats": "Loss repeats", "family.toy_ae.repeats_help": "How often the loss counts.",
                "family.toy_ae.view": "The toy's own view"},
         "zh": {"family.toy_ae.title": "玩具自编码器", "family.toy_ae.summary": "把损失算上几遍。",
                "family.toy_ae.repeats": "损失重复次数", "family.toy_ae.repeats_help": "损失计算几遍。",
                "family.toy_ae.view": "玩具自己的视图"}}


class ToyAE(Autoencoder):
    """A plain autoencoder whose total loss counts the reconstruction cfg.toy_repeats times."""

    def loss_terms(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        terms = super().loss_terms(x, y)
        return {**terms, "loss": self.cfg.toy_repeats * terms["recon"]}


@pytest.fixture
def toy(monkeypatch):
    """The toy family registered the way a real one is: class + MODELS entry + view + words."""
    real = i18n.table
    monkeypatch.setattr(i18n, "table", lambda lang: MappingProxyType({**real(lang), **WORDS.get(lang, {})}))
    monkeypatch.setitem(MODELS, TOY, Family(ToyAE, "dense", ("hidden", "recon_loss", "dropout", "tied"), (REPEATS,)))
    monkeypatch.setitem(family_views.VIEWS, TOY, lambda run, ds: st.caption(t("family.toy_ae.view")))
    return MODELS[TOY]


def test_the_toy_is_a_model_with_its_option(toy):
    cfg = config_for(TOY, (1, 8, 8), 2, hidden=(16,), toy_repeats=3)
    assert cfg.toy_repeats == 3 and cfg.options == {"toy_repeats": 3} and hash(cfg) == hash(ModelConfig.from_dict(
        json.loads(cfg.to_json())))
    assert config_for(TOY, (1, 8, 8)).toy_repeats == 2  # the declared default
    x = torch.rand(4, 1, 8, 8)
    terms = build_model(cfg).loss_terms(x)
    assert terms["loss"].item() == pytest.approx(3 * terms["recon"].item())
    assert diagnostics.report(build_model(cfg), x.reshape(4, -1).numpy(), x.reshape(4, -1).numpy()) == {}


@pytest.mark.parametrize(("value", "english", "key"), [
    (9, "toy_repeats must be between 1 and 5, got 9", "error.option_range"),
    (2.5, "toy_repeats must be a whole number, got 2.5", "error.option_whole"),
    ("many", "toy_repeats must be a whole number, got 'many'", "error.option_whole"),
])
def test_a_wrong_value_of_the_toy_option_is_refused_in_words(toy, value, english, key):
    with pytest.raises(Explained) as err:
        config_for(TOY, (1, 8, 8), toy_repeats=value)
    assert str(err.value) == english and err.value.words.key == key
    assert "toy_repeats" in err.value.words.say("zh") and CJK.search(err.value.words.say("zh"))


def test_the_toy_is_listed_and_trained_by_the_cli(toy, capsys):
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert listed[TOY] == "Toy autoencoder: Counts its loss a few times."
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    assert done.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--toy-repeats TOY_REPEATS toy_ae: Loss repeats; default 2" in help_text and TOY in help_text
    assert main(["train", "--model", TOY, "--toy-repeats", "9", "--dataset", "digits", "--epochs", "1"]) == 2
    assert "toy_repeats must be between 1 and 5, got 9" in capsys.readouterr().err
    assert main(["train", "--model", TOY, "--toy-repeats", "3", "--hidden", "16", "--dataset", "digits",
                 "--epochs", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["model"] == TOY


def test_the_toy_is_in_the_share_link_schema_and_the_settings(toy):
    assert TOY in SCHEMA["model"].options and SCHEMA["toy_repeats"] == Int(1, 5) and SETTINGS["toy_repeats"] == 2
    params = encode(SETTINGS | {"model": TOY, "toy_repeats": 4}, set(), SCHEMA, SETTINGS)
    assert params == {"model": TOY, "toy_repeats": "4"}
    assert decode(params, SCHEMA) == ({"model": TOY, "toy_repeats": 4}, set(), [])
    _, _, problems = decode({"toy_repeats": "9"}, SCHEMA)
    assert problems == ["`toy_repeats` (`9`) must be between 1 and 5"]


def test_the_toy_is_on_the_train_page_with_its_option_and_view(toy):
    at = on(fresh(), "pages/1_Train.py")
    assert "Toy autoencoder" in at.selectbox(key="model").options  # the options as the learner reads them
    assert "toy_repeats" not in [w.key for w in at.number_input]  # another family's option is not shown
    at.selectbox(key="dataset").set_value("digits").run()
    ok(at.selectbox(key="model").set_value(TOY).run())
    box = at.number_input(key="toy_repeats")
    assert (box.label, box.value, box.min, box.max, box.help) == ("Loss repeats", 2, 1, 5, "How often the loss counts.")
    at.number_input(key="toy_repeats").set_value(3).run()
    at.text_input(key="hidden").set_value("16").run()
    at.number_input(key="epochs").set_value(1).run()
    ok(at.button(key="train").click().run())
    run = at.session_state[RUN]
    assert (run.model_cfg.model, run.model_cfg.toy_repeats, run.status) == (TOY, 3, "finished")
    assert "The toy's own view" in [c.value for c in at.caption]


# -- the real registry's declarations ----------------------------------------------------------------------

def test_every_option_is_one_declaration_with_words_that_exist():
    en, zh = i18n.table("en"), i18n.table("zh")
    for family in MODELS.values():
        for option in family.options:
            assert declared_options()[option.name] is option, option.name  # a shared name is one declaration
    for name, option in declared_options().items():
        keys = [k for k in (option.label, option.help) if k]
        if option.words:
            keys += [option.words.format(c) for c in option.offered.options]
        if option.choice_help:
            keys += [option.choice_help.format(c) for c in option.offered.options]
        assert all(k in en and k in zh for k in keys), (name, [k for k in keys if k not in en or k not in zh])
        assert option.widget is None or option.label, name  # a widget has a label


def test_every_option_default_passes_its_checks_and_its_widget_fits():
    for name, option in declared_options().items():
        assert option.check(option.default) == option.default, name
        if option.widget is None:
            continue
        assert option.widget in WIDGETS, name
        offered = option.offered
        assert offered.parse(offered.format(option.default)) == option.default, name  # a link can carry it
        if option.widget in ("slider", "number"):
            assert isinstance(offered, Int | Float) and offered.hi < float("inf"), name
        else:
            assert isinstance(offered, Choice) and all(option.check(c) == c for c in offered.options), name


def test_every_named_report_is_a_diagnostics_function():
    named = {name: family.report for name, family in MODELS.items() if family.report}
    assert len(named) >= 7
    for name, report in named.items():
        assert callable(diagnostics.family_report(report)), name
    with pytest.raises(ValueError, match="no report function 'principal_angles'"):
        diagnostics.family_report("principal_angles")  # a helper, not a family's report


def test_a_config_is_flat_json_and_old_files_with_every_familys_keys_still_load():
    cfg = ModelConfig(model="vae", input_shape=(20,), beta=4.0)
    flat = json.loads(cfg.to_json())
    assert flat["beta"] == 4.0 and "options" not in flat and "noise" not in flat
    old = {**flat, "noise": "mask", "noise_level": 0.3, "rnn": "lstm", "codebook_size": 16}  # written before
    assert ModelConfig.from_dict(old) == cfg
    with pytest.raises(ValueError, match="unknown model config keys: colour"):
        ModelConfig.from_dict({**flat, "colour": "red"})
