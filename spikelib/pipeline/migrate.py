"""Bring committed cells up to the current ``metrics.json`` schema without retraining.

Cells made before a schema change keep their networks' results; only fields
derived from what each cell stored are (re)computed here, by the same rules the
cell uses when it runs (:mod:`spikelib.experiment.schema`):

- ``generalization_gap`` becomes the evaluated training accuracy minus the test
  accuracy (it was the running training accuracy minus the validation
  accuracy, now ``validation_gap``);
- ``train_loss_running`` is read from the cell's ``training.json`` (Keras'
  running loss of its last epoch) where the cell did not record it;
- ``dataset.n_classes`` is filled in for the named data sets.

Each changed ``metrics.json`` records what was recomputed under ``migrations``,
and the profile's ``manifest.json`` gets the SHA-256 of every migrated file
(also of one migrated earlier whose manifest a resumed run rewrote with the
pre-migration hash). Running it again changes nothing.

Usage::

    python -m spikelib.pipeline.migrate            # every profile under results/
    python -m spikelib.pipeline.migrate fashion noise

Functions
---------
migrate_cell
    One cell's folder.
migrate_profile
    Every cell of one results folder, and its manifest.
"""

import argparse
import math
import sys
from pathlib import Path

from .. import paths
from ..exceptions import DataError, SpikelibError
from ..experiment.cellfiles import METRICS, TRAINING, read_json
from ..experiment.config import DATASET_CLASSES
from ..experiment.schema import SCHEMA_VERSION, gaps
from ..storage import sha256, write_json

__all__ = ["migrate_cell", "migrate_profile", "main"]



def _last_running_loss(directory):
    try:
        phases = read_json(Path(directory) / TRAINING).get("phases") or []
    except DataError:
        return None
    for phase in reversed(phases):
        losses = (phase.get("history") or {}).get("loss") or []
        if losses:
            return float(losses[-1])
    return None


def migrate_cell(directory):
    """Recompute the derived fields of one cell's ``metrics.json``; write it only if they change.

    Parameters
    ----------
    directory : str or os.PathLike
        The cell's folder.

    Returns
    -------
    list of str
        The fields whose values changed (empty: the cell was current).

    Raises
    ------
    DataError
        If ``metrics.json`` is missing or unreadable, or lacks an accuracy the
        gaps are computed from.
    """
    directory = Path(directory)
    metrics = read_json(directory / METRICS)
    missing = [key for key in ("train_accuracy", "train_accuracy_evaluated", "validation_accuracy",
                               "test_accuracy") if not isinstance(metrics.get(key), (int, float))]
    if missing:
        raise DataError(f"{directory / METRICS} lacks {missing}: the gaps cannot be recomputed. Rerun the cell.")
    derived = gaps(metrics)
    if "train_loss_running" not in metrics:
        loss = _last_running_loss(directory)
        derived["train_loss_running"] = float("nan") if loss is None else loss
    dataset = metrics.get("dataset")
    if isinstance(dataset, dict) and "n_classes" not in dataset and dataset.get("name") in DATASET_CLASSES:
        derived["dataset"] = {**dataset, "n_classes": DATASET_CLASSES[dataset["name"]]}
    changed = [key for key, value in derived.items() if not _same(metrics.get(key, _ABSENT), value)]
    if not changed and metrics.get("schema") == SCHEMA_VERSION:
        return []
    migrations = list(metrics.get("migrations", []))
    migrations.append({"to_schema": SCHEMA_VERSION, "recomputed": changed,
                       "rule": "spikelib.experiment.schema.gaps on the stored accuracies; the running loss "
                               "from training.json; the classes of a named data set"})
    write_json(directory / METRICS, {**metrics, **derived, "schema": SCHEMA_VERSION, "migrations": migrations})
    return changed


_ABSENT = object()


def _same(old, new):
    if old is _ABSENT:
        return False
    if isinstance(old, float) and isinstance(new, float) and math.isnan(old) and math.isnan(new):
        return True
    return old == new


def migrate_profile(root):
    """Migrate every cell of a results folder (``<root>/cells/*``) and update its manifest.

    Returns
    -------
    dict
        Cell id -> changed fields, for the cells that changed.
    """
    root = Path(root)
    changed = {}
    for directory in sorted(paths.cells_dir(root).iterdir()) if paths.has_cells(root) else []:
        if (directory / METRICS).is_file():
            fields = migrate_cell(directory)
            if fields:
                changed[directory.name] = fields
    manifest_path = paths.manifest_path(root)
    if manifest_path.is_file():
        manifest = read_json(manifest_path)
        rehashed = False
        for cell, record in manifest.get("cells", {}).items():
            metrics = paths.cells_dir(root) / cell / METRICS
            if not (isinstance(record, dict) and METRICS in record.get("files", {}) and metrics.is_file()):
                continue
            # A migrated file whose manifest still holds the pre-migration hash (a
            # run that resumed after the migration wrote its manifest from the
            # cells' first records) is brought in line too; a file changed without
            # a migration record stays a mismatch for `spikelib verify` to report.
            migrated = cell in changed or bool(read_json(metrics).get("migrations"))
            digest = sha256(metrics)
            if migrated and record["files"][METRICS] != digest:
                record["files"][METRICS] = digest
                rehashed = True
        if rehashed:
            write_json(manifest_path, manifest)
    return changed


def main(argv=None):
    """``python -m spikelib.pipeline.migrate [PROFILE ...]``; returns the exit status (1 for a bad folder)."""
    parser = argparse.ArgumentParser(prog="python -m spikelib.pipeline.migrate", description=__doc__.split("\n")[0])
    parser.add_argument("profiles", nargs="*", help="results folders under results/ (default: all)")
    arguments = parser.parse_args(argv)
    names = arguments.profiles or sorted(p.name for p in paths.results_dir().iterdir() if paths.has_cells(p))
    for name in names:
        root = paths.results_dir() / name
        if not paths.has_cells(root):
            print(f"error: results/{name} holds no cells folder; give one of the profiles that ran.", file=sys.stderr)
            return 1
        try:
            changed = migrate_profile(root)
        except SpikelibError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"{name}: {len(changed)} cell(s) migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
