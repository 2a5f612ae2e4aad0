"""Network-level indicators: the paper's MFR, CV of FR, MF and CV of MF.

Functions
---------
summarize
    The four indicators of one raster, with counts of degenerate nodes.
"""

from dataclasses import asdict, dataclass

import numpy as np

from ._validation import Integer, Raster, check_raster, constrained
from .rates import firing_rate
from .variability import fano_factor

__all__ = ["summarize", "NetworkSummary"]


@dataclass(frozen=True)
class NetworkSummary:
    """The paper's four indicators of one observed layer on one data split.

    Attributes
    ----------
    mfr : float
        Mean firing rate over all nodes (silent nodes count as 0).
    cv_fr : float
        Coefficient of variation of the firing rates across nodes,
        ``std / mean`` with the population std, as a fraction (the paper
        prints percent). ``nan`` if every node is silent.
    mf : float
        Mean windowed Fano factor over the nodes that fire (silent nodes
        have no Fano factor and are left out).
    cv_mf : float
        Coefficient of variation of the Fano factors across those nodes.
    n_nodes, n_samples, window : int
        Shape of the raster and the Fano window.
    n_silent : int
        Nodes that never fire.
    n_always_on : int
        Nodes that fire on every sample (Fano factor 0).
    """

    mfr: float
    cv_fr: float
    mf: float
    cv_mf: float
    n_nodes: int
    n_samples: int
    window: int
    n_silent: int
    n_always_on: int

    def to_dict(self):
        """Plain ``dict`` of Python scalars, for JSON."""
        return asdict(self)


def _cv(values):
    mean = values.mean() if values.size else np.nan
    if values.size == 0 or mean == 0:
        return float("nan")
    return float(values.std() / mean)


@constrained({"spikes": Raster(), "window": Integer(1)})
def summarize(spikes, window=100):
    """Summarize a raster by the paper's four network-level indicators.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster of one observed layer on one data split.
    window : int
        Fano-factor window in samples (the paper: 100).

    Returns
    -------
    NetworkSummary

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    ParameterError
        If ``window`` is not a positive integer or fewer than two windows fit.

    Examples
    --------
    >>> import numpy as np
    >>> spikes = np.zeros((3, 400), dtype=bool)
    >>> spikes[0, ::2] = True          # fires every other sample
    >>> spikes[1] = True               # always on
    >>> s = summarize(spikes, window=100)
    >>> round(s.mfr, 3), s.mf, s.n_silent, s.n_always_on
    (0.5, 0.0, 1, 1)
    """
    spikes = check_raster(spikes)
    rates = firing_rate(spikes)
    fano = fano_factor(spikes, window)
    firing = fano[~np.isnan(fano)]
    return NetworkSummary(
        mfr=float(rates.mean()),
        cv_fr=_cv(rates),
        mf=float(firing.mean()) if firing.size else float("nan"),
        cv_mf=_cv(firing),
        n_nodes=int(spikes.shape[0]),
        n_samples=int(spikes.shape[1]),
        window=int(window),
        n_silent=int((rates == 0).sum()),
        n_always_on=int((rates == 1).sum()),
    )
