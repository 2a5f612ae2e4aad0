"""Running a profile's cells with papermill, on one machine or a Dask cluster.

``spikelib run --profile NAME`` expands the profile, skips cells whose complete
outputs already exist for the same parameters, and hands the rest to Dask: a
``LocalCluster`` on this machine (loopback only) by default, or the cluster
whose scheduler ``--scheduler`` names. A cell that retrains a generalizing
model is submitted with that cell's future as an argument, so Dask runs it
after it. Every cell is executed through the same notebook as ``spikelib cell``.

Interruption is safe at any moment (even ``kill -9``): whether a cell is
finished is decided by :func:`spikelib.experiment.cellfiles.cell_status` (valid metrics,
written last and atomically, whose recorded files match their checksums and
whose parameters match the profile's). Running the same command again
finishes the rest.

Functions
---------
run_profile
    Run (or resume) a profile; return a :class:`RunSummary`.
pending_cells
    Which cells still need to run, and why.
"""

import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import paths
from .._optional import soft_import
from ..exceptions import ParameterError
from ..experiment.cellfiles import LOG, MODEL, NOTEBOOK, cell_status, read_progress
from ..experiment.config import (
    ANALYSIS_VERSION,
    TRAINING_VERSION,
    check_declared,
    declared,
)
from ..experiment.provenance import machine, package_versions
from ..experiment.training import eta_words
from ..storage import sha256, write_json
from .profiles import load_profile

__all__ = ["run_profile", "pending_cells", "RunSummary", "RunOptions", "execute_cell_logged"]

#: The versions of training and analysis a finished cell must have been made with.
PROTOCOL = {"training": TRAINING_VERSION, "analysis": ANALYSIS_VERSION}
#: The log of a run that failed (the finished cell's own log is left as it was).
FAILED_LOG = "cell.failed.log"
#: Seconds between looks at the running cells' progress.
_POLL_SECONDS = 5


@dataclass(frozen=True)
class RunOptions:
    """How a profile runs: the one declaration of the runner's options, which ``spikelib run``'s options and
    :func:`run_profile`'s checks derive from (as :class:`~spikelib.experiment.config.CellConfig` is a cell's).

    Raises
    ------
    ParameterError
        On construction, naming an option of the wrong type or out of range.
    """

    workers: int = declared(1, "cells at once on this machine (ignored with --scheduler)", "int", minimum=1,
                            maximum=256)
    scheduler: str | None = declared(None, "address of an existing Dask scheduler, e.g. tcp://host:8786 (its workers "
                                     "need this package and a shared file system)", "str", optional=True)
    results: str | None = declared(None, "results folder (default: results/<profile>)", "path", optional=True)

    def __post_init__(self):
        check_declared(self)


def pending_cells(profile):
    """The cells of a profile that must (re)run, each with the reason.

    A cell runs when it is not finished (:func:`spikelib.experiment.cellfiles.cell_status`
    with the profile's parameters and the current training and analysis
    versions; a cell whose training is current is then only analysed again).
    A finished generalizing cell runs again when a pending cell retrains it
    and its ``model.keras`` is absent (results are shipped without models),
    and a cell whose generalizing cell runs again runs again too.

    Returns
    -------
    list of (Cell, str)
    """
    reasons = {}
    for cell in profile.cells:
        status = cell_status(cell.config.output_dir, cell.config.identity(), PROTOCOL)
        if not status:
            reasons[cell.id] = status.reason
    by_id = {cell.id: cell for cell in profile.cells}
    for cell in profile.cells:
        base = by_id.get(cell.depends_on)
        if cell.id in reasons and base is not None and base.id not in reasons:
            if not (Path(base.config.output_dir) / MODEL).is_file():
                reasons[base.id] = f"{cell.id} retrains its {MODEL}, which is absent"
    for cell in profile.cells:  # a cell whose base model is made again must be made again from it
        if cell.depends_on in reasons and cell.id not in reasons:
            reasons[cell.id] = f"its generalizing cell {cell.depends_on} runs again"
    return [(cell, reasons[cell.id]) for cell in profile.cells if cell.id in reasons]


