"""Bootstrap statistics computed for every resample at once, against SciPy and scikit-learn on the
resampled networks one resample at a time."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from spikelib.report import resampling


def _resampled(counts_row):
    return np.repeat(np.arange(len(counts_row)), counts_row.astype(int))


@pytest.mark.parametrize("seed", range(40))
def test_tau_and_auroc_of_each_resample_equal_scipy_and_sklearn_on_the_resampled_networks(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 40))
    x = rng.integers(0, 5, n).astype(float)  # many ties
    y = rng.integers(0, 4, n).astype(float)
    if seed % 3 == 0:
        x[rng.integers(0, n)] = np.nan
    clusters = rng.integers(0, 4, n) if seed % 2 else None
    counts = resampling.bootstrap_counts(6, seed, n=n, clusters=clusters)
    positive = rng.random(n) < 0.4
    taus = resampling.kendall_tau_b(x, y, counts)
    aurocs = resampling.group_auroc(x, positive, ~positive, counts)
    for row, tau, area in zip(counts, taus, aurocs):
        index = _resampled(row)
        xx, yy, labels = x[index], y[index], positive[index]
        finite = np.isfinite(xx)
        expected = stats.kendalltau(xx[finite], yy[finite]).statistic if finite.sum() >= 2 else np.nan
        np.testing.assert_allclose(tau, expected, atol=1e-12, equal_nan=True)
        if len(set(labels[finite])) == 2:
            assert area == pytest.approx(roc_auc_score(labels[finite], xx[finite]), abs=1e-12)
        else:
            assert np.isnan(area)


def test_a_cluster_bootstrap_draws_whole_clusters():
    clusters = np.array([0, 0, 0, 1, 2, 2])
    counts = resampling.bootstrap_counts(200, 1, clusters=clusters)
    for members in ([0, 1, 2], [4, 5]):
        assert (counts[:, members] == counts[:, members[:1]]).all()
    assert (counts[:, [0, 3, 4]].sum(axis=1) == 3).all()  # three clusters drawn each time


def test_subsets_have_the_size_asked_and_no_repeats():
    counts = resampling.subset_counts(50, 0, 20, 16)
    assert set(np.unique(counts)) == {0.0, 1.0} and (counts.sum(axis=1) == 16).all()


def test_degenerate_samples_give_nan():
    assert np.isnan(resampling.kendall_tau_b([1, 1, 1], [1, 2, 3]))
    assert np.isnan(resampling.auroc([], [1.0])) and resampling.auroc([2.0], [1.0]) == 1.0
    assert resampling.percentile_interval([np.nan]) == (np.nan, np.nan) or all(
        np.isnan(resampling.percentile_interval([np.nan])))


@pytest.mark.parametrize("seed", [0, 1])
def test_the_stratified_auroc_pools_sklearn_within_each_stratum_by_pairs(seed):
    rng = np.random.default_rng(seed)
    n = 40
    values = rng.normal(size=n).round(1)  # ties too
    positive = rng.random(n) < 0.5
    strata = rng.integers(0, 3, n)
    counts = resampling.bootstrap_counts(20, seed, n=n)
    scores = resampling.stratified_auroc(values, positive, ~positive, strata, counts)
    for row, score in zip(counts, scores):
        drawn = np.repeat(np.arange(n), row.astype(int))
        wins = pairs = 0
        for stratum in range(3):
            members = drawn[strata[drawn] == stratum]
            labels = positive[members]
            if labels.all() or not labels.any():
                continue
            n_pairs = labels.sum() * (~labels).sum()
            wins += roc_auc_score(labels, values[members]) * n_pairs
            pairs += n_pairs
        assert score == pytest.approx(wins / pairs)
    one = resampling.stratified_auroc(values, positive, ~positive, np.zeros(n))
    assert one == pytest.approx(roc_auc_score(positive, values))
