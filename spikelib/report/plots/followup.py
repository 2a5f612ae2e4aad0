"""The follow-up's figures.

Functions
---------
penalty_sweep
    Training accuracy and the follow-up's statistics against the L1/L2 penalty.
depth_view
    The indicators of every hidden layer of the deeper networks, per condition.
activation_ecdfs, correlation_spectra, weights_vs_rate, population_model
    Activation probabilities, correlations, weights, the population model.
binary_fano
    Every node's Fano factor against its activation probability, with the Bernoulli value 1 − λ.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..labels import CONDITION_LABELS
from ..render import format_kind
from ..labels import label as column_label
from .style import (
    FOLLOWUP_COLOURS,
    INDICATORS,
    MARKERS,
    PAGE_WIDTH,
    axis_label,
    drawn,
    grid,
    group_legend,
    in_percent,
    legend_outside,
    style,
)

__all__ = ["penalty_sweep", "depth_view", "activation_ecdfs", "correlation_spectra", "weights_vs_rate", "population_model",
           "binary_fano"]


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
    fig, axes = grid(len(columns), height_per_row=2.6)
    conditions = {c: style("condition", c)["color"] for c in ("generalizing", "mem_random_last")}
    # A line joins one network's penalised runs to its own unpenalised run, never to another architecture's.
    penalised = sorted(table.loc[table["kind"] != "none", "network"].unique())
    markers = dict(zip(penalised, MARKERS))
    for ax, (column, label) in zip(axes, columns):
        for network in penalised:
            for condition, colour in conditions.items():
                rows = table[(table["condition"] == condition) & (table["network"] == network)]
                none = rows[rows["kind"] == "none"]
                for kind, dashes in (("L1", "-"), ("L2", "--")):
                    line = pd.concat([none, rows[rows["kind"] == kind]]).sort_values("strength")
                    if len(line) < 2:
                        continue
                    x = np.where(line["strength"] > 0, line["strength"], zero)
                    name = f"{CONDITION_LABELS.get(condition, condition)}, {kind}"
                    ax.plot(x, drawn(line, column)[0], ls=dashes, marker=markers[network], ms=3, color=colour,
                            label=f"{network} {name}" if len(penalised) > 1 else name)
        ax.set_xscale("log")
        ticks = [zero, *sorted(strengths.unique())]
        ax.set_xticks(ticks, ["0", *[format_kind(t, "level") for t in ticks[1:]]])
        ax.minorticks_off()
        ax.set(xlabel="penalty strength", ylabel=drawn(table, column, label)[1])
    legend_outside(fig, axes[0])
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
    deep = in_percent(layers[layers.groupby(["model", "width", "seed"])["position"].transform("max") > 0])
    networks = list(deep.groupby(["model", "width", "seed"], sort=True))
    fig, axes = plt.subplots(len(networks), len(indicators), squeeze=False,
                             figsize=(PAGE_WIDTH, 2.8 * len(networks)))
    for row, ((model, width, seed), rows) in zip(axes, networks):
        names = rows.drop_duplicates("position").sort_values("position")
        for ax, (column, label) in zip(row, indicators):
            for condition, line in rows.groupby("condition", observed=True, sort=True):
                line = line.sort_values("position")
                ax.plot(line["position"], line[column], **style("condition", condition),
                        label=CONDITION_LABELS[condition])
            ax.set_xticks(names["position"], [f"{n}\n({k:,} nodes)" for n, k in zip(names["layer"], names["n_nodes"])])
            ax.set(ylabel=label, title=f"{model}-{width}" + (f", seed {seed}" if deep["seed"].nunique() > 1 else ""))
    legend_outside(fig, axes[0][0])
    return fig


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
                color=FOLLOWUP_COLOURS[network["group"]], alpha=0.8, lw=1, label=network["group"])
    for ax, model in zip(axes, panels):
        group_legend(ax)
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
        colour, nodes = FOLLOWUP_COLOURS[network["group"]], network["train"]
        histogram, eigen = nodes.get("r_histogram"), nodes.get("eigenvalues")
        if histogram is not None and histogram.sum():
            axes[0].plot(centres, histogram / histogram.sum(), color=colour, alpha=0.7, lw=1, label=network["group"])
        if eigen is not None and len(eigen):
            axes[1].plot(np.arange(1, len(eigen) + 1) / len(eigen), eigen / eigen.sum(), color=colour, alpha=0.7,
                         lw=1, label=network["group"])
    for ax in axes:
        group_legend(ax)
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
        rates, extra, colour = network["train"]["firing_rate"], network["network"], FOLLOWUP_COLOURS[network["group"]]
        for ax, key in zip(axes, ("weights_in_l2", "gaussian_rate")):
            if key in extra:
                ax.scatter(rates, extra[key], s=4, color=colour, alpha=0.4, label=network["group"])
    axes[1].plot([0, 1], [0, 1], color="0.3", lw=0.8, ls="--")
    for ax in axes:
        group_legend(ax, markerscale=3)
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
    for (correlation, rows), dashes in zip(sweep.groupby("correlation"), ("-", "--")):
        for column in ("mfr", "cv_fr", "mf", "mean_r"):
            look = style("indicator", column)
            # the indicator's marker on its line too, so that one legend entry names it in both panels
            axes[0].plot(rows["fraction"], rows[column], ls=dashes, color=look["color"], marker=look["marker"],
                         ms=4, markevery=0.2,
                         label=names[column] + (f" (latent correlation {correlation:g})" if correlation else ""))
    axes[0].set(xlabel="fraction of memorizing nodes f", ylabel="predicted indicator")
    if len(fitted):
        for column in ("mfr", "cv_fr", "mf", "cv_mf"):
            axes[1].scatter(fitted[column], fitted[f"{column}_predicted"], s=18, label=names[column],
                            **style("indicator", column))
        top = float(np.nanmax(fitted[[c for c in fitted if c.endswith("_predicted")]].to_numpy()))
        axes[1].plot([0, top], [0, top], color="0.4", lw=0.8, ls="--")
    axes[1].set(xlabel="observed", ylabel=axis_label("predicted by the model with the fitted f", 24))
    # one legend for both panels: the colour is the indicator in either, the line style the latent correlation
    handles, names_ = axes[0].get_legend_handles_labels()
    more, more_names = axes[1].get_legend_handles_labels()
    for handle, name in zip(more, more_names):
        if name not in names_:
            handles.append(handle)
            names_.append(name)
    fig.legend(handles, names_, loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.06 * -(-len(names_) // 3) + 0.02, 1, 1))
    return fig


def binary_fano(nodes, per_group=4000):
    """Left: each firing node's Fano factor against its activation probability λ, with 1 − λ (Bernoulli) and 1
    (Poisson); right: the excess Fano factor F − (1 − λ). Up to ``per_group`` nodes drawn per group (seeded)."""
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.6))
    for name, rows in nodes.groupby("group"):
        sample = rows.sample(min(len(rows), per_group), random_state=0)
        colour = style("labels", name)["color"]
        axes[0].scatter(sample["firing_rate"], sample["fano"], s=3, alpha=0.3, color=colour, label=name)
        axes[1].scatter(sample["firing_rate"], sample["excess_fano"], s=3, alpha=0.3, color=colour, label=name)
    axes[0].plot([0, 1], [1, 0], color="0.2", lw=1, ls="--", label=r"$1 - \lambda$")
    axes[0].axhline(1, color=style("reference", "Poisson")["color"], lw=0.8, ls=":", label="Poisson: 1")
    axes[1].axhline(0, color="0.2", lw=1, ls="--")
    axes[0].set(xlabel=r"activation probability $\lambda$", ylabel="Fano factor (window of the profile)")
    axes[1].set(xlabel=r"activation probability $\lambda$", ylabel=r"excess Fano $F - (1 - \lambda)$")
    for ax in axes:
        ax.legend(frameon=False, fontsize=8, markerscale=4)
    fig.tight_layout()
    return fig
