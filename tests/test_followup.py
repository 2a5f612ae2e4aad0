"""The follow-up's penalty sweep: its summary sentence and its figure, on small tables with known answers."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from spikelib.report import depth, followup, plots  # noqa: E402


def _table():
    rows = [("generalizing", "none", "none", 0.0, 0.90, 0.12), ("generalizing", "L1", "L1 0.001", 1e-3, 0.83, 0.59),
            ("generalizing", "L1", "L1 10⁻⁵", 1e-5, 0.90, 0.11), ("mem_random_last", "none", "none", 0.0, 0.44, 0.02),
            ("mem_random_last", "L2", "L2 0.001", 1e-3, 0.23, 0.01)]
    frame = pd.DataFrame(rows, columns=["condition", "kind", "penalty", "strength", "train_accuracy", "share_rare_5"])
    return frame.assign(network="MLP-128", mean_abs_r=0.1, participation_ratio=20.0)


def test_the_summary_names_the_strongest_penalty_of_each_kind():
    text = followup.penalty_summary(_table())
    assert "MLP-128 generalizing: 90.0 % training accuracy and 12 % rare nodes without a penalty; L1 0.001: " \
           "83.0 % and 59 %." in text
    assert "L1 10⁻⁵" not in text  # not the strongest
    assert "memorizing from random weights: 44.0 %" in text and "L2 0.001: 23.0 % and 1 %." in text


def test_the_summary_needs_an_unpenalised_sibling():
    table = _table()
    assert "memorizing" not in followup.penalty_summary(table[table["condition"] == "generalizing"].iloc[1:])
    assert followup.penalty_summary(pd.DataFrame()) == ""


def test_the_sweep_draws_the_unpenalised_network_at_zero():
    fig = plots.penalty_sweep(_table())
    axes = [ax for ax in fig.axes if ax.has_data()]
    assert len(axes) == 4
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["0", "10⁻⁵", "0.001"]
    assert len(axes[0].get_lines()) == 2  # generalizing L1, memorizing L2


def _layers(observed_all, observed_last, conditions=("generalizing", "mem_retrain_last", "mem_retrain_all")):
    """A CNN's two hidden layers per condition: the first frozen in MemRetrainLast, free in MemRetrainAll."""
    values = {"generalizing": (0.70, 0.60), "mem_retrain_last": (0.70, observed_last),
              "mem_retrain_all": (0.55, observed_all)}
    rows = [{"model": "CNN", "width": 64, "seed": 0, "condition": c, "layer": name, "position": position,
             "n_nodes": nodes, "mfr": values[c][position], "cv_fr": 0.5, "mf": 1 - values[c][position]}
            for c in conditions for position, (name, nodes) in enumerate((("conv", 1152), ("observed", 64)))]
    mlp = [{"model": "MLP", "width": 64, "seed": 0, "condition": c, "layer": "observed", "position": 0,
            "n_nodes": 64, "mfr": 0.5, "cv_fr": 0.5, "mf": 0.5} for c in ("generalizing", "mem_retrain_last")]
    return pd.DataFrame(rows + mlp)


def test_depth_changes_are_against_the_same_layer_of_the_generalizing_network():
    changes = depth.depth_changes(_layers(observed_all=0.20, observed_last=0.10)).set_index(
        ["model", "condition", "layer"])
    assert changes.loc[("CNN", "mem_retrain_all", "conv"), "mfr_change"] == pytest.approx(-0.15)
    assert changes.loc[("CNN", "mem_retrain_all", "observed"), "mfr_change"] == pytest.approx(-0.40)
    assert changes.loc[("CNN", "mem_retrain_last", "conv"), "mfr_change"] == 0
    assert (changes.xs("generalizing", level="condition")["mf_change"] == 0).all()


