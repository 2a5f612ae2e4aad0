"""A cell's training stage: the network, its phases epoch by epoch, checkpoints, and the training record.

:func:`training_stage` reuses a current training (its ``training.json`` and
``model.keras``), else builds the network (or loads the generalizing model a
retraining cell starts from), runs the plan's phases with their stop rules,
traces and checkpoints, evaluates the result and stages ``training.json``
and ``model.keras``.

Functions
---------
training_stage
    The trained network and its record, reused when current.
check_layer
    The observed layer must be a hidden ReLU layer.
"""

import dataclasses
import hashlib
import math
import time
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from ..exceptions import DataError, ParameterError, TrainingError
from ..storage import sha256, write_json, write_npz
from ..summary import summarize
from . import streams
from .analysis import sample_order
from .cellfiles import CHECKPOINT, CURVE, MODEL, PROGRESS, TRAINING, read_json
from .config import cell_id
from .models import build_model, freeze_all_but_last_two, set_penalties
from .probes import firing_function, traced_per_model
from .training import (
    FIT_KEYS,
    HISTORY_KEYS,
    PhaseRecord,
    Trainer,
    epoch_order,
    eta_seconds,
    eta_words,
    fingerprints_match,
    load_checkpoint,
    save_checkpoint,
)

__all__ = ["training_stage", "check_layer", "initial_weights"]

def _digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


#: Log a line at least this often (seconds) and every this many epochs.
_LOG_SECONDS, _LOG_EPOCHS = 60, 25
#: Rewrite progress.json at most this often (seconds).
_PROGRESS_SECONDS = 2.0


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
    check_layer(network, config.layer)
    set_penalties(network, config.layer, config.l1, config.l2, config.weight_decay)
    return network


def check_layer(network, layer):
    """The observed layer must be a hidden ReLU layer of the model (a softmax or an input is no spike train).

    Raises
    ------
    ParameterError
        If ``layer`` is not in the network, or is not a hidden ReLU layer.
    """
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
        self.index = np.sort(sample_order(config.seed, streams.TRACE, plan.n_fit)[:n])
        self.x = plan.data.x_train[self.index]
        self.window = config.window
        # One compiled forward pass per trace: Keras' predict costs tenths of a second each time.
        self._fired = tf.function(traced_per_model(firing_function(network, config.layer, self.x, reuse_frozen=False)))

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
        eta, basis = eta_seconds(record, rule, seconds_per_epoch, with_basis=True)
        now = time.perf_counter()
        if force or now - self.written > _PROGRESS_SECONDS:  # short epochs: not a file write each
            self.written = now
            write_json(self.path, {"cell": cell_id(self.config), "phase": phase.name, "epoch": record.epochs,
                                   "max_epochs": rule.max_epochs, "monitor": rule.monitor,
                                   "value": values[-1] if values else None, "target": rule.until,
                                   "seconds_per_epoch": seconds_per_epoch, "eta_s": eta,
                                   "eta_basis": "to the cap" if basis.startswith("to the cap") else "at the recent pace",
                                   "time": time.time()})
        if force or (record.epochs % _LOG_EPOCHS == 0 and now - self.last > 5) or now - self.last > _LOG_SECONDS:
            self.last = now
            target = "" if isinstance(rule.until, str) else f" (target {rule.until:.4f})"
            value = "" if values[-1] is None else f"{values[-1]:.4f}"
            self.emit(f"{phase.name}: epoch {record.epochs}/{rule.max_epochs}, {rule.monitor} {value}{target}, "
                      f"{seconds_per_epoch:.2f} s/epoch; estimate: {eta_words(eta)} left {basis}")


def _train(plan, network, progress):
    """Run the cell's training phases, resuming from a checkpoint; return the phase records and the trainer."""
    config, data, phases = plan.config, plan.data, plan.phases
    probe = None
    if config.protocol == "curve":
        probe = (data.x_train[sample_order(config.seed, streams.PROBE, len(data.x_train))[: config.probe_size]],
                 data.x_test[sample_order(config.seed, streams.PROBE, len(data.x_test))[: config.probe_size]])
    trainer = Trainer(network, data.x_train, config.validation_split, config.batch_size, config.learning_rate,
                      config.layer, probe=probe, xla=config.xla)
    tracer = _Tracer(network, plan) if config.trace_every else None
    checkpoint = plan.folder.new(CHECKPOINT)
    resumed = load_checkpoint(checkpoint, network, plan.fingerprint)
    records, start = resumed if resumed else ([], 0)
    # the epochs an interrupted run trained before this one took: counted in the training's wall time
    trainer.earlier_seconds = sum(sum(r.history.get("seconds", [])) for r in records)
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


def training_stage(plan, progress):
    """The trained network and its record: reused when current, else trained (or resumed) and staged.

    Raises
    ------
    ParameterError, DataError
        From the checks of the network and of the base model a retraining cell starts from.
    TrainingError
        If the training loss becomes non-finite.
    """
    keras = soft_import("keras", "training a network")
    reusable = _reusable_training(plan)
    if reusable is not None:
        progress("training is current (training.json and model.keras): analysing only")
        network = keras.models.load_model(reusable[1], safe_mode=True, compile=False)
        check_layer(network, plan.config.layer)
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
                    f"{streams.LABELS}]) permuted among themselves",
            "labels_sha256": _digest(plan.labels),
        },
        "base_model": paths.repository_relative(plan.base_model),
        "trainable_layers": [item.name for item in network.layers if item.trainable and item.weights],
        "frozen_layers": [item.name for item in network.layers if not item.trainable and item.weights],
        # this run's time, and the epochs of the runs it resumed (a resumed cell's time is the whole training's)
        "training_wall_time_s": time.perf_counter() - started + trainer.earlier_seconds,
        "resumed_seconds": trainer.earlier_seconds,
        "model_sha256": sha256(folder.new(MODEL)),
    }
    write_json(folder.new(TRAINING), training)
    folder.new(CHECKPOINT).unlink(missing_ok=True)
    return network, training


def initial_weights(config, data):
    """The network's weights at initialisation (its seed rebuilds them); ``None`` for ImageNet weights."""
    if config.model == "densenet" and config.densenet_weights == "imagenet":
        return None
    network = _build(config, data)
    return {variable.path: np.asarray(variable) for variable in network.weights}


