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
# # Memorization without a label switch
#
# The label-noise benchmark can be passed by any signal that moves with the
# noise. This page scores the indicators where that is not enough: a **model
# zoo** on clean labels whose generalization gap varies with five
# hyperparameters (every network trained to the same fitting criterion, so no
# measure can read the gap off under-fitting), **clean-label memorization** on
# small training subsets, and the label-noise networks compared only between
# *adjacent* noise levels and at *matched* training accuracy. The gap is always
# measured: training accuracy on the samples trained on minus test accuracy.
#
# Scores: the PGDL competition's conditional mutual information (×100; the
# minimum over ordered pairs of hyperparameters held fixed), Jiang et al.'s
# granulated Kendall tau Ψ, Kendall's tau with the gap over all networks, the
# worst sign error over pairs that differ in one hyperparameter by more than
# seed noise (Dziugaite et al.; a coin flip scores 0.5), and the worst
# balanced accuracy of a threshold fitted on the other architectures or
# widths. Intervals: for tau, 95 % bootstrap intervals over networks; for the
# PGDL score, the 2.5 and 97.5 percentiles over random subsets of 80 % of the
# networks (the score of a subset, not of the whole zoo).

# %% tags=["parameters", "remove-cell"]
profile = "zoo"
clean_profile = "clean"
noise_profiles = ["noise", "fashion"]
switch_profile = "fashion"
recording_profile = None
results_root = None
tables_dir = None
n_boot = 100

# %% tags=["remove-cell"]
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from spikelib import paths
from spikelib.report import benchmark, plots, results, zoo
from spikelib.report.labels import MEASURE_LABELS
from spikelib.report.render import caption, html_table, publish, show_figure
from spikelib.report.scores import PGDL_PUBLISHED

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
networks, extra = zoo.add_residuals(zoo.zoo_networks(root))
table, context = zoo.score_table(networks, extra, n_boot=n_boot)
table.to_csv(csv_dir / "zoo_scores.csv", index=False)
publish(profile, {"progress": results.completion(root)[2], "cell_hours": results.computing_seconds(root) / 3600})

# %% [markdown]
# ## The zoo

# %% tags=["hide-input"]
description = zoo.description(networks, context)
glue(f"{profile}_description", description, display=False)
display(Markdown(results.completion(root)[2] + " " + description))

# %% [markdown]
# ## Scores on the zoo
#
# Sorted by the PGDL score. "Beyond MFR" rows score what is left of an
# indicator after its linear dependence on MFR is removed.

# %% tags=["hide-input"]
display(HTML(html_table(zoo.shown_scores(table))))
sentence = zoo.headline(table, context) + (
    f" For reference, the competition's winning measure scored {PGDL_PUBLISHED['overall']} overall and "
    f"{PGDL_PUBLISHED['fashion_mnist_task8']} on its Fashion-MNIST task: another zoo, not a like-for-like comparison.")
glue(f"{profile}_headline", sentence, display=False)
display(Markdown(sentence))
columns = [c for c in ("mfr", "cv_mf", "mean_abs_r", table.iloc[0]["column"]) if c in networks]
show_figure(plots.measure_vs_gap(networks, list(dict.fromkeys(columns)), "architecture", MEASURE_LABELS))
caption("Z1", "Three of the papers' indicators and the best-scoring measure against the generalization gap, one "
              "point per network of the zoo, by architecture.")

# %% [markdown]
# ## How many samples the indicators need
#
# The papers' indicators from the first 50 to 1,000 training samples of each
# network's recording (a seeded random order): Kendall's tau with the gap and
# its 95 % bootstrap interval over networks.

# %% tags=["hide-input"]
budget = zoo.budget_table(networks, n_boot=n_boot)
display(HTML(html_table(zoo.budget_view(budget), index=True)))

# %% [markdown]
# ## Clean-label memorization

# %% tags=["hide-input"]
clean_root = paths.results_dir() / clean_profile
publish(profile, {"clean_cell_hours": results.computing_seconds(clean_root) / 3600,
                  "clean_progress": results.completion(clean_root)[2]})
