"""Running a profile's cells with papermill, on one machine or a Dask cluster.

``spikelib run --profile NAME`` expands the profile, skips cells whose complete
outputs already exist for the same parameters, and hands the rest to Dask: a
``LocalCluster`` on this machine (loopback only) by default, or the cluster
whose scheduler ``--scheduler`` names. A cell that retrains a generalizing
model is submitted with that cell's future as an argument, so Dask runs it
after it. Every cell is executed through the same notebook as ``spikelib cell``.

Interruption is safe at any moment (even ``kill -9``): a cell counts as
finished only when its ``metrics.json`` exists, and that file is written last
and atomically. Running the same command again finishes the rest.

Functions
---------
run_profile
    Run (or resume) a profile; return a :class:`RunSummary`.
pending_cells
    Which cells still need to run.
"""

import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import paths
from .data import sha256
from .exceptions import DataError
from .experiment import read_metrics, recorded_parameters
from .provenance import machine, package_versions, write_json_atomically
from .profiles import load_profile

__all__ = ["run_profile", "pending_cells", "RunSummary", "execute_cell_logged"]

CELL_LOG = "cell.log"
MANIFEST = "manifest.json"


def _same_parameters(config, recorded):
    expected = recorded_parameters(config)
    for key in ("output_dir", "base_model", "data_dir"):
        expected.pop(key, None)
        recorded = {k: v for k, v in recorded.items() if k != key}
    return expected == recorded


def cell_is_done(config):
    """A cell is done when its metrics are complete and were made with the same parameters."""
    try:
        metrics = read_metrics(config.output_dir)
    except (DataError, OSError):
        return False
    return bool(metrics.get("complete")) and _same_parameters(config, metrics.get("parameters", {}))


def pending_cells(profile):
    return [cell for cell in profile.cells if not cell_is_done(cell.config)]


def _parameters(config):
    from .cli import notebook_path

    values = config.to_dict()
    for key in ("output_dir", "base_model", "data_dir"):
        values[key] = notebook_path(values[key])
    if str(values["dataset"]).endswith(".npz"):
        values["dataset"] = notebook_path(values["dataset"])
    return values


class _RepositoryRelativeFormatter(logging.Formatter):
    """Log lines name files relative to the repository (cell logs are committed with results)."""

    def format(self, record):
        root = str(paths.ROOT)
        return super().format(record).replace(root + os.sep, "").replace(root, ".")


