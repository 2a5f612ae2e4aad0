"""The benchmark's scores against scikit-learn and SciPy, on synthetic networks."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from spikelib.experiment.measures import Measure
from spikelib.report.benchmark import benchmark_scores, few_sample_scores
from spikelib.report.resampling import auroc


def _measure(column, family="paper"):
    return Measure(column, column, family, 0, "training recording", "a test", "fast")


MEASURES = [_measure("good"), _measure("falling", "rival"), _measure("useless")]


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
    table = benchmark_scores(frame, n_boot=200, measures=MEASURES)
    by_name = table.set_index("measure")
    assert by_name.loc["good", "auroc"] == 1.0 and by_name.loc["falling", "auroc"] == 0.0
    assert by_name.loc["falling", "direction"] == "lower" and by_name.loc["falling", "separation"] == 1.0
    assert table["measure"].iloc[-1] == "useless"
    expected = stats.kendalltau(frame["falling"], frame["gap"]).statistic
    assert by_name.loc["falling", "tau"] == pytest.approx(expected)
    for name, row in by_name.iterrows():
        assert row["auroc_low"] <= row["auroc"] <= row["auroc_high"] or np.isnan(row["auroc_low"])
        assert row["tau_low"] <= row["tau"] + 1e-12 and row["tau"] <= row["tau_high"] + 1e-12
    assert by_name.loc["useless", "auroc_high"] - by_name.loc["useless", "auroc_low"] > 0.2
    assert by_name.loc["good", "seconds"] == pytest.approx(0.1)


def test_few_sample_scores_degrade_with_noise():
    frame = _networks().rename(columns={"good": "mfr", "good@100": "mfr@100"})
    table = few_sample_scores(frame, sizes=(100,))
    rows = table.set_index("samples")
    assert rows.loc["all", "separation"] >= rows.loc[100, "separation"]
    assert set(table["measure"]) == {"MFR"}


def test_headline_names_every_measure_tied_at_the_top_unless_a_control_does_as_well():
    from spikelib.report.benchmark import benchmark_headline

    frame = _networks()
    table = benchmark_scores(frame, n_boot=50, measures=MEASURES)
    sentence = benchmark_headline(table)
    assert sentence.startswith("2 measures separate") and "good" in sentence and "useless" not in sentence
    tied = table[table["separation"] == 1.0]
    lead = tied.loc[tied["tau"].abs().idxmax(), "measure"]
    assert f"Of these, {lead} tracks" in sentence
    # A control that separates as well takes the credit away.
    frame["fit"] = -frame["label_noise"] + 0.01 * np.arange(len(frame)) % 0.05
    with_control = benchmark_scores(frame, n_boot=50, measures=[*MEASURES, _measure("fit", "control")])
    assert benchmark_headline(with_control).startswith("No measure separates memorizing from clean networks better")
    assert benchmark_headline(table.iloc[0:0]) == "No measure could be scored on these networks."


def test_weightwatcher_coverage_names_the_networks_it_skipped():
    from spikelib.report.benchmark import weightwatcher_coverage

    frame = pd.DataFrame({"cell_id": ["a", "b", "c"], "model": "MLP", "width": [64, 128, 512],
                          "condition": "generalizing", "seed": 0,
                          "ww_status": ["ok", "ok", "no power-law fit (few eigenvalues)"]})
    sentence = weightwatcher_coverage(frame)
    assert "2 of 3 networks" in sentence and "MLP-512, seed 0 (no power-law fit" in sentence and "MLP-64," not in sentence
    assert weightwatcher_coverage(frame.iloc[:2]).endswith("(observed layers of 64 to 128 nodes).")


def test_the_fitted_column_leaves_out_memorizing_networks_that_did_not_fit():
    """A measure that reads only the fit separates every memorizing network, but not the ones that fit as
    well as the clean networks: the fitted column is a test that fit alone fails."""
    from spikelib.report.benchmark import _fitted_sentence
    from spikelib.report.networks import FITTED

    frame = _networks()
    memorizing = frame["label_noise"] >= 0.6
    fit = np.where(memorizing, 0.5, 0.95)
    fit[np.flatnonzero(memorizing)[:4]] = [0.96, 0.99, 0.94, 0.97]  # four memorized their labels
    frame = frame.assign(train_accuracy=fit, fit_only=fit)
    measures = [*MEASURES, _measure("fit_only", "control")]
    table = benchmark_scores(frame, n_boot=50, measures=measures).set_index("measure")
    # fit separates the groups as trained, but not the memorizing networks that fit as well as the clean ones
    assert table.loc["fit_only", "separation"] >= 0.8 > table.loc["fit_only", "separation_fitted"]
    assert table.loc["good", "separation_fitted"] == 1.0
    assert (table["n_fitted"] == (memorizing & (fit >= FITTED)).sum()).all()
    sentence = _fitted_sentence(table.reset_index())
    assert "4 memorizing networks" in sentence and "better than their fit does" in sentence
    unfitted = benchmark_scores(frame.drop(columns="train_accuracy"), n_boot=20, measures=MEASURES)
    assert unfitted["separation_fitted"].isna().all()
