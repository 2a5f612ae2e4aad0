"""One experimental cell of the paper: train (or not), observe, binarize, summarize, save.

A cell is a (data set, model, width, condition, seed); its parameters are
declared in :mod:`spikelib.experiment.config`. Conditions (the paper's
section 3.1):

``random``
    The untrained network.
``generalizing``
    Trained on the true labels (``label_noise`` shuffles a fraction of them).
``mem_retrain_last``
    From the ``generalizing`` weights of the same data set, model, width and
    seed; every layer frozen except the last two (observed + output); trained
    on shuffled labels.
``mem_retrain_all``
    The same, nothing frozen.
``mem_random_last``
    From random initial weights; every layer frozen except the last two;
    trained on shuffled labels.

The ``curve`` protocol (the paper's Figure 5) trains one network on the true
labels and then on shuffled labels, freezing as the condition says, and
records the observed layer's mean firing rate on fixed probes after every
batch.

A run works the cell out once (:class:`CellPlan`: its phases, labels,
fingerprint, samples) and then has two stages. **Training** phases stop on a
rule (a target accuracy such as the paper's, a plateau, or a cap),
checkpoint every few epochs (an interrupted cell resumes where it stopped)
and write ``training.json`` and ``model.keras``. **Analysis** records the
observed layer and computes the statistics (``spikes.npz``, ``nodes.npz``,
then ``metrics.json``). A cell whose training is current is only analysed
again.

Outputs, in ``config.output_dir`` (default ``results/cells/<cell id>``):
``training.json`` (every phase's epochs, history, traces and why it stopped),
``model.keras``, ``spikes.npz`` (rasters ``train`` and ``test``, read with
:func:`spikelib.load_rasters`), ``nodes.npz`` (per-node statistics and a
300-sample raster excerpt, :func:`spikelib.experiment.cellfiles.read_nodes`),
``curve.npz`` for the curve protocol, and ``metrics.json``. Whether a cell is
finished is decided by :func:`spikelib.experiment.cellfiles.cell_status`.

Nothing finished is lost: a run writes into the folder's staging folder
(``.staging``) and moves its files into place only when all are written,
``metrics.json`` last; a run that fails in its checks, its training or its
analysis leaves the finished cell as it was, and the next run resumes from
what the failed one staged (a checkpoint, or a finished training). One run at
a time holds a folder (its ``.lock``); a second fails at once.

Functions
---------
run_cell
    Run a cell and write its files (see :mod:`spikelib.experiment.cellfiles`), ``metrics.json`` last.
plan_cell
    What a run works out once from the cell's parameters and its data.
seed_everything
    Seed Python, NumPy and TensorFlow.
"""

import contextlib
import dataclasses
import fcntl
import hashlib
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from .._validation import check_window
from .cellfiles import (CHECKPOINT, CURVE, LOCK, METRICS, MODEL, NODES, PROGRESS, SPIKES, STAGING, TRAINING,
                         read_json)
from ..exceptions import DataError, ParameterError, TrainingError
from ..raster import save_rasters
from ..storage import sha256, write_json, write_npz
from ..summary import summarize
from .analysis import (
    TEST_ORDER_STREAM,
    TRAIN_ORDER_STREAM,
    few_sample_indicators,
    layer_indicators,
    record_layer,
    record_validation,
    sample_order,
    split_statistics,
    weight_statistics,
)
from .config import ANALYSIS_VERSION, FIT_ACCURACY, TRAINING_VERSION, CellConfig, cell_id
from .data import Dataset, load_dataset, training_subset
from .diagnostics import network_diagnostics
from .models import build_model, freeze_all_but_last_two, set_penalties
from .paper import paper_accuracy
from .probes import firing_function
from .provenance import machine, package_versions
from .schema import ACCURACY_FIELDS, LOSS_FIELDS, SCHEMA_VERSION, gaps
from .training import (
    FIT_KEYS,
    HISTORY_KEYS,
    LABEL_STREAM,
    PhaseRecord,
    StopRule,
    Trainer,
    epoch_order,
    eta_seconds,
    fingerprints_match,
    fit_count,
    load_checkpoint,
    noisy_labels,
    save_checkpoint,
)

__all__ = ["CellResult", "CellPlan", "plan_cell", "run_cell", "seed_everything", "EXCERPT_SAMPLES"]

