"""The figures of the zoo page: measures against the gap, the clean-label dose-response, the switch.

One colour mapping per variable: the zoo's architectures take the qualitative
colours with a marker each; the clean-label subset size takes one sequential
map (light for few samples, dark for many) in every figure; the clean-label
architectures take markers and line styles.

Functions
---------
measure_vs_gap
    Measures against the generalization gap, one panel each, by architecture.
clean_dose_response
    Measures against the gap on the clean-label dose-response: a line per architecture, points by subset size.
gap_traces
    The probe's MFR against the gap while networks fit clean subsets, one panel per architecture.
switch_traces
    The probe's MFR after the switch to shuffled labels.
"""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .style import LINESTYLES, MARKERS, PAGE_WIDTH, axis_label, drawn, grid, legend_outside, level_styles, style

__all__ = ["measure_vs_gap", "clean_dose_response", "gap_traces", "switch_traces", "SUBSET_COLOURS"]

#: The one colour map of the training subset's size on the zoo page (light: few samples, dark: many).
SUBSET_COLOURS = "viridis_r"


def _subset_norm(sizes):
    return mpl.colors.LogNorm(vmin=min(sizes), vmax=max(sizes) * 1.6)


def _subset_colorbar(fig, axes, norm):
    bar = fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=SUBSET_COLOURS), ax=axes, pad=0.01, fraction=0.04)
    bar.set_label("training samples")
    return bar


def measure_vs_gap(frame, columns, colour_by, labels=None):
    """Each measure against the generalization gap (points), one panel per measure.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per network, with ``gap`` (a fraction) and the measures.
    columns : list of str
    colour_by : str
        A column whose values colour the points (a factor, e.g. ``architecture``); each value also has a marker.
    labels : dict, optional
        Column -> axis label.
    """
    labels = labels or {}
    fig, axes = grid(len(columns), height_per_row=3.0)
    levels = sorted(frame[colour_by].dropna().unique(), key=str)
    looks = level_styles(colour_by, levels)
    for ax, column in zip(axes, columns):
        for level in levels:
            part = frame[frame[colour_by] == level]
            values, name = drawn(part, column, labels.get(column, column))
            ax.scatter(part["gap"] * 100, values, s=16, alpha=0.75, label=str(level), **looks[level])
        ax.set_xlabel("generalization gap (percentage points)")
        ax.set_ylabel(axis_label(name))
    legend_outside(fig, axes[0], title=labels.get(colour_by, colour_by))
    return fig


def clean_dose_response(frame, columns, labels=None):
    """Measures against the gap on the clean-label dose-response, one panel per measure.

    Every network is a point coloured by its subset size; each architecture
    has its marker and a line (its own style) through the means over seeds
    of each subset size, so the within-architecture direction reads off the
    line and the between-architecture differences off the lines' offsets.
    """
    labels = labels or {}
    fig, axes = plt.subplots(1, len(columns), figsize=(PAGE_WIDTH, 4.4), squeeze=False)
    axes = list(axes.flat)
    norm = _subset_norm(frame["train_samples"].unique())
    architectures = sorted(frame["stratum"].unique(), key=_stratum_order)
    for ax, column in zip(axes, columns):
        for i, architecture in enumerate(architectures):
            part = frame[frame["stratum"] == architecture]
            means = part.groupby("train_samples")[["gap", column]].mean().sort_index()
            ax.plot(means["gap"] * 100, means[column], color="0.35", ls=LINESTYLES[i % len(LINESTYLES)], lw=1,
                    marker=MARKERS[i % len(MARKERS)], mfc="none", ms=6, label=architecture)
            ax.scatter(part["gap"] * 100, part[column], c=part["train_samples"], cmap=SUBSET_COLOURS, norm=norm,
                       marker=MARKERS[i % len(MARKERS)], s=18, alpha=0.85, linewidths=0)
        ax.set(xlabel="gap (percentage points)", ylabel=axis_label(labels.get(column, column)))
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, title="architecture; its line runs through the means over seeds", frameon=False,
               loc="lower center", ncol=len(names))
    fig.subplots_adjust(left=0.08, right=0.86, bottom=0.3, top=0.95, wspace=0.5)
    _subset_colorbar(fig, axes, norm)
    return fig


