"""The one place that knows the compendium's folders.

Every other module asks here; nothing else builds a path from ``__file__``.
Environment variables let a user move data and results elsewhere (e.g. onto a
file system that Dask workers share):

``SPIKELIB_DATA_DIR``
    An extra directory searched first for data set files.
``SPIKELIB_RESULTS_DIR``
    Where profile runs write their results (default ``results/`` in the repo).
``SPIKELIB_CACHE_DIR``
    Where ``spikelib diagnose`` keeps the controls it trained (default
    ``$XDG_CACHE_HOME/spikelib``, else ``~/.cache/spikelib``).
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DATA_CACHE = DATA / "cache"
CHECKSUMS = DATA / "checksums.sha256"
#: The reference networks a diagnosis is set against, and the example networks' samples.
REFERENCE = DATA / "reference"
EXAMPLES = DATA / "examples"
NOTEBOOKS = ROOT / "notebooks"
BOOK = ROOT / "book"
BOOK_STATIC = BOOK / "_static"
BOOK_EXECUTED = BOOK / "executed"
BUILD_HTML = ROOT / "_build" / "html"
PROFILES = ROOT / "profiles"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def results_dir():
    """Root of run results: ``$SPIKELIB_RESULTS_DIR`` or ``results/`` in the repository."""
    return Path(os.environ.get("SPIKELIB_RESULTS_DIR", ROOT / "results"))


def cache_dir():
    """Where computed results a user may want again are kept: ``$SPIKELIB_CACHE_DIR``, else the user's cache."""
    if os.environ.get("SPIKELIB_CACHE_DIR"):
        return Path(os.environ["SPIKELIB_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "spikelib"


#: The folder of a results root that holds one folder per cell, named by its cell id.
CELLS = "cells"
#: The file a profile's run writes into its results root: the run, and every cell's outcome and files.
MANIFEST = "manifest.json"


def profile_results(profile, results_root=None):
    """A profile's results root: ``results_root`` when given, else ``<results_dir()>/<profile>``."""
    return Path(results_root) if results_root else results_dir() / profile


def manifest_path(root):
    """The run manifest of a results root."""
    return Path(root) / MANIFEST


def cells_dir(root=None):
    """The cells of a results root (default :func:`results_dir`): ``<root>/cells``."""
    return Path(results_dir() if root is None else root) / CELLS


def has_cells(root):
    """Whether a results root holds a cells folder (a profile that has run)."""
    return cells_dir(root).is_dir()


def page_folders(profile, results_root=None, tables_dir=None):
    """An analysis page's folders: ``(results root, CSV tables folder)``; the tables folder is created.

    The defaults are ``results/<profile>`` (see :func:`results_dir`) and
    ``book/executed/<profile>``; a page's ``results_root`` and ``tables_dir``
    parameters override them.
    """
    root = profile_results(profile, results_root)
    tables = Path(tables_dir) if tables_dir else BOOK_EXECUTED / profile
    tables.mkdir(parents=True, exist_ok=True)
    return root, tables


def user_data_dir():
    """The user's own data directory, ``$SPIKELIB_DATA_DIR``, or ``None``."""
    value = os.environ.get("SPIKELIB_DATA_DIR")
    return Path(value) if value else None


def repository_relative(path):
    """``path`` relative to the repository when inside it, else absolute; ``None`` stays ``None``.

    Recorded results, executed notebooks and logs use this, so that what is committed
    names no folder of the machine that made it.
    """
    if path is None:
        return None
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(ROOT))
    except ValueError:
        return str(resolved)
