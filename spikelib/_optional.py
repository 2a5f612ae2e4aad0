"""Optional heavy packages, imported where they are used.

``import spikelib`` needs only the statistics core (numpy, scipy, statsmodels,
quantities, neo, elephant). The experiment, pipeline and report layers need
more; when one is missing, the error says which part needs it and how to
install it, instead of a bare ``ImportError``.
"""

import contextlib
import importlib
import logging
import os
import sys

from .exceptions import MissingDependencyError

__all__ = ["soft_import", "quiet_tensorflow"]

#: TensorFlow's start-up notices (oneDNN, absl) are written by its C++ runtime before its own log level applies;
#: they are not progress, and an executed page must not show them. Python exceptions still surface.
_QUIET = ("tensorflow", "keras")
#: Packages that log notices while they import, and the logger they use: kept at ERROR from before the import.
_QUIET_LOGGERS = {"weightwatcher": "weightwatcher"}

# Import name -> (distribution name, the extra of spikelib that installs it; pyproject.toml defines
# each, and a test keeps them in step). The core's own dependencies (pandas, ruptures, ...) are
# installed with spikelib itself and are imported directly.
_SOURCES = {
    "tensorflow": ("tensorflow-cpu", "experiment"),
    "keras": ("keras", "experiment"),
    "sklearn": ("scikit-learn", "experiment"),
    "weightwatcher": ("weightwatcher", "experiment"),
    "yaml": ("pyyaml", "pipeline"),
    "papermill": ("papermill", "pipeline"),
    "jupytext": ("jupytext", "pipeline"),
    "nbformat": ("nbformat", "pipeline"),
    "dask": ("dask[distributed]", "pipeline"),
    "distributed": ("dask[distributed]", "pipeline"),
    "tqdm": ("tqdm", "pipeline"),
    "matplotlib": ("matplotlib", "book"),
    "seaborn": ("seaborn", "book"),
}


def soft_import(name, purpose):
    """Import ``name`` or raise :class:`MissingDependencyError` saying what needs it.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"tensorflow"`` or ``"dask.distributed"``.
    purpose : str
        What needs it, e.g. ``"training a network"``; it opens the message.

    Returns
    -------
    module

    Raises
    ------
    MissingDependencyError
        If the module cannot be imported.

    Examples
    --------
    >>> soft_import("numpy", "statistics").__name__
    'numpy'
    """
    try:
        if name.split(".")[0] in _QUIET and name not in sys.modules:
            with quiet_tensorflow():
                return importlib.import_module(name)
        if name in _QUIET_LOGGERS and name not in sys.modules:
            # its notices (weightwatcher: "Import error No module named 'torch', reetting to svd") are logged
            # while it imports, before a caller could lower its logger's level
            logging.getLogger(_QUIET_LOGGERS[name]).setLevel(logging.ERROR)
            module = importlib.import_module(name)
            logging.getLogger(_QUIET_LOGGERS[name]).setLevel(logging.ERROR)  # it sets WARNING on import
            return module
        return importlib.import_module(name)
    except ImportError as error:
        top = name.split(".")[0]
        distribution, extra = _SOURCES.get(top, (top, "all"))
        raise MissingDependencyError(
            f"{purpose} needs the package `{distribution}`, which cannot be imported ({error}). "
            f"Install it with `pip install {distribution}`, or install spikelib with its "
            f"`{extra}` extra (`pip install 'spikelib[{extra}]'`)."
        ) from error


@contextlib.contextmanager
def quiet_tensorflow():
    """Import TensorFlow (or Keras) inside this block without its C++ start-up notices on the process's stderr.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (unless the user set a level) and points the file descriptor of stderr at
    ``/dev/null`` while TensorFlow loads (its absl notices are written there before any level applies), then
    restores it: later warnings and errors reach stderr as usual.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (an embedding host): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            importlib.import_module("tensorflow")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    yield
