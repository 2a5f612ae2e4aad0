r"""Simulated rasters: the Poisson and Bernoulli baselines of the paper's Figure 2.

Functions
---------
poisson_raster
    Homogeneous Poisson processes (Elephant's ``StationaryPoissonProcess``),
    binned to one sample per bin.
bernoulli_raster
    Independent binary trains, firing with a given probability per sample.
population_rates
    The follow-up's population model: a fraction of "memorizing" nodes with
    rare activation, the rest drawn from an observed distribution of rates.
population_raster
    Binary trains of given rates, correlated through one shared latent factor.
fit_memorizing_fraction
    The fraction of rare nodes that brings the model's rate distribution
    closest (Kolmogorov-Smirnov) to an observed layer's.

Notes
-----
A continuous-time Poisson process of rate :math:`r` per sample, binned to
samples and thresholded, fires in a sample with probability
:math:`1 - e^{-r}`. :func:`poisson_raster` takes the per-sample firing
probability :math:`\lambda` (what :func:`spikelib.rates.firing_rate` measures) and
uses :math:`r = -\ln(1 - \lambda)`, so both functions produce rasters of the
requested rate; the binned Poisson raster is then itself a Bernoulli raster.
"""

import numpy as np
import quantities as pq

from ._validation import (
    Array,
    Integer,
    Number,
    Seed,
    check_positive_int,
    check_size,
    constrained,
)
from .exceptions import ParameterError

__all__ = ["poisson_raster", "bernoulli_raster", "population_rates", "population_raster",
           "fit_memorizing_fraction"]


def _check_rates(rates, allow_one):
    array = np.atleast_1d(np.asarray(rates, dtype=float))
    if array.ndim != 1 or array.size == 0:
        raise ParameterError(f"`rates` must be a scalar or 1-D array of per-sample rates; got shape {array.shape}.")
    upper_ok = array <= 1 if allow_one else array < 1
    if np.isnan(array).any() or (array < 0).any() or not upper_ok.all():
        interval = "[0, 1]" if allow_one else "[0, 1)"
        raise ParameterError(
            f"`rates` must be firing probabilities per sample in {interval}; got "
            f"{array[:5].tolist()}{' ...' if array.size > 5 else ''}."
        )
    return array


@constrained({"rates": Array(ndim=1, low=0, high=1, what="firing rates"), "n_samples": Integer(1), "seed": Seed()})
def bernoulli_raster(rates, n_samples, seed=None):
    """Independent binary trains with the given per-sample firing probabilities.

    Parameters
    ----------
    rates : float or array_like, shape (n_nodes,)
        Firing probability per sample of each node, in [0, 1].
    n_samples : int
        Length of each train.
    seed : int or numpy.random.Generator, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray of bool, shape (n_nodes, n_samples)

    Raises
    ------
    ParameterError
        If a rate is not a probability in [0, 1], ``n_samples`` is not a positive integer, or the
        raster would need more memory than spikelib allocates at once.

    Examples
    --------
    >>> bernoulli_raster([0.0, 1.0], 4, seed=0)
    array([[False, False, False, False],
           [ True,  True,  True,  True]])
    """
    rates = _check_rates(rates, allow_one=True)
    n_samples = check_positive_int(n_samples, "n_samples")
    check_size(rates.size * n_samples, 9, f"`n_samples`={n_samples:,}: a raster of {rates.size:,} x {n_samples:,} samples",
               "draw it in blocks of samples.")
    rng = np.random.default_rng(seed)
    return rng.random((rates.size, n_samples)) < rates[:, np.newaxis]


@constrained({"rates": Array(ndim=1, low=0, high=1, what="firing rates"), "n_samples": Integer(1),
              "seed": Integer(0, 2**32 - 1, optional=True)})