EXCERPT_SAMPLES = 300  # the paper's Figure 2 shows 300 test samples
#: Seed streams of the probes (with the cell's seed); labels, orders and epochs have their own.
_PROBE_STREAM, _TRACE_STREAM, _DIAGNOSTIC_STREAM = 4, 6, 7
#: Training samples the rival diagnostics use (ablation, sharpness).
_DIAGNOSTIC_SAMPLES = 5000
#: Log a line at least this often (seconds) and every this many epochs.
_LOG_SECONDS, _LOG_EPOCHS = 60, 25
#: Rewrite progress.json at most this often (seconds).
_PROGRESS_SECONDS = 2.0
#: The files a run stages and moves into the cell's folder (metrics.json after them).
_CELL_FILES = (TRAINING, MODEL, CURVE, SPIKES, NODES)
#: The accuracies a training record keeps and metrics.json repeats.
_ACCURACIES = ACCURACY_FIELDS + LOSS_FIELDS


def seed_everything(seed):
    """Seed Python, NumPy and TensorFlow, and ask TensorFlow for deterministic kernels.

    Raises
    ------
    MissingDependencyError
        If Keras or TensorFlow is not installed.
    """
    keras = soft_import("keras", "training a network")
    tf = soft_import("tensorflow", "training a network")

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def _digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@dataclass
class CellResult:
    """What :func:`run_cell` returns: the metrics written, the rasters, and the training record."""

    config: CellConfig
    metrics: dict
    spikes: dict
    output_dir: Path
    training: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Phase:
    name: str
    labels: np.ndarray
    rule: StopRule
    target_source: str | None
    freeze: bool


class _Folder:
    """A cell's folder and its staging folder: a run writes there, and :meth:`commit` moves what it wrote
    into place, ``metrics.json`` last, so that the folder holds the old finished cell or the new one."""

    def __init__(self, final):
        self.final = Path(final)
        self.stage = self.final / STAGING

    def new(self, name):
        """Where the run writes ``name``."""
        self.stage.mkdir(exist_ok=True)
        return self.stage / name

    def current(self, name):
        """``name`` as this run sees it: staged, or else the finished cell's."""
        staged = self.stage / name
        return staged if staged.is_file() else self.final / name

    def commit(self, metrics=None):
        """Stage ``metrics`` (when given) and move the staged cell into place; safe to repeat after an
        interruption (see :meth:`recover`)."""
        if metrics is not None:
            write_json(self.new(METRICS), metrics)
        recorded = (metrics or read_json(self.stage / METRICS))["files"]
        (self.final / METRICS).unlink(missing_ok=True)  # from here the folder holds no finished cell ...
        for name in _CELL_FILES:
            if name not in recorded:
                (self.final / name).unlink(missing_ok=True)  # e.g. a model the new result does not keep
            elif (self.stage / name).is_file():
                os.replace(self.stage / name, self.final / name)
        os.replace(self.stage / METRICS, self.final / METRICS)  # ... and from here the new one
        shutil.rmtree(self.stage, ignore_errors=True)

    def recover(self, progress):
        """Finish a commit an interruption cut short (the staged metrics.json marks a complete run)."""
        if (self.stage / METRICS).is_file():
            progress("completing the previous run's move of its finished files into place")
            self.commit()


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
        return _Folder(self.config.output_dir)


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
                    np.sort(sample_order(config.seed, _DIAGNOSTIC_STREAM, n_fit)[:_DIAGNOSTIC_SAMPLES]))


def _fingerprint(config, base_model=None):
    """What a checkpoint and a training record belong to: the parameters, the training version,
    and the model a retraining cell started from (retrained, it makes this cell's training stale)."""
    base_sha256 = sha256(base_model) if base_model is not None and Path(base_model).is_file() else None
    return {"identity": config.training_identity(), "training_version": TRAINING_VERSION,
            "base_model_sha256": base_sha256}


def _build(config, data):
    """The cell's network at initialisation (its seed rebuilds the same weights)."""
    return build_model(config.model, config.width, data.input_shape, data.n_classes, seed=config.seed,
                       densenet_weights=config.densenet_weights, depth=config.depth, dropout=config.dropout)


