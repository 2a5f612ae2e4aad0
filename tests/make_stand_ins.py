"""Make the stand-in results the book's tests read: the embedded profiles in small (``tests/stand_ins/*.yaml``),
run afresh by the real runner with two Dask workers into ``tests/stand_ins/<profile>/``.

Run it (``make stand-ins``, about two minutes on 2 cores) after a change to what a cell records or how a
profile runs, and commit what it writes. ``tests/test_stand_ins.py`` fails, naming this command, when the
committed stand-ins no longer match their profiles or what a cell records today.
"""

import shutil
import sys
import time
from pathlib import Path

from spikelib.report.pages import EMBEDDED

STAND_INS = Path(__file__).resolve().parent / "stand_ins"
#: The embedded profiles `make book` runs, in the order their stand-ins are made.
NAMES = tuple(EMBEDDED)


def profile_file(name):
    """The stand-in profile ``name``'s YAML file."""
    return STAND_INS / f"{name}.yaml"


def results_root(name):
    """Where the stand-in profile ``name``'s committed results live."""
    return STAND_INS / name


def make(names=NAMES):
    from spikelib.pipeline.profiles import load_profile
    from spikelib.pipeline.runner import run_profile

    for name in names:
        root = results_root(name)
        shutil.rmtree(root, ignore_errors=True)  # afresh: nothing resumed from an older run
        started = time.perf_counter()
        summary = run_profile(load_profile(profile_file(name), results_root=root), workers=2, results_root=root,
                              progress=False)
        if not summary.ok:
            sys.exit(f"stand-in {name}: cells failed: {summary.failed}")
        print(f"stand-in {name}: {len(summary.results)} cells in {time.perf_counter() - started:.0f} s -> {root}")


if __name__ == "__main__":
    make(sys.argv[1:] or NAMES)
