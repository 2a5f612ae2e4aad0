r"""Correlation between the nodes of a layer (the follow-up paper's intra-layer structure).

Functions
---------
correlation_matrix
    Pearson correlation of every pair of nodes' binary trains.
correlation_summary
    The distribution of a layer's pairwise correlations, how many are
    significant after a stated correction, and the eigen-spectrum of the
    correlation matrix with its participation ratio (effective dimension).
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from ._validation import (
    Array,
    Choice,
    Number,
    Raster,
    check_probability,
    check_raster,
    check_size,
    constrained,
)
from .exceptions import ParameterError

__all__ = ["correlation_matrix", "correlation_summary", "CorrelationSummary", "participation_ratio",
           "HISTOGRAM_EDGES"]


@constrained({"spikes": Raster()})
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
    ParameterError
        If the matrix would need more memory than spikelib allocates at once
        (``MAX_ARRAY_BYTES``, 4 GiB): pass fewer nodes.

    Examples
    --------
    >>> correlation_matrix([[1, 0, 1, 0], [1, 0, 1, 1], [0, 0, 0, 0]])
    array([[1.        , 0.57735027,        nan],
           [0.57735027, 1.        ,        nan],
           [       nan,        nan,        nan]])
    """
    spikes = check_raster(spikes)
    n_samples = spikes.shape[1]
    check_size(spikes.shape[0] ** 2 * 3, 8, f"The correlation matrix of {spikes.shape[0]:,} nodes",
               "pass a subset of the nodes (rows of the raster).")
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


@constrained({"eigenvalues": Array(ndim=1, allow_nan=True)})
def participation_ratio(eigenvalues):
    r"""The effective dimension of a spectrum: :math:`(\sum_k \mu_k)^2 / \sum_k \mu_k^2`.

    1 when one eigenvalue holds all the variance, ``n`` when ``n`` share it equally.

    Examples
    --------
    >>> participation_ratio([1.0, 1.0, 1.0]), participation_ratio([3.0, 0.0, 0.0])
    (3.0, 1.0)
    """
    values = np.asarray(eigenvalues, dtype=float)
    return float(values.sum() ** 2 / np.sum(values**2)) if np.any(values) else float("nan")


@dataclass(frozen=True)
class CorrelationSummary:
    """The pairwise correlations of a layer's nodes.

    Attributes
    ----------
    mean_r, mean_abs_r : float
        Mean correlation and mean absolute correlation over the pairs of
        nodes that vary (silent and always-on nodes have none).
    quantiles : dict of float to float
        Quantiles 0.05, 0.25, 0.5, 0.75, 0.95 of the pairwise correlations.
    share_significant : float
        Share of pairs whose correlation differs from 0 at ``alpha`` after the
        correction (t-test of Pearson's r with ``n_samples - 2`` degrees of
        freedom, as ``scipy.stats.pearsonr``); ``nan`` with two samples or
        fewer, where the test is undefined.
    correction : str
    eigenvalues : numpy.ndarray
        Of the correlation matrix of the varying nodes, largest first.
    participation_ratio : float
        :func:`participation_ratio` of those eigenvalues.
    n_pairs, n_varying : int
    histogram : numpy.ndarray of int, shape (40,)
        Counts of the pairwise correlations in 40 equal bins over [−1, 1]
        (:data:`HISTOGRAM_EDGES`).
    """

    mean_r: float
    mean_abs_r: float
    quantiles: dict
    share_significant: float
    correction: str
    eigenvalues: np.ndarray
    participation_ratio: float
    n_pairs: int
    n_varying: int
    histogram: np.ndarray

    def to_dict(self):
        """Plain ``dict`` for JSON, without the eigenvalues and histogram (they go to per-node files)."""
        values = asdict(self)
        values.pop("eigenvalues")
        values.pop("histogram")
        values.update({f"r_q{int(round(100 * q)):02d}": v for q, v in values.pop("quantiles").items()})
        return values


@constrained({"spikes": Raster(),
              "alpha": Number(0, 1, open_low=True, open_high=True),
              "correction": Choice('bonferroni', 'fdr_bh')})