def test_depth_summary_reads_h6_from_the_observed_layer_of_both_retraining_networks():
    hidden = depth.depth_summary(depth.depth_changes(_layers(observed_all=0.20, observed_last=0.10)))
    assert hidden.startswith("CNN-64 (seed 0)") and "MLP" not in hidden  # one hidden layer: nothing to view
    assert "(conv) goes from 0.700 to 0.550" in hidden and "the first stays at 0.700 (unchanged)" in hidden
    assert "moves less when the earlier layers may memorize (-0.400 against -0.500), as H6 expects." in hidden
    shown = depth.depth_summary(depth.depth_changes(_layers(observed_all=0.05, observed_last=0.10)))
    assert "moves more" in shown and "against what H6 expects" in shown
    # the changes are the printed values' differences: 0.0644 - 0.4036 (-0.3392) prints as 0.064 - 0.404 = -0.340
    layers = _layers(observed_all=0.20, observed_last=0.0644)
    layers.loc[(layers["condition"] == "generalizing") & (layers["position"] == 1), "mfr"] = 0.4036
    text = depth.depth_summary(depth.depth_changes(layers))
    assert "from 0.404 to" in text and "goes to 0.064." in text and "against -0.340)" in text


@pytest.mark.parametrize("observed_all, accuracy_all, clause", [
    (0.20, 0.9, "MemRetrainAll memorized more (90.0 % training accuracy on shuffled labels against 50.0 %), so "
                "this is not for want of memorizing."),
    (0.20, 0.3, "But MemRetrainAll also memorized less (30.0 % training accuracy on shuffled labels against 50.0 %), "
                "which alone could explain a smaller change."),
    (0.05, 0.9, "But MemRetrainAll also memorized more (90.0 % training accuracy on shuffled labels against 50.0 %), "
                "which alone could explain a larger change."),
    (0.20, 0.505, "Both memorized about as far (50.5 % training accuracy on shuffled labels against 50.0 %)."),
])
def test_depth_summary_says_whether_how_far_each_network_memorized_could_explain_it(observed_all, accuracy_all,
                                                                                      clause):
    layers = _layers(observed_all=observed_all, observed_last=0.10)
    layers["train_accuracy"] = layers["condition"].map({"generalizing": 0.95, "mem_retrain_last": 0.5,
                                                        "mem_retrain_all": accuracy_all})
    assert depth.depth_summary(depth.depth_changes(layers)).endswith(clause)


def test_depth_summary_says_what_is_missing():
    partial = _layers(0.2, 0.1, conditions=("generalizing", "mem_retrain_last"))
    assert "no MemRetrainAll network has finished yet" in depth.depth_summary(depth.depth_changes(partial))
    flat = _layers(0.2, 0.1)
    assert depth.depth_summary(depth.depth_changes(flat[flat["model"] == "MLP"])) == \
        "No network of this profile has more than one hidden layer."


def test_the_depth_view_draws_one_line_per_condition_for_each_deep_network():
    fig = plots.depth_view(_layers(0.2, 0.1))
    assert len(fig.axes) == 3  # one deep network (the MLP has one layer), three indicators
    assert len(fig.axes[0].get_lines()) == 3
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["conv\n(1,152 nodes)", "observed\n(64 nodes)"]


def test_the_committed_cnn_records_every_hidden_layer():
    from spikelib import paths
    from spikelib.report import results

    layers = results.layers(paths.ROOT / "results" / "fashion")
    cnn = layers[layers["model"] == "CNN"].set_index(["condition", "layer"])
    assert set(cnn.index.get_level_values("layer")) == {"conv", "observed"}
    assert (cnn.xs("conv", level="layer")["n_nodes"] == 26 * 26 * 32).all()  # 3x3 convolution of 28x28, 32 channels
    # MemRandomLast trains only the last two layers of the random network: its convolution is the random one.
    assert cnn.loc[("mem_random_last", "conv"), "mfr"] == cnn.loc[("random", "conv"), "mfr"]
    assert (layers.groupby("cell_id")["position"].max() == layers.groupby("cell_id")["layer"].count() - 1).all()


def test_claims_take_their_verdicts_from_the_numbers():
    from spikelib.report import claims

    separation = pd.DataFrame({"statistic": ["share_rare_5", "mean_abs_r"], "generalizing mean": [0.1, 0.2],
                               "memorizing mean": [0.4, 0.1], "AUROC memorizing vs generalizing": [0.95, 0.10]})
    fitted = pd.DataFrame({"network": ["MLP-8"], "condition": ["mem_random_last"], "fraction": [0.3],
                           "ks_distance": [0.05], "mfr": [0.2], "mfr_predicted": [0.21], "cv_fr": [1.0],
                           "cv_fr_predicted": [1.1]})
    beyond = pd.DataFrame({"statistic": ["mean |r|"], "beyond_rate": [0.9]})
    table = claims.followup_claims(separation, fitted=fitted, beyond=beyond)
    assert table["verdict"].tolist() == ["holds", "holds", "holds"]
    # A poor fit, and a correlation that says nothing beyond the rate, change the verdicts.
    poor = claims.followup_claims(separation, fitted=fitted.assign(mfr_predicted=0.5),
                                  beyond=beyond.assign(beyond_rate=0.55))
    assert poor["verdict"].tolist() == ["holds", "does not hold", "partly holds"]
    assert "2.5 to 2.5 times" in poor.iloc[1, 1] and "adds nothing" in poor.iloc[2, 1]


