"""The book end to end: runner -> cells -> analysis notebooks -> strict Jupyter Book build.

A tiny grid stands in for the `quick` profile (``stand_in_results`` in
conftest.py; its results go to a temporary SPIKELIB_RESULTS_DIR, where the
committed `fashion` and `noise` results are linked in). The executed notebooks land in book/executed/ (build outputs, never committed;
`make book` re-executes them before every build).
"""

import json
import re

import pytest

import spikelib as sl_errors

from spikelib import paths
from spikelib.report import book

import browser  # tests/browser.py: headless Chromium, where the machine has it

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stand_in")]  # one stand-in run

def test_readme_quick_start_is_the_two_make_commands():
    readme = (paths.ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", quick, flags=re.S)
    assert [line for block in blocks for line in block.splitlines()] == ["make book", "make test"]
    makefile = (paths.ROOT / "Makefile").read_text()
    for target in ("book:", "test:", "bench:", "lock:"):
        assert f"\n{target}" in makefile
    assert (paths.ROOT / ".ci" / "run").read_text().strip().endswith("make test")


@pytest.fixture(scope="module")
def results(stand_in_results):
    """The stand-in results folder, as the book's SPIKELIB_RESULTS_DIR."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPIKELIB_RESULTS_DIR", str(stand_in_results))
        yield stand_in_results


def test_missing_results_say_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKELIB_RESULTS_DIR", str(tmp_path))
    with pytest.raises(sl_errors.DataError, match="spikelib run --profile fashion; spikelib run --profile quick; "
                                                  "spikelib run --profile noise"):
        book.check_results()


def test_book_builds_strict_and_offline(results, tmp_path):
    book.install_mathjax()
    book.execute_pages()
    html = book.build_html(strict=True, output=tmp_path)
    pages = {p.relative_to(html).as_posix(): p.read_text() for p in html.rglob("*.html")}
    from spikelib.report.pages import page_paths

    for page in ["book/method.html", "book/reproduce.html", "book/cite.html", "book/api.html",
                 *(f"{path}.html" for _, _, path in page_paths())]:
        assert page in pages, sorted(pages)
    # Numbers in the prose come from glue, not from the page source.
    reproduce = pages["book/reproduce.html"]
    assert "pasted-text" in reproduce and "quick_n_cells" not in reproduce
    assert re.search(r'<span class="pasted-text">13</span>', reproduce)  # the stand-in's 13 cells
    assert re.search(r"commit [0-9a-f]{40}|commit unknown", pages["book/cite.html"])  # the version cited
    results_page = pages["book/executed/quick/results.html"]
    assert "Table 2" in results_page and "image/png" not in results_page and "<img" in results_page
    for name, text in pages.items():
        headers = re.findall(r"<th[^>]*>\s*([^<]*?)\s*</th>", text)
        internal = [h for h in headers if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)]
        assert internal == [], f"{name} shows internal column names {internal[:5]}"
        external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert external == [], f"{name} loads {external}"
        assert str(paths.ROOT) not in text, f"{name} shows a path of this machine"
    assert (html / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    if browser.chromium():  # what a reader sees: no table cut off at 1300 px, no page wider than a phone
        for page in ("book/intro.html", "book/executed/fashion/results.html", "book/executed/fashion/followup.html",
                     "book/executed/fashion/hypotheses.html", "book/executed/noise/benchmark.html"):
            assert browser.layout(html / page, 1300) == {"page": False, "tables": []}, page
            assert not browser.layout(html / page, 390)["page"], page


def test_hypotheses_are_judged_from_the_results(results):
    import pandas as pd

    from spikelib.report import hypotheses, results as report_results, tables

    cells = report_results.collect(results / "quick")
    _, tests = tables.ks_marks(cells)
    review = hypotheses.hypotheses(cells, tests, report_results.curves(results / "quick"))
    assert list(review["hypothesis"]) == list(range(1, 9))
    assert review.loc[review["hypothesis"] == 6, "verdict"].item() == "not testable here"  # no CNN
    assert review.loc[review["hypothesis"] == 5, "verdict"].item() == "not testable here"  # two widths
    assert review.loc[review["hypothesis"] == 1, "verdict"].item() != "not testable here"
    assert isinstance(review, pd.DataFrame)


def test_failed_notebook_keeps_its_error(tmp_path):
    source = tmp_path / "broken.py"
    source.write_text("# %% [markdown]\n# # Broken\n\n# %% tags=[\"parameters\"]\nx = 1\n\n# %%\nraise RuntimeError('boom')\n")
    from spikelib.pipeline.notebook import execute_notebook

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".broken.k1ll3d.ipynb").write_text("{}")  # a run killed outright left it
    (tmp_path / "out" / ".other.k1ll3d.ipynb").write_text("{}")  # another notebook's: not ours to delete
    with pytest.raises(Exception, match="boom"):
        execute_notebook(source, tmp_path / "out" / "broken.ipynb", parameters={"x": 2})
    text = (tmp_path / "out" / "broken.ipynb").read_text()
    assert "boom" in text and '"x = 2' in text.replace("\\n", "")
    assert [path.name for path in (tmp_path / "out").glob(".*")] == [".other.k1ll3d.ipynb"]
    assert json.loads(text)["metadata"]["papermill"]["output_path"] == str(tmp_path / "out" / "broken.ipynb")


def test_completion_and_computing_time_come_from_the_cells(results, tmp_path):
    import shutil

    from spikelib.report import results as report_results

    quick = results / "quick"
    assert report_results.completion(quick)[:2] == (13, 13)
    copy = tmp_path / "quick"
    shutil.copytree(quick, copy)
    cells = sorted((copy / "cells").iterdir())
    shutil.rmtree(cells[0])
    finished, planned, sentence = report_results.completion(copy)
    assert (finished, planned) == (12, 13) and "spikelib run --profile quick" in sentence
    # Each stand-in cell trained in its only run (wall time >= training time), so it counts its
    # wall time; one analysed again after a long training counts both.
    seconds = report_results.computing_seconds(copy)
    metrics = json.loads((cells[1] / "metrics.json").read_text())
    assert metrics["wall_time_s"] >= metrics["training_wall_time_s"]
    old = metrics["wall_time_s"]
    metrics["training_wall_time_s"], metrics["wall_time_s"] = 1000.0, 10.0
    (cells[1] / "metrics.json").write_text(json.dumps(metrics))
    assert report_results.computing_seconds(copy) - seconds == pytest.approx(1010.0 - old)

