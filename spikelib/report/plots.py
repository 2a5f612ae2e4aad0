"""The paper's Figures 2-6, drawn from aggregated results (no computation of results here).

Every figure is sized to be read at the book's page width (about 9 inches
wide at most); captions are written by the analysis notebooks, which know
which results a figure shows.

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
dose_response
    The indicators against training accuracy on shuffled labels, from the
    traces recorded while each memorizing network trained.
forest
    The detector benchmark: separation and tracking of every indicator with intervals.
noise_response
    Indicators against the label-noise fraction, mean and interval over seeds.
penalty_sweep
    Training accuracy and the follow-up's statistics against the L1/L2 penalty.
depth_view
    The indicators of every hidden layer of the deeper networks, per condition.
measure_vs_gap
    Measures against the generalization gap, one panel each, coloured by a factor.
switch_traces
    The probe's MFR after the switch to shuffled labels, against the accuracy reached on them.
gap_traces
    The probe's MFR against the generalization gap, epoch by epoch, while networks memorize clean subsets.
activation_ecdfs, correlation_spectra, weights_vs_rate, population_model
    The follow-up's figures: activation probabilities, correlations, weights, the population model.
training_history, rates_and_fano, raster_excerpt
    One cell's figures: its training, its nodes' rates and Fano factors, a raster excerpt.
monitor_run
    The online monitor on one run that switched to shuffled labels.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .._optional import soft_import
from ..simulate import poisson_raster
from .labels import CONDITION_LABELS
from .labels import label as column_label
from .results import CONDITION_ORDER

__all__ = ["figure2", "figure3", "figure4", "figure5", "figure6", "dose_response", "forest", "noise_response",
           "penalty_sweep", "depth_view", "group_counts", "measure_vs_gap", "switch_traces", "gap_traces",
           "activation_ecdfs",
           "correlation_spectra", "weights_vs_rate", "population_model", "training_history", "rates_and_fano",
           "raster_excerpt", "monitor_run",
           "INDICATORS", "GROUP_COLOURS"]

#: Indicators drawn in percent, as the paper's Table 2 prints the CV (results files keep fractions).
PERCENT = ("cv_fr", "cv_mf")
#: The paper's four indicators with their axis labels (the labels of :mod:`spikelib.report.labels`, with units).
INDICATORS = [(column, column_label(column) + (" (%)" if column in PERCENT else ""))
              for column in ("mfr", "cv_fr", "mf", "cv_mf")]
COLOURS = {c: f"C{i}" for i, c in enumerate(CONDITION_ORDER)}
GROUP_COLOURS = {"generalizing": COLOURS["generalizing"], "memorizing": COLOURS["mem_retrain_last"]}
MARKERS = ["o", "s", "^", "D", "v"]
PAGE_WIDTH = 9.0  # inches: the width of the book's text column at 100 dpi


def _in_percent(frame):
    """A copy with the :data:`PERCENT` columns in percent."""
    frame = frame.copy()
    for column in PERCENT:
        if column in frame:
            frame[column] = 100 * frame[column]
    return frame


def _grid(n_panels, height_per_row=3.3):
    columns = 2 if n_panels > 1 else 1
    rows = int(np.ceil(n_panels / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(PAGE_WIDTH if columns > 1 else PAGE_WIDTH / 1.6,
                                                     height_per_row * rows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat)


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
    fig, axes = _grid(len(excerpts))
    for ax, (condition, raster) in zip(axes, excerpts.items()):
        counts = np.cumsum(raster, axis=1)
        steps = np.arange(1, raster.shape[1] + 1)
        ax.plot(steps, counts.T, color="0.55", lw=0.4, alpha=0.5)
        mfr = raster.mean()
        if 0 < mfr < 1:
            simulated = np.cumsum(poisson_raster(np.full(n_simulated, mfr), raster.shape[1], seed=seed), axis=1)
            low, high = np.percentile(simulated, [2.5, 97.5], axis=0)
            ax.fill_between(steps, low, high, color="C3", alpha=0.25, lw=0, label="Poisson 95% band")
            ax.plot(steps, simulated.mean(axis=0), color="C3", lw=1.5, label=f"Poisson at MFR {mfr:.2f}")
        ax.set(title=CONDITION_LABELS.get(condition, condition), xlabel="sample", ylabel="cumulative spikes")
        ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def _condition_scatter(ax, frame, x, y, datasets):
    for condition in CONDITION_ORDER:
        for marker, dataset in zip(MARKERS, datasets):
            rows = frame[(frame["condition"] == condition) & (frame["dataset"] == dataset)]
            if len(rows):
                ax.scatter(rows[x], rows[y], color=COLOURS[condition], marker=marker, s=30,
                           edgecolor="white", lw=0.5,
                           label=f"{CONDITION_LABELS[condition]}, {dataset}" if len(datasets) > 1
                           else CONDITION_LABELS[condition])


def figure3(cells):
    """The four indicators (training split) against the generalization gap."""
    frame = _in_percent(cells[cells["split"] == "train"])
    datasets = sorted(frame["dataset"].unique())
    fig, axes = _grid(4)
    for ax, (column, label) in zip(axes, INDICATORS):
        _condition_scatter(ax, frame, "generalization_gap", column, datasets)
        ax.set(xlabel="generalization gap (train - validation accuracy)", ylabel=label)
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
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
    frame = _in_percent(_groups(cells))
    frame["width"] = frame["width"].astype(str)
    widths = sorted(frame["width"].unique(), key=int)
    order = ["generalizing", "memorizing"]
    palette = {group: GROUP_COLOURS[group] for group in order}
    fig, axes = _grid(4)
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
        axes[0].legend(frameon=False, fontsize=8, title=None)
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
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH / 1.6, 4.4))
    datasets = sorted(cells["dataset"].unique())
    _condition_scatter(ax, cells, "mfr", "mf", datasets)
    ax.plot([0, 1], [1, 0], color="0.3", lw=1, ls="--", label="1 - MFR (independent binary train)")
    window = int(cells["window"].iloc[0])
    ax.set(xlabel="MFR", ylabel=f"MF (window {window})", xlim=(0, 1), ylim=(0, 1.1))
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


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
    rows = _in_percent(traces[(traces["model"] == model) & (traces["phase"] == "shuffled labels")])
    if rows.empty:
        return None
    widths = sorted(rows["width"].unique())
    colours = {w: plt.cm.viridis(i / max(1, len(widths) - 1) * 0.85) for i, w in enumerate(widths)}
    styles = {"mem_retrain_last": "-", "mem_random_last": "--", "mem_retrain_all": ":"}
    fig, axes = plt.subplots(1, len(indicators), figsize=(PAGE_WIDTH, 3.2), squeeze=False)
    for ax, (column, label) in zip(axes[0], indicators):
        for (width, condition), line in rows.groupby(["width", "condition"]):
            line = line.sort_values("epoch")
            ax.plot(100 * line["probe_accuracy"], line[column], color=colours[width],
                    ls=styles.get(condition, "-"), lw=1.2, marker=".", ms=3,
                    label=f"{model}-{width}, {CONDITION_LABELS[condition]}")
        ax.set(xlabel="accuracy on shuffled labels (%)", ylabel=label)
    axes[0][0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def forest(table):
    """Separation (AUROC) and tracking (Kendall tau) of every indicator, with their intervals.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`spikelib.report.benchmark.scores`.
    """
    rows = table.iloc[::-1].reset_index(drop=True)
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 0.32 * len(rows) + 1.2), sharey=True)
    positions = np.arange(len(rows))
    for ax, (value, low, high, chance, label) in zip(axes, (
            ("auroc", "auroc_low", "auroc_high", 0.5, "AUROC, memorizing vs clean"),
            ("tau", "tau_low", "tau_high", 0.0, "Kendall tau with the generalization gap"))):
        for family, marker in (("ours", "o"), ("rival", "s")):
            chosen = rows["family"] == family
            ax.errorbar(rows.loc[chosen, value], positions[chosen],
                        xerr=[rows.loc[chosen, value] - rows.loc[chosen, low], rows.loc[chosen, high] - rows.loc[chosen, value]],
                        fmt=marker, color="C0" if family == "ours" else "C1",
                        mfc="C0" if family == "ours" else "white", capsize=2, lw=1,
                        label="the papers' indicators" if family == "ours" else "rivals")
        ax.axvline(chance, color="0.5", lw=0.8, ls="--")
        ax.set(xlabel=label)
    axes[0].set_yticks(positions, rows["indicator"], fontsize=8)
    axes[0].set_xlim(-0.02, 1.02)
    axes[1].set_xlim(-1.02, 1.02)
    axes[0].legend(frameon=False, fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig


def noise_response(frame, columns):
    """Indicators against the label-noise fraction: mean over seeds with a 95 % interval, per width.

    A line joins only levels that follow one another among all levels measured; a width without a level
    has a gap there, and a level measured alone shows as a point.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`spikelib.report.benchmark.networks`.
    columns : list of (column, label)
    """
    n = len(columns)
    fig, axes = _grid(n, height_per_row=2.6)
    widths = sorted(frame["width"].unique())
    levels = sorted(frame["label_noise"].unique())
    for ax, (column, label) in zip(axes, columns):
        for i, width in enumerate(widths):
            # Every level measured at any width: a level this width lacks breaks its line (no line across it).
            rows = frame[frame["width"] == width].groupby("label_noise")[column]
            mean, sem, count = (values.reindex(levels) for values in (rows.mean(), rows.sem(), rows.count()))
            half = 1.96 * sem.where(count > 1, 0)
            ax.plot(mean.index, mean, marker="o", ms=3, color=f"C{i}", label=f"width {width}")
            ax.fill_between(mean.index, mean - half, mean + half, color=f"C{i}", alpha=0.2, lw=0)
        ax.set(xlabel="label noise", ylabel=label)
    axes[0].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def penalty_sweep(table, columns=tuple((c, column_label(c)) for c in ("train_accuracy", "share_rare_5", "mean_abs_r",
                                                                 "participation_ratio"))):
    """Statistics against the strength of an L1 or L2 penalty, per condition.

    The unpenalised network is drawn at the left edge, a decade below the
    weakest penalty, and labelled 0 (a log axis has no zero). Colour: the
    condition; solid line L1, dashed L2.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`spikelib.report.followup.penalty_table`.
    columns : sequence of (column, label)
    """
    strengths = table.loc[table["strength"] > 0, "strength"]
    zero = strengths.min() / 10 if len(strengths) else 1e-6
    fig, axes = _grid(len(columns), height_per_row=2.6)
    conditions = {"generalizing": GROUP_COLOURS["generalizing"], "mem_random_last": GROUP_COLOURS["memorizing"]}
    for ax, (column, label) in zip(axes, columns):
        for condition, colour in conditions.items():
            rows = table[table["condition"] == condition]
            none = rows[rows["kind"] == "none"]
            for kind, style in (("L1", "-"), ("L2", "--")):
                line = pd.concat([none, rows[rows["kind"] == kind]]).sort_values("strength")
                if len(line) < 2:
                    continue
                x = np.where(line["strength"] > 0, line["strength"], zero)
                ax.plot(x, line[column], ls=style, marker="o", ms=3, color=colour,
                        label=f"{CONDITION_LABELS.get(condition, condition)}, {kind}")
        ax.set_xscale("log")
        ticks = [zero, *sorted(strengths.unique())]
        ax.set_xticks(ticks, ["0", *[f"{t:g}" for t in ticks[1:]]])
        ax.minorticks_off()
        ax.set(xlabel="penalty strength", ylabel=label)
    axes[0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def depth_view(layers, indicators=INDICATORS[:3]):
    """The indicators of every hidden layer, from the first to the observed one, one line per condition.

    One row of panels per network with more than one hidden layer.

    Parameters
    ----------
    layers : pandas.DataFrame
        From :func:`spikelib.report.results.layers`.
    indicators : sequence of (column, label)
    """
    deep = _in_percent(layers[layers.groupby(["model", "width", "seed"])["position"].transform("max") > 0])
    networks = list(deep.groupby(["model", "width", "seed"], sort=True))
    fig, axes = plt.subplots(len(networks), len(indicators), squeeze=False,
                             figsize=(PAGE_WIDTH, 2.8 * len(networks)))
    for row, ((model, width, seed), rows) in zip(axes, networks):
        names = rows.drop_duplicates("position").sort_values("position")
        for ax, (column, label) in zip(row, indicators):
            for condition, line in rows.groupby("condition", observed=True, sort=True):
                line = line.sort_values("position")
                ax.plot(line["position"], line[column], marker="o", color=COLOURS[condition],
                        label=CONDITION_LABELS[condition])
            ax.set_xticks(names["position"], [f"{n}\n({k:,} nodes)" for n, k in zip(names["layer"], names["n_nodes"])])
            ax.set(ylabel=label, title=f"{model}-{width}" + (f", seed {seed}" if deep["seed"].nunique() > 1 else ""))
    axes[0][0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


def measure_vs_gap(frame, columns, colour_by, labels=None):
    """Each measure against the generalization gap (points), one panel per measure.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per network, with ``gap`` (a fraction) and the measures.
    columns : list of str
    colour_by : str
        A column whose values colour the points (a factor, e.g. ``architecture``).
    labels : dict, optional
        Column -> axis label.
    """
    labels = labels or {}
    fig, axes = _grid(len(columns), height_per_row=3.0)
    levels = sorted(frame[colour_by].dropna().unique(), key=str)
    for ax, column in zip(axes, columns):
        for i, level in enumerate(levels):
            part = frame[frame[colour_by] == level]
            ax.scatter(part["gap"] * 100, part[column], s=14, alpha=0.75, color=f"C{i}",
                       marker=MARKERS[i % len(MARKERS)], label=str(level))
        ax.set_xlabel("generalization gap (points)")
        ax.set_ylabel(labels.get(column, column))
    axes[0].legend(title=labels.get(colour_by, colour_by), fontsize=8, title_fontsize=8)
    fig.tight_layout()
    return fig


def switch_traces(traces, indicator="mfr", label="MFR (probe of training samples)"):
    """The probe's indicator after the switch to shuffled labels, against the running accuracy on them.

    One line per memorizing network (shuffled-label phase only; the first
    point is before the first shuffled-label epoch). The x axis is the running
    training accuracy on the shuffled labels, so a fall of the indicator
    before the accuracy moves from chance shows it reacting to the switch, not
    to memorization. Returns ``None`` without such traces.
    """
    shuffled = traces[traces["phase"] == "shuffled labels"] if len(traces) else traces
    if not len(shuffled):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    for i, (cell, group) in enumerate(shuffled.groupby("cell_id", sort=True)):
        group = group.sort_values("epoch")
        name = f"{group['model'].iloc[0]}-{group['width'].iloc[0]} {CONDITION_LABELS.get(group['condition'].iloc[0], '')}"
        accuracy = group["accuracy"].to_numpy(float) * 100
        accuracy[0] = np.nan if len(accuracy) > 1 else accuracy[0]  # before the phase: no epoch yet
        axes[0].plot(group["epoch"], group[indicator], color=f"C{i % 10}", lw=1, label=name)
        axes[1].plot(accuracy, group[indicator], color=f"C{i % 10}", lw=1, marker=".", ms=3)
    axes[0].set_xscale("symlog", linthresh=10)
    axes[0].set_xlabel("epoch on shuffled labels")
    axes[1].set_xlabel("running training accuracy on shuffled labels (%)")
    for ax in axes:
        ax.set_ylabel(label)
    axes[0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


def gap_traces(course, indicator="mfr", label="MFR (probe of training samples)", smooth=5):
    """The probe's indicator against the gap (running training minus validation accuracy), epoch by epoch.

    One line per network, coloured by the size of its training subset; the
    gap grows as the network fits its training samples and not the held-out
    ones. Returns ``None`` without traces.
    """
    if not len(course):
        return None
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    sizes = sorted(course["train_samples"].dropna().unique())
    for cell, group in course.groupby("cell_id", sort=True):
        group = group.sort_values("epoch")
        i = sizes.index(group["train_samples"].iloc[0]) if group["train_samples"].iloc[0] in sizes else 0
        # The validation split of a small subset is small: its accuracy is noisy, so the gap is smoothed.
        gap = group["gap"].rolling(smooth, min_periods=1, center=True).mean() * 100
        axes[0].plot(group["epoch"], group[indicator], color=f"C{i}", lw=0.8, alpha=0.7)
        axes[1].plot(gap, group[indicator], color=f"C{i}", lw=0.8, alpha=0.7)
    for i, size in enumerate(sizes):
        axes[0].plot([], [], color=f"C{i}", label=f"{int(size):,} samples")
    axes[0].set(xlabel="epoch", ylabel=label, xscale="log")
    axes[1].set(xlabel=f"gap while training (points; running mean of {smooth} traces)", ylabel=label)
    axes[0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


#: Colours of the follow-up's three groups of networks.
_FOLLOWUP_COLOURS = {**GROUP_COLOURS, "random": "0.5"}


def _group_legend(ax, **kwargs):
    """One legend entry per group however many networks drew it."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), frameon=False, fontsize=8, **kwargs)


