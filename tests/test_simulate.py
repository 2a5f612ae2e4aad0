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
