"""One row per trained network: what it is, how well it fits, its gap and every measure of the registry.

The benchmark, the zoo, the clean-label dose-response and the label-noise
comparisons all score networks from this one table (read from results files
only, through :func:`spikelib.report.results.finished_cells`).

Functions
---------
network_table
    The trained networks of one results folder.
benchmark_set
    The networks of the label-noise benchmark from several folders.
reached_criterion
    Which networks met the fitting criterion they were trained to.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..experiment.config import parameter_specs
from ..experiment.measures import MEASURES, values
from .labels import MODEL_NAMES
from .results import design, finished_cells

__all__ = ["network_table", "benchmark_set", "reached_criterion", "HYPERPARAMETERS", "CLEAN", "MEMORIZING_NOISE",
           "FITTED"]

#: The hyperparameters a network may vary, with the value a cell that does not record one has (its default).
HYPERPARAMETERS = {spec.name: spec.default for spec in parameter_specs()
                   if spec.name in ("depth", "dropout", "weight_decay", "learning_rate", "batch_size", "train_samples")}
#: Label noise of a clean network, and the smallest label noise at which a network counts as memorizing
#: in the label-noise benchmark (the zoo page tests that rule against each group's measured gap).
CLEAN, MEMORIZING_NOISE = 0.0, 0.6
#: The training accuracy on the labels trained with from which a network of the memorizing group counts as having
#: memorized them (the benchmark scores that group again with only such networks: many fit far less).
FITTED = 0.8


def _architecture(model, depth):
    return f"MLP-{depth}" if model == "MLP" else model


def network_table(root, trained=True):
    """One row per network of a results folder (cell protocol) that has the rival diagnostics.

    Columns: ``cell_id, profile, design, model, architecture, width`` and the
    hyperparameters (:data:`HYPERPARAMETERS`), ``configuration`` (everything
    but the seed), ``condition, seed, label_noise, l1, l2``; ``train_accuracy``
    (evaluated on the fitted samples, labels trained with),
    ``train_accuracy_true_labels``, ``test_accuracy``, ``gap`` (the stored
    generalization gap: their difference); ``stop_reason`` and ``epochs`` of
    the last training phase; every measure of the registry
    (:data:`spikelib.experiment.measures.MEASURES`, ``nan`` where not
    recorded); ``ww_status``; ``seconds_<group>``; and ``<indicator>@<n>`` from
    the first ``n`` training samples; ``recorded_samples``, the length of the training recording.

    Parameters
    ----------
    root : path
        A profile's results folder.
    trained : bool
        Leave out the untrained (``random``) networks.

    Raises
    ------
    DataError
        If the folder has no such network.
    """
    rows = []
    for _, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell" or "diagnostics" not in metrics:
            continue
        if trained and parameters["condition"] == "random":
            continue
        model = MODEL_NAMES[parameters["model"]]
        hyper = {name: parameters.get(name, default) for name, default in HYPERPARAMETERS.items()}
        phases = list(metrics.get("stop_reasons", {}))
        row = {"cell_id": metrics["cell_id"], "profile": Path(root).name, "design": design(parameters),
               "model": model, "architecture": _architecture(model, hyper["depth"]), "width": parameters["width"],
               **hyper, "condition": parameters["condition"], "seed": parameters["seed"],
               "label_noise": metrics["labels"]["noise"], "l1": parameters.get("l1", 0.0),
               "l2": parameters.get("l2", 0.0),
               "generalize_until": parameters.get("generalize_until"),
               "train_accuracy_true_labels": metrics.get("train_accuracy_true_labels", np.nan),
               "test_accuracy": metrics["test_accuracy"], "gap": metrics["generalization_gap"],
               "recorded_samples": metrics["splits"]["train"]["n_samples"],
               "stop_reason": metrics["stop_reasons"][phases[-1]] if phases else None,
               "epochs": metrics["epochs"].get(phases[-1]) if phases else 0,
               **values(metrics, MEASURES)}
        row["ww_status"] = metrics["diagnostics"].get("ww_status", "not recorded")
        seconds = {**metrics["seconds"]["train_split"], **metrics["seconds"]["diagnostics"]}
        row.update({f"seconds_{group}": value for group, value in seconds.items()})
        for n, few in metrics.get("few_samples", {}).items():
            row.update({f"{column}@{n}": value for column, value in few.items() if column != "window"})
        rows.append(row)
    if not rows:
        raise DataError(f"No trained network with the rival diagnostics in {root}: run its profile with this "
                        "version.")
    frame = pd.DataFrame(rows)
    keys = ["architecture", "width", "dropout", "weight_decay", "learning_rate", "train_samples", "label_noise",
            "condition"]
    frame["configuration"] = ["/".join(map(str, values)) for values in frame[keys].itertuples(index=False)]
    return frame


def benchmark_set(roots):
    """The networks of the label-noise benchmark: trained networks of the given folders, of the paper's
    design or the label-noise sweep (no penalties, zoo or subset networks). Memorizing conditions count as
    label noise 1, generalizing ones as 0.

    Raises
    ------
    DataError
        If no folder has such a network.
    """
    frames = []
    for root in roots:
        try:
            frames.append(network_table(root))
        except DataError:
            continue
    if not frames:
        raise DataError(f"No network with the rival diagnostics in {[str(r) for r in roots]}.")
    frame = pd.concat(frames, ignore_index=True)
    return frame[frame["design"].isin(["paper", "label noise"])].reset_index(drop=True)


def reached_criterion(frame):
    """Whether each network trained to the fitting criterion met it (``True`` for networks trained otherwise).

    A network that stopped at its cap of epochs did not; one whose training diverged has no results at all
    (the run's manifest names it).
    """
    fitted = frame["generalize_until"] == "fit"
    return ~fitted | (frame["stop_reason"] == "target")
