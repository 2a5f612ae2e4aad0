"""A quiet console: a cell and a run print the compendium's own lines, not a library's notices."""

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

#: What a library prints that a reader should not meet: TensorFlow's and absl's notices, Python warnings,
#: papermill's cell markers, the kernel's TCP notice, weightwatcher's import notice, a traceback.
NOISE = re.compile(r"Executing Cell|Ending Cell|[WIE]0000|oneDNN|absl|retracing|UserWarning|DeprecationWarning|"
                   r"FutureWarning|RuntimeWarning|warnings\.warn|IPKernelApp|without encryption|Import error|"
                   r"Traceback|Input Notebook|Output Notebook")


def _lines(done):
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def test_a_cell_prints_only_its_own_lines(tmp_path):
    done = subprocess.run([sys.executable, "-m", "spikelib.diagnose.cli", "cell", "--dataset", "digits", "--width",
                           "16", "--epochs", "2", "--xla", "no", "--out", str(tmp_path / "cell")],
                          capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = _lines(done)
    assert any(line.startswith("spikelib cell: done") for line in lines)
    assert not [line for line in lines if NOISE.search(line)], "\n".join(lines)
    # loose ends: no lock file after a clean exit, every file with the mode open gives under the umask
    import os
    import stat

    from spikelib.storage import FILE_MODE

    folder = tmp_path / "cell"
    assert not (folder / ".lock").exists()
    modes = {path.name: stat.S_IMODE(os.stat(path).st_mode) for path in folder.iterdir() if path.is_file()}
    assert set(modes.values()) == {FILE_MODE}, modes


def test_a_run_prints_only_its_own_lines(tmp_path):
    profile = tmp_path / "tiny.yaml"
    profile.write_text("name: tiny\ndefaults: {epochs: 2, xla: false}\n"
                       "grid:\n  - {datasets: [digits], models: [mlp], widths: [8], conditions: [generalizing], "
                       "seeds: [0]}\n")
    done = subprocess.run([sys.executable, "-m", "spikelib.diagnose.cli", "run", "--profile", str(profile),
                           "--results", str(tmp_path / "results")], capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = _lines(done)
    assert any("1 cells, 0 done before, 1 to run" in line for line in lines)
    assert any("[1/1] done" in line for line in lines)
    assert not [line for line in lines if NOISE.search(line)], "\n".join(lines)
