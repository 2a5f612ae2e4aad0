"""``make timings``: how long the README's two commands take here, in wall and CPU seconds, step by step.

Runs ``make venv`` (the install, nothing when ``.venv`` is current), ``make book`` and ``make test`` one after
another and prints, for each, the wall-clock seconds and the CPU seconds of every process it started (user +
system, from the operating system's accounting of the children, which other work on the machine does not
inflate as it inflates wall time); then the book's own record (``_build/timings.json``: each embedded profile,
each executed page, the render) and the slowest tests. The README quotes its output.

It uses the standard library only, so that it runs before the environment exists:
``python3.11 spikelib/pipeline/timings.py`` (what ``make timings`` runs).
"""

import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = (("install", ["make", "venv"]), ("make book", ["make", "book"]), ("make test", ["make", "test"]))


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command, log):
    """Run ``command`` in the repository, its output into ``log``; return ``(exit status, wall s, CPU s)``."""
    start, cpu = time.perf_counter(), _children_cpu()
    with open(log, "w") as handle:
        status = subprocess.run(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT).returncode
    return status, time.perf_counter() - start, _children_cpu() - cpu


def main():
    logs = ROOT / "_build" / "timings"
    logs.mkdir(parents=True, exist_ok=True)
    rows, failed = [], []
    for name, command in STEPS:
        status, wall, cpu = run(command, logs / f"{name.replace(' ', '-')}.log")
        rows.append((name, wall, cpu))
        print(f"{name:<12} {wall:8.0f} s wall {cpu:8.0f} CPU-s" + ("" if status == 0 else f"  FAILED ({status})"),
              flush=True)
        if status:
            failed.append(name)
    book = ROOT / "_build" / "timings.json"
    if book.is_file():
        record = json.loads(book.read_text())
        print("\nmake book, step by step (wall s, CPU s):")
        for step, (wall, cpu) in record["steps"].items():
            print(f"  {step:<40} {wall:6.0f} {cpu:6.0f}")
        print("executed pages:")
        for page, (wall, cpu) in sorted(record["pages"].items(), key=lambda item: -item[1][0]):
            print(f"  {page:<40} {wall:6.0f} {cpu:6.0f}")
    test_log = (logs / "make-test.log").read_text() if (logs / "make-test.log").is_file() else ""
    slowest = test_log.split("slowest", 1)[1].splitlines()[1:16] if "slowest" in test_log else []
    if slowest:
        print("\nthe slowest tests:")
        print("\n".join(f"  {line}" for line in slowest if re.match(r"\s*\d", line)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
