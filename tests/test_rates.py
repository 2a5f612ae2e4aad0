"""Firing rates and window counts against Elephant."""

import elephant.statistics as es
import numpy as np
import pytest
import quantities as pq

import spikelib as sl
from spikelib.pipeline import elephant_route


def test_firing_rate_matches_elephant(raster):
    trains = sl.to_spiketrains(raster)
    expected = [float(es.mean_firing_rate(st).rescale(1 / pq.ms)) for st in trains]
    np.testing.assert_allclose(sl.firing_rate(raster), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(elephant_route.firing_rate(trains, 1 * pq.ms), expected, atol=1e-12)


def test_firing_rate_edge_cases(raster):
    rates = sl.firing_rate(raster)
    assert rates[0] == 0 and rates[1] == 1 and rates[2] == 1 / raster.shape[1]


@pytest.mark.parametrize("window", [1, 7, 100, 1500])
def test_window_counts_match_binned_spiketrain(raster, window):
    from elephant.conversion import BinnedSpikeTrain

    n_windows = raster.shape[1] // window
    trains = sl.to_spiketrains(raster)
    binned = BinnedSpikeTrain(trains, bin_size=window * pq.ms, t_start=0 * pq.ms,
                              t_stop=n_windows * window * pq.ms)
    np.testing.assert_array_equal(sl.window_counts(raster, window), binned.to_array())


def test_trailing_samples_are_dropped():
    spikes = np.zeros((1, 250), dtype=bool)
    spikes[0, 200:] = True  # only in the incomplete third window
    np.testing.assert_array_equal(sl.window_counts(spikes, 100), [[0, 0]])
