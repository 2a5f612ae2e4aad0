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

# %% tags=["parameters", "remove-cell"]
profile = "quick"
results_root = None
tables_dir = None

# %% tags=["remove-cell"]
from IPython.display import HTML, display

from spikelib import paths
from spikelib.report import plots, replication, results, tables
from spikelib.report.render import caption, html_table, publish, show_figure, show_paper_table, show, provenance

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
provenance(root, "results")
cells = results.collect(root)
paper = tables.paper_tables()
tolerance = tables.TOLERANCES


# %% tags=["hide-input"]
numbers, sentence = replication.results_overview(root, cells)
publish(profile, numbers)
t1 = tables.table1(cells, paper)
with_paper = bool(t1["accuracy_paper"].notna().any())  # does the paper report any network of this profile?
show(f"{sentence}\n\n{results.small_profile_note(root)}")  # the note: small profiles only
show(replication.page_intro(with_paper))

# %% [markdown]
# ## Table 1: accuracy
#
# Training and validation accuracy in percent, on the labels each network was
# trained with (shuffled labels for the memorizing networks, whose validation
# accuracy is therefore near chance, 10 %).

# %% tags=["hide-input"]
if with_paper:
    show("A value of the paper's marked ‡ is likely an error in the paper itself (listed, with the reason, under "
         "\"How much of the paper was reproduced\"); it is never counted as a departure.")
show_paper_table(t1, csv_dir / "table1.csv", tables.paper_layout(t1, "accuracy", tolerance["accuracy"], digits=1),
                 replication.departure_note("accuracy", tolerance, with_paper))

# %% [markdown]
# {download}`Table 1, long form (CSV) <table1.csv>`
#
# ### How each network was trained
#
# The paper does not give its epochs. Here each phase stopped on a rule, the
# profile's; the table says which rule stopped each network. "Running" is
# Keras' running accuracy over the last epoch, which the paper's Table 1 most
# likely shows and which the stop rule watches; "evaluated" is an evaluation
# pass after training.

# %% tags=["hide-input"]
show(replication.training_rule(with_paper, root))
record = tables.training_table(cells, paper)
record.to_csv(csv_dir / "training.csv", index=False)
display(HTML(html_table(record, digits=1)))
publish(profile, replication.training_numbers(cells, record))

# %% [markdown]
# {download}`Training record (CSV) <training.csv>`
#
# ## Table 2: mean firing rate and its spread
#
# MFR: mean over the nodes of their firing rates (spikes per sample). The last
# column holds the KS-test marks (explained below), with the paper's in
# brackets where it reports the network.

# %% tags=["hide-input"]
t2 = tables.table2(cells, paper)
marks, ks_tests = replication.paper_ks_marks(cells, paper)
show_paper_table(t2, csv_dir / "table2.csv", replication.table2_layout(t2, marks, tolerance["mfr"]),
                 replication.departure_note("mfr", tolerance, with_paper))
publish(profile, replication.table2_numbers(t2))

# %% [markdown]
# CV of FR: the coefficient of variation of the nodes' firing rates, in percent.

# %% tags=["hide-input"]
show_paper_table(t2, csv_dir / "table2.csv", tables.paper_layout(t2, "cv_fr", tolerance["cv_fr"], digits=1),
                 replication.departure_note("cv_fr", tolerance, with_paper))

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
# proof of equality: with one observation per node (as many as the layer is
# wide) the tests have little power against small differences. The table above shows these marks;
# the one below adds the marks under the paper's own threshold (p > 0.00027).

# %% tags=["hide-input"]
marks.to_csv(csv_dir / "ks_marks.csv", index=False)
ks_tests.to_csv(csv_dir / "ks_tests.csv", index=False)
display(HTML(html_table(marks)))
publish(profile, replication.ks_numbers(ks_tests))

# %% [markdown]
# {download}`KS marks (CSV) <ks_marks.csv>` and {download}`every KS test (CSV) <ks_tests.csv>`
#
# ## Table 5: mean Fano factor
#
# MF: mean over the firing nodes of the windowed Fano factor. The `*` (the
# paper's marker, left undefined there) is defined in this compendium as: more
# than half of the testable nodes are compatible with F = 1 in the Eden &
# Kramer test (two-sided, α = 0.05). For independent binary trains the
# expected MF is 1 − MFR; the CSV holds that value beside every network.

