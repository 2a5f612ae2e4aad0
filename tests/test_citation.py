"""The cite page's record is written from CITATION.cff with the commit the book is built from."""

import subprocess

from spikelib import paths
from spikelib.report.book import write_citation


def test_the_citation_names_the_version_and_the_commit(tmp_path):
    text = write_citation(tmp_path / "citation.md").read_text()
    head = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert "@software{spike_train_compendium," in text and "version = {0.1.0}" in text
    if head.returncode == 0:
        assert f"commit {head.stdout.strip()}" in text
    else:
        assert "commit unknown" in text


def test_a_repository_address_joins_the_entry(tmp_path):
    cff = tmp_path / "CITATION.cff"
    cff.write_text((paths.ROOT / "CITATION.cff").read_text() + 'repository-code: "https://example.org/compendium"\n')
    assert "url     = {https://example.org/compendium}" in write_citation(tmp_path / "c.md", cff).read_text()
