"""Reading a profile's results files into tables (no training code, no computation of results).

Everything here reads only results files (``metrics.json``, ``nodes.npz`` and
``curve.npz`` of each cell, through :mod:`spikelib.cellfiles`, and the run's
``manifest.json``).

Functions
---------
collect
    One row per (cell, split): parameters, accuracies and indicators.
curves
    Firing rate during training (Figure 5) of every curve cell.
traces
    The indicators on a training probe as each network trained (every few epochs).
read_manifest
    A run's manifest.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..cellfiles import METRICS, cell_status, read_curve, read_metrics, read_training
from ..exceptions import DataError
from ..experiment.config import CONDITIONS

__all__ = ["collect", "curves", "traces", "read_manifest", "CONDITION_ORDER", "CONDITION_LABELS", "MODEL_NAMES",
           "DATASET_NAMES"]

#: The paper's order of the conditions in its tables.
CONDITION_ORDER = ["generalizing", "mem_retrain_last", "mem_random_last", "mem_retrain_all", "random"]
assert sorted(CONDITION_ORDER) == sorted(CONDITIONS)
CONDITION_LABELS = {"generalizing": "Generalizing", "mem_retrain_last": "MemRetrainLast",
                    "mem_random_last": "MemRandomLast", "mem_retrain_all": "MemRetrainAll", "random": "Random"}
MODEL_NAMES = {"mlp": "MLP", "cnn": "CNN", "densenet": "DenseNet"}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


def _cell_dirs(root):
    """The finished cells of a results folder (unfinished ones are left out)."""
    cells = Path(root) / "cells"
    if not cells.is_dir():
        raise DataError(f"No results in {root}: run `spikelib run --profile {Path(root).name}` first.")
    return sorted(p for p in cells.iterdir() if (p / METRICS).is_file() and cell_status(p))


def collect(root, protocol="cell"):
    """One row per (cell, split) of a profile's finished cells.

    Columns: ``cell_id, dataset, model, width, condition, seed, split``, the
    accuracies (fractions), ``generalization_gap``, the indicators ``mfr,
    cv_fr, mf, cv_mf`` (fractions) and the assumption-check summaries.
    ``model`` and ``dataset`` use the paper's spelling (``MLP``, ``FashionMNIST``).

    Raises
    ------
    DataError
        If the folder holds no finished cell of this protocol.
    """
    rows = []
    for directory in _cell_dirs(root):
        metrics = read_metrics(directory)
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != protocol:
            continue
        for split, stats in metrics["splits"].items():
            rows.append({
                "cell_id": metrics["cell_id"], "directory": str(directory),
                "dataset": DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
                "model": MODEL_NAMES[parameters["model"]], "width": parameters["width"],
                "condition": parameters["condition"], "seed": parameters["seed"], "split": split,
                "label_noise": metrics["labels"]["noise"],
                "epochs_true": metrics["epochs"].get("true labels", 0),
                "epochs_shuffled": metrics["epochs"].get("shuffled labels", 0),
                "stop_true": metrics["stop_reasons"].get("true labels"),
                "stop_shuffled": metrics["stop_reasons"].get("shuffled labels"),
                **{k: metrics[k] for k in ("train_accuracy", "train_accuracy_evaluated", "validation_accuracy",
                                           "test_accuracy", "generalization_gap", "wall_time_s")},
                **stats,
            })
    if not rows:
        raise DataError(f"No finished {protocol} cells in {root}.")
    frame = pd.DataFrame(rows)
    frame["condition"] = pd.Categorical(frame["condition"], CONDITION_ORDER, ordered=True)
    return frame.sort_values(["model", "dataset", "width", "condition", "split"]).reset_index(drop=True)


def curves(root):
    """Firing rate during training of every curve cell: a long DataFrame, one row per batch."""
    frames = []
    for directory in _cell_dirs(root):
        metrics = read_metrics(directory)
        parameters = metrics["parameters"]
        if parameters.get("protocol") != "curve":
            continue
        curve = read_curve(directory)
        n = len(curve["mfr_train"])
        frames.append(pd.DataFrame({
            "cell_id": metrics["cell_id"], "model": MODEL_NAMES[parameters["model"]],
            "width": parameters["width"], "condition": parameters["condition"],
            "dataset": DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
            "batch": np.arange(1, n + 1), "phase": curve["phase"],
            "mfr_train": curve["mfr_train"], "mfr_test": curve["mfr_test"],
            "switch_batch": int(curve["batches_true_labels"]), "epochs": parameters["epochs"],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def traces(root, protocol="cell"):
    """The indicators measured on a fixed probe of training samples while each network trained.

    One row per (cell, phase, traced epoch): ``cell_id, model, width,
    condition, seed, label_noise, phase, epoch, accuracy`` (running training
    accuracy of that epoch), ``probe_accuracy`` (an evaluation pass on the
    probe) and ``mfr, cv_fr, mf, cv_mf``.
    """
    frames = []
    for directory in _cell_dirs(root):
        metrics = read_metrics(directory)
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != protocol:
            continue
        for phase in read_training(directory).get("phases", []):
            frame = pd.DataFrame(phase["traces"])
            if frame.empty:
                continue
            frames.append(frame.assign(
                cell_id=metrics["cell_id"], model=MODEL_NAMES[parameters["model"]], width=parameters["width"],
                condition=parameters["condition"], seed=parameters["seed"], label_noise=metrics["labels"]["noise"],
                dataset=DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
                phase=phase["name"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_manifest(root):
    """A profile run's ``manifest.json``.

    Raises
    ------
    DataError
        If there is none, or it is not a JSON object.
    """
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise DataError(f"No manifest in {root}: run the profile with `spikelib run` first.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as error:
        raise DataError(f"{path} is not valid JSON ({error}).") from error
    if not isinstance(manifest, dict):
        raise DataError(f"{path} is not a JSON object.")
    return manifest
