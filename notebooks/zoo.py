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

# %% tags=["parameters", "remove-cell"]
profile = "zoo"
clean_profile = "clean"
noise_profiles = ["noise", "fashion"]
switch_profile = "fashion"
recording_profile = None
results_root = None
tables_dir = None
n_boot = 200

# %% tags=["remove-cell"]
from IPython.display import HTML, display

from spikelib import paths
from spikelib.report import clean, courses, noise, plots, results, scorecard, zoo
from spikelib.experiment.measures import by_family
from spikelib.report.labels import MEASURE_LABELS
from spikelib.report.networks import benchmark_set
from spikelib.report.render import caption, html_table, provenance, publish, show, show_captioned, show_figure

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
provenance([root, clean_root := paths.results_dir() / clean_profile], "zoo")
scored, short = zoo.zoo_networks(root)
table, context = zoo.zoo_scores(scored, n_boot=n_boot)
table.to_csv(csv_dir / "zoo_scores.csv", index=False)
dose, dose_short = clean.clean_networks(clean_root)
dose_scores = clean.clean_scores(dose)
dose_scores.to_csv(csv_dir / "clean_scores.csv", index=False)
noisy = benchmark_set([r for r in (paths.results_dir() / name for name in noise_profiles) if paths.has_cells(r)])
adjacent, matched, pairs = noise.noise_comparisons(noisy, [m.column for m in by_family("paper", "followup")])
course = courses.switch_course(results.traces(paths.results_dir() / switch_profile))
card = scorecard.scorecard(table, dose_scores, adjacent, matched)
answer = {"headline": zoo.zoo_headline(table, context), "clean": clean.clean_verdict(dose_scores, dose),
          "switch": courses.switch_sentence(course, f"of the {switch_profile} profile"), "progress": results.completion(root)[2],
          "clean_progress": results.completion(clean_root)[2], "cell_hours": results.computing_seconds(root) / 3600,
          "clean_cell_hours": results.computing_seconds(clean_root) / 3600, "scorecard": scorecard.summary(card)}
publish(profile, answer)

# %% tags=["remove-input"]
# on a small profile, the note that its numbers carry no verdict comes before them
show("\n\n".join([results.small_profile_note(root), answer["headline"], answer["clean"], answer["scorecard"]]))

# %% [markdown]
# The label-noise benchmark can be passed by any signal that moves with the
# noise. This page asks more of the indicators. A **model zoo** on clean
# labels varies its hyperparameters (listed below); every network is trained until it fits
# its training samples (99 % training accuracy, evaluated on them after each
# epoch: the criterion of Jiang et al. 2020, who used a loss instead), so the
# generalization gap varies for reasons other than label noise. **Clean-label
# memorization** varies only the amount of training data at a fixed
# architecture. The label-noise networks are compared between *adjacent*
# noise levels and at *matched* training accuracy. The gap is always measured:
# training accuracy on the samples trained on minus test accuracy. Three
# **controls** (training accuracy, final training loss, training
# cross-entropy) are scored exactly like the measures: a measure earns credit
# only where it does better than how well the network fits.

# %% [markdown]
# ## The model zoo

# %% tags=["remove-input"]
show(zoo.zoo_description(scored, short, context, answer["progress"]))
if len(short):
    display(HTML(html_table(zoo.short_view(short), caption="Left out: short of the criterion at their cap", digits=1)))

# %% [markdown]
# ### Scores
#
# Sorted by the PGDL competition's score (conditional mutual information ×100,
# the minimum over ordered pairs of hyperparameters held fixed; it has no
# sign, so the direction is the sign of Kendall's tau). ✓ marks a measure
# whose PGDL score's interval lies above the best control's score. Intervals:
# for tau, 95 % bootstrap intervals over networks; for the PGDL score, the
# 2.5th and 97.5th percentiles over random subsets of 80 % of the factorial.
# "Beyond the controls" is the partial Spearman correlation with the gap once
# the controls' values are taken out. The worst sign error is over pairs of
# networks that differ in one hyperparameter by more than seed noise (a coin
# flip scores 0.5). Granulated tau and the held-out architecture and width are
# in the CSV.

# %% tags=["remove-input"]
display(HTML(html_table(zoo.zoo_view(table))))
show(zoo.pgdl_note())

# %% [markdown]
# {download}`Every score of every measure (CSV) <zoo_scores.csv>`

