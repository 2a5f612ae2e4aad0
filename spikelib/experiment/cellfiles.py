"""The files of an experimental cell: their names, how to read them, and when a cell is finished.

A cell (one network, see :mod:`spikelib.experiment`) writes its outputs into
one folder. This module is the one place that knows their names; the
experiment writes them, the pipeline asks whether a cell is finished, and the
report reads them.

Files
-----
``metrics.json`` (:data:`METRICS`)
    Written last and atomically: parameters, accuracies, the indicators of
    each split, provenance, and the SHA-256 of every other file.
``nodes.npz`` (:data:`NODES`)
    Per-node statistics of both splits and a 300-sample raster excerpt.
``spikes.npz`` (:data:`SPIKES`)
    The rasters (:func:`spikelib.load_rasters`).
``model.keras`` (:data:`MODEL`)
    The trained network, for the cells that others retrain.
``curve.npz`` (:data:`CURVE`)
    The firing rate after every batch (the paper's Figure 5 protocol).
``training.json`` (:data:`TRAINING`)
    What training did: every phase's epochs, per-epoch history, indicator
    traces, why it stopped, the accuracies, the labels' noise.
``checkpoint.npz``, ``progress.json`` (:data:`CHECKPOINT`, :data:`PROGRESS`)
    While a cell trains: its last checkpoint, and where it is (for the runner).
``.staging/`` (:data:`STAGING`)
    Where a run writes the files above until all are written; they are then
    moved into place, ``metrics.json`` last, so a failed run never leaves a
    finished cell half replaced. The checkpoint lives here.
``experiment.ipynb``, ``cell.log`` (:data:`NOTEBOOK`, :data:`LOG`)
    The executed notebook and the log of the run.

Functions
---------
cell_status
    The one rule that decides whether a cell is finished.
read_metrics, read_nodes, read_curve
    Validated readers.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import DataError
from ..storage import read_npz, sha256
from .schema import problem

__all__ = ["METRICS", "NODES", "SPIKES", "MODEL", "CURVE", "TRAINING", "CHECKPOINT", "PROGRESS", "STAGING", "LOCK", "NOTEBOOK",
           "LOG", "LARGE_FILES", "CellStatus", "cell_status", "read_json", "read_metrics", "read_nodes",
           "read_curve", "read_training", "read_progress"]

METRICS = "metrics.json"
NODES = "nodes.npz"
SPIKES = "spikes.npz"
MODEL = "model.keras"
CURVE = "curve.npz"
TRAINING = "training.json"
CHECKPOINT = "checkpoint.npz"
PROGRESS = "progress.json"
#: Where a run writes the cell's files until all are written (then moved into place).
STAGING = ".staging"
#: Held by the run writing the cell (an empty file; the lock is the operating system's).
LOCK = ".lock"
NOTEBOOK = "experiment.ipynb"
LOG = "cell.log"
#: Files too large to ship with committed results: a cell is finished without
#: them, but a copy that is present must match its recorded checksum.
LARGE_FILES = (SPIKES, MODEL)


@dataclass(frozen=True)
class CellStatus:
    """Whether a cell's folder holds a finished cell, and if not, why.

    Attributes
    ----------
    finished : bool
    reason : str
        ``"finished"``, or what is missing, corrupt or different.
    """

    finished: bool
    reason: str

    def __bool__(self):
        return self.finished


#: The largest results file read (a cell's training record with per-epoch traces is about 1 MB).
MAX_JSON_BYTES = 64 * 2**20


def read_json(path):
    """A JSON object from a results file, of bounded size and nesting.

    Raises
    ------
    DataError
        If the file is missing, larger than :data:`MAX_JSON_BYTES`, nested too
        deep to parse, not valid JSON, or not a JSON object.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise DataError(f"{path} has {size:,} bytes, more than the {MAX_JSON_BYTES:,} a results file may have; "
                            "it is not one the compendium wrote. Remove it, or rerun the cell.")
        value = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"No {path.name} in {path.parent}: the cell has not finished.") from None
    except RecursionError:
        raise DataError(f"{path} is nested too deeply to be a results file the compendium wrote.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path} is not valid JSON ({error}).") from error
    if not isinstance(value, dict):
        raise DataError(f"{path} holds a JSON {type(value).__name__}, not an object.")
    return value


def read_metrics(directory):
    """The cell's ``metrics.json`` as a dict.

    Raises
    ------
    DataError
        If the file is missing, is not valid JSON, or is not a JSON object.
    """
    return read_json(Path(directory) / METRICS)


def read_training(directory):
    """The cell's ``training.json``: phases with their histories, traces and stop reasons.

    Raises
    ------
    DataError
        If the file is missing, is not valid JSON, or is not a JSON object.
    """
    return read_json(Path(directory) / TRAINING)


def read_progress(directory):
    """Where a cell that is training stands (``progress.json``), or ``None``."""
    try:
        return read_json(Path(directory) / PROGRESS)
    except DataError:
        return None


