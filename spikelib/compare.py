"""Comparing firing-rate distributions between networks, splits and conditions.

Functions
---------
ks_compare
    Two-sample Kolmogorov-Smirnov test of two firing-rate distributions.
bonferroni
    Bonferroni-adjusted p-values over a family of comparisons.
ks_family
    A family of KS comparisons with Bonferroni correction, as the paper's
    Table 2 marks "significantly similar" distributions.

Notes
-----
The paper marks two distributions as *similar* when the KS test does **not**
reject equality after Bonferroni correction (its caption: p-value > 0.00027,
"α-level 0.05 with Bonferroni correction for 128 independent comparisons";
0.05 / 128 is 0.00039, and 0.00027 corresponds to about 185 comparisons).
Not rejecting is not evidence of equality; the book says so where it reports
these marks.
"""

from collections.abc import Mapping

import numpy as np
from scipy import stats

from ._validation import (
    Array,
    Instance,
    Integer,
    Number,
    check_positive_int,
    check_probability,
    constrained,
)
from .exceptions import ParameterError

__all__ = ["ks_compare", "bonferroni", "ks_family"]


def _rates(values, name):
    array = np.asarray(values, dtype=float).ravel()
    array = array[~np.isnan(array)]
    if array.size == 0:
        raise ParameterError(f"`{name}` holds no finite firing rate to compare.", name)
    outside = (array < 0) | (array > 1)
    if outside.any():
        raise ParameterError(f"`{name}` must hold firing rates in [0, 1] (spikes per sample); got "
                             f"{array[outside][0]!r}.", name)
    return array


@constrained({"rates_a": Array(ndim=1, low=0, high=1, allow_nan=True, what="firing rates"),
              "rates_b": Array(ndim=1, low=0, high=1, allow_nan=True, what="firing rates")})
def ks_compare(rates_a, rates_b):
    """Two-sample KS test of two firing-rate distributions.

    Parameters
    ----------
    rates_a, rates_b : array_like of float
        Per-node firing rates (``nan`` entries are dropped).

    Returns
    -------
    statistic, pvalue : float
        From ``scipy.stats.ks_2samp`` (two-sided, exact where SciPy can).

    Examples
    --------
    >>> stat, p = ks_compare([0.1, 0.2, 0.3], [0.1, 0.2, 0.3])
    >>> stat, p
    (0.0, 1.0)
    """
    result = stats.ks_2samp(_rates(rates_a, "rates_a"), _rates(rates_b, "rates_b"))
    return float(result.statistic), float(result.pvalue)


@constrained({"pvalues": Array(ndim=None, min_size=0, low=0, high=1, allow_nan=True, what="probabilities"),
              "family_size": Integer(1, optional=True)})
def bonferroni(pvalues, family_size=None):
    """Bonferroni-adjusted p-values, ``min(1, p * m)``.

    Parameters
    ----------
    pvalues : array_like of float
        The family's p-values.
    family_size : int, optional
        Number of comparisons ``m`` in the family; defaults to ``len(pvalues)``.
        Give it when the family is larger than the comparisons at hand (the
        paper corrects over its whole grid).

    Returns
    -------
    numpy.ndarray of float
        Equal to ``statsmodels.stats.multitest.multipletests(p,
        method="bonferroni")[1]`` when ``family_size`` is left at its default.

    Raises
    ------
    ParameterError
        If a p-value lies outside [0, 1], or ``family_size`` is not a positive integer or is
        smaller than the number of p-values.

    Examples
    --------
    >>> bonferroni([0.01, 0.2], family_size=10)
    array([0.1, 1. ])
    """
    values = np.asarray(pvalues, dtype=float)
    outside = (values < 0) | (values > 1)
    if outside.any():
        raise ParameterError(f"`pvalues` must be probabilities in [0, 1] (nan allowed); got {values[outside][0]!r} "
                             f"at position {int(np.flatnonzero(outside.ravel())[0])}.", "pvalues")
    family_size = values.size if family_size is None else check_positive_int(family_size, "family_size")
    if family_size < values.size:
        raise ParameterError(
            f"`family_size`={family_size} is smaller than the {values.size} p-values given."
        )
    return np.minimum(1.0, values * family_size)


@constrained({"comparisons": Instance(Mapping, what='a mapping of name to a pair of rate arrays'),
              "alpha": Number(0, 1, open_low=True, open_high=True),
              "family_size": Integer(1, optional=True)})
def ks_family(comparisons, alpha=0.05, family_size=None):
    """KS-compare several pairs of firing-rate distributions, Bonferroni-corrected.

    Parameters
    ----------
    comparisons : dict of str to (array_like, array_like)
        Named pairs of per-node firing rates, e.g.
        ``{"train/test": (rates_train, rates_test)}``.
    alpha : float
        Family-wise significance level.
    family_size : int, optional
        Size of the Bonferroni family (default: the number of pairs).

    Returns
    -------
    pandas.DataFrame
        One row per comparison: ``statistic``, ``pvalue``, ``pvalue_adjusted``,
        and ``similar`` (equality not rejected at ``alpha`` after correction,
        the paper's "significant similarity" mark).

    Raises
    ------
    ParameterError
        If ``comparisons`` is empty, a pair is not a pair, a rate array holds no
        finite value, or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.uniform(0, 1, 200), rng.uniform(0, 1, 200)
    >>> table = ks_family({"a/b": (a, b), "a/shifted": (a, 0.5 + b / 2)})
    >>> table["similar"].tolist()
    [True, False]
    """
    import pandas as pd

    alpha = check_probability(alpha, "alpha")
    if not comparisons:
        raise ParameterError("`comparisons` is empty; pass at least one named pair of rates.")
    rows = []
    for name, pair in comparisons.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ParameterError(f"`comparisons[{name!r}]` must be a pair (two arrays of rates); got "
                                 f"{type(pair).__name__}.", "comparisons")
        statistic, pvalue = ks_compare(*pair)
        rows.append({"comparison": name, "statistic": statistic, "pvalue": pvalue})
    table = pd.DataFrame(rows).set_index("comparison")
    table["pvalue_adjusted"] = bonferroni(table["pvalue"].to_numpy(), family_size)
    table["similar"] = table["pvalue_adjusted"] > alpha
    return table
