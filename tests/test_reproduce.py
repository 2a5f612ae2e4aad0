"""The reproduce page's recipes run as written."""

import json

import pytest

from spikelib import paths

pytestmark = pytest.mark.slow


def test_the_papermill_recipe_on_the_reproduce_page_runs(tmp_path, monkeypatch):
    page = (paths.ROOT / "book" / "reproduce.md").read_text()
    recipe = page.split("## One notebook with papermill", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    recipe = recipe.replace('"notebooks/experiment.py"', repr(str(paths.NOTEBOOKS / "experiment.py")))
    recipe = recipe.replace('"results/cells/my-cell"', repr(str(tmp_path / "my-cell")))
    monkeypatch.chdir(tmp_path)
    exec(compile(recipe, "reproduce.md", "exec"), {})  # noqa: S102 - the page's own code
    assert json.loads((tmp_path / "my-cell" / "metrics.json").read_text())["parameters"]["width"] == 32
    assert (tmp_path / "my-cell.ipynb").is_file()
