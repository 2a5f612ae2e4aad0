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
#   networks separates by 1 - AUROC;
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
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from spikelib import paths
from spikelib.onset import OnsetDetector
from spikelib.report import benchmark, plots, results
from spikelib.report.render import caption, html_table

root, csv_dir = paths.page_folders(profile, results_root, tables_dir)
joined = [paths.results_dir() / name for name in join_profiles if paths.has_cells(paths.results_dir() / name)]
frame = benchmark.benchmark_set([root, *joined])
finished, planned, progress = results.completion(root)
glue(f"{profile}_progress", progress, display=False)
glue(f"{profile}_cell_hours", results.computing_seconds(root) / 3600, display=False)


# %% tags=["hide-input"]
display(Markdown(progress))
noise_levels = sorted(frame["label_noise"].unique())
widths = sorted(frame["width"].unique())
seeds = sorted(frame["seed"].unique())
display(Markdown(
    f"**Profiles {', '.join(f'`{name}`' for name in sorted(frame['profile'].unique()))}**: {len(frame)} networks "
    f"(random and penalised networks left out; memorizing conditions count as label noise 1), {', '.join(sorted(frame['model'].unique()))} at widths "
    f"{', '.join(map(str, widths))}, label noise {', '.join(f'{n:g}' for n in noise_levels)}, seeds "
    f"{', '.join(map(str, seeds))}. Memorizing: noise of at least {benchmark.MEMORIZING_NOISE:g} "
    f"({int((frame['label_noise'] >= benchmark.MEMORIZING_NOISE).sum())} networks); clean: "
    f"{int((frame['label_noise'] == 0).sum())} networks."))
summary = frame.groupby("label_noise")[["train_accuracy", "test_accuracy", "gap"]].mean().mul(100).round(1)
summary.index = [f"{n:g}" for n in summary.index]
summary.index.name = "label noise"
display(HTML(html_table(summary.rename(columns={"train_accuracy": "train accuracy (labels trained with, %)",
                                                "test_accuracy": "test accuracy (%)", "gap": "gap (points)"}),
                        digits=1, index=True)))

# %% [markdown]
# ## The benchmark
#
# Sorted by separation. `direction` says whether memorizing networks score
# higher or lower.

# %% tags=["hide-input"]
table = benchmark.scores(frame, n_boot=n_boot)
if len(seeds) < 2:  # a cluster bootstrap over one seed redraws the same networks every time
    display(Markdown("**The results hold one seed only, so the intervals below collapse onto the estimates: "
                     "they say nothing about uncertainty yet.**"))
table.to_csv(csv_dir / "benchmark.csv", index=False)
shown = table.assign(
    AUROC=[f"{a:.2f} [{lo:.2f}, {hi:.2f}]" for a, lo, hi in zip(table["auroc"], table["auroc_low"], table["auroc_high"])],
    tau=[f"{t:+.2f} [{lo:+.2f}, {hi:+.2f}]" for t, lo, hi in zip(table["tau"], table["tau_low"], table["tau_high"])],
)[["indicator", "family", "direction", "separation", "AUROC", "tau", "rho_noise", "seconds"]]
display(HTML(html_table(shown.rename(columns={"tau": "Kendall tau with the gap", "rho_noise": "Spearman rho with noise",
                                              "seconds": "seconds per network"}), digits=3)))
best = table.iloc[0]
ours = table[table["family"] == "ours"].iloc[0]
rival = table[table["family"] == "rival"].iloc[0]
by_tau = table.iloc[table["tau"].abs().argmax()]
glue(f"{profile}_best", best["indicator"], display=False)
glue(f"{profile}_best_separation", float(best["separation"]), display=False)
glue(f"{profile}_best_ours", ours["indicator"], display=False)
glue(f"{profile}_best_ours_separation", float(ours["separation"]), display=False)
glue(f"{profile}_best_rival", rival["indicator"], display=False)
glue(f"{profile}_best_rival_separation", float(rival["separation"]), display=False)
glue(f"{profile}_best_tau", by_tau["indicator"], display=False)
glue(f"{profile}_best_tau_value", float(by_tau["tau"]), display=False)
glue(f"{profile}_headline", benchmark.headline(table), display=False)
glue(f"{profile}_weightwatcher_coverage", benchmark.weightwatcher_coverage(frame), display=False)
glue(f"{profile}_ranking", "; ".join(f"{i + 1}. {row.indicator} ({row.separation:.2f})"
                                     for i, row in enumerate(table.head(5).itertuples())), display=False)
display(Markdown(
    f"Ranked by separation: {'; '.join(f'{i + 1}. {row.indicator} ({row.separation:.2f})' for i, row in enumerate(table.itertuples()))}. "
    f"The best of the papers' indicators is **{ours['indicator']}** (separation {ours['separation']:.2f}, tau "
    f"{ours['tau']:+.2f}); the best rival is **{rival['indicator']}** ({rival['separation']:.2f}, tau "
    f"{rival['tau']:+.2f}). The strongest tracker of the gap is {by_tau['indicator']} (tau {by_tau['tau']:+.2f}). "
    + benchmark.weightwatcher_coverage(frame)))

# %% [markdown]
# {download}`The benchmark table (CSV) <benchmark.csv>` and
# {download}`every network's indicators (CSV) <networks.csv>`

# %% tags=["hide-input"]
frame.to_csv(csv_dir / "networks.csv", index=False)
fig = plots.forest(table)
plt.show()
plt.close(fig)
caption(8, f"Separation (AUROC of memorizing against clean networks, left; 0.5 is chance) and tracking "
           f"(Kendall tau with the generalization gap, right) of every indicator over the {len(frame)} networks "
           "of this profile, with 95 % cluster-bootstrap intervals over seeds. Filled: the papers' indicators; "
           "open: the rivals.")

