"""Reading a profile's results files into tables (no training code, no computation of results).

Everything here reads only results files (``metrics.json``, ``nodes.npz`` and
``curve.npz`` of each cell, through :mod:`spikelib.experiment.cellfiles`, and the run's
``manifest.json``).

Functions
---------
collect
    One row per (cell, split): parameters, accuracies and indicators.
design
    Whether a cell belongs to the paper's grid, a penalty sweep or a label-noise sweep.
curves
    Firing rate during training (Figure 5) of every curve cell.
traces
    The indicators on a training probe as each network trained (every few epochs).
layers
    The paper's indicators for every hidden ReLU layer of each network (the depth view).
read_manifest
    A run's manifest.
small_profile_note
    What a page of an embedded (small) profile can and cannot show.
completion
    How many of a profile's cells are finished.
computing_seconds
    The computing time behind a profile's finished cells.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..exceptions import DataError
from ..experiment.cellfiles import (
    METRICS,
    cell_status,
    read_curve,
    read_json,
    read_metrics,
    read_training,
)
from ..experiment.config import CONDITIONS
from .labels import CONDITION_LABELS, DATASET_NAMES, MODEL_NAMES, network_name

__all__ = ["finished_cells", "collect", "design", "DESIGNS", "curves", "traces", "layers", "read_manifest", "small_profile_note", "dataset_names", "DATASET_PROSE", "memorize_target", "completion", "computing_seconds", "CONDITION_ORDER", "CONDITION_LABELS", "MODEL_NAMES",
           "DATASET_NAMES"]

#: The paper's order of the conditions in its tables.
CONDITION_ORDER = ["generalizing", "mem_retrain_last", "mem_random_last", "mem_retrain_all", "random"]
assert sorted(CONDITION_ORDER) == sorted(CONDITIONS)


def finished_cells(root):
    """Every finished cell of a results folder as ``(folder, metrics)``: the one reader the report uses.

    Each cell is checked by :func:`cell_status` and its condition and model
    must be known; see :func:`_cell_dirs` for what is left out and how.

    Raises
    ------
    DataError
        If the folder has no ``cells`` folder.
    """
    return [(directory, read_metrics(directory)) for directory in _cell_dirs(root)]


def _cell_dirs(root):
    """The finished cells of a results folder, each checked by :func:`cell_status` (unfinished ones are left out).

    A folder whose ``metrics.json`` is there but unusable (corrupt, a number
    that is not one or out of its range, a key missing, an unknown condition
    or model, a copied folder) is left out with a warning naming it and why,
    never a traceback; a folder the run's manifest does not list (left over
    from another version of the profile) is left out without one.
    """
    cells = paths.cells_dir(root)
    if not cells.is_dir():
        raise DataError(f"No results in {root}: run `spikelib run --profile {Path(root).name}` first.")
    members = _manifest_cells(root)
    finished = []
    for path in sorted(cells.iterdir()):
        if not (path / METRICS).is_file() or (members is not None and path.name not in members):
            continue  # not started, still running, or not a cell of the profile's last run: nothing wrong
        status = cell_status(path)
        if status:
            metrics = read_metrics(path)
            parameters = metrics["parameters"]
            if metrics["cell_id"] != path.name:  # a copied folder (cells/<id>.bak) is not a second cell
                status = f"the folder's name is not the cell id it records ({metrics['cell_id']!r})"
            elif parameters["condition"] in CONDITIONS and parameters["model"] in MODEL_NAMES:
                finished.append(path)
                continue
            else:
                status = f"unknown condition or model ({parameters['condition']!r}, {parameters['model']!r})"
        else:
            status = status.reason
        warnings.warn(f"{path}: left out ({status}).", stacklevel=2)
    return finished


def _manifest_cells(root):
    """The cells of the profile's last run (its manifest), or ``None`` without a readable manifest.

    A cell folder the manifest does not list is left over from another version of the profile; the
    profile's results are the cells of its run.
    """
    try:
        cells = read_json(paths.manifest_path(root)).get("cells")
    except DataError:
        return None
    return set(cells) if isinstance(cells, dict) else None


#: A cell's design: the paper's conditions as published, or one of the extensions.
DESIGNS = ("paper", "penalty", "label noise", "fitted", "subset")


def design(parameters):
    """Which design a cell belongs to, from its recorded parameters.

    ``"label noise"`` for a cell of a noise sweep, ``"penalty"`` for an L1/L2
    one, ``"fitted"`` for a network trained to the fitting criterion
    (``generalize_until="fit"``: the model zoo and the clean-label
    dose-response, told apart by their profiles), ``"subset"`` for one trained
    a fixed number of epochs on a training subset, else ``"paper"``.

    Examples
    --------
    >>> design({"label_noise": None, "l1": 0.0, "l2": 0.0}), design({"label_noise": 0.6})
    ('paper', 'label noise')
    >>> design({"generalize_until": "fit", "train_samples": 10000}), design({"train_samples": 500})
    ('fitted', 'subset')
    """
    if parameters.get("label_noise") is not None:
        return "label noise"
    if parameters.get("l1") or parameters.get("l2"):
        return "penalty"
    if parameters.get("generalize_until") == "fit":
        return "fitted"
    if parameters.get("train_samples") is not None:
        return "subset"
    return "paper"


def _finished_cells(root, protocol, designs):
    """(directory, metrics) of each finished cell of this protocol and one of these designs."""
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") == protocol and design(parameters) in designs:
            yield directory, metrics


def collect(root, protocol="cell", designs=("paper",)):
    """One row per (cell, split) of a profile's finished cells.

    Only cells of the given ``designs`` (see :func:`design`) are kept: by
    default the paper's, so that a profile that also sweeps label noise or
    penalties gives each network of the paper's grid exactly once. Pass
    ``designs=DESIGNS`` for every cell.

    Columns: ``cell_id, dataset, model, width, condition, seed, split, design``, the
    accuracies (fractions), ``generalization_gap``, the indicators ``mfr,
    cv_fr, mf, cv_mf`` (fractions) and the assumption-check summaries.
    ``model`` and ``dataset`` use the paper's spelling (``MLP``, ``FashionMNIST``).

    Raises
    ------
    DataError
        If the folder holds no finished cell of this protocol.
    """
    rows = []
    for directory, metrics in _finished_cells(root, protocol, designs):
        parameters = metrics["parameters"]
        for split, stats in metrics["splits"].items():
            rows.append({
                "cell_id": metrics["cell_id"], "directory": str(directory),
                "dataset": DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
                "model": MODEL_NAMES[parameters["model"]], "width": parameters["width"],
                "condition": parameters["condition"], "seed": parameters["seed"], "split": split,
                "label_noise": metrics["labels"]["noise"], "design": design(parameters),
                "l1": parameters.get("l1", 0.0), "l2": parameters.get("l2", 0.0),
                "epochs_true": metrics["epochs"].get("true labels", 0),
                "epochs_shuffled": metrics["epochs"].get("shuffled labels", 0),
                "stop_true": metrics["stop_reasons"].get("true labels"),
                "stop_shuffled": metrics["stop_reasons"].get("shuffled labels"),
                **{k: metrics[k] for k in ("train_accuracy", "train_accuracy_evaluated", "validation_accuracy",
                                           "test_accuracy", "generalization_gap", "wall_time_s")},
                **stats,
            })
    if not rows:
        raise DataError(f"No finished {protocol} cells of design {', '.join(designs)} in {root}.")
    frame = pd.DataFrame(rows)
    frame["condition"] = pd.Categorical(frame["condition"], CONDITION_ORDER, ordered=True)
    return frame.sort_values(["model", "dataset", "width", "condition", "split"]).reset_index(drop=True)


def curves(root):
    """Firing rate during training of every curve cell: a long DataFrame, one row per batch.

    Besides the batch's rates and phase, each row carries its cell's running training accuracy on the shuffled
    labels after their first epoch and after the last (``accuracy_shuffled_first``, ``accuracy_shuffled_last``)
    and the number of classes: how far the network had memorized them.
    """
    frames = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol") != "curve":
            continue
        curve = read_curve(directory)
        n = len(curve["mfr_train"])
        # how much of the shuffled labels the network fit after its first epoch on them, and at the end
        shuffled = [phase["history"].get("accuracy", []) for phase in read_training(directory).get("phases", [])
                    if phase["name"] == "shuffled labels"]
        fitted = shuffled[0] if shuffled and shuffled[0] else [np.nan]
        frames.append(pd.DataFrame({
            "accuracy_shuffled_first": fitted[0], "accuracy_shuffled_last": fitted[-1],
            "n_classes": metrics["dataset"].get("n_classes", np.nan),
            "cell_id": metrics["cell_id"], "model": MODEL_NAMES[parameters["model"]],
            "width": parameters["width"], "condition": parameters["condition"], "seed": parameters["seed"],
            "dataset": DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
            "batch": np.arange(1, n + 1), "phase": curve["phase"],
            "mfr_train": curve["mfr_train"], "mfr_test": curve["mfr_test"],
            "switch_batch": int(curve["batches_true_labels"]), "epochs": parameters["epochs"],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


#: The settings :func:`spikelib.report.labels.network_name` names a network by, beside architecture and seed.
_NAMING = ("depth", "dropout", "weight_decay", "learning_rate", "l1", "l2", "train_samples")


def traces(root, protocol="cell"):
    """The indicators measured on a fixed probe of training samples while each network trained.

    One row per (cell, phase, traced epoch): ``cell_id, model, width,
    condition, seed, label_noise, phase, epoch, accuracy`` (running training
    accuracy of that epoch), ``probe_accuracy`` (an evaluation pass on the
    probe) and ``mfr, cv_fr, mf, cv_mf``.
    """
    frames = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != protocol:
            continue
        for phase in read_training(directory).get("phases", []):
            frame = pd.DataFrame(phase["traces"])
            if frame.empty:
                continue
            # the settings a network's name gives where they differ from the paper's (its penalty, its dropout)
            named = {key: parameters[key] for key in _NAMING if isinstance(parameters.get(key), (int, float))}
            frames.append(frame.assign(
                **named, cell_id=metrics["cell_id"], model=MODEL_NAMES[parameters["model"]], width=parameters["width"],
                condition=parameters["condition"], seed=parameters["seed"], label_noise=metrics["labels"]["noise"],
                dataset=DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
                n_classes=metrics["dataset"].get("n_classes", np.nan), phase=phase["name"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def layers(root, protocol="cell", designs=("paper",)):
    """The paper's indicators for every hidden ReLU layer of each finished cell (the depth view).

    Each cell records them on its test set in the recorded sample order
    (``metrics.json``'s ``layers``; a convolution's channels at each position
    are its nodes). One row per (cell, layer): ``cell_id, model, width,
    condition, seed, train_accuracy, layer, position`` (0 for the first
    hidden layer), ``n_nodes, mfr, cv_fr, mf, cv_mf, share_rare_5``. Cells of other designs
    than ``designs`` (see :func:`design`) are left out, as in :func:`collect`.
    """
    rows = []
    for directory, metrics in _finished_cells(root, protocol, designs):
        parameters = metrics["parameters"]
        for position, (name, values) in enumerate(metrics.get("layers", {}).items()):
            rows.append({"cell_id": metrics["cell_id"], "model": MODEL_NAMES[parameters["model"]],
                         "width": parameters["width"], "condition": parameters["condition"],
                         "seed": parameters["seed"], "train_accuracy": metrics["train_accuracy"], "layer": name,
                         "position": position, **values})
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["condition"] = pd.Categorical(frame["condition"], CONDITION_ORDER, ordered=True)
        frame = frame.sort_values(["model", "width", "seed", "condition", "position"]).reset_index(drop=True)
    return frame


def read_manifest(root):
    """A profile run's ``manifest.json``.

    Raises
    ------
    DataError
        If there is none, or it is not a JSON object.
    """
    path = paths.manifest_path(root)
    if not path.is_file():
        raise DataError(f"No manifest in {root}: run the profile with `spikelib run` first.")
    return read_json(path)


def completion(root):
    """How far a profile's run got: ``(finished, planned, sentence)``.

    ``finished`` counts the cells whose results are complete (:func:`cell_status`),
    ``planned`` is the profile's number of cells from the run's manifest, and
    ``sentence`` says so in plain text (it is pasted into pages as is), with
    the command that resumes the run when cells are missing.

    Raises
    ------
    DataError
        If the folder has no manifest (see :func:`read_manifest`).
    """
    planned = read_manifest(root).get("n_cells")
    if isinstance(planned, bool) or not isinstance(planned, int) or planned < 0:
        raise DataError(f"{paths.manifest_path(root)} records n_cells as {planned!r}, not a count of cells; rerun "
                        f"`spikelib run --profile {Path(root).name}` to write it anew.")
    finished = len(_cell_dirs(root)) if paths.has_cells(root) else 0
    name = Path(root).name
    if finished >= planned:
        from .render import cells_held  # "22 cells: 21 networks and 1 training curve", as the provenance says

        held = cells_held(root).split(": ", 1)
        return finished, planned, (f"All {planned} cells of the {name} profile are finished"
                                   + (f" ({held[1]})." if len(held) > 1 else "."))
    n_failed, failures = _failures(root)
    rest = (f" The command spikelib run --profile {name} runs the rest (it skips finished cells)."
            if finished + n_failed < planned else
            " Every other planned cell has run; training is deterministic, so a rerun fails the same way.")
    return finished, planned, (f"{finished} of the {planned} cells of the {name} profile are finished; what "
                               f"follows rests on those.{failures}{rest}")


def _failures(root):
    """How many cells the last run recorded as failed, and a sentence describing each by its network and
    why (or ``(0, "")``)."""
    cells = read_manifest(root).get("cells")
    failed = [v for v in cells.values() if isinstance(v, dict) and v.get("status") == "failed"] \
        if isinstance(cells, dict) else []
    if not failed:
        return 0, ""

    def reason(error):
        error = str(error or "")
        return "diverged, their training loss non-finite" if "diverged" in error else (
            f"with {error.split(':')[0] or 'an error'}")

    grouped = {}
    for cell in failed:
        grouped.setdefault(reason(cell.get("error")), []).append(network_name(cell.get("parameters") or {}))
    listed = "; ".join(f"{len(networks)} {why} ({'; '.join(networks)})" for why, networks in grouped.items())
    return len(failed), f" {len(failed)} failed in the last run: {listed}."


def computing_seconds(root):
    """The computing time behind a profile's finished cells, in seconds.

    A cell trained in an earlier run and analysed again later records both:
    ``training_wall_time_s`` (as measured when it was trained) and
    ``wall_time_s`` (its latest run). A cell's time is its latest run when that
    run trained it (``wall_time_s`` at least the training time), otherwise the
    training time plus the latest run. A run's manifest alone would count only
    the latest run's minutes.
    """
    total = 0.0
    for directory, metrics in finished_cells(root) if paths.has_cells(root) else []:
        training = metrics.get("training_wall_time_s") or 0.0
        latest = metrics.get("wall_time_s") or 0.0
        total += latest if latest >= training else training + latest
    return total


def memorize_target(root):
    """How the memorizing networks of a profile were told to stop, in words: ``"until they fit 50 % of them"``
    where the profile sets one target accuracy, else ``"for the profile's number of epochs or to a plateau"``."""
    cells = {directory.name: metrics["parameters"].get("memorize_until") for directory, metrics in finished_cells(root)
             if str(metrics["parameters"].get("condition", "")).startswith("mem_")}
    numbers = {t for t in cells.values() if isinstance(t, (int, float)) and not isinstance(t, bool)}
    if len(numbers) == 1:
        fit = f"until they fit {100 * numbers.pop():.0f} % of them"
        other = [name for name, target in cells.items() if not isinstance(target, (int, float))
                 or isinstance(target, bool)]
        if not other:
            return fit
        curves = all("-curve-" in name for name in other)  # a training curve's run is named so (cell ids)
        what = "training-curve run" if curves else "run"
        return f"{fit} ({len(other)} {what}{'s' if len(other) != 1 else ''} for a fixed number of epochs instead)"
    return "for the profile's number of epochs or to a plateau"


#: How the book names each data set in prose.
DATASET_PROSE = {"digits": "scikit-learn's digits", "fashion_mnist": "Fashion-MNIST", "mnist": "MNIST",
                 "cifar10": "CIFAR-10", "synthetic": "a synthetic task"}


def dataset_names(root):
    """The data sets a profile's networks learned, in words ("Fashion-MNIST", "scikit-learn's digits")."""
    from .render import and_list

    names = []
    for _, metrics in finished_cells(root):
        name = metrics.get("dataset", {}).get("name", "")
        names.append(DATASET_PROSE.get(name, name))
    return and_list(sorted(set(names))) or "no data set yet"


def small_profile_note(root):
    """What the pages of an embedded profile (``make book`` trains it in minutes on the digits) can and cannot
    show, in a paragraph; ``""`` for every other profile."""
    from .pages import EMBEDDED

    name = Path(root).name
    if name not in EMBEDDED:
        return ""
    records = list(read_manifest(root)["cells"].values())
    seeds = sorted({record["seed"] for record in records})
    full = " and ".join(f"`{other}`" for other in EMBEDDED[name])
    # a curve cell records a network's firing rate while it trains: not a network of the tables
    curves = sum(1 for record in records if record.get("parameters", {}).get("protocol") == "curve")
    networks = f"{len(records) - curves} networks" + (f" and {curves} training curve{'s' if curves > 1 else ''}"
                                                      if curves else "")
    return (f"**A small profile.** `{name}` trains {networks} on scikit-learn's digits "
            f"(up to {len(seeds)} seed{'s' if len(seeds) > 1 else ''}) in minutes on two CPU cores, so that `make book` "
            f"runs every analysis of this page afresh: enough to show that the analysis runs, too few for its "
            f"numbers to carry a verdict. The evidence is on the pages of the {full} "
            f"profile{'s' if len(EMBEDDED[name]) > 1 else ''} (Fashion-MNIST).")
