"""The zoo's scores with their controls, the clean-label dose-response and the harder label-noise
comparisons, on synthetic networks with known answers."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spikelib.exceptions import DataError
from spikelib.report import clean, courses, noise, scorecard, zoo


def _zoo(seed=0, fit_follows_gap=False):
    """A 3 x 2 x 2 x 2 x 2 factorial of MLPs (seed 0) plus repeats; the gap rises with depth and dropout.

    ``mfr`` equals the gap, ``cv_fr`` reads depth only, ``mf`` is noise; the training accuracy (a control)
    is flat, or follows the gap exactly with ``fit_follows_gap``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    levels = itertools.product([1, 2, 3], [64, 128], [0.0, 0.2], [0.0, 1e-4], [0.05, 0.2])
    for depth, width, dropout, decay, rate in levels:
        for s in ([0, 1, 2] if (width, dropout, decay, rate) == (64, 0.0, 0.0, 0.05) else [0]):
            gap = 0.05 * depth + 0.1 * dropout + 0.01 * rng.normal() + (0.001 * s)
            rows.append({"cell_id": f"n{len(rows)}", "model": "MLP", "depth": depth, "width": width, "dropout": dropout,
                         "weight_decay": decay, "learning_rate": rate, "seed": s, "gap": gap,
                         "train_accuracy": 0.99 + (gap / 10 if fit_follows_gap else 0.0), "condition": "generalizing",
                         "label_noise": 0.0, "mfr": gap, "cv_fr": float(depth), "mf": rng.normal(),
                         "train_loss": 0.05 + 0.001 * rng.normal()})
    frame = pd.DataFrame(rows)
    frame["architecture"] = "MLP-" + frame["depth"].astype(str)
    frame["configuration"] = frame[["architecture", *zoo.FACTORS[1:]]].astype(str).agg("/".join, axis=1)
    return frame


def test_a_measure_equal_to_the_gap_scores_perfectly_and_one_reading_depth_does_not():
    table, context = zoo.zoo_scores(_zoo(), n_boot=20)
    table = table.set_index("column")
    assert table.loc["mfr", "pgdl"] == pytest.approx(100.0)
    assert table.loc["mfr", "tau"] == pytest.approx(1.0) and table.loc["mfr", "direction"] == "rises"
    assert table.loc["mfr", "sign_error_worst"] == 0.0
    # Held-out depths: a threshold learnt on the others still classifies most (the target is the zoo's median).
    assert table.loc["mfr", "loao_worst"] >= 0.75 > table.loc["mf", "loao_worst"]
    # Depth alone: no information once depth is held fixed, so the minimum over pairs is 0.
    assert table.loc["cv_fr", "pgdl"] == pytest.approx(0.0, abs=1e-6)
    assert abs(table.loc["mf", "tau"]) < 0.3  # noise
    assert table.loc["mfr", "beats_controls"] and not table.loc["cv_fr", "beats_controls"]
    assert table.loc["train_loss", "family"] == "control" and not table.loc["train_loss", "beats_controls"]
    assert context["n_factorial"] == 48 and context["n_repeated"] == 9 and context["grid"] == (48, 48)
    repeated = [g["gap"] for _, g in _zoo().groupby("configuration") if len(g) > 1]
    pooled = np.sqrt(sum(g.var(ddof=1) for g in repeated) / len(repeated))  # three seeds each
    assert context["seed_noise"] == pytest.approx(100 * pooled, rel=1e-9)
    assert context["factors"] == ["depth", "width", "dropout", "weight decay", "learning rate"]
    with pytest.raises(DataError, match="at least 8 networks"):
        zoo.zoo_scores(_zoo().head(5), n_boot=2)


def test_a_control_that_reads_the_gap_leaves_no_measure_credit():
    table, context = zoo.zoo_scores(_zoo(fit_follows_gap=True), n_boot=20)
    assert not table["beats_controls"].any()
    # Beyond the controls the gap's own copy says nothing more.
    assert not abs(table.set_index("column").loc["mfr", "rho_beyond"]) >= 0.2  # nan: nothing is left to explain
    headline = zoo.zoo_headline(table, context)
    assert "no measure beats the controls: training accuracy alone scores" in headline