def correlation_summary(spikes, alpha=0.05, correction="bonferroni"):
    """Describe the pairwise correlations of a layer's nodes and their eigen-spectrum.

    One matrix product gives every pair (:func:`correlation_matrix`); the
    p-values of all pairs come from one vectorised t-test, corrected over the
    ``n_pairs`` tests by Bonferroni or by Benjamini-Hochberg (``"fdr_bh"``,
    false discovery rate).

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    alpha : float
        Significance level (family-wise for Bonferroni, FDR for ``"fdr_bh"``).
    correction : {"bonferroni", "fdr_bh"}

    Returns
    -------
    CorrelationSummary
        With fewer than two varying nodes there is no pair: the statistics are
        ``nan`` and the spectrum holds the one eigenvalue (or none).

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract.
    ParameterError
        If ``alpha`` is not in (0, 1) or ``correction`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> shared = rng.random(5000) < 0.3
    >>> spikes = np.array([shared, shared ^ (rng.random(5000) < 0.05), rng.random(5000) < 0.3])
    >>> s = correlation_summary(spikes)
    >>> s.n_pairs, round(s.share_significant, 2), round(s.participation_ratio, 2)
    (3, 0.33, 1.97)
    """
    alpha = check_probability(alpha, "alpha")
    if correction not in ("bonferroni", "fdr_bh"):
        raise ParameterError(f"`correction`={correction!r}; choose 'bonferroni' or 'fdr_bh'.", "correction")
    spikes = check_raster(spikes)
    n_samples = spikes.shape[1]
    corr = correlation_matrix(spikes)
    varying = ~np.isnan(np.diag(corr))
    corr = corr[np.ix_(varying, varying)]
    n_varying = int(varying.sum())
    eigenvalues = np.sort(np.linalg.eigvalsh(corr))[::-1] if n_varying else np.array([])
    upper = corr[np.triu_indices(n_varying, k=1)]
    if upper.size == 0:
        nan = float("nan")
        return CorrelationSummary(nan, nan, {q: nan for q in _QUANTILES}, nan, correction, eigenvalues,
                                  participation_ratio(eigenvalues), 0, n_varying,
                                  np.zeros(HISTOGRAM_EDGES.size - 1, dtype=np.int64))
    dof = n_samples - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = upper * np.sqrt(dof / np.maximum(1.0 - upper**2, 1e-300))
    pvalue = 2.0 * stats.t.sf(np.abs(t), dof)
    if dof < 1:  # two samples or fewer: the t test is undefined, so is the share of significant pairs
        significant = np.full(upper.size, np.nan)
    elif correction == "bonferroni":
        significant = pvalue < alpha / upper.size
    else:
        significant = _benjamini_hochberg(pvalue, alpha)
    return CorrelationSummary(
        mean_r=float(upper.mean()), mean_abs_r=float(np.abs(upper).mean()),
        quantiles={q: float(v) for q, v in zip(_QUANTILES, np.quantile(upper, _QUANTILES))},
        share_significant=float(significant.mean()), correction=correction, eigenvalues=eigenvalues,
        participation_ratio=participation_ratio(eigenvalues), n_pairs=int(upper.size), n_varying=n_varying,
        histogram=np.histogram(upper, bins=HISTOGRAM_EDGES)[0],
    )


_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Bin edges of the histogram of pairwise correlations: −1 to 1 in steps of 0.05 (41 edges, 40 bins).
#:
#: :meta hide-value:
HISTOGRAM_EDGES = np.linspace(-1, 1, 41)


def _benjamini_hochberg(pvalue, alpha):
    """Rejections of the Benjamini-Hochberg step-up procedure at false discovery rate ``alpha``."""
    order = np.argsort(pvalue)
    ranked = pvalue[order]
    below = ranked <= alpha * np.arange(1, ranked.size + 1) / ranked.size
    rejected = np.zeros(pvalue.size, dtype=bool)
    if below.any():
        rejected[order[: np.flatnonzero(below)[-1] + 1]] = True
    return rejected
