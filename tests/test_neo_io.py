"""Raster <-> Neo SpikeTrain, exact both ways."""

import neo
import numpy as np
import pytest
import quantities as pq

import spikelib as sl


@pytest.mark.parametrize("period", [1 * pq.ms, 0.1 * pq.ms, 2 * pq.s, 0.25 * pq.ms])
def test_roundtrip_exact(raster, period):
    trains = sl.to_spiketrains(raster, sampling_period=period)
    assert len(trains) == raster.shape[0]
    assert all(st.t_stop == raster.shape[1] * period for st in trains)
    np.testing.assert_array_equal(sl.from_spiketrains(trains, sampling_period=period), raster)


def test_spike_times_are_sample_indices(rng):
    spikes = rng.random((3, 40)) < 0.5
    trains = sl.to_spiketrains(spikes, sampling_period=1 * pq.ms, t_start=10 * pq.ms)
    for row, st in zip(spikes, trains):
        np.testing.assert_allclose(st.times.rescale(pq.ms).magnitude, 10 + np.flatnonzero(row))
        assert st.t_start == 10 * pq.ms


def test_two_spikes_in_one_bin_is_an_error():
    st = neo.SpikeTrain([1.0, 1.5] * pq.ms, t_start=0 * pq.ms, t_stop=4 * pq.ms)
    with pytest.raises(sl.RasterError, match="2 spikes in one bin"):
        sl.from_spiketrains([st])


def test_trains_must_share_span():
    a = neo.SpikeTrain([1.0] * pq.ms, t_stop=4 * pq.ms)
    b = neo.SpikeTrain([1.0] * pq.ms, t_stop=5 * pq.ms)
    with pytest.raises(sl.RasterError, match="share t_start and t_stop"):
        sl.from_spiketrains([a, b])
    with pytest.raises(sl.RasterError, match="empty"):
        sl.from_spiketrains([])


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 5), dtype=bool), r"`spiketrains\[0\]` is a ndarray, not a neo.SpikeTrain"),
    ([[0, 1], [1, 0]], r"`spiketrains\[0\]` is a list"),
    (5, "must be a list of neo.SpikeTrain"),
])
def test_from_spiketrains_names_what_it_got(bad, message):
    with pytest.raises(sl.RasterError, match=message):
        sl.from_spiketrains(bad)


def test_from_a_single_train_says_to_wrap_it():
    train = sl.to_spiketrains(np.array([[1, 0, 1]]))[0]
    with pytest.raises(sl.RasterError, match="Wrap one train in a list"):
        sl.from_spiketrains(train)
