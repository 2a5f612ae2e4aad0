r"""Simulated rasters: the Poisson and Bernoulli baselines of the paper's Figure 2.

Functions
---------
poisson_raster
    Homogeneous Poisson processes (Elephant's ``StationaryPoissonProcess``),
    binned to one sample per bin.
bernoulli_raster
    Independent binary trains, firing with a given probability per sample.

Notes
-----
A continuous-time Poisson process of rate :math:`r` per sample, binned to
samples and thresholded, fires in a sample with probability
:math:`1 - e^{-r}`. :func:`poisson_raster` takes the per-sample firing
probability :math:`\lambda` (what :func:`spikelib.firing_rate` measures) and
uses :math:`r = -\ln(1 - \lambda)`, so both functions produce rasters of the
requested rate; the binned Poisson raster is then itself a Bernoulli raster.
"""

import numpy as np
import quantities as pq

from ._validation import check_positive_int
from .exceptions import ParameterError

__all__ = ["poisson_raster", "bernoulli_raster"]


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
        If a rate is not a probability in [0, 1] or ``n_samples`` is not a positive integer.

    Examples
    --------
    >>> bernoulli_raster([0.0, 1.0], 4, seed=0)
    array([[False, False, False, False],
           [ True,  True,  True,  True]])
    """
    rates = _check_rates(rates, allow_one=True)
    n_samples = check_positive_int(n_samples, "n_samples")
    rng = np.random.default_rng(seed)
    return rng.random((rates.size, n_samples)) < rates[:, np.newaxis]


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