# %% tags=["hide-input"]
t5 = tables.table5(cells, paper)
show_paper_table(t5, csv_dir / "table5.csv", tables.paper_layout(t5, "mf", tolerance["mf"], star="significant"),
                 replication.departure_note("mf", tolerance, with_paper))
publish(profile, {"mf_vs_binomial_median": float((t5["mf"] - t5["one_minus_mfr"]).abs().median())})

# %% [markdown]
# {download}`Table 5, long form (CSV) <table5.csv>`
#
# ## How much of the paper was reproduced

# %% tags=["hide-input"]
summary = replication.paper_agreement(t1, t2, t5, tolerance)
summary.to_csv(csv_dir / "agreement.csv", index=False)
publish(profile, replication.agreement_numbers(summary))
display(HTML(replication.agreement_html(summary, paper, with_paper)))

# %% [markdown]
# ## Figure 2: observed cumulative spike trains and a Poisson process

# %% tags=["hide-input"]
shown, dataset, width = replication.excerpts(cells)
show_figure(plots.figure2(shown))
caption(2, f"Cumulative spike count of every node (grey) of the {dataset} MLP-{width} over the first "
           f"{next(iter(shown.values())).shape[1]} test samples (shuffled order), one panel per condition, with 200 "
           "simulated Poisson processes at the network's mean firing rate (red: their mean and 95 % band).")

# %% [markdown]
# ## Figure 3: indicators and the generalization gap

# %% tags=["hide-input"]
show_figure(plots.figure3(cells))
caption(3, f"The four indicators of the {numbers['n_networks']} networks of this profile (training split) against "
           "their generalization gap, training minus validation accuracy on the labels each was trained with.")

# %% [markdown]
# ## Figure 4: indicators and the width of the observed layer

# %% tags=["hide-input"]
show_figure(plots.figure4(cells))
caption(4, replication.figure4_caption(cells))

# %% [markdown]
# ## Figure 5: mean firing rate during training

# %% tags=["hide-input"]
curve_frame = results.curves(root)
show_figure(plots.figure5(curve_frame))
curve, runs = replication.curve_numbers(curve_frame)
publish(profile, curve)
caption(5, "Mean firing rate of the observed layer on fixed probes of 100 training and 100 test samples, "
           "after every training batch: first on the true labels, then on shuffled labels (dashed line). "
           f"Runs: {runs}.")

# %% [markdown]
# ## Figure 6: mean Fano factor and mean firing rate

# %% tags=["hide-input"]
show_figure(plots.figure6(cells))
slope, intercept, line = replication.line_fit(cells["mfr"], cells["mf"])
publish(profile, {"fig6_slope": slope, "fig6_intercept": intercept})
caption(6, f"Mean Fano factor against mean firing rate of every network and split of this profile "
           f"({len(cells)} points). Least-squares line: {line}; the dashed line is the binomial expectation "
           "MF = 1 − MFR of independent binary trains.")

# %% [markdown]
# ## The indicators as a network memorizes
#
# While each memorizing network trained on shuffled labels, MFR, CV of FR
# and MF were measured every few epochs on a fixed probe of training
# samples. Here they are against the accuracy the network had reached on its
# shuffled labels (an evaluation pass on the same probe): the dose-response
# within each run, one line per run: its colour the width (or the condition,
# where a model has one width), its line style the condition, and a style of
# its own where two runs share both (a penalty, another seed).

# %% tags=["hide-input"]
figures = replication.dose_figures(results.traces(root))
for letter, (model, fig, n_runs) in zip("abc", figures):
    show_figure(fig)
    caption(f"7{letter}", f"MFR, CV of FR and MF of the {model}s of this profile ({n_runs} memorizing runs) against "
                          "their training accuracy on shuffled labels, measured on a fixed probe of training samples "
                          "every few epochs.")
if not figures:
    show("No memorizing network of this profile recorded traces.")