def test_tables_show_reader_labels_whole_numbers_and_condition_names():
    from spikelib.report.render import html_table

    frame = pd.DataFrame({"condition": ["mem_retrain_last"], "epochs": [1373.0], "share_rare_5": [1.0],
                          "lambda_q05": [0.25]})
    text = html_table(frame)
    assert "MemRetrainLast" in text and "1,373<" in text and "100.0 %" in text  # a share in percent
    assert "share of rare nodes" in text and "λ, 5th percentile" in text
    assert "mem_retrain_last" not in text and "lambda_q05" not in text


def test_noise_response_draws_no_line_across_a_level_a_width_lacks():
    import numpy as np

    frame = pd.DataFrame({"width": [64, 64, 64, 128, 128], "label_noise": [0, 0.4, 1.0, 0, 1.0],
                          "mfr": [0.5, 0.4, 0.1, 0.5, 0.1]})
    lines = plots.noise_response(frame, [("mfr", "MFR")]).axes[0].get_lines()
    assert np.isnan(lines[1].get_ydata()[1]) and not np.isnan(lines[0].get_ydata()).any()


def test_figure5_has_no_panel_for_a_condition_without_runs():
    frame = pd.DataFrame({"condition": "mem_retrain_last", "cell_id": "a", "batch": [1, 2, 3], "mfr_train": 0.5,
                          "mfr_test": 0.4, "switch_batch": 2})
    axes = [ax for ax in plots.figure5(frame).axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["MemRetrainLast"]


def test_a_wide_table_is_split_with_its_row_names_repeated():
    from spikelib.report.render import html_table

    frame = pd.DataFrame({"network": ["MLP-8"], "condition": ["random"], **{f"value {i}": [0.5] for i in range(13)}})
    text = html_table(frame, max_columns=9)  # 13 values: 9 and 4
    assert text.count("<table") == 2 and text.count(">network<") == 2 and text.count(">value 12<") == 1


def _penalty_rows(mem_l1, mem_l2, clean_l1, clean_l2, silent_l1=0.0):
    rows = [("generalizing", "none", 0.0, 0.90, 0.0), ("generalizing", "L1 0.001", 1e-3, clean_l1, 0.0),
            ("generalizing", "L2 0.001", 1e-3, clean_l2, 0.0), ("mem_random_last", "none", 0.0, 0.45, 0.0),
            ("mem_random_last", "L1 0.001", 1e-3, mem_l1, silent_l1), ("mem_random_last", "L2 0.001", 1e-3, mem_l2, 0.0)]
    return pd.DataFrame([{"network": "MLP-128", "condition": c, "penalty": p, "strength": s, "kind": p[:2] if s else "none",
                          "train_accuracy": a, "share_rare_5": silent, "share_silent": silent}
                         for c, p, s, a, silent in rows])


@pytest.mark.parametrize("table, verdict", [
    # L2 costs the shuffled labels 20 points and the clean fit 1: it acts on memorization; L1 does too
    (_penalty_rows(0.30, 0.25, 0.88, 0.89), "holds"),
    # L1 reaches chance by silencing the layer: that is not shaping memorization
    (_penalty_rows(0.10, 0.25, 0.83, 0.89, silent_l1=1.0), "partly holds"),
    # both cost the clean fit as much as the shuffled labels: a penalty on capacity, not on memorization
    (_penalty_rows(0.35, 0.40, 0.80, 0.85), "does not hold"),
])
def test_a_penalty_counts_only_beyond_what_it_costs_the_clean_fit(table, verdict):
    from spikelib.report import claims

    claim = claims._penalties(table)
    assert claim[2] == verdict
    assert "of its clean labels against 90.0 %" in claim[1]
