"""`spikelib verify`: a seeded sample of committed cells rerun and compared value by value.

Oracles: two copies of one cell compare identical field by field; a value changed by hand is found with its field
and its difference; a committed stand-in cell, rerun on this machine, reproduces; a file changed after its run is
refused before anything reruns; nothing under the results folder is written.
"""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from spikelib import paths
from spikelib.exceptions import DataError
from spikelib.pipeline.verify import compare_cells, eligible_cells, verify

STAND_INS = paths.ROOT / "tests" / "stand_ins"


def _tree(folder):
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture
def results(tmp_path):
    """A results folder holding the quick stand-in, as a reader's own results would be."""
    root = tmp_path / "results"
    shutil.copytree(STAND_INS / "quick", root / "quick")
    return root


def test_two_copies_compare_identical_and_a_changed_value_is_found(results, tmp_path):
    cell = next(p for p in (results / "quick" / "cells").iterdir() if (p / "metrics.json").is_file())
    copy = tmp_path / "copy"
    shutil.copytree(cell, copy)
    same = compare_cells(cell, copy)
    assert same["fields"] > 50 and same["identical"] == same["fields"] and same["largest"] == 0
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["splits"]["train"]["mfr"] += 0.25
    metrics["wall_time_s"] += 100  # when and how long are not what is compared
    (copy / "metrics.json").write_text(json.dumps(metrics))
    changed = compare_cells(cell, copy)
    assert changed["identical"] == changed["fields"] - 1
    assert changed["largest"] == pytest.approx(0.25) and changed["where"] == "metrics.json splits.train.mfr"


def test_only_finished_independent_quick_cells_with_their_data_are_drawn(results):
    cells, left_out = eligible_cells(results)
    assert cells and all(c["parameters"].get("protocol", "cell") == "cell" for c in cells)
    assert any("retraining" in reason for reason in left_out)  # the MemRetrainLast stand-ins need a base model
    assert eligible_cells(results, max_seconds=0)[0] == []


@pytest.mark.slow
def test_a_committed_cell_reruns_to_the_same_values_and_nothing_under_results_is_written(results, tmp_path):
    before = _tree(results)
    record = verify(1, seed=0, results=results, record=tmp_path / "record")
    assert _tree(results) == before
    cell = record["cells"][0]
    assert cell["fields"] > 50 and record["reproduced"] == 1, cell["differing"]
    written = json.loads((tmp_path / "record" / "latest.json").read_text())
    assert written["result"] == record["result"] and "1 of 1 cells reproduced" in written["result"]
    assert written["machine"]["cpus"] >= 1 and "numpy" in json.dumps(written["versions"])
    assert len(list((tmp_path / "record" / "history").glob("*.json"))) == 1


def test_a_file_changed_after_its_run_is_refused_before_any_rerun(results, monkeypatch, tmp_path):
    import spikelib.pipeline.verify as module

    monkeypatch.setattr(module, "_rerun", lambda *a, **k: pytest.fail("reran a cell of a tampered profile"))
    for cell in (results / "quick" / "cells").iterdir():
        if (cell / "metrics.json").is_file():
            (cell / "metrics.json").write_text((cell / "metrics.json").read_text().replace('"mfr"', '"mfr" ', 1))
    with pytest.raises(DataError, match="does not match the SHA-256"):
        verify(1, results=results, record=tmp_path / "record")
    assert not (tmp_path / "record").exists()


def test_the_command_says_one_line_and_its_exit_status(results, tmp_path, capsys, monkeypatch):
    import spikelib.pipeline.verify as module
    from spikelib.diagnose.cli import main

    assert main(["verify", "--results", str(tmp_path / "nothing")]) == 2
    assert "No committed results to verify" in capsys.readouterr().err
    assert main(["verify", "--results", str(results), "--cells", "0"]) == 2

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "_rerun", interrupted)
    monkeypatch.setattr(module, "RECORD", tmp_path / "record")
    assert main(["verify", "--results", str(results)]) == 130
    error = capsys.readouterr().err
    assert "interrupted; nothing was written" in error and "Traceback" not in error
    assert not (tmp_path / "record").exists()


def test_the_books_sentence_sets_cell_ids_as_code_and_says_what_to_run_without_a_record():
    from spikelib.report.book import verification_sentence

    record = {"date": "2026-12-07T14:04:58", "result": "3 of 3 cells reproduced", "tolerance": 1e-6,
              "versions": {"numpy": "2.1"}, "cells": [{"profile": "zoo", "cell_id": "fashion_mnist-mlp-64-seed0"}]}
    assert "`zoo/fashion_mnist-mlp-64-seed0`" in verification_sentence(record)  # an id, not prose, to the audit
    assert "run `spikelib verify`" in verification_sentence(None)
