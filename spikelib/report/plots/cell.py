"""One cell's figures: its training, its nodes' rates and Fano factors, a raster excerpt.

Functions
---------
training_history
    Accuracy and the traced indicators epoch by epoch.
rates_and_fano
    The nodes' firing rates and Fano factors.
raster_excerpt
    A piece of the test raster.
"""

import matplotlib.pyplot as plt
import numpy as np

from .style import PAGE_WIDTH, style

__all__ = ["training_history", "rates_and_fano", "raster_excerpt"]


def training_history(phases):
    """One cell's training: accuracy per epoch (left) and the probe's MFR and MF (right), phase after phase.

    Parameters
    ----------
    phases : list of dict
        ``training.json``'s ``phases`` (each with ``name``, ``history`` and ``traces``).
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.4))
    offset = 0
    for phase in phases:
        history, traces = phase["history"], phase["traces"]
        epochs = np.array(history["epoch"]) + offset
        axes[0].plot(epochs, history["accuracy"], label=f"training, {phase['name']}")
        axes[0].plot(epochs, history["val_accuracy"], ls="--", label=f"validation, {phase['name']}")
        for key, name in (("mfr", "MFR"), ("mf", "MF")):
            axes[1].plot(np.array(traces["epoch"]) + offset, traces[key], marker=".", label=f"{name}, {phase['name']}")
        offset = epochs[-1] if len(epochs) else offset
    axes[0].set(xlabel="epoch", ylabel="accuracy (on the labels trained with)")
    axes[1].set(xlabel="epoch", ylabel="indicator on the training probe")
    for ax in axes:
        ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def rates_and_fano(rates, fanos, window):
    """Each node's firing rate (histogram, left) and Fano factor against it (right), per split, beside the
    binary expectation F = 1 - p.

    Parameters
    ----------
    rates, fanos : dict of str to numpy.ndarray
        Per split (``train``, ``test``); a split without Fano factors (too short a recording) is left out on the right.
    window : int
    """
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.5))
    bins = np.linspace(0, 1, 26)
    for split, rate in rates.items():
        colour = style("split", split)["color"]
        axes[0].hist(rate, bins=bins, alpha=0.6, color=colour, label=split)
        if fanos.get(split) is not None:
            axes[1].scatter(rate, fanos[split], s=8, color=colour, label=split)
    axes[0].set(xlabel="firing rate", ylabel="nodes")
    axes[0].legend(frameon=False)
    axes[1].plot([0, 1], [1, 0], color="0.3", lw=1, label="$1 - p$")
    axes[1].set(xlabel="firing rate", ylabel=f"Fano factor (window {window})")
    axes[1].legend(frameon=False)
    fig.tight_layout()
    return fig


def raster_excerpt(raster, xlabel="test sample (shuffled order)"):
    """A raster as an image, nodes sorted from the most to the least active."""
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3))
    ax.imshow(raster[np.argsort(-raster.mean(axis=1))], aspect="auto", cmap="Greys", interpolation="nearest")
    ax.set(xlabel=xlabel, ylabel="node")
    return fig
