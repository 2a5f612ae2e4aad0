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
# # Detector benchmark
#
# Is this network memorizing? Networks were trained with a fraction of their
# training labels shuffled among themselves (label noise), from 0 (clean) to
# 1 (all shuffled: the paper's memorizing condition), with several seeds each
# and the same training budget, so that how much a network memorizes is
# known. Every indicator is computed from training data only (no test labels)
# and scored on three questions:
#
# - **separation**: the AUROC of clean networks against memorizing ones (label
#   noise of at least 0.6); an indicator that is *lower* for memorizing
#   networks separates by 1 − AUROC;
# - **tracking**: Kendall's tau with the generalization gap (training accuracy
#   on the labels trained with, minus test accuracy) across all networks, and
#   Spearman's rho with the noise fraction;
# - **cost**: the seconds it takes per network on this machine.
#
# Intervals are 95 % cluster-bootstrap intervals over seeds (each drawn seed
# brings all its networks). The rivals are the diagnostics a researcher would
# otherwise use (see `spikelib.experiment.diagnostics`). The networks of the
# profile's replication (memorizing conditions trained to the paper's
# accuracy) join the label-noise networks.

# %% tags=["parameters", "remove-cell"]
profile = "noise"
results_root = None
tables_dir = None
join_profiles = []
n_boot = 1000

# %% tags=["remove-cell"]
import numpy as np
from IPython.display import HTML, display
from myst_nb import glue

from spikelib import paths
from spikelib.onset import OnsetDetector
from spikelib.report import benchmark, monitor, plots, results
from spikelib.report.networks import benchmark_set
from spikelib.report.render import and_list, caption, html_table, publish, provenance, show, show_figure

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
joined = [paths.results_dir() / name for name in join_profiles if paths.has_cells(paths.results_dir() / name)]
_ = provenance([root, *joined], "benchmark")  # the tables join those profiles' networks
frame = benchmark_set([root, *joined])
progress = results.completion(root)[2]
publish(profile, {"progress": progress, "cell_hours": results.computing_seconds(root) / 3600})


# %% tags=["hide-input"]
sentence, by_noise = benchmark.benchmark_overview(frame)
table = benchmark.benchmark_scores(frame, n_boot=n_boot)
numbers, paragraph = benchmark.benchmark_numbers(table, frame)
publish(profile, numbers)
show(results.small_profile_note(root))  # empty on the full profiles; first where it is not
show("**Answer.** " + paragraph)  # the answer first; how it was reached and its table follow
show(progress)
show(sentence)
display(HTML(html_table(by_noise, digits=1, index=True)))

# %% [markdown]
# ## The benchmark
#
# Sorted by separation. The column "memorizing networks score" says whether
# they score higher or lower than clean networks, and where the indicator's
# source expected the other side.

# %% tags=["hide-input"]
if frame["seed"].nunique() < 2:  # a cluster bootstrap over one seed redraws the same networks every time
    show("**The results hold one seed only, so the intervals below collapse onto the estimates: "
                     "they say nothing about uncertainty yet.**")
table.to_csv(csv_dir / "benchmark.csv", index=False)
display(HTML(html_table(benchmark.benchmark_view(table), digits=2)))  # as the AUROC beside it

# %% [markdown]
# {download}`The benchmark table (CSV) <benchmark.csv>` and
# {download}`every network's indicators (CSV) <networks.csv>`

# %% tags=["hide-input"]
frame.to_csv(csv_dir / "networks.csv", index=False)
show_figure(plots.forest(table))
caption(8, f"Separation (AUROC of memorizing against clean networks, left; 0.5 is chance) and tracking "
           f"(Kendall tau with the generalization gap, right) of every indicator over the {len(frame)} networks "
           "of this profile, with 95 % cluster-bootstrap intervals over seeds. The legend names each family's "
           "marker: the paper's and the follow-up's indicators filled, the rivals open, and the controls (how well "
           "each network fits its training labels).")

