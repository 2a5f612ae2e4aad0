"""The raster contract and parameter checks: each bad input names its argument."""

import numpy as np
import pytest
import quantities as pq

import spikelib as sl

STATISTICS = [
    sl.firing_rate,
    sl.fano_factor,
    sl.isi_cv,
    sl.lv,
    sl.correlation_matrix,
    sl.summarize,
    lambda s: sl.fano_test(s),
    lambda s: sl.ljung_box(s, lags=1),
]


@pytest.mark.parametrize("statistic", STATISTICS)
@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros(10, dtype=bool), "2-D raster.*spikes\\[np.newaxis, :\\]"),
        (np.zeros((2, 3, 4), dtype=bool), "2-D raster.*Flatten"),
        (np.zeros((0, 10), dtype=bool), "empty"),
        (np.zeros((3, 0), dtype=bool), "empty"),
        (np.array([[0.0, 0.5, 1.0]]), "binary.*0.5"),
        (np.array([[0.0, np.nan, 1.0]]), "NaN"),
        (np.array([["a", "b"]]), "booleans or 0/1"),
    ],
)
def test_bad_rasters_raise_naming_the_argument(statistic, bad, message):
    with pytest.raises(sl.RasterError, match=message) as info:
        statistic(bad)
    assert "`spikes`" in str(info.value)


def test_zero_one_numbers_are_accepted():
    ints = np.array([[0, 1, 1, 0]] * 2, dtype=np.int8)
    np.testing.assert_array_equal(sl.firing_rate(ints), [0.5, 0.5])
    np.testing.assert_array_equal(sl.firing_rate(ints.astype(float)), [0.5, 0.5])


@pytest.mark.parametrize("window, message", [(0, "at least 1"), (2.5, "positive integer"),
                                             (True, "positive integer"), (600, "at least 2 are needed")])
@pytest.mark.parametrize("statistic", [sl.fano_factor, sl.fano_test, sl.summarize, sl.window_counts])
def test_bad_windows(statistic, window, message):
    spikes = np.ones((2, 1000), dtype=bool)
    with pytest.raises(sl.ParameterError, match=message) as info:
        statistic(spikes, window=window)
    assert "`window`" in str(info.value)


def test_window_longer_than_raster_says_what_fits():
    with pytest.raises(sl.ParameterError, match="at most 500 samples"):
        sl.fano_factor(np.ones((1, 1000), dtype=bool), window=2000)


@pytest.mark.parametrize("period", [1.0, 1, np.float64(1.0)])
def test_sampling_period_without_units(period):
    with pytest.raises(sl.UnitError, match="`sampling_period`.*without units"):
        sl.to_spiketrains(np.ones((1, 4), dtype=bool), sampling_period=period)


def test_sampling_period_with_wrong_units():
    with pytest.raises(sl.UnitError, match="time unit"):
        sl.to_spiketrains(np.ones((1, 4), dtype=bool), sampling_period=1 * pq.m)


def test_sampling_period_must_be_positive():
    with pytest.raises(sl.ParameterError, match="positive"):
        sl.to_spiketrains(np.ones((1, 4), dtype=bool), sampling_period=-1 * pq.ms)


def test_t_start_without_units():
    with pytest.raises(sl.UnitError, match="`t_start`"):
        sl.to_spiketrains(np.ones((1, 4), dtype=bool), t_start=0)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, "x"])
def test_bad_alpha(alpha):
    with pytest.raises(sl.ParameterError, match="`alpha`"):
        sl.fano_test(np.ones((1, 400), dtype=bool), alpha=alpha)


def test_errors_are_builtin_subclasses():
    assert issubclass(sl.RasterError, ValueError)
    assert issubclass(sl.ParameterError, ValueError)
    assert issubclass(sl.UnitError, TypeError)


@pytest.mark.parametrize("path", ["\x00", "a\x00b.npz"])
def test_a_path_with_a_null_byte_is_refused_by_name(tmp_path, path):
    import numpy as np

    from spikelib.exceptions import ParameterError
    from spikelib.storage import write_npz

    with pytest.raises(ParameterError, match="`path` holds a null byte"):
        write_npz(path, spikes=np.zeros((2, 2)))
