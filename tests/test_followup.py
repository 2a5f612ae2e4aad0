"""The follow-up's penalty sweep: its summary sentence and its figure, on small tables with known answers."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from spikelib.report import followup, plots  # noqa: E402


def _table():
    rows = [("generalizing", "none", "none", 0.0, 0.90, 0.12), ("generalizing", "L1", "L1 0.001", 1e-3, 0.83, 0.59),
            ("generalizing", "L1", "L1 1e-05", 1e-5, 0.90, 0.11), ("mem_random_last", "none", "none", 0.0, 0.44, 0.02),
            ("mem_random_last", "L2", "L2 0.001", 1e-3, 0.23, 0.01)]
    frame = pd.DataFrame(rows, columns=["condition", "kind", "penalty", "strength", "train_accuracy", "share_rare_5"])
    return frame.assign(network="MLP-128", mean_abs_r=0.1, participation_ratio=20.0)


def test_the_summary_names_the_strongest_penalty_of_each_kind():
    text = followup.penalty_summary(_table())
    assert "MLP-128 generalizing: 90.0 % training accuracy and 12 % rare nodes without a penalty; L1 0.001: " \
           "83.0 % and 59 %." in text
    assert "L1 1e-05" not in text  # not the strongest
    assert "memorizing from random weights: 44.0 %" in text and "L2 0.001: 23.0 % and 1 %." in text


def test_the_summary_needs_an_unpenalised_sibling():
    table = _table()
    assert "memorizing" not in followup.penalty_summary(table[table["condition"] == "generalizing"].iloc[1:])
    assert followup.penalty_summary(pd.DataFrame()) == ""


def test_the_sweep_draws_the_unpenalised_network_at_zero():
    fig = plots.penalty_sweep(_table())
    axes = [ax for ax in fig.axes if ax.has_data()]
    assert len(axes) == 4
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["0", "1e-05", "0.001"]
    assert len(axes[0].get_lines()) == 2  # generalizing L1, memorizing L2
