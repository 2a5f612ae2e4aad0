"""Bringing committed cells up to the current metrics schema without retraining."""

import json

import pytest

from spikelib.exceptions import DataError
from spikelib.pipeline.migrate import migrate_cell, migrate_profile
from spikelib.storage import sha256

OLD = {"cell_id": "c", "train_accuracy": 0.97, "train_accuracy_evaluated": 0.99, "validation_accuracy": 0.85,
       "test_accuracy": 0.84, "generalization_gap": 0.97 - 0.85}


def _cell(root, name="c", metrics=OLD, losses=(2.0, 0.5)):
    folder = root / "cells" / name
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(metrics))
    (folder / "training.json").write_text(json.dumps({"phases": [{"history": {"loss": list(losses)}}]}))
    return folder


def test_a_schema_1_cell_gets_both_gaps_and_its_running_loss_once(tmp_path):
    folder = _cell(tmp_path)
    assert set(migrate_cell(folder)) == {"generalization_gap", "validation_gap", "train_loss_running"}
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["generalization_gap"] == pytest.approx(0.99 - 0.84)
    assert metrics["validation_gap"] == pytest.approx(0.97 - 0.85)
    assert metrics["train_loss_running"] == 0.5 and metrics["schema"] == 2
    assert metrics["migrations"][0]["recomputed"]
    before = (folder / "metrics.json").read_bytes()
    assert migrate_cell(folder) == [] and (folder / "metrics.json").read_bytes() == before


def test_the_manifest_records_the_migrated_file(tmp_path):
    folder = _cell(tmp_path)
    manifest = {"cells": {"c": {"files": {"metrics.json": sha256(folder / "metrics.json")}}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert migrate_profile(tmp_path) == {"c": ["generalization_gap", "validation_gap", "train_loss_running"]}
    recorded = json.loads((tmp_path / "manifest.json").read_text())["cells"]["c"]["files"]["metrics.json"]
    assert recorded == sha256(folder / "metrics.json")


def test_a_cell_without_its_accuracies_is_named(tmp_path):
    folder = _cell(tmp_path, metrics={"cell_id": "c", "train_accuracy": 0.9})
    with pytest.raises(DataError, match="train_accuracy_evaluated"):
        migrate_cell(folder)


def test_a_manifest_rewritten_with_the_pre_migration_hash_is_brought_in_line(tmp_path):
    migrated, untouched = _cell(tmp_path, "migrated"), _cell(tmp_path, "untouched")
    stale = sha256(migrated / "metrics.json")
    migrate_cell(migrated)
    manifest = {"cells": {"migrated": {"files": {"metrics.json": stale}},
                          "untouched": {"files": {"metrics.json": "0" * 64}}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (untouched / "metrics.json").write_text(json.dumps({**OLD, "schema": 2, "migrations": []}))
    assert "untouched" in migrate_profile(tmp_path)  # its gaps were recomputed now
    files = {cell: record["files"]["metrics.json"]
             for cell, record in json.loads((tmp_path / "manifest.json").read_text())["cells"].items()}
    assert files == {"migrated": sha256(migrated / "metrics.json"), "untouched": sha256(untouched / "metrics.json")}
    before = (tmp_path / "manifest.json").read_bytes()
    assert migrate_profile(tmp_path) == {} and (tmp_path / "manifest.json").read_bytes() == before
