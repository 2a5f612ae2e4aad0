"""The Bernoulli null: the dispersion test against SciPy's chi-square, its size, and the excess Fano."""

import numpy as np
import pytest
from scipy import stats

import spikelib as sl
from spikelib.bernoulli import dispersion_test, excess_fano


def test_statistic_is_pearsons_chi_square_of_the_window_table(raster):
    result = dispersion_test(raster, window=100)
    counts = sl.window_counts(raster, 100)
    for node in range(3, raster.shape[0]):  # nodes 0-2 are silent, always on, single spike
        table = np.array([counts[node], 100 - counts[node]])
        chi2 = stats.chi2_contingency(table, correction=False)
        assert result.statistic[node] == pytest.approx(chi2.statistic, rel=1e-10)
        assert result.n_windows == chi2.dof + 1
    assert np.isnan(result.ratio[0]) and np.isnan(result.ratio[1])  # silent, always on


@pytest.mark.parametrize("rate", [0.02, 0.3, 0.7])
def test_size_under_the_bernoulli_null(rate):
    """Independent binary trains: about 5% of nodes rejected at alpha 0.05, at any rate."""
    spikes = np.random.default_rng(11).random((3000, 10_000)) < rate
    result = dispersion_test(spikes, window=100, alpha=0.05)
    assert (result.over | result.under).mean() == pytest.approx(0.05, abs=0.015)
    assert np.nanmean(result.ratio) == pytest.approx(1.0, abs=0.01)


def test_detects_class_sorted_order():
    """The same trains in blocks (as class-sorted samples would be) are over-dispersed."""
    rng = np.random.default_rng(3)
    rates = np.repeat(rng.uniform(0.05, 0.9, size=(50, 10)), 1000, axis=1)  # 10 blocks of 1,000 samples
    spikes = rng.random(rates.shape) < rates
    shuffled = spikes[:, rng.permutation(spikes.shape[1])]
    assert dispersion_test(spikes).over.mean() > 0.95
    assert dispersion_test(shuffled).over.mean() < 0.15


def test_excess_fano_by_hand_and_under_the_null():
    spikes = np.array([[1, 1, 0, 0, 1, 1, 1, 1]], dtype=bool)  # windows of 4: counts 2 and 4
    # F = s^2 / mean = 2 / 3 (ddof=1); rate 6/8: excess 2/3 - 1/4.
    assert excess_fano(spikes, window=4)[0] == pytest.approx(2 / 3 - 0.25)
    spikes = np.random.default_rng(5).random((2000, 10_000)) < 0.2
    assert np.mean(excess_fano(spikes)) == pytest.approx(0.0, abs=0.005)
    result = dispersion_test(spikes)
    np.testing.assert_allclose(excess_fano(spikes), (1 - sl.firing_rate(spikes)) * (result.ratio - 1), rtol=1e-9)


def test_degenerate_nodes(raster):
    excess = excess_fano(raster)
    assert np.isnan(excess[0]) and excess[1] == 0.0
