r"""Activation probability and activation magnitude: the follow-up paper's indicators.

The follow-up to the paper (Lehmler et al. 2026) proposes the *activation
probability* of a ReLU node, :math:`\lambda_i`, the share of samples on which
it is active, as the indicator of memorization: memorizing networks would
learn "rare" features, nodes that fire for few samples. This module describes
the distribution of :math:`\lambda` over a layer's nodes, and the size of the
activations when a node is active.

Functions
---------
activation_summary
    Quantiles of the nodes' activation probabilities, the shares of rare,
    silent and always-on nodes, and a Beta fit with its goodness of fit.
mean_positive_activation
    Each node's mean activation over the samples on which it is active.
"""

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from ._validation import Checked, Raster, check_activations, check_raster, constrained
from .rates import firing_rate

__all__ = ["activation_summary", "ActivationSummary", "mean_positive_activation", "QUANTILES", "RARE"]

#: Quantiles of the activation-probability distribution that are reported.
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Thresholds below which a node counts as rare.
RARE = (0.05, 0.01)


@dataclass(frozen=True)
class ActivationSummary:
    """The distribution of a layer's activation probabilities.

    Attributes
    ----------
    quantiles : dict of float to float
        :data:`QUANTILES` of :math:`\\lambda` over the nodes.
    share_rare_5, share_rare_1 : float
        Shares of nodes with :math:`\\lambda < 0.05` and :math:`< 0.01`
        (silent nodes included).
    share_silent, share_always_on : float
        Shares of nodes with :math:`\\lambda = 0` and :math:`= 1`.
    beta_a, beta_b : float
        Maximum-likelihood Beta parameters, fitted to the nodes with
        :math:`0 < \\lambda < 1` (the Beta law has no mass at 0 and 1);
        ``nan`` with fewer than three such nodes.
    beta_ks : float
        Kolmogorov-Smirnov distance between those :math:`\\lambda` and the
        fitted Beta law. Descriptive: with fitted parameters the usual KS
        p-value does not apply.
    n_fitted : int
        Nodes the Beta law was fitted to.
    """

    quantiles: dict
    share_rare_5: float
    share_rare_1: float
    share_silent: float
    share_always_on: float
    beta_a: float
    beta_b: float
    beta_ks: float
    n_fitted: int

    def to_dict(self):
        """Plain ``dict`` for JSON; quantile keys become ``"q05"`` and so on."""
        values = asdict(self)
        values.update({f"q{int(round(100 * q)):02d}": v for q, v in values.pop("quantiles").items()})
        return values


@constrained({"spikes": Raster()})
def activation_summary(spikes):
    r"""Describe the distribution of the nodes' activation probabilities.

    .. math:: \lambda_i = \frac{1}{n}\sum_t s_{i,t}

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.

    Returns
    -------
    ActivationSummary

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract.

    Examples
    --------
    >>> import numpy as np
    >>> spikes = np.random.default_rng(0).random((200, 4000)) < np.linspace(0.001, 0.5, 200)[:, None]
    >>> s = activation_summary(spikes)
    >>> round(s.share_rare_5, 2), s.share_silent, s.n_fitted
    (0.1, 0.0, 200)
    """
    rates = firing_rate(check_raster(spikes))
    inside = rates[(rates > 0) & (rates < 1)]
    a = b = ks = float("nan")
    if inside.size >= 3 and np.ptp(inside) > 0:
        a, b, _, _ = stats.beta.fit(inside, floc=0, fscale=1)
        ks = float(stats.kstest(inside, stats.beta(a, b).cdf).statistic)
    return ActivationSummary(
        quantiles={q: float(v) for q, v in zip(QUANTILES, np.quantile(rates, QUANTILES))},
        share_rare_5=float(np.mean(rates < RARE[0])),
        share_rare_1=float(np.mean(rates < RARE[1])),
        share_silent=float(np.mean(rates == 0)),
        share_always_on=float(np.mean(rates == 1)),
        beta_a=float(a), beta_b=float(b), beta_ks=ks, n_fitted=int(inside.size),
    )


@constrained({"activations": Checked(check_activations)})
def mean_positive_activation(activations):
    """Each node's mean activation over the samples on which it is active (> 0).

    Parameters
    ----------
    activations : array_like of float, shape (n_samples, n_nodes)
        A layer's activations, as Keras returns them.

    Returns
    -------
    numpy.ndarray of float, shape (n_nodes,)
        ``nan`` for a node that is never active.

    Raises
    ------
    RasterError
        If ``activations`` is not a 2-D numeric array, is empty or holds NaN.

    Examples
    --------
    >>> mean_positive_activation([[0.0, 2.0], [1.0, 0.0], [3.0, 0.0]])
    array([2., 2.])
    """
    values = np.asarray(activations)  # checked by the declaration above (check_activations)
    positive = values > 0
    counts = positive.sum(axis=0)
    totals = np.where(positive, values, 0).sum(axis=0, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
