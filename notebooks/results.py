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
# The tables are laid out as the paper prints them: one row per model, width
# and split, the conditions as columns. Each cell shows our value and, in
# brackets, the paper's where the paper reports the same network; a cell marked
# † departs from the paper's value by more than the tolerance stated above the
# table. Accuracies and coefficients of variation are in percent, as the paper
# prints them. Every table's long form, with the differences, can be
# downloaded as CSV.

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None
tables_dir = None

# %% tags=["remove-cell"]
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from spikelib import paths
from spikelib.cellfiles import read_nodes
from spikelib.report import plots, results, tables
from spikelib.report.render import caption, html_table

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
cells = results.collect(root)
paper = tables.paper_tables()
manifest = results.read_manifest(root)
tolerance = tables.TOLERANCES


def show(long, value, name, digits=2, star=None):
    """The paper-shaped table of one quantity, and its long form as CSV."""
    layout, departs = tables.paper_layout(long, value, tolerance[value], digits=digits, star=star)
    long.to_csv(csv_dir / f"{name}.csv", index=False)
    display(HTML(html_table(layout, departs, caption=datasets, drop_single=("dataset",))))


n_networks = cells["cell_id"].nunique()
hours = results.computing_seconds(root) / 3600  # training as first measured, plus the latest analysis
glue(f"{profile}_n_networks", n_networks, display=False)
glue(f"{profile}_cell_hours", hours, display=False)
glue(f"{profile}_cell_minutes", 60 * hours, display=False)
glue(f"{profile}_versions", ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()), display=False)
glue(f"{profile}_machine", f"{manifest['machine']['cpus']} CPU cores ({manifest['machine']['processor']})",
     display=False)
glue(f"{profile}_n_cells", manifest["n_cells"], display=False)
finished, planned, progress = results.completion(root)
glue(f"{profile}_progress", progress, display=False)
datasets = ", ".join(sorted(cells["dataset"].unique()))

# %% tags=["hide-input"]
display(Markdown(f"**Profile `{profile}`**: {n_networks} networks ({datasets}); the cells took "
                 f"{60 * hours:.0f} minutes of computing in total ({manifest['machine']['cpus']} CPU cores, "
                 f"{manifest['machine']['processor']})." + ("" if finished >= planned else " " + progress)))

# %% [markdown]
# ## Table 1: accuracy
#
# Training and validation accuracy in percent, on the labels each network was
# trained with (shuffled labels for the memorizing networks, whose validation
# accuracy is therefore near chance, 10 %).

# %% tags=["hide-input"]
t1 = tables.table1(cells, paper)
display(Markdown(f"Marked †: more than {tolerance['accuracy']:.0f} percentage points from the paper."))
show(t1, "accuracy", "table1", digits=1)

# %% [markdown]
# {download}`Table 1, long form (CSV) <table1.csv>`
#
# ### How each network was trained
#
# The paper does not give its epochs. Here each phase stopped on a rule: the
# true-label phase when validation accuracy reached the paper's or stopped
# rising, the shuffled-label phase when the running training accuracy reached
# the paper's Table 1 value or stopped rising (a plateau), or at the profile's
# cap. `running` is Keras' running accuracy over the last epoch, which the
# paper's Table 1 most likely shows and which the stop rule watches;
# `evaluated` is an evaluation pass after training. A memorizing network
# stopped by a plateau or the cap short of the paper's accuracy has memorized
# less than the paper's.

# %% tags=["hide-input"]
record = tables.training_table(cells, paper)
record.to_csv(csv_dir / "training.csv", index=False)
display(HTML(html_table(record, digits=1)))
memorizing = cells.drop_duplicates("cell_id")
memorizing = memorizing[memorizing["condition"].astype(str).str.startswith("mem_")]
short = record[(record["shuffled-label epochs"].notna()) & (record["stopped by "] != "target")]
glue(f"{profile}_n_memorizing", len(memorizing), display=False)
glue(f"{profile}_n_memorizing_short", len(short), display=False)

# %% [markdown]
# {download}`Training record (CSV) <training.csv>`
#
# ## Table 2: mean firing rate and its spread
#
# MFR: mean over the nodes of their firing rates (spikes per sample). The last
# column holds the KS-test marks (explained below), ours with the paper's in
# brackets.

# %% tags=["hide-input"]
t2 = tables.table2(cells, paper)
marks, ks_tests = tables.ks_marks(cells)
paper_marks = paper["ks"][["model", "width", "dataset", "symbols"]].rename(columns={"symbols": "paper"})
marks = marks.merge(paper_marks, on=["model", "width", "dataset"], how="left")
display(Markdown(f"Marked †: more than {tolerance['mfr']} from the paper's MFR."))
layout, departs = tables.paper_layout(t2, "mfr", tolerance["mfr"])
symbols = {(r.dataset, r.model, r.width): r.symbols + (f" ({r.paper})" if isinstance(r.paper, str) else "")
           for r in marks.itertuples()}
