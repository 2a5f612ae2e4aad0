r"""Count variability of spike trains: Fano factors and the Eden & Kramer test.

Functions
---------
fano_factor
    Windowed Fano factor per node (population variance), as Elephant computes it.
fano_test
    Eden & Kramer (2010) test of :math:`F = 1` per node (sample variance,
    Gamma null distribution).
bernoulli_fano
    The Fano factor a Bernoulli (binary, independent) train of the same rate
    would have: :math:`1 - \lambda`.

Notes
-----
A binary train that fires with probability :math:`p` per sample is a
Bernoulli process, not a Poisson one: its counts in windows of :math:`W`
samples are Binomial(:math:`W, p`), whose Fano factor is :math:`1 - p < 1`.
A mean Fano factor close to ``1 - MFR`` is therefore what independence alone
predicts, and "significantly below 1" is expected for any node firing often.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validation import (
    Array,
    Integer,
    Number,
    Raster,
    check_probability,
    check_raster,
    constrained,
)
from .exceptions import ParameterError
from .rates import firing_rate, variance_ratio, window_counts

__all__ = ["fano_factor", "fano_test", "fano_pvalue", "FanoTestResult", "bernoulli_fano"]


@constrained({"spikes": Raster(), "window": Integer(1)})
def fano_factor(spikes, window=100):
    r"""Fano factor of each node's spike counts in consecutive windows.

    .. math:: F_i = \frac{\operatorname{Var}(N_{i,k})}{\operatorname{E}(N_{i,k})}

    where :math:`N_{i,k}` is the count of node :math:`i` in window :math:`k`
    and the variance is the population variance (``ddof=0``). This is exactly
    ``elephant.statistics.fanofactor`` applied to the list of the node's
    window trains. Trailing samples that do not fill a whole window are
    dropped.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    window : int
        Window length in samples (the paper: 100). At least two whole
        windows must fit in the raster.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        ``nan`` for a node that never fires (no counts to divide by);
        ``0.0`` for a node whose counts never vary, e.g. one that always fires.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract.
    ParameterError
        If ``window`` is not a positive integer or fewer than two windows fit.

    Examples
    --------
    >>> import numpy as np
    >>> spikes = np.array([[1, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=bool)
    >>> fano_factor(spikes, window=2)
    array([0.66666667,        nan])
    """
    counts = window_counts(spikes, window)
    return variance_ratio(counts, counts.mean(axis=1))


@dataclass(frozen=True)
class FanoTestResult:
    """Per-node result of :func:`fano_test`; every array has shape ``(n_nodes,)``.

    Attributes
    ----------
    statistic : numpy.ndarray
        Fano factor with the sample variance (``ddof=1``); ``nan`` if silent.
    pvalue : numpy.ndarray
        Two-sided p-value of :math:`F = 1`; ``nan`` for silent and
        always-on nodes, which the test cannot judge.
    below, above : numpy.ndarray of bool
        Significantly below / above 1 at level ``alpha``.
    silent, always_on : numpy.ndarray of bool
        Node never fires / fires on every sample.
    n_windows : int
        Number of windows :math:`N` (the null has :math:`N - 1` degrees of freedom).
    alpha : float
        Significance level used for ``below`` and ``above``.
    """

    statistic: np.ndarray
    pvalue: np.ndarray
    below: np.ndarray
    above: np.ndarray
    silent: np.ndarray
    always_on: np.ndarray
    n_windows: int
    alpha: float

    @property
    def compatible(self):
        """Nodes the test could judge and did not reject (F compatible with 1)."""
        return ~(self.below | self.above | self.silent | self.always_on)


@constrained({"spikes": Raster(), "window": Integer(1), "alpha": Number(0, 1, open_low=True, open_high=True)})
def fano_test(spikes, window=100, alpha=0.05):
    r"""Eden & Kramer (2010) test of the Poisson hypothesis :math:`F = 1` per node.

    With :math:`N` windows and the sample variance :math:`s^2` (``ddof=1``),
    :math:`F = s^2 / \bar N`. Under a Poisson null,

    .. math:: F \sim \Gamma\left(\tfrac{N-1}{2},\ \tfrac{2}{N-1}\right)
              = \chi^2_{N-1} / (N - 1),

    and the two-sided p-value is :math:`\min(1, 2\min(P(F' \le F), P(F' \ge F)))`.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    window : int
        Window length in samples (the paper: 100).
    alpha : float
        Two-sided significance level, in (0, 1).

    Returns
    -------
    FanoTestResult
        Silent nodes get ``nan`` statistic and p-value; always-on nodes get
        statistic 0 and p-value ``nan`` and are flagged, never called
        significant.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    ParameterError
        If ``window`` is bad or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> spikes = rng.random((3, 10_000)) < 0.01   # nearly Poisson: F ~ 0.99
    >>> result = fano_test(spikes, window=100)
    >>> result.n_windows, bool(result.compatible.sum() >= 2)
    (100, True)
    """
    alpha = check_probability(alpha, "alpha")
    spikes = check_raster(spikes)
    counts = window_counts(spikes, window)
    n_windows = counts.shape[1]
    mean = counts.mean(axis=1)
    statistic = variance_ratio(counts, mean, ddof=1)
    silent = mean == 0
    always_on = mean == window
    pvalue = fano_pvalue(statistic, n_windows)
    pvalue[silent | always_on] = np.nan
    with np.errstate(invalid="ignore"):
        significant = pvalue < alpha
    return FanoTestResult(
        statistic=statistic,
        pvalue=pvalue,
        below=significant & (statistic < 1),
        above=significant & (statistic > 1),
        silent=silent,
        always_on=always_on,
        n_windows=n_windows,
        alpha=alpha,
    )


@constrained({"statistic": Array(ndim=None, min_size=0, low=0, allow_nan=True), "n_windows": Integer(2)})
def fano_pvalue(statistic, n_windows):
    r"""Two-sided p-value of the Eden & Kramer test for a sample Fano factor from ``n_windows`` windows.

    Under F = 1 the statistic :math:`s^2/\bar c` is approximately
    :math:`\chi^2_{n-1}/(n-1)`, a Gamma law of shape :math:`(n-1)/2` and scale
    :math:`2/(n-1)`. The same Fano factor is more significant the more windows
    it comes from, so splits of different lengths give different shares of
    "compatible" nodes for the same firing; this function lets a stored
    statistic be tested at another window count.

    Parameters
    ----------
    statistic : array_like of float
        Sample Fano factors (``ddof=1``); ``nan`` stays ``nan``.
    n_windows : int
        Windows each factor came from (at least 2).

    Returns
    -------
    numpy.ndarray of float

    Raises
    ------
    ParameterError
        If ``n_windows`` is not an integer of at least 2.

    Examples
    --------
    >>> fano_pvalue([1.0, 0.7], 100).round(3)
    array([0.962, 0.02 ])
    """
    if isinstance(n_windows, bool) or not isinstance(n_windows, (int, np.integer)) or n_windows < 2:
        raise ParameterError(f"`n_windows` must be an integer of at least 2; got {n_windows!r}.", "n_windows")
    dof = int(n_windows) - 1
    null = stats.gamma(a=dof / 2.0, scale=2.0 / dof)
    statistic = np.asarray(statistic, dtype=np.float64)
    return np.minimum(1.0, 2.0 * np.minimum(null.cdf(statistic), null.sf(statistic)))


@constrained({"spikes": Raster()})
def bernoulli_fano(spikes):
    r"""Fano factor expected of an independent binary train of the same rate.

    Counts of a Bernoulli(:math:`\lambda`) train in windows of :math:`W`
    samples are Binomial(:math:`W, \lambda`), so

    .. math:: F = \frac{W \lambda (1 - \lambda)}{W \lambda} = 1 - \lambda,

    whatever the window. ``nan`` for a silent node, like :func:`fano_factor`.

    Examples
    --------
    >>> bernoulli_fano([[1, 0, 0, 0], [0, 0, 0, 0]])
    array([0.75,  nan])
    """
    rate = firing_rate(spikes)
    return np.where(rate > 0, 1.0 - rate, np.nan)
