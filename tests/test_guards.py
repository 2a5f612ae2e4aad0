"""Inputs a hostile user tries: each gets a clear error naming the argument, or a documented answer."""

import contextlib
import re

import numpy as np
import pytest

import spikelib as sl
from spikelib import _validation
from spikelib.compare import bonferroni, ks_compare
from spikelib.correlation import correlation_matrix, correlation_summary
from spikelib.simulate import bernoulli_raster
from spikelib.experiment.config import CellConfig


def test_masked_rasters_are_refused_not_silently_unmasked():
    spikes = np.ma.MaskedArray([[1, 1, 0, 0]], mask=[[False, False, True, True]]).astype(bool)
    with pytest.raises(sl.RasterError, match="masked array.*filled"):
        sl.firing_rate(spikes)
    assert sl.firing_rate(spikes[:, ~spikes.mask.any(axis=0)].data)[0] == 1.0  # the remedy the message gives


@pytest.mark.parametrize("pvalues", [[-0.1, 0.2], [0.5, 1.5]])
def test_bonferroni_refuses_p_values_outside_zero_one(pvalues):
    with pytest.raises(sl.ParameterError, match="`pvalues` must hold probabilities"):
        bonferroni(pvalues)
    assert np.isnan(bonferroni([np.nan, 0.1])[0])


def test_ks_compare_refuses_rates_outside_zero_one():
    with pytest.raises(sl.ParameterError, match="`rates_b` must hold firing rates in \\[0, 1\\]"):
        ks_compare([0.1, 0.2], [0.3, 4.0])


def test_share_of_significant_pairs_is_undefined_with_two_samples():
    summary = correlation_summary([[1, 0], [0, 1], [1, 0]])
    assert np.isnan(summary.share_significant)
    assert summary.n_pairs == 3


def test_memory_guards_refuse_before_allocating(monkeypatch):
    monkeypatch.setattr(_validation, "MAX_ARRAY_BYTES", 10_000)
    with pytest.raises(sl.ParameterError, match="correlation matrix of 100 nodes.*subset of the nodes"):
        correlation_matrix(np.random.default_rng(0).random((100, 50)) < 0.5)
    with pytest.raises(sl.ParameterError, match="draw it in blocks"):
        bernoulli_raster([0.5] * 10, 10**6, seed=0)


def test_a_second_run_on_the_same_folder_is_refused(tmp_path):
    from spikelib.experiment.cellfolder import exclusive as _exclusive

    with _exclusive(tmp_path):
        with pytest.raises(sl.DataError, match="Another run is writing to"):
            with _exclusive(tmp_path):
                pass
    with _exclusive(tmp_path):  # released
        pass


def test_seeds_numpy_cannot_take_are_refused_before_training():
    from spikelib.experiment.config import CellConfig

    with pytest.raises(sl.ParameterError, match="`seed` must be in \\[0, 4294967295\\]"):
        CellConfig(seed=2**32)


@pytest.mark.slow
def test_divergence_stops_training_and_keeps_no_finished_cell_destroyed(tmp_path):
    import json

    from spikelib.exceptions import TrainingError
    from spikelib.experiment.cell import run_cell
    from spikelib.experiment.cellfiles import cell_status

    out = tmp_path / "cell"
    finished = run_cell(CellConfig(epochs=2, width=8, output_dir=str(out), trace_every=0), progress=lambda m: None)
    before = json.loads((out / "metrics.json").read_text())
    with pytest.raises(TrainingError, match="diverged.*Lower `learning_rate`"):
        run_cell(CellConfig(epochs=2, width=8, output_dir=str(out), trace_every=0, learning_rate=1e30),
                 progress=lambda m: None)
    assert not (out / ".staging" / "checkpoint.npz").exists()
    assert json.loads((out / "metrics.json").read_text()) == before and finished.metrics["complete"]
    assert cell_status(out)


@pytest.mark.parametrize("layer, message", [("output", "not a hidden ReLU layer"), ("input", "not a hidden ReLU layer"),
                                            ("nope", "is not in the")])
def test_only_a_hidden_relu_layer_can_be_observed(layer, message):
    from spikelib.experiment.trainstage import check_layer as _check_layer
    from spikelib.experiment.models import build_model

    with pytest.raises(sl.ParameterError, match=message):
        _check_layer(build_model("mlp", 8, (8, 8, 1)), layer)
    _check_layer(build_model("mlp", 8, (8, 8, 1), depth=2), "hidden1")


