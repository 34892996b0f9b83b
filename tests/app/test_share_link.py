"""Share links through the Train page: a link sets the widgets, locks what the teacher locked, and the page's own
"Share this setup" link decodes back to the same settings; a bad parameter is a warning; a teacher's link is
described in Chinese (?lang=zh)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from aelib.models import MODELS
from aelib.sharing.share import decode
from appkit.controls import LOCKED_HELP, SCHEMA
from appkit.share_views import link_defaults
from appkit.state import SETTINGS
from tests.app.helpers import APP, TIMEOUT, fits, on, zh

TRAIN = "pages/1_Train.py"


def opened(params: dict) -> AppTest:
    """A new session that opened the Train page through a link with these query parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return on(at.run(), TRAIN)


def shared_link(at: AppTest) -> str:
    (code,) = [c.value for c in at.code if "/Train" in c.value]
    return code


def settings_of_link(link: str) -> dict:
    got, locked, problems = decode(parse_qs(urlsplit(link).query), SCHEMA, passthrough=("lang",))
    assert problems == []
    return link_defaults(got.get("model", SETTINGS["model"])) | got, locked


@pytest.fixture(scope="module")
def linked():
    return opened({"model": "vae", "latent_dim": "8", "beta": "4", "epochs": "7", "lock": "model,latent_dim"})


def test_a_link_sets_the_widgets_and_says_so(linked):
    at = linked
    assert at.selectbox(key="model").value == "vae" and at.number_input(key="latent_dim").value == 8
    assert at.slider(key="beta").value == 4.0 and at.number_input(key="epochs").value == 7
    assert any(fits(i.value, "share.came_from_link", "en") and "latent_dim, model" in i.value for i in at.info)
    assert not [w for w in at.warning if "ignored" in w.value]


def test_locked_widgets_are_disabled_and_keep_the_linked_value(linked):
    at = linked
    for widget in (at.selectbox(key="model"), at.number_input(key="latent_dim")):
        assert widget.disabled and widget.help.startswith(LOCKED_HELP)
    assert not at.slider(key="beta").disabled and not at.number_input(key="epochs").disabled
    with pytest.raises(Exception, match="disabled"):  # AppTest, like a browser, refuses to edit it...
        at.number_input(key="latent_dim").set_value(3)
    at.session_state["latent_dim"], at.session_state["model"] = 3, "ae"  # ...and a forged change does not stick
    at.run()
    assert at.number_input(key="latent_dim").value == 8 and at.selectbox(key="model").value == "vae"
    at.slider(key="beta").set_value(2.0).run()  # an unlocked setting is the learner's: the link does not undo it
    at.number_input(key="epochs").set_value(9).run()
    assert at.slider(key="beta").value == 2.0 and at.number_input(key="epochs").value == 9
    assert not at.exception


def test_the_share_link_decodes_back_to_the_same_settings(linked):
    at = linked
    at.multiselect(key="share_lock").set_value(["model", "epochs"]).run()
    link = shared_link(at)
    assert link.startswith("/Train?")  # AppTest has no browser address; a browser's link starts with it
    got, locked = settings_of_link(link)
    current = {k: at.session_state[k] for k in SCHEMA}
    assert {k: SCHEMA[k].format(v) for k, v in got.items()} == {k: SCHEMA[k].format(v) for k, v in current.items()}
    assert locked == {"model", "epochs"} and "data_dir" not in link


def test_a_link_from_the_expander_opens_the_same_setup():
    at = on(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), TRAIN)
    assert shared_link(at) == "/Train"  # the defaults need no parameters
    at.selectbox(key="model").set_value("sparse_ae").run()
    at.number_input(key="latent_dim").set_value(16).run()
    at.number_input(key="seed").set_value(42).run()
    at.multiselect(key="share_lock").set_value(["seed"]).run()
    link = shared_link(at)
    again = opened({k: v for k, v in parse_qs(urlsplit(link).query).items()})
    assert {k: again.session_state[k] for k in SCHEMA} == {k: at.session_state[k] for k in SCHEMA}
    assert again.number_input(key="seed").disabled and not again.number_input(key="latent_dim").disabled


def test_a_bad_parameter_is_a_warning_and_the_page_renders():
    at = opened({"model": "vae", "latent_dim": "1e999", "dataset": "../../etc/passwd", "evil": "__import__('os')"})
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "ignored" in warning and "`latent_dim` (`1e999`) is not a whole number" in warning
    assert "passwd" not in warning and "__import__" not in warning
    assert at.selectbox(key="model").value == "vae"
    assert at.number_input(key="latent_dim").value == SETTINGS["latent_dim"]
    assert at.session_state["dataset"] == SETTINGS["dataset"] and any(b.key == "train" for b in at.button)


def test_a_link_naming_a_model_starts_from_that_familys_defaults():
    """/Train?model=umap_ae trains with that family's step size and batch, as picking it from the list does; a value
    the link gives wins."""
    umap = MODELS["umap_ae"].train_defaults
    assert (umap["lr"], umap["batch_size"]) != (SETTINGS["lr"], SETTINGS["batch"])  # else this test proves nothing
    at = opened({"model": "umap_ae"})
    assert (at.session_state["lr"], at.session_state["batch"]) == (umap["lr"], umap["batch_size"])
    picked = on(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), TRAIN)
    picked.selectbox(key="model").set_value("umap_ae").run()
    assert {k: at.session_state[k] for k in SCHEMA} == {k: picked.session_state[k] for k in SCHEMA}
    assert opened({"model": "umap_ae", "lr": "0.01"}).session_state["lr"] == 0.01


def test_a_setting_left_at_the_apps_default_but_not_the_familys_survives_the_link():
    """A UMAP AE set back to the app's usual step size: the link must say so, since leaving it out would mean the
    family's own."""
    at = on(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), TRAIN)
    at.selectbox(key="model").set_value("umap_ae").run()
    at.select_slider(key="lr").set_value(SETTINGS["lr"]).run()
    link = shared_link(at)
    assert f"lr={SETTINGS['lr']:g}" in link and "batch=" not in link  # the batch is still the family's: left out
    again = opened({k: v for k, v in parse_qs(urlsplit(link).query).items()})
    assert {k: again.session_state[k] for k in SCHEMA} == {k: at.session_state[k] for k in SCHEMA}


# In Chinese (?lang=zh): the page's words, messages and figures come from the zh tables.


def test_a_teachers_link_is_described_in_chinese():
    at = opened({"lang": "zh", "model": "vae", "latent_dim": "1e999", "lock": "model"})
    info = zh("share.came_from_link", settings="model = vae", locks=zh("share.locked", locked="model"))
    assert any(i.value == info for i in at.info), [i.value for i in at.info]
    assert any(w.value.startswith(zh("share.ignored")) for w in at.warning)


def test_what_a_link_got_wrong_is_said_in_chinese_too():
    """Each ignored parameter's reason, not only the heading, in the page's language (it was English)."""
    at = opened({"lang": "zh", "epochs": "3", "oops": "1", "model": ["vae", "ae"]})
    [warning] = [w.value for w in at.warning if w.value.startswith(zh("share.ignored"))]
    assert zh("share.not_a_setting", name="`oops`") in warning
    assert zh("share.repeated", name="`model`", n=2) in warning
    assert "not a setting" not in warning and "given" not in warning
