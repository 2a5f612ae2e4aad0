"""How well does a measure predict generalization? Scores that can fail.

A measure (an indicator of ours or a rival diagnostic) is computed on each
network of a zoo; the generalization gap (training minus test accuracy on the
true labels) is measured on the same networks. The scores below ask whether
the measure orders the networks as the gap does, in ways that a measure
reading off one hyperparameter cannot pass.

Functions
---------
pgdl_score
    The PGDL 2020 competition's score: conditional mutual information between
    the sign of the gap difference and the sign of the measure difference,
    conditioned on every ordered pair of hyperparameters, the minimum over pairs.
granulated_tau
    Jiang et al. 2020's granulated Kendall tau (Psi): tau within groups that
    differ in one hyperparameter only, averaged.
sign_errors
    Dziugaite et al. 2020's sign error over pairs differing in one
    hyperparameter, per environment, leaving out pairs within seed noise.
seed_noise
    The spread of the gap between seeds of one configuration.
leave_one_group_out
    A threshold fitted on the other groups, scored on the held-out one.
residual
    A measure with its linear dependence on another (MFR) removed.
stratified_tau
    Kendall's tau over pairs of networks of one stratum (architecture) only.
partial_rank_correlation
    Spearman's correlation with the gap beyond what the controls explain.
"""

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ParameterError

__all__ = ["pgdl_score", "PgdlScorer", "granulated_tau", "sign_errors", "seed_noise", "leave_one_group_out",
           "residual", "stratified_tau", "partial_rank_correlation", "PGDL_PUBLISHED"]

#: The PGDL competition's published best: the winner's overall score and on its Fashion-MNIST task
#: (Task 8; Natekar & Sharma 2020, Davies-Bouldin index with mixup). Another zoo: a reference only.
PGDL_PUBLISHED = {"overall": 22.92, "fashion_mnist_task8": 9.24}


def _check(measure, gap, factors):
    measure = np.asarray(measure, dtype=float)
    gap = np.asarray(gap, dtype=float)
    if measure.shape != gap.shape or measure.ndim != 1:
        raise ParameterError(f"`measure` {measure.shape} and `gap` {gap.shape} must be 1-D of one length.", "measure")
    factors = {name: np.asarray(values) for name, values in (factors or {}).items()}
    for name, values in factors.items():
        if values.shape != measure.shape:
            raise ParameterError(f"Factor {name!r} has shape {values.shape}; `measure` has {measure.shape}.",
                                 "factors")
    keep = np.isfinite(measure) & np.isfinite(gap)
    return measure[keep], gap[keep], {name: values[keep] for name, values in factors.items()}


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


def _groups_differing_in(factors, name):
    """Indices of networks that share every hyperparameter but ``name`` (groups of two or more)."""
    others = [factor for factor in factors if factor != name]
    if not others:
        return [np.arange(len(factors[name]))]
    frame = pd.DataFrame({factor: factors[factor] for factor in others})
    keys = others if len(others) > 1 else others[0]
    return [np.asarray(index) for index in frame.groupby(keys, sort=False).indices.values() if len(index) > 1]


