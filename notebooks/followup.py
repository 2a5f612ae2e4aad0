# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The follow-up: activation probability, correlation and weights
#
# The follow-up paper (Lehmler et al. 2026) proposes the activation
# probability of a ReLU node, the share of samples on which it is active,
# as the indicator of memorization, reads memorization as learning "rare"
# features, adds the correlation structure within a layer, and links
# memorizing nodes to the distributions of weight matrices and to L1/L2
# regularisation. This page computes each of these on the profile's
# networks, all from the training recordings; `spikelib` computes them in
# every cell (`spikelib.activation`, `spikelib.correlation`,
# `spikelib.weights`).

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None
penalties_profile = None
tables_dir = None

# %% tags=["remove-cell"]
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from spikelib import paths
from spikelib.cellfiles import read_metrics, read_nodes
from spikelib.correlation import HISTOGRAM_EDGES
from spikelib.report import followup, plots, results
from spikelib.report.render import caption, html_table

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
cells = results.collect(root, designs=("paper", "penalty"))  # noise sweeps are for the benchmark
train = cells[cells["split"] == "train"].copy()
train["group"] = [followup.group(c) for c in train["condition"]]
train["network"] = train["model"] + "-" + train["width"].astype(str)
plain = train[train["design"] == "paper"]
colours = {"generalizing": plots.GROUP_COLOURS["generalizing"], "memorizing": plots.GROUP_COLOURS["memorizing"],
           "random": "0.5"}


# %% [markdown]
# ## Activation probability
#
# Each node's activation probability $\lambda$ on the training set, and its
# distribution over the nodes of a layer: ECDFs per network, coloured by
# group.

# %% tags=["hide-input"]
panels = ["MLP"] + (["other models"] if (plain["model"] != "MLP").any() else [])  # no empty panel
fig, axes = plt.subplots(1, len(panels), figsize=(plots.PAGE_WIDTH * len(panels) / 2, 3.4), squeeze=False)
axes = axes[0]
for row in plain.itertuples():
    rates = np.sort(read_nodes(row.directory)["train"]["firing_rate"])
    ax = axes[0] if row.model == "MLP" else axes[1]
    ax.step(rates, np.arange(1, len(rates) + 1) / len(rates), where="post", color=colours[row.group],
            alpha=0.8, lw=1, label=row.group)
for ax, model in zip(axes, panels):
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), frameon=False, fontsize=8)
    ax.axvline(0.05, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="activation probability", ylabel="share of nodes", title=model, xlim=(0, 1))
fig.tight_layout()
plt.show()
plt.close(fig)
caption("F1", f"Empirical distribution of the activation probability over the nodes of every network of this "
              f"profile ({len(plain)} networks; dotted: 0.05, below which a node counts as rare).")

columns = ["network", "condition", "lambda_q05", "lambda_q50", "lambda_q95", "share_rare_5", "share_rare_1",
           "share_silent", "share_always_on", "beta_a", "beta_b", "beta_ks", "mean_positive_activation"]
activation = plain[columns].reset_index(drop=True)
activation.to_csv(csv_dir / "activation.csv", index=False)
display(HTML(html_table(activation, digits=3)))

# %% [markdown]
# The Beta law is fitted to the nodes with $0 < \lambda < 1$; `beta_ks` is the
# Kolmogorov-Smirnov distance between their rates and the fitted law
# (descriptive: with fitted parameters the usual KS p-value does not apply).
# `mean_positive_activation` is the mean activation over the samples on
# which a node is active, averaged over the nodes.
#
# ## Intra-layer correlation
#
# Pearson correlations of every pair of nodes' binary trains (one matrix
# product), their distribution, the share significantly different from 0
# after Bonferroni correction over all pairs, and the eigen-spectrum of the
# correlation matrix, summarised by its participation ratio (effective
# dimension: 1 when one direction holds all the variance, the number of nodes
# when they are independent).

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(plots.PAGE_WIDTH, 3.4))
centres = (HISTOGRAM_EDGES[1:] + HISTOGRAM_EDGES[:-1]) / 2
for row in plain.itertuples():
    nodes = read_nodes(row.directory)["train"]
    histogram = nodes.get("r_histogram")
    if histogram is not None and histogram.sum():
        axes[0].plot(centres, histogram / histogram.sum(), color=colours[row.group], alpha=0.7, lw=1, label=row.group)
    eigen = nodes.get("eigenvalues")
    if eigen is not None and len(eigen):
        axes[1].plot(np.arange(1, len(eigen) + 1) / len(eigen), eigen / eigen.sum(), color=colours[row.group],
                     alpha=0.7, lw=1, label=row.group)
