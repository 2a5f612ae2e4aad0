"""The paper's four network indicators."""

import numpy as np
import pytest

import spikelib as sl


def test_summary_values(raster):
    s = sl.summarize(raster, window=100)
    rates = sl.firing_rate(raster)
    fano = sl.fano_factor(raster, 100)
    assert s.mfr == pytest.approx(rates.mean())
    assert s.cv_fr == pytest.approx(rates.std() / rates.mean())
    assert s.mf == pytest.approx(np.nanmean(fano))
    assert s.cv_mf == pytest.approx(np.nanstd(fano) / np.nanmean(fano))
    assert (s.n_nodes, s.n_samples, s.window) == (12, 3000, 100)
    assert (s.n_silent, s.n_always_on) == (1, 1)
    assert set(s.to_dict()) >= {"mfr", "cv_fr", "mf", "cv_mf", "n_silent", "n_always_on"}


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
