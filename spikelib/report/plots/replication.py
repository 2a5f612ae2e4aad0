"""The paper's Figures 2-6 and the dose-response of the indicators, drawn from aggregated results.

Functions
---------
figure2
    Cumulative spike trains of one network's nodes vs simulated Poisson processes.
figure3
    The four indicators against the generalization gap.
figure4
    Rain clouds of the four indicators against layer width, generalizing vs memorizing.
figure5
    Mean firing rate during training.
figure6
    Mean Fano factor against mean firing rate.
group_counts
    How many networks each rain cloud of Figure 4 holds.
dose_response
    The indicators against training accuracy on shuffled labels, from the traces.
"""

import matplotlib.pyplot as plt
import numpy as np

from ..._optional import soft_import
from ...simulate import poisson_raster
from ..labels import CONDITION_LABELS, network_name
from ..results import CONDITION_ORDER
from .style import (
    GROUP_COLOURS,
    INDICATORS,
    LINESTYLES,
    MARKERS,
    PAGE_WIDTH,
    grid,
    in_percent,
    legend_outside,
    style,
)

#: The paper's spelling of a data set (as the results tables carry it) -> the palette's key.
_DATASET_KEYS = {"FashionMNIST": "fashion_mnist", "MNIST": "mnist", "CIFAR10": "cifar10", "Digits": "digits",
                 "digits": "digits"}

__all__ = ["figure2", "figure3", "group_counts", "figure4", "figure5", "figure6", "dose_response"]


def figure2(excerpts, n_simulated=200, seed=0):
    """Cumulative spike counts of every node (grey) against Poisson processes at the network's MFR.

    Parameters
    ----------
    excerpts : dict of str to numpy.ndarray of bool
        Condition -> raster excerpt ``(n_nodes, n_samples)`` of one network.
    n_simulated : int
        Simulated Poisson trains per panel; their 2.5-97.5% band and mean are drawn.
    seed : int
        Seed of the simulated trains.
    """
    fig, axes = grid(len(excerpts))
    for ax, (condition, raster) in zip(axes, excerpts.items()):
        counts = np.cumsum(raster, axis=1)
        steps = np.arange(1, raster.shape[1] + 1)
        ax.plot(steps, counts.T, color="0.55", lw=0.4, alpha=0.5)
        mfr = raster.mean()
        if 0 < mfr < 1:
            simulated = np.cumsum(poisson_raster(np.full(n_simulated, mfr), raster.shape[1], seed=seed), axis=1)
            low, high = np.percentile(simulated, [2.5, 97.5], axis=0)
            poisson = style("reference", "Poisson")["color"]
            ax.fill_between(steps, low, high, color=poisson, alpha=0.25, lw=0, label="Poisson 95 % band")
            ax.plot(steps, simulated.mean(axis=0), color=poisson, lw=1.5, label=f"Poisson at MFR {mfr:.2f}")
        ax.set(title=CONDITION_LABELS.get(condition, condition), xlabel="sample", ylabel="cumulative spikes")
        ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def _condition_scatter(ax, frame, x, y, datasets):
    for condition in CONDITION_ORDER:
        for dataset in datasets:
            rows = frame[(frame["condition"] == condition) & (frame["dataset"] == dataset)]
            if len(rows):
                # colour: the condition; marker: the condition's, or the data set's where several are drawn
                marker = style("dataset", _DATASET_KEYS.get(dataset, dataset))["marker"] if len(datasets) > 1 \
                    else style("condition", condition)["marker"]
                filled = marker not in ("x", "+", "1", "2", "3", "4", "|", "_")  # a line marker has no face
                ax.scatter(rows[x], rows[y], color=style("condition", condition)["color"], marker=marker, s=30,
                           **({"edgecolor": "white", "lw": 0.5} if filled else {"lw": 1.2}),
                           label=f"{CONDITION_LABELS[condition]}, {dataset}" if len(datasets) > 1
                           else CONDITION_LABELS[condition])


def figure3(cells):
    """The four indicators (training split) against the generalization gap."""
    frame = in_percent(cells[cells["split"] == "train"])
    frame = frame.assign(generalization_gap=100 * frame["generalization_gap"])  # percentage points, as the tables
    datasets = sorted(frame["dataset"].unique())
    fig, axes = grid(4)
    for ax, (column, label) in zip(axes, INDICATORS):
        _condition_scatter(ax, frame, "generalization_gap", column, datasets)
        ax.set(xlabel="gap: training − validation accuracy (percentage points)", ylabel=label)
    legend_outside(fig, axes[0])
    return fig


def group_counts(cells):
    """How many generalizing and memorizing networks :func:`figure4` draws, by group."""
    return _groups(cells).groupby("group").size()


def _groups(cells):
    frame = cells[cells["split"] == "train"].copy()
    condition = frame["condition"].astype(str)
    frame["group"] = np.where(condition.str.startswith("mem_"), "memorizing",
                              np.where(condition == "generalizing", "generalizing", "other"))
    return frame[frame["group"] != "other"]


def figure4(cells):
    """Rain clouds of the four indicators against width: generalizing vs memorizing networks.

    For each width, the left half (generalizing) and the right half
    (memorizing, every memorizing condition pooled) each show a density
    (the cloud), a box, and the networks themselves (the rain), as the
    paper's Figure 4 does. A group of one network shows as a single point.

    Raises
    ------
    MissingDependencyError
        If seaborn is not installed.
    """
    sns = soft_import("seaborn", "the rain-cloud figure")
    frame = in_percent(_groups(cells))
    frame["width"] = frame["width"].astype(str)
    widths = sorted(frame["width"].unique(), key=int)
    order = ["generalizing", "memorizing"]
    palette = {group: GROUP_COLOURS[group] for group in order}
    fig, axes = grid(4)
    for ax, (column, label) in zip(axes, INDICATORS):
        data = frame.dropna(subset=[column])
        shared = dict(data=data, x="width", y=column, hue="group", hue_order=order, order=widths, ax=ax,
                      palette=palette)
        counts = data.groupby(["width", "group"]).size()
        if (counts >= 2).any():
            sns.violinplot(**shared, split=True, inner=None, cut=0, density_norm="width", fill=True,
                           alpha=0.3, linewidth=0.6, legend=False)
        sns.boxplot(**shared, dodge=True, width=0.3, showfliers=False, linewidth=0.8, fill=False,
                    legend=False)
        sns.stripplot(**shared, dodge=True, jitter=0.06, size=4.5, edgecolor="white", linewidth=0.5,
                      legend=ax is axes[0])
        ax.set(xlabel="width of the observed layer", ylabel=label)
    if axes[0].get_legend() is not None:
        axes[0].legend(frameon=False, title=None)
    fig.tight_layout()
    return fig


def figure5(curve_frame, smooth=10):
    """MFR of the probe batches after every training batch, with the switch to shuffled labels.

    A band shows the rolling minimum and maximum over ``smooth`` batches;
    with several networks per condition it shows the 95% interval of their mean.
    One panel per condition with runs (MemRetrainLast, MemRetrainAll).
    """
    run = [c for c in ("mem_retrain_last", "mem_retrain_all")
           if len(curve_frame) and (curve_frame["condition"] == c).any()]
    shown = run or ["mem_retrain_last"]  # a condition without runs gets no empty panel; none at all, one that says so
    fig, axes = plt.subplots(1, len(shown), figsize=(PAGE_WIDTH * len(shown) / 2, 3.4), sharey=True, squeeze=False)
    for ax, condition in zip(axes[0], shown):
        rows = curve_frame[curve_frame["condition"] == condition] if len(curve_frame) else curve_frame
        if len(rows) == 0:
            ax.text(0.5, 0.5, "no run of this condition\nin this profile", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")
        for split in ("train", "test"):
            colour = style("split", split)["color"]
            if len(rows) == 0:
                break
            table = rows.pivot_table(index="batch", columns="cell_id", values=f"mfr_{split}")
            mean = table.mean(axis=1)
            if table.shape[1] > 1:
                half = 1.96 * table.std(axis=1, ddof=1) / np.sqrt(table.shape[1])
                low, high = mean - half, mean + half
            else:
                low = mean.rolling(smooth, min_periods=1, center=True).min()
                high = mean.rolling(smooth, min_periods=1, center=True).max()
            ax.fill_between(mean.index, low, high, color=colour, alpha=0.25, lw=0)
            ax.plot(mean.index, mean, color=colour, lw=0.8, label=f"{split} probe")
        if len(rows):
            ax.axvline(rows["switch_batch"].iloc[0] + 0.5, color="0.3", ls="--", lw=1, label="labels shuffled")
        ax.set(title=CONDITION_LABELS[condition], xlabel="batch", ylabel="MFR")
        if len(rows):
            ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def figure6(cells):
    """Mean Fano factor against mean firing rate, with the binomial expectation 1 - MFR."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH / 1.6, 4.4))
    datasets = sorted(cells["dataset"].unique())
    _condition_scatter(ax, cells, "mfr", "mf", datasets)
    ax.plot([0, 1], [1, 0], color="0.3", lw=1, ls="--", label="1 − MFR (independent binary train)")
    window = int(cells["window"].iloc[0])
    ax.set(xlabel="MFR", ylabel=f"MF (window {window})", xlim=(0, 1), ylim=(0, 1.1))
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def _run_look(marker, line_style, rank):
    """The line style and marker of the ``rank``-th run that shares a colour: the first keeps its condition's line
    style and the palette's marker, each further one takes the next of each."""
    if not rank:
        return line_style, marker
    shifted = MARKERS[(MARKERS.index(marker) + rank) % len(MARKERS)] if marker in MARKERS else marker
    return LINESTYLES[(rank + 3) % len(LINESTYLES)], shifted


def dose_response(traces, model, indicators=INDICATORS[:3]):
    """The indicators of one model family against how much it has memorized, one line per width.

    Parameters
    ----------
    traces : pandas.DataFrame
        From :func:`spikelib.report.results.traces`; the shuffled-label
        phases of the memorizing conditions are drawn.
    model : str
        ``"MLP"``, ``"CNN"``, ...
    indicators : list of (column, label)

    Returns
    -------
    matplotlib.figure.Figure or None
        ``None`` when the model has no traced memorizing network.
    """
    rows = in_percent(traces[(traces["model"] == model) & (traces["phase"] == "shuffled labels")])
    if rows.empty:
        return None
    # colour: the width (the palette's), or the condition where there is one width; line style: the condition;
    # one line per run (a cell), never one line joining the runs of a width and condition
    dashes = {"mem_retrain_last": "-", "mem_random_last": "--", "mem_retrain_all": ":"}
    fig, axes = plt.subplots(1, len(indicators), figsize=(PAGE_WIDTH, 3.4), squeeze=False)
    runs = rows.groupby(["width", "condition", "cell_id"], observed=True)
    # the runs of each width and condition (a penalty, a seed): they share a colour, so each is named and each after
    # the first gets a line style and a marker of its own
    shared = {key: sorted(cells) for key, cells in
              rows.groupby(["width", "condition"], observed=True)["cell_id"].unique().items()}
    one_width = rows["width"].nunique() == 1  # then the colour tells the conditions apart, as elsewhere
    for ax, (column, label) in zip(axes[0], indicators):
        for (width, condition, cell), line in runs:
            line = line.sort_values("epoch")
            cells = shared[(width, condition)]
            name = (f"{model}-{width}, {CONDITION_LABELS[condition]}" if len(cells) == 1 else
                    f"{network_name(line.iloc[0], condition=False)}, {CONDITION_LABELS[condition]}")
            look = style("condition", condition) if one_width else style("width", int(width))
            dashes_of_run, marker = _run_look(look["marker"], dashes.get(condition, "-"), cells.index(cell))
            # the marker on a few points of each line, evenly along it: close colours (widths 256 and 512) stay apart
            ax.plot(100 * line["probe_accuracy"], line[column], color=look["color"], ls=dashes_of_run, lw=1.2,
                    marker=marker, ms=4, markevery=0.2, label=name)
        ax.set(xlabel="accuracy on shuffled labels (%)", ylabel=label)
    legend_outside(fig, axes[0][0], ncol=3)
    return fig