for ax in axes:
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), frameon=False, fontsize=8)
axes[0].set(xlabel="pairwise correlation r", ylabel="share of pairs", xlim=(-0.6, 1))
axes[1].set(xlabel="eigenvalue rank / number of nodes", ylabel="share of variance", yscale="log")
fig.tight_layout()
plt.show()
plt.close(fig)
caption("F2", "Left: the distribution of the pairwise correlations of every network's nodes. Right: the "
              "eigen-spectrum of each correlation matrix (share of the total variance per eigenvalue).")
columns = ["network", "condition", "mean_r", "mean_abs_r", "r_q05", "r_q50", "r_q95", "share_significant",
           "participation_ratio", "n_varying"]
correlation = plain[columns].reset_index(drop=True)
correlation.to_csv(csv_dir / "correlation.csv", index=False)
display(HTML(html_table(correlation, digits=3)))

# %% [markdown]
# ## Weights of the observed layer
#
# The distribution of the incoming weights (moments, excess kurtosis; a
# uniform initialisation has -1.2), each node's L1 and L2 norms of its
# incoming and outgoing weights, and their rank correlation with $\lambda$.
#
# **The follow-up's weight claim, derived and checked.** A node's
# pre-activation $z = w \cdot h + b$ is a sum of many terms; if it is
# Gaussian with mean $\mu$ and standard deviation $\sigma$ over the data, the
# node fires with probability $\lambda = \Phi(\mu/\sigma)$, and a rare node
# ($\lambda < 0.05$) needs $\mu/\sigma < -1.64$: a bias that is negative
# relative to the spread the incoming weights produce. Memorizing nodes
# therefore need not have larger or smaller weight norms; they need a
# particular *ratio* of bias to weight norm. The table checks the derivation
# on every network (`gaussian_rate_mae`: mean absolute difference between
# $\Phi(\mu/\sigma)$ and the observed rate) and shows how the norms go with
# $\lambda$.

# %% tags=["hide-input"]
weights = []
for row in plain.itertuples():
    values = read_metrics(row.directory).get("weights", {})
    if values:
        weights.append({"network": row.network, "condition": row.condition, **{k: values.get(k) for k in (
            "weights_in_std", "weights_in_kurtosis", "in_l2_mean", "out_l2_mean", "rho_in_l2_rate", "rho_out_l2_rate",
            "rho_bias_rate", "gaussian_rate_mae")}})
weights = pd.DataFrame(weights)
if len(weights):
    weights.to_csv(csv_dir / "weights.csv", index=False)
    display(HTML(html_table(weights, digits=3)))
    glue(f"{profile}_gaussian_mae_max", float(weights["gaussian_rate_mae"].max()), display=False)
    fig, axes = plt.subplots(1, 2, figsize=(plots.PAGE_WIDTH, 3.4))
    for row in plain.itertuples():
        nodes = read_nodes(row.directory)
        rates, extra = nodes["train"]["firing_rate"], nodes["network"]
        if "weights_in_l2" in extra:
            axes[0].scatter(rates, extra["weights_in_l2"], s=4, color=colours[row.group], alpha=0.4, label=row.group)
        if "gaussian_rate" in extra:
            axes[1].scatter(rates, extra["gaussian_rate"], s=4, color=colours[row.group], alpha=0.4, label=row.group)
    axes[1].plot([0, 1], [0, 1], color="0.3", lw=0.8, ls="--")
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        ax.legend(unique.values(), unique.keys(), frameon=False, fontsize=8, markerscale=3)
    axes[0].set(xlabel="activation probability", ylabel="L2 norm of incoming weights")
    axes[1].set(xlabel="activation probability (observed)", ylabel=r"$\Phi(\mu/\sigma)$ (Gaussian prediction)")
    fig.tight_layout()
    plt.show()
    plt.close(fig)
    caption("F3", "Every node of every network: left, the L2 norm of its incoming weights against its activation "
                  "probability; right, the rate a Gaussian pre-activation predicts against the observed one.")