def activation_ecdfs(networks, rare=0.05):
    """The distribution of the activation probability over each network's nodes, one panel per kind of model.

    Parameters
    ----------
    networks : list of dict
        :func:`spikelib.report.followup.network_nodes`: ``group``, ``model``, ``train`` (per-node arrays).
    rare : float
        Drawn as a dotted line: below it a node counts as rare.
    """
    panels = ["MLP"] + (["other models"] if any(n["model"] != "MLP" for n in networks) else [])  # no empty panel
    fig, axes = plt.subplots(1, len(panels), figsize=(PAGE_WIDTH * len(panels) / 2, 3.4), squeeze=False)
    axes = axes[0]
    for network in networks:
        rates = np.sort(network["train"]["firing_rate"])
        ax = axes[0] if network["model"] == "MLP" else axes[1]
        ax.step(rates, np.arange(1, len(rates) + 1) / len(rates), where="post",
                color=_FOLLOWUP_COLOURS[network["group"]], alpha=0.8, lw=1, label=network["group"])
    for ax, model in zip(axes, panels):
        _group_legend(ax)
        ax.axvline(rare, color="0.6", lw=0.8, ls=":")
        ax.set(xlabel="activation probability", ylabel="share of nodes", title=model, xlim=(0, 1))
    fig.tight_layout()
    return fig


