"""What is committed names no folder of the machine that made it."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT = {".json", ".ipynb", ".csv", ".md", ".py", ".yml", ".yaml", ".toml", ".cff", ".txt", ".html"}
#: An absolute folder of a machine: a home, a scratch or a work tree (not a URL, whose path follows a host).
MACHINE_PATH = re.compile(r"(?<![\w.:/-])/(?:home|Users|tmp|work|root|mnt)/[\w.-]+/")


def _committed():
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (an archive lists its files in SHA256SUMS)")
    return [ROOT / name for name in listed.decode().split("\0") if Path(name).suffix in TEXT]


def test_the_pattern_finds_a_machine_folder_and_spares_a_url():
    assert MACHINE_PATH.search('"model": "/home/ada/project/results/x/model.keras"')
    assert MACHINE_PATH.search("/home/ada/.venv/lib/python3.11/site-packages/x.py:1: Warning")
    assert not MACHINE_PATH.search("https://example.org/home/page/ and results/transfer/x/model.keras")


def test_no_committed_file_names_a_folder_of_the_machine_that_made_it():
    found = []
    for path in _committed():
        if path == Path(__file__).resolve():  # its own examples
            continue
        text = path.read_text(errors="replace") if path.is_file() else ""
        if MACHINE_PATH.search(text):
            for number, line in enumerate(text.splitlines(), 1):
                if MACHINE_PATH.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "\n".join(found[:20])
