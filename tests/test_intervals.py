"""ISI, CV, LV and ISI fits against Elephant and analytic results."""

import elephant.statistics as es
import numpy as np
import pytest
import quantities as pq

import spikelib as sl
from spikelib.pipeline import elephant_route


def test_isi_matches_elephant(raster):
    trains = sl.to_spiketrains(raster)
    for got, st in zip(sl.isi(raster), trains):
        np.testing.assert_array_equal(got, es.isi(st).rescale(pq.ms).magnitude)


def test_isi_cv_matches_elephant(raster):
    expected = elephant_route.isi_cv(sl.to_spiketrains(raster), 1 * pq.ms)
    got = sl.isi_cv(raster)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True)
    assert np.isnan(got[0]) and np.isnan(got[2])  # no interval
    assert got[1] == 0.0                          # regular: every sample


def test_blocked_isi_cv_and_lv_match_elephant(monkeypatch, rng):
    """Blocks of two rows (the split used on large rasters) against Elephant, node by node."""
    import spikelib.intervals as intervals

    spikes = rng.random((37, 500)) < 0.2
    spikes[5] = False
    spikes[6, 10] = True  # one spike: no interval
    monkeypatch.setattr(intervals, "_BLOCK_ELEMENTS", 1000)  # two rows per block
    trains = sl.to_spiketrains(spikes)
    np.testing.assert_allclose(intervals.isi_cv(spikes), elephant_route.isi_cv(trains, 1 * pq.ms),
                               rtol=0, atol=1e-12, equal_nan=True)
    got = intervals.lv(spikes)
    for node, train in enumerate(trains):
        gaps = es.isi(train).magnitude
        if gaps.size < 2:
            assert np.isnan(got[node])
        else:
            assert got[node] == pytest.approx(es.lv(gaps), rel=1e-12)


@pytest.mark.parametrize("period", [1, 2, 7, 50])
def test_regular_train_has_zero_cv_and_lv(period):
    spikes = np.zeros((1, 1000), dtype=bool)
    spikes[0, ::period] = True
    assert sl.isi_cv(spikes)[0] == 0.0
    assert sl.lv(spikes)[0] == 0.0


@pytest.mark.parametrize("p", [0.05, 0.3, 0.8])
def test_bernoulli_isi_cv_is_sqrt_one_minus_p(p):
    spikes = np.random.default_rng(2).random((50, 20_000)) < p
    assert np.mean(sl.isi_cv(spikes)) == pytest.approx(np.sqrt(1 - p), rel=0.02)


def test_lv_matches_elephant(raster):
    for got, intervals in zip(sl.lv(raster), sl.isi(raster)):
        if intervals.size < 2:
            assert np.isnan(got)
        else:
            assert got == pytest.approx(es.lv(intervals.astype(float)), rel=1e-12)


def test_isi_fit_prefers_geometric_for_dense_trains():
    spikes = np.random.default_rng(4).random((20, 20_000)) < 0.4
    fit = sl.isi_fit(spikes)
    np.testing.assert_allclose(fit.geometric_p, 1 / fit.mean_isi)
    assert (fit.ks_geometric < fit.ks_exponential).all()
    assert fit.ks_geometric.max() < 0.03
    np.testing.assert_allclose(fit.geometric_p, 0.4, atol=0.02)


def test_isi_fit_distances_against_scipy():
    from scipy import stats

    spikes = np.random.default_rng(8).random((3, 5000)) < 0.02
    fit = sl.isi_fit(spikes)
    for node, intervals in enumerate(sl.isi(spikes)):
        scale = intervals.mean()
        expected = stats.kstest(intervals, stats.expon(scale=scale).cdf).statistic
        assert fit.ks_exponential[node] == pytest.approx(expected, rel=1e-12)
        geom = stats.geom(1 / scale)
        support = np.arange(1, intervals.max() + 1)
        ecdf = np.array([(intervals <= k).mean() for k in support])
        assert fit.ks_geometric[node] == pytest.approx(np.abs(ecdf - geom.cdf(support)).max(), rel=1e-9)


def test_isi_fit_degenerate(raster):
    fit = sl.isi_fit(raster)
    assert fit.n_intervals[0] == 0 and np.isnan(fit.mean_isi[0])
    assert fit.n_intervals[2] == 0 and np.isnan(fit.ks_geometric[2])
    assert fit.mean_isi[1] == 1 and fit.ks_geometric[1] == 0.0


@pytest.mark.parametrize("spikes", [np.zeros((3, 100), bool), np.eye(3, 100, 5, dtype=bool)])
def test_no_node_with_two_spikes_gives_nan_not_an_error(spikes):
    """A layer that went (almost) silent is a legitimate outcome: every value is nan."""
    assert np.isnan(sl.isi_cv(spikes)).all() and np.isnan(sl.lv(spikes)).all()
    assert np.isnan(sl.isi_fit(spikes).mean_isi).all()