def poisson_raster(rates, n_samples, seed=None):
    """Homogeneous Poisson processes, binned to one sample per bin.

    Each node's process is drawn by Elephant's ``StationaryPoissonProcess``
    on ``[0, n_samples)`` ms at rate ``-ln(1 - rates) / ms`` and binned at
    1 ms with ``BinnedSpikeTrain``; a bin with any spike is a spike.

    Elephant draws from NumPy's global random state and takes no seed; this
    function seeds it for the call and restores the caller's state afterwards.

    Parameters
    ----------
    rates : float or array_like, shape (n_nodes,)
        Target firing probability per sample, in [0, 1).
    n_samples : int
        Length of each train.
    seed : int, optional
        Seed of NumPy's legacy global generator during the call.

    Returns
    -------
    numpy.ndarray of bool, shape (n_nodes, n_samples)

    Raises
    ------
    ParameterError
        If a rate is not in [0, 1) or ``n_samples`` is not a positive integer.

    Examples
    --------
    >>> spikes = poisson_raster([0.2, 0.5], 20_000, seed=1)
    >>> spikes.mean(axis=1).round(2)
    array([0.2, 0.5])
    """
    from elephant.conversion import BinnedSpikeTrain
    from elephant.spike_train_generation import StationaryPoissonProcess

    rates = _check_rates(rates, allow_one=False)
    n_samples = check_positive_int(n_samples, "n_samples")
    check_size(rates.size * n_samples, 1, f"`n_samples`={n_samples:,}: a raster of {rates.size:,} x {n_samples:,} samples",
               "ask for fewer.")
    intensities = -np.log1p(-rates)
    saved = np.random.get_state()
    try:
        if seed is not None:
            np.random.seed(seed)
        spikes = np.zeros((rates.size, n_samples), dtype=bool)
        t_stop = n_samples * pq.ms
        for node, intensity in enumerate(intensities):
            if intensity == 0:
                continue
            train = StationaryPoissonProcess(
                rate=intensity / pq.ms, t_start=0 * pq.ms, t_stop=t_stop
            ).generate_spiketrain()
            binned = BinnedSpikeTrain(train, bin_size=1 * pq.ms, t_start=0 * pq.ms, t_stop=t_stop)
            spikes[node] = binned.to_bool_array()[0]
    finally:
        np.random.set_state(saved)
    return spikes


@constrained({"n_nodes": Integer(1),
              "fraction": Number(0, 1),
              "base_rates": Array(ndim=1, low=0, high=1, what="firing rates"),
              "rare_max": Number(0, 1, open_low=True),
              "seed": Seed()})
def population_rates(n_nodes, fraction, base_rates, rare_max=0.05, seed=None):
    """Activation probabilities of a layer in which a fraction of the nodes memorize.

    ``round(fraction * n_nodes)`` "memorizing" nodes fire rarely, with
    probabilities drawn uniformly from ``[0, rare_max)``; the other nodes draw
    theirs from ``base_rates`` (e.g. a generalizing network's observed rates),
    with replacement.

    Parameters
    ----------
    n_nodes : int
    fraction : float
        In [0, 1].
    base_rates : array_like of float
        Rates in [0, 1] to draw the other nodes from.
    rare_max : float
        The largest rate of a memorizing node, in (0, 1].
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        The memorizing nodes first.

    Raises
    ------
    ParameterError
        If ``fraction`` or ``rare_max`` is out of range, or ``base_rates`` is
        empty or not probabilities.

    Examples
    --------
    >>> rates = population_rates(10, 0.3, [0.5], seed=0)
    >>> bool((rates[:3] < 0.05).all()), rates[3:].tolist() == [0.5] * 7
    (True, True)
    """
    n_nodes = check_positive_int(n_nodes, "n_nodes")
    if not 0 <= float(fraction) <= 1:
        raise ParameterError(f"`fraction` must lie in [0, 1]; got {fraction!r}.", "fraction")
    if not 0 < float(rare_max) <= 1:
        raise ParameterError(f"`rare_max` must lie in (0, 1]; got {rare_max!r}.", "rare_max")
    base = _check_rates(base_rates, allow_one=True)
    check_size(n_nodes, 8, f"`n_nodes`={n_nodes:,} rates", "ask for fewer nodes.")
    rng = np.random.default_rng(seed)
    n_rare = int(round(fraction * n_nodes))
    return np.concatenate([rng.uniform(0, rare_max, n_rare), rng.choice(base, n_nodes - n_rare, replace=True)])


@constrained({"rates": Array(ndim=1, low=0, high=1, what="firing rates"),
              "n_samples": Integer(1),
              "correlation": Number(0, 1, open_high=True),
              "seed": Seed()})
