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
# # Results
#
# The paper's Tables 1, 2 and 5 and Figures 2-6, rebuilt from this profile's
# results files only (each cell's `metrics.json`, `nodes.npz` and `curve.npz`).
# Wherever the paper reports the same network, its value stands beside ours with
# the difference; a blank paper column means the paper has no such network (for
# example, the digits data set). Accuracies and coefficients of variation are in
# percent, as the paper prints them.

# %% tags=["parameters"]
profile = "quick"
results_root = None

# %% tags=["hide-input"]
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from myst_nb import glue

from spikelib import analysis, paths, plots
from spikelib.experiment import read_nodes

root = Path(results_root) if results_root else paths.results_dir() / profile
cells = analysis.collect(root)
paper = analysis.paper_tables()
manifest = analysis.read_manifest(root)
pd.set_option("display.max_rows", 200)
pd.set_option("display.precision", 2)


def show(frame, columns, names):
    display(frame[columns].rename(columns=names).style.format(precision=2, na_rep="–").hide(axis="index"))


n_networks = cells["cell_id"].nunique()
hours = sum(c["wall_time_s"] or 0 for c in manifest["cells"].values()) / 3600
glue(f"{profile}_n_networks", n_networks, display=False)
glue(f"{profile}_cell_hours", hours, display=False)
glue(f"{profile}_cell_minutes", 60 * hours, display=False)
versions = manifest["versions"]
glue(f"{profile}_versions", ", ".join(f"{k} {v}" for k, v in versions.items()), display=False)
glue(f"{profile}_machine", f"{manifest['machine']['cpus']} CPU cores ({manifest['machine']['processor']})",
     display=False)
glue(f"{profile}_n_cells", manifest["n_cells"], display=False)
datasets = ", ".join(sorted(cells["dataset"].unique()))
display(Markdown(f"**Profile `{profile}`**: {n_networks} networks ({datasets}); the cells took "
                 f"{60 * hours:.0f} minutes of computing in total ({manifest['machine']['cpus']} CPU cores, "
                 f"{manifest['machine']['processor']})."))

# %% [markdown]
# ## Table 1: accuracy
#
# Training and validation accuracy on the labels each network was trained with
# (shuffled labels for the memorizing networks, whose validation accuracy is
# therefore near chance, 10 %).

# %% tags=["hide-input"]
t1 = analysis.table1(cells, paper)
show(t1, ["model", "width", "dataset", "split", "condition", "accuracy", "accuracy_paper", "accuracy_difference"],
     {"accuracy": "ours", "accuracy_paper": "paper", "accuracy_difference": "ours - paper"})

# %% [markdown]
# ## Table 2: mean firing rate and its spread
#
# MFR: mean over the nodes of their firing rates (spikes per sample); CV: the
# nodes' coefficient of variation of firing rate, in percent.

# %% tags=["hide-input"]
t2 = analysis.table2(cells, paper)
show(t2, ["model", "width", "dataset", "split", "condition", "mfr", "mfr_paper", "mfr_difference",
          "cv_fr", "cv_fr_paper", "cv_fr_difference"],
     {"mfr": "MFR", "mfr_paper": "MFR paper", "mfr_difference": "MFR diff",
      "cv_fr": "CV", "cv_fr_paper": "CV paper", "cv_fr_difference": "CV diff"})
paired = t2.dropna(subset=["mfr_paper"])
glue(f"{profile}_t2_n_paired", len(paired), display=False)
if len(paired):
    glue(f"{profile}_t2_median_abs_mfr_diff", float(paired["mfr_difference"].abs().median()), display=False)
    glue(f"{profile}_t2_max_abs_mfr_diff", float(paired["mfr_difference"].abs().max()), display=False)

# %% [markdown]
# ### KS-test marks
#
# Two-sample Kolmogorov-Smirnov tests of the nodes' firing-rate distributions:
# ♣ train and test similar (for every condition), ♢ memorizing and random
# similar, ♡ generalizing and random similar (on both splits), ♠ generalizing
# and memorizing similar; `*` when a ♢ or ♠ holds only for MemRetrainAll.
# "Similar" means that equality is *not rejected* at α = 0.05 after Bonferroni
# correction over every comparison made for this profile. Not rejecting is not
# proof of equality: with 64-512 nodes per distribution the tests have little
# power against small differences. The paper's own threshold (p > 0.00027) is
# shown too.

