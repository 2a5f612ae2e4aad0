"""``spikelib verify``: rerun a seeded sample of the committed cells and compare every stored value.

A reader who wants to check the compendium without rerunning hours of
profiles draws a few cells from the committed results (``--cells``, default 3,
seeded by ``--seed``), each from a profile's manifest, and reruns each from its
recorded parameters and seed in a temporary folder, through the experiment
notebook as the runner ran it. Every value ``metrics.json`` stores (but those
that record when, where and how long) and every array of ``nodes.npz`` is
compared with the rerun's; the result, per cell, is the number of fields
compared, how many are identical, and the largest absolute difference with
the field where it occurs. A cell that does not reproduce is named with its
fields. Nothing under ``results/`` is ever written: the reruns live in a
temporary folder, and the verification record goes to ``verification/``.

What to expect: on the same kind of machine with the same package versions,
the values are identical (measured: the same cell run twice, and once more
with TensorFlow on one thread, gave bit-identical values); on another CPU or
with other versions of TensorFlow or NumPy, values computed from training move
within a tolerance (floating-point sums in another order), which the record
states.

Functions
---------
eligible_cells
    The committed cells a verification may draw: finished, independent, quick enough, data at hand.
compare_cells
    Every stored value of two cell folders, compared.
verify
    Draw, rerun, compare; the verification record.
"""

import json
import math
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import paths
from ..exceptions import DataError, ParameterError
from ..storage import read_npz, sha256, write_json

__all__ = ["eligible_cells", "compare_cells", "verify", "latest", "RECORD", "VOLATILE", "TOLERANCE", "MAX_SECONDS"]

#: Where verification records go (never ``results/``): ``latest.json`` and one file per run in ``history/``.
RECORD = paths.ROOT / "verification"
#: Keys of ``metrics.json`` that record when, where and how long, not what: never compared.
VOLATILE = {"seconds", "wall_time_s", "training_wall_time_s", "resumed_seconds", "versions", "machine", "files",
            "migrations", "schema", "output_dir", "data_dir", "base_model", "host", "started", "finished"}
#: The largest absolute difference still called reproduced on another machine or other versions.
TOLERANCE = 1e-6
#: A cell whose committed run took longer than this (seconds) is not drawn by default.
MAX_SECONDS = 120.0


def _data_at_hand(dataset):
    from ..experiment.data import load_dataset

    try:
        load_dataset(dataset)
        return True
    except (DataError, ParameterError):
        return False


def eligible_cells(results=None, profiles=None, max_seconds=MAX_SECONDS):
    """The committed cells a verification may draw, and why the others are left out.

    Eligible: finished in its profile's manifest, the cell protocol, depending on no other cell (a retraining
    cell needs its generalizing cell's model, which is not committed), committed in a run that took at most
    ``max_seconds``, and its data set on this machine.

    Returns
    -------
    cells : list of dict
        ``profile, cell_id, folder, parameters, wall_time_s, metrics_sha256, nodes_sha256``.
    left_out : dict
        Reason -> count.

    Raises
    ------
    DataError
        If no results folder (or none of ``profiles``) holds a manifest.
    """
    root = Path(results or paths.results_dir())
    manifests = [m for m in sorted(root.glob(f"*/{paths.MANIFEST}")) if _committed(m)]
    chosen = [m for m in manifests if profiles is None or m.parent.name in profiles]
    if not chosen:
        names = sorted(m.parent.name for m in manifests)
        raise DataError(f"No committed results to verify in {paths.repository_relative(root)}"
                        + (f" for {sorted(profiles)} (there are: {', '.join(names) or 'none'})" if profiles else "")
                        + "; give --results or --profile.")
    cells, left_out, datasets = [], {}, {}
    for manifest in chosen:
        try:
            record = json.loads(manifest.read_text())
        except (OSError, ValueError):
            left_out["an unreadable manifest"] = left_out.get("an unreadable manifest", 0) + 1
            continue
        for cell_id, entry in (record.get("cells") or {}).items():
            parameters = entry.get("parameters") or {}
            reason = None
            if entry.get("status") != "ok":
                reason = "not finished"
            elif parameters.get("protocol", "cell") != "cell" or entry.get("depends_on"):
                reason = "a training curve or a retraining cell (it needs another cell's model)"
            elif _cost(paths.cells_dir(manifest.parent) / cell_id, entry) > max_seconds:
                reason = f"longer than {max_seconds:g} s to train"
            else:
                dataset = parameters.get("dataset")
                if dataset not in datasets:
                    datasets[dataset] = _data_at_hand(dataset)
                if not datasets[dataset]:
                    reason = f"its data set ({dataset}) is not on this machine"
            if reason:
                left_out[reason] = left_out.get(reason, 0) + 1
                continue
            files = entry.get("files") or {}
            folder = paths.cells_dir(manifest.parent) / cell_id
            cells.append({"profile": manifest.parent.name, "cell_id": cell_id, "folder": folder,
                          "parameters": parameters, "wall_time_s": _cost(folder, entry),
                          "metrics_sha256": files.get("metrics.json"),
                          "nodes_sha256": files.get("nodes.npz")})
    return cells, left_out


