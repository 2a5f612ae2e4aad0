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
           "grid", "in_percent", "drawn", "SHARES", "group_legend", "legend_outside", "level_styles", "axis_label", "FOLLOWUP_COLOURS", "STYLES", "style",
           "SAME_MEANING"]

#: Indicators drawn in percent, as the paper's Table 2 prints the CV (results files keep fractions).
PERCENT = ("cv_fr", "cv_mf")
#: The paper's four indicators with their axis labels (the labels of :mod:`spikelib.report.labels`, with units).
INDICATORS = [(column, column_label(column) + (" (%)" if column in PERCENT else ""))
              for column in PAPER_INDICATORS]
#: The one palette of the book: each value of each dimension (what a network was trained on, its condition, its
#: architecture, its width, its data set) has one colour and one marker, and no colour means two things
#: (a test checks it). Aliases name the same thing twice (a generalizing network is one trained on clean labels).
STYLES = {
    "labels": {"clean labels": ("#0072B2", "o"), "partly shuffled labels": ("#E69F00", "^"),
               "shuffled labels": ("#D55E00", "s"), "untrained": ("#888888", "x")},
    "condition": {"generalizing": ("#0072B2", "o"), "mem_retrain_last": ("#AA3377", "s"),
                  "mem_retrain_all": ("#EE6677", "D"), "mem_random_last": ("#997700", "v"),
                  "random": ("#888888", "x")},
    "architecture": {"MLP-1": ("#009E73", "o"), "MLP-2": ("#56B4E9", "s"), "MLP-3": ("#332288", "^"),
                     "CNN": ("#661100", "D"), "DenseNet": ("#AA4499", "P")},
    "width": {16: ("#8c510a", "P"), 32: ("#d08c2b", "^"), 64: ("#c2b30a", "v"), 128: ("#5ec962", "o"), 256: ("#21918c", "s"), 512: ("#3b528b", "D")},
    "dataset": {"digits": ("#88CCEE", "o"), "fashion_mnist": ("#882255", "s"), "synthetic": ("#DDCC77", "^"),
                "mnist": ("#6699CC", "D"), "cifar10": ("#CC6677", "P")},
    # the split a network is recorded on
    "split": {"train": ("#1B1B1B", "o"), "test": ("#A0A0A0", "s")},
    # the families of measures in the benchmarks
    "family": {"paper": ("#4477AA", "o"), "followup": ("#228833", "D"), "rival": ("#77AADD", "s"),
               "control": ("#555555", "x")},
    # the paper's indicators and the follow-up's, drawn as lines of one network
    "indicator": {"mfr": ("#1F78B4", "o"), "cv_fr": ("#A6CEE3", "s"), "mf": ("#B2DF8A", "^"),
                  "cv_mf": ("#33A02C", "D"), "mean_r": ("#FB9A99", "v")},
    # what a figure draws for comparison: the null models and the monitor's alarm
    "reference": {"Poisson": ("#CC3311", "None"), "Bernoulli": ("#009988", "None"), "alarm": ("#EE3377", "None"),
                  "this network": ("#000000", "*")},
}
#: Names that mean the same as a registered one.
ALIASES = {("labels", "generalizing"): ("labels", "clean labels"), ("labels", "clean"): ("labels", "clean labels"),
           ("labels", "memorizing"): ("labels", "shuffled labels"), ("labels", "shuffled"): ("labels", "shuffled labels"),
           ("labels", "random"): ("labels", "untrained"), ("condition", "clean labels"): ("labels", "clean labels"),
           ("labels", "half-shuffled labels"): ("labels", "partly shuffled labels"),
           ("labels", "noisy"): ("labels", "partly shuffled labels")}
#: Colours that two entries share because they mean the same: a generalizing network is one trained on clean
#: labels, and an untrained network is the random condition.
SAME_MEANING = {("condition", "generalizing"): ("labels", "clean labels"), ("condition", "random"): ("labels", "untrained")}


def style(dimension, value):
    """``{"color", "marker"}`` of ``value`` along ``dimension`` ("labels", "condition", "architecture", "width",
    "dataset").

    Raises
    ------
    KeyError
        For a value the registry does not hold: a figure may not invent a colour.
    """
    dimension, value = ALIASES.get((dimension, value), (dimension, value))
    colour, marker = STYLES[dimension][value]
    return {"color": colour, "marker": marker}


COLOURS = {c: STYLES["condition"][c][0] for c in CONDITION_ORDER}
GROUP_COLOURS = {"generalizing": STYLES["labels"]["clean labels"][0],
                 "memorizing": STYLES["labels"]["shuffled labels"][0]}
#: Colours of the follow-up's three groups of networks.
FOLLOWUP_COLOURS = {**GROUP_COLOURS, "random": STYLES["labels"]["untrained"][0]}
#: Markers and line styles, so that series stay apart without colour.
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
PAGE_WIDTH = 9.0  # inches: the width of the book's text column at 100 dpi
#: The smallest type on a figure, in points at the rendered width.
FONT_SIZE = 9
mpl.rcParams.update({"font.size": 10, "axes.labelsize": 10, "axes.titlesize": 10, "xtick.labelsize": FONT_SIZE,
                     "ytick.labelsize": FONT_SIZE, "legend.fontsize": FONT_SIZE, "legend.title_fontsize": FONT_SIZE})


#: Shares and accuracies kept as fractions in the results, drawn in percent as every table prints them.
SHARES = ("train_accuracy", "test_accuracy", "validation_accuracy", "share_rare_5", "share_silent")


def drawn(frame, column, label=None):
    """``(values, axis label)`` of a column as a figure draws it: a share or an accuracy (:data:`SHARES`) in
    percent, its label saying so; anything else as it is."""
    label = label if label is not None else column
    if column in SHARES:
        return 100 * frame[column], (label if "%" in label else f"{label} (%)")
    return frame[column], label


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


def level_styles(dimension, levels):
    """``{level: {"color", "marker"}}``: the palette's where it holds the dimension (an architecture, a width),
    else ordered shades of one sequential map (a hyperparameter's levels: light for the lowest, dark for the
    highest), each with its own marker. A sequential shade means "more", never a category."""
    if dimension in STYLES:
        return {level: style(dimension, level) for level in levels}
    ordered = list(levels)
    shades = plt.get_cmap("cividis_r")(np.linspace(0.25, 0.95, max(2, len(ordered))))
    return {level: {"color": mpl.colors.to_hex(shades[i]), "marker": MARKERS[i % len(MARKERS)]}
            for i, level in enumerate(ordered)}


def axis_label(text, width=30):
    """An axis label broken into lines of at most ``width`` characters, so a long one stays beside its panel."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def legend_outside(fig, ax, ncol=None, **kwargs):
    """One legend for the figure, below its panels, where it covers no data; the figure keeps room for it.

    The book's one style of legend: centred under the axes, without a frame, as many columns as fit. It lays the
    figure out (``tight_layout`` with room at the bottom): call it last.
    """
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    if not unique:
        return None
    ncol = ncol or min(len(unique), 4)
    rows = -(-len(unique) // ncol)
    legend = fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=ncol, frameon=False, **kwargs)
    # Room in inches, not a share of the figure: a tall figure needs no more of it than a short one.
    lines = rows + (1 if kwargs.get("title") else 0)
    fig.tight_layout(rect=(0, min(0.4, (0.28 * lines + 0.12) / fig.get_figheight()), 1, 1))
    return legend


def group_legend(ax, **kwargs):
    """One legend entry per group however many networks drew it."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), frameon=False, **kwargs)