network_keys = {(r.dataset, f"{r.model}-{r.width}"): (r.dataset, r.model, r.width) for r in marks.itertuples()}
layout["KS marks"] = [symbols.get(network_keys.get(key[:2]), "") if key[2] == "train" else ""
                      for key in layout.index]
departs["KS marks"] = False
t2.to_csv(csv_dir / "table2.csv", index=False)
display(HTML(html_table(layout, departs, caption=datasets, drop_single=("dataset",))))
glue(f"{profile}_t2_n_paired", int(t2["mfr_paper"].notna().sum()), display=False)
paired = t2.dropna(subset=["mfr_paper"])
if len(paired):
    glue(f"{profile}_t2_median_abs_mfr_diff", float(paired["mfr_difference"].abs().median()), display=False)
    glue(f"{profile}_t2_max_abs_mfr_diff", float(paired["mfr_difference"].abs().max()), display=False)

# %% [markdown]
# CV of FR: the coefficient of variation of the nodes' firing rates, in percent.

# %% tags=["hide-input"]
display(Markdown(f"Marked †: more than {tolerance['cv_fr']:.0f} percentage points from the paper."))
layout, departs = tables.paper_layout(t2, "cv_fr", tolerance["cv_fr"], digits=1)
display(HTML(html_table(layout, departs, caption=datasets, drop_single=("dataset",))))

# %% [markdown]
# {download}`Table 2, long form (CSV) <table2.csv>`
#
# ### KS-test marks
#
# Two-sample Kolmogorov-Smirnov tests of the nodes' firing-rate distributions:
# ♣ train and test similar (for every condition), ♢ memorizing and random
# similar, ♡ generalizing and random similar (on both splits), ♠ generalizing
# and memorizing similar; `*` when a ♢ or ♠ holds only for MemRetrainAll.
# "Similar" means that equality is *not rejected* at α = 0.05 after Bonferroni
# correction over every comparison made for this profile. Not rejecting is not
# proof of equality: with 64-512 nodes per distribution the tests have little
# power against small differences. The table above shows these marks; the
# one below adds the marks under the paper's own threshold (p > 0.00027).

# %% tags=["hide-input"]
marks.to_csv(csv_dir / "ks_marks.csv", index=False)
ks_tests.to_csv(csv_dir / "ks_tests.csv", index=False)
display(HTML(html_table(marks.rename(columns={"symbols": "ours (Bonferroni)",
                                              "symbols_paper_threshold": "ours (p > 0.00027)"}))))
glue(f"{profile}_ks_family_size", len(ks_tests), display=False)
glue(f"{profile}_ks_train_test_similar", float(ks_tests[ks_tests["kind"] == "train/test"]["similar"].mean()),
     display=False)

# %% [markdown]
# {download}`KS marks (CSV) <ks_marks.csv>` and {download}`every KS test (CSV) <ks_tests.csv>`
#
# ## Table 5: mean Fano factor
#
# MF: mean over the firing nodes of the windowed Fano factor. The `*` (the
# paper's marker, left undefined there) is defined in this compendium as: more
# than half of the testable nodes are compatible with F = 1 in the Eden &
# Kramer test (two-sided, α = 0.05). For independent binary trains the
# expected MF is 1 - MFR; the CSV holds that value beside every network.

# %% tags=["hide-input"]
t5 = tables.table5(cells, paper)
display(Markdown(f"Marked †: more than {tolerance['mf']} from the paper's MF."))
show(t5, "mf", "table5", star="significant")
deviation = (t5["mf"] - t5["one_minus_mfr"]).abs()
glue(f"{profile}_mf_vs_binomial_median", float(deviation.median()), display=False)

# %% [markdown]
# {download}`Table 5, long form (CSV) <table5.csv>`
#
# ## How much of the paper was reproduced

# %% tags=["hide-input"]
summary = tables.agreement({
    "Table 1, accuracy (points)": (t1, "accuracy", tolerance["accuracy"]),
    "Table 2, MFR": (t2, "mfr", tolerance["mfr"]),
    "Table 2, CV of FR (points)": (t2, "cv_fr", tolerance["cv_fr"]),
    "Table 5, MF": (t5, "mf", tolerance["mf"]),
})
summary.to_csv(csv_dir / "agreement.csv", index=False)
total_paired, total_within = int(summary["paired"].sum()), int(summary["within"].sum())
glue(f"{profile}_glance_paired", total_paired, display=False)
glue(f"{profile}_glance_within", total_within, display=False)
glue(f"{profile}_glance_table",
     "; ".join(f"{r.quantity}: {r.within} of {r.paired} within {r.tolerance:g}" for r in summary.itertuples()
               if r.paired), display=False)
