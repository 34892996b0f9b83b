"""What every page shows around its content: the sidebar's language switch and what it says about a trained model."""
from __future__ import annotations

from aelib.i18n import t
from tests.app.helpers import fresh, on, tiny_run


def sidebar_captions(at) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_the_sidebar_warns_before_a_reload_loses_the_model():
    at = fresh()
    assert t("lang.keep_model") not in sidebar_captions(at)  # nothing to lose yet
    at = tiny_run(at)
    assert t("lang.keep_model") in sidebar_captions(at)
    at = on(at, "pages/2_Latent_space.py")
    assert t("lang.keep_model") in sidebar_captions(at)


def test_the_warning_is_in_chinese_too():
    at = tiny_run(fresh("zh"))
    assert t("lang.keep_model", "zh") in sidebar_captions(at)
