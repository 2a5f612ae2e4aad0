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

A cell has two stages. **Training** phases stop on a rule (a target accuracy
such as the paper's, a plateau, or a cap), checkpoint every few epochs (an
interrupted cell resumes where it stopped) and write ``training.json`` and
``model.keras``. **Analysis** records the observed layer and computes the
statistics (``spikes.npz``, ``nodes.npz``, then ``metrics.json``). A cell
whose training is current is only analysed again.

Functions
---------
run_cell
    Run a cell and write its files (see :mod:`spikelib.cellfiles`), ``metrics.json`` last.
seed_everything
    Seed Python, NumPy and TensorFlow.
"""

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from .._validation import check_window
from ..cellfiles import CHECKPOINT, CURVE, LOCK, METRICS, MODEL, NODES, PROGRESS, SPIKES, TRAINING, read_json
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
    split_statistics,
    weight_statistics,
)
from .diagnostics import network_diagnostics
from .config import ANALYSIS_VERSION, FIT_ACCURACY, RETRAINING, TRAINING_VERSION, CellConfig, cell_id
from .data import load_dataset, training_subset
from .models import build_model, freeze_all_but_last_two, observed_activations, set_penalties
from .paper import paper_accuracy
from .provenance import machine, package_versions
from .training import (
    LABEL_STREAM,
    PhaseRecord,
    StopRule,
    Trainer,
    epoch_order,
    eta_seconds,
    fingerprints_match,
    load_checkpoint,
    noisy_labels,
    save_checkpoint,
)

__all__ = ["CellResult", "run_cell", "seed_everything", "EXCERPT_SAMPLES"]

EXCERPT_SAMPLES = 300  # the paper's Figure 2 shows 300 test samples
#: Seed streams of the probes (with the cell's seed); labels, orders and epochs have their own.
_PROBE_STREAM, _TRACE_STREAM, _DIAGNOSTIC_STREAM = 4, 6, 7
#: Training samples the rival diagnostics use (ablation, sharpness).
_DIAGNOSTIC_SAMPLES = 5000
#: Log a line at least this often (seconds) and every this many epochs.
_LOG_SECONDS, _LOG_EPOCHS = 60, 25
#: Rewrite progress.json at most this often (seconds).
_PROGRESS_SECONDS = 2.0


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


def _permutation(seed, stream, n):
    return np.random.default_rng([seed, stream]).permutation(n)


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


def _resolve_until(until, config, condition, split):
    """A stop rule's target: ``paper`` becomes the paper's accuracy, where it has one."""
    if until == "paper":
        value = paper_accuracy(config.dataset_name, config.model, config.width, condition, split)
        if value is None:
            return "plateau", "the paper reports no such network: a plateau or the cap stops the phase"
        return value, f"the paper's Table 1 ({split} accuracy)"
    if until == "fit":
        return FIT_ACCURACY, "the zoo's fitting criterion: running training accuracy of 99 % (Jiang et al. 2020)"
    if isinstance(until, str):
        return until, None
    return float(until), "given"


def _phases(config, data):
    """The training phases of the cell, in order."""
    phases = []
    if config.trains_on_true_labels:
        noise = 0.0 if config.protocol == "curve" else config.noise
        labels = noisy_labels(data.y_train, noise, config.seed)[0] if noise else data.y_train
        until, source = _resolve_until(config.generalize_until, config, "generalizing", "validation")
        fit = config.generalize_until == "fit"
        # To the fitting criterion or the cap, never a plateau: a patience of the whole cap.
        rule = StopRule(until, config.epochs, config.epochs if fit else config.generalize_patience, config.min_gain,
                        "accuracy" if fit else "val_accuracy")
        phases.append(_Phase("true labels", labels, rule, source, freeze=False))
    if config.trains_on_shuffled_labels:
        labels = noisy_labels(data.y_train, config.noise, config.seed)[0]
        until, source = _resolve_until(config.memorize_until, config, config.condition, "train")
        rule = StopRule(until, config.max_memorize_epochs, config.patience, config.min_gain, "accuracy")
        phases.append(_Phase("shuffled labels", labels, rule, source, freeze=config.freezes_all_but_last_two))
    return phases


def _base_model_path(config, output_dir):
    if config.base_model:
        return Path(config.base_model)
    sibling = dataclasses.replace(config, condition="generalizing", protocol="cell")
    return Path(output_dir).parent / cell_id(sibling) / MODEL


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


def _initial_network(config, data, output_dir):
    if config.condition in RETRAINING and config.protocol == "cell":
        path = _base_model_path(config, output_dir)
        if not path.is_file():
            raise DataError(
                f"Condition {config.condition!r} retrains the generalizing model, but {path} "
                "does not exist. Run the 'generalizing' cell of the same data set, model, width "
                "and seed first (spikelib run orders this), or pass base_model."
            )
        network = _load_base_model(path, config, data)
        base = str(path)
    else:
        network = _build(config, data)
        base = None
    _check_layer(network, config.layer)
    set_penalties(network, config.layer, config.l1, config.l2, config.weight_decay)
    return network, base


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
    for split, n in (("training", len(data.x_train)), ("test", len(data.x_test))):
        try:
            check_window(config.window, n)
        except ParameterError as error:
            raise ParameterError(f"The {split} split of {data.name!r} has {n} samples: {error}", "window") from None
    n_validation = int(len(data.x_train) * config.validation_split)
    if n_validation < 1 or n_validation >= len(data.x_train):
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
        n_trace = min(config.trace_samples, len(data.x_train) - n_validation)
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


def _fingerprint(config, output_dir):
    """What a checkpoint and a training record belong to: the parameters, the training version,
    and the model a retraining cell started from (retrained, it makes this cell's training stale)."""
    base = _base_model_path(config, output_dir) if config.condition in RETRAINING and config.protocol == "cell" else None
    base_sha256 = sha256(base) if base is not None and base.is_file() else None
    return {"identity": config.training_identity(), "training_version": TRAINING_VERSION,
            "base_model_sha256": base_sha256}


class _Tracer:
    """The four indicators on a fixed probe of training samples, every few epochs."""

    def __init__(self, network, data, config, n_fit):
        tf = soft_import("tensorflow", "training a network")
        keras = soft_import("keras", "training a network")
        n = min(config.trace_samples, n_fit)
        self.index = np.sort(_permutation(config.seed, _TRACE_STREAM, n_fit)[:n])
        self.x = data.x_train[self.index]
        self.config = config
        upto = keras.Model(network.inputs, network.get_layer(config.layer).output)
        probe = tf.constant(self.x)
        # One compiled forward pass per trace: Keras' predict costs tenths of a second each time.
        self._fired = tf.function(lambda: tf.reshape(upto(probe, training=False) > 0, (n, -1)))

    def __call__(self, phase_record, epoch, accuracy, trainer, labels):
        spikes = np.asarray(self._fired()).T
        s = summarize(spikes, window=self.config.window)
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
        values = record.history["accuracy"] if rule.monitor == "accuracy" else record.history["val_accuracy"]
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


def _train(config, data, network, output_dir, progress):
    """Run the cell's training phases, resuming from a checkpoint; return the phase records."""
    phases = _phases(config, data)
    probe = None
    if config.protocol == "curve":
        probe = (data.x_train[_permutation(config.seed, _PROBE_STREAM, len(data.x_train))[: config.probe_size]],
                 data.x_test[_permutation(config.seed, _PROBE_STREAM, len(data.x_test))[: config.probe_size]])
    trainer = Trainer(network, data.x_train, config.validation_split, config.batch_size, config.learning_rate,
                      config.layer, probe=probe)
    tracer = _Tracer(network, data, config, trainer.n_fit) if config.trace_every else None
    checkpoint = Path(output_dir) / CHECKPOINT
    fingerprint = _fingerprint(config, output_dir)
    resumed = load_checkpoint(checkpoint, network, fingerprint)
    records, start = resumed if resumed else ([], 0)
    if resumed:
        progress(f"resuming from the checkpoint: phase {start + 1} of {len(phases)} ({phases[start].name}), "
                 f"epoch {records[start].epochs if start < len(records) else 0}")
    log = _Progress(config, output_dir, progress)
    for index, phase in enumerate(phases):
        if index < start:
            continue
        if index == len(records):
            rule = dataclasses.asdict(phase.rule) | {"target_source": phase.target_source}
            records.append(PhaseRecord(phase.name, rule))
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
            for key, value in zip(item.history, (epoch, loss, accuracy, val_loss, val_accuracy,
                                                 time.perf_counter() - started)):
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
                save_checkpoint(checkpoint, network, records, index, fingerprint)
        if item.stop_reason is None:  # resumed exactly at the stop
            item.stop_reason = phase.rule.reason(monitor)
        progress(f"{phase.name}: stopped after {item.epochs} epochs ({item.stop_reason})")
    return records, trainer


def _evaluation(trainer, data, records, phases):
    """Accuracies after training: running (Keras' last-epoch figure) and evaluation passes."""
    labels = phases[-1].labels if phases else data.y_train
    trainer.set_labels(labels)
    train_pass = trainer.evaluate(trainer.x_fit, labels[: trainer.n_fit])[1]
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
        "train_accuracy_true_labels": trainer.evaluate(trainer.x_fit, data.y_train[: trainer.n_fit])[1],
    }