else:
    display(Markdown("No network of this profile has a dense observed layer with recorded weights."))

# %% [markdown]
# ## L1 and L2 penalties
#
# The follow-up finds "a connection between L1/L2-norm regularization of
# weight matrices" and memorization. Here networks were trained with a
# penalty on the observed layer's incoming weights, generalizing (true
# labels) and memorizing (shuffled labels from random weights, a fixed
# budget): how far each learned its labels, and what the penalty did to the
# activation probabilities and the correlation.

# %% tags=["hide-input"]
source = paths.results_dir() / penalties_profile if penalties_profile else root
penalties = followup.penalty_table(source) if (source / "cells").is_dir() else pd.DataFrame()
penalised = penalties[penalties["kind"] != "none"] if len(penalties) else penalties
if len(penalised):
    penalties.to_csv(csv_dir / "penalties.csv", index=False)
    display(Markdown(f"From the `{source.name}` profile."))
    if penalties_profile:  # a profile of its own: all its cells are the sweep's
        glue(f"{profile}_penalty_minutes", results.computing_seconds(source) / 60, display=False)
    display(HTML(html_table(penalties.drop(columns=["strength", "kind"]), digits=3)))
    memorizing = penalties[penalties["condition"] == "mem_random_last"]
    strongest = memorizing.sort_values("strength").groupby("kind").tail(1).set_index("kind")
    none = memorizing[memorizing["kind"] == "none"]
    if len(none) and len(strongest):
        base = float(none["train_accuracy"].iloc[0])
        glue(f"{profile}_penalty_none_accuracy", base, display=False)
        for kind in ("L1", "L2"):
            if kind in strongest.index:
                glue(f"{profile}_penalty_{kind}_accuracy", float(strongest.loc[kind, "train_accuracy"]), display=False)
                glue(f"{profile}_penalty_{kind}_rare", float(strongest.loc[kind, "share_rare_5"]), display=False)
    penalty_effect = followup.penalty_summary(penalties)
    # Does a penalty make a generalizing network look "rarer" than an unpenalised memorizing one?
    general = penalties[(penalties["condition"] == "generalizing") & (penalties["kind"] != "none")]
    free = penalties[(penalties["condition"] == "mem_random_last") & (penalties["kind"] == "none")]
    if len(general) and len(free):
        rarest = general.loc[general["share_rare_5"].idxmax()]
        if rarest["share_rare_5"] > free["share_rare_5"].iloc[0]:
            penalty_effect += (f" Under {rarest['penalty']} the generalizing {rarest['network']} has "
                               f"{100 * rarest['share_rare_5']:.0f} % rare nodes, more than the "
                               f"{100 * free['share_rare_5'].iloc[0]:.0f} % of the unpenalised memorizing one: a "
                               "high share of rare nodes is not by itself a sign of memorization.")
    glue(f"{profile}_penalty_summary", penalty_effect, display=False)
    display(Markdown(penalty_effect))
    fig = plots.penalty_sweep(penalties)
    plt.show()
    caption("F4", f"The `{source.name}` profile's networks against the strength of the penalty on the observed "
            "layer's incoming weights (0: none; solid L1, dashed L2), generalizing and memorizing from random "
            "weights: how far each learned its labels, the share of rare nodes, the mean absolute pairwise "
            "correlation and the participation ratio of the correlation matrix (undefined, so not drawn, for a "
            "layer whose nodes are all silent).")
