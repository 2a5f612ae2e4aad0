"""The zoo's scores and the harder label-noise comparisons, on synthetic networks with known answers."""

import itertools

import numpy as np
import pandas as pd
import pytest

from spikelib.exceptions import DataError
from spikelib.report import zoo


def _zoo(seed=0):
    """A 3 x 2 x 2 x 2 x 2 factorial of MLPs (seed 0) plus repeats; the gap rises with depth and dropout."""
    rng = np.random.default_rng(seed)
    rows = []
    levels = itertools.product([1, 2, 3], [64, 128], [0.0, 0.2], [0.0, 1e-4], [0.05, 0.2])
    for depth, width, dropout, decay, rate in levels:
        for s in ([0, 1, 2] if (width, dropout, decay, rate) == (64, 0.0, 0.0, 0.05) else [0]):
            gap = 0.05 * depth + 0.1 * dropout + 0.01 * rng.normal() + (0.001 * s)
            rows.append({"cell_id": f"n{len(rows)}", "model": "MLP", "depth": depth, "width": width, "dropout": dropout,
                         "weight_decay": decay, "learning_rate": rate, "seed": s, "gap": gap,
                         "train_accuracy": 1.0, "condition": "generalizing", "label_noise": 0.0,
                         "mfr": gap, "cv_fr": float(depth), "mf": rng.normal()})
    frame = pd.DataFrame(rows)
    frame["architecture"] = "MLP-" + frame["depth"].astype(str)
    frame["configuration"] = frame[["architecture", *zoo.FACTORS[1:]]].astype(str).agg("/".join, axis=1)
    return frame


def test_a_measure_equal_to_the_gap_scores_perfectly_and_one_reading_depth_does_not():
    table, context = zoo.score_table(_zoo(), n_boot=20)
    table = table.set_index("column")
    assert table.loc["mfr", "pgdl"] == pytest.approx(100.0)
    assert table.loc["mfr", "tau"] == pytest.approx(1.0)
    assert table.loc["mfr", "sign_error_worst"] == 0.0
    # Held-out depths: a threshold learnt on the others still classifies most (the target is the zoo's median).
    assert table.loc["mfr", "loao_worst"] >= 0.75 > table.loc["mf", "loao_worst"]
    # Depth alone: no information once depth is held fixed, so the minimum over pairs is 0.
    assert table.loc["cv_fr", "pgdl"] == pytest.approx(0.0, abs=1e-6)
    assert abs(table.loc["mf", "tau"]) < 0.3  # noise
    assert context["n_factorial"] == 48 and context["n_repeated"] == 9
    repeated = [g["gap"] for _, g in _zoo().groupby("configuration") if len(g) > 1]
    pooled = np.sqrt(sum(g.var(ddof=1) for g in repeated) / len(repeated))  # three seeds each
    assert context["seed_noise"] == pytest.approx(100 * pooled, rel=1e-9)
    assert context["factors"] == ["depth", "width", "dropout", "weight decay", "learning rate"]
    with pytest.raises(DataError, match="at least 8 networks"):
        zoo.score_table(_zoo().head(5), n_boot=2)


def test_residuals_beyond_mfr_remove_what_mfr_explains():
    frame, added = zoo.add_residuals(_zoo())
    assert ("cv_fr|mfr", "CV of FR beyond MFR", "ours beyond MFR") in added
    np.testing.assert_allclose(np.polyfit(frame["mfr"], frame["cv_fr|mfr"], 1), [0, 0], atol=1e-9)


