"""The analysis stage of a cell: record the observed layer of a trained network and compute its statistics.

Training is expensive and analysis is cheap, so they are separate stages: a
cell whose ``training.json`` and ``model.keras`` are present and current is
analysed again without retraining when the statistics change
(:data:`ANALYSIS_VERSION`).

What a cell computes for each split (training and test recordings):

- the paper's indicators (MFR, CV of FR, MF, CV of MF), the Eden & Kramer
  test, Ljung-Box, and on the test split ADF and change points;
- the follow-up's: the activation-probability distribution (quantiles, rare,
  silent and always-on nodes, a Beta fit), the mean positive activation, the
  pairwise correlations (Bonferroni-corrected significance) and the
  participation ratio of their eigen-spectrum;
- the Bernoulli null: the dispersion test against the binomial law, the
  excess Fano factor, geometric against exponential intervals, and the
  Fano factor and dispersion once more with the samples sorted by class
  (order sensitivity);

and for the network, the weights of the observed layer (moments of the
incoming weights, per-node L1/L2 norms in and out, and their rank
correlation with the activation probability); the rival diagnostics of
:mod:`spikelib.experiment.diagnostics`; the indicators from the first 100,
300, 1,000 and 3,000 training samples only; and the paper's indicators for
every hidden ReLU layer (a convolution's nodes are its channels at every
position: each (channel, row, column) is one node).

Functions
---------
record_layer
    The observed layer's rasters on the training and test sets, in seeded
    orders, with each node's mean positive activation.
recording_measures
    The registry's measures of a recording (what ``spikelib diagnose`` reports).
split_statistics
    Network-level metrics and per-node arrays of one split's raster.
weight_statistics
    The observed layer's weights.
few_sample_indicators
    The indicators from the first few samples of a recording.
layer_indicators
    The paper's indicators for every hidden ReLU layer (the depth view).
"""

import time

import numpy as np

from .._optional import soft_import
from ..activation import activation_summary, mean_positive_activation
from ..assumptions import adf, change_points, combine_pvalues, ljung_box
from ..bernoulli import dispersion_test, excess_fano
from ..correlation import correlation_summary
from ..intervals import isi_cv, isi_fit
from ..raster import binarize
from ..rates import firing_rate
from ..summary import summarize
from ..variability import fano_factor, fano_test
from ..weights import node_norms, rank_correlation, weight_moments
from . import streams
from .config import ANALYSIS_VERSION  # noqa: F401 - declared beside TRAINING_VERSION
from .models import forward, observed_activations
from .training import fit_count

__all__ = ["record_layer", "recording_measures", "split_statistics", "weight_statistics", "few_sample_indicators", "layer_indicators",
           "ANALYSIS_VERSION", "sample_order", "record_validation", "FEW_SAMPLES"]

#: Numbers of samples for the indicators from few samples.
FEW_SAMPLES = (50, 100, 300, 1000, 3000)


def sample_order(seed, stream, n):
    """A seeded permutation of ``n`` samples: one stream of the cell's seed per purpose."""
    return np.random.default_rng([seed, stream]).permutation(n)


def record_layer(network, data, config):
    """Rasters of the observed layer on both splits, each in its seeded sample order.

    The training raster holds every training sample (the paper's recording, with the validation tail), or
    only those fitted when ``config.train_recording`` is ``"fit"``.

    Returns
    -------
    rasters : dict of str to numpy.ndarray of bool
        ``train`` and ``test``, shape ``(n_nodes, n_samples)``.
    orders : dict of str to numpy.ndarray of int
        The permutation of each split's samples (sample ``t`` of a raster is
        ``x[order[t]]``).
    magnitudes : dict of str to numpy.ndarray
        Each node's mean positive activation on the split.
    """
    rasters, orders, magnitudes = {}, {}, {}
    train = data.x_train[: fit_count(len(data.x_train), config.validation_split)] \
        if config.train_recording == "fit" else data.x_train
    for split, x, stream in (("train", train, streams.TRAIN_ORDER), ("test", data.x_test, streams.TEST_ORDER)):
        orders[split] = sample_order(config.seed, stream, len(x))
        activations = observed_activations(network, x[orders[split]], layer=config.layer)
        magnitudes[split] = mean_positive_activation(activations)
        rasters[split] = binarize(activations)
    return rasters, orders, magnitudes