clean = zoo.add_residuals(zoo.zoo_networks(clean_root, ("clean memorization",)))[0]
display(HTML(html_table(zoo.clean_summary(clean).rename(columns={
    "train_samples": "training samples", "train_accuracy": "training accuracy (%)",
    "test_accuracy": "test accuracy (%)", "gap": "gap (points)", "gap_sd": "gap SD over seeds"}), digits=1)))
clean_scores = zoo.clean_scores(clean, [e for e in extra if e[0] in clean])
glue(f"{profile}_clean", zoo.clean_sentence(clean, clean_scores), display=False)
display(Markdown(zoo.clean_sentence(clean, clean_scores)))
display(HTML(html_table(clean_scores.drop(columns=["column"]).replace({"family": zoo.FAMILY_LABELS}).rename(columns={
    "tau": "Kendall tau with the gap", "psi": "granulated tau Ψ", "tau_within_samples": "tau within a subset size"}))))
show_figure(plots.measure_vs_gap(clean, ["mfr", "cv_mf"], "train_samples", {**MEASURE_LABELS,
                                                                             "train_samples": "samples"}))
caption("Z2", "MFR and CV of MF against the gap of the networks memorizing clean training subsets, by subset size.")
fig = plots.gap_traces(zoo.gap_course(clean_root))
if fig is not None:
    show_figure(fig)
    caption("Z3", "The probe's MFR against the gap while each network memorized its clean training subset, one line "
                  "per network, from the traces recorded every few epochs.")

# %% [markdown]
# ### The validation samples in the training recording
#
# The paper records a network's training split on every training sample, the
# validation samples it was never trained on included. Here the clean-label
# MLP-128s were recorded again on the samples they were trained on only, the
# validation samples apart (the `recording` profile, the same trained
# networks). For a memorizing network the two kinds of sample differ most.

# %% tags=["hide-input"]
if recording_profile and paths.has_cells(paths.results_dir() / recording_profile):
    effect, sentence = zoo.recording_effect(clean_root, paths.results_dir() / recording_profile)
    glue(f"{profile}_recording", sentence, display=False)
    display(Markdown(sentence), HTML(html_table(effect, digits=3)))

# %% [markdown]
# ## Label noise, adjacent levels and matched accuracy

# %% tags=["hide-input"]
noise_roots = [paths.results_dir() / name for name in noise_profiles]
noisy = benchmark.benchmark_set([r for r in noise_roots if paths.has_cells(r)])
groups = zoo.noise_groups(noisy)
display(HTML(html_table(groups.rename(columns=zoo.GROUP_COLUMNS), digits=1)))
memorizing = zoo.memorizing_by_gap(noisy)
ours = [c for c, _, family in zoo.measures(noisy) if family == "ours"] + ["sharpness", "distance_from_init"]
adjacent = zoo.adjacent_separation(noisy, [c for c in ours if c in noisy])
matched, pairs = zoo.matched_separation(noisy, [c for c in ours if c in noisy], memorizing)
display(HTML(html_table(zoo.noise_separation_view(adjacent, matched, len(pairs)), index=True)))

# %% [markdown]
# ## What MFR does at the switch to shuffled labels

# %% tags=["hide-input"]
traces = results.traces(paths.results_dir() / switch_profile)
course = zoo.switch_course(traces)
glue(f"{profile}_switch", zoo.switch_sentence(course), display=False)
display(Markdown(zoo.switch_sentence(course)))
fig = plots.switch_traces(traces)
if fig is not None:
    show_figure(fig)
    caption("Z4", "The probe's MFR after the switch to shuffled labels, against the epoch and against the running "
                  "training accuracy reached on the shuffled labels.")

# %% [markdown]
# ## Where the papers' indicators fail

# %% tags=["hide-input"]
lines = zoo.failures(table, adjacent, matched, clean_scores, MEASURE_LABELS)
glue(f"{profile}_failures", " ".join(lines) or "No indicator of ours fails any of these tests.", display=False)
display(Markdown("\n".join(f"- {line}" for line in lines) or "No indicator of ours fails any of these tests."))