def population_raster(rates, n_samples, correlation=0.0, seed=None):
    r"""Binary trains of the given rates, correlated through one shared latent factor.

    Sample :math:`t` of node :math:`i` fires when
    :math:`\sqrt\rho\, z_t + \sqrt{1-\rho}\, \varepsilon_{it} < \Phi^{-1}(\lambda_i)`, with
    :math:`z_t` and :math:`\varepsilon_{it}` independent standard normals (a
    Gaussian copula): every node keeps its rate :math:`\lambda_i` exactly, and
    two nodes fire together with the bivariate normal orthant probability
    :math:`\Phi_2(\Phi^{-1}(\lambda_i), \Phi^{-1}(\lambda_j); \rho)`. With
    ``correlation=0`` the trains are independent Bernoulli trains.

    Parameters
    ----------
    rates : array_like of float, shape (n_nodes,)
    n_samples : int
    correlation : float
        :math:`\rho` in [0, 1).
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray of bool, shape (n_nodes, n_samples)

    Raises
    ------
    ParameterError
        For rates outside [0, 1] or a correlation outside [0, 1).

    Examples
    --------
    >>> spikes = population_raster([0.2, 0.2], 100_000, correlation=0.5, seed=0)
    >>> spikes.mean(axis=1).round(2), round(float(np.corrcoef(spikes)[0, 1]), 2)
    (array([0.2, 0.2]), 0.29)
    """
    from scipy import stats

    rates = _check_rates(rates, allow_one=True)
    n_samples = check_positive_int(n_samples, "n_samples")
    check_size((rates.size + 1) * n_samples, 16,
               f"`n_samples`={n_samples:,}: a correlated raster of {rates.size:,} x {n_samples:,} samples",
               "ask for fewer samples.")
    if not 0 <= float(correlation) < 1:
        raise ParameterError(f"`correlation` must lie in [0, 1); got {correlation!r}.", "correlation")
    rng = np.random.default_rng(seed)
    thresholds = stats.norm.ppf(rates)[:, np.newaxis]  # -inf for rate 0, +inf for rate 1
    latent = np.sqrt(correlation) * rng.standard_normal(n_samples)
    noise = np.sqrt(1 - correlation) * rng.standard_normal((rates.size, n_samples))
    return (latent + noise) < thresholds


@constrained({"observed_rates": Array(ndim=1, low=0, high=1, what="firing rates"),
              "base_rates": Array(ndim=1, low=0, high=1, what="firing rates"),
              "rare_max": Number(0, 1, open_low=True),
              "grid": Integer(2, 100_000)})
def fit_memorizing_fraction(observed_rates, base_rates, rare_max=0.05, grid=201):
    """The fraction of rare nodes whose population model fits an observed layer's rates best.

    The model's distribution of rates is the mixture ``f * Uniform(0,
    rare_max) + (1 - f) * (empirical distribution of base_rates)``; the fitted
    ``f`` minimises its Kolmogorov-Smirnov distance to the observed rates over
    a grid of ``grid`` values in [0, 1].

    Returns
    -------
    fraction, distance : float

    Raises
    ------
    ParameterError
        If a set of rates is empty or not probabilities.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> base = rng.uniform(0.3, 0.7, 500)
    >>> observed = population_rates(500, 0.4, base, seed=2)
    >>> round(fit_memorizing_fraction(observed, base)[0], 2)
    0.4
    """
    observed = np.sort(_check_rates(observed_rates, allow_one=True))
    base = np.sort(_check_rates(base_rates, allow_one=True))
    points = np.unique(np.concatenate([observed, base, [rare_max]]))
    empirical = np.searchsorted(observed, points, side="right") / observed.size
    base_cdf = np.searchsorted(base, points, side="right") / base.size
    rare_cdf = np.clip(points / rare_max, 0, 1)
    best = (float("nan"), float("inf"))
    for fraction in np.linspace(0, 1, grid):
        distance = float(np.max(np.abs(empirical - (fraction * rare_cdf + (1 - fraction) * base_cdf))))
        if distance < best[1]:
            best = (float(fraction), distance)
    return best