# %% [markdown]
# ## Dose-response
#
# The best-separating indicators against the label-noise fraction: the mean
# over seeds (and its 95 % interval) for each width.

# %% tags=["hide-input"]
indicators = table[table["family"] != "control"].head(8)  # the controls are not indicators
show_figure(plots.noise_response(frame, [(row.column, row.measure) for row in indicators.itertuples()]))
caption(9, f"The {len(indicators)} best-separating indicators (controls left out) against the fraction of shuffled "
           "training labels, one line per width (mean over seeds, band: 95 % interval of the mean); a width trained "
           "at one noise level only (the replication's networks) is a point.")

# %% [markdown]
# ## How many samples do the indicators need?

# %% tags=["hide-input"]
few = benchmark.few_sample_scores(frame)
few.to_csv(csv_dir / "few_samples.csv", index=False)
subsets = [n for n in few["samples"].unique() if n != "all"] if len(few) else []
show(f"The papers' indicators computed from the first {and_list([f'{n:,}' for n in subsets]) if subsets else 'few'} training "
     "samples of each recording (a random subset: the recording's order is shuffled), against all of them; a size "
     "the recordings do not reach is left out. With few samples the Fano-factor window shrinks to a tenth of "
     "them, so that ten windows fit.")
for wide, title in benchmark.few_sample_views(few) if len(few) else []:
    display(HTML(html_table(wide, digits=2, index=True, caption=title)))
if len(few):
    mfr = few[(few["measure"] == "MFR")].set_index("samples")["separation"]
    publish(profile, {"mfr_100": float(mfr.get(100, np.nan)), "mfr_all": float(mfr.get("all", np.nan))})

# %% [markdown]
# ## The online monitor
#
# `spikelib.experiment.monitor.memorization_monitor` is a Keras callback: at the
# end of every epoch it measures the observed layer's mean firing rate on a
# fixed probe of training samples and feeds it to a one-sided CUSUM
# (`spikelib.onset.OnsetDetector`): each epoch's value is forecast by the mean
# of the epochs just before it, and the shortfalls below the forecast, in units
# of their epoch-to-epoch spread and less a slack, add up to the evidence. A
# slow fall, such as a generalizing network's rate as it trains, adds less than
# the slack per epoch and raises no alarm; a sudden drop does. Its settings
# (below) were chosen on simulated series, not on these runs. Here the same
# rule runs on the recorded series: the switch runs (true labels, then
# shuffled labels at a known epoch) of the profiles the sentence below names
# give the alarm's delay; the noisy-label runs give its alarms, and on clean
# labels its false alarms.

# %% tags=["hide-input"]
detector = OnsetDetector()
show(f"Settings: warm-up {detector.warmup} epochs, forecast from the {detector.baseline} epochs before, "
                 f"spread at least {detector.min_scale:.0%} of the level, slack {detector.slack:g}, "
                 f"alarm above {detector.threshold:g}.")
# The joined profiles bring their switch runs.
names = [folder.name for folder in [root, *joined]]
switches, rates, verdict = monitor.monitor_summary(
    [monitor.monitor_evaluation(folder, detector) for folder in [root, *joined]],
    f"the runs of the {and_list(names)} profile{'s' if len(names) > 1 else ''} traced every epoch")
if len(switches):
    display(HTML(html_table(switches.drop(columns=["values", "cell_id", "width", "seed"]), digits=0)))
if len(rates):
    display(HTML(html_table(rates, digits=0, index=True)))
glue(f"{profile}_monitor_summary", verdict, display=False)
show(verdict)

# %% tags=["hide-input"]
if len(switches):
    show_figure(plots.monitor_run(switches.iloc[0]))
    caption(10, f"The monitor on one run ({switches.iloc[0]['run']}): the observed layer's mean firing rate at "
                "the end of every epoch, the switch to shuffled labels, and the alarm.")
