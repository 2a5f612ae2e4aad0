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
