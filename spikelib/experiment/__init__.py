"""The experiment layer: data, models, training conditions, recording, one cell.

Modules
-------
config
    :class:`CellConfig`, the one declaration of a cell's parameters (light: no TensorFlow).
data
    Checksummed data sets, found locally first.
models
    The paper's model families (Keras).
recording
    The firing rate during training (a Keras callback).
cell
    :func:`run_cell`: train, observe, binarize, summarize, save.
provenance
    Package versions and the machine, recorded with every result.

Importing this package loads only the declaration; the Keras and TensorFlow
parts load when first used (``spikelib.experiment.run_cell`` or
``from spikelib.experiment.cell import run_cell``).
"""

import importlib
import os

# TensorFlow's C++ log lines (e.g. a harmless tf.data attribute notice at ERROR level) are
# not progress; Python exceptions still surface, and users can set their own level.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .config import (
    CONDITIONS,
    MEMORIZING,
    MODELS,
    OBSERVED_LAYER,
    PROTOCOLS,
    RETRAINING,
    CellConfig,
    cell_id,
    parameter_specs,
)

__all__ = ["CellConfig", "cell_id", "parameter_specs", "run_cell", "load_dataset", "build_model",
           "CONDITIONS", "MEMORIZING", "RETRAINING", "PROTOCOLS", "MODELS", "OBSERVED_LAYER"]

_LAZY = {"run_cell": "cell", "CellResult": "cell", "seed_everything": "cell", "load_dataset": "data",
         "build_model": "models", "compile_model": "models", "observed_activations": "models"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