def _load_base_model(path, config, data):
    """The generalizing model a retraining cell starts from, checked against the cell before training."""
    keras = soft_import("keras", "training a network")
    try:
        network = keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # Keras raises several types for a file that is not a model
        raise DataError(f"`base_model` {path} is not a Keras model that loads ({type(error).__name__}: "
                        f"{str(error)[:160]}). Rerun the generalizing cell, or pass the right model.keras.") from None
    expected = _build(config, data)
    shapes = [tuple(w.shape) for w in network.weights]
    wanted = [tuple(w.shape) for w in expected.weights]
    if shapes != wanted:
        raise DataError(f"`base_model` {path} is not a {config.model}-{config.width} network for {data.n_classes} "
                        f"classes of {data.input_shape} inputs (its weights have shapes {shapes[:4]}..., the cell's "
                        f"{wanted[:4]}...). Pass the generalizing model of this cell's data set, model and width.")
    return network



def _initial_network(plan):
    config = plan.config
    if plan.base_model is not None:
        if not plan.base_model.is_file():
            raise DataError(
                f"Condition {config.condition!r} retrains the generalizing model, but {plan.base_model} "
                "does not exist. Run the 'generalizing' cell of the same data set, model, width "
                "and seed first (spikelib run orders this), or pass base_model."
            )
        network = _load_base_model(plan.base_model, config, plan.data)
    else:
        network = _build(config, plan.data)
    _check_layer(network, config.layer)
    set_penalties(network, config.layer, config.l1, config.l2, config.weight_decay)
    return network


def _check_against_data(config, data):
    """Checks that need the data's size, made before any training."""
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
    n_fit = fit_count(len(data.x_train), config.validation_split)
    n_validation = len(data.x_train) - n_fit
    if n_validation < 1 or n_fit < 1:
        raise ParameterError(
            f"`validation_split`={config.validation_split} of {len(data.x_train)} training samples leaves "
            f"{n_validation} for validation and {len(data.x_train) - n_validation} for training; both "
            "need at least one.", "validation_split")
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


def _check_layer(network, layer):
    """The observed layer must be a hidden ReLU layer of the model (a softmax or an input is no spike train)."""
    names = [item.name for item in network.layers]
    relu = [item.name for item in network.layers[:-1]
            if getattr(getattr(item, "activation", None), "__name__", "") == "relu"]
    if layer not in names:
        raise ParameterError(f"`layer`={layer!r} is not in the {network.name} model; its layers are {names}.",
                             "layer")
    if layer not in relu:
        raise ParameterError(f"`layer`={layer!r} is not a hidden ReLU layer of the {network.name} model, so its "
                             f"activations thresholded at 0 are no spike train; choose one of {relu}.", "layer")


def _set_trainable(network, freeze):
    if freeze:
        freeze_all_but_last_two(network)
    else:
        for item in network.layers:
            item.trainable = True



class _Tracer:
    """The four indicators on a fixed probe of training samples, every few epochs."""

    def __init__(self, network, plan):
        tf = soft_import("tensorflow", "training a network")
        config = plan.config
        n = min(config.trace_samples, plan.n_fit)
        self.index = np.sort(sample_order(config.seed, _TRACE_STREAM, plan.n_fit)[:n])
        self.x = plan.data.x_train[self.index]
        self.window = config.window
        # One compiled forward pass per trace: Keras' predict costs tenths of a second each time.
        self._fired = tf.function(firing_function(network, config.layer, self.x, reuse_frozen=False))

    def __call__(self, phase_record, epoch, accuracy, trainer, labels):
        spikes = np.asarray(self._fired()).T > 0
        s = summarize(spikes, window=self.window)
        probe_accuracy = trainer.evaluate(self.x, labels[self.index])[1]
        for key, value in zip(phase_record.traces, (epoch, accuracy, probe_accuracy, s.mfr, s.cv_fr, s.mf,
                                                    s.cv_mf)):
            phase_record.traces[key].append(value)


