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


def test_summary_against_numpy_scipy_and_statsmodels():
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    from spikelib.correlation import correlation_summary

    rng = np.random.default_rng(4)
    latent = rng.random(3000) < 0.4
    spikes = np.array([latent ^ (rng.random(3000) < noise) for noise in np.linspace(0.05, 0.5, 12)])
    spikes = np.vstack([spikes, np.zeros((1, 3000), bool)])  # a silent node is left out
    for correction, method in (("bonferroni", "bonferroni"), ("fdr_bh", "fdr_bh")):
        s = correlation_summary(spikes, alpha=0.05, correction=correction)
        corr = np.corrcoef(spikes[:12])
        upper = corr[np.triu_indices(12, k=1)]
        assert s.n_varying == 12 and s.n_pairs == 66
        assert s.mean_r == pytest.approx(upper.mean()) and s.mean_abs_r == pytest.approx(np.abs(upper).mean())
        pvalues = [stats.pearsonr(spikes[i], spikes[j]).pvalue for i, j in zip(*np.triu_indices(12, k=1))]
        assert s.share_significant == pytest.approx(multipletests(pvalues, 0.05, method=method)[0].mean())
        eigen = np.sort(np.linalg.eigvalsh(corr))[::-1]
        np.testing.assert_allclose(s.eigenvalues, eigen, atol=1e-10)
        assert s.participation_ratio == pytest.approx(eigen.sum() ** 2 / (eigen**2).sum())


def test_independent_nodes_have_full_dimension():
    from spikelib.correlation import correlation_summary

    spikes = np.random.default_rng(5).random((40, 20_000)) < 0.3
    s = correlation_summary(spikes)
    assert s.participation_ratio > 38 and s.share_significant == 0.0 and abs(s.mean_r) < 0.002
