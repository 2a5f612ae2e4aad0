"""The one rule that decides whether a cell is finished, against stubs and corruption."""

import json

import numpy as np
import pytest

import spikelib as sl
from spikelib.experiment.cellfiles import NODES, SPIKES, cell_status, read_metrics, read_nodes
from spikelib.storage import sha256, write_json, write_npz

SPLIT = {"mfr": 0.4, "cv_fr": 0.5, "mf": 0.6, "cv_mf": 0.1, "n_nodes": 4, "n_samples": 300}


@pytest.fixture
def finished(tmp_path):
    """A minimal finished cell: metrics, per-node statistics and rasters, with checksums."""
    spikes = np.random.default_rng(0).random((4, 300)) < 0.4
    sl.save_rasters(tmp_path / SPIKES, train=spikes, test=spikes)
    write_npz(tmp_path / NODES, train_firing_rate=spikes.mean(axis=1), test_firing_rate=spikes.mean(axis=1),
              test_excerpt=np.packbits(spikes, axis=1), test_excerpt_shape=np.array(spikes.shape))
    metrics = {"cell_id": tmp_path.name, "complete": True,
               "parameters": {"width": 4, "window": 100, "model": "mlp", "condition": "generalizing", "seed": 0},
               "dataset": {"name": "digits"}, "epochs": {"true labels": 1}, "stop_reasons": {"true labels": "epochs"},
               "labels": {"noise": 0.0}, "train_accuracy": 0.9, "train_accuracy_evaluated": 0.92,
               "validation_accuracy": 0.85, "test_accuracy": 0.8, "generalization_gap": 0.12, "wall_time_s": 3.0,
               "splits": {"train": dict(SPLIT), "test": dict(SPLIT)},
               "files": {name: sha256(tmp_path / name) for name in (SPIKES, NODES)}}
    write_json(tmp_path / "metrics.json", metrics)
    return tmp_path, metrics


def test_a_finished_cell(finished):
    folder, _ = finished
    status = cell_status(folder, {"width": 4, "window": 100})
    assert status and status.reason == "finished"
    assert read_nodes(folder)["excerpt"].shape == (4, 300)


@pytest.mark.parametrize("change, reason", [
    (lambda m: m.update(complete="false"), "does not say complete: true"),
    (lambda m: m.update(complete=1), "does not say complete: true"),
    (lambda m: m.pop("splits"), "lacks splits.train"),
    (lambda m: m["splits"]["test"].pop("mf"), "lacks splits.test.mf"),
    (lambda m: m["splits"]["test"].update(mfr=7.0), "splits.test.mfr lies outside [0.0, 1.0]"),
    (lambda m: m.update(test_accuracy=-0.1), "test_accuracy lies outside [0.0, 1.0]"),
    (lambda m: m.pop("wall_time_s"), "lacks wall_time_s"),
    (lambda m: m.pop("labels"), "lacks labels"),
    (lambda m: m.pop("files"), "lacks files"),
    (lambda m: m["files"].pop(NODES), "does not record the SHA-256"),
    (lambda m: m.update(parameters=None), "parameters is not a record"),
])
def test_incomplete_metrics_are_not_finished(finished, change, reason):
    folder, metrics = finished
    change(metrics)
    write_json(folder / "metrics.json", metrics)
    status = cell_status(folder)
    assert not status and reason in status.reason


def test_a_stub_is_not_finished(tmp_path):
    write_json(tmp_path / "metrics.json", {"complete": True, "parameters": {"width": 4}})
    assert not cell_status(tmp_path, {"width": 4})


@pytest.mark.parametrize("content", ["[1, 2]", '"complete"', "null", "{not json", "\xff\xfe"])
def test_metrics_that_are_not_an_object(tmp_path, content):
    (tmp_path / "metrics.json").write_bytes(content.encode("latin-1"))
    status = cell_status(tmp_path)
    assert not status and ("not valid JSON" in status.reason or "not an object" in status.reason)
    with pytest.raises(sl.DataError):
        read_metrics(tmp_path)


def test_a_truncated_raster_is_not_finished(finished):
    folder, _ = finished
    raw = (folder / SPIKES).read_bytes()
    (folder / SPIKES).write_bytes(raw[: len(raw) // 2])
    status = cell_status(folder)
    assert not status and "spikes.npz does not match its recorded SHA-256" in status.reason


def test_shipped_results_may_lack_the_rasters_but_not_the_node_statistics(finished):
    folder, _ = finished
    (folder / SPIKES).unlink()
    assert cell_status(folder)
    (folder / NODES).unlink()
    assert cell_status(folder).reason == "nodes.npz is missing"


def test_changed_or_new_parameters_are_not_finished(finished):
    folder, _ = finished
    status = cell_status(folder, {"width": 4, "window": 50})
    assert not status and "window: 100 -> 50" in status.reason
    status = cell_status(folder, {"width": 4, "window": 100, "label_noise": 0.0})
    assert not status and "label_noise: '(not recorded)' -> 0.0" in status.reason


def test_tuples_compare_as_json_stores_them(finished):
    folder, metrics = finished
    metrics["parameters"]["shape"] = [1, 2]
    write_json(folder / "metrics.json", metrics)
    assert cell_status(folder, {"shape": (1, 2)})


def test_read_nodes_checks_its_excerpt(finished):
    folder, _ = finished
    write_npz(folder / NODES, test_excerpt=np.zeros((4, 2), np.uint8), test_excerpt_shape=np.array([4, 300]))
    with pytest.raises(sl.DataError, match="do not match its shape"):
        read_nodes(folder)


def test_write_json_keeps_no_temporary_files(tmp_path):
    write_json(tmp_path / "a.json", {"x": np.int64(3)})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": 3}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_every_committed_cell_stores_the_gap_its_own_accuracies_give():
    """``generalization_gap`` is the evaluated training accuracy minus the test accuracy, and
    ``validation_gap`` the running training accuracy minus the validation accuracy, in every committed
    cell (older cells were migrated by ``python -m spikelib.pipeline.migrate``)."""
    import json

    from spikelib import paths
    from spikelib.experiment.schema import SCHEMA_VERSION

    files = sorted(paths.results_dir().glob("*/cells/*/metrics.json"))
    assert len(files) > 100
    for path in files:
        metrics = json.loads(path.read_text())
        assert metrics["schema"] == SCHEMA_VERSION, path
        assert metrics["generalization_gap"] == pytest.approx(
            metrics["train_accuracy_evaluated"] - metrics["test_accuracy"], abs=1e-12), path
        assert metrics["validation_gap"] == pytest.approx(
            metrics["train_accuracy"] - metrics["validation_accuracy"], abs=1e-12), path
