"""The benchmark's scores against scikit-learn and SciPy, on synthetic networks."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from spikelib.report.benchmark import few_sample_scores, scores
from spikelib.report.resampling import auroc


def test_auroc_matches_scikit_learn():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.normal(0.3, 1, rng.integers(3, 30)), rng.normal(0, 1, rng.integers(3, 30))
        a[:2] = np.round(a[:2])  # some ties
        b[:2] = np.round(b[:2])
        expected = roc_auc_score(np.r_[np.ones(len(a)), np.zeros(len(b))], np.r_[a, b])
        assert auroc(a, b) == pytest.approx(expected)
    assert np.isnan(auroc([], [1.0]))


def _networks(seed=0):
    """Five seeds x six noise levels; one indicator follows the noise, one falls with it, one is noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(5):
        for noise in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
            gap = 0.6 * noise + rng.normal(0, 0.02)
            rows.append({"seed": s, "label_noise": noise, "gap": gap, "good": noise + rng.normal(0, 0.05),
                         "falling": -gap + rng.normal(0, 0.01), "useless": rng.normal(), "seconds_fast": 0.1,
                         "good@100": noise + rng.normal(0, 0.5)})
    return pd.DataFrame(rows)


def test_scores_rank_and_orient_the_indicators():
    frame = _networks()
    table = scores(frame, n_boot=200, columns=[("good", "good", "fast"), ("falling", "falling", "fast"),
                                               ("useless", "useless", "fast")])
    by_name = table.set_index("indicator")
    assert by_name.loc["good", "auroc"] == 1.0 and by_name.loc["falling", "auroc"] == 0.0
    assert by_name.loc["falling", "direction"] == "lower" and by_name.loc["falling", "separation"] == 1.0
    assert table["indicator"].iloc[-1] == "useless"
    expected = stats.kendalltau(frame["falling"], frame["gap"]).statistic
    assert by_name.loc["falling", "tau"] == pytest.approx(expected)
    for name, row in by_name.iterrows():
        assert row["auroc_low"] <= row["auroc"] <= row["auroc_high"] or np.isnan(row["auroc_low"])
        assert row["tau_low"] <= row["tau"] + 1e-12 and row["tau"] <= row["tau_high"] + 1e-12
    assert by_name.loc["useless", "auroc_high"] - by_name.loc["useless", "auroc_low"] > 0.2
    assert by_name.loc["good", "seconds"] == pytest.approx(0.1)


def test_few_sample_scores_degrade_with_noise():
    import spikelib.report.benchmark as benchmark

    frame = _networks().rename(columns={"good": "mfr", "good@100": "mfr@100"})
    table = few_sample_scores(frame, sizes=(100,))
    rows = table.set_index("samples")
    assert rows.loc["all", "separation"] >= rows.loc[100, "separation"]
    assert set(table["indicator"]) == {"MFR"} and benchmark.INDICATORS[0][0] == "mfr"


def test_headline_names_every_indicator_tied_at_the_top():
    from spikelib.report.benchmark import headline

    frame = _networks()
    table = scores(frame, n_boot=50, columns=[("good", "good", "fast"), ("falling", "falling", "fast"),
                                              ("useless", "useless", "fast")])
    sentence = headline(table)
    assert sentence.startswith("2 indicators separate") and "good" in sentence and "useless" not in sentence
    tied = table[table["separation"] == 1.0]
    lead = tied.loc[tied["tau"].abs().idxmax(), "indicator"]
    assert f"Of these, {lead} tracks" in sentence
    assert headline(table.iloc[0:0]) == "No indicator could be scored on these networks."


def test_weightwatcher_coverage_names_the_networks_it_skipped():
    from spikelib.report.benchmark import weightwatcher_coverage

    frame = pd.DataFrame({"cell_id": ["a", "b", "c"], "width": [64, 128, 512],
                          "ww_status": ["ok", "ok", "no power-law fit (few eigenvalues)"]})
    sentence = weightwatcher_coverage(frame)
    assert "2 of 3 networks" in sentence and "c (no power-law fit" in sentence and "a (" not in sentence
    assert weightwatcher_coverage(frame.iloc[:2]).endswith("(observed layers of 64 to 128 nodes).")