# %% tags=["remove-input"]
shown = zoo.figure_measures(table)
show_figure(plots.measure_vs_gap(scored, shown, "architecture", MEASURE_LABELS))
caption("Z1", f"{', '.join(MEASURE_LABELS[c] for c in shown)} against the generalization gap, one point per network "
              "of the zoo that met the fitting criterion, by architecture (colour and marker).")

# %% [markdown]
# ### How many samples the indicators need
#
# The paper's indicators from the first 50 to 1,000 training samples of each
# network's recording (a seeded random order): Kendall's tau with the gap and
# its 95 % bootstrap interval over networks.

# %% tags=["remove-input"]
display(HTML(html_table(zoo.budget_view(zoo.budget_table(scored, n_boot=n_boot)), index=True)))

# %% [markdown]
# ## Clean-label memorization, at fixed architecture

# %% tags=["remove-input"]
show(answer["clean_progress"] + " " + answer["clean"])
display(HTML(html_table(clean.gap_view(clean.clean_summary(dose)), digits=1, index=True,
                        caption="Generalization gap (points, mean over seeds) by training samples and architecture")))
display(HTML(html_table(clean.clean_view(dose_scores),
                        caption="Kendall tau with the gap: within each architecture, over pairs within an "
                                "architecture, over all pairs; and beyond the controls")))
show_figure(plots.clean_dose_response(dose, ["mfr", "cv_mf", "train_cross_entropy"], MEASURE_LABELS))
caption("Z2", "MFR, CV of MF and the training cross-entropy (a control) against the gap on the clean-label "
              "dose-response: one point per network, coloured by its number of training samples; one line per "
              "architecture through the means over seeds.")
show_captioned(plots.gap_traces(courses.gap_course(clean_root)), "Z3",
               "The probe's MFR against the gap while each network trained (training minus validation accuracy of "
               "the traced epoch, running mean of five traces), one panel per architecture, one line per network, "
               "coloured by its number of training samples as in Figure Z2.")

# %% [markdown]
# ## Label noise: adjacent levels and matched accuracy
#
# The label-noise networks by noise level (mean gap and the networks at each),
# then how well each measure separates networks of adjacent noise levels, and
# memorizing networks from others of the same training accuracy.

# %% tags=["remove-input"]
provenance([paths.results_dir() / name for name in noise_profiles if paths.has_cells(paths.results_dir() / name)],
           "zoo", rerun=[f"spikelib run --profile {name}" for name in noise_profiles])
display(HTML(html_table(noise.noise_groups(noisy).rename(columns=noise.GROUP_COLUMNS), digits=1,
                        caption="The label-noise networks by noise level")))
display(HTML(html_table(noise.noise_separation_view(adjacent, matched, len(pairs)), index=True,
                        caption="Separation (the larger of AUROC and 1 − AUROC) of adjacent noise levels and of "
                                "memorizing against non-memorizing networks of matched training accuracy")))

# %% [markdown]
# ## What MFR does at the switch to shuffled labels

# %% tags=["remove-input"]
provenance(paths.results_dir() / switch_profile, "zoo")
show(answer["switch"])
show_captioned(plots.switch_traces(results.traces(paths.results_dir() / switch_profile)), "Z4",
               "The probe's MFR after the switch to shuffled labels: left against the epoch on shuffled labels, "
               "right against the running training accuracy reached on them; one line per network.")

# %% [markdown]
# ## The papers' indicators, test by test

# %% tags=["remove-input"]
provenance([root, clean_root], "zoo")
show("Rules: " + "; ".join(f"**{test}**: {rule}" for test, rule in scorecard.RULES.items()) + ".")
display(HTML(html_table(card)))

# %% [markdown]
# ## The validation samples in the training recording
#
# The paper records a network's training split on every training sample, the
# validation samples it was never trained on included. The `recording`
# profile records the same trained networks both ways.

# %% tags=["remove-input"]
if recording_profile and paths.has_cells(paths.results_dir() / recording_profile):
    provenance(paths.results_dir() / recording_profile, "zoo")
    effect, sentence = courses.recording_effect(paths.results_dir() / recording_profile)
    publish(profile, {"recording": sentence})
    show(sentence)
    display(HTML(html_table(effect, digits=3)))
else:
    show("This page's profiles have no such recording: the recording profile has not been run for them.")