def record_validation(network, data, config):
    """The raster of the validation samples (the tail of the training array), in their seeded order: recorded
    apart when the training recording holds only the fitted samples (``train_recording: fit``)."""
    x = data.x_train[fit_count(len(data.x_train), config.validation_split):]
    order = sample_order(config.seed, streams.VALIDATION_ORDER, len(x))
    return binarize(observed_activations(network, x[order], layer=config.layer))


def _share(mask, valid):
    return float(mask[valid].mean()) if valid.any() else float("nan")


def _mean(values):
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def recording_measures(spikes, window, correlation_nodes=None):
    """The measures of the registry computed from a recording (its ``training recording`` measures): the
    paper's four indicators, the follow-up's activation probability and correlation, the Bernoulli null's
    excess Fano factor, by the functions a cell uses (so ``spikelib diagnose`` reports what a cell stores).

    ``correlation_nodes`` (indices of rows) restricts the correlation measures to a sample of the nodes: the
    pairwise matrix of a very wide layer would not fit in memory.

    Returns
    -------
    dict
        Column (:mod:`spikelib.experiment.measures`) -> value.
    """
    summary = summarize(spikes, window=window)
    activation = activation_summary(spikes)
    rows = spikes if correlation_nodes is None else spikes[np.asarray(correlation_nodes)]
    correlation = correlation_summary(rows, correction="bonferroni")
    return {"mfr": summary.mfr, "cv_fr": summary.cv_fr, "mf": summary.mf, "cv_mf": summary.cv_mf,
            "excess_fano_mean": _mean(excess_fano(spikes, window=window)), "share_rare_5": activation.share_rare_5,
            "mean_abs_r": correlation.mean_abs_r, "participation_ratio": correlation.participation_ratio}


