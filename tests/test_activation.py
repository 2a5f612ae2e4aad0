"""Activation probability and magnitude, against Elephant, SciPy and hand-computed values."""

import numpy as np
import pytest
import quantities as pq
from scipy import stats

import spikelib as sl
from spikelib.pipeline import elephant_route
from spikelib.activation import QUANTILES, activation_summary, mean_positive_activation


def test_summary_against_elephant_rates(raster):
    rates = elephant_route.firing_rate(sl.to_spiketrains(raster), 1 * pq.ms)
    s = activation_summary(raster)
    np.testing.assert_allclose(list(s.quantiles.values()), np.quantile(rates, QUANTILES), rtol=1e-12)
    assert s.share_silent == pytest.approx(np.mean(rates == 0)) and s.share_always_on == pytest.approx(1 / 12)
    assert s.share_rare_5 == pytest.approx(np.mean(rates < 0.05))
    assert s.n_fitted == int(np.sum((rates > 0) & (rates < 1)))


def test_beta_fit_recovers_known_parameters():
    rng = np.random.default_rng(7)
    rates = rng.beta(0.6, 4.0, size=3000)
    spikes = rng.random((3000, 20_000)) < rates[:, None]
    s = activation_summary(spikes)
    # Firing rates estimated from 20,000 samples carry little noise next to the Beta spread.
    assert s.beta_a == pytest.approx(0.6, rel=0.1) and s.beta_b == pytest.approx(4.0, rel=0.1)
    inside = sl.firing_rate(spikes)
    inside = inside[(inside > 0) & (inside < 1)]
    assert s.beta_ks == pytest.approx(stats.kstest(inside, stats.beta(s.beta_a, s.beta_b).cdf).statistic)
    assert s.beta_ks < 0.03


def test_too_few_varying_nodes_give_no_fit():
    spikes = np.zeros((4, 100), dtype=bool)
    spikes[1] = True
    s = activation_summary(spikes)
    assert np.isnan(s.beta_a) and s.n_fitted == 0 and s.share_silent == 0.75
    assert set(s.to_dict()) >= {"q05", "q50", "q95", "share_rare_5", "beta_ks"}


def test_mean_positive_activation_by_hand():
    activations = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, 0.0], [2.5, -1.0, 0.0]])
    got = mean_positive_activation(activations)
    assert got[0] == 2.0 and got[1] == 2.0 and np.isnan(got[2])
    rng = np.random.default_rng(0)
    values = np.maximum(rng.normal(size=(500, 20)), 0)
    expected = [values[values[:, i] > 0, i].mean() for i in range(20)]
    np.testing.assert_allclose(mean_positive_activation(values), expected, rtol=1e-12)


@pytest.mark.parametrize("bad, message", [(np.zeros(5), "shape"), (np.array([[np.nan, 1.0]]), "NaN"),
                                          (np.array([["a"]]), "numeric")])
def test_mean_positive_activation_rejects(bad, message):
    with pytest.raises(sl.RasterError, match=message):
        mean_positive_activation(bad)
