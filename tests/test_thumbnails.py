"""aelib.plots' text thumbnails: what a hover label draws of a sample (Braille dots, a sparkline, a row)."""
from __future__ import annotations

import numpy as np

from aelib.i18n import t
from aelib.plots import braille, latent_scatter, sparkline, thumbnails


def test_braille_sets_one_dot_per_bright_pixel_in_unicode_order():
    img = np.zeros((4, 2))
    assert braille(img) == ["\u2800"]  # blank cell
    img[0, 0] = 1.0
    assert braille(img) == ["⠁"]  # dot 1
    img[3, 1] = 1.0
    assert braille(img) == [chr(0x2800 + 0x01 + 0x80)]  # dots 1 and 8
    assert braille(np.ones((4, 2))) == ["⣿"]


def test_a_digit_is_seven_lines_of_fourteen_cells_and_large_images_are_averaged_down():
    digit = np.zeros((28, 28))
    digit[4:24, 12:16] = 1.0  # a "1"
    lines = braille(digit)
    assert len(lines) == 7 and {len(line) for line in lines} == {14}
    assert sum(c != "\u2800" for line in lines for c in line) > 0
    big = braille(np.ones((64, 64)))  # block-averaged to 22 rows: at most 28 pixels a side
    assert len(big) <= 7 and max(len(line) for line in big) <= 14


def test_sparkline_spans_the_lowest_to_the_highest_block():
    line = sparkline(np.sin(np.linspace(0, 2 * np.pi, 64)), width=16)
    assert len(line) == 16 and "▁" in line and "█" in line
    assert sparkline(np.ones(5)) == "▁" * 5  # a flat series is one level


def test_thumbnails_follow_the_kind_of_data():
    images = np.zeros((2, 1 * 8 * 8))
    assert all(s.count("<br>") == 1 for s in thumbnails(images, (1, 8, 8)))  # 8 rows: two lines of cells
    series = np.random.default_rng(0).random((3, 20 * 2))
    assert all(len(s) == 20 for s in thumbnails(series, (20, 2)))
    assert thumbnails(np.full((1, 8), 0.5), (8,)) == ["0.50 0.50 0.50 0.50 0.50 0.50 …"]


def test_the_latent_scatter_hover_draws_each_point_and_keeps_ids_for_selection():
    z = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    y = np.array([0, 1, 0])
    thumbs = ["a", "b", "c"]
    first, second = latent_scatter(z, y, ["zero", "one"], np.array([10, 11, 12]), thumbs=thumbs, lang="en").data
    assert list(first.customdata) == [10, 12] and list(first.text) == ["a", "c"]
    assert list(second.text) == ["b"] and "%{text}" in first.hovertemplate
    plain = latent_scatter(z, y, ["zero", "one"], lang="en").data[0]
    assert plain.text is None and "%{text}" not in plain.hovertemplate
    assert t("plots.sample") in plain.hovertemplate