def granulated_tau(measure, gap, factors):
    r"""Jiang et al. 2020's granulated Kendall tau :math:`\Psi`.

    For each hyperparameter :math:`h`, the networks are grouped by the values
    of all other hyperparameters; Kendall's tau of the measure with the gap
    within each group (the networks differ in :math:`h` only) is averaged over
    groups: :math:`\psi_h`. :math:`\Psi` is the mean of :math:`\psi_h` over
    hyperparameters. Groups whose tau is undefined (a constant measure or gap)
    are left out.

    Returns
    -------
    psi : float
    per_factor : dict of str to float
        :math:`\psi_h`.

    Raises
    ------
    ParameterError
        If the shapes disagree.

    Examples
    --------
    >>> gap = np.array([0.1, 0.2, 0.3, 0.4]); a = np.array([0, 0, 1, 1]); b = np.array([0, 1, 0, 1])
    >>> granulated_tau(gap, gap, {"a": a, "b": b})
    (1.0, {'a': 1.0, 'b': 1.0})
    >>> granulated_tau(-a, gap, {"a": a, "b": b})[1]["a"]  # falls as the gap rises with a
    -1.0
    """
    measure, gap, factors = _check(measure, gap, factors)
    # Kendall's tau-b of every group at once: the pairs' signs, summed per group of networks that share
    # every hyperparameter but one.
    sx = np.sign(measure[:, None] - measure[None, :])
    sy = np.sign(gap[:, None] - gap[None, :])
    per_factor = {}
    for name in factors:
        others = [factors[other] for other in factors if other != name]
        group = (pd.DataFrame(others).T.groupby(list(range(len(others))), sort=False).ngroup().to_numpy()
                 if others else np.zeros(len(measure), dtype=int))
        same = group[:, None] == group[None, :]
        label = np.broadcast_to(group[:, None], same.shape)[same]
        sums = [np.bincount(label, weights=term[same], minlength=group.max() + 1) for term in (sx * sy, sx * sx, sy * sy)]
        defined = (sums[1] > 0) & (sums[2] > 0)
        taus = sums[0][defined] / np.sqrt(sums[1][defined] * sums[2][defined])
        per_factor[name] = float(np.mean(taus)) if taus.size else float("nan")
    finite = [v for v in per_factor.values() if np.isfinite(v)]
    return (float(np.mean(finite)) if finite else float("nan")), per_factor


def seed_noise(gap, configurations):
    """Pooled standard deviation of the gap across seeds of the same configuration.

    Parameters
    ----------
    gap : array_like, shape (n_networks,)
    configurations : array_like, shape (n_networks,)
        A label per network; networks with the same label differ in their seed only.

    Returns
    -------
    float
        ``nan`` when no configuration has two seeds.

    Examples
    --------
    >>> seed_noise([0.1, 0.3, 0.5, 0.5], ["a", "a", "b", "b"])
    0.1
    """
    frame = pd.DataFrame({"gap": np.asarray(gap, dtype=float), "configuration": list(configurations)})
    groups = [g["gap"].to_numpy() for _, g in frame.groupby("configuration") if len(g) > 1]
    if not groups:
        return float("nan")
    squares = sum(((g - g.mean()) ** 2).sum() for g in groups)
    dof = sum(len(g) - 1 for g in groups)
    return float(np.sqrt(squares / dof))


def sign_errors(measure, gap, factors, min_gap_difference=0.0, orientation=1):
    r"""Sign errors over pairs of networks that differ in one hyperparameter (Dziugaite et al. 2020).

    An environment is one hyperparameter and one pair of its values
    (``dropout: 0 -> 0.2``); its pairs of networks agree on every other
    hyperparameter. A pair is an error when the measure's difference (times
    ``orientation``) has the opposite sign of the gap's difference. Pairs
    whose gaps differ by no more than ``min_gap_difference`` (seed noise)
    are left out; a tie of the measure counts half. A coin flip scores 0.5 in
    every environment; the robust-measures paper reports the worst one.

    Parameters
    ----------
    measure, gap : array_like, shape (n_networks,)
    factors : dict of str to array_like
    min_gap_difference : float
    orientation : {1, -1}
        1: a larger measure predicts a larger gap.

    Returns
    -------
    pandas.DataFrame
        One row per environment: ``factor, low, high, pairs, error``.

    Raises
    ------
    ParameterError
        If the shapes disagree or ``orientation`` is not 1 or -1.

    Examples
    --------
    >>> gap = np.array([0.1, 0.2, 0.3, 0.4]); a = np.array([0, 0, 1, 1]); b = np.array([0, 1, 0, 1])
    >>> sign_errors(-gap, gap, {"a": a, "b": b})["error"].tolist()
    [1.0, 1.0]
    """
    if orientation not in (1, -1):
        raise ParameterError(f"`orientation` must be 1 or -1; got {orientation!r}.", "orientation")
    measure, gap, factors = _check(measure, gap, factors)
    rows = []
    for name, values in factors.items():
        errors = {}
        for index in _groups_differing_in(factors, name):
            for i, j in itertools.combinations(index, 2):
                if values[i] == values[j] or abs(gap[i] - gap[j]) <= min_gap_difference:
                    continue
                low, high = (i, j) if values[i] < values[j] else (j, i)
                agreement = np.sign(gap[high] - gap[low]) * np.sign(measure[high] - measure[low]) * orientation
                errors.setdefault((values[low], values[high]), []).append(0.5 if agreement == 0 else float(agreement < 0))
        rows.extend({"factor": name, "low": low, "high": high, "pairs": len(e), "error": float(np.mean(e))}
                    for (low, high), e in sorted(errors.items()))
    return pd.DataFrame(rows, columns=["factor", "low", "high", "pairs", "error"])


