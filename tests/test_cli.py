"""`spikelib cell`: papermill executes the experiment notebook; errors exit non-zero."""

import json
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow


def spikelib(*args):
    return subprocess.run([sys.executable, "-m", "spikelib.diagnose.cli", *args], capture_output=True, text=True)


def test_cell_on_an_npz(tmp_path, tiny_npz):
    out = tmp_path / "tiny-mlp-128-generalizing-seed0"
    done = spikelib("cell", "--dataset", str(tiny_npz), "--model", "mlp", "--width", "128",
                    "--epochs", "3", "--window", "20", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["complete"] and metrics["splits"]["train"]["n_nodes"] == 128
    notebook = json.loads((out / "experiment.ipynb").read_text())
    tags = [cell["metadata"].get("tags", []) for cell in notebook["cells"]]
    assert ["parameters", "remove-cell"] in tags  # kept out of the book
    assert ["injected-parameters", "remove-cell"] in tags
    assert "".join(notebook["cells"][0]["source"]).startswith("# Cell: tiny, mlp-128, generalizing, seed 0")
    outputs = json.dumps(notebook)
    assert "train_accuracy" in outputs and "image/png" in outputs

    # The memorizing cell finds its generalizing sibling next to it.
    memorizing = tmp_path / "tiny-mlp-128-mem_retrain_last-seed0"
    done = spikelib("cell", "--dataset", str(tiny_npz), "--model", "mlp", "--width", "128",
                    "--condition", "mem_retrain_last", "--max-memorize-epochs", "2",
                    "--memorize-until", "epochs", "--window", "20",
                    "--out", str(memorizing))
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((memorizing / "metrics.json").read_text())["labels"]["shuffled"]


def test_failing_cell_exits_non_zero_with_the_error(tmp_path):
    out = tmp_path / "digits-mlp-16-mem_retrain_all-seed0"
    done = spikelib("cell", "--dataset", "digits", "--model", "mlp", "--width", "16",
                    "--condition", "mem_retrain_all", "--window", "20", "--out", str(out))
    assert done.returncode == 1
    assert "FAILED (DataError" in done.stderr and "Run the 'generalizing' cell" in done.stderr
    assert "Run the 'generalizing' cell" in (out / "experiment.failed.ipynb").read_text()  # kept beside, not as the result
    assert not (out / "experiment.ipynb").exists()
    assert not (out / "metrics.json").exists()


@pytest.mark.parametrize("args, message", [
    (["--width", "0"], "`width` must be an integer >= 1"),
    (["--width", "8", "--window", "0"], "`window`"),
    (["--width", "8", "--dataset", "imagenet"], "`dataset`='imagenet'"),
    (["--width", "8", "--epochs", "0"], "`epochs`=0: a generalizing cell"),
    (["--width", "8", "--learning-rate", "inf"], "`learning_rate` must be a finite number"),
])
def test_bad_parameters_fail_before_anything_runs(tmp_path, args, message):
    base = ["cell", "--model", "mlp", "--out", str(tmp_path / "x")]
    if "--dataset" not in args:
        base += ["--dataset", "digits"]
    start = time.perf_counter()
    done = spikelib(*base, *args)
    assert done.returncode == 2 and message in done.stderr
    assert time.perf_counter() - start < 20  # no kernel was started
    assert not (tmp_path / "x").exists()


def test_default_output_folder_and_help_lists_every_parameter(tmp_path):
    from spikelib.experiment.config import parameter_specs

    done = spikelib("cell", "--help")
    assert done.returncode == 0
    for spec in parameter_specs():
        assert spec.cli in done.stdout
    done = spikelib("run", "--profile", "quick", "--workers", "0")
    assert done.returncode == 2 and "spikelib run [--workers]: `workers` must be in [1, 256]; got 0." in done.stderr