def split_statistics(spikes, config, stationarity, labels=None, magnitude=None):
    """Network-level metrics and per-node arrays of one split's raster.

    Parameters
    ----------
    spikes : numpy.ndarray of bool, shape (n_nodes, n_samples)
    config : CellConfig
        ``window`` and ``ljung_box_lags`` are used.
    stationarity : bool
        Also run ADF and change points (the test split: it bounds the cost).
    labels : numpy.ndarray, shape (n_samples,), optional
        The class of each sample in the raster's order: the statistics of
        order sensitivity sort the samples by it.
    magnitude : numpy.ndarray, shape (n_nodes,), optional
        Each node's mean positive activation.

    Returns
    -------
    stats : dict
    nodes : dict of str to numpy.ndarray
    """
    window = config.window
    seconds = {}
    clock = time.perf_counter()
    stats = summarize(spikes, window=window).to_dict()
    seconds["paper_indicators"] = time.perf_counter() - clock
    test = fano_test(spikes, window=window)
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
    rates = firing_rate(spikes)
    clock = time.perf_counter()
    activation = activation_summary(spikes).to_dict()
    seconds["activation_probability"] = time.perf_counter() - clock
    stats.update({("lambda_" + k if k.startswith("q") else k): v for k, v in activation.items()})
    clock = time.perf_counter()
    correlation = correlation_summary(spikes, correction="bonferroni")
    seconds["correlation"] = time.perf_counter() - clock
    stats.update(correlation.to_dict())
    clock = time.perf_counter()
    dispersion = dispersion_test(spikes, window=window)
    excess = excess_fano(spikes, window=window)
    seconds["bernoulli"] = time.perf_counter() - clock
    fit = isi_fit(spikes)
    has_intervals = fit.n_intervals > 0
    varying = ~np.isnan(dispersion.ratio)
    stats.update({
        "mean_positive_activation": _mean(magnitude) if magnitude is not None else float("nan"),
        "dispersion_ratio_mean": _mean(dispersion.ratio),
        "share_overdispersed": _share(dispersion.over, varying),
        "share_underdispersed": _share(dispersion.under, varying),
        "excess_fano_mean": _mean(excess),
        "share_geometric_isi": _share(fit.ks_geometric < fit.ks_exponential, has_intervals),
    })
    nodes = {"firing_rate": rates, "fano": fano_factor(spikes, window), "fano_statistic": test.statistic,
             "fano_pvalue": test.pvalue, "isi_cv": isi_cv(spikes), "ljung_box_pvalue": lb_last,
             "dispersion_ratio": dispersion.ratio, "dispersion_pvalue": dispersion.pvalue, "excess_fano": excess,
             "ks_geometric": fit.ks_geometric, "ks_exponential": fit.ks_exponential,
             "eigenvalues": correlation.eigenvalues, "r_histogram": correlation.histogram}
    if magnitude is not None:
        nodes["mean_positive_activation"] = magnitude
    if labels is not None:
        # Order sensitivity: the same recording with the samples sorted by class.
        by_class = spikes[:, np.argsort(labels, kind="stable")]
        sorted_dispersion = dispersion_test(by_class, window=window)
        stats.update({
            "mf_class_sorted": summarize(by_class, window=window).mf,
            "dispersion_ratio_class_sorted": _mean(sorted_dispersion.ratio),
            "share_overdispersed_class_sorted": _share(sorted_dispersion.over, varying),
        })
        nodes["fano_class_sorted"] = fano_factor(by_class, window)
    if stationarity:
        unit_root = adf(spikes, max_lag=config.ljung_box_lags)
        found = change_points(spikes, window=window)
        has_variance = ~unit_root.constant
        stats.update({
            "adf_stationary_fraction": _share(unit_root.pvalue < 0.05, has_variance),
            "adf_max_pvalue": float(np.nanmax(unit_root.pvalue)) if has_variance.any() else float("nan"),
            "change_point_nodes": int(sum(len(c) > 0 for c in found)),
            "change_points_total": int(sum(len(c) for c in found)),
        })
        nodes["adf_pvalue"] = unit_root.pvalue
        nodes["change_points"] = np.array([len(c) for c in found])
    stats["seconds"] = seconds
    return stats, nodes


def _next_dense(network, layer):
    """The first layer after ``layer`` that has a kernel (its outgoing weights)."""
    names = [item.name for item in network.layers]
    for item in network.layers[names.index(layer) + 1:]:
        if getattr(item, "kernel", None) is not None:
            return item
    return None