# %% [markdown]
# ## Dose-response
#
# Each indicator against the label-noise fraction: the mean over seeds (and
# its 95 % interval) for each width.

# %% tags=["hide-input"]
columns = [(row.column, row.indicator) for row in table.head(8).itertuples()]
fig = plots.noise_response(frame, columns)
plt.show()
plt.close(fig)
caption(9, "The eight best-separating indicators against the fraction of shuffled training labels, one line "
           "per width (mean over seeds, band: 95 % interval of the mean).")

# %% [markdown]
# ## How many samples do the indicators need?
#
# The papers' indicators computed from the first 100, 300, 1,000 and 3,000
# training samples of each recording (a random subset: the recording's order
# is shuffled), against all of them. With few samples the Fano-factor window
# shrinks to a tenth of them, so that ten windows fit.

# %% tags=["hide-input"]
few = benchmark.few_sample_scores(frame)
few.to_csv(csv_dir / "few_samples.csv", index=False)
if len(few):
    wide = few.pivot(index="indicator", columns="samples", values="separation")
    wide.columns = [f"{c} samples" if c != "all" else "all samples" for c in wide.columns]
    display(HTML(html_table(wide, digits=2, index=True, caption="separation (max of AUROC and 1 - AUROC)")))
    wide = few.pivot(index="indicator", columns="samples", values="tau")
    wide.columns = [f"{c} samples" if c != "all" else "all samples" for c in wide.columns]
    display(HTML(html_table(wide, digits=2, index=True, caption="Kendall tau with the generalization gap")))
    mfr = few[(few["indicator"] == "MFR")].set_index("samples")["separation"]
    glue(f"{profile}_mfr_100", float(mfr.get(100, np.nan)), display=False)
    glue(f"{profile}_mfr_all", float(mfr.get("all", np.nan)), display=False)

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
# shuffled labels at a known epoch), this profile's and the joined profiles',
# give the alarm's delay; the noisy-label runs give its alarms, and on clean
# labels its false alarms.

# %% tags=["hide-input"]
detector = OnsetDetector()
display(Markdown(f"Settings: warm-up {detector.warmup} epochs, forecast from the {detector.baseline} epochs before, "
                 f"spread at least {detector.min_scale:.0%} of the level, slack {detector.slack:g}, "
                 f"alarm above {detector.threshold:g}."))
evaluations = [benchmark.monitor_evaluation(folder, detector) for folder in [root, *joined]]  # joined: their switch runs
switches = pd.concat([switch for switch, _ in evaluations], ignore_index=True)
noisy = pd.concat([run for _, run in evaluations], ignore_index=True)
monitor = []
if len(switches):
    display(HTML(html_table(switches.drop(columns="values"), digits=0)))
    found = switches["delay"].notna()
    delays = switches["delay"].dropna()
    if len(delays) == 1:
        timing = f", {delays.iloc[0]:.0f} epoch{'' if delays.iloc[0] == 1 else 's'} after the switch"
    elif len(delays) and delays.min() == delays.max():
        timing = f", each {delays.iloc[0]:.0f} epoch{'' if delays.iloc[0] == 1 else 's'} after the switch"
    elif len(delays):
        timing = (f", a median of {delays.median():g} epochs (range {delays.min():.0f} to {delays.max():.0f}) "
                  "after the switch")
    else:
        timing = ""
    monitor.append(f"alarmed in {int(found.sum())} of {len(switches)} run{'s' * (len(switches) != 1)} that "
                   f"switched to shuffled labels{timing}")
else:
    monitor.append("has no finished switch run to be timed on yet")
if len(noisy):
    rates = noisy.assign(alarm=noisy["alarm_epoch"].notna()).groupby("label_noise").agg(
        runs=("alarm", "size"), alarms=("alarm", "sum"), median_alarm_epoch=("alarm_epoch", "median"))
    rates.index = [f"{n:g}" for n in rates.index]
    rates.index.name = "label noise"
    display(HTML(html_table(rates, digits=0, index=True)))
    clean = noisy[noisy["label_noise"] == 0]
    monitor.append(f"alarmed falsely in {int(clean['alarm_epoch'].notna().sum())} of {len(clean)} "
                   f"run{'s' * (len(clean) != 1)} on clean labels")
monitor_summary = "The online monitor " + " and ".join(monitor) + "."
glue(f"{profile}_monitor_summary", monitor_summary, display=False)
display(Markdown(monitor_summary))

# %% tags=["hide-input"]
if len(switches):
    run = switches.iloc[0]
    values = np.asarray(run["values"])
    fig, ax = plt.subplots(figsize=(plots.PAGE_WIDTH / 1.4, 3.2))
    epochs = np.arange(1, len(values) + 1)
    ax.plot(epochs, values, marker=".", color="C0", label="MFR on the probe, end of each epoch")
    ax.axvline(run["switch_epoch"] + 0.5, color="0.3", ls="--", lw=1, label="labels shuffled")
    if np.isfinite(run["alarm_epoch"]):
        ax.axvline(run["alarm_epoch"], color="C3", lw=1.5, label=f"alarm (epoch {run['alarm_epoch']:.0f})")
    ax.set(xlabel="epoch", ylabel="MFR")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    plt.show()
    plt.close(fig)
    caption(10, f"The monitor on one run ({run['cell_id']}): the observed layer's mean firing rate at the end of "
                "every epoch, the switch to shuffled labels, and the alarm.")
