"""The follow-up's population model of memorizing nodes, simulated and fitted to the networks.

A layer of independent Bernoulli nodes of which a fraction fire rarely
(:mod:`spikelib.simulate`): what it predicts as the fraction grows, and the
fraction fitted to each memorizing network with the indicators it then
predicts beside the observed ones (how well it fits).

Functions
---------
simulate_fractions
    The model's indicators as the fraction of memorizing nodes grows.
fit_fractions
    The fraction fitted to each memorizing network, and the model's prediction.
"""

import numpy as np
import pandas as pd

from ..experiment.cellfiles import read_nodes
from ..experiment.measures import PAPER_INDICATORS
from ..simulate import fit_memorizing_fraction, population_raster, population_rates
from ..summary import summarize
from .labels import MODEL_NAMES
from .results import design, finished_cells

__all__ = ["simulate_fractions", "fit_fractions"]


def simulate_fractions(base_rates, n_nodes, fractions=np.linspace(0, 0.9, 10), n_samples=10_000, window=100,
                       correlations=(0.0, 0.05), rare_max=0.05, seed=0):
    """The population model's indicators as the fraction of memorizing nodes grows.

    For each fraction ``f`` and latent correlation, a layer of ``n_nodes``
    (``f`` of them rare, the rest drawn from ``base_rates``) is simulated for
    ``n_samples`` samples, and its MFR, CV of FR, MF, CV of MF and mean
    pairwise correlation are measured as for a network.

    Returns
    -------
    pandas.DataFrame
    """
    from ..correlation import correlation_summary

    rows = []
    rng = np.random.default_rng(seed)
    for correlation in correlations:
        for fraction in fractions:
            rates = population_rates(n_nodes, fraction, base_rates, rare_max=rare_max, seed=rng)
            spikes = population_raster(rates, n_samples, correlation=correlation, seed=rng)
            s = summarize(spikes, window=window)
            rows.append({"fraction": float(fraction), "correlation": correlation, "mfr": s.mfr, "cv_fr": s.cv_fr,
                         "mf": s.mf, "cv_mf": s.cv_mf, "mean_r": correlation_summary(spikes).mean_r})
    return pd.DataFrame(rows)


def fit_fractions(root, n_samples=10_000, rare_max=0.05, seed=0):
    """Fit the fraction of memorizing nodes to each memorizing network, and predict its indicators.

    The base distribution of a network's rates is its generalizing sibling's
    (same model and width, training recording). The model with the fitted
    fraction (independent Bernoulli trains) predicts MFR, CV of FR, MF and CV
    of MF, set beside the observed ones.

    Returns
    -------
    pandas.DataFrame
        One row per memorizing network: ``network, condition, fraction,
        ks_distance``, and ``<indicator>`` / ``<indicator>_predicted``.
    """
    networks = {}
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell" or design(parameters) != "paper":
            continue
        key = (MODEL_NAMES[parameters["model"]], parameters["width"], parameters["seed"])
        networks.setdefault(key, {})[parameters["condition"]] = (metrics, read_nodes(directory)["train"])
    rows = []
    rng = np.random.default_rng(seed)
    for (model, width, _), conditions in sorted(networks.items()):
        if "generalizing" not in conditions:
            continue
        base = conditions["generalizing"][1]["firing_rate"]
        window = conditions["generalizing"][0]["parameters"]["window"]
        for condition, (metrics, nodes) in conditions.items():
            if not condition.startswith("mem_"):
                continue
            fraction, distance = fit_memorizing_fraction(nodes["firing_rate"], base, rare_max=rare_max)
            rates = population_rates(len(base), fraction, base, rare_max=rare_max, seed=rng)
            predicted = summarize(population_raster(rates, n_samples, seed=rng), window=window)
            observed = metrics["splits"]["train"]
            rows.append({"network": f"{model}-{width}", "condition": condition, "fraction": fraction,
                         "ks_distance": distance,
                         **{f"{k}": observed[k] for k in PAPER_INDICATORS},
                         **{f"{k}_predicted": getattr(predicted, k) for k in PAPER_INDICATORS}})
    return pd.DataFrame(rows)