class _RepositoryRelativeFormatter(logging.Formatter):
    """Log lines name files relative to the repository (cell logs are committed with results)."""

    def format(self, record):
        root = str(paths.ROOT)
        return super().format(record).replace(root + os.sep, "").replace(root, ".")


def execute_cell_logged(config, *upstream):
    """Run one cell (a :class:`~spikelib.experiment.config.CellConfig` with its output folder) through the
    experiment notebook on a worker; never raises.

    ``upstream`` holds the results of the cells this one depends on (Dask
    passes them once they are done); if one failed, this cell is skipped.
    Returns a plain dict: ``cell_id``, ``status`` (``ok``, ``failed``,
    ``skipped``), ``error``, ``wall_time_s``, ``notebook``, ``log``.
    """
    from ..experiment.config import cell_id
    from .notebook import execute_cell, failed_copy

    output_dir = paths.ROOT / config.output_dir  # relative to the repository, or absolute
    output_dir.mkdir(parents=True, exist_ok=True)
    result = {"cell_id": cell_id(config), "status": "ok", "error": None, "wall_time_s": 0.0,
              "notebook": str(output_dir / NOTEBOOK), "log": str(output_dir / LOG),
              "host": socket.gethostname()}
    failed_upstream = [u["cell_id"] for u in upstream if u.get("status") != "ok"]
    if failed_upstream:
        result.update(status="skipped", error=f"its generalizing cell {failed_upstream[0]} did not finish")
        return result
    # The log is written beside the finished cell's and takes its place only when this run succeeds.
    running = output_dir / f".{LOG}.running"
    handler = logging.FileHandler(running, mode="w")
    handler.setFormatter(_RepositoryRelativeFormatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    started = time.perf_counter()
    try:
        execute_cell(config, log_output=True)
    except Exception as error:  # the failed notebook beside the cell keeps the traceback
        name = getattr(error, "ename", type(error).__name__)
        value = getattr(error, "evalue", str(error))
        result.update(status="failed", error=f"{name}: {value}"[:500], notebook=str(failed_copy(output_dir / NOTEBOOK)),
                      log=str(output_dir / FAILED_LOG))
    finally:
        logger.removeHandler(handler)
        handler.close()
        os.replace(running, output_dir / (LOG if result["status"] == "ok" else FAILED_LOG))
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


#: How long to wait for an existing Dask scheduler before saying it cannot be reached.
SCHEDULER_TIMEOUT = "10s"


def _client(workers, scheduler):
    distributed = soft_import("dask.distributed", "running a profile")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=SCHEDULER_TIMEOUT), None
        except (OSError, TimeoutError, ValueError) as error:
            raise ParameterError(f"`--scheduler` {scheduler!r} could not be reached within {SCHEDULER_TIMEOUT} "
                                 f"({type(error).__name__}). Check the address (tcp://host:8786) and that the "
                                 "scheduler runs, or leave --scheduler out to run on this machine.",
                                 "scheduler") from None
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
    record = {"status": outcome["status"], "parameters": cell.config.recorded(),
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
    return write_json(paths.manifest_path(root), manifest)


def _running(cells, since):
    """One line on the cells that are training now, from their progress files.

    A progress file older than ``since`` (the run's start, in seconds since the
    epoch) is a finished or interrupted earlier run's: a cell still waiting for
    its turn is not shown with it.
    """
    parts = []
    for cell in cells:
        state = read_progress(cell.config.output_dir)
        if not state or state.get("time", 0) < since or time.time() - state.get("time", 0) > 600:
            continue
        value = state.get("value")
        target = state.get("target")
        aim = f"->{target:.3f}" if isinstance(target, (int, float)) else ""
        parts.append(f"{cell.id}: {state['phase']} {state['epoch']}/{state['max_epochs']}"
                     + (f" acc {value:.3f}{aim}" if isinstance(value, (int, float)) else "")
                     + f", estimate {eta_words(state['eta_s'])} left {state.get('eta_basis', '')}".rstrip())
    return "; ".join(parts)


def _time_left(cell_ids, previous, measured, workers):
    """An estimate of the time the cells ``cell_ids`` still need: each cell's wall time in the profile's last
    manifest where it has one, else the mean of the cells this run has finished; over ``workers``.

    Returns ``""`` before there is anything to estimate from, else ``"; estimate: about 12 min left (...)"``.
    """
    if not cell_ids:
        return ""
    mean = sum(measured) / len(measured) if measured else None
    known = [previous.get(c, {}).get("wall_time_s") if isinstance(previous.get(c), dict) else None for c in cell_ids]
    if mean is None and not any(known):
        return ""
    total = sum(k if k else (mean or 0) for k in known) / max(1, workers)
    basis = ("this run's mean cell" if not any(known) else "the last run's times" if all(known)
             else "the last run's times and this run's mean cell")
    return f"; estimate: {eta_words(total)} left ({basis}, {workers} at a time)"


def _previous_records(path):
    """Cell records of an earlier manifest (to keep their wall times); empty if unreadable."""
    try:
        cells = json.loads(path.read_text()).get("cells", {})
    except (OSError, ValueError, AttributeError):  # missing, not JSON, not an object
        return {}
    return cells if isinstance(cells, dict) else {}


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

    Raises
    ------
    ParameterError
        If ``workers``, ``scheduler`` or ``results_root`` is invalid (:class:`RunOptions`).
    ProfileError
        If ``profile`` names a profile that does not load.
    MissingDependencyError
        If Dask or tqdm is not installed.
    """
    RunOptions(workers=workers, scheduler=scheduler, results=None if results_root is None else str(results_root))
    tqdm = soft_import("tqdm.auto", "running a profile").tqdm

    if not hasattr(profile, "cells"):
        profile = load_profile(profile, results_root=results_root)
    root = paths.profile_results(profile.name, results_root)
    started = time.perf_counter()
    started_wall = time.time()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    summary = RunSummary(profile=profile.name)
    todo = [cell for cell, _ in pending_cells(profile)]
    todo_ids = {cell.id for cell in todo}
    records = {}
    previous = _previous_records(paths.manifest_path(root))
    for cell in profile.cells:
        if cell.id not in todo_ids:
            summary.skipped_done.append(cell.id)
            old = previous.get(cell.id) if isinstance(previous.get(cell.id), dict) else {}
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
                future = client.submit(execute_cell_logged, cell.config, *upstream,
                                       key=f"cell-{cell.id}-{time.time_ns()}", pure=False)
                futures[cell.id] = future
                by_future[future.key] = cell
            remaining = dict(by_future)
            measured = []
            while remaining:
                finished = [key for key in remaining if futures[remaining[key].id].done()]
                if not finished:
                    bar.set_postfix_str(_running(remaining.values(), started_wall), refresh=True)
                    time.sleep(_POLL_SECONDS)
                    continue
                for key in finished:
                    cell = remaining.pop(key)
                    future = futures[cell.id]
                    try:
                        outcome = future.result()
                    except Exception as error:  # a worker died (memory, kill): the cell failed
                        outcome = {"cell_id": cell.id, "status": "failed", "error": f"worker lost: {error}"[:500],
                                   "wall_time_s": None, "notebook": str(Path(cell.config.output_dir) / NOTEBOOK),
                                   "log": str(Path(cell.config.output_dir) / LOG), "host": None}
                    summary.results[cell.id] = outcome
                    records[cell.id] = _cell_record(cell, outcome)
                    _write_manifest(profile, root, records, started_at, time.perf_counter() - started, scheduler,
                                    workers)
                    mark = {"ok": "done", "failed": "FAILED", "skipped": "skipped"}[outcome["status"]]
                    seconds = outcome.get("wall_time_s") or 0
                    if seconds:
                        measured.append(seconds)
                    finished_count = len(summary.skipped_done) + len(summary.results)
                    failures = sum(o["status"] != "ok" for o in summary.results.values())
                    left = _time_left([c.id for c in remaining.values()], previous, measured,
                                      1 if scheduler else workers)
                    bar.write(f"[{finished_count}/{len(profile.cells)}] {mark} {cell.id} ({seconds:.0f} s)"
                              + (f": {outcome['error']}" if outcome["error"] else "")
                              + (f"; {failures} not finished so far" if failures else "") + left)
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
    write_json(runs / f"run-{stamp}.json", json.loads(summary.manifest.read_text()))
    return summary
