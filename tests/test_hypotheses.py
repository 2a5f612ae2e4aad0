"""The hypotheses' rules on the committed Fashion-MNIST results, with the controls they read."""

import pytest

from spikelib import paths
from spikelib.experiment.config import MEMORIZING
from spikelib.report import hypotheses, results

FASHION = paths.results_dir() / "fashion"


@pytest.fixture(scope="module")
def cells():
    if not paths.has_cells(FASHION):
        pytest.skip("the fashion profile's results are not in this checkout")
    return results.collect(FASHION)


def test_h5_reads_how_far_each_width_memorized_as_a_control(cells):
    evidence, verdict = hypotheses._h5(cells)
    # as committed: the wider MLPs memorized more, and the difference still falls with width
    assert verdict == "weakly supported" and "does not explain a smaller difference" in evidence
    # were it the narrow ones that memorized more, the fall would say nothing about width
    memorizing = cells["condition"].isin(list(MEMORIZING)) & (cells["model"] == "MLP")
    flipped = cells.copy()
    flipped.loc[memorizing, "train_accuracy"] = 1.0 - flipped.loc[memorizing, "width"] / 1024
    evidence, verdict = hypotheses._h5(flipped)
    assert verdict == "inconclusive" and "cannot be told apart" in evidence
