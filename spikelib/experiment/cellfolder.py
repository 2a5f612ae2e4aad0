"""A cell's folder on disk: one run at a time, and nothing finished replaced until the new run is complete.

A run writes into the folder's staging folder (``.staging``); :meth:`CellFolder.commit`
moves what it wrote into place, ``metrics.json`` last, so that the folder
always holds the old finished cell or the new one.

Classes
-------
CellFolder
    A cell's folder and its staging folder.

Functions
---------
check_output_dir
    The output folder, which must be a folder this process can write.
exclusive
    Hold the folder's lock for the length of a run.
"""

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from ..exceptions import DataError, ParameterError
from ..storage import write_json
from .cellfiles import (
    CURVE,
    LOCK,
    METRICS,
    MODEL,
    NODES,
    SPIKES,
    STAGING,
    TRAINING,
    read_json,
)

__all__ = ["CellFolder", "check_output_dir", "exclusive", "CELL_FILES"]

#: The files a run stages and moves into the cell's folder (metrics.json after them).
CELL_FILES = (TRAINING, MODEL, CURVE, SPIKES, NODES)


class CellFolder:
    """A cell's folder and its staging folder: a run writes there, and :meth:`commit` moves what it wrote
    into place, ``metrics.json`` last, so that the folder holds the old finished cell or the new one."""

    def __init__(self, final):
        self.final = Path(final)
        self.stage = self.final / STAGING

    def new(self, name):
        """Where the run writes ``name``."""
        self.stage.mkdir(exist_ok=True)
        return self.stage / name

    def current(self, name):
        """``name`` as this run sees it: staged, or else the finished cell's."""
        staged = self.stage / name
        return staged if staged.is_file() else self.final / name

    def commit(self, metrics=None):
        """Stage ``metrics`` (when given) and move the staged cell into place; safe to repeat after an
        interruption (see :meth:`recover`)."""
        if metrics is not None:
            write_json(self.new(METRICS), metrics)
        recorded = (metrics or read_json(self.stage / METRICS))["files"]
        (self.final / METRICS).unlink(missing_ok=True)  # from here the folder holds no finished cell ...
        for name in CELL_FILES:
            if name not in recorded:
                (self.final / name).unlink(missing_ok=True)  # e.g. a model the new result does not keep
            elif (self.stage / name).is_file():
                os.replace(self.stage / name, self.final / name)
        os.replace(self.stage / METRICS, self.final / METRICS)  # ... and from here the new one
        shutil.rmtree(self.stage, ignore_errors=True)

    def recover(self, progress):
        """Finish a commit an interruption cut short (the staged metrics.json marks a complete run)."""
        if (self.stage / METRICS).is_file():
            progress("completing the previous run's move of its finished files into place")
            self.commit()


def check_output_dir(output_dir):
    """The output folder, which must be a folder this process can write; made if missing.

    Raises
    ------
    ParameterError
        If it is a file, or cannot be written (naming ``--out``).
    """
    if output_dir.exists() and not output_dir.is_dir():
        raise ParameterError(f"`output_dir` {output_dir} is a file, not a folder; give a folder (--out).", "output_dir")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir):
            pass
    except OSError as error:
        raise ParameterError(f"`output_dir` {output_dir} cannot be written ({error.strerror}); give a folder you "
                             "can write (--out).", "output_dir") from None
    return output_dir


@contextlib.contextmanager
def exclusive(output_dir):
    """Hold the output folder's lock: a second run on the same folder fails at once, naming it.

    Raises
    ------
    DataError
        If another run holds the folder.
    """
    path = Path(output_dir) / LOCK
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # the lock file is removed when its holder is done: a lock taken on a file already removed is no lock
        if not path.exists() or os.fstat(handle.fileno()).st_ino != os.stat(path).st_ino:
            raise BlockingIOError
    except BlockingIOError:
        handle.close()
        raise DataError(f"Another run is writing to {output_dir} (it holds {path.name}). Wait for it to finish, "
                        "or give this run another output folder (--out).") from None
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while still held: no lock file is left after a clean exit
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


