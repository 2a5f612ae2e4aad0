"""The reproduce page's recipes run as written."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from spikelib import paths

pytestmark = pytest.mark.slow
PAGE = paths.ROOT / "book" / "reproduce.md"


def test_the_papermill_recipe_on_the_reproduce_page_runs(tmp_path, monkeypatch):
    recipe = PAGE.read_text().split("## One notebook with papermill", 1)[1].split("```python\n", 1)[1]
    recipe = recipe.split("```", 1)[0]
    recipe = recipe.replace('"notebooks/experiment.py"', repr(str(paths.NOTEBOOKS / "experiment.py")))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "cells").mkdir(parents=True)
    exec(compile(recipe, "reproduce.md", "exec"), {})  # noqa: S102 - the page's own code
    assert json.loads((tmp_path / "results/cells/my-cell/metrics.json").read_text())["parameters"]["width"] == 32
    assert (tmp_path / "results/cells/my-cell.ipynb").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # nothing beside results/


def test_the_papermill_command_lines_on_the_reproduce_page_run(tmp_path):
    """The shell recipe, run in a copy of the layout it expects: it writes under results/ only."""
    block = PAGE.read_text().split("## One notebook with papermill", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "experiment.py").write_text((paths.NOTEBOOKS / "experiment.py").read_text())
    binaries = Path(sys.executable).parent
    environment = {**os.environ, "PATH": f"{binaries}{os.pathsep}{os.environ.get('PATH', '')}",
                   "PYTHONPATH": str(paths.ROOT)}
    for line in block.replace("\\\n", " ").strip().splitlines():
        subprocess.run(shlex.split(line), cwd=tmp_path, env=environment, check=True, capture_output=True)
    assert json.loads((tmp_path / "results/cells/my-cell/metrics.json").read_text())["parameters"]["epochs"] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "results"]
