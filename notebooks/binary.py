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
# # What a binary spike train is

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None
benchmark_profile = None
tables_dir = None

# %% tags=["remove-cell"]
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from myst_nb import glue

from spikelib import paths
from spikelib.report import followup, plots, results
from spikelib.report.networks import network_table
from spikelib.report.plots.style import style
from spikelib.report.render import caption, html_table, show, provenance

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
provenance(root, "binary")
cells = results.collect(root, designs=results.DESIGNS)
train = cells[cells["split"] == "train"].copy()
train["group"] = [followup.group(c, n) for c, n in zip(train["condition"], train["label_noise"])]
train["network"] = train["model"] + "-" + train["width"].astype(str)


# %% tags=["remove-input"]
nodes = followup.per_node(root)
nodes = nodes[nodes["firing_rate"] > 0]
show(f"**Answer.** {followup.binary_answer(nodes, train)}\n\n{results.small_profile_note(root)}")

# %% [markdown]
# A node's train has one entry per sample: it fires or it does not. If it
# fires independently with probability $\lambda$, its count in a window of
# $W$ samples is Binomial$(W, \lambda)$, so its Fano factor is
#
# $$ F = \frac{W\lambda(1-\lambda)}{W\lambda} = 1 - \lambda , $$
#
# its intervals are geometric, and the Poisson model's test of $F = 1$
# mostly re-measures the rate. This page shows the identity node by node,
# then what is left beyond $\lambda$: whether the counts are more or less
# variable than the binomial law (the dispersion test,
# `spikelib.bernoulli.dispersion_test`), the excess Fano factor
# $F - (1 - \lambda)$, geometric against exponential intervals, and what
# happens when the same recording is read in class-sorted order.


# %% [markdown]
# ## The Bernoulli identity, node by node

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(plots.PAGE_WIDTH, 3.6))
colours = {name: style("labels", name)["color"] for name in ("generalizing", "memorizing", "random", "noisy")}
for name, rows in nodes.groupby("group"):
    sample = rows.sample(min(len(rows), 4000), random_state=0)
    axes[0].scatter(sample["firing_rate"], sample["fano"], s=3, alpha=0.3, color=colours[name], label=name)
    axes[1].scatter(sample["firing_rate"], sample["excess_fano"], s=3, alpha=0.3, color=colours[name], label=name)
axes[0].plot([0, 1], [1, 0], color="0.2", lw=1, ls="--", label=r"$1 - \lambda$")
axes[0].axhline(1, color=style("reference", "Poisson")["color"], lw=0.8, ls=":", label="Poisson: 1")
axes[1].axhline(0, color="0.2", lw=1, ls="--")
axes[0].set(xlabel=r"activation probability $\lambda$", ylabel="Fano factor (window of the profile)")
axes[1].set(xlabel=r"activation probability $\lambda$", ylabel=r"excess Fano $F - (1 - \lambda)$")
for ax in axes:
    ax.legend(frameon=False, fontsize=8, markerscale=4)
fig.tight_layout()
plt.show()
plt.close(fig)
deviation = float(np.median(np.abs(nodes["fano"] - (1 - nodes["firing_rate"]))))
glue(f"{profile}_node_fano_deviation", deviation, display=False)
glue(f"{profile}_n_nodes_total", len(nodes), display=False)
caption("B1", f"Left: the windowed Fano factor of every firing node of every network of this profile "
              f"({len(nodes):,} nodes; up to 4,000 drawn per group) against its activation probability, with the "
              f"Bernoulli value 1 − λ; the median distance to it is {deviation:.3f}. Right: what is left, "
              "the excess Fano factor.")

# %% [markdown]
# ## Dispersion beyond the binomial law
#
# Per network: the mean ratio of the window counts' variance to the binomial
# $W\lambda(1-\lambda)$ (1 for independent trains), the share of nodes the
# dispersion test finds over- or under-dispersed at α = 0.05 (about 5 %
# under the null: the test's size was checked by simulation), the mean
# excess Fano factor, and the share of nodes whose intervals are closer to the
# geometric than to the exponential law.