def _reusable_training(config, output_dir):
    """The cell's training record, when it is current and its model is intact; else ``None``."""
    directory = Path(output_dir)
    try:
        training = read_json(directory / TRAINING)
    except DataError:
        return None
    if not fingerprints_match(training.get("fingerprint"), _fingerprint(config, output_dir)):
        return None
    model = directory / MODEL
    if not model.is_file() or sha256(model) != training.get("model_sha256"):
        return None
    return training


def _curve(records):
    mfr_train = [v for r in records for v in r.curve["mfr_train"]]
    mfr_test = [v for r in records for v in r.curve["mfr_test"]]
    phase = [i for i, r in enumerate(records) for _ in r.curve["mfr_train"]]
    return {"mfr_train": np.array(mfr_train), "mfr_test": np.array(mfr_test), "phase": np.array(phase, np.int8),
            "batches_true_labels": np.array(len(records[0].curve["mfr_train"]))}


def _training_stage(config, data, output_dir, progress):
    """Train (or resume) the cell and write ``training.json`` and ``model.keras``."""
    network, base_path = _initial_network(config, data, output_dir)
    started = time.perf_counter()
    phases = _phases(config, data)
    labels = phases[-1].labels if phases else data.y_train
    records, trainer = _train(config, data, network, output_dir, progress)
    accuracy = _evaluation(trainer, data, records, phases)
    if config.protocol == "curve":
        write_npz(output_dir / CURVE, **_curve(records))
    network.save(output_dir / MODEL)
    trainable = [item.name for item in network.layers if item.trainable and item.weights]
    frozen = [item.name for item in network.layers if not item.trainable and item.weights]
    noise = config.noise if records else 0.0
    chosen = noisy_labels(data.y_train, noise, config.seed)[1] if noise else np.array([], dtype=np.int64)
    training = {
        "fingerprint": _fingerprint(config, output_dir),
        "phases": [r.to_dict() for r in records],
        "epochs": {r.name: r.epochs for r in records},
        "stop_reasons": {r.name: r.stop_reason for r in records},
        **accuracy,
        "labels": {
            "noise": noise,
            "shuffled": int(len(chosen)),
            "changed": int((labels != data.y_train).sum()),
            "rule": f"labels of round(label_noise * n) samples drawn by numpy default_rng([{config.seed}, "
                    f"{LABEL_STREAM}]) permuted among themselves",
            "labels_sha256": _digest(labels),
        },
        "base_model": paths.repository_relative(base_path),
        "trainable_layers": trainable,
        "frozen_layers": frozen,
        "training_wall_time_s": time.perf_counter() - started,
        "model_sha256": sha256(output_dir / MODEL),
    }
    write_json(output_dir / TRAINING, training)
    (output_dir / CHECKPOINT).unlink(missing_ok=True)
    return network, training


