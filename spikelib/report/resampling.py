r"""Bootstrap intervals of rank statistics, computed for every resample at once.

A page's intervals come from a thousand resamples of a few hundred networks;
computed one resample at a time through pandas and SciPy they took minutes.
Here a resample is a row of counts, how often each network was drawn, and a
rank statistic of every resample is a quadratic form in those counts over one
fixed matrix of pairs: with :math:`s^x_{ij} = \operatorname{sign}(x_i - x_j)`
and counts :math:`c`,

.. math::

    \tau_b = \frac{c^\top (s^x \circ s^y)\, c}
                  {\sqrt{c^\top (s^x \circ s^x)\, c \;\; c^\top (s^y \circ s^y)\, c}},

which is SciPy's tau-b of the resampled values (a network drawn twice forms
a pair tied in both, which counts in no term), and the AUROC is the same form
over positives and negatives. A thousand resamples cost one matrix product.

Functions
---------
bootstrap_counts
    Resamples of networks, or of clusters of networks (all networks of a drawn seed), as counts.
subset_counts
    Random subsets without replacement, as 0/1 counts.
kendall_tau_b
    Kendall's tau-b of each resample, or of the sample itself.
group_auroc
    The AUROC of positives against negatives in each resample, or in the sample.
stratified_auroc
    The same, counting only pairs of a positive and a negative of the same stratum.
auroc
    The AUROC of two groups of scores.
percentile_interval
    The 2.5th and 97.5th percentiles of the finite values.
"""

import numpy as np

__all__ = ["bootstrap_counts", "subset_counts", "kendall_tau_b", "group_auroc", "stratified_auroc", "auroc",
           "percentile_interval"]



def bootstrap_counts(n_boot, seed, n=None, clusters=None):
    """How often each network is drawn in each resample.

    Parameters
    ----------
    n_boot : int
        Number of resamples.
    seed : int
    n : int, optional
        Draw ``n`` networks with replacement (the plain bootstrap).
    clusters : array_like, optional
        A cluster label per network: each resample draws as many clusters as
        there are, with replacement, and takes every network of each (a
        cluster bootstrap, e.g. over seeds).

    Returns
    -------
    numpy.ndarray of float, shape (n_boot, n_networks)

    Examples
    --------
    >>> bootstrap_counts(2, 0, n=3).sum(axis=1).tolist()
    [3.0, 3.0]
    >>> counts = bootstrap_counts(4, 0, clusters=["a", "a", "b"])
    >>> bool(((counts[:, 0] == counts[:, 1]) & (counts.sum(axis=1) >= 2)).all())  # "a" comes whole
    True
    """
    rng = np.random.default_rng(seed)
    if clusters is None:
        drawn = rng.integers(0, n, size=(n_boot, n))
        return np.apply_along_axis(np.bincount, 1, drawn, minlength=n).astype(float)
    labels, inverse = np.unique(np.asarray(clusters), return_inverse=True)
    drawn = rng.integers(0, len(labels), size=(n_boot, len(labels)))
    per_cluster = np.apply_along_axis(np.bincount, 1, drawn, minlength=len(labels)).astype(float)
    return per_cluster[:, inverse]


def subset_counts(n_subsets, seed, n, size):
    """Random subsets of ``size`` of ``n`` networks without replacement, as rows of 0/1 counts.

    >>> subset_counts(3, 0, 5, 4).sum(axis=1).tolist()
    [4.0, 4.0, 4.0]
    """
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_subsets, n))
    for row in counts:
        row[rng.choice(n, size, replace=False)] = 1.0
    return counts


def _signs(values):
    """sign(v_i - v_j), 0 in the rows and columns of values that are not finite."""
    finite = np.isfinite(values)
    clean = np.where(finite, values, 0.0)
    return np.sign(clean[:, None] - clean[None, :]) * (finite[:, None] & finite[None, :])


def _quadratic(counts, matrix, right=None):
    """``c M c'`` of every row ``c`` of ``counts`` (``right`` for the second factor when it differs)."""
    return np.einsum("bi,bi->b", counts @ matrix, counts if right is None else right)


def _counts(counts, n):
    if counts is None:
        return np.ones((1, n)), True
    counts = np.asarray(counts, dtype=float)
    return (counts[np.newaxis] if counts.ndim == 1 else counts), False


