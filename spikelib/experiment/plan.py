"""What a cell's run works out once from its parameters and its data, before any training.

:func:`plan_cell` turns a cell (:class:`~spikelib.experiment.config.CellConfig`)
and its data into a :class:`CellPlan`: the training phases with their stop
rules and labels, the fingerprint that checkpoints and training records
belong to, and the samples the diagnostics use. :func:`check_against_data`
makes every check that needs the data's size, so that a cell that cannot run
fails before its first epoch.

Functions
---------
plan_cell
    The plan of one run.
check_against_data
    The checks that need the data (window, splits, batch, classes, targets).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._optional import soft_import
from .._validation import check_window
from ..assumptions import MIN_WINDOWS as MIN_CHANGE_POINT_WINDOWS
from ..exceptions import DataError, ParameterError
from ..storage import sha256
from . import streams
from .analysis import sample_order
from .cellfiles import MODEL
from .cellfolder import CellFolder
from .config import FIT_ACCURACY, TRAINING_VERSION, CellConfig
from .data import Dataset
from .paper import paper_accuracy
from .training import StopRule, fit_count, noisy_labels

__all__ = ["CellPlan", "plan_cell", "check_against_data", "DIAGNOSTIC_SAMPLES"]

#: Training samples the rival diagnostics use (ablation, sharpness).
DIAGNOSTIC_SAMPLES = 5000


@dataclass(frozen=True)
class _Phase:
    name: str
    labels: np.ndarray
    rule: StopRule
    target_source: str | None
    freeze: bool


@dataclass(frozen=True)
class CellPlan:
    """What a cell's run works out once from its parameters and its data, and passes down.

    Attributes
    ----------
    config : CellConfig
        The cell, with its output folder.
    data : Dataset
        Its data (the training subset, where it has one).
    phases : tuple
        The training phases in order: labels, stop rule, what is frozen.
    labels : numpy.ndarray
        The training labels the network learned last (the true ones when it is not trained).
    noise : float
        The label noise of those labels.
    shuffled : numpy.ndarray
        The samples whose labels the noise rule permuted.
    n_fit : int
        Training samples fitted (the rest validate).
    base_model : pathlib.Path or None
        The generalizing model a retraining cell starts from.
    fingerprint : dict
        What a checkpoint and a training record belong to.
    diagnostic_sample : numpy.ndarray
        The fitted samples the rival diagnostics and the weight statistics use.
    """

    config: CellConfig
    data: Dataset
    phases: tuple
    labels: np.ndarray
    noise: float
    shuffled: np.ndarray
    n_fit: int
    base_model: Path | None
    fingerprint: dict
    diagnostic_sample: np.ndarray

    @property
    def folder(self):
        return CellFolder(self.config.output_dir)


def _resolve_until(until, config, condition, split):
    """A stop rule's target: ``paper`` becomes the paper's accuracy, where it has one."""
    if until == "paper":
        value = paper_accuracy(config.dataset_name, config.model, config.width, condition, split)
        if value is None:
            return "plateau", "the paper reports no such network: a plateau or the cap stops the phase"
        return value, f"the paper's Table 1 ({split} accuracy)"
    if until == "fit":
        return FIT_ACCURACY, ("the fitting criterion: training accuracy of 99 % evaluated on the fitted samples "
                              "after the epoch")
    if isinstance(until, str):
        return until, None
    return float(until), "given"


def _phases(config, labels_with):
    """The training phases of the cell, in order; ``labels_with(noise)`` gives the labels of a noise level."""
    phases = []
    if config.trains_on_true_labels:
        until, source = _resolve_until(config.generalize_until, config, "generalizing", "validation")
        fit = config.generalize_until == "fit"
        # To the fitting criterion or the cap, never a plateau: a patience of the whole cap.
        rule = StopRule(until, config.epochs, config.epochs if fit else config.generalize_patience, config.min_gain,
                        "fit_accuracy" if fit else "val_accuracy")
        phases.append(_Phase("true labels", labels_with(config.phase_noise("true labels"))[0], rule, source,
                             freeze=False))
    if config.trains_on_shuffled_labels:
        until, source = _resolve_until(config.memorize_until, config, config.condition, "train")
        rule = StopRule(until, config.max_memorize_epochs, config.patience, config.min_gain,
                        "fit_accuracy" if config.memorize_until == "fit" else "accuracy")
        phases.append(_Phase("shuffled labels", labels_with(config.phase_noise("shuffled labels"))[0], rule, source,
                             freeze=config.freezes_all_but_last_two))
    return tuple(phases)


def plan_cell(config, data):
    """Work the cell out once: phases, labels, fingerprint, samples (see :class:`CellPlan`).

    ``config`` must have its output folder (:meth:`CellConfig.placed`).
    """
    labelled = {}

    def labels_with(noise):
        if noise not in labelled:
            labelled[noise] = (noisy_labels(data.y_train, noise, config.seed) if noise
                               else (data.y_train, np.array([], dtype=np.int64)))
        return labelled[noise]

    phases = _phases(config, labels_with)
    noise = config.phase_noise(phases[-1].name) if phases else 0.0
    n_fit = fit_count(len(data.x_train), config.validation_split)
    base = config.base_cell()
    base_model = None if base is None else Path(config.base_model or Path(base.output_dir) / MODEL)
    return CellPlan(config, data, phases, labels_with(noise)[0], noise, labels_with(noise)[1], n_fit, base_model,
                    _fingerprint(config, base_model),
                    np.sort(sample_order(config.seed, streams.DIAGNOSTIC, n_fit)[:DIAGNOSTIC_SAMPLES]))


def _fingerprint(config, base_model=None):
    """What a checkpoint and a training record belong to: the parameters, the training version,
    and the model a retraining cell started from (retrained, it makes this cell's training stale)."""
    base_sha256 = sha256(base_model) if base_model is not None and Path(base_model).is_file() else None
    return {"identity": config.training_identity(), "training_version": TRAINING_VERSION,
            "base_model_sha256": base_sha256}




def _parameter_count(config, data):
    """Weights of the cell's network, from its shape (DenseNet's is fixed: about 7 million)."""
    inputs = int(np.prod(data.input_shape))
    if config.model == "densenet":
        return 7_000_000 + config.width * (1024 + data.n_classes)
    if config.model == "cnn":
        height, width = data.input_shape[0] - 2, data.input_shape[1] - 2
        inputs = 32 * max(height, 0) * max(width, 0)
    hidden = inputs * config.width + (config.depth - 1) * config.width * config.width
    return hidden + config.width * data.n_classes


def _check_memory(config, data):
    """Refuse a network whose weights, gradients and checkpoints would not fit in the memory available."""
    psutil = soft_import("psutil", "checking a network's size against the memory")
    needed = 4 * 4 * _parameter_count(config, data)  # float32 weights, gradients, the step's copies, a checkpoint
    available = psutil.virtual_memory().available
    if needed > available:
        raise ParameterError(f"`width`={config.width} (depth {config.depth}) makes a {config.model} of "
                             f"{_parameter_count(config, data):,} weights, about {needed / 2**30:.1f} GiB to train, "
                             f"more than the {available / 2**30:.1f} GiB available; give a smaller width.", "width")


def check_against_data(config, data):
    """Checks that need the data's size, made before any training.

    Raises
    ------
    ParameterError
        A parameter the data cannot take, naming it: a window too long for the recordings or for the
        change-point search, too many Ljung-Box lags, a validation split that leaves a class untrained
        or no validation sample, a network too large for the memory, a target at or below chance, a probe of fewer than two windows, a CNN on images smaller
        than its kernel.
    DataError
        A data set of one class.
    """
    if config.model == "cnn" and min(data.input_shape[:2]) < 3:
        raise ParameterError(f"`model`='cnn' convolves with a 3x3 kernel, but {data.name!r} has images of "
                             f"{data.input_shape[0]}x{data.input_shape[1]} pixels; use the MLP, or images of at least "
                             "3x3.", "model")
    smallest = min(len(data.x_train), len(data.x_test))
    if config.ljung_box_lags >= smallest // 2:
        raise ParameterError(f"`ljung_box_lags`={config.ljung_box_lags} needs series of more than twice as many "
                             f"samples; the smallest split of {data.name!r} has {smallest}. Give fewer lags.",
                             "ljung_box_lags")
    if data.n_classes < 2:
        raise DataError(f"{data.name!r} has {data.n_classes} class in its training labels: every network would "
                        "predict it perfectly, generalizing and memorizing alike. Give a data set of at least two "
                        "classes.")
    recorded = fit_count(len(data.x_train), config.validation_split) if config.train_recording == "fit" \
        else len(data.x_train)
    for split, n in (("training", recorded), ("test", len(data.x_test))):
        try:
            check_window(config.window, n)
        except ParameterError as error:
            raise ParameterError(f"The {split} split of {data.name!r} has {n} samples: {error}", "window") from None
    if len(data.x_test) // config.window < MIN_CHANGE_POINT_WINDOWS:
        raise ParameterError(f"`window`={config.window} leaves {len(data.x_test) // config.window} windows of the "
                             f"test split of {data.name!r} ({len(data.x_test)} samples); its change-point search needs "
                             f"{MIN_CHANGE_POINT_WINDOWS}. Give a window of at most "
                             f"{len(data.x_test) // MIN_CHANGE_POINT_WINDOWS} samples.", "window")
    n_fit = fit_count(len(data.x_train), config.validation_split)
    n_validation = len(data.x_train) - n_fit
    fitted_classes = len(np.unique(data.y_train[:n_fit]))
    if n_validation < 1 or fitted_classes < data.n_classes:
        raise ParameterError(
            f"`validation_split`={config.validation_split} of {len(data.x_train)} training samples leaves "
            f"{n_validation} for validation and {n_fit} to train on, holding {fitted_classes} of the "
            f"{data.n_classes} classes; the network must train on every class and validate on at least one "
            "sample. Give a smaller split (the paper: 0.1).", "validation_split")
    _check_memory(config, data)
    chance = 1.0 / data.n_classes
    for name in ("generalize_until", "memorize_until"):
        target = getattr(config, name)
        if not isinstance(target, str) and target <= chance:
            raise ParameterError(f"`{name}`={target} is at or below chance ({chance:.3g} with {data.n_classes} "
                                 "classes): give a higher accuracy, 'plateau' or 'epochs'.", name)
    if config.trace_every:
        n_trace = min(config.trace_samples, n_fit)
        if n_trace // config.window < 2:
            raise ParameterError(f"`trace_samples`={config.trace_samples} gives {n_trace} probe samples, fewer "
                                 f"than two windows of {config.window}; give more, or trace_every=0.",
                                 "trace_samples")