def _initial_weights(config, data):
    """The network's weights at initialisation (its seed rebuilds them); ``None`` for ImageNet weights."""
    if config.model == "densenet" and config.densenet_weights == "imagenet":
        return None
    network = _build(config, data)
    return {variable.path: np.asarray(variable) for variable in network.weights}


def _diagnostics(network, data, config):
    """The rival diagnostics on a fixed set of training samples, with the labels trained on."""
    phases = _phases(config, data)
    labels = phases[-1].labels if phases else data.y_train
    n_fit = len(data.x_train) - int(len(data.x_train) * config.validation_split)
    index = np.sort(_permutation(config.seed, _DIAGNOSTIC_STREAM, n_fit)[:_DIAGNOSTIC_SAMPLES])
    return network_diagnostics(network, data.x_train[index], labels[index], config.layer,
                               initial_weights=_initial_weights(config, data), seed=config.seed)


def run_cell(config, progress=print):
    """Run one experimental cell and write its outputs.

    Outputs in ``config.output_dir`` (default ``results/cells/<cell id>``):
    ``training.json`` (every phase's epochs, history, traces and why it
    stopped), ``model.keras``, ``spikes.npz`` (rasters ``train`` and ``test``,
    read with :func:`spikelib.load_rasters`), ``nodes.npz`` (per-node
    statistics and a 300-sample raster excerpt, read with
    :func:`spikelib.cellfiles.read_nodes`), ``curve.npz`` for the curve
    protocol, and, written last and atomically, ``metrics.json``. Whether a
    cell is finished is decided by :func:`spikelib.cellfiles.cell_status`.

    An interrupted cell resumes from its checkpoint; a cell whose training is
    current (same parameters and training version, model intact) is only
    analysed. Everything that can be checked before training is checked
    before training: the data, the window against the size of each split,
    the targets against chance, and the observed layer's name.

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
        Bad parameters, a window too long for a split, a layer the model does
        not have, a target at or below chance, or a validation split that
        leaves no sample on one side.
    DataError
        Missing or corrupt data, a retraining cell without its generalizing
        model, or another run writing to the same output folder.
    TrainingError
        If the training loss becomes non-finite (divergence).
    """
    if isinstance(config, dict):
        config = CellConfig.from_dict(config)
    started = time.perf_counter()
    if config.output_dir is None:
        config = dataclasses.replace(config, output_dir=str(paths.results_dir() / "cells" / cell_id(config)))
    output_dir = Path(config.output_dir)
    _check_output_dir(output_dir)
    with _exclusive(output_dir):
        return _run_locked(config, output_dir, started, progress)


