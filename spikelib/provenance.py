"""Provenance of results: package versions, the machine, and atomic JSON records.

Functions
---------
package_versions
    Versions of Python, spikelib and the packages results depend on.
machine
    Platform, processor and CPU count.
write_json_atomically
    Write JSON to a temporary file and rename it into place.
"""

import json
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from . import __version__

__all__ = ["package_versions", "machine", "write_json_atomically"]


def package_versions():
    import importlib.metadata as metadata

    names = ["numpy", "scipy", "statsmodels", "elephant", "neo", "quantities", "keras",
             "tensorflow-cpu", "tensorflow", "scikit-learn", "ruptures", "papermill", "dask"]
    found = {"python": platform.python_version(), "spikelib": __version__}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def machine():
    return {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count()}


def write_json_atomically(path, payload):
    """Write ``payload`` as JSON so that ``path`` is either absent, old, or complete."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, indent=2, default=_json_default)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
