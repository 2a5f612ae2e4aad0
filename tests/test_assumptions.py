"""Ljung-Box, Pearson combination, ADF and change points against statsmodels/scipy."""

import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.tsa.stattools import adfuller

import spikelib as sl
import spikelib.assumptions as assumptions


@pytest.mark.parametrize("lags", [1, 5, 10])
def test_ljung_box_matches_statsmodels(raster, lags):
    result = sl.ljung_box(raster, lags=lags)
    assert result.statistic.shape == (raster.shape[0], lags)
    for node in range(raster.shape[0]):
        series = raster[node].astype(float)
        if series.min() == series.max():
            assert np.isnan(result.pvalue[node]).all()
            continue
        expected = acorr_ljungbox(series, lags=lags)
        np.testing.assert_allclose(result.statistic[node], expected["lb_stat"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(result.pvalue[node], expected["lb_pvalue"], rtol=1e-8, atol=1e-12)


def test_ljung_box_blocks_agree(monkeypatch, rng):
    spikes = rng.random((23, 700)) < 0.3
    whole = sl.ljung_box(spikes, lags=4).statistic
    monkeypatch.setattr(assumptions, "_BLOCK_ELEMENTS", 1500)
    np.testing.assert_array_equal(sl.ljung_box(spikes, lags=4).statistic, whole)


def test_ljung_box_detects_sorted_input():
    # Nodes firing in runs (as with class-sorted input) are autocorrelated.
    spikes = np.zeros((3, 2000), dtype=bool)
    for node in range(3):
        spikes[node, node * 600 : node * 600 + 400] = True
    assert (sl.ljung_box(spikes, lags=5).pvalue[:, -1] < 1e-10).all()


def test_ljung_box_lags_checked():
    with pytest.raises(sl.ParameterError, match="`lags`"):
        sl.ljung_box(np.ones((1, 5), dtype=bool), lags=5)
    with pytest.raises(sl.ParameterError, match="`lags`"):
        sl.ljung_box(np.ones((1, 5), dtype=bool), lags=0)


def test_pearson_combination_matches_scipy(rng):
    p = rng.uniform(size=50)
    stat, pvalue = sl.combine_pvalues_pearson(np.r_[p, np.nan])
    expected = stats.combine_pvalues(p, method="pearson")
    assert (stat, pvalue) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-12)
    # Pearson's method by definition (SciPy >= 1.9): X = -2 sum ln(1 - p) ~ chi2(2m),
    # small p-values give small X, and the combined p-value is the lower tail.
    x = -2 * np.log1p(-p).sum()
    assert stat == pytest.approx(-x) and pvalue == pytest.approx(stats.chi2.cdf(x, 2 * p.size))
    assert sl.combine_pvalues_pearson(np.full(40, 1e-4))[1] < 1e-10


def test_fisher_combination_matches_scipy(rng):
    p = rng.uniform(size=30)
    assert sl.combine_pvalues(p, "fisher")[1] == pytest.approx(stats.combine_pvalues(p, method="fisher").pvalue)


def test_pearson_is_swamped_by_a_p_value_of_one():
    """One silent-ish node with p = 1 hides any number of strong rejections."""
    p = np.r_[np.full(20, 1e-8), 1.0]
    assert sl.combine_pvalues_pearson(p)[1] == 1.0
    assert sl.combine_pvalues(p, "fisher")[1] < 1e-50
    with pytest.raises(sl.ParameterError, match="`method`"):
        sl.combine_pvalues(p, "stouffer")


def test_pearson_combination_edge_cases():
    assert all(np.isnan(sl.combine_pvalues_pearson([np.nan, np.nan])))
    with pytest.raises(sl.ParameterError, match="`pvalues`"):
        sl.combine_pvalues_pearson([0.5, 1.5])


def test_adf_matches_statsmodels(raster):
    result = sl.adf(raster[:6], max_lag=3)
    assert result.constant[:2].all() and np.isnan(result.pvalue[:2]).all()
    for node in range(2, 6):
        expected = adfuller(raster[node].astype(float), maxlag=3, autolag=None, result_object=True)
        assert result.statistic[node] == pytest.approx(expected.statistic, rel=1e-12)
        assert result.pvalue[node] == pytest.approx(expected.pvalue, rel=1e-12)


def test_adf_constant_series_would_raise_in_statsmodels():
    with warnings.catch_warnings(), pytest.raises(ValueError):
        warnings.simplefilter("ignore")
        adfuller(np.ones(100), maxlag=2, autolag=None, result_object=True)
    assert sl.adf(np.ones((1, 100), dtype=bool), max_lag=2).constant[0]


def test_adf_max_lag_checked():
    with pytest.raises(sl.ParameterError, match="`max_lag`"):
        sl.adf(np.ones((1, 20), dtype=bool), max_lag=10)


def test_change_points_find_a_rate_step_and_none_in_stationary_trains():
    rng = np.random.default_rng(0)
    rates = np.r_[np.full(6000, 0.2), np.full(4000, 0.5)]
    stepped = rng.random((5, 10_000)) < rates
    found = sl.change_points(stepped, window=100)
    assert all(len(cp) == 1 and abs(cp[0] - 6000) <= 200 for cp in found)
    stationary = rng.random((300, 10_000)) < 0.3
    flagged = sum(len(cp) > 0 for cp in sl.change_points(stationary, window=100))
    assert flagged <= 6  # modified-BIC penalty: well under 1 % of nodes expected; 2 % allows for chance


def test_change_points_degenerate_and_penalty(raster):
    found = sl.change_points(raster, window=100)
    assert found[0].size == 0 and found[1].size == 0
    with pytest.raises(sl.ParameterError, match="`penalty`"):
        sl.change_points(raster, penalty=-1)
