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
# # Assumption checks
#
# The Poisson model assumes spikes that come one at a time (true by
# construction: a node fires or not on each sample), independently, and at a
# stationary rate. As in the paper's section 3.3.1, independence is probed with
# per-node Ljung-Box tests (10 lags) combined over the nodes of a network, and
# stationarity with the Augmented Dickey-Fuller test and change-point detection.
# All checks use the test-split recordings, in the shuffled order they were made.

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None

# %% tags=["remove-cell"]
import numpy as np
from IPython.display import HTML, display
from myst_nb import glue

import spikelib as sl
from spikelib import paths
from spikelib.report import results, tables
from spikelib.report.render import html_table, provenance, publish, show, signed

root, _ = paths.page_folders(profile, results_root)
provenance(root, "assumptions")
cells = results.collect(root)
table = tables.assumption_table(cells)

# %% tags=["remove-input"]
show(results.small_profile_note(root))  # a small profile says first what its numbers can carry


# %% [markdown]
# ## Independence: Ljung-Box, combined over nodes
#
# The paper combines the nodes' p-values "by Pearson's method". Pearson's
# statistic $-2\sum_i \ln(1 - p_i)$ is dominated by p-values near 1: a single
# node that fires once or twice has a Ljung-Box p-value of 1.0, which makes the
# statistic infinite and the combined p-value 1 whatever the other nodes show.
# Fisher's method, $-2 \sum_i \ln p_i$, is dominated by small p-values instead,
# and the share of nodes rejected one by one at α = 0.05 (about 5 % expected
# under independence) needs no combination at all. All three are shown.

# %% tags=["hide-input"]
columns = ["model", "width", "dataset", "condition", "ljung_box_pearson_p", "ljung_box_fisher_p",
           "ljung_box_rejected_fraction", "n_silent", "n_nodes"]
pearson_ok = float((table["ljung_box_pearson_p"] > 0.05).mean())
fisher_ok = float((table["ljung_box_fisher_p"] > 0.05).mean())
publish(profile, {"lb_pearson_share": f"{pearson_ok:.0%}", "lb_fisher_share": f"{fisher_ok:.0%}",
                  "lb_rejected_median": f"{table['ljung_box_rejected_fraction'].median():.1%}"})  # typeset there
show(  # the conclusion first, then the table it comes from
    f"Networks with no significant autocorrelation at α = 0.05: {pearson_ok:.0%} by Pearson's "
    f"combination, {fisher_ok:.0%} by Fisher's. Median share of nodes rejected individually: "
    f"{table['ljung_box_rejected_fraction'].median():.1%}.")
display(HTML(html_table(table[columns], digits=3, drop_single=("dataset",))))  # the page names its data set

# %% [markdown]
# ## Stationarity: unit root and change points
#
# ADF with a fixed lag order of 10 per node: a small p-value rejects a unit
# root. Change points: penalised least-squares segmentation of each node's
# counts in windows (see {py:func}`~spikelib.assumptions.change_points`). How often it flags a
# train that has no change point is measured first, on simulated stationary
# binary trains of 10,000 samples at three rates.

# %% tags=["hide-input"]
rng = np.random.default_rng(0)
false_alarms = {rate: np.mean([len(found) > 0 for found in sl.change_points(rng.random((300, 10_000)) < rate, 100)])
                for rate in (0.05, 0.3, 0.6)}
show("Stationary trains flagged (300 at each rate): "
                 + ", ".join(f"{share:.1%} at rate {rate:g}" for rate, share in false_alarms.items()) + ".")
columns = ["model", "width", "dataset", "condition", "adf_stationary_fraction", "adf_max_pvalue",
           "change_point_nodes", "n_nodes"]
lowest = table["adf_stationary_fraction"].min()
show("ADF rejects a unit root in " + ("every testable node of every network" if lowest == 1 else
                                      f"at least {lowest:.0%} of the testable nodes of every network")
     + " (a silent node has no test)"
     + f"; {table['change_point_nodes'].sum() / table['n_nodes'].sum():.1%} of all nodes have a change point, "
     f"against {max(false_alarms.values()):.1%} of the simulated stationary trains.")
display(HTML(html_table(table[columns], digits=3, drop_single=("dataset",))))
glue(f"{profile}_adf_min_share", float(table["adf_stationary_fraction"].min()), display=False)
glue(f"{profile}_change_point_share",
     float(table["change_point_nodes"].sum() / table["n_nodes"].sum()), display=False)

# %% [markdown]
# ## The Fano-factor test
#
# Nodes significantly below, compatible with, and above F = 1 (Eden & Kramer,
# window as in the profile). For binary trains the expected Fano factor is
# $1 - \lambda$, so "below 1" mostly measures how often a node fires.

# %% tags=["hide-input"]
columns = ["model", "width", "dataset", "condition", "mfr", "fano_below", "fano_compatible", "fano_above"]
below = table["fano_below"] / table["n_nodes"]
show(f"Nodes below F = 1: {below.min():.0%} to {below.max():.0%} of a network's nodes (Spearman ρ of that "
     f"share with MFR over the networks: {signed(table['mfr'].corr(below, method='spearman'))}).")
display(HTML(html_table(table[columns], digits=3, drop_single=("dataset",))))

# %% [markdown]
# ### The test depends on how many windows a split has
#
# The training recording is longer than the test recording, so it has more
# windows, and the same Fano factor is more significant from more windows:
# the training split shows fewer nodes compatible with F = 1 for the same
# firing. Below, each node's stored Fano factor of the training split is
# tested again at the test split's window count
# ({py:func}`~spikelib.variability.fano_pvalue`), which puts both splits on one footing. The
# paper does not say how many windows its splits had; its train-versus-test
# differences in the Fano test (and the `*` of its Table 5) may share this
# dependence.

# %% tags=["hide-input"]
windows = tables.fano_at_equal_windows(cells)
# differences of shares, in percentage points (the table prints the shares in percent)
test_share = windows["share compatible: test"]
recorded = 100 * float((windows["share compatible: train"] - test_share).abs().median())
equal = 100 * float((windows["share compatible: train at the test's windows"] - test_share).abs().median())
glue(f"{profile}_fano_window_gap_recorded", recorded, display=False)
glue(f"{profile}_fano_window_gap_equal", equal, display=False)
show(f"Median difference between the training and the test split's share of compatible nodes: "
     f"{recorded:.0f} percentage points as recorded, {equal:.0f} at equal window counts.")
display(HTML(html_table(windows, digits=2, drop_single=("dataset",))))
