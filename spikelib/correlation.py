r"""Correlation between the nodes of a layer (the follow-up paper's intra-layer structure).

Functions
---------
correlation_matrix
    Pearson correlation of every pair of nodes' binary trains.
"""

import numpy as np

from ._validation import check_raster

__all__ = ["correlation_matrix"]


def correlation_matrix(spikes):
    r"""Pairwise Pearson correlation of the nodes' binary spike trains.

    .. math:: C_{ij} = \frac{\langle s_i s_j \rangle - \lambda_i \lambda_j}
              {\sqrt{\lambda_i (1 - \lambda_i)\, \lambda_j (1 - \lambda_j)}}

    Co-firing counts come from one matrix product of a float32 copy of the
    raster (exact integers below 2**24 samples). Equal to
    ``elephant.spike_train_correlation.correlation_coefficient`` on the
    binned trains, and to ``numpy.corrcoef`` of the rows.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes, n_nodes)
        Symmetric, ones on the diagonal. Rows and columns of nodes that never
        vary (silent or always on) are ``nan``, diagonal included, as in Elephant.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).

    Examples
    --------
    >>> correlation_matrix([[1, 0, 1, 0], [1, 0, 1, 1], [0, 0, 0, 0]])
    array([[1.        , 0.57735027,        nan],
           [0.57735027, 1.        ,        nan],
           [       nan,        nan,        nan]])
    """
    spikes = check_raster(spikes)
    n_samples = spikes.shape[1]
    # float32 holds integer counts exactly up to 2**24 samples.
    dtype = np.float32 if n_samples < 2**24 else np.float64
    as_float = spikes.astype(dtype)
    cofiring = (as_float @ as_float.T).astype(np.float64)
    del as_float
    rate = np.diag(cofiring) / n_samples
    covariance = cofiring / n_samples - np.outer(rate, rate)
    std = np.sqrt(rate * (1.0 - rate))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = covariance / np.outer(std, std)
    constant = std == 0
    corr[constant, :] = np.nan
    corr[:, constant] = np.nan
    idx = np.flatnonzero(~constant)
    corr[idx, idx] = 1.0
    return np.clip(corr, -1.0, 1.0)