# %% tags=["hide-input"]
columns = ["network", "condition", "label_noise", "mfr", "dispersion_ratio_mean", "share_overdispersed",
           "share_underdispersed", "excess_fano_mean", "share_geometric_isi"]
dispersion = train[columns].reset_index(drop=True)
dispersion.to_csv(csv_dir / "dispersion.csv", index=False)
display(HTML(html_table(dispersion, digits=3)))
glue(f"{profile}_share_geometric_min", float(train["share_geometric_isi"].min()), display=False)
glue(f"{profile}_overdispersed_median", float(train["share_overdispersed"].median()), display=False)

# %% [markdown]
# ## Order sensitivity
#
# The recordings present the samples in a seeded random order, as the paper
# does. The same recording with its samples sorted by class puts the samples
# a node prefers together: its counts vary from window to window far beyond
# the binomial law, and the Fano factor follows the order, not the network.

# %% tags=["hide-input"]
order = train[["network", "condition", "label_noise", "mf", "mf_class_sorted", "dispersion_ratio_mean",
               "dispersion_ratio_class_sorted", "share_overdispersed", "share_overdispersed_class_sorted"]]
order = order.reset_index(drop=True)
order.to_csv(csv_dir / "order.csv", index=False)
display(HTML(html_table(order.rename(columns={"mf": "MF (shuffled)", "mf_class_sorted": "MF (class-sorted)"}),
                        digits=3)))
glue(f"{profile}_mf_sorted_ratio", float((train["mf_class_sorted"] / train["mf"]).median()), display=False)

# %% [markdown]
# ## Which statistics carry information beyond the rate?
#
# For each statistic, a straight line in the mean firing rate (across the
# networks) takes out what the rate explains; the remainder's separation of
# memorizing from generalizing networks (max of AUROC and 1 − AUROC) is what
# the statistic adds. A statistic that only re-measures the rate has a
# remainder that separates no better than chance (0.5). With few networks,
# separations above 0.5 happen by chance too: read them against the number of
# networks.

# %% tags=["hide-input"]
if benchmark_profile and paths.has_cells(paths.results_dir() / benchmark_profile):
    source = network_table(paths.results_dir() / benchmark_profile)
    source["group"] = [followup.group(c, n) for c, n in zip(source["condition"], source["label_noise"])]
    where = f"the {len(source)} networks of the {benchmark_profile} profile"
    provenance(paths.results_dir() / benchmark_profile, "binary")  # this table's networks are that profile's
else:
    source = train
    where = f"the {len(train)} networks of this profile"
statistics = [("cv_fr", "CV of FR"), ("mf", "MF"), ("cv_mf", "CV of MF"), ("excess_fano_mean", "excess Fano"),
              ("dispersion_ratio_mean", "dispersion ratio"), ("share_rare_5", "share of rare nodes"),
              ("mean_abs_r", "mean |r|"), ("participation_ratio", "participation ratio"),
              ("mean_positive_activation", "mean positive activation")]
table = followup.beyond_rate(source[source["group"].isin(["generalizing", "memorizing"])],
                             [(c, label) for c, label in statistics if c in source])
table.to_csv(csv_dir / "beyond_rate.csv", index=False)
kept = source["group"].isin(["generalizing", "memorizing"])
show(f"On {where}, the {int(kept.sum())} trained on clean labels (generalizing) or on shuffled labels or label "
     f"noise of at least 0.6 (memorizing); the {int((~kept).sum())} on a little label noise or untrained are left "
     "out (n below counts the networks a statistic could be computed on).")
display(HTML(html_table(table, digits=3)))
if len(table):
    glue(f"{profile}_beyond_best", table.iloc[0]["statistic"], display=False)
    glue(f"{profile}_beyond_best_value", float(table.iloc[0]["beyond_rate"]), display=False)
    mf = table[table["statistic"] == "MF"]
    if len(mf):
        glue(f"{profile}_beyond_mf_r2", float(mf.iloc[0]["r2_with_rate"]), display=False)