class _Progress:
    """One-line progress messages, and ``progress.json`` for the runner's bar."""

    def __init__(self, config, output_dir, emit):
        self.config, self.path, self.emit = config, Path(output_dir) / PROGRESS, emit
        self.last = self.written = 0.0

    def epoch(self, phase, record, rule, seconds_per_epoch, force=False):
        values = record.history[rule.monitor]
        eta = eta_seconds(record, rule, seconds_per_epoch)
        now = time.perf_counter()
        if force or now - self.written > _PROGRESS_SECONDS:  # short epochs: not a file write each
            self.written = now
            write_json(self.path, {"cell": cell_id(self.config), "phase": phase.name, "epoch": record.epochs,
                                   "max_epochs": rule.max_epochs, "monitor": rule.monitor,
                                   "value": values[-1] if values else None, "target": rule.until,
                                   "seconds_per_epoch": seconds_per_epoch, "eta_s": eta, "time": time.time()})
        if force or (record.epochs % _LOG_EPOCHS == 0 and now - self.last > 5) or now - self.last > _LOG_SECONDS:
            self.last = now
            target = "" if isinstance(rule.until, str) else f" (target {rule.until:.4f})"
            value = "" if values[-1] is None else f"{values[-1]:.4f}"
            self.emit(f"{phase.name}: epoch {record.epochs}/{rule.max_epochs}, {rule.monitor} {value}{target}, "
                      f"{seconds_per_epoch:.2f} s/epoch, about {eta / 60:.0f} min left at most")


def _train(plan, network, progress):
    """Run the cell's training phases, resuming from a checkpoint; return the phase records and the trainer."""
    config, data, phases = plan.config, plan.data, plan.phases
    probe = None
    if config.protocol == "curve":
        probe = (data.x_train[sample_order(config.seed, _PROBE_STREAM, len(data.x_train))[: config.probe_size]],
                 data.x_test[sample_order(config.seed, _PROBE_STREAM, len(data.x_test))[: config.probe_size]])
    trainer = Trainer(network, data.x_train, config.validation_split, config.batch_size, config.learning_rate,
                      config.layer, probe=probe)
    tracer = _Tracer(network, plan) if config.trace_every else None
    checkpoint = plan.folder.new(CHECKPOINT)
    resumed = load_checkpoint(checkpoint, network, plan.fingerprint)
    records, start = resumed if resumed else ([], 0)
    if resumed:
        progress(f"resuming from the checkpoint: phase {start + 1} of {len(phases)} ({phases[start].name}), "
                 f"epoch {records[start].epochs if start < len(records) else 0}")
    log = _Progress(config, config.output_dir, progress)
    for index, phase in enumerate(phases):
        if index < start:
            continue
        if index == len(records):
            rule = dataclasses.asdict(phase.rule) | {"target_source": phase.target_source}
            records.append(PhaseRecord(phase.name, rule))
            if phase.rule.monitor in FIT_KEYS:
                records[-1].history.update({key: [] for key in FIT_KEYS})
        item = records[index]
        _set_trainable(network, phase.freeze)
        trainer.set_labels(phase.labels)
        trainer.prepare()
        monitor = item.history[phase.rule.monitor]
        if item.epochs == 0:
            progress(f"{phase.name}: until {phase.rule.until}"
                     + (f" ({phase.target_source})" if phase.target_source else "")
                     + f", at most {phase.rule.max_epochs} epochs")
            if tracer:
                tracer(item, 0, float("nan"), trainer, phase.labels)
        while item.stop_reason is None and phase.rule.reason(monitor) is None:
            started = time.perf_counter()
            epoch = item.epochs + 1
            loss, accuracy, rates = trainer.train_epoch(epoch_order(config.seed, index, epoch, trainer.n_fit))
            if not math.isfinite(loss):  # diverged: stop, and keep nothing a rerun would resume from
                checkpoint.unlink(missing_ok=True)
                raise TrainingError(
                    f"{phase.name}: the training loss became {loss} in epoch {epoch} with `learning_rate`="
                    f"{config.learning_rate}: the network diverged. Lower `learning_rate` (the paper: 0.1); no "
                    "checkpoint, model or raster of this run is kept.")
            val_loss, val_accuracy = trainer.validate()
            values = dict(zip(HISTORY_KEYS, (epoch, loss, accuracy, val_loss, val_accuracy)))
            if "fit_accuracy" in item.history:
                values.update(zip(FIT_KEYS, trainer.evaluate_fit()))
            values["seconds"] = time.perf_counter() - started
            for key, value in values.items():
                item.history[key].append(value)
            if rates is not None:
                item.curve["mfr_train"].extend(rates[:, 0].tolist())
                item.curve["mfr_test"].extend(rates[:, 1].tolist())
            item.stop_reason = phase.rule.reason(monitor)
            if tracer and (epoch % config.trace_every == 0 or item.stop_reason):
                tracer(item, epoch, accuracy, trainer, phase.labels)
            recent = item.history["seconds"][-10:]
            log.epoch(phase, item, phase.rule, sum(recent) / len(recent), force=item.stop_reason is not None)
            if config.checkpoint_every and (epoch % config.checkpoint_every == 0 or item.stop_reason):
                save_checkpoint(checkpoint, network, records, index, plan.fingerprint)
        if item.stop_reason is None:  # resumed exactly at the stop
            item.stop_reason = phase.rule.reason(monitor)
        progress(f"{phase.name}: stopped after {item.epochs} epochs ({item.stop_reason})")
    return records, trainer


