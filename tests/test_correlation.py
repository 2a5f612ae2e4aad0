"""Intra-layer correlation against Elephant and numpy."""

import numpy as np
import pytest
import quantities as pq
from elephant.conversion import BinnedSpikeTrain
from elephant.spike_train_correlation import correlation_coefficient

import spikelib as sl


def test_matches_elephant(raster):
    binned = BinnedSpikeTrain(sl.to_spiketrains(raster), bin_size=1 * pq.ms)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = correlation_coefficient(binned)
    got = sl.correlation_matrix(raster)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("shape", [(2, 10), (30, 999), (5, 50_000)])
def test_matches_numpy_corrcoef(rng, shape):
    spikes = rng.random(shape) < rng.uniform(0.05, 0.95, size=(shape[0], 1))
    np.testing.assert_allclose(sl.correlation_matrix(spikes), np.corrcoef(spikes), atol=1e-12)


def test_identical_and_complementary_nodes():
    row = np.random.default_rng(0).random(100) < 0.5
    corr = sl.correlation_matrix(np.vstack([row, row, ~row]))
    np.testing.assert_allclose(corr, [[1, 1, -1], [1, 1, -1], [-1, -1, 1]])
