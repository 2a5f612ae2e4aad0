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
# # Spike trains of a small network on the digits data
#
# This page runs the whole idea of the paper once, on data that ships with
# scikit-learn: a one-hidden-layer network learns the 8x8 digits, its hidden
# ReLU layer is observed while it classifies the test set in a shuffled
# order, every node's activations are thresholded at 0 into a binary spike
# train, and `spikelib` computes the Poisson-process statistics of those
# trains. The full replication (memorizing networks, all conditions) is built
# from the same pieces in the later chapters.
#
# **What this run shows.** On {glue:text}`n_samples` shuffled test samples
# (test accuracy {glue:text}`test_accuracy`), the {glue:text}`n_nodes`
# observed nodes fire with a mean rate of {glue:text}`mfr:.2f` spikes per
# sample, and their mean Fano factor is {glue:text}`mf:.2f`, close to
# $1 - \mathrm{MFR} =$ {glue:text}`one_minus_mfr:.2f`, the value an independent
# binary train of that rate would have. The Eden & Kramer test puts
# {glue:text}`n_below` nodes significantly below 1 and leaves
# {glue:text}`n_compatible` compatible with the Poisson value; the
# Pearson-combined Ljung-Box p-value, {glue:text}`ljung_box_combined_p`, is
# the evidence on independence across the shuffled sequence (a small value
# would reject it; the assumption pages show why Pearson's combination is
# hard to reject). The sections below compute each of these numbers.

# %% tags=["parameters", "remove-cell"]
width = 64
epochs = 30
seed = 0
window = 20

# %%
import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

import spikelib as sl
from spikelib.experiment.data import load_dataset
from spikelib.experiment.measures import PAPER_INDICATORS
from spikelib.experiment.models import build_model, compile_model, observed_activations
from spikelib.report.plots.style import style
from spikelib.report.render import caption, format_kind, show_figure

# %% [markdown]
# ## Train, then observe the hidden layer

# %%
print(f"observed layer of {width} nodes, {epochs} epochs of training, "
      f"Fano window {window} samples, seed {seed}")
data = load_dataset("digits")
model = build_model("mlp", width, data.input_shape, data.n_classes, seed=seed)
network = compile_model(model)
history = network.fit(data.x_train, data.y_train, batch_size=256, epochs=epochs,
                      validation_split=0.1, verbose=0)
test_accuracy = network.evaluate(data.x_test, data.y_test, verbose=0)[1]
order = np.random.default_rng(seed).permutation(len(data.x_test))  # recorded order
spikes = sl.binarize(observed_activations(network, data.x_test[order]))
print(f"test accuracy {format_kind(test_accuracy, 'fraction_percent')}; "
      f"raster {spikes.shape[0]} nodes x {spikes.shape[1]} samples")
glue("test_accuracy", format_kind(test_accuracy, "fraction_percent"), display=False)
glue("n_samples", spikes.shape[1], display=False)

# %%
fig, ax = plt.subplots(figsize=(8, 3))
by_rate = np.argsort(-spikes.mean(axis=1))
ax.imshow(spikes[by_rate], aspect="auto", cmap="Greys", interpolation="nearest")
ax.set(xlabel="input sample (shuffled order)", ylabel="node (by rate)",
       title="Binarized activations of the observed layer")
show_figure(fig)
caption(1, f"The raster: one row per node of the observed layer ({spikes.shape[0]} "
           "nodes, the most active at the top), one column per test sample "
           f"({spikes.shape[1]}, in the recorded shuffled order); black where the "
           "node fired.")

# %% [markdown]
# ## The paper's four indicators

# %%
summary = sl.summarize(spikes, window=window)
for key in PAPER_INDICATORS:
    glue(key, getattr(summary, key), display=False)
print(f"MFR {summary.mfr:.3f}, CV of FR {summary.cv_fr:.3f}, "
      f"MF {summary.mf:.3f}, CV of MF {summary.cv_mf:.3f}")
print(f"over {summary.n_nodes} nodes and {summary.n_samples} samples "
      f"({summary.n_silent} silent, {summary.n_always_on} always on)")

# %% [markdown]
# A binary train is a Bernoulli process: with firing probability $p$ per
# sample, counts in a window are Binomial, so its Fano factor is $1 - p$, not
# the Poisson value 1. The plot compares every node's windowed Fano factor with
# that expectation.

# %%
rates = sl.firing_rate(spikes)
fano = sl.fano_factor(spikes, window)
test = sl.fano_test(spikes, window)
glue("n_below", int(test.below.sum()), display=False)
glue("n_compatible", int(test.compatible.sum()), display=False)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
axes[0].hist(rates, bins=20, color="0.4")
axes[0].set(xlabel="firing rate (spikes per sample)", ylabel="nodes")
axes[0].yaxis.get_major_locator().set_params(integer=True)  # a count of nodes
axes[1].scatter(rates, fano, s=12, color="0.2", label="observed")
bernoulli = style("reference", "Bernoulli")["color"]
poisson = style("reference", "Poisson")["color"]
axes[1].plot([0, 1], [1, 0], color=bernoulli, label="Bernoulli: $1 - p$")
axes[1].axhline(1, color=poisson, ls=":", label="Poisson: 1")
axes[1].set(xlabel="firing rate", ylabel=f"Fano factor (window {window})")
axes[1].legend(frameon=False)
fig.tight_layout()
show_figure(fig)
caption(2, "Left: how many nodes fire at each rate. Right: each node's Fano factor "
           f"in windows of {window} samples against its firing rate, beside the "
           "Bernoulli expectation 1 − p (line) and the Poisson value 1 (dotted).")

# %% [markdown]
# ## Assumption checks and the interval distribution

# %%
lb = sl.ljung_box(spikes, lags=10)
lb_stat, lb_p = sl.combine_pvalues_pearson(lb.pvalue[:, -1])
fit = sl.isi_fit(spikes)
# a p-value as the tables print it: "< 0.001" or three decimals
glue("ljung_box_combined_p", format_kind(lb_p, "p"), display=False)
print(f"Ljung-Box (10 lags), Pearson-combined p: {format_kind(lb_p, 'p')}")
print(f"Eden-Kramer test: {test.below.sum()} of {len(rates)} nodes below 1, "
      f"{test.above.sum()} above, {test.compatible.sum()} compatible with 1, "
      f"{test.silent.sum()} silent, {test.always_on.sum()} always on")
geometric = np.nansum(fit.ks_geometric < fit.ks_exponential)
print(f"ISIs closer to the geometric than the exponential law in "
      f"{geometric} of {np.sum(fit.n_intervals > 0)} nodes")
glue("one_minus_mfr", 1 - summary.mfr, display=False)
glue("n_nodes", spikes.shape[0], display=False)