def correlation_spectra(networks, edges):
    """Each network's distribution of pairwise correlations (left) and its correlation matrix's eigen-spectrum.

    Parameters
    ----------
    networks : list of dict
        :func:`spikelib.report.followup.network_nodes`; ``train`` holds ``r_histogram`` and ``eigenvalues``.
    edges : numpy.ndarray
        The bin edges of the histograms (:data:`spikelib.correlation.HISTOGRAM_EDGES`).
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    centres = (edges[1:] + edges[:-1]) / 2
    for network in networks:
        colour, nodes = _FOLLOWUP_COLOURS[network["group"]], network["train"]
        histogram, eigen = nodes.get("r_histogram"), nodes.get("eigenvalues")
        if histogram is not None and histogram.sum():
            axes[0].plot(centres, histogram / histogram.sum(), color=colour, alpha=0.7, lw=1, label=network["group"])
        if eigen is not None and len(eigen):
            axes[1].plot(np.arange(1, len(eigen) + 1) / len(eigen), eigen / eigen.sum(), color=colour, alpha=0.7,
                         lw=1, label=network["group"])
    for ax in axes:
        _group_legend(ax)
    axes[0].set(xlabel="pairwise correlation r", ylabel="share of pairs", xlim=(-0.6, 1))
    axes[1].set(xlabel="eigenvalue rank / number of nodes", ylabel="share of variance", yscale="log")
    fig.tight_layout()
    return fig


def weights_vs_rate(networks):
    """Every node: its incoming L2 norm (left) and the Gaussian prediction of its rate (right) against its rate.

    Parameters
    ----------
    networks : list of dict
        :func:`spikelib.report.followup.network_nodes`; ``network`` holds ``weights_in_l2`` and ``gaussian_rate``.
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    for network in networks:
        rates, extra, colour = network["train"]["firing_rate"], network["network"], _FOLLOWUP_COLOURS[network["group"]]
        for ax, key in zip(axes, ("weights_in_l2", "gaussian_rate")):
            if key in extra:
                ax.scatter(rates, extra[key], s=4, color=colour, alpha=0.4, label=network["group"])
    axes[1].plot([0, 1], [0, 1], color="0.3", lw=0.8, ls="--")
    for ax in axes:
        _group_legend(ax, markerscale=3)
    axes[0].set(xlabel="activation probability", ylabel="L2 norm of incoming weights")
    axes[1].set(xlabel="activation probability (observed)", ylabel=r"$\Phi(\mu/\sigma)$ (Gaussian prediction)")
    fig.tight_layout()
    return fig