# %% tags=["hide-input"]
marks, ks_tests = analysis.ks_marks(cells)
paper_marks = paper["ks"][["model", "width", "dataset", "symbols"]].rename(columns={"symbols": "paper"})
marks = marks.merge(paper_marks, on=["model", "width", "dataset"], how="left")
show(marks, ["model", "width", "dataset", "symbols", "symbols_paper_threshold", "paper"],
     {"symbols": "ours (Bonferroni)", "symbols_paper_threshold": "ours (p > 0.00027)"})
glue(f"{profile}_ks_family_size", len(ks_tests), display=False)
glue(f"{profile}_ks_train_test_similar", float(ks_tests[ks_tests["kind"] == "train/test"]["similar"].mean()),
     display=False)

# %% [markdown]
# ## Table 5: mean Fano factor
#
# MF: mean over the firing nodes of the windowed Fano factor. The marker (`*`
# in the paper, `significant` here) is defined in this compendium as: more than
# half of the testable nodes are compatible with F = 1 in the Eden & Kramer
# test (two-sided, α = 0.05); the paper leaves its criterion unstated. The
# column `1 - MFR` is what independent binary trains of the network's rates
# would give on average.

# %% tags=["hide-input"]
t5 = analysis.table5(cells, paper)
show(t5, ["model", "width", "dataset", "split", "condition", "mf", "one_minus_mfr", "significant",
          "fano_compatible_fraction", "mf_paper", "significant_paper", "mf_difference"],
     {"mf": "MF", "one_minus_mfr": "1 - MFR", "fano_compatible_fraction": "compatible nodes",
      "mf_paper": "MF paper", "significant_paper": "paper *", "mf_difference": "MF diff"})
deviation = (t5["mf"] - t5["one_minus_mfr"]).abs()
glue(f"{profile}_mf_vs_binomial_median", float(deviation.median()), display=False)

# %% [markdown]
# ## Figure 2: observed cumulative spike trains and a Poisson process
#
# The widest MLP of the profile on its test data: every node's cumulative
# spike count over the first 300 (shuffled) samples, and 200 simulated Poisson
# processes at the network's mean firing rate (their mean and 95 % band).

# %% tags=["hide-input"]
mlp = cells[(cells["model"] == "MLP") & (cells["split"] == "test")]
widest = mlp[mlp["width"] == mlp["width"].max()]
excerpts = {str(row.condition): read_nodes(row.directory)["excerpt"]
            for row in widest.sort_values("condition").itertuples()
            if str(row.condition) in ("random", "generalizing", "mem_retrain_last", "mem_random_last")}
fig = plots.figure2(excerpts)
display(Markdown(f"Network: {widest['dataset'].iloc[0]} MLP-{widest['width'].iloc[0]}, test split."))

# %% [markdown]
# ## Figure 3: indicators and the generalization gap

# %% tags=["hide-input"]
fig = plots.figure3(cells)

# %% [markdown]
# ## Figure 4: indicators and the width of the observed layer

# %% tags=["hide-input"]
fig = plots.figure4(cells)

# %% [markdown]
# ## Figure 5: mean firing rate during training
#
# The profile's firing-rate-during-training runs: the network is trained on
# the true labels, then on shuffled labels (dashed line), and after every batch
# the observed layer's mean firing rate is measured on fixed probes of 100
# training and 100 test samples.

# %% tags=["hide-input"]
curve_frame = analysis.curves(root)
fig = plots.figure5(curve_frame)
if len(curve_frame):
    last = curve_frame.groupby("phase").tail(50).groupby("phase")["mfr_train"].mean()
    glue(f"{profile}_curve_mfr_end_true", float(last.get(0, np.nan)), display=False)
    glue(f"{profile}_curve_mfr_end_shuffled", float(last.get(1, np.nan)), display=False)

# %% [markdown]
# ## Figure 6: mean Fano factor and mean firing rate

# %% tags=["hide-input"]
fig = plots.figure6(cells)
slope, intercept = np.polyfit(cells["mfr"], cells["mf"], 1)
glue(f"{profile}_fig6_slope", float(slope), display=False)
glue(f"{profile}_fig6_intercept", float(intercept), display=False)
display(Markdown(f"Least-squares line through all networks and splits: MF = {intercept:.2f} "
                 f"{slope:+.2f} MFR (the binomial expectation is MF = 1 - MFR)."))
