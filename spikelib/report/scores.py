"""How well does a measure predict generalization? Scores that can fail.

A measure (an indicator of ours or a rival diagnostic) is computed on each
network of a zoo; the generalization gap (training minus test accuracy on the
true labels) is measured on the same networks. The PGDL competition's own score is in :mod:`spikelib.report.pgdl`. The scores below ask whether
the measure orders the networks as the gap does, in ways that a measure
reading off one hyperparameter cannot pass.

Functions
---------
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
partial_rank_pvalue
    Its two-sided p-value (the t test of a partial correlation).
"""

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ParameterError

__all__ = ["granulated_tau", "sign_errors", "seed_noise", "leave_one_group_out",
           "residual", "stratified_tau", "partial_rank_correlation", "partial_rank_pvalue"]



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


def partial_rank_pvalue(measure, gap, covariates, rho=None):
    """The two-sided p-value of :func:`partial_rank_correlation` (no relation beyond the covariates); ``rho``, that
    correlation where the caller has it already.

    The t test of a partial correlation on ranks: ``t = r sqrt(df / (1 - r²))``
    with ``df = n - 2 - k`` for ``n`` networks and ``k`` covariates, the same
    t as the rank regression's coefficient of the measure (Frisch–Waugh–Lovell).
    It treats the networks as independent; seeds of one configuration are not
    quite, so read it as a screen, not an exact level.

    Returns
    -------
    float
        ``nan`` where the correlation is ``nan``.

    Examples
    --------
    >>> x = np.arange(20.0); z = x % 3
    >>> partial_rank_pvalue(x, x + 0.1 * z, z[:, None]) < 1e-6
    True
    """
    measure = np.asarray(measure, dtype=float)
    covariates = np.asarray(covariates, dtype=float).reshape(len(measure), -1)
    r = partial_rank_correlation(measure, gap, covariates) if rho is None else rho
    if not np.isfinite(r):
        return float("nan")
    n = int((np.isfinite(measure) & np.isfinite(np.asarray(gap, dtype=float))
             & np.isfinite(covariates).all(axis=1)).sum())
    df = n - 2 - covariates.shape[1]
    if abs(r) >= 1.0:
        return 0.0
    t = r * np.sqrt(df / (1.0 - r * r))
    return float(2 * stats.t.sf(abs(t), df))
