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
# # Experimental cell
#
# One experimental cell of the replication: a data set, a model, the width of
# its last hidden ReLU layer, a training condition and a seed (the paper's
# section 3.1). The network is trained (or not) as the condition says, then
# classifies the training and the test set in a shuffled, recorded order while
# the observed layer's activations are thresholded at 0 into one binary spike
# train per node. `spikelib.experiment.cell.run_cell` does the work and writes
# `spikes.npz` and `metrics.json` to `output_dir`; this page shows what it found.
#
# **Choices the paper leaves open, and what this compendium does.** The paper
# gives the optimiser (SGD, learning rate 0.1, no momentum), the batch size
# (256) and the validation split (10 %), but not the number of epochs for
# generalizing or memorizing training, how the labels were shuffled, how the
# sample order was randomised, or on which labels the memorizing networks'
# validation accuracy was measured. Here: `epochs` (true labels) and
# `max_memorize_epochs` (shuffled labels) cap the phases, which stop on the
# rules `generalize_until` and `memorize_until`; the shuffled labels are a
# seeded permutation of the training labels; the validation split is Keras'
# (the last 10 % of the training arrays, before shuffling), and its accuracy is
# measured on the labels the network was trained with, so a memorizing network
# scores about chance there, as in the paper's Table 1; the sample order of
# both recordings is a seeded permutation written into `metrics.json`.

# %% tags=["parameters", "remove-cell"]
# Every parameter of a cell, with its declared default (spikelib.experiment.config.CellConfig);
# a test keeps this cell and the declaration in step.
dataset = "digits"
model = "mlp"
width = 128
condition = "generalizing"
seed = 0
epochs = 10
generalize_until = "epochs"
max_memorize_epochs = 3000
memorize_until = "paper"
patience = 100
generalize_patience = 5
min_gain = 0.005
label_noise = None
batch_size = 256
learning_rate = 0.1
validation_split = 0.1
l1 = 0.0
l2 = 0.0
depth = 1
dropout = 0.0
weight_decay = 0.0
train_samples = None
window = 100
train_recording = "all"
ljung_box_lags = 10
layer = "observed"
densenet_weights = "imagenet"
protocol = "cell"
probe_size = 100
trace_every = 10
trace_samples = 2000
xla = True
save_model = True
checkpoint_every = 10
base_model = None
output_dir = None
data_dir = None

# %% tags=["remove-cell"]
import pandas as pd
from IPython.display import display

import spikelib as sl
from spikelib.experiment.cell import run_cell
from spikelib.experiment.config import CellConfig, parameter_specs
from spikelib.experiment.measures import PAPER_INDICATORS
from spikelib.report import plots
from spikelib.report.render import show_figure

config = CellConfig.from_dict({spec.name: globals()[spec.name] for spec in parameter_specs()})

# %% [markdown]
# ## Training and recording

# %%
result = run_cell(config)
metrics = result.metrics

# %% [markdown]
# ## How the network was trained
#
# Each training phase stops on a rule: a target accuracy (the paper's, where it
# reports this network), a plateau (no gain of `min_gain` within `patience`
# epochs), or its cap of epochs. The true-label phase watches validation
# accuracy, the shuffled-label phase the running training accuracy, which is
# what Keras reports for an epoch and what the paper's Table 1 most likely
# shows. Every few epochs the four indicators are measured on a fixed probe of
# training samples (the traces).

# %%
phases = result.training["phases"]
if phases:
    display(pd.DataFrame([{"phase": p["name"], "until": p["rule"]["until"], "target from": p["rule"]["target_source"],
                           "cap": p["rule"]["max_epochs"], "epochs": len(p["history"]["epoch"]),
                           "stopped by": p["stop_reason"],
                           "last accuracy": p["history"]["accuracy"][-1] if p["history"]["epoch"] else None}
                          for p in phases]).set_index("phase"))
    show_figure(plots.training_history(phases))
else:
    print("A random cell is not trained.")

# %% [markdown]
# ## Accuracy and the network's indicators
#
# Accuracies are fractions. `train_accuracy` is the running accuracy of the
# last epoch (an evaluation pass after training, `train_accuracy_evaluated`,
# is beside it); train and validation accuracy are measured on the labels the
# network was trained with, test accuracy on the true test labels. MFR is the
# mean firing rate, CV FR the coefficient of variation of the nodes' rates,
# MF the mean windowed Fano factor and CV MF its coefficient of variation
# (fractions, where the paper prints CVs in percent).

# %%
accuracy = pd.Series({key: metrics[key] for key in
                      ("train_accuracy", "train_accuracy_evaluated", "validation_accuracy", "test_accuracy",
                       "generalization_gap")})
indicators = pd.DataFrame({split: metrics["splits"][split] for split in ("train", "test")}).T
display(accuracy.to_frame("value").round(4))
display(indicators[[*PAPER_INDICATORS, "n_silent", "n_always_on",
                    "fano_below", "fano_compatible", "fano_above", "ljung_box_pearson_p"]])
print("trainable layers:", metrics["trainable_layers"], "| frozen layers:", metrics["frozen_layers"],
      "| label noise:", metrics["labels"]["noise"])

# %% [markdown]
# ## Firing rates and Fano factors of the nodes
#
# Left: the distribution of the nodes' firing rates on the training and the
# test set (the paper compares these with a two-sample KS test). Right: each
# node's Fano factor against its rate, with the value $1 - p$ that an
# independent binary train of rate $p$ has.

# %%
spikes = result.spikes
show_figure(plots.rates_and_fano({split: sl.firing_rate(spikes[split]) for split in ("train", "test")},
                                 {split: sl.fano_factor(spikes[split], window) for split in ("train", "test")
                                  if spikes[split].shape[1] >= 2 * window}, window))

# %% [markdown]
# ## A piece of the raster
#
# The first 300 samples of the test recording, nodes sorted by firing rate.

# %%
show_figure(plots.raster_excerpt(spikes["test"][:, :300]))
