"""The experiment layer: data, models, training conditions, recording, one cell.

Modules
-------
config
    :class:`CellConfig`, the one declaration of a cell's parameters (light: no TensorFlow).
measures
    The registry of measures: indicators, rival diagnostics and controls (light).
schema
    What a cell's ``metrics.json`` holds and how its derived fields are computed (light).
cellfiles
    The names of a cell's files, their readers, and when a cell is finished (light).
streams
    The seed streams that keep a cell's random draws apart (light).
data
    Checksummed data sets, found locally first.
models
    The paper's model families (Keras).
training
    The compiled training loop, stop rules, checkpoints.
plan
    What a run works out once from a cell and its data, and the checks before training.
trainstage
    A cell's training stage: phases, traces, checkpoints, the training record.
cellfolder
    A cell's folder: its lock and the staged commit that never replaces a finished cell half-way.
analysis
    Recording the observed layer and computing its statistics.
diagnostics
    The rival diagnostics of memorization.
probes
    The observed layer on a fixed probe.
recording
    The firing rate during training (a Keras callback).
monitor
    The online memorization monitor (a Keras callback).
cell
    ``run_cell``: train, observe, binarize, summarize, save.
paper
    The paper's Table 1 accuracies that training aims at.
provenance
    Package versions and the machine, recorded with every result.
stacked
    Many same-shape MLPs trained as one compiled graph (``make bench``).

Importing this package loads only the light modules; the Keras and TensorFlow
parts load when first used (``spikelib.experiment.run_cell`` or
``from spikelib.experiment.cell import run_cell``).
"""

import importlib

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