else:
    penalty_effect = ""
    glue(f"{profile}_penalty_summary", "no penalised network has been trained yet.", display=False)
    display(Markdown("This profile trained no penalised networks."))

# %% [markdown]
# ## A population model of memorizing nodes
#
# The follow-up derives "hypotheses about distributional properties over
# whole networks structures" from single memorizing neurons. Here as a
# simulation: a layer of independent Bernoulli nodes, of which a fraction
# $f$ are memorizing nodes firing rarely ($\lambda$ uniform below 0.05) and
# the rest draw their rate from a generalizing network's observed rates,
# optionally correlated through one shared latent factor (a Gaussian copula,
# `spikelib.simulate.population_raster`). Left: what the model predicts as
# $f$ grows. Right: $f$ fitted to each memorizing network (the
# Kolmogorov-Smirnov-closest mixture), and the indicators the model then
# predicts beside the observed ones.

# %% tags=["hide-input"]
generalizing = plain[(plain["condition"] == "generalizing")].sort_values("width")
if len(generalizing):
    base_row = generalizing.iloc[-1]
    base_rates = read_nodes(base_row.directory)["train"]["firing_rate"]
    sweep = followup.simulate_fractions(base_rates, len(base_rates), window=int(base_row.window))
    sweep.to_csv(csv_dir / "simulation.csv", index=False)
    fitted = followup.fit_fractions(root)
    fitted.to_csv(csv_dir / "fitted_fractions.csv", index=False)
    fig, axes = plt.subplots(1, 2, figsize=(plots.PAGE_WIDTH, 3.4))
    for (correlation, rows), style in zip(sweep.groupby("correlation"), ("-", "--")):
        for column, colour in (("mfr", "C0"), ("cv_fr", "C1"), ("mf", "C2"), ("mean_r", "C3")):
            axes[0].plot(rows["fraction"], rows[column], ls=style, color=colour,
                         label=f"{column}" + (f" (latent correlation {correlation:g})" if correlation else ""))
    axes[0].set(xlabel="fraction of memorizing nodes f", ylabel="predicted indicator")
    axes[0].legend(frameon=False, fontsize=7)
    if len(fitted):
        for column, colour in (("mfr", "C0"), ("cv_fr", "C1"), ("mf", "C2"), ("cv_mf", "C4")):
            axes[1].scatter(fitted[column], fitted[f"{column}_predicted"], color=colour, s=18, label=column)
        top = float(np.nanmax(fitted[[c for c in fitted if c.endswith("_predicted")]].to_numpy()))
        axes[1].plot([0, top], [0, top], color="0.4", lw=0.8, ls="--")
        axes[1].legend(frameon=False, fontsize=8)
    axes[1].set(xlabel="observed", ylabel="predicted by the model with the fitted f")
    fig.tight_layout()
    plt.show()
    plt.close(fig)
    caption("F5", f"Left: the population model's MFR, CV of FR, MF and mean pairwise correlation as the fraction of "
                  f"memorizing nodes grows, on the rates of the generalizing {base_row.network}. Right: for each "
                  "memorizing network, the indicators the model predicts with its fitted fraction against the "
                  "observed ones.")
    if len(fitted):
        display(HTML(html_table(fitted, digits=3)))
        glue(f"{profile}_fitted_fraction_range", f"{fitted['fraction'].min():.2f} to {fitted['fraction'].max():.2f}",
             display=False)

# %% [markdown]
# ## Every hidden layer
#
# The paper observes only the last hidden layer, and explains with H6 why
# MemRetrainAll networks can look less memorizing there: memorization in
# earlier layers would hide it from the observed one. Every cell also
# records the paper's indicators for each hidden ReLU layer, on its test
# set (`spikelib.experiment.analysis.layer_indicators`). A convolution's
# feature map is flattened: each channel at each position is one node. The
# MLPs have one hidden layer, so this is a view of the CNNs.

