r"""Checks of the Poisson model's assumptions: independence and stationarity.

Functions
---------
ljung_box
    Ljung-Box test of no autocorrelation, vectorised over all nodes (equal to
    ``statsmodels.stats.diagnostic.acorr_ljungbox`` node by node).
combine_pvalues, combine_pvalues_pearson
    Pearson's (the paper's) or Fisher's combination of per-node p-values.
adf
    Augmented Dickey-Fuller unit-root test per node (statsmodels), constant
    nodes handled.
change_points
    Change points of each node's windowed spike counts (penalised least
    squares segmentation, ``ruptures``).
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._validation import (
    Array,
    Choice,
    Integer,
    Number,
    Raster,
    check_positive_int,
    check_raster,
    constrained,
)
from .exceptions import ParameterError
from .rates import window_counts

__all__ = [
    "ljung_box",
    "LjungBoxResult",
    "combine_pvalues",
    "combine_pvalues_pearson",
    "adf",
    "AdfResult",
    "change_points",
]

# Rows per block: keeps the AND temporaries a few MB whatever the raster size.
_BLOCK_ELEMENTS = 1 << 21


@dataclass(frozen=True)
class LjungBoxResult:
    """Result of :func:`ljung_box`.

    Attributes
    ----------
    lags : numpy.ndarray of int, shape (n_lags,)
        The lags ``1 .. max_lag``.
    statistic : numpy.ndarray, shape (n_nodes, n_lags)
        Ljung-Box :math:`Q` up to each lag (``lb_stat`` in statsmodels).
    pvalue : numpy.ndarray, shape (n_nodes, n_lags)
        :math:`\\chi^2_{h}` upper-tail p-value (``lb_pvalue``); ``nan`` for
        constant nodes (silent or always on), which have no autocorrelation.
    """

    lags: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray


@constrained({"spikes": Raster(), "lags": Integer(1)})
def ljung_box(spikes, lags=10):
    r"""Ljung-Box test of zero autocorrelation for every node at once.

    .. math:: Q(h) = n (n + 2) \sum_{k=1}^{h} \frac{\hat\rho_k^2}{n - k},
              \qquad Q(h) \sim \chi^2_h \text{ under independence,}

    with :math:`\hat\rho_k` the sample autocorrelation of the 0/1 series
    (statsmodels' ``acf`` with ``adjusted=False``). For binary series the
    lagged cross-products are exact integer co-firing counts, so nothing of
    the raster's size is ever converted to float.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster, in the (shuffled) order the samples were presented.
    lags : int
        Largest lag :math:`h`; must be smaller than ``n_samples``.

    Returns
    -------
    LjungBoxResult

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    ParameterError
        If ``lags`` is not a positive integer smaller than ``n_samples``.

    Examples
    --------
    >>> import numpy as np
    >>> alternating = np.tile([True, False], 50)[np.newaxis, :]
    >>> bool(ljung_box(alternating, lags=2).pvalue[0, -1] < 1e-10)
    True
    """
    spikes = check_raster(spikes)
    n_nodes, n_samples = spikes.shape
    lags = check_positive_int(lags, "lags")
    if lags >= n_samples:
        raise ParameterError(
            f"`lags`={lags} must be smaller than the number of samples ({n_samples})."
        )
    n = float(n_samples)
    ks = np.arange(1, lags + 1)
    rho = np.empty((n_nodes, lags))
    rows_per_block = max(1, _BLOCK_ELEMENTS // n_samples)
    for start in range(0, n_nodes, rows_per_block):
        block = spikes[start : start + rows_per_block]
        total = np.count_nonzero(block, axis=1).astype(np.float64)
        mean = total / n
        prefix = np.cumsum(block[:, :lags], axis=1, dtype=np.int64)  # first k samples
        suffix = np.cumsum(block[:, ::-1][:, :lags], axis=1, dtype=np.int64)  # last k
        c0 = total - n * mean**2  # sum of squared deviations
        for j, k in enumerate(ks):
            cofire = np.count_nonzero(block[:, :-k] & block[:, k:], axis=1)
            head = total - suffix[:, j]  # sum of x_t for t < n - k
            tail = total - prefix[:, j]  # sum of x_t for t >= k
            ck = cofire - mean * (head + tail) + (n - k) * mean**2
            with np.errstate(invalid="ignore", divide="ignore"):
                rho[start : start + block.shape[0], j] = ck / c0
    statistic = n * (n + 2) * np.cumsum(rho**2 / (n - ks), axis=1)
    pvalue = stats.chi2.sf(statistic, ks)
    return LjungBoxResult(lags=ks, statistic=statistic, pvalue=pvalue)


@constrained({"pvalues": Array(ndim=None, low=0, high=1, allow_nan=True, what="probabilities"), "method": Choice('pearson', 'fisher')})
def combine_pvalues(pvalues, method="pearson"):
    r"""Combine independent p-values (e.g. one per node) into one.

    ``method="pearson"`` (the paper's choice):

    .. math:: X = -2 \sum_i \ln(1 - p_i) \sim \chi^2_{2m}, \qquad
              p = P(\chi^2_{2m} \le X),

    so that many small p-values give a small combined p-value; this is
    ``scipy.stats.combine_pvalues(method="pearson")``, correct from SciPy 1.9
    on (earlier versions returned a wrong p-value). statsmodels, which the
    paper cites, has no such function. ``method="fisher"``:
    :math:`-2\sum_i \ln p_i \sim \chi^2_{2m}`, upper tail.

    ``nan`` entries (constant nodes) are left out.

    Raises
    ------
    ParameterError
        If ``method`` is unknown or a p-value lies outside [0, 1].

    Notes
    -----
    Pearson's statistic is dominated by p-values near 1: a single
    :math:`p_i = 1` (as the Ljung-Box test gives a node that fires once or
    twice) makes :math:`X` infinite and the combined p-value 1, whatever the
    other nodes show. Fisher's method is dominated by small p-values instead.
    Report both, with the fraction of nodes rejected individually.

    Parameters
    ----------
    pvalues : array_like of float, shape (n,)
    method : {"pearson", "fisher"}

    Returns
    -------
    statistic, pvalue : float
        SciPy's statistic (for Pearson, :math:`-X`) and the combined p-value;
        ``nan, nan`` when no finite p-value is left.

    Examples
    --------
    >>> stat, p = combine_pvalues([0.5, 0.5, float("nan")])
    >>> round(p, 6)
    0.5
    >>> combine_pvalues([1e-6, 1e-6, 1.0])[1], combine_pvalues([1e-6, 1e-6, 1.0], "fisher")[1] < 1e-8
    (1.0, True)
    """
    if method not in ("pearson", "fisher"):
        raise ParameterError(f"`method`={method!r}; choose 'pearson' or 'fisher'.")
    values = np.asarray(pvalues, dtype=float).ravel()
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    if ((values < 0) | (values > 1)).any():
        raise ParameterError("`pvalues` must lie in [0, 1]; got values outside that range.")
    with np.errstate(divide="ignore"):
        result = stats.combine_pvalues(values, method=method)
    return float(result.statistic), float(result.pvalue)


@constrained({"pvalues": Array(ndim=None, low=0, high=1, allow_nan=True, what="probabilities")})
def combine_pvalues_pearson(pvalues):
    """Pearson's combination of p-values: ``combine_pvalues(pvalues, "pearson")``."""
    return combine_pvalues(pvalues, method="pearson")


@dataclass(frozen=True)
class AdfResult:
    """Per-node Augmented Dickey-Fuller results; arrays of shape ``(n_nodes,)``.

    ``statistic`` and ``pvalue`` are ``nan`` for constant nodes, where the
    regression is undefined (statsmodels raises there); ``constant`` flags them.
    A small p-value rejects a unit root, i.e. speaks *for* stationarity.
    """

    statistic: np.ndarray
    pvalue: np.ndarray
    constant: np.ndarray
    max_lag: int


@constrained({"spikes": Raster(), "max_lag": Integer(0)})
def adf(spikes, max_lag=10):
    """Augmented Dickey-Fuller unit-root test of each node's 0/1 series.

    Calls ``statsmodels.tsa.stattools.adfuller`` with a fixed lag order
    (``autolag=None``): the default lag search costs seconds per node and
    changes no conclusion on series of this length.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    max_lag : int
        Number of lagged differences in the regression.

    Returns
    -------
    AdfResult

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    ParameterError
        If ``max_lag`` is negative or too large for the raster.

    Examples
    --------
    >>> import numpy as np
    >>> spikes = np.random.default_rng(1).random((2, 500)) < 0.3
    >>> spikes[1] = False
    >>> result = adf(spikes, max_lag=2)
    >>> bool(result.pvalue[0] < 0.01), bool(result.constant[1])
    (True, True)
    """
    from statsmodels.tsa.stattools import adfuller

    spikes = check_raster(spikes)
    max_lag = check_positive_int(max_lag, "max_lag", minimum=0)
    n_nodes, n_samples = spikes.shape
    if n_samples <= 2 * max_lag + 4:
        raise ParameterError(
            f"`max_lag`={max_lag} is too large for {n_samples} samples; use at most "
            f"{max(0, (n_samples - 5) // 2)}."
        )
    statistic = np.full(n_nodes, np.nan)
    pvalue = np.full(n_nodes, np.nan)
    constant = spikes.all(axis=1) | ~spikes.any(axis=1)
    for node in np.flatnonzero(~constant):
        series = spikes[node].astype(np.float64)
        result = adfuller(series, maxlag=max_lag, autolag=None, result_object=True)
        statistic[node], pvalue[node] = result.statistic, result.pvalue
    return AdfResult(statistic=statistic, pvalue=pvalue, constant=constant, max_lag=max_lag)


#: Windows the change-point search needs: two segments of its minimum size (two windows each).
MIN_WINDOWS = 4


@constrained({"spikes": Raster(), "window": Integer(1), "penalty": Number(0, open_low=True, optional=True)})
def change_points(spikes, window=100, penalty=None):
    r"""Change points of each node's firing, from its windowed spike counts.

    Segments the counts in consecutive windows of ``window`` samples by
    penalised least squares (a shift in mean), solved exactly with
    ``ruptures.KernelCPD(kernel="linear")``, the compiled equivalent of
    ``ruptures.Pelt(model="l2")`` (which takes seconds per node).

    The default penalty is the modified-BIC-type :math:`3\,\hat\sigma^2 \ln N`,
    with :math:`\hat\sigma^2 = W\hat\lambda(1-\hat\lambda)` the count variance a
    stationary binary train of the node's rate would have and :math:`N` the
    number of windows, so it means the same for nodes of every rate: on
    stationary Bernoulli trains of 100 windows, fewer than 1% of nodes get a
    false change point. Detected change points are a measure
    of non-stationarity, not a hypothesis test.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    window : int
        Window length in samples.
    penalty : float, optional
        A fixed PELT penalty for every node instead of the default.

    Returns
    -------
    list of numpy.ndarray of int
        For each node, the sample indices where a new segment starts (empty
        for a stationary node; always empty for silent and always-on nodes).

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    ParameterError
        If ``window`` is bad (see :func:`spikelib.rates.window_counts`) or leaves fewer than
        ``MIN_WINDOWS`` windows, or ``penalty`` is not a positive number.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> rates = np.r_[np.full(5000, 0.1), np.full(5000, 0.6)]
    >>> spikes = (rng.random(10_000) < rates)[np.newaxis, :]
    >>> change_points(spikes, window=100)
    [array([5000])]
    """
    import ruptures

    counts = window_counts(spikes, window).astype(np.float64)
    n_windows = counts.shape[1]
    if n_windows < MIN_WINDOWS:
        raise ParameterError(f"`window`={window} leaves {n_windows} windows of {np.shape(spikes)[1]} samples; the "
                             f"change-point search needs at least {MIN_WINDOWS} (two segments of two windows). Give a "
                             f"window of at most {np.shape(spikes)[1] // MIN_WINDOWS} samples.", "window")
    rate = counts.mean(axis=1) / window
    result = []
    for node, series in enumerate(counts):
        variance = window * rate[node] * (1.0 - rate[node])
        if variance == 0:
            result.append(np.array([], dtype=np.int64))
            continue
        node_penalty = penalty if penalty is not None else 3.0 * variance * np.log(n_windows)
        detector = ruptures.KernelCPD(kernel="linear", min_size=2).fit(series)
        ends = detector.predict(pen=node_penalty)
        result.append(np.asarray(ends[:-1], dtype=np.int64) * window)
    return result
