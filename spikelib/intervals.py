r"""Inter-spike intervals (ISI) and their statistics, in samples.

Functions
---------
isi
    The inter-spike intervals of each node.
isi_cv
    Coefficient of variation of each node's ISIs (as ``elephant.statistics.cv``).
lv
    Local variation of each node's ISIs (Shinomoto et al. 2003).
isi_fit
    Exponential and geometric fits to each node's ISIs, with goodness of fit.

Notes
-----
An independent binary train firing with probability :math:`p` per sample has
geometric ISIs on :math:`\{1, 2, \dots\}` with mean :math:`1/p` and
:math:`\mathrm{CV} = \sqrt{1 - p}`; the exponential law of a Poisson process is
its continuous-time limit as :math:`p \to 0`.
"""

from dataclasses import dataclass

import numpy as np

from ._validation import Raster, check_raster, constrained

__all__ = ["isi", "isi_cv", "lv", "isi_fit", "IsiFit"]

# Rows per block keep the int64 spike-index temporaries of np.nonzero small.
_BLOCK_ELEMENTS = 1 << 22


def _blocks(spikes):
    rows = max(1, _BLOCK_ELEMENTS // spikes.shape[1])
    for start in range(0, spikes.shape[0], rows):
        yield start, spikes[start : start + rows]


def _block_intervals(block):
    """ISIs of a block of rows: (row of each interval, interval, spikes per row)."""
    rows, cols = np.nonzero(block)
    same = rows[1:] == rows[:-1]
    return rows[1:][same], np.diff(cols)[same], np.bincount(rows, minlength=block.shape[0])


@constrained({"spikes": Raster()})
def isi(spikes):
    """Inter-spike intervals of each node, in samples.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.

    Returns
    -------
    list of numpy.ndarray of int64
        ``n_nodes`` arrays; node ``i``'s has ``max(0, n_spikes_i - 1)`` values.
        Equal to ``elephant.statistics.isi`` of the node's train built with a
        1-sample sampling period.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).

    Examples
    --------
    >>> isi([[1, 0, 0, 1, 1], [0, 1, 0, 0, 0]])
    [array([3, 1]), array([], dtype=int64)]
    """
    spikes = check_raster(spikes)
    return [np.diff(np.flatnonzero(row)) for row in spikes]


@constrained({"spikes": Raster()})
def isi_cv(spikes):
    r"""Coefficient of variation of each node's inter-spike intervals.

    .. math:: \mathrm{CV}_i = \sigma(\mathrm{ISI}_i) / \mu(\mathrm{ISI}_i)

    with the population standard deviation, exactly as
    ``elephant.statistics.cv(elephant.statistics.isi(train))``.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        ``nan`` for nodes with fewer than two spikes (no interval); ``0.0`` for
        a node with exactly one interval or perfectly regular firing.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).

    Examples
    --------
    >>> isi_cv([[1, 0, 1, 0, 1, 0], [1, 1, 0, 0, 0, 1], [0, 0, 0, 1, 0, 0]])
    array([0. , 0.6,  nan])
    """
    spikes = check_raster(spikes)
    cv = np.full(spikes.shape[0], np.nan)
    for start, block in _blocks(spikes):
        rows, intervals, _ = _block_intervals(block)
        n = np.bincount(rows, minlength=block.shape[0])
        has = n > 0
        # float64 always: bincount of an empty block returns integers, whatever the weights.
        mean = np.bincount(rows, weights=intervals, minlength=block.shape[0]).astype(np.float64)
        mean[has] /= n[has]
        # Two-pass variance: no cancellation for nearly regular trains.
        sq = np.bincount(rows, weights=(intervals - mean[rows]) ** 2, minlength=block.shape[0])
        out = cv[start : start + block.shape[0]]
        out[has] = np.sqrt(sq[has] / n[has]) / mean[has]
    return cv


@constrained({"spikes": Raster()})
def lv(spikes):
    r"""Local variation of each node's inter-spike intervals.

    .. math:: \mathrm{LV}_i = \frac{3}{n-1} \sum_{k=1}^{n-1}
              \left(\frac{I_k - I_{k+1}}{I_k + I_{k+1}}\right)^2

    (Shinomoto et al. 2003); 1 for a Poisson process, 0 for a regular train.
    Equals ``elephant.statistics.lv`` of the node's ISIs.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        ``nan`` for nodes with fewer than two intervals (Elephant raises there
        unless ``with_nan=True``).

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).

    Examples
    --------
    >>> lv([[1, 1, 0, 1, 0, 0, 1], [1, 0, 1, 0, 1, 0, 0]])
    array([0.22666667, 0.        ])
    """
    spikes = check_raster(spikes)
    values = np.full(spikes.shape[0], np.nan)
    for start, block in _blocks(spikes):
        rows, intervals, _ = _block_intervals(block)
        pair = rows[1:] == rows[:-1]
        intervals = intervals.astype(np.float64)  # the ratio below must not be integer division
        first, second = intervals[:-1][pair], intervals[1:][pair]
        terms = ((first - second) / (first + second)) ** 2
        n_pairs = np.bincount(rows[1:][pair], minlength=block.shape[0])
        total = np.bincount(rows[1:][pair], weights=terms, minlength=block.shape[0])
        has = n_pairs > 0
        out = values[start : start + block.shape[0]]
        out[has] = 3.0 * total[has] / n_pairs[has]
    return values


@dataclass(frozen=True)
class IsiFit:
    """Per-node ISI fits from :func:`isi_fit`; arrays of shape ``(n_nodes,)``.

    Attributes
    ----------
    n_intervals : numpy.ndarray of int
        Number of ISIs of each node.
    mean_isi : numpy.ndarray
        Mean ISI in samples (``nan`` without intervals).
    exponential_rate : numpy.ndarray
        Maximum-likelihood rate of an exponential law, ``1 / mean_isi``.
    geometric_p : numpy.ndarray
        Maximum-likelihood success probability of a geometric law on
        ``{1, 2, ...}``, also ``1 / mean_isi``.
    ks_exponential : numpy.ndarray
        Kolmogorov-Smirnov distance between the ISIs and the fitted
        exponential CDF (continuous law fitted to integer data: large when
        ``p`` is not small).
    ks_geometric : numpy.ndarray
        Kolmogorov-Smirnov distance between the ISIs and the fitted geometric
        CDF, evaluated on the integers. Both distances are descriptive: with
        fitted parameters, the standard KS p-values do not apply.
    """

    n_intervals: np.ndarray
    mean_isi: np.ndarray
    exponential_rate: np.ndarray
    geometric_p: np.ndarray
    ks_exponential: np.ndarray
    ks_geometric: np.ndarray


def _ks_distances(intervals, mean):
    """KS distances of integer ISIs to the exponential and geometric laws of this mean."""
    values, counts = np.unique(intervals, return_counts=True)
    ecdf_after = np.cumsum(counts) / intervals.size     # F_n(v), right-continuous
    ecdf_before = ecdf_after - counts / intervals.size  # F_n(v-)
    rate = 1.0 / mean
    expo = -np.expm1(-rate * values)
    d_expo = max(np.max(np.abs(ecdf_after - expo)), np.max(np.abs(ecdf_before - expo)))
    p = min(1.0, rate)
    # Geometric CDF on the integers; the ECDF also jumps only at integers.
    support = np.arange(1, values.max() + 1)
    geom = 1.0 - (1.0 - p) ** support
    ecdf_int = np.cumsum(np.bincount(intervals, minlength=values.max() + 1)[1:]) / intervals.size
    d_geom = np.max(np.abs(ecdf_int - geom))
    return d_expo, d_geom


@constrained({"spikes": Raster()})
def isi_fit(spikes):
    """Fit exponential and geometric laws to each node's ISIs.

    The Poisson model of the paper implies exponential ISIs; a binary
    (Bernoulli) train implies geometric ones. Both share the maximum-likelihood
    estimate ``1 / mean_isi``; the Kolmogorov-Smirnov distances say which law
    describes the intervals better.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.

    Returns
    -------
    IsiFit
        Nodes with no interval (fewer than two spikes) get ``nan``.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).

    Examples
    --------
    >>> import numpy as np
    >>> spikes = np.random.default_rng(0).random((1, 20_000)) < 0.3
    >>> fit = isi_fit(spikes)
    >>> bool(fit.ks_geometric[0] < fit.ks_exponential[0])
    True
    """
    spikes = check_raster(spikes)
    n_nodes = spikes.shape[0]
    fields = {name: np.full(n_nodes, np.nan) for name in ("mean_isi", "ks_exponential", "ks_geometric")}
    n_intervals = np.zeros(n_nodes, dtype=np.int64)
    for node, intervals in enumerate(isi(spikes)):
        n_intervals[node] = intervals.size
        if intervals.size == 0:
            continue
        mean = intervals.mean()
        fields["mean_isi"][node] = mean
        fields["ks_exponential"][node], fields["ks_geometric"][node] = _ks_distances(intervals, mean)
    rate = 1.0 / fields["mean_isi"]
    return IsiFit(
        n_intervals=n_intervals,
        mean_isi=fields["mean_isi"],
        exponential_rate=rate,
        geometric_p=rate,
        ks_exponential=fields["ks_exponential"],
        ks_geometric=fields["ks_geometric"],
    )
