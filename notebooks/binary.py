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
import numpy as np
from IPython.display import HTML, display
from myst_nb import glue

from spikelib import paths
from spikelib.report import followup, plots, results
from spikelib.report.labels import network_name
from spikelib.report.render import caption, html_table, provenance, show, show_figure

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
provenance(root, "binary")
cells = results.collect(root, designs=results.DESIGNS)
train = cells[cells["split"] == "train"].copy()
train["group"] = [followup.group(c, n) for c, n in zip(train["condition"], train["label_noise"])]
# The condition has its own column; the name tells apart the seeds and settings within it.
train["network"] = [network_name(row, condition=False) for _, row in train.iterrows()]
twins = train.duplicated(["network", "condition", "label_noise"], keep=False)  # one setting in two designs
train.loc[twins, "network"] += " (" + train.loc[twins, "design"].astype(str) + " design)"


# %% tags=["remove-input"]
nodes = followup.per_node(root)
nodes = nodes[nodes["firing_rate"] > 0]
show(f"{results.small_profile_note(root)}\n\n**Answer.** {followup.binary_answer(nodes, train)}")

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
# {py:func}`~spikelib.bernoulli.dispersion_test`), the excess Fano factor
# $F - (1 - \lambda)$, geometric against exponential intervals, and what
# happens when the same recording is read in class-sorted order.


# %% [markdown]
# ## The Bernoulli identity, node by node

# %% tags=["hide-input"]
show_figure(plots.binary_fano(nodes))
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
# two-sided dispersion test finds over- and under-dispersed at α = 0.05
# (about 2.5 % each under the null: the test's size was checked by
# simulation), the mean
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
# the binomial law, and the Fano factor follows the order as much as the
# network.

# %% tags=["hide-input"]
order = train[["network", "condition", "label_noise", "mf", "mf_class_sorted", "dispersion_ratio_mean",
               "dispersion_ratio_class_sorted", "share_overdispersed", "share_overdispersed_class_sorted"]]
order = order.reset_index(drop=True)
order.to_csv(csv_dir / "order.csv", index=False)
display(HTML(html_table(order.rename(columns={"mf": "MF (shuffled)", "mf_class_sorted": "MF (class-sorted)"}),
                        digits=3, max_columns=2)))  # one table per statistic: shuffled beside class-sorted
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
benchmark_root = paths.results_dir() / benchmark_profile if benchmark_profile else None
source, sentence = followup.beyond_rate_networks(train, benchmark_root)
if source is not train:
    provenance(benchmark_root, "binary")  # this table's networks are that profile's
table = followup.beyond_rate(source, [(c, name) for c, name in followup.BEYOND_RATE_STATISTICS if c in source])
table.to_csv(csv_dir / "beyond_rate.csv", index=False)
answer = followup.beyond_rate_sentence(table)
glue(f"{profile}_beyond_answer", answer, display=False)
show(sentence + " " + answer)  # the result first, then its table
display(HTML(html_table(table, digits=3)))
if len(table):
    glue(f"{profile}_beyond_best", table.iloc[0]["statistic"], display=False)
    glue(f"{profile}_beyond_best_value", float(table.iloc[0]["beyond_rate"]), display=False)
    mf = table[table["statistic"] == "MF"]
    if len(mf):
        glue(f"{profile}_beyond_mf_r2", float(mf.iloc[0]["r2_with_rate"]), display=False)
