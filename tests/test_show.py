"""``spikelib show``: a profile's and a cell's headline results in the terminal, found where a user put them."""

import json
import shutil
from pathlib import Path

import pytest

from spikelib.diagnose.cli import main

STAND_INS = Path(__file__).parent / "stand_ins"


@pytest.fixture
def results(tmp_path):
    """A results root holding the ``quick`` stand-in profile."""
    root = tmp_path / "results"
    shutil.copytree(STAND_INS / "quick", root / "quick")
    return root


def _show(capsys, *args):
    status = main(["show", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_profile_prints_one_row_per_network_and_json_the_same_rows(results, capsys):
    status, out, _ = _show(capsys, "quick", "--results", str(results))
    assert status == 0 and out.startswith("profile ")
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["network", "seeds", "fit"]
    assert any("MLP-16" in line and "generalizing" in line for line in lines[2:])
    status, out, _ = _show(capsys, "quick", "--results", str(results), "--json")
    record = json.loads(out)
    assert status == 0 and record["kind"] == "profile" and len(record["rows"]) == len(lines) - 2


def test_a_cell_id_finds_the_folder_spikelib_cell_wrote_first_and_names_the_others(results, capsys):
    cell_id = sorted(p.name for p in (results / "quick" / "cells").iterdir())[0]
    status, out, err = _show(capsys, cell_id, "--results", str(results))
    assert status == 0 and f"quick/cells/{cell_id}" in out.splitlines()[0] and err == ""
    shutil.copytree(results / "quick" / "cells" / cell_id, results / "cells" / cell_id)  # a user's own run
    status, out, err = _show(capsys, cell_id, "--results", str(results))
    assert status == 0 and f"results/cells/{cell_id}:" in out.splitlines()[0]
    assert "also run in" in err and f"quick/cells/{cell_id}" in err


def test_an_unknown_target_is_one_line_naming_the_argument(results, capsys):
    status, out, err = _show(capsys, "no-such-cell", "--results", str(results))
    assert status != 0 and out == ""
    assert "`target`" in err and "no-such-cell" in err and "quick" in err and "Traceback" not in err
