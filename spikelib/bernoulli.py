r"""What a binary spike train is: the Bernoulli null and what is left beyond the rate.

A node's train is binary: on each sample it fires or not. If it fires
independently with probability :math:`\lambda`, its counts in windows of
:math:`W` samples are Binomial(:math:`W, \lambda`), whose variance is
:math:`W\lambda(1-\lambda)` and whose Fano factor is :math:`1 - \lambda`: a
Poisson test of :math:`F = 1` mostly re-measures the rate. What a train
carries beyond :math:`\lambda` is how far its counts depart from the binomial
law: over-dispersion (bursts of activity, e.g. when samples of one class come
together) or under-dispersion (regularity).

Functions
---------
dispersion_test
    Per node, the windowed count variance against the binomial
    :math:`W\hat\lambda(1-\hat\lambda)`: Pearson's chi-square test of equal
    firing probability in every window.
excess_fano
    The Fano factor beyond the Bernoulli expectation: :math:`F - (1 - \hat\lambda)`.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validation import (
    Integer,
    Number,
    Raster,
    check_probability,
    check_raster,
    constrained,
)
from .rates import variance_ratio, window_counts

__all__ = ["dispersion_test", "DispersionResult", "excess_fano"]


@dataclass(frozen=True)
class DispersionResult:
    """Per-node result of :func:`dispersion_test`; arrays of shape ``(n_nodes,)``.

    Attributes
    ----------
    ratio : numpy.ndarray
        Sample variance of the window counts over :math:`W\\hat\\lambda(1-\\hat\\lambda)`:
        1 in expectation for an independent binary train, above 1 for
        over-dispersion; ``nan`` for silent and always-on nodes.
    statistic : numpy.ndarray
        :math:`(N - 1)` times ``ratio``: Pearson's chi-square statistic.
    pvalue : numpy.ndarray
        Two-sided, from :math:`\\chi^2_{N-1}`; ``nan`` where ``ratio`` is.
    over, under : numpy.ndarray of bool
        Significantly over- and under-dispersed at ``alpha``.
    n_windows : int
    alpha : float
    """

    ratio: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    over: np.ndarray
    under: np.ndarray
    n_windows: int
    alpha: float


@constrained({"spikes": Raster(), "window": Integer(1), "alpha": Number(0, 1, open_low=True, open_high=True)})
def dispersion_test(spikes, window=100, alpha=0.05):
    r"""Test each node's windowed counts against the binomial law of an independent binary train.

    With :math:`N` windows of :math:`W` samples, counts :math:`c_k` and
    :math:`\hat\lambda = \bar c / W`,

    .. math:: X^2 = \sum_{k=1}^{N} \frac{(c_k - W\hat\lambda)^2}{W\hat\lambda(1-\hat\lambda)}
              \sim \chi^2_{N-1}

    under the null that the node fires with the same probability on every
    sample, independently: this is Pearson's chi-square test of homogeneity
    of the :math:`2 \times N` table of spikes and non-spikes per window
    (``scipy.stats.chi2_contingency`` without continuity correction).

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster, in the order the samples were presented.
    window : int
        Window length in samples.
    alpha : float
        Two-sided significance level.

    Returns
    -------
    DispersionResult

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract.
    ParameterError
        If ``window`` is bad or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> independent = rng.random(10_000) < 0.3
    >>> bursty = np.repeat(rng.random(100) < 0.3, 100)  # on or off for whole windows
    >>> result = dispersion_test(np.array([independent, bursty]), window=100)
    >>> result.ratio.round(1), result.over.tolist()
    (array([  0.9, 101. ]), [False, True])
    """
    alpha = check_probability(alpha, "alpha")
    counts = window_counts(check_raster(spikes), window).astype(np.float64)
    n_windows = counts.shape[1]
    rate = counts.mean(axis=1) / window
    expected = window * rate * (1.0 - rate)
    ratio = variance_ratio(counts, expected, ddof=1)
    statistic = (n_windows - 1) * ratio
    null = stats.chi2(n_windows - 1)
    pvalue = np.minimum(1.0, 2.0 * np.minimum(null.cdf(statistic), null.sf(statistic)))
    with np.errstate(invalid="ignore"):
        significant = pvalue < alpha
    return DispersionResult(ratio=ratio, statistic=statistic, pvalue=pvalue, over=significant & (ratio > 1),
                            under=significant & (ratio < 1), n_windows=n_windows, alpha=alpha)


@constrained({"spikes": Raster(), "window": Integer(1)})
def excess_fano(spikes, window=100):
    r"""Each node's Fano factor beyond what an independent binary train of its rate would have.

    .. math:: F - (1 - \hat\lambda), \qquad F = \frac{s^2(c)}{\bar c}

    with the sample variance (``ddof=1``, the Eden & Kramer statistic), so the
    excess is 0 in expectation for an independent binary train whatever its
    rate; it equals :math:`(1 - \hat\lambda)` times ``ratio - 1`` of
    :func:`dispersion_test`.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        ``nan`` for silent nodes; 0 for always-on nodes (no variance, and none expected).

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract.
    ParameterError
        If ``window`` is not a positive integer or fewer than two windows fit.

    Examples
    --------
    >>> import numpy as np
    >>> spikes = np.random.default_rng(1).random((500, 20_000)) < 0.4
    >>> abs(float(np.mean(excess_fano(spikes)))) < 0.005  # independent trains: no excess beyond 1 - p
    True
    """
    counts = window_counts(check_raster(spikes), window).astype(np.float64)
    mean = counts.mean(axis=1)
    return variance_ratio(counts, mean, ddof=1) - (1.0 - mean / window)