def _check_output_dir(output_dir):
    """The output folder must be a folder this process can write; made if missing."""
    if output_dir.exists() and not output_dir.is_dir():
        raise ParameterError(f"`output_dir` {output_dir} is a file, not a folder; give a folder (--out).", "output_dir")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir):
            pass
    except OSError as error:
        raise ParameterError(f"`output_dir` {output_dir} cannot be written ({error.strerror}); give a folder you "
                             "can write (--out).", "output_dir") from None


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


def _run_locked(config, output_dir, started, progress):
    keras = soft_import("keras", "training a network")
    seed_everything(config.seed)
    data = training_subset(load_dataset(config.dataset, data_dir=config.data_dir), config.train_samples)
    progress(f"{cell_id(config)}: {data.name} from {data.source}, "
             f"{len(data.x_train)} train / {len(data.x_test)} test samples")
    _check_against_data(config, data)
    training = _reusable_training(config, output_dir)
    if training is not None:
        progress("training is current (training.json and model.keras): analysing only")
        network = keras.models.load_model(output_dir / MODEL, safe_mode=True, compile=False)
        _check_layer(network, config.layer)
    else:
        network, training = _training_stage(config, data, output_dir, progress)
    # Only now is the earlier result superseded: a rerun that fails in its checks or its training
    # leaves a finished cell finished.
    (output_dir / METRICS).unlink(missing_ok=True)

    progress("recording the observed layer on the training and test sets")
    spikes, orders, magnitudes = record_layer(network, data, config)
    save_rasters(output_dir / SPIKES, train=spikes["train"], test=spikes["test"])
    progress("computing the statistics of both recordings")
    train_stats, train_nodes = split_statistics(spikes["train"], config, stationarity=False,
                                                labels=data.y_train[orders["train"]], magnitude=magnitudes["train"])
    test_stats, test_nodes = split_statistics(spikes["test"], config, stationarity=True,
                                              labels=data.y_test[orders["test"]], magnitude=magnitudes["test"])
    n_fit = len(data.x_train) - int(len(data.x_train) * config.validation_split)
    sample = np.sort(_permutation(config.seed, _DIAGNOSTIC_STREAM, n_fit)[:_DIAGNOSTIC_SAMPLES])
    weight_stats, weight_nodes = weight_statistics(network, config.layer, train_nodes["firing_rate"],
                                                   inputs=data.x_train[sample])
    progress("the rival diagnostics, the indicators from few samples, and every hidden layer")
    diagnostics, diagnostic_seconds = _diagnostics(network, data, config)
    few = few_sample_indicators(spikes["train"], config.window)
    depth = layer_indicators(network, data.x_test[orders["test"]], config.window)
    excerpt = spikes["test"][:, :EXCERPT_SAMPLES]
    write_npz(output_dir / NODES, **{f"train_{k}": v for k, v in train_nodes.items()},
              **{f"test_{k}": v for k, v in test_nodes.items()}, **weight_nodes,
              test_excerpt=np.packbits(excerpt, axis=1), test_excerpt_shape=np.array(excerpt.shape))
    if not (config.save_model or config.condition == "generalizing"):
        (output_dir / MODEL).unlink(missing_ok=True)

    summary = {key: training[key] for key in ("train_accuracy", "train_accuracy_running",
                                              "train_accuracy_evaluated", "validation_accuracy",
                                              "test_accuracy", "train_accuracy_true_labels")}
    metrics = {
        "cell_id": cell_id(config),
        "complete": True,
        "protocol": {"training": TRAINING_VERSION, "analysis": ANALYSIS_VERSION},
        "parameters": {**config.recorded(), **config.identity()},  # with the data's checksum, for .npz data
        "seed": config.seed,
        "dataset": {
            "name": data.name,
            "source": paths.repository_relative(data.source) if Path(data.source).exists() else data.source,
            "n_train": len(data.x_train), "n_test": len(data.x_test), "input_shape": list(data.input_shape),
            "sha256": sha256(config.dataset) if str(config.dataset).endswith(".npz") else None,
        },
        **summary,
        "generalization_gap": summary["train_accuracy"] - summary["validation_accuracy"],
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
        "splits": {"train": train_stats, "test": test_stats},
        "weights": weight_stats,
        "diagnostics": diagnostics,
        "few_samples": few,
        "layers": depth,
        "seconds": {"train_split": train_stats.pop("seconds"), "test_split": test_stats.pop("seconds"),
                    "diagnostics": diagnostic_seconds},
        "files": {name: sha256(output_dir / name) for name in (TRAINING, SPIKES, NODES, MODEL, CURVE)
                  if (output_dir / name).is_file()},
        "versions": package_versions(),
        "machine": machine(),
        "training_wall_time_s": training["training_wall_time_s"],
        "wall_time_s": time.perf_counter() - started,
    }
    write_json(output_dir / METRICS, metrics)
    (output_dir / PROGRESS).unlink(missing_ok=True)
    progress(f"done in {metrics['wall_time_s']:.0f} s: train accuracy {summary['train_accuracy']:.3f}, "
             f"MFR train {train_stats['mfr']:.3f}")
    return CellResult(config, metrics, spikes, output_dir, training)
