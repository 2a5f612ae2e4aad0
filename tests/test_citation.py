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


def test_the_citation_file_is_valid_against_its_schema():
    """CITATION.cff against the Citation File Format 1.2.0 schema (data/schemas/, from the format's repository)."""
    import json

    import jsonschema
    import yaml

    schema = json.loads((paths.DATA / "schemas" / "citation-file-format-1.2.0.json").read_text())
    record = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text())
    jsonschema.Draft7Validator(schema).validate(json.loads(json.dumps(record, default=str)))
    broken = {**record, "authors": [{"nickname": 3}]}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(json.loads(json.dumps(broken, default=str))))


def test_the_crate_and_codemeta_are_the_registries_own_and_read_back():
    """ro-crate-metadata.json and codemeta.json as committed are what the build writes, and rocrate reads them."""
    import json

    from rocrate.rocrate import ROCrate

    from spikelib.report.crate import CODEMETA, CRATE, codemeta, crate_metadata

    assert json.loads(CODEMETA.read_text()) == codemeta(), "run python -m spikelib.report.crate"
    assert json.loads(CRATE.read_text()) == crate_metadata(), "run python -m spikelib.report.crate"
    crate = ROCrate(str(paths.ROOT))
    entities = {entity.id: entity for entity in crate.get_entities()}
    checksums = dict(reversed(line.split()) for line in paths.CHECKSUMS.read_text().splitlines() if line.strip())
    for name, digest in checksums.items():
        assert any(entity.get("sha256") == digest for entity in entities.values()), name
    runs = [entity for entity in entities.values() if entity.type == "CreateAction"]
    assert {"#run-fashion", "#run-zoo", "#run-transfer"} <= {run.id for run in runs}
    for run in runs:
        for result in run.get("result") or []:
            assert (paths.ROOT / result.id).is_dir(), result.id
    manifest = entities["results/fashion/manifest.json"]
    from spikelib.storage import sha256

    assert manifest.get("sha256") == sha256(paths.ROOT / "results/fashion/manifest.json")
    meta = json.loads(CODEMETA.read_text())
    assert meta["version"] == crate.root_dataset["version"] and meta["identifier"] == "spikelib"