def _fit_threshold(measure, target):
    """The threshold and direction that classify ``target`` best (balanced accuracy) on these networks.

    Candidates are the midpoints between neighbouring values; among equally good
    ones the middle one is taken, so a clean split is cut halfway between the classes.
    """
    candidates = []
    for direction in (1, -1):
        values = np.unique(direction * measure)
        thresholds = np.r_[values[0] - 1, (values[1:] + values[:-1]) / 2, values[-1] + 1]
        scores = _balanced_accuracies(direction * measure, target, thresholds)
        candidates.extend(zip(scores, thresholds, [direction] * len(thresholds)))
    best_score = max(score for score, _, _ in candidates)
    best = [(threshold, direction) for score, threshold, direction in candidates if score >= best_score - 1e-12]
    return best[len(best) // 2]


def _balanced_accuracies(values, target, thresholds):
    """Balanced accuracy of ``values >= t`` for every threshold ``t`` (one pass over the sorted values)."""
    positives, negatives = target.sum(), (~target).sum()
    order = np.sort(values[target]), np.sort(values[~target])
    # Predicted positive: values at or above the threshold.
    true_positive = positives - np.searchsorted(order[0], thresholds, side="left")
    true_negative = np.searchsorted(order[1], thresholds, side="left")
    rates = [true_positive / positives if positives else None, true_negative / negatives if negatives else None]
    rates = [r for r in rates if r is not None]
    return np.mean(rates, axis=0) if rates else np.full(len(thresholds), np.nan)


def _balanced_accuracy(predicted, target):
    rates = [np.mean(predicted[target == label] == label) for label in (True, False) if np.any(target == label)]
    return float(np.mean(rates)) if rates else float("nan")


def leave_one_group_out(measure, target, groups):
    """A threshold fitted on the other groups, scored on each held-out group.

    Parameters
    ----------
    measure : array_like, shape (n_networks,)
    target : array_like of bool, shape (n_networks,)
        Whether each network memorizes (by its measured gap).
    groups : array_like, shape (n_networks,)
        The group of each network (its architecture, or its width).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group, n, positives, balanced_accuracy``
        (``nan`` where the rest holds one class only).

    Raises
    ------
    ParameterError
        If the shapes disagree.

    Examples
    --------
    >>> out = leave_one_group_out([1, 2, 8, 9, 1, 9], [False, False, True, True, False, True], list("aabbcc"))
    >>> out["balanced_accuracy"].tolist()  # b: a and c teach a cut halfway between 2 and 9
    [1.0, 1.0, 1.0]
    """
    measure = np.asarray(measure, dtype=float)
    target = np.asarray(target, dtype=bool)
    groups = np.asarray(groups)
    if not measure.shape == target.shape == groups.shape:
        raise ParameterError(f"`measure` {measure.shape}, `target` {target.shape} and `groups` {groups.shape} must "
                             "have one value per network.", "measure")
    finite = np.isfinite(measure)
    rows = []
    for group in pd.unique(groups):
        held = (groups == group) & finite
        rest = (groups != group) & finite
        score = float("nan")
        if target[rest].any() and not target[rest].all() and held.any():
            threshold, direction = _fit_threshold(measure[rest], target[rest])
            score = _balanced_accuracy(direction * measure[held] >= threshold, target[held])
        rows.append({"group": group, "n": int(held.sum()), "positives": int(target[held].sum()),
                     "balanced_accuracy": score})
    return pd.DataFrame(rows)


def residual(measure, covariate):
    """``measure`` minus its least-squares line on ``covariate`` (``nan`` where either is).

    Examples
    --------
    >>> residual([1.0, 3.0, 5.0, 8.0], [0.0, 1.0, 2.0, 3.0]).round(2).tolist()
    [0.3, -0.1, -0.5, 0.3]
    """
    measure = np.asarray(measure, dtype=float)
    covariate = np.asarray(covariate, dtype=float)
    keep = np.isfinite(measure) & np.isfinite(covariate)
    out = np.full(measure.shape, np.nan)
    if keep.sum() < 3 or np.ptp(covariate[keep]) == 0:
        return out
    slope, intercept = np.polyfit(covariate[keep], measure[keep], 1)
    out[keep] = measure[keep] - (slope * covariate[keep] + intercept)
    return out


def stratified_tau(measure, gap, strata):
    r"""Kendall's tau-b over the pairs of networks within one stratum only (pooled over strata).

    .. math::

        \tau_s = \frac{\sum_k \sum_{i<j \in k} s^x_{ij} s^y_{ij}}
                      {\sqrt{\sum_k \sum_{i<j \in k} (s^x_{ij})^2 \; \sum_k \sum_{i<j \in k} (s^y_{ij})^2}}

    A difference between strata (an architecture that both fires more and
    generalizes worse) adds nothing: only networks of one stratum are compared.

    Parameters
    ----------
    measure, gap : array_like, shape (n_networks,)
    strata : array_like, shape (n_networks,)

    Returns
    -------
    float
        ``nan`` where no stratum has a pair that differs in both.

    Raises
    ------
    ParameterError
        If the three arrays differ in shape.

    Examples
    --------
    >>> stratified_tau([1, 2, 10, 20], [1, 2, 0.5, 0.6], ["a", "a", "b", "b"])  # each stratum rises
    1.0
    """
    measure, gap, factors = _check(measure, gap, {"strata": strata})
    strata = factors["strata"]
    same = strata[:, None] == strata[None, :]
    sx = np.sign(measure[:, None] - measure[None, :]) * same
    sy = np.sign(gap[:, None] - gap[None, :]) * same
    denominator = np.sqrt((sx * sx).sum() * (sy * sy).sum())
    return float((sx * sy).sum() / denominator) if denominator > 0 else float("nan")


def partial_rank_correlation(measure, gap, covariates):
    """Spearman's correlation of ``measure`` with ``gap`` after removing what ``covariates`` explain.

    The ranks of ``measure`` and of ``gap`` are each regressed (least squares,
    with an intercept) on the ranks of the covariates (the controls: how well
    each network fits its training samples); the correlation of the two
    residuals is what the measure says about the gap beyond the controls.
    Networks with a value missing anywhere are left out.

    Parameters
    ----------
    measure, gap : array_like, shape (n_networks,)
    covariates : array_like, shape (n_networks, n_covariates)

    Returns
    -------
    float
        ``nan`` with fewer networks than covariates plus three.

    Examples
    --------
    >>> x = np.arange(10.0); z = x % 3
    >>> round(partial_rank_correlation(x, x + 0.1 * z, z[:, None]), 3)  # the gap follows x beyond z
    1.0
    """
    measure = np.asarray(measure, dtype=float)
    gap = np.asarray(gap, dtype=float)
    covariates = np.asarray(covariates, dtype=float).reshape(len(measure), -1)
    keep = np.isfinite(measure) & np.isfinite(gap) & np.isfinite(covariates).all(axis=1)
    if keep.sum() < covariates.shape[1] + 3:
        return float("nan")
    ranks = [stats.rankdata(column) for column in (measure[keep], gap[keep], *covariates[keep].T)]
    design = np.column_stack([np.ones(keep.sum()), *ranks[2:]])
    residuals = [r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in ranks[:2]]
    if min(np.ptp(r) for r in residuals) < 1e-12:
        return float("nan")
    return float(np.corrcoef(*residuals)[0, 1])