def test_the_headline_names_the_best_measure_above_the_controls_and_its_direction():
    frame = _zoo()
    frame["mfr"] = -frame["mfr"]  # now it falls as the gap rises
    table, context = zoo.zoo_scores(frame, n_boot=20)
    headline = zoo.zoo_headline(table, context)
    assert "the best measure that beats the controls is MFR" in headline and "it falls with the gap" in headline
    assert "−1.00" in headline  # a true minus sign
    # a small tau whose interval excludes 0 falls in the table, and the headline says what the table says
    table.loc[table["column"] == "mfr", ["tau", "tau_low", "tau_high", "direction"]] = [-0.0998, -0.17, -0.01, "falls"]
    assert "it falls with the gap" in zoo.zoo_headline(table, context)


def test_networks_short_of_the_criterion_are_named_and_left_out(tmp_path, monkeypatch):
    frame = _zoo().assign(generalize_until="fit", stop_reason="target", epochs=100)
    frame.loc[[3, 7], "stop_reason"] = "cap"
    monkeypatch.setattr(zoo, "network_table", lambda root: frame)
    scored, short = zoo.zoo_networks(tmp_path)
    assert len(scored) == len(frame) - 2 and list(short["cell_id"]) == ["n3", "n7"]
    _, context = zoo.zoo_scores(scored, n_boot=5)
    assert context["grid"] == (46, 48)
    text = zoo.zoo_description(scored, short, context)
    assert "2 stopped at their cap short of the criterion" in text and "46 of its 48 cells" in text


def _dose_response(seed=0, between_confound=True):
    """Three architectures x four subset sizes x three seeds; within each, MFR falls as the gap rises, while the
    wider architectures have both a larger gap and a higher MFR (a confound between architectures)."""
    rng = np.random.default_rng(seed)
    rows = []
    for stratum, offset in (("MLP-1-128", 0.0), ("MLP-1-256", 0.3), ("MLP-1-512", 0.6)):
        for samples, s in itertools.product([250, 1000, 5000, 20000], range(3)):
            gap = 0.3 - 0.05 * np.log10(samples) + (offset if between_confound else 0) + 0.002 * rng.normal()
            rows.append({"stratum": stratum, "architecture": "MLP-1", "width": int(stratum[-3:]), "seed": s,
                         "train_samples": samples, "gap": gap, "train_accuracy": 0.99, "test_accuracy": 0.99 - gap,
                         "mfr": -gap + 2 * (offset if between_confound else 0), "train_loss": 0.02 + gap / 10})
    return pd.DataFrame(rows)


def test_the_clean_verdict_reads_the_direction_within_architectures_and_names_the_confound():
    frame = _dose_response()
    scores = clean.clean_scores(frame)
    row = scores.set_index("column").loc["mfr"]
    assert row["tau_MLP-1-128"] == pytest.approx(-1.0) and row["tau_stratified"] == pytest.approx(-1.0)
    assert row["tau_pooled"] > 0.1  # pooled over architectures the confound wins
    verdict = clean.clean_verdict(scores, frame)
    assert "fire less" in verdict and "point the other way" in verdict
    same = clean.clean_scores(_dose_response(between_confound=False))
    assert "point the other way" not in clean.clean_verdict(same, _dose_response(between_confound=False))
    view = clean.clean_view(scores)
    assert list(view.columns[:3]) == ["measure", "family", "within MLP-1-128"]
    assert "within what chance gives" not in verdict  # every architecture's tau is -1 (p < 0.001)


def test_an_architecture_whose_tau_is_within_chance_is_named():
    """Two architectures follow the gap, the third only by chance: the verdict says on how many it rests, with
    scipy's p-value of that architecture's tau."""
    frame = _dose_response(between_confound=False)
    noisy = (frame["stratum"] == "MLP-1-512").to_numpy()
    # a shuffle whose tau points the others' way (-0.21) by chance (p = 0.38)
    frame.loc[noisy, "mfr"] = np.random.default_rng(4).permutation(frame.loc[noisy, "mfr"].to_numpy())
    scores = clean.clean_scores(frame)
    row = scores.set_index("column").loc["mfr"]
    inside = frame[noisy]
    assert row["p_MLP-1-512"] == pytest.approx(stats.kendalltau(inside["mfr"], inside["gap"]).pvalue)
    verdict = clean.clean_verdict(scores, frame)
    assert row["tau_MLP-1-512"] < -0.1 and row["p_MLP-1-512"] > 0.05
    assert verdict.startswith("In 2 of the 3 architectures beyond chance, networks that memorize more")
    assert "fire less" in verdict and "In MLP-1-512 that tau points the same way but is within what chance" in verdict