def execute_cell_logged(parameters, *upstream):
    """Run one cell through the experiment notebook on a worker; never raises.

    ``upstream`` holds the results of the cells this one depends on (Dask
    passes them once they are done); if one failed, this cell is skipped.
    Returns a plain dict: ``cell_id``, ``status`` (``ok``, ``failed``,
    ``skipped``), ``error``, ``wall_time_s``, ``notebook``, ``log``.
    """
    from .cli import EXECUTED_NOTEBOOK, execute_cell
    from .experiment import CellConfig, cell_id

    config = CellConfig.from_dict(parameters)
    output_dir = paths.ROOT / parameters["output_dir"]  # relative to the repository, or absolute
    output_dir.mkdir(parents=True, exist_ok=True)
    result = {"cell_id": cell_id(config), "status": "ok", "error": None, "wall_time_s": 0.0,
              "notebook": str(output_dir / EXECUTED_NOTEBOOK), "log": str(output_dir / CELL_LOG),
              "host": socket.gethostname()}
    failed_upstream = [u["cell_id"] for u in upstream if u.get("status") != "ok"]
    if failed_upstream:
        result.update(status="skipped", error=f"its generalizing cell {failed_upstream[0]} did not finish")
        return result
    handler = logging.FileHandler(output_dir / CELL_LOG, mode="w")
    handler.setFormatter(_RepositoryRelativeFormatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    started = time.perf_counter()
    try:
        execute_cell(parameters, log_output=True)
    except Exception as error:  # the executed notebook keeps the traceback
        name = getattr(error, "ename", type(error).__name__)
        value = getattr(error, "evalue", str(error))
        result.update(status="failed", error=f"{name}: {value}"[:500])
    finally:
        logger.removeHandler(handler)
        handler.close()
        result["wall_time_s"] = time.perf_counter() - started
    return result


@dataclass
class RunSummary:
    profile: str
    results: dict = field(default_factory=dict)
    skipped_done: list = field(default_factory=list)
    manifest: Path | None = None
    wall_time_s: float = 0.0

    @property
    def failed(self):
        return {k: v for k, v in self.results.items() if v["status"] != "ok"}

    @property
    def ok(self):
        return not self.failed


def _client(workers, scheduler):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    # One single-threaded worker process per cell in flight; each cell's kernel is a
    # subprocess of its worker. Loopback only, no dashboard.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _cell_record(cell, outcome):
    output_dir = Path(cell.config.output_dir)
    files = {}
    if output_dir.is_dir():
        for file in sorted(output_dir.iterdir()):
            if file.is_file() and not file.name.startswith("."):
                files[file.name] = sha256(file)
    record = {"status": outcome["status"], "parameters": recorded_parameters(cell.config),
              "seed": cell.config.seed, "depends_on": cell.depends_on,
              "wall_time_s": outcome.get("wall_time_s"), "error": outcome.get("error"),
              "host": outcome.get("host"), "files": files}
    if outcome["status"] != "ok":
        record["notebook"] = paths.repository_relative(outcome["notebook"])
        record["log"] = paths.repository_relative(outcome["log"])
    return record


def _write_manifest(profile, root, records, started_at, wall_time, scheduler, workers):
    manifest = {
        "profile": profile.name,
        "profile_file": paths.repository_relative(profile.path),
        "profile_sha256": profile.sha256,
        "started": started_at,
        "wall_time_s": wall_time,
        "scheduler": scheduler or f"LocalCluster ({workers} worker processes, 1 thread each)",
        "machine": machine(),
        "versions": package_versions(),
        "n_cells": len(profile.cells),
        "cells": records,
    }
    root.mkdir(parents=True, exist_ok=True)
    write_json_atomically(root / MANIFEST, manifest)
    return root / MANIFEST


def run_profile(profile, workers=1, scheduler=None, results_root=None, progress=True):
    """Run or resume every cell of a profile.

    Parameters
    ----------
    profile : str, Path or Profile
    workers : int
        Cells run at once on the local cluster (ignored with ``scheduler``).
    scheduler : str, optional
        Address of an existing Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
        Its workers must have this package installed and see ``results_root``
        at the same path (a shared file system).
    results_root : Path, optional
        Default ``results/<profile>`` (or ``$SPIKELIB_RESULTS_DIR/<profile>``).
    progress : bool
        Show a progress bar with cells done and an estimate of the time left.

    Returns
    -------
    RunSummary
    """
    from dask.distributed import as_completed
    from tqdm.auto import tqdm

    if not hasattr(profile, "cells"):
        profile = load_profile(profile, results_root=results_root)
    root = Path(results_root) if results_root else paths.results_dir() / profile.name
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary = RunSummary(profile=profile.name)
    todo = pending_cells(profile)
    todo_ids = {cell.id for cell in todo}
    records = {}
    previous = {}
    if (root / MANIFEST).is_file():
        try:
            previous = json.loads((root / MANIFEST).read_text()).get("cells", {})
        except json.JSONDecodeError:
            previous = {}
    for cell in profile.cells:
        if cell.id not in todo_ids:
            summary.skipped_done.append(cell.id)
            old = previous.get(cell.id, {})
            records[cell.id] = _cell_record(cell, {"status": "ok", "wall_time_s": old.get("wall_time_s"),
                                                   "host": old.get("host")})
    bar = tqdm(total=len(profile.cells), initial=len(summary.skipped_done), unit="cell",
               desc=f"profile {profile.name}", disable=not progress, dynamic_ncols=True)
    if todo:
        client, cluster = _client(workers, scheduler)
        try:
            futures = {}
            by_future = {}
            for cell in todo:
                upstream = [futures[cell.depends_on]] if cell.depends_on in futures else []
                future = client.submit(execute_cell_logged, _parameters(cell.config), *upstream,
                                       key=f"cell-{cell.id}-{time.time_ns()}", pure=False)
                futures[cell.id] = future
                by_future[future.key] = cell
            for future in as_completed(list(futures.values())):
                cell = by_future[future.key]
                try:
                    outcome = future.result()
                except Exception as error:  # a worker died (memory, kill): the cell failed
                    outcome = {"cell_id": cell.id, "status": "failed", "error": f"worker lost: {error}"[:500],
                               "wall_time_s": None, "notebook": str(Path(cell.config.output_dir) / "experiment.ipynb"),
                               "log": str(Path(cell.config.output_dir) / CELL_LOG), "host": None}
                summary.results[cell.id] = outcome
                records[cell.id] = _cell_record(cell, outcome)
                _write_manifest(profile, root, records, started_at, time.perf_counter() - started, scheduler, workers)
                mark = {"ok": "done", "failed": "FAILED", "skipped": "skipped"}[outcome["status"]]
                seconds = outcome.get("wall_time_s") or 0
                bar.write(f"{mark:>7}  {cell.id}  ({seconds:.0f} s)" + (f": {outcome['error']}" if outcome["error"] else ""))
                bar.update(1)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    bar.close()
    summary.wall_time_s = time.perf_counter() - started
    ordered = {cell.id: records[cell.id] for cell in profile.cells if cell.id in records}
    summary.manifest = _write_manifest(profile, root, ordered, started_at, summary.wall_time_s, scheduler, workers)
    runs = root / "runs"
    runs.mkdir(exist_ok=True)
    stamp = started_at.replace(":", "").replace("+0000", "Z")
    (runs / f"run-{stamp}.json").write_text(summary.manifest.read_text())
    return summary
