"""The PGDL 2020 competition's score of a generalization measure on a model zoo.

The conditional mutual information between the sign of the gap difference and
the sign of the measure difference over pairs of networks, conditioned on every
ordered pair of hyperparameters, the minimum over pairs (Jiang et al. 2020,
"NeurIPS 2020 Competition: Predicting Generalization in Deep Learning").

Classes
-------
PgdlScorer
    A zoo binned once; scores any measure, or any subsets of the networks.

Functions
---------
pgdl_score
    The score of one measure.
"""

import itertools
import warnings

import numpy as np

from ..exceptions import ParameterError
from .scores import _check

__all__ = ["PgdlScorer", "pgdl_score", "PGDL_PUBLISHED"]

#: The PGDL competition's published best: the winner's overall score and on its Fashion-MNIST task
#: (Task 8; Natekar & Sharma 2020, Davies-Bouldin index with mixup). Another zoo: a reference only.
PGDL_PUBLISHED = {"overall": 22.92, "fashion_mnist_task8": 9.24}


class PgdlScorer:
    """The PGDL score of any measure on one zoo: its gaps and hyperparameters binned once.

    Calling it with a measure gives :func:`pgdl_score`'s score; with
    ``counts`` (rows of 0/1 weights, e.g. random subsets of the networks) it
    gives the score on each subset, without recomputing the bins.

    Parameters
    ----------
    gap : array_like, shape (n_networks,)
    factors : dict of str to array_like
        At least two hyperparameters.

    Raises
    ------
    ParameterError
        If the shapes disagree, or fewer than two hyperparameters are given.
    """

    def __init__(self, gap, factors):
        gap = np.asarray(gap, dtype=float)
        self.n = len(gap)
        _check(gap, gap, factors)
        if len(factors) < 2:
            raise ParameterError(f"`factors` must name at least two hyperparameters; got {list(factors)}.", "factors")
        self.finite_gap = np.isfinite(gap)
        self.gap_sign = (gap[:, None] > gap[None, :]).ravel().astype(np.int64)
        codes = {name: np.unique(np.asarray(values), return_inverse=True)[1] for name, values in factors.items()}
        self.pairs = []
        for first, second in itertools.permutations(factors, 2):
            a, b = codes[first], codes[second]
            ka, kb = a.max() + 1, b.max() + 1
            key = (((a[:, None] * ka + a[None, :]) * kb + b[:, None]) * kb + b[None, :]).ravel()
            self.pairs.append(((first, second), key, ka * ka * kb * kb))

    def __call__(self, measure, counts=None):
        """The score of ``measure`` and each pair's, or an array of scores, one per row of ``counts``."""
        from scipy import sparse

        measure = np.asarray(measure, dtype=float)
        if measure.shape != (self.n,):
            raise ParameterError(f"`measure` has shape {measure.shape}; the zoo has {self.n} networks.", "measure")
        keep = (np.isfinite(measure) & self.finite_gap).astype(float)
        rows = keep[np.newaxis] if counts is None else np.asarray(counts, dtype=float) * keep
        # Each resample's weight of every ordered pair of networks (a network paired with itself included).
        weights = np.ascontiguousarray((rows[:, :, None] * rows[:, None, :]).reshape(len(rows), -1).T)
        cell = self.gap_sign * 2 + (measure[:, None] > measure[None, :]).ravel()
        ratios = {}
        for names, key, n_bins in self.pairs:
            pairs = sparse.csr_matrix((np.ones(len(key)), (key * 4 + cell, np.arange(len(key)))),
                                      shape=(n_bins * 4, len(key)))
            tables = np.asarray(pairs @ weights).T.reshape(len(rows), n_bins, 2, 2)
            present = tables.sum(axis=(2, 3)) > 0
            mi, entropy = _mutual_information(tables)
            n_present = present.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_mi = np.where(present, mi, 0).sum(axis=1) / n_present
                mean_entropy = np.where(present, entropy, 0).sum(axis=1) / n_present
                ratios[names] = np.where(mean_entropy > 0, mean_mi / np.where(mean_entropy > 0, mean_entropy, 1), np.nan)
        stacked = np.array(list(ratios.values()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resample of no finite pair: nan, said below
            scores = np.nanmin(stacked, axis=0)
        scores[np.count_nonzero(weights, axis=0) < 2] = np.nan
        if counts is not None:
            return scores
        per_pair = {names: float(values[0]) for names, values in ratios.items()} if np.isfinite(scores[0]) else {}
        return float(scores[0]), per_pair


def _mutual_information(tables):
    """I(V; V') and H(V) of each 2 x 2 table (rows: the gap's sign, columns: the measure's), in bits.

    ``tables`` has shape ``(..., 2, 2)``. As the competition's scoring program: an empty cell adds
    nothing, and the entropy takes log2 with 1e-12 inside.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        joint = tables / tables.sum(axis=(-2, -1), keepdims=True)
        rows, columns = joint.sum(axis=-1, keepdims=True), joint.sum(axis=-2, keepdims=True)
        terms = np.where(joint > 0, joint * np.log2(joint / (rows * columns)), 0.0)
    entropy = -np.sum(rows[..., 0] * np.log2(rows[..., 0] + 1e-12), axis=-1)
    return terms.sum(axis=(-2, -1)), entropy


def pgdl_score(measure, gap, factors):
    r"""The PGDL competition's conditional-mutual-information score of a measure (in [0, 1]).

    For every ordered pair of networks :math:`(i, j)`, itself included, as the
    competition's scoring program does: :math:`V = [g_i > g_j]` for the gaps
    and :math:`V' = [\mu_i > \mu_j]` for the measure. For an ordered pair of
    hyperparameters :math:`(h_1, h_2)`, the pairs of networks are binned by
    the four values :math:`(h_1(i), h_1(j), h_2(i), h_2(j))`; within each bin
    the mutual information :math:`I(V; V')` and the entropy :math:`H(V)` are
    computed, each averaged over the bins, and their ratio is the score of
    :math:`(h_1, h_2)`. The measure's score is the minimum over pairs of
    hyperparameters: a measure that only follows one hyperparameter scores
    near 0 when that one is held fixed. The competition reports it ×100.
    The score has no sign: a measure that falls as the gap rises scores as
    high as one that rises with it.

    Implemented from the competition's published scoring program
    (``scoring_program/mutual_information.py``); the tests check it against
    that program's output on a small table. Bins without a pair of networks
    (an incomplete zoo) are left out, where that program would give ``nan``.
    :class:`PgdlScorer` scores many measures, or subsets, on one zoo.

    Parameters
    ----------
    measure, gap : array_like, shape (n_networks,)
    factors : dict of str to array_like
        Each hyperparameter's value per network (at least two hyperparameters).

    Returns
    -------
    score : float
        The minimum over ordered pairs of hyperparameters; ``nan`` with fewer
        than two networks.
    per_pair : dict of (str, str) to float
        The score of every ordered pair of hyperparameters.

    Raises
    ------
    ParameterError
        If the shapes disagree, or fewer than two hyperparameters are given.

    Examples
    --------
    >>> gap = np.arange(8) / 10; a = np.array([0, 0, 1, 1] * 2); b = np.array([0, 1, 0, 1] * 2)  # two seeds
    >>> round(pgdl_score(gap, gap, {"a": a, "b": b})[0], 6)  # the gap itself
    1.0
    >>> round(pgdl_score(np.ones(8), gap, {"a": a, "b": b})[0], 6)  # a constant
    0.0
    """
    _check(measure, gap, factors)
    return PgdlScorer(gap, factors)(measure)