def population_model(sweep, fitted):
    """The population model: its indicators as the fraction of memorizing nodes grows (left), and what it
    predicts with each memorizing network's fitted fraction against the observed values (right).

    Parameters
    ----------
    sweep, fitted : pandas.DataFrame
        :func:`spikelib.report.population.simulate_fractions` and :func:`~spikelib.report.population.fit_fractions`.
    """
    names = {"mfr": "MFR", "cv_fr": "CV of FR", "mf": "MF", "cv_mf": "CV of MF", "mean_r": "mean r"}
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    for (correlation, rows), style in zip(sweep.groupby("correlation"), ("-", "--")):
        for column, colour in (("mfr", "C0"), ("cv_fr", "C1"), ("mf", "C2"), ("mean_r", "C3")):
            axes[0].plot(rows["fraction"], rows[column], ls=style, color=colour,
                         label=names[column] + (f" (latent correlation {correlation:g})" if correlation else ""))
    axes[0].set(xlabel="fraction of memorizing nodes f", ylabel="predicted indicator")
    axes[0].legend(frameon=False, fontsize=7)
    if len(fitted):
        for column, colour in (("mfr", "C0"), ("cv_fr", "C1"), ("mf", "C2"), ("cv_mf", "C4")):
            axes[1].scatter(fitted[column], fitted[f"{column}_predicted"], color=colour, s=18, label=names[column])
        top = float(np.nanmax(fitted[[c for c in fitted if c.endswith("_predicted")]].to_numpy()))
        axes[1].plot([0, top], [0, top], color="0.4", lw=0.8, ls="--")
        axes[1].legend(frameon=False, fontsize=8)
    axes[1].set(xlabel="observed", ylabel="predicted by the model with the fitted f")
    fig.tight_layout()
    return fig


