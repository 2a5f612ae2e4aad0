"""make archive: one file holding a commit and its built book, with checksums that can be checked."""

import hashlib
import json
import subprocess
import tarfile

import pytest

from spikelib.exceptions import DataError
from spikelib.pipeline.archive import RECORD, SUMS, archive_record, write_archive


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
                        "GIT_COMMITTER_EMAIL": "a@b", "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z",
                        "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z", "PATH": "/usr/bin:/bin"})


@pytest.fixture
def repository(tmp_path):
    root = tmp_path / "repo"
    (root / "results" / "p").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1.2.3"\n')
    (root / "results" / "p" / "manifest.json").write_text('{"cells": {}}\n')
    (root / "untracked.txt").write_text("not part of the commit\n")
    _git(root, "init", "-q")
    _git(root, "add", "pyproject.toml", "results")
    _git(root, "commit", "-q", "-m", "c")
    (root / "_build" / "html").mkdir(parents=True)
    (root / "_build" / "html" / "index.html").write_text("<h1>book</h1>")
    return root


def test_the_archive_holds_the_commit_and_the_book_with_checksums_that_check(repository, tmp_path):
    path, record = write_archive(tmp_path / "a.tar.gz", root=repository, log=lambda *a: None)
    assert record["version"] == "1.2.3" and record["commit_date"] == "2026-01-02" and record["files"] == 3
    with tarfile.open(path) as tar:
        tar.extractall(tmp_path / "out", filter="data")
    top = tmp_path / "out" / record["name"]
    names = sorted(p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file())
    assert names == sorted([RECORD, SUMS, "_build/html/index.html", "pyproject.toml", "results/p/manifest.json"])
    for line in (top / SUMS).read_text().splitlines():  # what `sha256sum -c SHA256SUMS` checks
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((top / name).read_bytes()).hexdigest() == digest
    assert archive_record(top)["commit"] == record["commit"] and archive_record(repository) is None
    again, _ = write_archive(tmp_path / "b.tar.gz", root=repository, log=lambda *a: None)
    assert again.read_bytes() == path.read_bytes()  # one commit and one build: one archive, byte for byte


def test_a_changed_tree_or_a_missing_book_is_refused_and_nothing_written(repository, tmp_path):
    (repository / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "9"\n')
    with pytest.raises(DataError, match="pyproject.toml.*commit or stash"):
        write_archive(tmp_path / "a.tar.gz", root=repository, log=lambda *a: None)
    _git(repository, "checkout", "--", "pyproject.toml")
    (repository / "_build" / "html" / "index.html").unlink()
    with pytest.raises(DataError, match="make book"):
        write_archive(tmp_path / "a.tar.gz", root=repository, log=lambda *a: None)
    assert not (tmp_path / "a.tar.gz").exists()


def test_outside_a_git_checkout_it_says_so(tmp_path):
    (tmp_path / "_build" / "html").mkdir(parents=True)
    with pytest.raises(DataError, match="not a git checkout"):
        write_archive(tmp_path / "a.tar.gz", root=tmp_path, log=lambda *a: None)


def test_the_cite_page_of_an_unpacked_archive_names_its_commit(tmp_path, monkeypatch):
    from spikelib.report import book

    record = {"commit": "f" * 40, "commit_date": "2026-01-02"}
    monkeypatch.setattr("spikelib.pipeline.archive.archive_record", lambda root=None: record)
    monkeypatch.setattr(book, "_git", lambda *args: pytest.fail("an unpacked archive does not ask git"))
    text = book.write_citation(output=tmp_path / "citation.md").read_text()
    assert f"`{'f' * 40}` of 2026‑01‑02" in text and "not yet committed" not in text