def _committed(manifest):
    """Whether a manifest is part of the repository (results ``make book`` made here are not what is verified);
    outside a git checkout, every manifest is."""
    import subprocess

    if paths.ROOT.resolve() not in Path(manifest).resolve().parents:
        return True  # a results folder elsewhere ($SPIKELIB_RESULTS_DIR, --results): the reader's own to verify
    try:
        done = subprocess.run(["git", "ls-files", "--error-unmatch", str(manifest)], cwd=paths.ROOT,
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return True
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=paths.ROOT, capture_output=True)
    return done.returncode == 0 or inside.returncode != 0


def _cost(folder, entry):
    """The seconds a cell took to train and analyse: its run's wall time, or every epoch its training record
    holds where that is more (a cell analysed again, or resumed, ran for less than its training took)."""
    cost = entry.get("wall_time_s") or 0.0
    try:
        training = json.loads((Path(folder) / "training.json").read_text())
        cost = max(cost, sum(sum(phase["history"].get("seconds", [])) for phase in training.get("phases", [])))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return cost


def _walk(committed, rerun, where=""):
    """``(field, committed, rerun)`` for every leaf of two JSON values, volatile keys left out."""
    if isinstance(committed, dict) and isinstance(rerun, dict):
        for key in sorted(set(committed) | set(rerun)):
            if key in VOLATILE:
                continue
            yield from _walk(committed.get(key), rerun.get(key), f"{where}.{key}" if where else key)
    elif isinstance(committed, list) and isinstance(rerun, list) and len(committed) == len(rerun):
        for index, (a, b) in enumerate(zip(committed, rerun)):
            yield from _walk(a, b, f"{where}[{index}]")
    else:
        yield where, committed, rerun


def _difference(a, b):
    """The absolute difference of two stored values: 0 when equal, ``inf`` when they differ in kind."""
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return 0.0 if a == b else math.inf
    if (a != a) and (b != b):  # both NaN: the same
        return 0.0
    return abs(float(a) - float(b)) if math.isfinite(a) and math.isfinite(b) else (0.0 if a == b else math.inf)


def compare_cells(committed, rerun):
    """Every stored value of a committed cell folder against a rerun's.

    Returns
    -------
    dict
        ``fields`` (compared), ``identical``, ``largest`` (the largest absolute difference), ``where`` (its field),
        ``differing`` (up to ten fields that differ, with their values) and ``added`` (values the rerun computes
        that the committed run's analysis did not yet: not compared).
    """
    fields = identical = added = 0
    largest, where, differing = 0.0, None, []
    old = json.loads((Path(committed) / "metrics.json").read_text())
    new = json.loads((Path(rerun) / "metrics.json").read_text())
    for field, a, b in _walk(old, new):
        if a is None and b is not None:  # a value the committed run's analysis did not compute yet
            added += 1
            continue
        fields += 1
        difference = _difference(a, b)
        if difference == 0:
            identical += 1
        else:
            if len(differing) < 10:
                differing.append({"field": f"metrics.json {field}", "committed": a, "rerun": b})
            if difference > largest or where is None:
                largest, where = max(largest, difference), f"metrics.json {field}"
    old_nodes, new_nodes = read_npz(Path(committed) / "nodes.npz"), read_npz(Path(rerun) / "nodes.npz")
    for key in sorted(set(old_nodes) | set(new_nodes)):
        a, b = old_nodes.get(key), new_nodes.get(key)
        if a is None:
            added += 1
            continue
        fields += 1
        if a is None or b is None or np.shape(a) != np.shape(b):
            difference = math.inf
        else:
            a, b = np.asarray(a), np.asarray(b)
            if a.dtype.kind in "fc" or b.dtype.kind in "fc":
                both_nan = np.isnan(a.astype(float)) & np.isnan(b.astype(float))
                gaps = np.where(both_nan, 0.0, np.abs(a.astype(float) - b.astype(float)))
                difference = float(np.nanmax(gaps)) if gaps.size else 0.0
            else:
                difference = 0.0 if np.array_equal(a, b) else math.inf
        if difference == 0:
            identical += 1
        else:
            if len(differing) < 10:
                differing.append({"field": f"nodes.npz {key}", "committed": "array", "rerun": "array",
                                  "difference": difference})
            if difference > largest or where is None:
                largest, where = max(largest, difference), f"nodes.npz {key}"
    return {"fields": fields, "identical": identical, "largest": largest, "where": where, "differing": differing,
            "added": added}