def training_history(phases):
    """One cell's training: accuracy per epoch (left) and the probe's MFR and MF (right), phase after phase.

    Parameters
    ----------
    phases : list of dict
        ``training.json``'s ``phases`` (each with ``name``, ``history`` and ``traces``).
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    offset = 0
    for phase in phases:
        history, traces = phase["history"], phase["traces"]
        epochs = np.array(history["epoch"]) + offset
        axes[0].plot(epochs, history["accuracy"], label=f"training, {phase['name']}")
        axes[0].plot(epochs, history["val_accuracy"], ls="--", label=f"validation, {phase['name']}")
        for key, name in (("mfr", "MFR"), ("mf", "MF")):
            axes[1].plot(np.array(traces["epoch"]) + offset, traces[key], marker=".", label=f"{name}, {phase['name']}")
        offset = epochs[-1] if len(epochs) else offset
    axes[0].set(xlabel="epoch", ylabel="accuracy (on the labels trained with)")
    axes[1].set(xlabel="epoch", ylabel="indicator on the training probe")
    for ax in axes:
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def rates_and_fano(rates, fanos, window):
    """Each node's firing rate (histogram, left) and Fano factor against it (right), per split, beside the
    binary expectation F = 1 - p.

    Parameters
    ----------
    rates, fanos : dict of str to numpy.ndarray
        Per split (``train``, ``test``); a split without Fano factors (too short a recording) is left out on the right.
    window : int
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.5))
    bins = np.linspace(0, 1, 26)
    for (split, rate), colour in zip(rates.items(), ("C0", "C1")):
        axes[0].hist(rate, bins=bins, alpha=0.6, color=colour, label=split)
        if fanos.get(split) is not None:
            axes[1].scatter(rate, fanos[split], s=8, color=colour, label=split)
    axes[0].set(xlabel="firing rate", ylabel="nodes")
    axes[0].legend(frameon=False)
    axes[1].plot([0, 1], [1, 0], color="0.3", lw=1, label="$1 - p$")
    axes[1].set(xlabel="firing rate", ylabel=f"Fano factor (window {window})")
    axes[1].legend(frameon=False)
    fig.tight_layout()
    return fig


def raster_excerpt(raster, xlabel="test sample (shuffled order)"):
    """A raster as an image, nodes sorted from the most to the least active."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3))
    ax.imshow(raster[np.argsort(-raster.mean(axis=1))], aspect="auto", cmap="Greys", interpolation="nearest")
    ax.set(xlabel=xlabel, ylabel="node")
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
    ax.plot(np.arange(1, len(values) + 1), values, marker=".", color="C0", label="MFR on the probe, end of each epoch")
    ax.axvline(run["switch_epoch"] + 0.5, color="0.3", ls="--", lw=1, label="labels shuffled")
    if np.isfinite(run["alarm_epoch"]):
        ax.axvline(run["alarm_epoch"], color="C3", lw=1.5, label=f"alarm (epoch {run['alarm_epoch']:.0f})")
    ax.set(xlabel="epoch", ylabel="MFR")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
