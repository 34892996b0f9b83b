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


def test_the_latent_space_hover_shows_each_digit():
    import numpy as np

    from tests.app.helpers import figure, values

    at = on(tiny_run(fresh(), dataset="mnist5k", epochs=1), "pages/2_Latent_space.py")
    assert not at.exception
    traces = figure(at.get("plotly_chart")[0])["data"]
    drawn = [s for tr in traces for s in tr.get("text", [])]
    assert len(drawn) == sum(len(values(tr["customdata"])) for tr in traces)  # every point has its picture
    assert all(any(0x2801 <= ord(c) <= 0x28FF for c in s) for s in drawn[:50])  # Braille dots, not blank
    assert np.all(["%{text}" in tr["hovertemplate"] for tr in traces])
