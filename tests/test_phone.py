"""The phone version of a figure: its panels one under another, each readable alone."""

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from spikelib.report.plots import phone  # noqa: E402
from spikelib.report.plots.style import PAGE_WIDTH, legend_outside  # noqa: E402


def _image(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


def _two_panels(sharey):
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3), sharey=sharey)
    for k in range(6):
        for ax in axes:
            ax.plot(np.arange(10), k * np.arange(10), label=f"a series with a long name, number {k}")
    for ax in axes if not sharey else axes[:1]:  # shared, the left panel labels both
        ax.set_ylabel("the measure")
    legend_outside(fig, axes[0], ncol=3)
    return fig, axes


def test_one_panel_is_shown_as_drawn_never_below_a_readable_share_of_its_width():
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3))
    ax.plot([0, 1])
    assert phone.stacked_png(fig) is None
    html = phone.figure_html(fig)
    assert html.count("<img") == 1 and "compendium-stacked" not in html
    natural = Image.open(io.BytesIO(base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1)))).size[0]
    assert f"max-width:{natural}px;min-width:{int(phone.SMALLEST * natural)}px" in html
    plt.close(fig)


def test_a_shared_x_label_goes_under_every_stacked_panel():
    fig, axes = plt.subplots(1, 3, figsize=(PAGE_WIDTH, 3), sharey=True)
    for ax in axes:
        ax.plot([0, 1], [0, 1])
    fig.supxlabel("the shared quantity")
    phone.stacked_png(fig)  # it labels the panels it draws alone
    assert [ax.get_xlabel() for ax in axes] == ["the shared quantity"] * 3
    plt.close(fig)


@pytest.mark.parametrize("sharey", [False, True])
def test_panels_stack_at_a_panels_width_and_keep_their_labels(sharey):
    fig, axes = _two_panels(sharey)
    wide = _image(phone._png(fig))
    narrow = _image(phone.stacked_png(fig))
    # about one panel wide (the figure is two), and taller than the figure: two panels and the legend
    assert narrow.shape[1] < 0.65 * wide.shape[1]
    assert narrow.shape[0] > 1.8 * wide.shape[0] * 0.6
    # each panel carries its own tick and axis labels: both panels' ink spans the same width
    half = narrow.shape[0] * 2 // 5  # the legend sits below both
    spans = []
    for part in (narrow[:half], narrow[half:2 * half]):
        columns = np.flatnonzero((part < 128).any(axis=0))
        spans.append(columns[-1] - columns[0])
    assert abs(spans[0] - spans[1]) < 8, spans
    plt.close(fig)


def test_a_legend_wider_than_a_panel_is_set_again_in_fewer_columns():
    fig, axes = _two_panels(False)
    legend = fig.legends[0]
    fig.canvas.draw()
    assert legend.get_window_extent(fig.canvas.get_renderer()).width > 0.6 * fig.bbox.width
    narrow = _image(phone.stacked_png(fig))
    assert narrow.shape[1] < 0.65 * fig.bbox.width  # the legend did not widen the stack
    plt.close(fig)


def test_the_page_gets_both_versions_and_the_stylesheet_picks_one():
    fig, _ = _two_panels(True)
    html = phone.figure_html(fig)
    assert html.count("<img") == 2 and 'class="compendium-wide"' in html and 'class="compendium-narrow"' in html
    sizes = [Image.open(io.BytesIO(base64.b64decode(b))).size for b in re.findall(r"base64,([^\"]+)", html)]
    assert sizes[1][0] < sizes[0][0] and sizes[1][1] > sizes[0][1]
    css = open("book/_static/compendium.css").read()
    assert "img.compendium-narrow { display: none; }" in css and "img.compendium-wide { display: none" in css
    plt.close(fig)