def _noise_set():
    rows = []
    for width, noise, seed in itertools.product([128, 512], [0.0, 0.4, 1.0], [0, 1, 2]):
        train = {0.0: 0.97, 0.4: 0.65, 1.0: 0.4}[noise] + 0.001 * seed
        test = {0.0: 0.88, 0.4: 0.75, 1.0: 0.10}[noise]
        rows.append({"cell_id": f"{width}-{noise}-{seed}", "model": "MLP", "width": width, "label_noise": noise,
                     "seed": seed, "condition": "generalizing", "train_accuracy": train,
                     "train_accuracy_true_labels": train, "test_accuracy": test, "gap": train - test,
                     "mfr": 0.5 - 0.3 * (noise > 0) + 0.01 * seed})
    return pd.DataFrame(rows)


def test_a_noise_group_memorizes_only_where_its_gap_says_so():
    frame = _noise_set()
    groups = zoo.noise_groups(frame).set_index(["width", "label_noise"])
    assert not groups.loc[(128, 0.4), "memorizing"]  # gap -10 points: fits its noisy labels worse than the test set
    assert groups.loc[(128, 1.0), "memorizing"]
    assert groups.loc[(128, 0.0), "clean_gap"] == pytest.approx(100 * np.mean([0.09, 0.091, 0.092]))
    assert zoo.memorizing_by_gap(frame).sum() == 6


def test_adjacent_levels_and_matched_pairs():
    frame = _noise_set()
    adjacent = zoo.adjacent_separation(frame, ["mfr"]).set_index("pair")
    assert adjacent.loc["noise 0 vs 0.4", "separation"] == 1.0
    assert adjacent.loc["noise 0.4 vs 1", "separation"] == pytest.approx(0.5)  # MFR is flat past 0: no separation
    memorizing = zoo.memorizing_by_gap(frame)
    matched, pairs = zoo.matched_separation(frame, ["mfr"], memorizing, caliper=0.3)
    assert matched["pairs"].iloc[0] == len(pairs) == 6
    assert (pairs["accuracy_other"] - pairs["accuracy_memorizing"]).abs().max() <= 0.3
    none, _ = zoo.matched_separation(frame, ["mfr"], memorizing, caliper=0.01)
    assert none["pairs"].iloc[0] == 0 and np.isnan(none["auroc"].iloc[0])


def test_switch_course_finds_the_fall_and_the_rise():
    traces = pd.DataFrame({"cell_id": "a", "model": "MLP", "width": 128, "condition": "mem_retrain_last",
                           "phase": "shuffled labels", "epoch": [0, 10, 20, 100],
                           "accuracy": [np.nan, 0.11, 0.12, 0.4], "mfr": [0.5, 0.1, 0.12, 0.2]})
    course = zoo.switch_course(traces).iloc[0]
    assert (course["mfr_start"], course["mfr_first"], course["epoch_first"], course["mfr_end"]) == (0.5, 0.1, 10, 0.2)
    assert course["accuracy_first"] == 0.11 and course["mfr_low"] == 0.1
    assert "rose again in 1 of them" in zoo.switch_sentence(zoo.switch_course(traces))


def test_budget_table_scores_each_probe_size():
    frame = _zoo()
    rng = np.random.default_rng(0)
    frame["mfr@50"] = frame["gap"] + rng.normal(0, 0.2, len(frame))  # a noisy small probe
    frame["mfr@1000"] = frame["gap"]
    table = zoo.budget_table(frame, columns=("mfr",), sizes=(50, 1000), n_boot=50).set_index("samples")
    assert table.loc[1000, "tau"] == pytest.approx(1.0) and table.loc["all", "tau"] == pytest.approx(1.0)
    assert table.loc[50, "tau"] < 0.6 and table.loc[50, "tau_low"] <= table.loc[50, "tau"] <= table.loc[50, "tau_high"]


def test_too_few_clean_networks_get_a_sentence_not_an_error():
    frame = pd.DataFrame({"gap": [0.1, 0.2], "train_samples": [200, 200], "seed": [0, 1], "width": [16, 16],
                          "mfr": [0.4, 0.5]})
    scores = zoo.clean_scores(frame)
    assert scores.empty and "tau" in scores
    assert "too few to score" in zoo.clean_sentence(frame, scores)
