"""Fano factor and the Eden & Kramer test: Elephant, SciPy and analytic oracles."""

import elephant.statistics as es
import numpy as np
import pytest
import quantities as pq
from scipy import stats

import spikelib as sl
from spikelib.pipeline import elephant_route


# Elephant bins each window as an object (about 5 s per raster and window here), so one seed.
@pytest.mark.parametrize("rng", [0], indirect=True)
@pytest.mark.parametrize("window", [10, 100, 333])
def test_fano_matches_elephant_windows(raster, window):
    trains = sl.to_spiketrains(raster)
    expected = elephant_route.fano_factor(trains, window, 1 * pq.ms)
    got = sl.fano_factor(raster, window)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True)


def test_fano_window_edges_counted_once():
    # A spike on every window's first sample: counts are all 1, F = 0.
    spikes = np.zeros((1, 1000), dtype=bool)
    spikes[0, ::100] = True
    assert sl.fano_factor(spikes, 100)[0] == 0.0
    trains = sl.to_spiketrains(spikes)
    assert es.fanofactor(elephant_route.window_trains(trains[0], 100, 1 * pq.ms)) == 0.0


def test_fano_degenerate_nodes(raster):
    fano = sl.fano_factor(raster, 100)
    assert np.isnan(fano[0])      # silent
    assert fano[1] == 0.0         # always on
    assert fano[2] == pytest.approx(1.0 - 1.0 / (raster.shape[1] // 100))  # one spike


@pytest.mark.parametrize("p", [0.05, 0.3, 0.6, 0.9])
def test_bernoulli_fano_is_one_minus_p(p):
    spikes = np.random.default_rng(11).random((400, 20_000)) < p
    fano = sl.fano_factor(spikes, 100)
    # Mean over 400 nodes of 200 windows each: standard error ~ (1-p) * 0.1 / 20.
    assert fano.mean() == pytest.approx(1 - p, abs=0.02)
    # The binomial law of a window's count, an independent route: Var/E of Binomial(window, rate).
    mean, var = stats.binom(100, sl.firing_rate(spikes)).stats(moments="mv")
    np.testing.assert_allclose(sl.bernoulli_fano(spikes), var / mean)


def test_fano_test_statistic_and_pvalue_against_scipy(raster):
    result = sl.fano_test(raster, window=100)
    counts = sl.window_counts(raster, 100)
    n = counts.shape[1]
    for node in range(3, raster.shape[0]):
        f = counts[node].var(ddof=1) / counts[node].mean()
        assert result.statistic[node] == pytest.approx(f, rel=1e-12)
        chi2 = stats.chi2(df=n - 1)
        expected = min(1.0, 2 * min(chi2.cdf(f * (n - 1)), chi2.sf(f * (n - 1))))
        assert result.pvalue[node] == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_fano_test_flags_degenerate_nodes(raster):
    result = sl.fano_test(raster, window=100)
    assert result.silent[0] and np.isnan(result.statistic[0]) and np.isnan(result.pvalue[0])
    assert result.always_on[1] and result.statistic[1] == 0 and np.isnan(result.pvalue[1])
    assert not (result.below[:2] | result.above[:2]).any()
    assert not result.compatible[:2].any()
    assert result.n_windows == raster.shape[1] // 100


@pytest.mark.parametrize("m, significant", [(23, False), (22, True), (40, False), (41, True)])
def test_fano_test_band_for_paper_setting(m, significant):
    """n=10000, W=100: the 95% acceptance band is [0.741, 1.297].

    100 windows: ``m`` count 48, ``m`` count 32, the rest 40, so the sample
    variance is exactly ``2 m 8^2 / 99`` and F = 2 m 64 / (99 * 40): 0.711 and
    0.743 either side of the lower edge, 1.293 and 1.325 either side of the upper.
    """
    null = stats.gamma(a=99 / 2, scale=2 / 99)
    assert null.ppf(0.025) == pytest.approx(0.741, abs=1e-3)
    assert null.ppf(0.975) == pytest.approx(1.297, abs=1e-3)
    counts = np.array([48] * m + [32] * m + [40] * (100 - 2 * m))
    spikes = np.zeros((1, 10_000), bool)
    for k, c in enumerate(counts):
        spikes[0, k * 100 : k * 100 + c] = True
    result = sl.fano_test(spikes, window=100)
    expected = 2 * m * 64 / (99 * 40)
    assert result.statistic[0] == pytest.approx(expected, rel=1e-12)
    assert bool(result.below[0] | result.above[0]) is significant
    assert bool(result.below[0]) is (significant and expected < 1)
    assert bool(result.above[0]) is (significant and expected > 1)


def test_fano_test_size_under_poisson_like_null():
    """Rare Bernoulli spikes are nearly Poisson: about 5% of nodes rejected."""
    spikes = np.random.default_rng(5).random((2000, 10_000)) < 0.005
    result = sl.fano_test(spikes, window=100, alpha=0.05)
    rejected = (result.below | result.above).mean()
    assert 0.02 < rejected < 0.09


def test_fano_test_detects_bernoulli_underdispersion():
    spikes = np.random.default_rng(6).random((200, 10_000)) < 0.6
    result = sl.fano_test(spikes, window=100)
    assert result.below.mean() > 0.99 and not result.above.any()


def test_a_stored_fano_factor_can_be_tested_at_another_window_count(raster):
    result = sl.fano_test(raster, window=100)
    testable = ~(result.silent | result.always_on)
    again = sl.fano_pvalue(result.statistic[testable], result.n_windows)
    np.testing.assert_allclose(again, result.pvalue[testable])
    # The same departure from F = 1 is less significant from fewer windows.
    assert sl.fano_pvalue([0.8], 600)[0] < 0.001 < sl.fano_pvalue([0.8], 100)[0]
    with pytest.raises(sl.ParameterError, match="`n_windows`"):
        sl.fano_pvalue([1.0], 1)
