"""The committed stand-in results (tests/stand_ins/, which the book's tests read) are what the runner makes
today: each is its profile's complete run, its files are those its manifest lists, the runner would run none of
its cells again, and a cell run afresh records the same files, keys and arrays as its committed copy.

When a test here fails, run ``make stand-ins`` and commit what it writes.
"""

import json

import numpy as np
import pytest
import yaml
from make_stand_ins import NAMES, profile_file, results_root

from spikelib.pipeline.profiles import load_profile
from spikelib.pipeline.runner import pending_cells, run_profile
from spikelib.storage import sha256

REMAKE = "run `make stand-ins` and commit tests/stand_ins/"


@pytest.mark.parametrize("name", NAMES)
def test_each_stand_in_is_its_profiles_complete_current_run(name):
    root = results_root(name)
    manifest = json.loads((root / "manifest.json").read_text())
    profile = load_profile(profile_file(name), results_root=root)
    assert manifest["profile_sha256"] == profile.sha256, f"{profile_file(name).name} changed since: {REMAKE}"
    assert manifest["scheduler"].startswith("LocalCluster (2 worker processes")
    assert set(manifest["cells"]) == {cell.id for cell in profile.cells}
    for identifier, record in manifest["cells"].items():
        assert record["status"] == "ok"
        assert {"metrics.json", "spikes.npz", "nodes.npz", "experiment.ipynb", "cell.log"} <= set(record["files"])
        for file, digest in record["files"].items():
            assert sha256(root / "cells" / identifier / file) == digest, f"{identifier}/{file} was edited: {REMAKE}"
    stale = [(cell.id, reason) for cell, reason in pending_cells(profile)]
    assert stale == [], f"the runner would run these again ({REMAKE}): {stale}"


def _keys(value):
    """The nested keys of a JSON document (values left out: they vary from run to run)."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    return None


def _arrays(path):
    with np.load(path, allow_pickle=False) as arrays:
        return {key: (arrays[key].dtype.str, arrays[key].shape) for key in arrays.files}


@pytest.mark.slow
def test_cells_run_today_record_what_their_committed_stand_ins_hold(tmp_path):
    """A generalizing cell and the memorizing cell retrained from it, with the quick stand-in's parameters, run
    afresh by two Dask workers: the manifest, a second run that runs nothing, and the same files, JSON keys and
    arrays as the committed cells of the same id."""
    spec = yaml.safe_load(profile_file("quick").read_text())
    spec["grid"] = [{"datasets": ["digits"], "models": ["mlp"], "widths": [16], "seeds": [0],
                     "conditions": ["generalizing", "mem_retrain_last"]}]
    spec.pop("curves", None)
    file = tmp_path / "quick.yaml"
    file.write_text(yaml.safe_dump(spec))
    root = tmp_path / "quick"
    profile = load_profile(file, results_root=root)
    summary = run_profile(profile, workers=2, results_root=root, progress=False)
    assert summary.ok, summary.failed

    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["scheduler"].startswith("LocalCluster (2 worker processes")
    assert set(manifest["versions"]) >= {"python", "numpy", "keras", "spikelib"}
    assert manifest["cells"]["digits-mlp-16-mem_retrain_last-seed0"]["depends_on"] == "digits-mlp-16-generalizing-seed0"
    stamps = {p: p.stat().st_mtime_ns for p in root.glob("cells/*/metrics.json")}
    again = run_profile(profile, results_root=root, progress=False)
    assert again.results == {} and len(again.skipped_done) == 2
    assert stamps == {p: p.stat().st_mtime_ns for p in root.glob("cells/*/metrics.json")}

    committed = json.loads((results_root("quick") / "manifest.json").read_text())["cells"]
    for identifier, record in manifest["cells"].items():
        old = committed[identifier]
        assert {k: v for k, v in record["parameters"].items() if k != "output_dir"} == \
               {k: v for k, v in old["parameters"].items() if k != "output_dir"}
        assert set(record["files"]) == set(old["files"]), f"{identifier} writes other files today: {REMAKE}"
        fresh, kept = root / "cells" / identifier, results_root("quick") / "cells" / identifier
        for name in ("metrics.json", "training.json"):
            assert _keys(json.loads((fresh / name).read_text())) == _keys(json.loads((kept / name).read_text())), \
                f"{identifier}/{name} holds other keys today: {REMAKE}"
        for name in ("spikes.npz", "nodes.npz"):
            assert _arrays(fresh / name) == _arrays(kept / name), f"{identifier}/{name} differs: {REMAKE}"