def _is_digest(value):
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _is_number(value):
    """A finite number or nan (JSON's NaN marks an undefined statistic); not infinity, text or a boolean."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isinf(value)


def _metrics_problem(metrics):
    """What makes recorded metrics unusable (the schema's rule, and the files' checksums), or None."""
    wrong = problem(metrics)
    if wrong:
        return f"its {METRICS} {wrong}"
    files = metrics["files"]
    if NODES not in files or not all(_is_digest(v) for v in files.values()):
        return f"its {METRICS} does not record the SHA-256 of its files"
    return None


def _normalised(values):
    """Parameters as JSON stores them (tuples become lists), for comparison."""
    return json.loads(json.dumps(values))


def cell_status(directory, parameters=None, protocol=None):
    """Decide whether ``directory`` holds a finished cell: the one rule every caller uses.

    A cell is finished when

    - its ``metrics.json`` is a JSON object that says ``"complete": true`` (the
      boolean), records its parameters, both splits with the indicators, and
      the SHA-256 of its files;
    - every recorded file that is present has that SHA-256, and every one that
      is absent is a large file that results may be shipped without
      (:data:`LARGE_FILES`);
    - when ``parameters`` is given, every one of them equals the recorded
      value (a new or changed parameter means the cell must run again);
    - when ``protocol`` is given, the results were made by those versions of
      the training and the analysis.

    Parameters
    ----------
    directory : str or os.PathLike
        The cell's folder.
    parameters : dict, optional
        Parameters that define the cell (not where it is stored).
    protocol : dict, optional
        The versions of the training and analysis the results must have been
        made with (``metrics.json``'s ``protocol``), e.g.
        ``{"training": 2, "analysis": 1}``.

    Returns
    -------
    CellStatus
        Truthy when finished; ``reason`` says why not.

    Examples
    --------
    >>> import tempfile
    >>> cell_status(tempfile.mkdtemp())
    CellStatus(finished=False, reason='no metrics.json')
    """
    directory = Path(directory)
    if not (directory / METRICS).is_file():
        return CellStatus(False, f"no {METRICS}")
    try:
        metrics = read_metrics(directory)
    except DataError as error:
        return CellStatus(False, str(error))
    problem = _metrics_problem(metrics)
    if problem:
        return CellStatus(False, problem)
    for name, digest in metrics["files"].items():
        path = directory / name
        if not path.is_file():
            if name in LARGE_FILES:
                continue
            return CellStatus(False, f"{name} is missing")
        if sha256(path) != digest:
            return CellStatus(False, f"{name} does not match its recorded SHA-256 (corrupt or replaced)")
    if protocol is not None and metrics.get("protocol") != protocol:
        return CellStatus(False, f"made by protocol {metrics.get('protocol')}, not the current {protocol}")
    if parameters is not None:
        recorded = metrics["parameters"]
        expected = _normalised(parameters)
        changed = sorted(key for key, value in expected.items() if recorded.get(key, _MISSING) != value)
        if changed:
            details = ", ".join(f"{key}: {recorded.get(key, '(not recorded)')!r} -> {expected[key]!r}"
                                for key in changed[:4])
            return CellStatus(False, f"parameters changed ({details})")
    return CellStatus(True, "finished")


_MISSING = object()


def read_nodes(directory):
    """Per-node statistics of a cell: ``{"train": {...}, "test": {...}, "network": {...}, "excerpt": raster}``.

    ``network`` holds the per-node arrays that belong to no split (the
    observed layer's weight norms, its pre-activation statistics).

    Raises
    ------
    DataError
        If ``nodes.npz`` is missing, unreadable, or its excerpt is malformed.
    """
    path = Path(directory) / NODES
    if not path.is_file():
        raise DataError(f"No {NODES} in {directory}: the cell has not finished.")
    values = read_npz(path)
    nodes = {"train": {}, "test": {}, "network": {}}
    for key, value in values.items():
        split, _, name = key.partition("_")
        if split in ("train", "test"):
            if not name.startswith("excerpt"):
                nodes[split][name] = value
        else:
            nodes["network"][key] = value  # per-node arrays of the network, e.g. its weights' norms
    if "test_excerpt" not in values or "test_excerpt_shape" not in values:
        raise DataError(f"{path} lacks the raster excerpt; rerun the cell.")
    shape = values["test_excerpt_shape"]
    bits = values["test_excerpt"]
    if shape.shape != (2,) or bits.ndim != 2 or bits.shape != (int(shape[0]), math.ceil(int(shape[1]) / 8)):
        raise DataError(f"{path}: the excerpt's bits {bits.shape} do not match its shape {shape.tolist()}.")
    nodes["excerpt"] = np.unpackbits(bits, axis=1, count=int(shape[1])).astype(bool)
    return nodes


def read_curve(directory):
    """The firing-rate-during-training record of a curve cell (``curve.npz``) as a dict of arrays.

    Raises
    ------
    DataError
        If ``curve.npz`` is missing or unreadable.
    """
    return read_npz(Path(directory) / CURVE)
