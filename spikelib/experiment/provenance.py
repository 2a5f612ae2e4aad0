"""Provenance of results: package versions and the machine.

Functions
---------
package_versions
    Versions of Python, spikelib and the packages results depend on.
machine
    Platform, processor and CPU count.
"""

import importlib.metadata as metadata
import os
import platform
from pathlib import Path

from .. import __version__

__all__ = ["cpu_model", "package_versions", "machine"]

_PACKAGES = ["numpy", "scipy", "statsmodels", "elephant", "neo", "quantities", "keras", "tensorflow-cpu",
             "tensorflow", "scikit-learn", "ruptures", "papermill", "dask"]


def package_versions():
    """Versions of Python, spikelib and every installed package a result depends on."""
    found = {"python": platform.python_version(), "spikelib": __version__}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def machine():
    """Platform, processor and CPU count of this machine."""
    return {"platform": platform.platform(), "processor": platform.machine(), "cpus": os.cpu_count()}


def cpu_model():
    """The CPU's model name (Linux: ``/proc/cpuinfo``), else the processor's architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