if total_paired:
    display(HTML(html_table(summary.rename(columns={"paired": "values the paper reports",
                                                    "within": "ours within tolerance"}))))
else:
    display(Markdown("The paper reports no network of this profile, so there is nothing to compare."))

# %% [markdown]
# ## Figure 2: observed cumulative spike trains and a Poisson process

# %% tags=["hide-input"]
mlp = cells[(cells["model"] == "MLP") & (cells["split"] == "test")]
widest = mlp[mlp["width"] == mlp["width"].max()]
excerpts = {str(row.condition): read_nodes(row.directory)["excerpt"]
            for row in widest.sort_values("condition").itertuples()
            if str(row.condition) in ("random", "generalizing", "mem_retrain_last", "mem_random_last")}
fig = plots.figure2(excerpts)
plt.show()
plt.close(fig)
caption(2, f"Cumulative spike count of every node (grey) of the {widest['dataset'].iloc[0]} "
           f"MLP-{widest['width'].iloc[0]} over the first {next(iter(excerpts.values())).shape[1]} test "
           "samples (shuffled order), one panel per condition, with 200 simulated Poisson processes at the "
           "network's mean firing rate (red: their mean and 95 % band).")

# %% [markdown]
# ## Figure 3: indicators and the generalization gap

# %% tags=["hide-input"]
fig = plots.figure3(cells)
plt.show()
plt.close(fig)
caption(3, f"The four indicators of the {n_networks} networks of this profile (training split) against "
           "their generalization gap, training minus validation accuracy on the labels each was trained with.")

# %% [markdown]
# ## Figure 4: indicators and the width of the observed layer

# %% tags=["hide-input"]
fig = plots.figure4(cells)
plt.show()
plt.close(fig)
groups = plots._groups(cells).groupby("group").size()
caption(4, "Rain clouds of the four indicators (training split) by width of the observed layer: "
           f"{groups.get('generalizing', 0)} generalizing networks (left halves) and "
           f"{groups.get('memorizing', 0)} memorizing networks of every memorizing condition (right halves); "
           "each shows a density, a box (quartiles) and the networks as points.")

# %% [markdown]
# ## Figure 5: mean firing rate during training

# %% tags=["hide-input"]
curve_frame = results.curves(root)
fig = plots.figure5(curve_frame)
plt.show()
plt.close(fig)
if len(curve_frame):
    last = curve_frame.groupby("phase").tail(50).groupby("phase")["mfr_train"].mean()
    glue(f"{profile}_curve_mfr_end_true", float(last.get(0, np.nan)), display=False)
    glue(f"{profile}_curve_mfr_end_shuffled", float(last.get(1, np.nan)), display=False)
    runs = ", ".join(sorted(curve_frame["cell_id"].unique()))
else:
    runs = "none in this profile"
caption(5, "Mean firing rate of the observed layer on fixed probes of 100 training and 100 test samples, "
           "after every training batch: first on the true labels, then on shuffled labels (dashed line). "
           f"Runs: {runs}.")

# %% [markdown]
# ## The indicators as a network memorizes
#
# While each memorizing network trained on shuffled labels, the four
# indicators were measured every few epochs on a fixed probe of training
# samples. Here they are against the accuracy the network had reached on its
# shuffled labels (an evaluation pass on the same probe): the dose-response
# within each run, one line per width and condition.

# %% tags=["hide-input"]
trace_frame = results.traces(root)
shown = 0
for model in ("MLP", "CNN", "DenseNet"):
    fig = plots.dose_response(trace_frame, model) if len(trace_frame) else None
    if fig is None:
        continue
    shown += 1
    plt.show()
    plt.close(fig)
    n_runs = trace_frame[(trace_frame["model"] == model)
                         & (trace_frame["phase"] == "shuffled labels")]["cell_id"].nunique()
    caption(f"7{'abc'[shown - 1]}", f"MFR, CV of FR and MF of the {model}s of this profile ({n_runs} memorizing "
                                    "runs) against their training accuracy on shuffled labels, measured on a "
                                    "fixed probe of training samples every few epochs.")
if not shown:
    display(Markdown("No memorizing network of this profile recorded traces."))

# %% [markdown]
# ## Figure 6: mean Fano factor and mean firing rate

# %% tags=["hide-input"]
fig = plots.figure6(cells)
plt.show()
plt.close(fig)
slope, intercept = np.polyfit(cells["mfr"], cells["mf"], 1)
glue(f"{profile}_fig6_slope", float(slope), display=False)
glue(f"{profile}_fig6_intercept", float(intercept), display=False)
caption(6, f"Mean Fano factor against mean firing rate of every network and split of this profile "
           f"({len(cells)} points). Least-squares line: MF = {intercept:.2f} {slope:+.2f} MFR; the dashed line "
           "is the binomial expectation MF = 1 - MFR of independent binary trains.")