def _rerun(cell, folder, stream=None):
    """Run the cell's recorded parameters again into ``folder`` (the runner's path: the experiment notebook)."""
    from ..experiment.config import parameter_specs
    from .notebook import execute_cell
    from .profiles import build_cell

    known = {spec.name for spec in parameter_specs()}
    values = {k: v for k, v in cell["parameters"].items() if k in known}
    values.update(output_dir=str(folder), base_model=None, data_dir=None)
    config = build_cell(values)
    execute_cell(config, log_output=False, stream=stream)
    return folder


def verify(n_cells=3, seed=0, profiles=None, results=None, max_seconds=MAX_SECONDS, record=RECORD, progress=None):
    """Draw ``n_cells`` committed cells (seeded), rerun each, compare every stored value; write the record.

    Returns
    -------
    dict
        The verification record: ``date``, ``machine``, ``versions``, ``seed``, ``drawn_from`` (eligible cells and
        why others were left out), ``cells`` (per cell: ``profile, cell_id, fields, identical, largest, where,
        differing, seconds``) and ``result`` (a sentence), ``reproduced`` and ``tolerance``.

    Raises
    ------
    DataError
        No results to verify, a committed ``metrics.json`` or ``nodes.npz`` that does not match its manifest's
        SHA-256 (changed by hand), or no eligible cell.
    """
    from ..experiment.provenance import cpu_model, machine, package_versions

    cells, left_out = eligible_cells(results, profiles, max_seconds)
    if not cells:
        raise DataError("No committed cell can be verified here: " + "; ".join(f"{n} {why}" for why, n in
                                                                                left_out.items()) + ".")
    rng = np.random.default_rng(seed)
    drawn = [cells[i] for i in sorted(rng.choice(len(cells), size=min(n_cells, len(cells)), replace=False))]
    for cell in drawn:  # before any rerun: a committed file changed by hand is refused, not compared
        for name, expected in (("metrics.json", cell["metrics_sha256"]), ("nodes.npz", cell["nodes_sha256"])):
            path = cell["folder"] / name
            if not path.is_file():
                raise DataError(f"{paths.repository_relative(path)} is missing; restore it from the repository.")
            if expected and sha256(path) != expected:
                raise DataError(f"{paths.repository_relative(path)} does not match the SHA-256 its profile's "
                                "manifest records: it was changed after the run. Restore it from the repository "
                                "before verifying.")
    rows = []
    with tempfile.TemporaryDirectory(prefix="spikelib-verify-") as scratch:
        for index, cell in enumerate(drawn):
            if progress is not None:
                progress(index, drawn)
            started = time.perf_counter()
            folder = _rerun(cell, Path(scratch) / cell["cell_id"])
            compared = compare_cells(cell["folder"], folder)
            rows.append({"profile": cell["profile"], "cell_id": cell["cell_id"], **compared,
                         "committed_seconds": cell["wall_time_s"], "seconds": time.perf_counter() - started})
            shutil.rmtree(folder, ignore_errors=True)
    if progress is not None:
        progress(len(drawn), drawn)
    reproduced = sum(r["largest"] <= TOLERANCE for r in rows)
    identical = sum(r["largest"] == 0 for r in rows)
    largest = max(r["largest"] for r in rows)
    info = {**machine(), "cpu": cpu_model()}
    result = (f"{reproduced} of {len(rows)} cells reproduced ({identical} bit for bit), largest difference "
              f"{largest:.3g}, on {info['cpus']} cores of {info['cpu']}")
    payload = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": info,
               "versions": package_versions(), "seed": seed, "profiles": sorted(profiles) if profiles else "all",
               "drawn_from": {"eligible": len(cells), "left_out": left_out, "max_seconds": max_seconds},
               "tolerance": TOLERANCE, "cells": rows, "reproduced": reproduced, "identical": identical,
               "result": result}
    if record:
        record = Path(record)
        stamp = payload["date"].replace(":", "").replace("+0000", "Z")
        write_json(record / "history" / f"{stamp}.json", payload)
        write_json(record / "latest.json", payload)
    return payload


def latest(record=RECORD):
    """The latest verification record, or ``None``."""
    path = Path(record) / "latest.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
