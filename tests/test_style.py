"""One palette: every figure's colours and markers come from the registry, and no colour means two things."""

import re

import pytest

pytest.importorskip("matplotlib")

from spikelib import paths  # noqa: E402
from spikelib.report.plots.style import SAME_MEANING, STYLES, level_styles, style  # noqa: E402

#: Matplotlib's cycle colours ("C0"), or a hex colour, written in figure code.
_LITERAL = re.compile(r"""["']C\d["']|f["']C\{|["']#[0-9A-Fa-f]{6}["']""")


def test_no_colour_means_two_things():
    owners = {}
    for dimension, values in STYLES.items():
        for value, (colour, _) in values.items():
            owner = SAME_MEANING.get((dimension, value), (dimension, value))
            assert owners.setdefault(colour.lower(), owner) == owner, (colour, owners[colour.lower()], owner)


def test_figures_take_their_colours_from_the_registry():
    sources = [*(paths.ROOT / "spikelib").rglob("*.py"), *paths.NOTEBOOKS.glob("*.py")]
    found = [f"{path.relative_to(paths.ROOT)}:{number}: {line.strip()}"
             for path in sources if path.name != "style.py"
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if _LITERAL.search(line) and "background-color" not in line]
    assert not found, "colours outside spikelib/report/plots/style.py:\n" + "\n".join(found)


def test_a_condition_has_one_colour_wherever_it_is_named():
    assert style("labels", "generalizing") == style("labels", "clean labels")
    assert style("condition", "generalizing")["color"] == style("labels", "clean labels")["color"]
    assert style("condition", "mem_retrain_last")["color"] != style("labels", "shuffled labels")["color"]
    with pytest.raises(KeyError):
        style("condition", "a condition no figure may invent")
    shades = level_styles("dropout", [0.0, 0.25, 0.5])
    assert len({look["color"] for look in shades.values()}) == 3
    assert level_styles("width", [64, 128]) == {64: style("width", 64), 128: style("width", 128)}
