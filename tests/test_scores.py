"""Scores of generalization measures, against the PGDL scoring program and independent computations."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spikelib.exceptions import ParameterError
from spikelib.report.pgdl import pgdl_score
from spikelib.report.scores import granulated_tau, leave_one_group_out, residual, seed_noise, sign_errors

LEVELS = {"depth": [1, 2, 3], "width": [64, 128], "dropout": [0.0, 0.5]}
ROWS = list(itertools.product(*LEVELS.values()))
FACTORS = {name: np.array([row[i] for row in ROWS]) for i, name in enumerate(LEVELS)}
# Hand-made tables (a 3 x 2 x 2 factorial, ties included) and the score the competition's own
# scoring program (PGDL 2020, scoring_program/mutual_information.py, conditional_mutual_information)
# returned for each when run on them beside this code.
TABLES = [
    ([0.19, 0.27, 0.23, 0.07, 0.09, 0.26, 0.0, 0.25, 0.24, 0.14, 0.09, 0.08],
     [-0.18, -0.32, -0.23, -0.04, -0.16, -0.28, -0.1, -0.31, -0.33, -0.15, -0.15, -0.07], 0.44815952896583894),
    ([0.01, 0.15, 0.14, 0.28, 0.19, 0.15, 0.15, 0.07, 0.0, 0.06, 0.21, 0.06],
     [-0.04, -0.0, 0.04, -0.03, -0.01, 0.01, 0.0, -0.06, 0.0, 0.07, -0.08, 0.04], 0.16222587369066221),
    ([0.26, 0.2, 0.04, 0.25, 0.28, 0.27, 0.17, 0.04, 0.06, 0.28, 0.17, 0.05],
     [0.51, 0.39, 0.02, 0.5, 0.54, 0.6, 0.37, 0.08, 0.15, 0.54, 0.39, 0.1], 0.7863273909250901),
]


@pytest.mark.parametrize("gap, measure, reference", TABLES)
def test_pgdl_score_matches_the_competition_scoring_program(gap, measure, reference):
    score, per_pair = pgdl_score(measure, gap, FACTORS)
    assert score == pytest.approx(reference, abs=1e-12)
    assert len(per_pair) == 6 and score == min(per_pair.values())


def test_pgdl_score_of_a_measure_that_follows_one_factor_only():
    # The gap rises with depth and, within depth, with width; a measure that reads depth alone is
    # uninformative once depth is held fixed, so its minimum over pairs is 0.
    gap = FACTORS["depth"] * 1.0 + FACTORS["width"] / 1000 + FACTORS["dropout"] / 10
    assert pgdl_score(gap, gap, FACTORS)[0] == pytest.approx(1.0)
    score, per_pair = pgdl_score(FACTORS["depth"], gap, FACTORS)
    assert score == pytest.approx(0.0, abs=1e-9)
    assert max(per_pair.values()) > 0.3
    with pytest.raises(ParameterError, match="at least two"):
        pgdl_score(gap, gap, {"depth": FACTORS["depth"]})
    with pytest.raises(ParameterError, match="one length"):
        pgdl_score(gap[:-1], gap, FACTORS)


def test_granulated_tau_is_the_mean_of_within_group_taus():
    rng = np.random.default_rng(3)
    gap, measure = rng.normal(size=12), rng.normal(size=12)
    psi, per_factor = granulated_tau(measure, gap, FACTORS)
    frame = pd.DataFrame({**FACTORS, "gap": gap, "measure": measure})
    for name in LEVELS:
        others = [o for o in LEVELS if o != name]
        taus = [stats.kendalltau(g["measure"], g["gap"]).statistic for _, g in frame.groupby(others)]
        assert per_factor[name] == pytest.approx(np.mean(taus))
    assert psi == pytest.approx(np.mean(list(per_factor.values())))


def test_sign_errors_count_wrong_signs_and_drop_pairs_within_seed_noise():
    gap = np.array([0.10, 0.30, 0.10, 0.12])
    width = np.array([64, 128, 64, 128])
    seed_group = np.array([0, 0, 1, 1])
    measure = np.array([1.0, 2.0, 2.0, 1.0])  # right on group 0, wrong on group 1
    table = sign_errors(measure, gap, {"width": width, "group": seed_group})
    row = table[table["factor"] == "width"].iloc[0]
    assert (row["pairs"], row["error"]) == (2, 0.5)
    kept = sign_errors(measure, gap, {"width": width, "group": seed_group}, min_gap_difference=0.05)
    assert kept[kept["factor"] == "width"].iloc[0]["pairs"] == 1  # the pair 0.10 vs 0.12 is seed noise
    assert kept[kept["factor"] == "width"].iloc[0]["error"] == 0.0
    flipped = sign_errors(measure, gap, {"width": width, "group": seed_group}, 0.05, orientation=-1)
    assert flipped[flipped["factor"] == "width"].iloc[0]["error"] == 1.0
    with pytest.raises(ParameterError, match="orientation"):
        sign_errors(measure, gap, {"width": width}, orientation=0)


def test_seed_noise_is_the_pooled_standard_deviation():
    gap = [0.1, 0.2, 0.3, 0.5, 0.6, 0.9]
    groups = ["a", "a", "a", "b", "b", "c"]
    pooled = np.sqrt((np.var([0.1, 0.2, 0.3], ddof=1) * 2 + np.var([0.5, 0.6], ddof=1)) / 3)
    assert seed_noise(gap, groups) == pytest.approx(pooled)
    assert np.isnan(seed_noise([0.1, 0.2], ["a", "b"]))


def test_leave_one_group_out_fits_on_the_rest_only():
    # Group c reverses the relation the other groups teach: a threshold fitted on a and b fails on c.
    measure = np.array([1, 2, 8, 9, 9, 8, 1, 2], dtype=float)
    target = np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=bool)
    groups = np.array(list("aabbccdd"))
    out = leave_one_group_out(measure, target, groups).set_index("group")
    assert out.loc["c", "balanced_accuracy"] == 0.0
    assert out.loc["c", "positives"] == 0
    with pytest.raises(ParameterError, match="one value per network"):
        leave_one_group_out(measure[:-1], target, groups)


def test_residual_equals_ordinary_least_squares_residuals():
    statsmodels = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(0)
    x = rng.normal(size=30)
    y = 2 * x + rng.normal(size=30)
    fit = statsmodels.OLS(y, statsmodels.add_constant(x)).fit()
    np.testing.assert_allclose(residual(y, x), fit.resid, atol=1e-10)
    y[3] = np.nan
    assert np.isnan(residual(y, x)[3])


@pytest.mark.parametrize("seed", range(5))
def test_stratified_tau_counts_only_pairs_within_a_stratum(seed):
    from scipy import stats

    from spikelib.report.scores import stratified_tau

    rng = np.random.default_rng(seed)
    x, y, strata = rng.integers(0, 6, 30).astype(float), rng.integers(0, 6, 30).astype(float), rng.integers(0, 3, 30)
    assert stratified_tau(x, y, np.zeros(30)) == pytest.approx(stats.kendalltau(x, y).statistic)
    pairs = [(i, j) for i in range(30) for j in range(i + 1, 30) if strata[i] == strata[j]]
    sx = np.array([np.sign(x[i] - x[j]) for i, j in pairs])
    sy = np.array([np.sign(y[i] - y[j]) for i, j in pairs])
    assert stratified_tau(x, y, strata) == pytest.approx((sx * sy).sum() / np.sqrt((sx**2).sum() * (sy**2).sum()))
    # Strata that differ in both (a confound between groups) leave it unchanged.
    assert stratified_tau(x + 100 * strata, y + 100 * strata, strata) == pytest.approx(stratified_tau(x, y, strata))


@pytest.mark.parametrize("seed", range(5))
def test_partial_rank_correlation_against_the_textbook_formula_and_statsmodels(seed):
    import statsmodels.api as sm
    from scipy import stats

    from spikelib.report.scores import partial_rank_correlation

    rng = np.random.default_rng(seed)
    z = rng.normal(size=40)
    x, y = z + rng.normal(size=40), z + 0.5 * rng.normal(size=40)
    r = lambda a, b: stats.spearmanr(a, b).statistic  # noqa: E731
    expected = (r(x, y) - r(x, z) * r(y, z)) / np.sqrt((1 - r(x, z) ** 2) * (1 - r(y, z) ** 2))
    assert partial_rank_correlation(x, y, z[:, None]) == pytest.approx(expected)
    w = rng.normal(size=40)
    ranks = [stats.rankdata(v) for v in (x, y, z, w)]
    design = sm.add_constant(np.column_stack(ranks[2:]))
    residuals = [sm.OLS(v, design).fit().resid for v in ranks[:2]]
    assert partial_rank_correlation(x, y, np.column_stack([z, w])) == pytest.approx(np.corrcoef(*residuals)[0, 1])
    assert np.isnan(partial_rank_correlation(x[:3], y[:3], z[:3, None]))


@pytest.mark.parametrize("seed", range(5))
def test_partial_rank_pvalue_is_the_rank_regressions_t_test(seed):
    """statsmodels' OLS of the gap's ranks on the measure's and the controls' ranks: the measure's
    coefficient has the same t, hence the same p, as the partial correlation (Frisch–Waugh–Lovell)."""
    import statsmodels.api as sm
    from scipy import stats

    from spikelib.report.scores import partial_rank_pvalue

    rng = np.random.default_rng(seed)
    z, w = rng.normal(size=(2, 30))
    x = z + rng.normal(size=30)
    y = z + 0.3 * x * (seed % 2) + rng.normal(size=30)  # half the seeds: no relation beyond z
    ranks = [stats.rankdata(v) for v in (x, y, z, w)]
    fit = sm.OLS(ranks[1], sm.add_constant(np.column_stack([ranks[0], ranks[2], ranks[3]]))).fit()
    assert partial_rank_pvalue(x, y, np.column_stack([z, w])) == pytest.approx(fit.pvalues[1], rel=1e-9)
    from spikelib.report.scores import partial_rank_correlation  # a correlation the caller has is not computed again

    rho = partial_rank_correlation(x, y, np.column_stack([z, w]))
    assert partial_rank_pvalue(x, y, np.column_stack([z, w]), rho=rho) == pytest.approx(fit.pvalues[1], rel=1e-9)
    x[0] = np.nan  # a missing value leaves its network out of n
    keep = np.arange(1, 30)
    fit = sm.OLS(stats.rankdata(y[keep]), sm.add_constant(np.column_stack(
        [stats.rankdata(v[keep]) for v in (x, z, w)]))).fit()
    assert partial_rank_pvalue(x, y, np.column_stack([z, w])) == pytest.approx(fit.pvalues[1], rel=1e-9)
