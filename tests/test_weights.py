"""Weight statistics against SciPy and numpy."""

import numpy as np
import pytest
from scipy import stats

import spikelib as sl
from spikelib.weights import node_norms, rank_correlation, weight_moments


def test_moments_against_scipy():
    weights = np.random.default_rng(0).standard_t(5, size=(784, 128))
    m = weight_moments(weights)
    assert m.kurtosis == pytest.approx(stats.kurtosis(weights.ravel())) and m.n_weights == 784 * 128
    assert m.skewness == pytest.approx(stats.skew(weights.ravel())) and m.std == pytest.approx(weights.std())
    assert weight_moments(np.random.default_rng(1).normal(size=(500, 500))).kurtosis == pytest.approx(0, abs=0.03)


def test_norms_against_numpy():
    rng = np.random.default_rng(2)
    incoming, outgoing = rng.normal(size=(30, 8)), rng.normal(size=(8, 10))
    norms = node_norms(incoming, outgoing)
    np.testing.assert_allclose(norms["in_l2"], np.linalg.norm(incoming, axis=0))
    np.testing.assert_allclose(norms["in_l1"], np.linalg.norm(incoming, ord=1, axis=0))
    np.testing.assert_allclose(norms["out_l2"], np.linalg.norm(outgoing, axis=1))
    np.testing.assert_allclose(norms["out_l1"], np.linalg.norm(outgoing, ord=1, axis=1))


def test_rank_correlation_against_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=50), rng.normal(size=50)
    assert rank_correlation(a, b) == pytest.approx(tuple(stats.spearmanr(a, b)))
    assert np.isnan(rank_correlation([1, 1, 1, 1], [1, 2, 3, 4])[0])


@pytest.mark.parametrize("call, message", [
    (lambda: weight_moments(np.zeros(5)), "2-D"),
    (lambda: weight_moments([[np.inf, 1.0]]), "non-finite"),
    (lambda: node_norms(np.ones((3, 4)), np.ones((5, 2))), "count the layer's nodes"),
    (lambda: rank_correlation([1, 2], [1, 2, 3]), "entries"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises(sl.ParameterError, match=message):
        call()