def _stratum_order(name):
    architecture, width = str(name).rsplit("-", 1)
    return architecture, int(width) if width.isdigit() else 0


def gap_traces(course, indicator="mfr", label="MFR (probe of training samples)", smooth=5):
    """The probe's indicator against the gap while each network trained, one panel per architecture.

    One line per network, coloured by the size of its training subset (the page's one subset colour map).
    The gap while training is the training accuracy minus the validation accuracy of each traced epoch,
    smoothed over ``smooth`` traces (the validation split of a small subset is small and noisy).
    Returns ``None`` without traces.
    """
    if not len(course):
        return None
    course = course.assign(stratum=course["architecture"] + "-" + course["width"].astype(str))
    strata = sorted(course["stratum"].unique(), key=_stratum_order)
    fig, axes = plt.subplots(1, len(strata), figsize=(PAGE_WIDTH, 3.4), sharey=True, squeeze=False)
    axes = list(axes.flat)
    norm = _subset_norm(course["train_samples"].dropna().unique())
    colours = mpl.colormaps[SUBSET_COLOURS]
    for ax, stratum in zip(axes, strata):
        for _, group in course[course["stratum"] == stratum].groupby("cell_id", sort=True):
            group = group.sort_values("epoch")
            gap = group["gap"].rolling(smooth, min_periods=1, center=True).mean() * 100
            ax.plot(gap, group[indicator], color=colours(norm(group["train_samples"].iloc[0])), lw=0.9, alpha=0.8)
        ax.set(title=stratum)
    axes[0].set_ylabel(axis_label(label))
    fig.supxlabel("gap while training (percentage points)", fontsize=10)
    fig.subplots_adjust(left=0.1, right=0.86, bottom=0.18, top=0.9, wspace=0.15)
    _subset_colorbar(fig, axes, norm)
    return fig


def switch_traces(traces, indicator="mfr", label="MFR (probe of training samples)"):
    """The probe's indicator after the switch to shuffled labels, against the epoch and the accuracy reached.

    One line per memorizing network (shuffled-label phase only; the first
    point is before the first shuffled-label epoch), each with its own colour
    and line style. The right panel's x axis is the running training accuracy
    on the shuffled labels, so a fall of the indicator before the accuracy
    moves from chance shows it reacting to the switch, not to memorization.
    Returns ``None`` without such traces.
    """
    from ..labels import network_name

    shuffled = traces[traces["phase"] == "shuffled labels"] if len(traces) else traces
    if not len(shuffled):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 4.6), sharey=True)
    cells = list(shuffled.groupby("cell_id", sort=True))
    names = [network_name(group.iloc[0]) for _, group in cells]
    for i, ((cell, group), name) in enumerate(zip(cells, names)):
        group = group.sort_values("epoch")
        if names.count(name) > 1:  # networks a name does not tell apart: say which run
            name = f"{name}, run {names[:i + 1].count(name)}"
        # colour: the network's condition (the palette's); line style and marker: which network of that condition
        look = {"color": style("condition", str(group["condition"].iloc[0]))["color"],
                "ls": LINESTYLES[i % len(LINESTYLES)], "lw": 1.2, "marker": MARKERS[i % len(MARKERS)],
                "ms": 4, "markevery": max(1, len(group) // 6)}
        accuracy = group["accuracy"].to_numpy(float) * 100
        accuracy[0] = np.nan if len(accuracy) > 1 else accuracy[0]  # before the phase: no epoch yet
        axes[0].plot(group["epoch"], group[indicator], label=name, **look)
        axes[1].plot(accuracy, group[indicator], **look)
    axes[0].set_xscale("symlog", linthresh=10)
    axes[0].set(xlabel="epoch on shuffled labels", ylabel=label)
    axes[1].set_xlabel("running training accuracy on shuffled labels (%)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.22, 1, 1))
    return fig
