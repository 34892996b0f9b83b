"""Share links for the lab pages: a link opens the page with its settings (each widget shows the linked value),
junk in a link is listed and ignored, the page's own "Share this setup" link decodes back to its current settings and
carries settings only, and each page's link schema offers exactly its widgets' ranges."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from aelib.sharing.share import Several, decode
from appkit import compression_views
from appkit.share_views import page_link_defaults
from appkit.state import PAGE_SCHEMAS, PAGE_SETTINGS, RUN
from tests.app.helpers import APP, TIMEOUT, fits, on, tiny_run

PAGES = {"Anomaly": "pages/4_Anomaly.py", "Denoising": "pages/5_Denoising.py", "Generation": "pages/8_Generation.py",
         "Super_resolution": "pages/9_Super_resolution.py", "Compression": "pages/10_Compression.py",
         "Few_labels": "pages/11_Few_labels.py", "Augmentation": "pages/12_Augmentation.py"}
# a value other than the default for some of each page's settings, as a link writes them
LINKS = {"Anomaly": {"an_protocol": "inject", "an_latent": "12", "an_epochs": "3"},
         "Denoising": {"dn_noise": "mask", "dn_level": "0.3", "dn_epochs": "4", "dn_latent": "16"},
         "Generation": {"gen_latent": "8", "gen_epochs": "3"},
         "Super_resolution": {"sr_scale": "4", "sr_epochs": "2"},
         "Compression": {"cz_latent": "4,64", "cz_epochs": "3", "cz_dataset": "digits"},
         "Few_labels": {"fl_latent": "8", "fl_epochs": "4", "fl_repeats": "2"},
         "Augmentation": {"aug_labels": "20", "aug_jitter": "1.5", "aug_ae_epochs": "5"}}
JUNK = {"evil": "<script>", "lock": "an_epochs"}
WIDGETS = ("number_input", "slider", "selectbox", "multiselect", "radio", "select_slider")


def opened(path: str, params: dict, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.clear()
    at.query_params.update(params)
    return on(at.run(), path)


def widgets(at: AppTest) -> dict:
    """Every widget of the page with a key, by key."""
    return {w.key: w for kind in WIDGETS for w in getattr(at, kind) if w.key}


def shared_link(at: AppTest, page: str) -> str:
    (code,) = [c.value for c in at.code if c.value.startswith(f"/{page}")]
    return code


def test_every_lab_setting_is_in_one_page_schema():
    assert sorted(k for schema in PAGE_SCHEMAS.values() for k in schema) == sorted(PAGE_SETTINGS)
    assert PAGE_SCHEMAS["pages/10_Compression.py"]["cz_latent"].choice.options == compression_views.SIZES
    assert PAGE_SCHEMAS["pages/10_Compression.py"]["cz_bits"].choice.options == compression_views.BIT_CHOICES


@pytest.mark.parametrize("page", list(PAGES))
def test_a_link_opens_the_lab_with_its_settings_and_lists_the_junk(page):
    at = opened(PAGES[page], LINKS[page] | JUNK)
    schema, shown = PAGE_SCHEMAS[PAGES[page]], widgets(at)
    for key, text in LINKS[page].items():
        want = schema[key].parse(text)
        assert at.session_state[key] == want, key
        if key in shown:  # the widget itself shows it (the settings drawn before a model exists)
            assert shown[key].value == want, key
    assert any(fits(i.value, "share.came_from_link", "en") for i in at.info)
    warning = " ".join(w.value for w in at.warning)
    assert "`evil` is not a setting" in warning and "<script>" not in warning and "Train page only" in warning
    for key in set(schema) - set(LINKS[page]) - {"an_model", "an_normal"}:  # the rest: the page's defaults
        assert at.session_state[key] == PAGE_SETTINGS[key], key
    assert not any(w.disabled for k, w in shown.items() if k in schema)  # no locks on a lab page


@pytest.mark.parametrize("page", list(PAGES))
def test_the_pages_share_link_decodes_back_to_its_settings(page):
    at = opened(PAGES[page], LINKS[page])
    link = shared_link(at, page)
    got, locked, problems = decode(parse_qs(urlsplit(link).query), PAGE_SCHEMAS[PAGES[page]], passthrough=("lang",))
    assert problems == [] and not locked
    schema = PAGE_SCHEMAS[PAGES[page]]
    back = page_link_defaults(PAGES[page], got) | got
    assert {k: schema[k].format(v) for k, v in back.items()} == {k: schema[k].format(at.session_state[k])
                                                                  for k in schema}
    again = opened(PAGES[page], {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()})
    assert {k: again.session_state[k] for k in schema} == {k: at.session_state[k] for k in schema}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_schema_offers_what_the_widgets_offer(page):
    shown = widgets(opened(PAGES[page], {}))
    schema = PAGE_SCHEMAS[PAGES[page]]
    checked = 0
    for key, field in schema.items():
        w = shown.get(key)
        if w is None:
            continue
        if hasattr(field, "lo"):
            assert (w.proto.min, w.proto.max) == (field.lo, field.hi), key
        else:
            options = field.choice.options if isinstance(field, Several) else field.options
            assert len(w.options) == len(options), key
        checked += 1
    assert checked >= 3


def test_a_link_to_compare_sets_its_settings_and_never_carries_the_model():
    at = tiny_run(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
    at = opened("pages/3_Compare.py", {"cmp_seed": "7", "cmp_perplexity": "12", "cmp_min_dist": "0.5"}, at)
    assert (at.session_state["cmp_seed"], at.session_state["cmp_perplexity"]) == (7, 12.0)
    assert at.number_input(key="cmp_seed").value == 7 and at.slider(key="cmp_min_dist").value == 0.5
    link = shared_link(at, "Compare")
    carried = set(parse_qs(urlsplit(link).query))  # cmp_n too: the page fitted it to the 8×8 digits' 360 test points
    assert {"cmp_seed", "cmp_perplexity", "cmp_min_dist"} <= carried <= set(PAGE_SCHEMAS["pages/3_Compare.py"])
    assert at.session_state[RUN].model is not None  # the learner's own model stays in the session, out of the link


def test_an_anomaly_link_with_a_class_its_dataset_lacks_keeps_the_page_working():
    at = opened(PAGES["Anomaly"], {"an_dataset": "breast_cancer", "an_normal": "0,7"})
    assert at.session_state["an_model"] == "ae" and at.session_state["an_normal"] == ["0"]
    assert any("this dataset has 2 classes" in w.value for w in at.warning)