def weight_statistics(network, layer, rates, inputs=None):
    r"""The observed layer's weights, how their norms go with the rates, and its pre-activations.

    Only a dense observed layer has one incoming weight vector per node; for
    another layer the statistics are left out (an empty result).

    With ``inputs``, each node's pre-activation :math:`z = w \cdot h + b` on
    them gives its mean :math:`\mu` and standard deviation :math:`\sigma`; if
    :math:`z` were Gaussian, the node would fire with probability
    :math:`\Phi(\mu / \sigma)`. How well that predicts the observed rates
    (``gaussian_rate_mae``) says whether rarity is a matter of the bias and
    the weight norm alone (a derivation, checked here on every network).

    Parameters
    ----------
    network : keras.Model
    layer : str
    rates : numpy.ndarray, shape (n_nodes,)
        The nodes' activation probabilities (on the training set).
    inputs : numpy.ndarray, optional
        Training inputs for the pre-activations.

    Returns
    -------
    stats : dict
    nodes : dict of str to numpy.ndarray

    Raises
    ------
    MissingDependencyError
        If Keras is needed for the pre-activations and not installed.
    """
    from scipy import stats as scipy_stats

    target = network.get_layer(layer)
    kernel = getattr(target, "kernel", None)
    if kernel is None or len(kernel.shape) != 2:
        return {}, {}
    incoming = np.asarray(kernel)
    following = _next_dense(network, layer)
    outgoing = np.asarray(following.kernel) if following is not None and len(following.kernel.shape) == 2 else None
    if outgoing is not None and outgoing.shape[0] != incoming.shape[1]:
        outgoing = None
    moments = weight_moments(incoming)
    norms = node_norms(incoming, outgoing)
    stats = {f"weights_in_{k}": v for k, v in moments.to_dict().items()}
    if outgoing is not None:
        stats.update({f"weights_out_{k}": v for k, v in weight_moments(outgoing).to_dict().items()})
    for name, values in norms.items():
        stats[f"{name}_mean"] = float(values.mean())
        stats[f"rho_{name}_rate"] = rank_correlation(values, rates)[0]
    nodes = {f"weights_{k}": v for k, v in norms.items()}
    bias = np.asarray(target.bias) if getattr(target, "bias", None) is not None else np.zeros(incoming.shape[1])
    nodes["weights_bias"] = bias
    stats["rho_bias_rate"] = rank_correlation(bias, rates)[0]
    if inputs is not None:
        keras = soft_import("keras", "the pre-activations of the observed layer")
        hidden = forward(keras.Model(network.input, target.input), inputs)
        hidden = hidden.reshape(len(hidden), -1)
        pre = hidden @ incoming + bias
        mean, std = pre.mean(axis=0), pre.std(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            predicted = scipy_stats.norm.cdf(np.where(std > 0, mean / std, np.sign(mean) * np.inf))
        empirical = (pre > 0).mean(axis=0)
        nodes.update(preactivation_mean=mean, preactivation_std=std, gaussian_rate=predicted)
        stats["gaussian_rate_mae"] = float(np.mean(np.abs(predicted - empirical)))
        stats["rho_in_l2_preactivation_std"] = rank_correlation(norms["in_l2"], std)[0]
    return stats, nodes


def few_sample_indicators(spikes, window, sizes=FEW_SAMPLES):
    """The indicators from the first ``n`` samples of a recording, for each ``n`` in ``sizes``.

    The samples are in the recording's shuffled order, so the first ``n`` are
    a random subset. The Fano-factor window is ``min(window, n // 10)``, so
    that ten windows fit (100 samples: windows of 10).

    Returns
    -------
    dict of int to dict
        For each size: ``mfr, cv_fr, mf, cv_mf, excess_fano_mean,
        share_rare_5, mean_abs_r, participation_ratio`` and the window used.
    """
    result = {}
    for n in sizes:
        if n > spikes.shape[1]:
            continue
        part = spikes[:, :n]
        used = max(1, min(window, n // 10))
        summary = summarize(part, window=used)
        correlation = correlation_summary(part)
        result[n] = {"mfr": summary.mfr, "cv_fr": summary.cv_fr, "mf": summary.mf, "cv_mf": summary.cv_mf,
                     "excess_fano_mean": _mean(excess_fano(part, window=used)),
                     "share_rare_5": float(np.mean(firing_rate(part) < 0.05)),
                     "mean_abs_r": correlation.mean_abs_r, "participation_ratio": correlation.participation_ratio,
                     "window": used}
    return result


def layer_indicators(network, inputs, window):
    """The paper's indicators for every hidden ReLU layer, on the given inputs (the depth view).

    A convolution's feature map ``(rows, columns, channels)`` is flattened:
    each channel at each position is one node.

    Returns
    -------
    dict of str to dict
        Layer name -> ``n_nodes, mfr, cv_fr, mf, cv_mf, share_rare_5``, in the
        order of the layers.
    """
    result = {}
    for item in network.layers[:-1]:
        activation = getattr(item, "activation", None)
        if getattr(activation, "__name__", "") != "relu":
            continue
        spikes = binarize(observed_activations(network, inputs, layer=item.name))
        summary = summarize(spikes, window=window)
        result[item.name] = {"n_nodes": int(spikes.shape[0]), "mfr": summary.mfr, "cv_fr": summary.cv_fr,
                             "mf": summary.mf, "cv_mf": summary.cv_mf,
                             "share_rare_5": float(np.mean(firing_rate(spikes) < 0.05))}
    return result
