"""The detector benchmark's figures.

Functions
---------
forest
    Separation and tracking of every measure with intervals.
noise_response
    Measures against the label-noise fraction, mean and interval over seeds.
monitor_run
    The online monitor on one run that switched to shuffled labels.
matched_strata
    Memorized against clean networks of equal fit, stratum by stratum.
"""

import matplotlib.pyplot as plt
import numpy as np

from .style import PAGE_WIDTH, axis_label, grid, legend_outside, style

__all__ = ["forest", "noise_response", "monitor_run", "matched_strata"]


#: How the forest plot draws each family: (marker, colour, filled, legend label).
_FAMILY_STYLE = {family: (style("family", family)["marker"], style("family", family)["color"], filled, label)
                 for family, filled, label in (("paper", True, "the paper's indicators"),
                                               ("followup", True, "the follow-up's indicators"),
                                               ("rival", False, "rivals"), ("control", True, "controls (training fit)"))}


def forest(table):
    """Separation (AUROC) and tracking (Kendall tau) of every measure and control, with their intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`spikelib.report.benchmark.benchmark_scores`.
    """
    rows = table.iloc[::-1].reset_index(drop=True)
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 0.32 * len(rows) + 1.4), sharey=True)
    positions = np.arange(len(rows))
    for ax, (value, low, high, chance, label) in zip(axes, (
            ("auroc", "auroc_low", "auroc_high", 0.5, "AUROC, memorizing vs clean"),
            ("tau", "tau_low", "tau_high", 0.0, "Kendall tau with the generalization gap"))):
        for family, (marker, colour, filled, name) in _FAMILY_STYLE.items():
            chosen = (rows["family"] == family).to_numpy()
            if not chosen.any():
                continue
            ax.errorbar(rows.loc[chosen, value], positions[chosen],
                        xerr=[rows.loc[chosen, value] - rows.loc[chosen, low], rows.loc[chosen, high] - rows.loc[chosen, value]],
                        fmt=marker, color=colour, mfc=colour if filled else "white", capsize=2, lw=1, label=name)
        ax.axvline(chance, color="0.5", lw=0.8, ls="--")
        ax.set(xlabel=label)
    axes[0].set_yticks(positions, rows["measure"])
    axes[0].set_xlim(-0.02, 1.02)
    axes[1].set_xlim(-1.02, 1.02)
    fig.legend(*axes[0].get_legend_handles_labels(), frameon=False, loc="lower center", ncol=4)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def noise_response(frame, columns):
    """Indicators against the label-noise fraction: mean over seeds with a 95 % interval, per width.

    A line joins only levels that follow one another among all levels measured; a width without a level
    has a gap there, and a level measured alone shows as a point.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`spikelib.report.networks.benchmark_set`.
    columns : list of (column, label)
    """
    n = len(columns)
    fig, axes = grid(n, height_per_row=2.6)
    widths = sorted(frame["width"].unique())
    levels = sorted(frame["label_noise"].unique())
    for ax, (column, label) in zip(axes, columns):
        for width in widths:
            # Every level measured at any width: a level this width lacks breaks its line (no line across it).
            rows = frame[frame["width"] == width].groupby("label_noise")[column]
            mean, sem, count = (values.reindex(levels) for values in (rows.mean(), rows.sem(), rows.count()))
            half = 1.96 * sem.where(count > 1, 0)
            look = style("width", width)
            ax.plot(mean.index, mean, marker=look["marker"], ms=3, color=look["color"], label=f"width {width}")
            ax.fill_between(mean.index, mean - half, mean + half, color=look["color"], alpha=0.2, lw=0)
        ax.set(xlabel="label noise", ylabel=axis_label(label))
    legend_outside(fig, axes[0])  # lays the figure out, with room for the legend
    return fig


def monitor_run(run):
    """The online monitor on one switch run: the probe's MFR per epoch, the switch and the alarm.

    Parameters
    ----------
    run : pandas.Series
        A row of :func:`spikelib.report.benchmark.monitor_evaluation`'s switch runs.
    """
    values = np.asarray(run["values"])
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH / 1.4, 3.2))
    ax.plot(np.arange(1, len(values) + 1), values, marker=".", color=style("indicator", "mfr")["color"],
            label="MFR on the probe, end of each epoch")
    ax.axvline(run["switch_epoch"] + 0.5, color=style("labels", "shuffled labels")["color"], ls="--", lw=1,
               label="labels shuffled")
    if np.isfinite(run["alarm_epoch"]):
        ax.axvline(run["alarm_epoch"], color=style("reference", "alarm")["color"], lw=1.5,
                   label=f"alarm (epoch {run['alarm_epoch']:.0f})")
    ax.set(xlabel="epoch", ylabel="MFR")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def matched_strata(frame, columns):
    """Each measure's value in every network that fit its labels, one column of points per stratum
    (architecture and training samples): clean networks left, memorized ones right.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`spikelib.report.matched.matched_networks`.
    columns : list of (column, label)
    """
    strata = sorted(frame["stratum"].unique(), key=lambda s: (s.split(",")[0], int(s.split(", ")[-1].split()[0])))
    fig, axes = grid(len(columns), height_per_row=2.8)
    for ax, (column, label) in zip(axes, columns):
        for position, stratum in enumerate(strata):
            rows = frame[frame["stratum"] == stratum]
            for offset, memorized in ((-0.15, False), (0.15, True)):
                values = rows.loc[rows["memorized"] == memorized, column].to_numpy(float)
                ax.scatter(np.full(len(values), position + offset), values, s=14,
                           **style("labels", "shuffled labels" if memorized else "clean labels"),
                           label=("shuffled labels (memorized)" if memorized else "clean labels")
                           if position == 0 else None)
        # "MLP-1-128, 500 samples" -> "128\n500": the width over the training samples
        ax.set_xticks(range(len(strata)), [s.split(",")[0].split("-")[-1] + "\n" + s.split(", ")[-1].split()[0]
                                           for s in strata], fontsize=9)
        ax.set(ylabel=label, xlabel="width / training samples")
    fig.legend(*axes[0].get_legend_handles_labels(), frameon=False, loc="lower center", ncol=2)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig
