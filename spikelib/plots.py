"""The paper's Figures 2-6, drawn from aggregated results (no computation of results here).

Functions
---------
figure2
    Cumulative spike trains of one network's nodes vs simulated Poisson processes.
figure3
    The four indicators against the generalization gap.
figure4
    Indicators against layer width, generalizing vs memorizing.
figure5
    Mean firing rate during training.
figure6
    Mean Fano factor against mean firing rate.
"""

import matplotlib.pyplot as plt
import numpy as np

from .analysis import CONDITION_LABELS, CONDITION_ORDER
from .simulate import poisson_raster

__all__ = ["figure2", "figure3", "figure4", "figure5", "figure6", "INDICATORS"]

INDICATORS = [("mfr", "MFR"), ("cv_fr", "CV of FR"), ("mf", "MF (mean Fano)"), ("cv_mf", "CV of MF")]
COLOURS = {c: f"C{i}" for i, c in enumerate(CONDITION_ORDER)}
MARKERS = ["o", "s", "^", "D", "v"]


def figure2(excerpts, n_simulated=200, seed=0):
    """Cumulative spike counts of every node (grey) against Poisson processes at the network's MFR.

    Parameters
    ----------
    excerpts : dict of str to numpy.ndarray of bool
        Condition -> raster excerpt ``(n_nodes, n_samples)`` of one network.
    n_simulated : int
        Simulated Poisson trains per panel; their 2.5-97.5% band and mean are drawn.
    """
    fig, axes = plt.subplots(1, len(excerpts), figsize=(3.2 * len(excerpts), 3.2), sharey=True, squeeze=False)
    for ax, (condition, raster) in zip(axes[0], excerpts.items()):
        counts = np.cumsum(raster, axis=1)
        steps = np.arange(1, raster.shape[1] + 1)
        ax.plot(steps, counts.T, color="0.55", lw=0.4, alpha=0.5)
        mfr = raster.mean()
        if 0 < mfr < 1:
            simulated = np.cumsum(poisson_raster(np.full(n_simulated, mfr), raster.shape[1], seed=seed), axis=1)
            low, high = np.percentile(simulated, [2.5, 97.5], axis=0)
            ax.fill_between(steps, low, high, color="C3", alpha=0.25, lw=0, label="Poisson 95% band")
            ax.plot(steps, simulated.mean(axis=0), color="C3", lw=1.5, label=f"Poisson at MFR {mfr:.2f}")
        ax.set(title=CONDITION_LABELS.get(condition, condition), xlabel="sample")
        ax.legend(frameon=False, fontsize=7, loc="upper left")
    axes[0][0].set_ylabel("cumulative spikes")
    fig.tight_layout()
    return fig


def _condition_scatter(ax, frame, x, y, datasets):
    for condition in CONDITION_ORDER:
        for marker, dataset in zip(MARKERS, datasets):
            rows = frame[(frame["condition"] == condition) & (frame["dataset"] == dataset)]
            if len(rows):
                ax.scatter(rows[x], rows[y], color=COLOURS[condition], marker=marker, s=28,
                           edgecolor="white", lw=0.5,
                           label=f"{CONDITION_LABELS[condition]}, {dataset}" if len(datasets) > 1
                           else CONDITION_LABELS[condition])


def figure3(cells):
    """The four indicators (training split) against the generalization gap."""
    frame = cells[cells["split"] == "train"]
    datasets = sorted(frame["dataset"].unique())
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
    for ax, (column, label) in zip(axes, INDICATORS):
        _condition_scatter(ax, frame, "generalization_gap", column, datasets)
        ax.set(xlabel="generalization gap (train - validation accuracy)", ylabel=label)
    axes[0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def figure4(cells):
    """Indicators against width: generalizing vs memorizing (all memorizing conditions pooled)."""
    frame = cells[cells["split"] == "train"].copy()
    frame["group"] = np.where(frame["condition"].astype(str).str.startswith("mem_"), "memorizing",
                              np.where(frame["condition"] == "generalizing", "generalizing", "other"))
    frame = frame[frame["group"] != "other"]
    widths = sorted(frame["width"].unique())
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
    rng = np.random.default_rng(0)
    for ax, (column, label) in zip(axes, INDICATORS):
        for offset, (group, colour) in zip((-0.18, 0.18), (("generalizing", COLOURS["generalizing"]),
                                                           ("memorizing", COLOURS["mem_retrain_last"]))):
            for i, width in enumerate(widths):
                values = frame[(frame["group"] == group) & (frame["width"] == width)][column].dropna()
                if len(values) == 0:
                    continue
                if len(values) > 2:
                    parts = ax.violinplot(values, positions=[i + offset], widths=0.3, showextrema=False)
                    for body in parts["bodies"]:
                        body.set_facecolor(colour)
                        body.set_alpha(0.3)
                ax.scatter(i + offset + rng.uniform(-0.05, 0.05, len(values)), values, color=colour, s=14,
                           label=group if i == 0 else None)
        ax.set_xticks(range(len(widths)), [str(w) for w in widths])
        ax.set(xlabel="width of the observed layer", ylabel=label)
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def figure5(curve_frame, smooth=10):
    """MFR of the probe batches after every training batch, with the switch to shuffled labels.

    A band shows the rolling minimum and maximum over ``smooth`` batches;
    with several networks per condition it shows the 95% interval of their mean.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
    for ax, condition in zip(axes, ("mem_retrain_last", "mem_retrain_all")):
        rows = curve_frame[curve_frame["condition"] == condition] if len(curve_frame) else curve_frame
        if len(rows) == 0:
            ax.text(0.5, 0.5, "no run of this condition\nin this profile", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")
        for split, colour in (("train", "C0"), ("test", "C1")):
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
            ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def figure6(cells):
    """Mean Fano factor against mean firing rate, with the binomial expectation 1 - MFR."""
    fig, ax = plt.subplots(figsize=(4.6, 4))
    datasets = sorted(cells["dataset"].unique())
    _condition_scatter(ax, cells, "mfr", "mf", datasets)
    ax.plot([0, 1], [1, 0], color="0.3", lw=1, ls="--", label="1 - MFR (independent binary train)")
    ax.set(xlabel="MFR", ylabel="MF (window 100)" if cells["window"].iloc[0] == 100 else
           f"MF (window {cells['window'].iloc[0]})", xlim=(0, 1), ylim=(0, 1.1))
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig
