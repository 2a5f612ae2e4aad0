"""The paper's four network indicators."""

import numpy as np
import pytest
import quantities as pq

import spikelib as sl
from spikelib.pipeline import elephant_route


def test_summary_values_against_elephant(raster):
    """Each indicator from Elephant's own functions on Neo trains, and numpy's population std."""
    trains = sl.to_spiketrains(raster)
    rates = elephant_route.firing_rate(trains, 1 * pq.ms)
    fano = elephant_route.fano_factor(trains, 100, 1 * pq.ms)  # nan for the silent node
    firing = fano[~np.isnan(fano)]
    s = sl.summarize(raster, window=100)
    assert s.mfr == pytest.approx(np.mean(rates), rel=1e-12)
    assert s.cv_fr == pytest.approx(np.std(rates) / np.mean(rates), rel=1e-12)
    assert s.mf == pytest.approx(np.mean(firing), rel=1e-12)
    assert s.cv_mf == pytest.approx(np.std(firing) / np.mean(firing), rel=1e-12)
    assert (s.n_nodes, s.n_samples, s.window) == (12, 3000, 100)
    assert (s.n_silent, s.n_always_on) == (1, 1)
    assert set(s.to_dict()) >= {"mfr", "cv_fr", "mf", "cv_mf", "n_silent", "n_always_on"}


def test_summary_by_hand():
    """Two nodes small enough to compute on paper."""
    spikes = np.array([[1, 1, 0, 0, 1, 1, 1, 1], [1, 0, 0, 0, 1, 0, 0, 0]], dtype=bool)
    s = sl.summarize(spikes, window=4)
    # Rates 6/8 and 2/8: mean 0.5, population std 0.25.
    assert (s.mfr, s.cv_fr) == (0.5, 0.5)
    # Window counts (2, 4) and (1, 1): Fano 1/3 and 0, mean 1/6, population std 1/6.
    assert s.mf == pytest.approx(1 / 6) and s.cv_mf == pytest.approx(1.0)


def test_all_silent_layer():
    s = sl.summarize(np.zeros((4, 300), dtype=bool), window=100)
    assert s.mfr == 0 and np.isnan(s.cv_fr) and np.isnan(s.mf) and np.isnan(s.cv_mf)
    assert s.n_silent == 4


def test_mean_fano_tracks_one_minus_mfr():
    """The paper's Tables 2 and 5 relation, MF ~ 1 - MFR, for independent trains."""
    rates = np.random.default_rng(0).uniform(0.05, 0.9, 256)
    spikes = sl.bernoulli_raster(rates, 10_000, seed=1)
    s = sl.summarize(spikes)
    assert s.mf == pytest.approx(1 - s.mfr, abs=0.02)
