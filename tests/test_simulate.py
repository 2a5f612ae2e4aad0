"""Simulated Poisson and Bernoulli rasters."""

import numpy as np
import pytest

import spikelib as sl


@pytest.mark.parametrize("make", [sl.poisson_raster, sl.bernoulli_raster])
def test_rates_and_seeding(make):
    rates = np.array([0.0, 0.05, 0.3, 0.6])
    spikes = make(rates, 20_000, seed=3)
    assert spikes.shape == (4, 20_000) and spikes.dtype == bool
    np.testing.assert_allclose(sl.firing_rate(spikes), rates, atol=0.012)
    np.testing.assert_array_equal(spikes, make(rates, 20_000, seed=3))
    assert not np.array_equal(spikes, make(rates, 20_000, seed=4))


def test_poisson_raster_restores_global_state():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    sl.poisson_raster([0.2], 100, seed=9)
    assert np.random.random() == expected


def test_binned_poisson_is_binomial_in_windows():
    spikes = sl.poisson_raster(np.full(100, 0.4), 10_000, seed=1)
    assert sl.fano_factor(spikes, 100).mean() == pytest.approx(0.6, abs=0.03)


@pytest.mark.parametrize("rates", [[-0.1], [1.5], [np.nan], [[0.1, 0.2]]])
def test_bad_rates(rates):
    with pytest.raises(sl.ParameterError, match="`rates`"):
        sl.bernoulli_raster(rates, 10)


def test_poisson_rate_one_is_rejected():
    with pytest.raises(sl.ParameterError, match=r"\[0, 1\)"):
        sl.poisson_raster([1.0], 10)


def test_population_raster_correlation_is_the_bivariate_normal_orthant():
    from scipy import stats

    from spikelib.simulate import population_raster

    rates, rho = np.array([0.1, 0.4]), 0.3
    spikes = population_raster(rates, 400_000, correlation=rho, seed=3)
    thresholds = stats.norm.ppf(rates)
    both = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf(thresholds)
    expected = (both - rates.prod()) / np.sqrt(np.prod(rates * (1 - rates)))
    np.testing.assert_allclose(spikes.mean(axis=1), rates, atol=0.003)
    assert np.corrcoef(spikes)[0, 1] == pytest.approx(expected, abs=0.006)
    independent = population_raster(rates, 200_000, seed=4)
    assert abs(np.corrcoef(independent)[0, 1]) < 0.01


def test_population_rates_and_the_fit_recover_the_fraction():
    from spikelib.simulate import fit_memorizing_fraction, population_rates

    rng = np.random.default_rng(5)
    base = rng.beta(4, 4, 400)
    for fraction in (0.0, 0.25, 0.7):
        rates = population_rates(512, fraction, base, seed=6)
        assert np.sum(rates < 0.05) >= round(fraction * 512)
        assert fit_memorizing_fraction(rates, base)[0] == pytest.approx(fraction, abs=0.05)


@pytest.mark.parametrize("call, message", [
    (lambda: __import__("spikelib.simulate").simulate.population_rates(10, 1.5, [0.5]), "`fraction`"),
    (lambda: __import__("spikelib.simulate").simulate.population_raster([0.5], 10, correlation=1.0), "`correlation`"),
    (lambda: __import__("spikelib.simulate").simulate.population_rates(10, 0.5, [1.5]), "`base_rates`"),
])
def test_population_bad_input(call, message):
    with pytest.raises(sl.ParameterError, match=message):
        call()