def test_a_one_class_data_set_is_refused_before_training(tmp_path):
    from spikelib.experiment.plan import check_against_data as _check_against_data
    from spikelib.experiment.config import CellConfig
    from spikelib.experiment.data import Dataset

    one = Dataset("one", np.zeros((300, 8, 8, 1), "float32"), np.zeros(300, "int64"),
                  np.zeros((200, 8, 8, 1), "float32"), np.zeros(200, "int64"), "made here")
    with pytest.raises(sl.DataError, match="1 class"):
        _check_against_data(CellConfig(window=20), one)


def test_training_identity_ignores_analysis_only_parameters_and_follows_the_data(tmp_path):
    from spikelib.experiment.plan import _fingerprint
    from spikelib.experiment.config import CellConfig
    from spikelib.experiment.training import fingerprints_match

    data = tmp_path / "set.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x_train=rng.random((40, 4, 4)), y_train=np.arange(40) % 2, x_test=rng.random((20, 4, 4)),
             y_test=np.arange(20) % 2)
    base = CellConfig(dataset=str(data), window=10)
    stored = _fingerprint(base)
    assert fingerprints_match(stored, _fingerprint(CellConfig(dataset=str(data), window=5, ljung_box_lags=3)))
    assert not fingerprints_match(stored, _fingerprint(CellConfig(dataset=str(data), width=64)))
    # A record made when the window was part of the training identity still matches.
    old = {**stored, "identity": {**stored["identity"], "window": 10}}
    assert fingerprints_match(old, _fingerprint(base))
    # One trained with a parameter the current cell leaves at its default does not.
    deeper = {**stored, "identity": {**stored["identity"], "depth": 2}}
    assert not fingerprints_match(deeper, _fingerprint(base))
    # The same path with other contents is another data set: the training is stale.
    np.savez(data, x_train=rng.random((40, 4, 4)), y_train=np.arange(40) % 2, x_test=rng.random((20, 4, 4)),
             y_test=np.arange(20) % 2)
    assert not fingerprints_match(stored, _fingerprint(base))
    assert CellConfig(dataset=str(data)).identity()["dataset_sha256"] != stored["identity"]["dataset_sha256"]


@pytest.mark.parametrize("name", ["fashion", "noise", "penalties"])
def test_committed_cells_keep_their_training_identity(name):
    """Nothing retrains the committed networks: each training record matches its profile cell's fingerprint."""
    import json

    from spikelib import paths
    from spikelib.experiment.plan import _fingerprint
    from spikelib.experiment.training import fingerprints_match
    from spikelib.pipeline.profiles import load_profile

    profile = load_profile(name)
    checked = 0
    for cell in profile.cells:
        record = paths.results_dir() / name / "cells" / cell.id / "training.json"
        stored = json.loads(record.read_text())["fingerprint"]

        current = _fingerprint(cell.config)
        # The generalizing models are not committed: the base model's checksum cannot be recomputed here.
        current["base_model_sha256"] = current["base_model_sha256"] or stored.get("base_model_sha256")
        assert fingerprints_match(stored, current), cell.id
        checked += 1
    assert checked == len(profile.cells)


@pytest.mark.slow
def test_base_models_that_do_not_fit_the_cell_are_refused_before_training(tmp_path):
    from spikelib.experiment.trainstage import _load_base_model
    from spikelib.experiment.config import CellConfig
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.models import build_model

    data = load_dataset("digits")
    config = CellConfig(width=16, condition="mem_retrain_last")
    narrow = tmp_path / "narrow.keras"
    build_model("mlp", 8, data.input_shape, data.n_classes).save(narrow)
    with pytest.raises(sl.DataError, match="is not a mlp-16 network for 10 classes"):
        _load_base_model(narrow, config, data)
    text = tmp_path / "text.keras"
    text.write_text("not a model")
    with pytest.raises(sl.DataError, match="is not a Keras model that loads"):
        _load_base_model(text, config, data)
    right = tmp_path / "right.keras"
    build_model("mlp", 16, data.input_shape, data.n_classes).save(right)
    assert _load_base_model(right, config, data).get_layer("observed").units == 16


