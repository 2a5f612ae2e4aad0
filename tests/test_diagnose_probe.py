"""`spikelib diagnose` tried as a hostile user would (tests/diagnose_probe.py): nothing raw, lost or unsafe.

Over 80 command lines: broken, hostile and unusual models (Keras and ONNX), samples, output paths and reference
folders, the controls' options, and Ctrl-C while the controls train. The suite fails on any answer that is a raw
Python exception, that changes a file the command was not asked to write, or that runs code from a file, and on
any case whose answer is not the one it expects (a refusal where it should run, or a run where it should refuse).
"""

import sys
from pathlib import Path

import pytest

pytest.importorskip("keras")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

sys.path.insert(0, str(Path(__file__).parent))

from diagnose_probe import probe  # noqa: E402


@pytest.mark.slow
def test_no_raw_lost_or_unsafe_answer(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a hostile text taken as a path is written there
    results = probe(tmp_path / "probe")
    assert len(results) >= 60
    bad = [r for r in results if r[2] in ("raw", "lost", "unsafe")]
    assert not bad, bad
    unexpected = [r for r in results if r[2] != r[3]]
    assert not unexpected, unexpected
    groups = {r[0] for r in results}
    assert {"model", "onnx", "data", "output", "reference", "controls", "interrupt"} <= groups


@pytest.mark.slow
def test_the_readmes_diagnose_lines_run_as_written(tmp_path, monkeypatch, capsys):
    """Each `spikelib diagnose` line of the README, run in a folder holding a model.keras, a model.onnx and the
    train.npz the README says how to make (in this process: the command line's own entry point, parsed as
    written)."""
    import re
    import shlex

    import numpy as np

    from diagnose_probe import make_files
    from spikelib import paths
    from spikelib.diagnose.cli import main

    made = tmp_path / "made"
    made.mkdir()
    make_files(made)
    (tmp_path / "model.keras").write_bytes((made / "good.keras").read_bytes())
    (tmp_path / "model.onnx").write_bytes((made / "mlp.onnx").read_bytes())
    with np.load(made / "train.npz") as data:
        np.savez(tmp_path / "train.npz", x=data["x"], y=data["y"])  # the README's own recipe
    readme = (paths.ROOT / "README.md").read_text()
    lines = [line.split("#")[0].strip() for line in re.findall(r"^spikelib diagnose .*$", readme, re.M)]
    assert len(lines) >= 3
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPIKELIB_CACHE_DIR", str(tmp_path / "cache"))
    for line in lines:
        status = main([*shlex.split(line)[1:], "--control-samples", "300", "--controls", "2", "--budget", "0.3"])
        printed = capsys.readouterr()
        assert status == 0, (line, printed.err[-1500:])
        assert "Traceback" not in printed.err and "spikelib diagnose:" in printed.out
    assert (tmp_path / "diagnosis.html").is_file() and (tmp_path / "diagnosis.json").is_file()
