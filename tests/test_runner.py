"""`spikelib run`: resumable grids on Dask, failures, kill -9, an external scheduler."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spikelib.pipeline.profiles import load_profile
from spikelib.pipeline.runner import pending_cells, run_profile

pytestmark = pytest.mark.slow

TINY = """name: tiny
defaults: {{epochs: 2, max_memorize_epochs: 2, memorize_until: epochs, window: 20, trace_samples: 200}}
grid:
  - datasets: [{dataset}]
    models: [mlp]
    widths: [{width}]
    conditions: [{conditions}]
    seeds: [0]
"""


def tiny_profile(tmp_path, dataset="digits", width=8, conditions="random, generalizing, mem_retrain_last"):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.format(dataset=dataset, width=width, conditions=conditions))
    return path


def test_changed_parameters_rerun_the_cell(tmp_path):
    root = tmp_path / "results"
    run_profile(load_profile(tiny_profile(tmp_path, conditions="random"), results_root=root),
                results_root=root, progress=False)
    path = tiny_profile(tmp_path, conditions="random")
    path.write_text(path.read_text().replace("window: 20", "window: 25"))
    [(_, reason)] = pending_cells(load_profile(path, results_root=root))
    assert "window: 20 -> 25" in reason


def test_failing_cell_does_not_stop_the_others(tmp_path, tiny_npz):
    # A data file that vanishes between validation and execution: the cell fails when it runs.
    root = tmp_path / "results"
    broken = tmp_path / "gone.npz"
    broken.write_bytes(tiny_npz.read_bytes())
    text = TINY.format(dataset=f"'{broken}'", width=8, conditions="generalizing, mem_retrain_last")
    text += "  - {datasets: [digits], models: [mlp], widths: [8], conditions: [random], seeds: [0]}\n"
    path = tmp_path / "p.yaml"
    path.write_text(text)
    profile = load_profile(path, results_root=root)
    broken.unlink()  # the data disappears after validation: the cell fails when it runs
    done = subprocess.run([sys.executable, "-m", "spikelib.pipeline.cli", "run", "--profile", str(path),
                           "--results", str(root)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "FAILED gone-mlp-8-generalizing-seed0" in done.stderr and "No data file at" in done.stderr
    assert "SKIPPED gone-mlp-8-mem_retrain_last-seed0" in done.stderr
    assert "notebook:" in done.stderr and "cell.failed.log" in done.stderr
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["cells"]["digits-mlp-8-random-seed0"]["status"] == "ok"
    assert manifest["cells"]["gone-mlp-8-generalizing-seed0"]["status"] == "failed"
    assert len(profile.cells) == 3


@pytest.mark.extended  # the cell-level kill -9 resume is in the suite (test_training)
def test_kill_minus_nine_then_resume(tmp_path):
    root = tmp_path / "results"
    path = tiny_profile(tmp_path, width=8, conditions="random, generalizing, mem_retrain_last, mem_random_last")
    process = subprocess.Popen([sys.executable, "-m", "spikelib.pipeline.cli", "run", "--profile", str(path),
                                "--results", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and len(list(root.glob("cells/*/metrics.json"))) < 1:
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)  # the runner, its Dask workers and their kernels
    process.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in root.glob("cells/*/metrics.json")}
    assert 1 <= len(finished) < 4
    profile = load_profile(path, results_root=root)
    assert {c.id for c, _ in pending_cells(profile)} == {c.id for c in profile.cells} - set(finished)
    summary = run_profile(profile, results_root=root, progress=False)
    assert summary.ok and set(summary.results) == {c.id for c in profile.cells} - set(finished)
    for name, stamp in finished.items():
        assert (root / "cells" / name / "metrics.json").stat().st_mtime_ns == stamp  # not redone
    assert not pending_cells(profile)


def test_existing_dask_scheduler_on_loopback(tmp_path):
    from dask.distributed import LocalCluster

    root = tmp_path / "results"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        profile = load_profile(tiny_profile(tmp_path, conditions="random"), results_root=root)
        summary = run_profile(profile, scheduler=cluster.scheduler_address, results_root=root, progress=False)
    assert summary.ok and len(summary.results) == 1
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["scheduler"] == cluster.scheduler_address


EVERY_PARAMETER = """name: every
defaults: {{epochs: 1, max_memorize_epochs: 1, memorize_until: epochs, window: 20, trace_samples: 200, validation_split: 0.2, ljung_box_lags: 5,
           probe_size: 50, save_model: true, layer: conv, batch_size: 128, learning_rate: 0.05}}
grid:
  - {{datasets: [digits], models: [cnn], widths: [8], conditions: [generalizing], seeds: [0]}}
curves:
  - {{datasets: [digits], models: [cnn], widths: [8], conditions: [mem_retrain_last], seeds: [0]}}
"""


def test_a_profile_setting_every_parameter_is_finished_after_one_run(tmp_path):
    """Each parameter the notebook once lacked reaches the cell and is recorded, so a second run skips."""
    root = tmp_path / "results"
    path = tmp_path / "every.yaml"
    path.write_text(EVERY_PARAMETER.format())
    profile = load_profile(path, results_root=root)
    first = run_profile(profile, results_root=root, progress=False)
    assert first.ok and len(first.results) == 2
    for cell in profile.cells:
        recorded = json.loads((Path(cell.config.output_dir) / "metrics.json").read_text())["parameters"]
        assert (recorded["validation_split"], recorded["ljung_box_lags"], recorded["probe_size"],
                recorded["save_model"], recorded["layer"]) == (0.2, 5, 50, True, "conv")
    assert (Path(profile.cells[0].config.output_dir) / "model.keras").is_file()
    second = run_profile(load_profile(path, results_root=root), results_root=root, progress=False)
    assert second.results == {} and len(second.skipped_done) == 2


def test_corrupt_results_are_run_again(tmp_path):
    root = tmp_path / "results"
    profile = load_profile(tiny_profile(tmp_path, conditions="random"), results_root=root)
    run_profile(profile, results_root=root, progress=False)
    assert pending_cells(profile) == []
    spikes = Path(profile.cells[0].config.output_dir) / "spikes.npz"
    spikes.write_bytes(spikes.read_bytes()[:100])
    [(cell, reason)] = pending_cells(profile)
    assert "spikes.npz does not match its recorded SHA-256" in reason


def test_progress_line_leaves_out_an_earlier_runs_progress(tmp_path):
    from spikelib.experiment.cellfiles import PROGRESS
    from spikelib.pipeline.runner import _running

    cells = load_profile(tiny_profile(tmp_path, conditions="random, generalizing"), results_root=tmp_path).cells
    state = {"phase": "shuffled labels", "epoch": 40, "max_epochs": 300, "value": 0.5, "target": None, "eta_s": 120}
    for cell, written in zip(cells, (50.0, 300.0)):
        Path(cell.config.output_dir).mkdir(parents=True)
        (Path(cell.config.output_dir) / PROGRESS).write_text(json.dumps({**state, "time": time.time() - written}))
    line = _running(cells, since=time.time() - 100)  # the run began between the two writes
    assert cells[0].id in line and "40/300 acc 0.500, estimate about 2 min left" in line
    assert cells[1].id not in line