def _finished_copy(tmp_path):
    """A copy of one committed finished cell in a results folder of its own."""
    import shutil

    from spikelib import paths

    source = sorted((paths.results_dir() / "penalties" / "cells").iterdir())[0]
    root = tmp_path / "results"
    shutil.copytree(source, root / "cells" / source.name)
    return root, root / "cells" / source.name


@pytest.mark.parametrize("change, reason", [
    (lambda m: m["splits"]["train"].update(mfr=float("inf")), "splits.train.mfr is infinite"),
    (lambda m: m["splits"]["test"].update(mf="abc"), "splits.test.mf is not a number"),
    (lambda m: m["splits"]["train"].update(mfr=7.0), "splits.train.mfr lies outside [0.0, 1.0]"),
    (lambda m: m["parameters"].update(condition="overfitting"), "unknown condition"),
    (lambda m: m.pop("dataset"), "lacks dataset"),
    (lambda m: m.pop("epochs"), "lacks epochs"),
    (lambda m: m.pop("wall_time_s"), "lacks wall_time_s"),
    (lambda m: m.pop("labels"), "lacks labels"),
])
def test_bad_metrics_files_are_left_out_by_name_never_a_traceback(tmp_path, change, reason):
    import json

    from spikelib.report.results import finished_cells

    root, cell = _finished_copy(tmp_path)
    assert [d for d, _ in finished_cells(root)] == [cell]
    metrics = json.loads((cell / "metrics.json").read_text())
    change(metrics)
    (cell / "metrics.json").write_text(json.dumps(metrics))
    with pytest.warns(UserWarning, match=re.escape(reason)):
        assert finished_cells(root) == []


def test_copied_folders_deep_json_and_bad_manifests(tmp_path):
    import json
    import shutil

    from spikelib.report.results import completion, finished_cells

    root, cell = _finished_copy(tmp_path)
    shutil.copytree(cell, cell.with_name(cell.name + ".bak"))
    with pytest.warns(UserWarning, match="not the cell id"):
        assert [d for d, _ in finished_cells(root)] == [cell]
    deep = cell.with_name("deep")
    deep.mkdir()
    (deep / "metrics.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.warns(UserWarning, match="nested too deeply|not valid JSON"):
        assert cell in [d for d, _ in finished_cells(root)]
    (root / "manifest.json").write_text(json.dumps({"n_cells": "two"}))
    with pytest.raises(sl.DataError, match="records n_cells as 'two'"):
        completion(root)


def test_output_folders_that_are_files_are_refused(tmp_path):
    from spikelib.experiment.cellfolder import check_output_dir as _check_output_dir

    (tmp_path / "file").write_text("x")
    with pytest.raises(sl.ParameterError, match="is a file, not a folder"):
        _check_output_dir(tmp_path / "file")
    _check_output_dir(tmp_path / "new" / "cell")
    assert (tmp_path / "new" / "cell").is_dir()


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(x_train=np.full((30, 4, 4), np.nan, "float32")), "image 0 holds NaN"),
    (lambda a: a.update(y_test=np.array(3)), "y_test is a single value"),
])
def test_npz_data_with_nan_images_or_0d_arrays_are_refused(tmp_path, change, message):
    from spikelib.experiment.data import load_dataset

    arrays = {"x_train": np.zeros((30, 4, 4), "uint8"), "y_train": np.arange(30) % 2,
              "x_test": np.zeros((10, 4, 4), "uint8"), "y_test": np.arange(10) % 2}
    change(arrays)
    np.savez(tmp_path / "set.npz", **arrays)
    with pytest.raises(sl.DataError, match=message):
        load_dataset(tmp_path / "set.npz", checksums={})


def test_cnn_on_tiny_images_and_too_many_lags_are_refused_before_training():
    from spikelib.experiment.plan import check_against_data as _check_against_data
    from spikelib.experiment.config import CellConfig
    from spikelib.experiment.data import Dataset

    rng = np.random.default_rng(0)
    tiny = Dataset("tiny", rng.random((300, 2, 2, 1), dtype=np.float32), np.arange(300) % 2,
                   rng.random((200, 2, 2, 1), dtype=np.float32), np.arange(200) % 2, "made here")
    with pytest.raises(sl.ParameterError, match="3x3 kernel"):
        _check_against_data(CellConfig(model="cnn", window=20), tiny)
    with pytest.raises(sl.ParameterError, match="`ljung_box_lags`=150"):
        _check_against_data(CellConfig(window=20, ljung_box_lags=150), tiny)


