"""The book's pages: every analysis notebook executes on small stand-ins of the embedded profiles, and a small
book of them builds strictly, offline, with its API reference.

The whole book (every page on the full results, rendered strictly, audited) is built by `make book` itself;
these tests prove the same pieces on stand-ins (``stand_in_results`` in conftest.py: the embedded profiles in
small, committed in tests/stand_ins/) in a fraction of the time.
"""

import json
import re

import pytest

import spikelib as sl_errors
from spikelib import paths
from spikelib.report import book, pages


# One process executes the pages once for every test here (`make test` runs `--dist loadgroup`).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stand_in")]

PAGES = pages.book_pages()


def test_readme_quick_start_is_the_two_make_commands():
    readme = (paths.ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", quick, flags=re.S)
    assert [line for block in blocks for line in block.splitlines()] == ["make book", "make test"]
    makefile = (paths.ROOT / "Makefile").read_text()
    for target in ("book:", "test:", "bench:", "lock:", "timings:"):
        assert f"\n{target}" in makefile
    assert (paths.ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_page_tests_share_one_process(request):
    """Under `--dist loadgroup` these tests run in one process, which executes each page once; pytest 9.2
    silently broke that grouping (pytest-xdist issue 1386), and requirements.in keeps pytest below it."""
    if request.config.getvalue("loadgroup"):
        assert request.node.nodeid.endswith("@stand_in"), request.node.nodeid


@pytest.fixture(scope="module")
def results(stand_in_results):
    """The stand-in results folder, as the book's SPIKELIB_RESULTS_DIR."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPIKELIB_RESULTS_DIR", str(stand_in_results))
        yield stand_in_results


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Where the pages executed by these tests go (not book/executed/, which `make book` fills)."""
    return tmp_path_factory.mktemp("executed")


def test_missing_results_say_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKELIB_RESULTS_DIR", str(tmp_path))
    with pytest.raises(sl_errors.DataError, match="spikelib run --profile fashion; spikelib run --profile penalties"):
        book.check_results()


def _execute(page, results, executed):
    from spikelib.pipeline.notebook import execute_notebook

    source, target, parameters, title = page
    output = executed / target.relative_to(paths.BOOK_EXECUTED)
    if not output.is_file():
        extra = {"tables_dir": str(output.parent)} if "profile" in parameters else {}
        execute_notebook(source, output, {**parameters, **extra}, title=title, cwd=paths.ROOT)
    return output


def _noise(capfd):
    """The lines printed since the last call that a library, not the compendium, wrote (``make book``'s console)."""
    from test_console import NOISE

    captured = capfd.readouterr()
    return [line for line in (captured.out + captured.err).splitlines() if NOISE.search(line)]


@pytest.mark.parametrize("page", PAGES, ids=[str(p[1].relative_to(paths.BOOK_EXECUTED)) for p in PAGES])
def test_every_page_executes_on_the_stand_ins(page, results, executed, capfd):
    capfd.readouterr()
    notebook = json.loads(_execute(page, results, executed).read_text())
    assert _noise(capfd) == []  # the kernel, papermill and TensorFlow print nothing to make book's console
    errors = [o for c in notebook["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    streams = " ".join("".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", [])
                       if o.get("output_type") == "stream")
    assert "oneDNN" not in streams and "Traceback" not in streams  # no library log lines reach a page
    # a page shows what it means to through display(); a cell's bare value would print its repr
    bare = [o["data"]["text/plain"] for c in notebook["cells"] for o in c.get("outputs", [])
            if o.get("output_type") in ("execute_result", "display_data") and set(o.get("data", {})) == {"text/plain"}]
    assert bare == []


def test_a_small_book_of_the_pages_builds_strict_and_offline(results, executed, tmp_path, capfd):
    """A book of the landing page, the API reference and one page of each kind, executed on the stand-ins."""
    import shutil

    import yaml

    kinds = {}
    for page in PAGES:
        kinds.setdefault(page[0].stem, page)  # the first page of each notebook
    site = tmp_path / "site"
    (site / "book" / "executed").mkdir(parents=True)
    shutil.copy(paths.ROOT / "_config.yml", site / "_config.yml")
    shutil.copytree(paths.BOOK_STATIC, site / "book" / "_static", ignore=shutil.ignore_patterns("mathjax"))
    shutil.copy(paths.BOOK / "references.bib", site / "book" / "references.bib")
    shutil.copy(paths.BOOK / "api.md", site / "book" / "api.md")
    files = []
    for name, page in kinds.items():
        relative = page[1].relative_to(paths.BOOK_EXECUTED)
        target = site / "book" / "executed" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        output = _execute(page, results, executed)
        shutil.copy(output, target)
        for download in output.parent.glob("*.csv"):  # the tables a page offers for download
            shutil.copy(download, target.parent / download.name)
        files.append(f"book/executed/{relative.with_suffix('')}")
    (site / "book" / "intro.md").write_text("# Pages\n\n```{tableofcontents}\n```\n")
    toc = {"format": "jb-book", "root": "book/intro",
           "parts": [{"caption": "Pages", "chapters": [{"file": f} for f in [*files, "book/api"]]}]}
    (site / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    book.install_mathjax(site / "book" / "_static")
    capfd.readouterr()
    html = book.build_html(strict=True, output=tmp_path, source=site)
    assert _noise(capfd) == []  # Jupyter Book's console: no library warning
    built = {p.relative_to(html).as_posix(): p.read_text() for p in html.rglob("*.html")}
    for file in [*files, "book/api"]:
        assert f"{file}.html" in built, sorted(built)
    api = built["book/api.html"]
    assert "firing_rate" in api and "window_counts" in api and "Examples" in api
    for name, text in built.items():
        external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert external == [], f"{name} loads {external}"
        assert str(paths.ROOT) not in text, f"{name} shows a path of this machine"
    assert (html / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    from spikelib.report.audit import audit_book

    assert audit_book(html) == []  # what make book checks on every page
    from spikelib.report import layout

    if layout.chromium():  # what a reader sees at 1300 and at 390 px: nothing cut, clipped or off the screen
        found = layout.check_book(html, pages=[f"{file}.html" for file in [*files, "book/api"]])
        assert found == [], "\n".join(map(str, found))


def test_a_small_profiles_pages_say_what_they_cannot_show(results, executed):
    from spikelib.report.results import small_profile_note

    note = small_profile_note(results / "quick")
    assert "`quick` trains 12 networks and 1 training curve" in note and "2 seeds" in note and "`fashion` and `noise` profiles" in note
    assert "too few for its numbers to carry a verdict" in note
    assert small_profile_note(results / "fashion") == ""
    for page in PAGES:  # every page of the small profiles shows it, none of the full ones
        shown = "A small profile." in _execute(page, results, executed).read_text()
        assert shown == (page[2]["profile"] in pages.EMBEDDED if "profile" in page[2] else False), page[1]


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


def test_failed_notebook_keeps_its_error_beside_the_good_one(tmp_path):
    source = tmp_path / "broken.py"
    source.write_text("# %% [markdown]\n# # Broken\n\n# %% tags=[\"parameters\"]\nx = 1\n\n# %%\nraise RuntimeError('boom')\n")
    from spikelib.pipeline.notebook import execute_notebook

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "broken.ipynb").write_text("a good notebook")
    (tmp_path / "out" / ".broken.k1ll3d.ipynb").write_text("{}")  # a run killed outright left it
    (tmp_path / "out" / ".other.k1ll3d.ipynb").write_text("{}")  # another notebook's: not ours to delete
    with pytest.raises(Exception, match="boom"):
        execute_notebook(source, tmp_path / "out" / "broken.ipynb", parameters={"x": 2})
    assert (tmp_path / "out" / "broken.ipynb").read_text() == "a good notebook"
    text = (tmp_path / "out" / "broken.failed.ipynb").read_text()
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