def kendall_tau_b(x, y, counts=None):
    """Kendall's tau-b of ``x`` with ``y`` over the networks of each resample.

    Networks where either value is not finite are left out.

    Parameters
    ----------
    x, y : array_like, shape (n,)
    counts : array_like, shape (n_boot, n) or (n,), optional
        How often each network is in each resample (:func:`bootstrap_counts`);
        default: every network once.

    Returns
    -------
    numpy.ndarray, shape (n_boot,) — or a float without ``counts``
        ``nan`` where either side is constant (or fewer than two networks remain).

    Examples
    --------
    >>> round(kendall_tau_b([1, 2, 3, 4], [1, 3, 2, 4]), 4)
    0.6667
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    sx, sy = _signs(np.where(keep, x, np.nan)), _signs(np.where(keep, y, np.nan))
    rows, single = _counts(counts, len(x))
    numerator = _quadratic(rows, sx * sy)
    denominator = np.sqrt(_quadratic(rows, sx * sx) * _quadratic(rows, sy * sy))
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)
    return float(tau[0]) if single else tau


def group_auroc(values, positive, negative, counts=None):
    """The AUROC of ``positive`` against ``negative`` networks in each resample (ties count half).

    Equal to ``sklearn.metrics.roc_auc_score`` with the positives labelled 1.

    Parameters
    ----------
    values : array_like, shape (n,)
    positive, negative : array_like of bool, shape (n,)
    counts : array_like, optional
        As for :func:`kendall_tau_b`.

    Returns
    -------
    numpy.ndarray, shape (n_boot,) — or a float without ``counts``
        ``nan`` where a resample has no finite positive or no finite negative.

    Examples
    --------
    >>> group_auroc([3, 4, 5, 1, 2, 3], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1])
    0.9444444444444444
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    positive = np.asarray(positive, dtype=bool) & finite
    negative = np.asarray(negative, dtype=bool) & finite
    rows, single = _counts(counts, len(values))
    left, right = rows * positive, rows * negative
    signs = _signs(values)
    pairs = left.sum(axis=1) * right.sum(axis=1)
    score = _quadratic(left, signs, right)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(pairs > 0, (score / np.where(pairs > 0, pairs, 1.0) + 1) / 2, np.nan)
    return float(result[0]) if single else result


def stratified_auroc(values, positive, negative, strata, counts=None):
    """The AUROC over pairs of a positive and a negative network of the same stratum (ties count half).

    Pooled over strata by pairs: the share of within-stratum pairs the values order with the positive higher.
    What differs between strata (their size, their width) cannot make a measure look good.

    Parameters
    ----------
    values : array_like, shape (n,)
    positive, negative : array_like of bool, shape (n,)
    strata : array_like, shape (n,)
        A label per network; only pairs with equal labels count.
    counts : array_like, optional
        As for :func:`kendall_tau_b`.

    Returns
    -------
    numpy.ndarray, shape (n_boot,) — or a float without ``counts``
        ``nan`` where a resample has no within-stratum pair.

    Examples
    --------
    Stratum a orders its pair rightly, stratum b wrongly; across strata the values would separate perfectly:

    >>> stratified_auroc([2, 1, 4, 5], [1, 0, 1, 0], [0, 1, 0, 1], ["a", "a", "b", "b"])
    0.5
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    positive = np.asarray(positive, dtype=bool) & finite
    negative = np.asarray(negative, dtype=bool) & finite
    _, codes = np.unique(np.asarray(strata).astype(str), return_inverse=True)
    same = (codes[:, None] == codes[None, :]).astype(float)
    rows, single = _counts(counts, len(values))
    left, right = rows * positive, rows * negative
    pairs = _quadratic(left, same, right)
    score = _quadratic(left, _signs(values) * same, right)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(pairs > 0, (score / np.where(pairs > 0, pairs, 1.0) + 1) / 2, np.nan)
    return float(result[0]) if single else result


def auroc(positive, negative):
    """AUROC of ``positive`` scores against ``negative`` ones (ties count half; ``nan`` when a group is empty).

    >>> auroc([3, 4, 5], [1, 2, 3])
    0.9444444444444444
    """
    positive = np.asarray(positive, dtype=float).ravel()
    negative = np.asarray(negative, dtype=float).ravel()
    values = np.concatenate([positive, negative])
    is_positive = np.arange(len(values)) < len(positive)
    return group_auroc(values, is_positive, ~is_positive)


def percentile_interval(values):
    """The 2.5th and 97.5th percentiles of the finite values (``(nan, nan)`` without any).

    >>> percentile_interval([np.nan, *range(101)])
    (2.5, 97.5)
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))) if values.size else (np.nan, np.nan)
