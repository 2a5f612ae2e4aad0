"""The book: the demo page executes with papermill and the build is warning-free offline."""

import re
import subprocess

import pytest

from spikelib import book, paths

pytestmark = pytest.mark.slow


def test_readme_quick_start_is_the_two_make_commands():
    readme = (paths.ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", quick, flags=re.S)
    assert [line for block in blocks for line in block.splitlines()] == ["make book", "make test"]
    makefile = (paths.ROOT / "Makefile").read_text()
    for target in ("book:", "test:", "bench:", "lock:"):
        assert f"\n{target}" in makefile
    assert (paths.ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_book_builds_strict_and_offline(tmp_path):
    book.install_mathjax()
    book.execute_pages()
    html = book.build_html(strict=True, output=tmp_path)
    page = (html / "book" / "executed" / "spikes_on_digits.html").read_text()
    assert "test accuracy" in page and "mfr" in page
    for name in ("index.html", "book/executed/spikes_on_digits.html"):
        text = (html / name).read_text()
        external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert external == [], f"{name} loads {external}"
    assert (html / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    fonts = list((html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) > 10


def test_failed_notebook_keeps_its_error(tmp_path):
    source = tmp_path / "broken.py"
    source.write_text("# %% [markdown]\n# # Broken\n\n# %% tags=[\"parameters\"]\nx = 1\n\n# %%\nraise RuntimeError('boom')\n")
    from spikelib.notebook import execute_notebook

    with pytest.raises(Exception, match="boom"):
        execute_notebook(source, tmp_path / "out" / "broken.ipynb", parameters={"x": 2})
    text = (tmp_path / "out" / "broken.ipynb").read_text()
    assert "boom" in text and '"x = 2' in text.replace("\\n", "")
    assert not list((tmp_path / "out").glob(".*"))
