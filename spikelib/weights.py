r"""The weights of an observed layer: their distribution, and per-node norms.

The follow-up paper links memorization to the distributions of weight
matrices and to L1/L2 regularisation. These functions take plain arrays (the
experiment layer takes them out of a Keras model): the incoming weights
:math:`W_\text{in}` of shape ``(n_inputs, n_nodes)`` (Keras' kernel layout)
and the outgoing weights :math:`W_\text{out}` of shape ``(n_nodes, n_outputs)``.

Functions
---------
weight_moments
    Mean, standard deviation, skewness and excess kurtosis of a weight matrix's entries.
node_norms
    Each node's L1 and L2 norms of its incoming and outgoing weights.
rank_correlation
    Spearman's rank correlation of a per-node quantity with another (e.g. the
    activation probability), leaving out nodes where either is undefined.
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from ._validation import Array, constrained
from .exceptions import ParameterError

__all__ = ["weight_moments", "WeightMoments", "node_norms", "rank_correlation"]


def _matrix(weights, name):
    try:
        array = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` must be a numeric matrix; got {type(weights).__name__}.", name) from None
    if array.ndim != 2 or array.size == 0:
        raise ParameterError(f"`{name}` must be a non-empty 2-D matrix; got shape {array.shape}. Reshape a "
                             "convolution kernel to (inputs, nodes) first.", name)
    if not np.isfinite(array).all():
        raise ParameterError(f"`{name}` holds {int((~np.isfinite(array)).sum())} non-finite values.", name)
    return array


@dataclass(frozen=True)
class WeightMoments:
    """Moments of a weight matrix's entries (population moments, as scipy.stats computes them)."""

    mean: float
    std: float
    skewness: float
    kurtosis: float
    n_weights: int

    def to_dict(self):
        return asdict(self)


@constrained({"weights": Array(ndim=2)})
def weight_moments(weights):
    """Mean, standard deviation, skewness and excess kurtosis of a weight matrix's entries.

    The excess kurtosis is 0 for Gaussian entries and -1.2 for uniform ones
    (Keras' Glorot-uniform initialisation): heavy tails after training show as
    a positive value.

    Parameters
    ----------
    weights : array_like, shape (n_inputs, n_nodes)

    Returns
    -------
    WeightMoments

    Raises
    ------
    ParameterError
        If ``weights`` is not a non-empty, finite 2-D matrix.

    Examples
    --------
    >>> m = weight_moments(np.random.default_rng(0).uniform(-1, 1, (300, 300)))
    >>> round(m.kurtosis, 2), round(m.std, 2)
    (-1.2, 0.58)
    """
    values = _matrix(weights, "weights").ravel()
    return WeightMoments(mean=float(values.mean()), std=float(values.std()), skewness=float(stats.skew(values)),
                         kurtosis=float(stats.kurtosis(values)), n_weights=int(values.size))


@constrained({"incoming": Array(ndim=2), "outgoing": Array(ndim=2, optional=True)})
def node_norms(incoming, outgoing=None):
    """Each node's L1 and L2 norms of its incoming and (optionally) outgoing weights.

    Parameters
    ----------
    incoming : array_like, shape (n_inputs, n_nodes)
        Column ``i`` holds node ``i``'s incoming weights.
    outgoing : array_like, shape (n_nodes, n_outputs), optional
        Row ``i`` holds node ``i``'s outgoing weights.

    Returns
    -------
    dict of str to numpy.ndarray, each of shape (n_nodes,)
        ``in_l1, in_l2`` and, with ``outgoing``, ``out_l1, out_l2``.

    Raises
    ------
    ParameterError
        If a matrix is malformed, or the two disagree on the number of nodes.

    Examples
    --------
    >>> norms = node_norms([[3.0, 0.0], [-4.0, 1.0]], [[1.0, 1.0], [0.0, -2.0]])
    >>> norms["in_l1"].tolist(), norms["in_l2"].tolist(), norms["out_l2"].tolist()
    ([7.0, 1.0], [5.0, 1.0], [1.4142135623730951, 2.0])
    """
    incoming = _matrix(incoming, "incoming")
    norms = {"in_l1": np.abs(incoming).sum(axis=0), "in_l2": np.sqrt((incoming**2).sum(axis=0))}
    if outgoing is not None:
        outgoing = _matrix(outgoing, "outgoing")
        if outgoing.shape[0] != incoming.shape[1]:
            raise ParameterError(f"`outgoing` has {outgoing.shape[0]} rows but `incoming` {incoming.shape[1]} "
                                 "columns; both count the layer's nodes.", "outgoing")
        norms.update(out_l1=np.abs(outgoing).sum(axis=1), out_l2=np.sqrt((outgoing**2).sum(axis=1)))
    return norms


@constrained({"values": Array(ndim=1, allow_nan=True), "other": Array(ndim=1, allow_nan=True)})
def rank_correlation(values, other):
    """Spearman's rank correlation of two per-node quantities, over the nodes where both are finite.

    Returns
    -------
    rho, pvalue : float
        From ``scipy.stats.spearmanr``; ``nan`` with fewer than three nodes
        or a constant quantity.

    Raises
    ------
    ParameterError
        If the two have different lengths.

    Examples
    --------
    >>> rank_correlation([1, 2, 3, np.nan], [10, 20, 30, 40])[0]
    1.0
    """
    a, b = np.asarray(values, dtype=float).ravel(), np.asarray(other, dtype=float).ravel()
    if a.shape != b.shape:
        raise ParameterError(f"`values` has {a.size} entries but `other` {b.size}.", "other")
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return float("nan"), float("nan")
    result = stats.spearmanr(a[keep], b[keep])
    return float(result.statistic), float(result.pvalue)