def test_an_unreachable_scheduler_is_named_not_a_traceback(monkeypatch):
    from spikelib.pipeline import runner

    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", "1s")
    with pytest.raises(sl.ParameterError, match="`--scheduler` 'tcp://127.0.0.1:9' could not be reached"):
        runner._client(1, "tcp://127.0.0.1:9")


def test_extras_named_in_missing_package_messages_exist():
    import tomllib

    from spikelib import _optional, paths

    extras = set(tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    assert {extra for _, extra in _optional._SOURCES.values()} <= extras
    with pytest.raises(sl.MissingDependencyError, match=r"pip install 'spikelib\[all\]'"):
        _optional.soft_import("not_a_package_here", "this test")


@pytest.mark.slow
def test_a_run_that_fails_in_its_analysis_leaves_the_finished_cell_and_its_training_is_reused(tmp_path, monkeypatch):
    import json

    from spikelib.experiment.cellfiles import cell_status
    from spikelib.experiment import cell

    out = tmp_path / "cell"
    small = {"epochs": 2, "width": 8, "output_dir": str(out), "trace_every": 0}
    cell.run_cell(CellConfig(**small), progress=lambda m: None)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".lock"}

    def broken(*args, **kwargs):
        raise RuntimeError("analysis failed")

    monkeypatch.setattr(cell, "few_sample_indicators", broken)
    with pytest.raises(RuntimeError, match="analysis failed"):
        cell.run_cell(CellConfig(**{**small, "epochs": 3}), progress=lambda m: None)  # trains anew, then fails
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".lock"}
    assert after == before and cell_status(out)  # the finished cell is untouched
    monkeypatch.undo()
    messages = []
    cell.run_cell(CellConfig(**{**small, "epochs": 3}), progress=messages.append)
    assert "training is current (training.json and model.keras): analysing only" in messages
    assert json.loads((out / "metrics.json").read_text())["parameters"]["epochs"] == 3
    assert cell_status(out) and not (out / ".staging").exists()


def test_an_interrupted_move_into_place_is_completed_by_the_next_run(tmp_path, monkeypatch):
    import json
    import os

    from spikelib.experiment import cellfolder

    folder = cellfolder.CellFolder(tmp_path)
    (tmp_path / "nodes.npz").write_text("old")
    (tmp_path / "metrics.json").write_text("{}")
    for name in ("nodes.npz", "spikes.npz"):
        folder.new(name).write_text("new " + name)
    folder.new("metrics.json").write_text(json.dumps({"files": {"nodes.npz": "x", "spikes.npz": "y"}}))
    moved = []

    def cut_short(source, target):
        if moved:
            raise KeyboardInterrupt  # killed after moving one file
        moved.append(target)
        os.rename(source, target)

    monkeypatch.setattr(cellfolder.os, "replace", cut_short)
    with pytest.raises(KeyboardInterrupt):
        folder.commit()
    assert not (tmp_path / "metrics.json").exists()  # no finished cell claims the half-moved files
    monkeypatch.undo()
    folder.recover(progress=lambda m: None)
    assert (tmp_path / "nodes.npz").read_text() == "new nodes.npz"
    assert (tmp_path / "spikes.npz").read_text() == "new spikes.npz"
    assert json.loads((tmp_path / "metrics.json").read_text())["files"]["nodes.npz"] == "x"
    assert not (tmp_path / ".staging").exists()


@pytest.mark.parametrize("values, parameter, words", [
    ({"window": 150}, "window", "change-point search needs"),
    ({"validation_split": 0.999}, "validation_split", "must train on every class"),
    ({"width": 10**8}, "width", "GiB available"),
])
def test_what_would_fail_after_training_is_refused_before_it(values, parameter, words):
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.plan import check_against_data

    with pytest.raises(sl.ParameterError, match=words) as info:
        check_against_data(CellConfig(**{"window": 20, **values}), load_dataset("digits"))
    assert info.value.parameter == parameter


def test_an_absurd_batch_is_refused_by_its_declaration():
    with pytest.raises(sl.ParameterError, match="`batch_size` must be in") as info:
        CellConfig(batch_size=10**12)
    assert info.value.parameter == "batch_size"


def test_a_data_folder_that_is_not_there_is_named(tmp_path):
    from spikelib.experiment.data import load_dataset

    with pytest.raises(sl.DataError, match="`data_dir`"):
        load_dataset("fashion_mnist", data_dir=tmp_path / "nope")


