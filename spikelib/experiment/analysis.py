"""The analysis stage of a cell: record the observed layer of a trained network and compute its statistics.

Training is expensive and analysis is cheap, so they are separate stages: a
cell whose ``training.json`` and ``model.keras`` are present and current is
analysed again without retraining when the statistics change
(:data:`ANALYSIS_VERSION`).

Functions
---------
record_layer
    The observed layer's rasters on the training and test sets, in seeded orders.
split_statistics
    Network-level metrics and per-node arrays of one split's raster.
"""

import numpy as np

from ..assumptions import adf, change_points, combine_pvalues, ljung_box
from ..intervals import isi_cv
from ..raster import binarize
from ..rates import firing_rate
from ..summary import summarize
from ..variability import fano_factor, fano_test
from .models import observed_activations

__all__ = ["record_layer", "split_statistics", "ANALYSIS_VERSION", "TRAIN_ORDER_STREAM", "TEST_ORDER_STREAM"]

#: Version of the statistics a cell computes; results of another version are analysed again.
ANALYSIS_VERSION = 1
#: Seed streams of the recordings' sample orders (with the cell's seed).
TRAIN_ORDER_STREAM, TEST_ORDER_STREAM = 2, 3


def _order(seed, stream, n):
    return np.random.default_rng([seed, stream]).permutation(n)


def record_layer(network, data, config):
    """Rasters of the observed layer on both splits, each in its seeded sample order.

    Returns
    -------
    rasters : dict of str to numpy.ndarray of bool
        ``train`` and ``test``, shape ``(n_nodes, n_samples)``.
    orders : dict of str to numpy.ndarray of int
        The permutation of each split's samples (sample ``t`` of a raster is
        ``x[order[t]]``).
    """
    rasters, orders = {}, {}
    for split, x, stream in (("train", data.x_train, TRAIN_ORDER_STREAM), ("test", data.x_test, TEST_ORDER_STREAM)):
        orders[split] = _order(config.seed, stream, len(x))
        rasters[split] = binarize(observed_activations(network, x[orders[split]], layer=config.layer))
    return rasters, orders


def _share(mask, valid):
    return float(mask[valid].mean()) if valid.any() else float("nan")


def split_statistics(spikes, config, stationarity):
    """Network-level metrics and per-node arrays of one split's raster.

    Parameters
    ----------
    spikes : numpy.ndarray of bool, shape (n_nodes, n_samples)
    config : CellConfig
        ``window`` and ``ljung_box_lags`` are used.
    stationarity : bool
        Also run ADF and change points (the test split: it bounds the cost).

    Returns
    -------
    stats : dict
    nodes : dict of str to numpy.ndarray
    """
    stats = summarize(spikes, window=config.window).to_dict()
    test = fano_test(spikes, window=config.window)
    lb = ljung_box(spikes, lags=config.ljung_box_lags)
    lb_last = lb.pvalue[:, -1]
    testable = ~(test.silent | test.always_on)
    stats.update({
        "fano_below": int(test.below.sum()),
        "fano_above": int(test.above.sum()),
        "fano_compatible": int(test.compatible.sum()),
        "fano_compatible_fraction": float(test.compatible.sum() / max(1, testable.sum())),
        # Pearson (the paper's method) is swamped by nodes with p ~ 1; Fisher and the
        # per-node rejection rate are stored beside it.
        "ljung_box_pearson_p": combine_pvalues(lb_last, "pearson")[1],
        "ljung_box_fisher_p": combine_pvalues(lb_last, "fisher")[1],
        "ljung_box_rejected_fraction": _share(lb_last < 0.05, np.isfinite(lb_last)),
    })
    nodes = {"firing_rate": firing_rate(spikes), "fano": fano_factor(spikes, config.window),
             "fano_statistic": test.statistic, "fano_pvalue": test.pvalue, "isi_cv": isi_cv(spikes),
             "ljung_box_pvalue": lb_last}
    if stationarity:
        unit_root = adf(spikes, max_lag=config.ljung_box_lags)
        found = change_points(spikes, window=config.window)
        varying = ~unit_root.constant
        stats.update({
            "adf_stationary_fraction": _share(unit_root.pvalue < 0.05, varying),
            "adf_max_pvalue": float(np.nanmax(unit_root.pvalue)) if varying.any() else float("nan"),
            "change_point_nodes": int(sum(len(c) > 0 for c in found)),
            "change_points_total": int(sum(len(c) for c in found)),
        })
        nodes["adf_pvalue"] = unit_root.pvalue
        nodes["change_points"] = np.array([len(c) for c in found])
    return stats, nodes
