"""KS comparisons and Bonferroni against scipy/statsmodels."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import spikelib as sl


def test_ks_compare_matches_scipy(rng):
    a, b = rng.beta(2, 5, 128), rng.beta(2, 4, 256)
    expected = stats.ks_2samp(a, b)
    assert sl.ks_compare(a, b) == (expected.statistic, expected.pvalue)
    assert sl.ks_compare(np.r_[a, np.nan], b) == sl.ks_compare(a, b)


def test_bonferroni_matches_statsmodels(rng):
    p = rng.uniform(0, 0.1, 20)
    np.testing.assert_allclose(sl.bonferroni(p), multipletests(p, method="bonferroni")[1])
    np.testing.assert_allclose(sl.bonferroni(p, family_size=185), np.minimum(1, p * 185))
    with pytest.raises(sl.ParameterError, match="`family_size`"):
        sl.bonferroni(p, family_size=5)


def test_ks_family_marks_similarity_as_the_paper(rng):
    a = rng.uniform(size=300)
    table = sl.ks_family({"same": (a, rng.uniform(size=300)), "shifted": (a, 0.3 + 0.7 * a)},
                         alpha=0.05, family_size=128)
    assert list(table.columns) == ["statistic", "pvalue", "pvalue_adjusted", "similar"]
    assert table.loc["same", "similar"] and not table.loc["shifted", "similar"]
    assert table.loc["same", "pvalue_adjusted"] == min(1, table.loc["same", "pvalue"] * 128)


def test_ks_family_errors():
    with pytest.raises(sl.ParameterError, match="`comparisons`"):
        sl.ks_family({})
    with pytest.raises(sl.ParameterError, match="rates_a"):
        sl.ks_compare([np.nan], [0.1])
