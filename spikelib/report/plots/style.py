"""What every figure of the book shares: its width, colours, markers and type sizes.

A figure is drawn at :data:`PAGE_WIDTH` inches (the book's text column at 100
dpi), so its type sizes are the sizes a reader sees; legends and tick labels
are at least 9 pt.
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from ...experiment.measures import PAPER_INDICATORS
from ..labels import label as column_label
from ..results import CONDITION_ORDER

__all__ = ["PAGE_WIDTH", "PERCENT", "INDICATORS", "COLOURS", "GROUP_COLOURS", "MARKERS", "LINESTYLES", "FONT_SIZE",
           "grid", "in_percent", "group_legend", "FOLLOWUP_COLOURS"]

#: Indicators drawn in percent, as the paper's Table 2 prints the CV (results files keep fractions).
PERCENT = ("cv_fr", "cv_mf")
#: The paper's four indicators with their axis labels (the labels of :mod:`spikelib.report.labels`, with units).
INDICATORS = [(column, column_label(column) + (" (%)" if column in PERCENT else ""))
              for column in PAPER_INDICATORS]
COLOURS = {c: f"C{i}" for i, c in enumerate(CONDITION_ORDER)}
GROUP_COLOURS = {"generalizing": COLOURS["generalizing"], "memorizing": COLOURS["mem_retrain_last"]}
#: Colours of the follow-up's three groups of networks.
FOLLOWUP_COLOURS = {**GROUP_COLOURS, "random": "0.5"}
#: Markers and line styles, so that series stay apart without colour.
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
PAGE_WIDTH = 9.0  # inches: the width of the book's text column at 100 dpi
#: The smallest type on a figure, in points at the rendered width.
FONT_SIZE = 9
mpl.rcParams.update({"font.size": 10, "axes.labelsize": 10, "axes.titlesize": 10, "xtick.labelsize": FONT_SIZE,
                     "ytick.labelsize": FONT_SIZE, "legend.fontsize": FONT_SIZE, "legend.title_fontsize": FONT_SIZE})


def in_percent(frame):
    """A copy with the :data:`PERCENT` columns in percent."""
    frame = frame.copy()
    for column in PERCENT:
        if column in frame:
            frame[column] = 100 * frame[column]
    return frame


def grid(n_panels, height_per_row=3.3):
    """A figure of ``n_panels`` axes, two to a row, at the page's width; returns ``(figure, axes)``."""
    columns = 2 if n_panels > 1 else 1
    rows = int(np.ceil(n_panels / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(PAGE_WIDTH if columns > 1 else PAGE_WIDTH / 1.6,
                                                     height_per_row * rows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat)


def group_legend(ax, **kwargs):
    """One legend entry per group however many networks drew it."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), frameon=False, **kwargs)