def _noise_set():
    rows = []
    for width, level, seed in itertools.product([128, 512], [0.0, 0.4, 1.0], [0, 1, 2]):
        train = {0.0: 0.97, 0.4: 0.65, 1.0: 0.4}[level] + 0.001 * seed
        test = {0.0: 0.88, 0.4: 0.75, 1.0: 0.10}[level]
        rows.append({"cell_id": f"{width}-{level}-{seed}", "model": "MLP", "width": width, "label_noise": level,
                     "seed": seed, "condition": "generalizing", "train_accuracy": train,
                     "train_accuracy_true_labels": train, "test_accuracy": test, "gap": train - test,
                     "mfr": 0.5 - 0.3 * (level > 0) + 0.01 * seed})
    return pd.DataFrame(rows)


def test_a_noise_group_memorizes_only_where_its_gap_says_so():
    frame = _noise_set()
    groups = noise.noise_groups(frame).set_index(["width", "label_noise"])
    assert not groups.loc[(128, 0.4), "memorizing"]  # gap -10 points: fits its noisy labels worse than the test set
    assert groups.loc[(128, 1.0), "memorizing"]
    assert groups.loc[(128, 0.0), "clean_gap"] == pytest.approx(100 * np.mean([0.09, 0.091, 0.092]))
    assert noise.memorizing_by_gap(frame).sum() == 6


def test_adjacent_levels_and_matched_pairs():
    frame = _noise_set()
    adjacent = noise.adjacent_separation(frame, ["mfr"]).set_index("pair")
    assert adjacent.loc["noise 0 vs 0.4", "separation"] == 1.0
    assert adjacent.loc["noise 0.4 vs 1", "separation"] == pytest.approx(0.5)  # MFR is flat past 0: no separation
    memorizing = noise.memorizing_by_gap(frame)
    matched, pairs = noise.matched_separation(frame, ["mfr"], memorizing, caliper=0.3)
    assert matched["pairs"].iloc[0] == len(pairs) == 6
    assert (pairs["accuracy_other"] - pairs["accuracy_memorizing"]).abs().max() <= 0.3
    none, _ = noise.matched_separation(frame, ["mfr"], memorizing, caliper=0.01)
    assert none["pairs"].iloc[0] == 0 and np.isnan(none["auroc"].iloc[0])
    card = scorecard.scorecard(adjacent=adjacent.reset_index(), matched=matched).set_index("measure")
    assert card.loc["MFR", "adjacent noise levels"].startswith("✗ 0.50")


def test_switch_course_computes_its_directions_from_the_values():
    traces = pd.DataFrame({"cell_id": "a", "model": "MLP", "width": 128, "condition": "mem_retrain_last",
                           "phase": "shuffled labels", "epoch": [0, 10, 20, 100], "n_classes": 10,
                           "accuracy": [np.nan, 0.11, 0.12, 0.4], "mfr": [0.5, 0.1, 0.12, 0.2]})
    course = courses.switch_course(traces).iloc[0]
    assert (course["mfr_start"], course["mfr_first"], course["epoch_first"], course["mfr_end"]) == (0.5, 0.1, 10, 0.2)
    assert course["accuracy_first"] == 0.11 and course["mfr_low"] == 0.1
    sentence = courses.switch_sentence(courses.switch_course(traces))
    assert "MFR fell from 0.50" in sentence and "rose from its lowest value after the switch in 1 of them" in sentence and "10 classes" in sentence
    rising = traces.assign(mfr=[0.1, 0.5, 0.6, 0.7])
    assert "MFR rose from 0.10" in courses.switch_sentence(courses.switch_course(rising))


def test_budget_table_scores_each_probe_size():
    frame = _zoo()
    rng = np.random.default_rng(0)
    frame["mfr@50"] = frame["gap"] + rng.normal(0, 0.2, len(frame))  # a noisy small probe
    frame["mfr@1000"] = frame["gap"]
    table = zoo.budget_table(frame, columns=("mfr",), sizes=(50, 1000), n_boot=50).set_index("samples")
    assert table.loc[1000, "tau"] == pytest.approx(1.0) and table.loc["all", "tau"] == pytest.approx(1.0)
    assert table.loc[50, "tau"] < 0.6 and table.loc[50, "tau_low"] <= table.loc[50, "tau"] <= table.loc[50, "tau_high"]