def _evaluation(plan, trainer, records):
    """Accuracies after training: running (Keras' last-epoch figure) and evaluation passes."""
    data, n_fit = plan.data, plan.n_fit
    trainer.set_labels(plan.labels)
    train_loss, train_pass = trainer.evaluate(trainer.x_fit, plan.labels[:n_fit])
    running = records[-1].history["accuracy"][-1] if records else float("nan")
    return {
        # The paper's Table 1 training accuracy is taken to be Keras' running accuracy of the last
        # epoch; an evaluation pass after training reads lower on memorizing networks. Both are kept.
        "train_accuracy": running if records else train_pass,
        "train_accuracy_running": running,
        "train_accuracy_evaluated": train_pass,
        # Keras' val_accuracy is an evaluation pass too, on the labels the network was trained with.
        "validation_accuracy": trainer.validate()[1],
        "test_accuracy": trainer.evaluate(data.x_test, data.y_test)[1],
        "train_accuracy_true_labels": trainer.evaluate(trainer.x_fit, data.y_train[:n_fit])[1],
        # Cross-entropy on the fitted samples (no penalty), and Keras' running loss of the last epoch.
        "train_loss_evaluated": train_loss,
        "train_loss_running": records[-1].history["loss"][-1] if records else float("nan"),
    }


def _reusable_training(plan):
    """The current training record and model (staged by an earlier run, or the finished cell's), or ``None``."""
    for directory in (plan.folder.stage, plan.folder.final):
        try:
            training = read_json(directory / TRAINING)
        except DataError:
            continue
        model = directory / MODEL
        if (fingerprints_match(training.get("fingerprint"), plan.fingerprint) and model.is_file()
                and sha256(model) == training.get("model_sha256")):
            return training, model
    return None


def _curve(records):
    mfr_train = [v for r in records for v in r.curve["mfr_train"]]
    mfr_test = [v for r in records for v in r.curve["mfr_test"]]
    phase = [i for i, r in enumerate(records) for _ in r.curve["mfr_train"]]
    return {"mfr_train": np.array(mfr_train), "mfr_test": np.array(mfr_test), "phase": np.array(phase, np.int8),
            "batches_true_labels": np.array(len(records[0].curve["mfr_train"]))}


def _training_stage(plan, progress):
    """The trained network and its record: reused when current, else trained (or resumed) and staged."""
    keras = soft_import("keras", "training a network")
    reusable = _reusable_training(plan)
    if reusable is not None:
        progress("training is current (training.json and model.keras): analysing only")
        network = keras.models.load_model(reusable[1], safe_mode=True, compile=False)
        _check_layer(network, plan.config.layer)
        return network, reusable[0]
    network = _initial_network(plan)
    started = time.perf_counter()
    records, trainer = _train(plan, network, progress)
    accuracy = _evaluation(plan, trainer, records)
    folder, config = plan.folder, plan.config
    if config.protocol == "curve":
        write_npz(folder.new(CURVE), **_curve(records))
    network.save(folder.new(MODEL))
    training = {
        "fingerprint": plan.fingerprint,
        "phases": [r.to_dict() for r in records],
        "epochs": {r.name: r.epochs for r in records},
        "stop_reasons": {r.name: r.stop_reason for r in records},
        **accuracy,
        "labels": {
            "noise": plan.noise,
            "shuffled": int(len(plan.shuffled)),
            "changed": int((plan.labels != plan.data.y_train).sum()),
            "rule": f"labels of round(label_noise * n) samples drawn by numpy default_rng([{config.seed}, "
                    f"{LABEL_STREAM}]) permuted among themselves",
            "labels_sha256": _digest(plan.labels),
        },
        "base_model": paths.repository_relative(plan.base_model),
        "trainable_layers": [item.name for item in network.layers if item.trainable and item.weights],
        "frozen_layers": [item.name for item in network.layers if not item.trainable and item.weights],
        "training_wall_time_s": time.perf_counter() - started,
        "model_sha256": sha256(folder.new(MODEL)),
    }
    write_json(folder.new(TRAINING), training)
    folder.new(CHECKPOINT).unlink(missing_ok=True)
    return network, training


