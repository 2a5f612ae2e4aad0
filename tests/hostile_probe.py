"""Count what the core's public functions do with hostile arguments: ``python tests/hostile_probe.py``.

The property tests (``test_hostile.py``) fail on the first bad answer; this probe tries a fixed list of
hostile values, one argument of every public function at a time, and counts the answers: a result, a
``SpikelibError`` whose message names the argument, one that does not name it, or any other exception
(a raw traceback for the user). It prints the counts and every answer of the last two kinds.
"""

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import spikelib  # noqa: E402
from spikelib.exceptions import SpikelibError  # noqa: E402
from test_hostile import FUNCTIONS, SPIKES, _valid  # noqa: E402

#: One of each kind the strategies draw (tests/strategies.py).
VALUES = [None, True, "abc", "0.05", "", -1, 0, 10**18, -(10**18), 0.5, -0.5, 1e300, float("nan"), float("inf"),
          -float("inf"), 1 + 2j, [1, -2], {"a": 1}, ("x",), {1, 2}, np.array([]), np.array(1.0), np.zeros(5),
          np.zeros((2, 3, 4)), np.zeros((3, 0)), np.ones((2, 50), dtype=complex), np.array([[1, "a"]], dtype=object),
          np.array([["a", "b"]]), np.full((2, 50), np.nan), np.full((2, 50), np.inf), np.full((2, 50), 2.0),
          -np.ones((2, 50)), np.ma.masked_array(np.zeros((2, 50)), mask=np.eye(2, 50, dtype=bool))]


def probe():
    counts = {"result": 0, "named": 0, "unnamed": 0, "raw": 0}
    report = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        spikelib.save_rasters(tmp / "saved.npz", train=SPIKES)
        for module, name in FUNCTIONS:
            function = getattr(module, name)
            valid = _valid(module, name, tmp)
            for argument in valid:
                for value in VALUES:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        try:
                            function(**{**valid, argument: value})
                            counts["result"] += 1
                        except SpikelibError as error:
                            kind = "named" if argument in str(error) else "unnamed"
                            counts[kind] += 1
                            if kind == "unnamed":
                                report.append(f"{name}({argument}={value!r:.30}): {str(error)[:120]}")
                        except Exception as error:  # noqa: BLE001 - what the probe counts
                            counts["raw"] += 1
                            report.append(f"{name}({argument}={value!r:.30}): RAW {type(error).__name__}: "
                                          f"{str(error)[:100]}")
    return counts, report


if __name__ == "__main__":
    import os

    os.chdir(tempfile.mkdtemp())  # a hostile text taken as a path is written there
    counts, report = probe()
    total = sum(counts.values())
    print(f"{total} hostile calls over {len(FUNCTIONS)} public functions: {counts['result']} documented results, "
          f"{counts['named']} SpikelibErrors naming the argument, {counts['unnamed']} not naming it, "
          f"{counts['raw']} raw exceptions")
    print("\n".join(report[:40]))
