"""Firing rates of rasters.

Functions
---------
firing_rate
    Spikes per sample of each node: the paper's Poisson rate λ.
window_counts
    Spike counts of each node in consecutive non-overlapping windows.
variance_ratio
    Each node's count variance over a reference (its mean: the Fano factor), ``nan`` where that is 0.
"""

import numpy as np

from ._validation import Array, Integer, Raster, check_raster, check_window, constrained
from .exceptions import ParameterError

__all__ = ["firing_rate", "window_counts", "variance_ratio"]


@constrained({"spikes": Raster()})
def firing_rate(spikes):
    r"""Firing rate of each node, in spikes per sample.

    .. math:: \lambda_i = \frac{1}{n} \sum_{t=1}^{n} s_{i,t}

    Equals ``elephant.statistics.mean_firing_rate`` (in 1/ms) of the node's
    train built with a 1 ms sampling period.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        Values in [0, 1]; 0 for a node that never fires.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).

    Examples
    --------
    >>> firing_rate([[1, 0, 0, 1], [1, 1, 1, 1]])
    array([0.5, 1. ])
    """
    spikes = check_raster(spikes)
    return np.count_nonzero(spikes, axis=1) / spikes.shape[1]


@constrained({"spikes": Raster(), "window": Integer(1)})
def window_counts(spikes, window=100):
    """Spike counts in consecutive, non-overlapping windows of ``window`` samples.

    Trailing samples that do not fill a whole window are dropped.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    window : int
        Window length in samples; at least two whole windows must fit.

    Returns
    -------
    numpy.ndarray of int32, shape (n_nodes, n_samples // window)

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    ParameterError
        If ``window`` is not a positive integer or fewer than two windows fit.

    Examples
    --------
    >>> window_counts([[1, 1, 0, 1, 0, 0, 1]], window=3)
    array([[2, 1]], dtype=int32)
    """
    spikes = check_raster(spikes)
    n_nodes, n_samples = spikes.shape
    window = check_window(window, n_samples)
    n_windows = n_samples // window
    # A reshaped view of the whole windows: no copy of the raster.
    whole = spikes[:, : n_windows * window].reshape(n_nodes, n_windows, window)
    return whole.sum(axis=2, dtype=np.int32)


@constrained({"counts": Array(ndim=2), "reference": Array(ndim=1, allow_nan=True), "ddof": Integer(0, 1)})
def variance_ratio(counts, reference, ddof=0):
    """Each row's variance of ``counts`` over ``reference``; ``nan`` where ``reference`` is 0.

    With ``reference`` the rows' mean count this is the Fano factor; with the
    variance an independent binary train of that rate would have, the
    dispersion ratio. A silent node has no defined ratio: ``nan``, never a
    division warning.

    Parameters
    ----------
    counts : numpy.ndarray, shape (n_nodes, n_windows)
        Window counts (:func:`window_counts`).
    reference : numpy.ndarray, shape (n_nodes,)
        The denominator of each row.
    ddof : int
        0 for the population variance (Elephant's Fano factor), 1 for the sample variance.

    Raises
    ------
    ParameterError
        If ``reference`` does not have one value per row of ``counts``.

    Examples
    --------
    >>> counts = np.array([[2, 4], [0, 0]])
    >>> variance_ratio(counts, counts.mean(axis=1))
    array([0.33333333,        nan])
    """
    counts, reference = np.asarray(counts), np.asarray(reference, dtype=np.float64)
    if len(reference) != len(counts):
        raise ParameterError(f"`reference` has {len(reference)} values for {len(counts)} rows of `counts`; give one "
                             "per row.", "reference")
    defined = reference > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, counts.var(axis=1, ddof=ddof) / np.where(defined, reference, 1.0), np.nan)