def _initial_weights(config, data):
    """The network's weights at initialisation (its seed rebuilds them); ``None`` for ImageNet weights."""
    if config.model == "densenet" and config.densenet_weights == "imagenet":
        return None
    network = _build(config, data)
    return {variable.path: np.asarray(variable) for variable in network.weights}


def _analysis(plan, network, progress):
    """Record the observed layer, compute every statistic, and stage the rasters and per-node files."""
    config, data, folder = plan.config, plan.data, plan.folder
    progress("recording the observed layer on the training and test sets")
    spikes, orders, magnitudes = record_layer(network, data, config)
    save_rasters(folder.new(SPIKES), train=spikes["train"], test=spikes["test"])
    progress("computing the statistics of both recordings")
    train_stats, train_nodes = split_statistics(spikes["train"], config, stationarity=False,
                                                labels=data.y_train[orders["train"]], magnitude=magnitudes["train"])
    test_stats, test_nodes = split_statistics(spikes["test"], config, stationarity=True,
                                              labels=data.y_test[orders["test"]], magnitude=magnitudes["test"])
    sample = plan.diagnostic_sample
    weight_stats, weight_nodes = weight_statistics(network, config.layer, train_nodes["firing_rate"],
                                                   inputs=data.x_train[sample])
    progress("the rival diagnostics, the indicators from few samples, and every hidden layer")
    diagnostics, diagnostic_seconds = network_diagnostics(
        network, data.x_train[sample], plan.labels[sample], config.layer,
        initial_weights=_initial_weights(config, data), seed=config.seed)
    excerpt = spikes["test"][:, :EXCERPT_SAMPLES]
    write_npz(folder.new(NODES), **{f"train_{k}": v for k, v in train_nodes.items()},
              **{f"test_{k}": v for k, v in test_nodes.items()}, **weight_nodes,
              test_excerpt=np.packbits(excerpt, axis=1), test_excerpt_shape=np.array(excerpt.shape))
    statistics = {
        "splits": {"train": train_stats, "test": test_stats},
        **({"validation_recording": _validation_recording(network, plan)} if config.train_recording == "fit" else {}),
        "weights": weight_stats,
        "diagnostics": diagnostics,
        "few_samples": few_sample_indicators(spikes["train"], config.window),
        "layers": layer_indicators(network, data.x_test[orders["test"]], config.window),
        "seconds": {"train_split": train_stats.pop("seconds"), "test_split": test_stats.pop("seconds"),
                    "diagnostics": diagnostic_seconds},
    }
    return spikes, statistics


