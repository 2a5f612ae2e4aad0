"""Optional heavy packages, imported where they are used.

``import spikelib`` needs only the statistics core (numpy, scipy, statsmodels,
quantities, neo, elephant). The experiment, pipeline and report layers need
more; when one is missing, the error says which part needs it and how to
install it, instead of a bare ``ImportError``.
"""

import importlib

from .exceptions import MissingDependencyError

__all__ = ["soft_import"]

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
        return importlib.import_module(name)
    except ImportError as error:
        top = name.split(".")[0]
        distribution, extra = _SOURCES.get(top, (top, "all"))
        raise MissingDependencyError(
            f"{purpose} needs the package `{distribution}`, which cannot be imported ({error}). "
            f"Install it with `pip install {distribution}`, or install spikelib with its "
            f"`{extra}` extra (`pip install 'spikelib[{extra}]'`)."
        ) from error