def _finished_cell(tmp_path):
    """A finished digits cell in ``tmp_path/cell``: ``(command, folder, hashes)``."""
    import subprocess
    import sys

    from spikelib.storage import sha256

    out = tmp_path / "cell"
    base = [sys.executable, "-m", "spikelib.pipeline.cli", "cell", "--width", "8", "--epochs", "2", "--window", "20",
            "--trace-every", "0", "--out", str(out)]
    assert subprocess.run(base, capture_output=True, text=True).returncode == 0

    def hashes():
        return {p.name: sha256(p) for p in out.iterdir() if p.is_file() and not p.name.startswith(".")
                and ".failed." not in p.name}

    return base, out, hashes


@pytest.mark.slow
def test_failed_and_refused_runs_into_a_finished_folder_change_none_of_its_files(tmp_path):
    """A finished cell in --out: a run of other parameters is refused before anything is written; one that
    fails after it started (a layer that is not there) keeps its notebook beside. Every file of the finished
    cell keeps its SHA-256."""
    import subprocess

    base, out, hashes = _finished_cell(tmp_path)
    before = hashes()
    refused = subprocess.run([*base, "--window", "1000000", "--overwrite"], capture_output=True, text=True)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "--window" in refused.stderr
    other = subprocess.run([*base, "--epochs", "3"], capture_output=True, text=True)
    assert other.returncode == 2 and "holds the finished cell" in other.stderr and "--overwrite" in other.stderr
    failed = subprocess.run([*base, "--epochs", "3", "--layer", "nope", "--overwrite"], capture_output=True, text=True)
    assert failed.returncode == 1 and (out / "experiment.failed.ipynb").is_file()
    assert hashes() == before


# A Ctrl-C kills the notebook's kernel at once and clears the cell's progress.json. (Runs of this test that
# inherited SIGINT ignored, from a shell's background job, once saw the command go on training.)
@pytest.mark.slow
def test_a_run_interrupted_part_way_into_a_finished_folder_changes_none_of_its_files(tmp_path):
    import os
    import signal
    import subprocess
    import time

    import psutil

    base, out, hashes = _finished_cell(tmp_path)
    before = hashes()
    log = tmp_path / "interrupted.log"
    with open(log, "w") as handle:  # a file, not a pipe: a full pipe would stall the run
        # As from a terminal: Ctrl-C's default action, even where this test inherited it ignored (a job started
        # in the background by a shell ignores SIGINT, and so would the command).
        running = subprocess.Popen([*base, "--epochs", "1000000", "--overwrite"], stdout=subprocess.DEVNULL,
                                   stderr=handle, start_new_session=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 180
        while time.time() < deadline and not (out / "progress.json").is_file():  # wait until it trains
            time.sleep(0.5)
        tree = [running.pid] + [child.pid for child in psutil.Process(running.pid).children(recursive=True)]
        os.killpg(running.pid, signal.SIGINT)
        try:
            running.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        finally:  # never leave the notebook's kernel training (it runs in a session of its own)
            for pid in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    psutil.Process(pid).kill()
    assert running.returncode in (1, 130), log.read_text()[-500:]
    assert hashes() == before


@pytest.mark.extended  # reaches the package index: left to make test-all
def test_the_gpu_extra_resolves_to_the_cuda_build_alone(tmp_path):
    """`pip install '.[gpu]'` resolves (a dry run against the package index): TensorFlow's CUDA build, never
    beside its CPU build. Skipped where the index cannot be reached."""
    import json
    import subprocess
    import sys

    from spikelib import paths

    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                           "--report", str(report), f"{paths.ROOT}[gpu]"], capture_output=True, text=True,
                          timeout=280)
    if done.returncode != 0 and ("Could not find" in done.stderr or "connection" in done.stderr.lower()):
        pytest.skip(f"the package index cannot be reached: {done.stderr.strip().splitlines()[-1][:200]}")
    assert done.returncode == 0, done.stderr[-2000:]
    installed = {item["metadata"]["name"].lower(): item for item in json.loads(report.read_text())["install"]}
    assert "tensorflow" in installed and "tensorflow-cpu" not in installed
    assert any(name.startswith("nvidia-cudnn") for name in installed)  # the CUDA libraries come with it
    assert {"keras", "papermill", "jupyter-book"} <= set(installed)