def _validation_recording(network, plan):
    """The validation samples' recording, kept apart when the training recording holds only the fitted
    samples: its rate statistics, and the Fano statistics where two windows fit."""
    config = plan.config
    spikes = record_validation(network, plan.data, config)
    fits = spikes.shape[1] >= 2 * config.window  # else the rate statistics only (a shorter window's MF is another)
    summary = summarize(spikes, window=config.window if fits else max(1, spikes.shape[1] // 2))
    values = {"n_samples": int(spikes.shape[1]), "mfr": summary.mfr, "cv_fr": summary.cv_fr}
    return {**values, "mf": summary.mf, "cv_mf": summary.cv_mf} if fits else values


def _metrics(plan, training, statistics, started):
    """The cell's ``metrics.json``: parameters, data, accuracies, statistics, files and provenance."""
    config, data, folder = plan.config, plan.data, plan.folder
    summary = {key: training[key] for key in _ACCURACIES if key in training}  # older records lack the losses
    # Generalizing models are kept always: other cells retrain them.
    kept = [name for name in _CELL_FILES if name != MODEL or config.save_model or config.condition == "generalizing"]
    return {
        "cell_id": cell_id(config),
        "complete": True,
        "protocol": {"training": TRAINING_VERSION, "analysis": ANALYSIS_VERSION},
        "schema": SCHEMA_VERSION,
        "parameters": {**config.recorded(), **config.identity()},  # with the data's checksum, for .npz data
        "seed": config.seed,
        "dataset": {
            "name": data.name,
            "source": paths.repository_relative(data.source) if Path(data.source).exists() else data.source,
            "n_train": len(data.x_train), "n_test": len(data.x_test), "input_shape": list(data.input_shape),
            "n_classes": data.n_classes,
            "sha256": sha256(config.dataset) if str(config.dataset).endswith(".npz") else None,
        },
        **summary,
        **gaps(summary),
        "epochs": training["epochs"],
        "stop_reasons": training["stop_reasons"],
        "labels": training["labels"],
        "sample_order": {
            "train": f"numpy default_rng([{config.seed}, {TRAIN_ORDER_STREAM}]).permutation",
            "test": f"numpy default_rng([{config.seed}, {TEST_ORDER_STREAM}]).permutation",
        },
        "base_model": training["base_model"],
        "trainable_layers": training["trainable_layers"],
        "frozen_layers": training["frozen_layers"],
        **statistics,
        "files": {name: sha256(folder.current(name)) for name in kept if folder.current(name).is_file()},
        "versions": package_versions(),
        "machine": machine(),
        "training_wall_time_s": training["training_wall_time_s"],
        "wall_time_s": time.perf_counter() - started,
    }


def _checked_data(config, progress):
    """Seed everything, load the cell's data, and check the cell against it (before any training)."""
    seed_everything(config.seed)
    data = training_subset(load_dataset(config.dataset, data_dir=config.data_dir), config.train_samples)
    progress(f"{cell_id(config)}: {data.name} from {data.source}, "
             f"{len(data.x_train)} train / {len(data.x_test)} test samples")
    _check_against_data(config, data)
    return data


def run_cell(config, progress=print):
    """Run one experimental cell and write its outputs (see the module's description).

    Parameters
    ----------
    config : CellConfig or dict
    progress : callable
        Receives one-line progress messages.

    Returns
    -------
    CellResult

    Raises
    ------
    ParameterError
        A parameter the cell's data or model cannot take (checked before training), or an unwritable folder.
    DataError
        Missing or corrupt data or base model, or another run writing to the same folder.
    TrainingError
        If the training loss becomes non-finite (divergence).
    """
    started = time.perf_counter()
    config = (CellConfig.from_dict(config) if isinstance(config, dict) else config).placed()
    output_dir = _check_output_dir(Path(config.output_dir))
    with _exclusive(output_dir):
        try:
            _Folder(output_dir).recover(progress)
            plan = plan_cell(config, _checked_data(config, progress))
            network, training = _training_stage(plan, progress)
            spikes, statistics = _analysis(plan, network, progress)
            metrics = _metrics(plan, training, statistics, started)
            plan.folder.commit(metrics)
        finally:
            (output_dir / PROGRESS).unlink(missing_ok=True)  # finished or failed, it is no longer training
    progress(f"done in {metrics['wall_time_s']:.0f} s: train accuracy {metrics['train_accuracy']:.3f}, "
             f"MFR train {metrics['splits']['train']['mfr']:.3f}")
    return CellResult(config, metrics, spikes, output_dir, training)


def _check_output_dir(output_dir):
    """The output folder, which must be a folder this process can write; made if missing."""
    if output_dir.exists() and not output_dir.is_dir():
        raise ParameterError(f"`output_dir` {output_dir} is a file, not a folder; give a folder (--out).", "output_dir")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir):
            pass
    except OSError as error:
        raise ParameterError(f"`output_dir` {output_dir} cannot be written ({error.strerror}); give a folder you "
                             "can write (--out).", "output_dir") from None
    return output_dir


@contextlib.contextmanager
def _exclusive(output_dir):
    """Hold the output folder's lock: a second run on the same folder fails at once, naming it."""
    path = Path(output_dir) / LOCK
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DataError(f"Another run is writing to {output_dir} (it holds {path.name}). Wait for it to finish, "
                        "or give this run another output folder (--out).") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