# %% tags=["hide-input"]
depth = results.layers(root)
changes = followup.depth_changes(depth) if len(depth) else depth
deep = changes[changes.groupby(["model", "width", "seed"])["position"].transform("max") > 0] if len(changes) else changes
depth_text = followup.depth_summary(changes) if len(changes) else "No cell of this profile recorded its layers."
glue(f"{profile}_depth_summary", depth_text, display=False)
display(Markdown(depth_text))
if len(deep):
    deep.to_csv(csv_dir / "depth.csv", index=False)
    shown = deep[["model", "width", "seed", "condition", "layer", "n_nodes", "mfr", "mfr_change", "cv_fr", "mf",
                  "share_rare_5"]]
    display(HTML(html_table(shown, digits=3)))
    fig = plots.depth_view(deep)
    plt.show()
    plt.close(fig)
    caption("F6", "The paper's indicators in every hidden layer of the deeper networks, from the first to the "
                  "observed one, on the test set. MemRetrainLast and MemRandomLast keep the earlier layers of the "
                  "generalizing and of the random network, so their first points coincide with those.")

# %% [markdown]
# ## How well the new statistics separate memorizing from generalizing networks
#
# The mean of each statistic over the generalizing, memorizing and random
# networks of this profile, with its range, and the AUROC of memorizing
# against generalizing networks (1 or 0: complete separation; 0.5: none).
# The detector benchmark scores them on many more networks, with intervals.

# %% tags=["hide-input"]
statistics = ["share_rare_5", "share_rare_1", "lambda_q50", "beta_a", "beta_b", "mean_positive_activation", "mean_r",
              "mean_abs_r", "share_significant", "participation_ratio", "excess_fano_mean", "dispersion_ratio_mean"]
separation = followup.condition_means(cells[cells["cell_id"].isin(plain["cell_id"])], statistics)
separation.to_csv(csv_dir / "separation.csv", index=False)
display(HTML(html_table(separation, digits=3)))

# %% [markdown]
# ## The follow-up's findings beside ours
#
# What its abstract states, and what this profile shows; its full text is not
# part of this compendium, so its exact procedure (which layers, which data,
# how correlation was tested) cannot be checked, and neither can claims the
# abstract only names ("a connection between L1/L2-norm regularization",
# "inferring distributional properties on affected parts of the networks").

# %% tags=["hide-input"]
rare = separation.set_index("statistic")
findings = [
    ("Activation frequency distinguishes generalizing from memorizing networks.",
     f"Share of rare nodes: {rare.loc['share_rare_5', 'generalizing mean']:.2f} (generalizing) vs "
     f"{rare.loc['share_rare_5', 'memorizing mean']:.2f} (memorizing), AUROC "
     f"{rare.loc['share_rare_5', 'AUROC memorizing vs generalizing']:.2f}."),
    ("The intra-layer correlation structure distinguishes them.",
     f"Mean |r|: {rare.loc['mean_abs_r', 'generalizing mean']:.3f} vs {rare.loc['mean_abs_r', 'memorizing mean']:.3f}, "
     f"AUROC {rare.loc['mean_abs_r', 'AUROC memorizing vs generalizing']:.2f}; participation ratio AUROC "
     f"{rare.loc['participation_ratio', 'AUROC memorizing vs generalizing']:.2f}."),
    ("Memorizing neurons change weight-matrix distributions (simulated in the follow-up).",
     "Derived here instead: rarity is set by the bias relative to the spread of the pre-activation, not by the "
     "weight norm alone; the Gaussian relation predicts the observed rates within "
     + (f"{weights['gaussian_rate_mae'].max():.3f}" if len(weights) else "(no dense layer)")
     + " (largest mean absolute error over the networks)."),
    ("A connection to L1/L2 regularisation.",
     penalty_effect or "This profile trained no penalised network."),
]
display(HTML(html_table(pd.DataFrame(findings, columns=["the follow-up (abstract)", "this profile"]))))
