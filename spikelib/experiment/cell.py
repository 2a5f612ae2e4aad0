"""One experimental cell of the paper: train (or not), observe, binarize, summarize, save.

A cell is a (data set, model, width, condition, seed); its parameters are
declared in :mod:`spikelib.experiment.config`. Conditions (the paper's
section 3.1):

``random``
    The untrained network.
``generalizing``
    Trained on the true labels.
``mem_retrain_last``
    From the ``generalizing`` weights of the same data set, model, width and
    seed; every layer frozen except the last two (observed + output); trained
    on shuffled labels.
``mem_retrain_all``
    The same, nothing frozen.
``mem_random_last``
    From random initial weights; every layer frozen except the last two;
    trained on shuffled labels.

The ``curve`` protocol (the paper's Figure 5) trains one network ``epochs`` on
the true labels and then ``memorize_epochs`` on shuffled labels, freezing as
the condition says, while
:class:`spikelib.experiment.recording.FiringRateRecorder` records the observed
layer's mean firing rate after every batch.

Functions and classes
---------------------
run_cell
    Run a cell and write its files (see :mod:`spikelib.cellfiles`), ``metrics.json`` last.
seed_everything
    Seed Python, NumPy and TensorFlow.
"""

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from .._validation import check_window
from ..assumptions import adf, change_points, combine_pvalues, ljung_box
from ..cellfiles import CURVE, METRICS, MODEL, NODES, SPIKES
from ..exceptions import DataError, ParameterError
from ..intervals import isi_cv
from ..raster import binarize, save_rasters
from ..rates import firing_rate
from ..storage import sha256, write_json, write_npz
from ..summary import summarize
from ..variability import fano_factor, fano_test
from .config import MEMORIZING, RETRAINING, CellConfig, cell_id
from .data import load_dataset
from .models import build_model, compile_model, freeze_all_but_last_two, observed_activations
from .provenance import machine, package_versions

__all__ = ["CellResult", "run_cell", "seed_everything", "EXCERPT_SAMPLES"]

EXCERPT_SAMPLES = 300  # the paper's Figure 2 shows 300 test samples

# Streams of the cell's seed: one per random choice, so changing one never shifts another.
_LABEL_STREAM, _TRAIN_ORDER_STREAM, _TEST_ORDER_STREAM, _PROBE_STREAM = 1, 2, 3, 4


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
    """What :func:`run_cell` returns: the metrics written and the rasters."""

    config: CellConfig
    metrics: dict
    spikes: dict
    output_dir: Path
    curve: dict | None = field(default=None)


def _fit(network, x, y, config, epochs, callbacks=()):
    if epochs == 0:
        return
    network.fit(x, y, batch_size=config.batch_size, epochs=epochs,
                validation_split=config.validation_split, shuffle=True,
                callbacks=list(callbacks), verbose=2)


def _accuracy(network, x, y, batch_size):
    if len(x) == 0:
        return float("nan")
    return float(network.evaluate(x, y, batch_size=max(batch_size, 1024), verbose=0)[1])


def _base_model_path(config, output_dir):
    if config.base_model:
        return Path(config.base_model)
    sibling = dataclasses.replace(config, condition="generalizing", protocol="cell")
    return Path(output_dir).parent / cell_id(sibling) / MODEL


def _initial_network(config, data, output_dir):
    keras = soft_import("keras", "training a network")

    if config.condition in RETRAINING and config.protocol == "cell":
        path = _base_model_path(config, output_dir)
        if not path.is_file():
            raise DataError(
                f"Condition {config.condition!r} retrains the generalizing model, but {path} "
                "does not exist. Run the 'generalizing' cell of the same data set, model, width "
                "and seed first (spikelib run orders this), or pass base_model."
            )
        network = keras.models.load_model(path, safe_mode=True)
        return network, str(path)
    network = build_model(config.model, config.width, data.input_shape, data.n_classes,
                          seed=config.seed, densenet_weights=config.densenet_weights)
    return network, None


def _check_against_data(config, data):
    """Checks that need the data's size, made before any training."""
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


def _check_layer(network, layer):
    names = [item.name for item in network.layers]
    if layer not in names:
        raise ParameterError(f"`layer`={layer!r} is not in the {network.name} model; its layers are {names}.",
                             "layer")


def _prepare_for_memorizing(network, config):
    if config.freezes_all_but_last_two:
        freeze_all_but_last_two(network)
    else:
        for layer in network.layers:
            layer.trainable = True
    compile_model(network, config.learning_rate)


def _record(network, x, config, stream):
    """The observed layer's raster on ``x``, presented in the seeded order of ``stream``."""
    order = _permutation(config.seed, stream, len(x))
    return binarize(observed_activations(network, x[order], layer=config.layer))


def _split_statistics(spikes, config, stationarity):
    """Network-level metrics and per-node arrays of one split's raster."""
    stats = summarize(spikes, window=config.window).to_dict()
    test = fano_test(spikes, window=config.window)
    lb = ljung_box(spikes, lags=config.ljung_box_lags)
    lb_last = lb.pvalue[:, -1]
    testable = ~(test.silent | test.always_on)
    stats.update({
        "fano_below": int(test.below.sum()),
        "fano_above": int(test.above.sum()),
        "fano_compatible": int(test.compatible.sum()),
        "fano_compatible_fraction": float(test.compatible.sum() / max(1, testable.sum())),
        # Pearson (the paper's method) is swamped by nodes with p ~ 1; Fisher and the
        # per-node rejection rate are stored beside it.
        "ljung_box_pearson_p": combine_pvalues(lb_last, "pearson")[1],
        "ljung_box_fisher_p": combine_pvalues(lb_last, "fisher")[1],
        "ljung_box_rejected_fraction": float(np.nanmean(lb_last < 0.05)) if np.isfinite(lb_last).any() else float("nan"),
    })
    nodes = {"firing_rate": firing_rate(spikes), "fano": fano_factor(spikes, config.window),
             "fano_statistic": test.statistic, "fano_pvalue": test.pvalue, "isi_cv": isi_cv(spikes),
             "ljung_box_pvalue": lb_last}
    if stationarity:
        # ADF (fixed lag order) and change points; on the test split, which bounds the cost.
        unit_root = adf(spikes, max_lag=config.ljung_box_lags)
        found = change_points(spikes, window=config.window)
        varying = ~unit_root.constant
        stats.update({
            "adf_stationary_fraction": float(np.mean(unit_root.pvalue[varying] < 0.05)) if varying.any() else float("nan"),
            "adf_max_pvalue": float(np.nanmax(unit_root.pvalue)) if varying.any() else float("nan"),
            "change_point_nodes": int(sum(len(c) > 0 for c in found)),
            "change_points_total": int(sum(len(c) for c in found)),
        })
        nodes["adf_pvalue"] = unit_root.pvalue
        nodes["change_points"] = np.array([len(c) for c in found])
    return stats, nodes


def run_cell(config, progress=print):
    """Run one experimental cell and write its outputs.

    Outputs in ``config.output_dir`` (default ``results/cells/<cell id>``):
    ``spikes.npz`` (rasters ``train`` and ``test``, read with
    :func:`spikelib.load_rasters`), ``nodes.npz`` (per-node statistics of both
    splits and the first 300 test samples of the raster, read with
    :func:`spikelib.cellfiles.read_nodes`), ``model.keras`` when ``save_model``
    (default: generalizing cells), ``curve.npz`` for the curve protocol, and,
    written last and atomically, ``metrics.json``. Whether a cell is finished
    is decided by :func:`spikelib.cellfiles.cell_status`.

    Everything that can be checked before training is checked before
    training: the data, the window against the size of each split, and the
    observed layer's name.

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
        not have, or a validation split that leaves no sample on one side.
    DataError
        Missing or corrupt data, or a retraining cell without its generalizing
        model.
    """
    if isinstance(config, dict):
        config = CellConfig.from_dict(config)
    started = time.perf_counter()
    if config.output_dir is None:
        config = dataclasses.replace(config, output_dir=str(paths.results_dir() / "cells" / cell_id(config)))
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / METRICS).unlink(missing_ok=True)  # a rerun is incomplete until it ends

    seed_everything(config.seed)
    data = load_dataset(config.dataset, data_dir=config.data_dir)
    progress(f"{cell_id(config)}: {data.name} from {data.source}, "
             f"{len(data.x_train)} train / {len(data.x_test)} test samples")
    _check_against_data(config, data)
    network, base_path = _initial_network(config, data, output_dir)
    _check_layer(network, config.layer)

    n_fit = len(data.x_train) - int(len(data.x_train) * config.validation_split)  # Keras keeps the tail
    label_order = _permutation(config.seed, _LABEL_STREAM, len(data.y_train))
    shuffled = data.y_train[label_order]
    curve = None

    if config.protocol == "curve":
        probe_index = _permutation(config.seed, _PROBE_STREAM, len(data.x_train))[: config.probe_size]
        probe_test = _permutation(config.seed, _PROBE_STREAM, len(data.x_test))[: config.probe_size]
        from .recording import FiringRateRecorder  # imports TensorFlow: only for curves

        recorder = FiringRateRecorder(data.x_train[probe_index], data.x_test[probe_test], config.layer)
        compile_model(network, config.learning_rate)
        progress(f"phase 1: {config.epochs} epochs on true labels")
        _fit(network, data.x_train, data.y_train, config, config.epochs, [recorder])
        batches_true = len(recorder.mfr_train)
        _prepare_for_memorizing(network, config)
        recorder.phase_value = 1
        progress(f"phase 2: {config.memorize_epochs} epochs on shuffled labels")
        _fit(network, data.x_train, shuffled, config, config.memorize_epochs, [recorder])
        curve = {"mfr_train": np.array(recorder.mfr_train), "mfr_test": np.array(recorder.mfr_test),
                 "phase": np.array(recorder.phase, dtype=np.int8), "batches_true_labels": batches_true}
        labels_used = shuffled
    elif config.condition == "random":
        compile_model(network, config.learning_rate)
        labels_used = data.y_train
    elif config.condition == "generalizing":
        compile_model(network, config.learning_rate)
        progress(f"training {config.epochs} epochs on true labels")
        _fit(network, data.x_train, data.y_train, config, config.epochs)
        labels_used = data.y_train
    else:
        _prepare_for_memorizing(network, config)
        progress(f"training {config.memorize_epochs} epochs on shuffled labels")
        _fit(network, data.x_train, shuffled, config, config.memorize_epochs)
        labels_used = shuffled

    trainable = [layer.name for layer in network.layers if layer.trainable and layer.weights]
    frozen = [layer.name for layer in network.layers if not layer.trainable and layer.weights]
    accuracy = {
        # On the labels the network was trained with, as the paper's Table 1.
        "train_accuracy": _accuracy(network, data.x_train[:n_fit], labels_used[:n_fit], config.batch_size),
        "validation_accuracy": _accuracy(network, data.x_train[n_fit:], labels_used[n_fit:], config.batch_size),
        "test_accuracy": _accuracy(network, data.x_test, data.y_test, config.batch_size),
        "train_accuracy_true_labels": _accuracy(network, data.x_train[:n_fit], data.y_train[:n_fit], config.batch_size),
    }
    progress("recording the observed layer on the training and test sets")
    spikes_train = _record(network, data.x_train, config, _TRAIN_ORDER_STREAM)
    spikes_test = _record(network, data.x_test, config, _TEST_ORDER_STREAM)
    save_rasters(output_dir / SPIKES, train=spikes_train, test=spikes_test)
    progress("computing the statistics of both recordings")
    train_stats, train_nodes = _split_statistics(spikes_train, config, stationarity=False)
    test_stats, test_nodes = _split_statistics(spikes_test, config, stationarity=True)
    # Small per-node results: what the tables and figures read (the rasters need not be shipped).
    write_npz(output_dir / NODES, **{f"train_{k}": v for k, v in train_nodes.items()},
                **{f"test_{k}": v for k, v in test_nodes.items()},
                test_excerpt=np.packbits(spikes_test[:, :EXCERPT_SAMPLES], axis=1),
                test_excerpt_shape=np.array(spikes_test[:, :EXCERPT_SAMPLES].shape))
    if curve is not None:
        write_npz(output_dir / CURVE, **curve)
    save_model = config.save_model if config.save_model is not None else config.condition == "generalizing"
    if save_model:
        network.save(output_dir / MODEL)

    metrics = {
        "cell_id": cell_id(config),
        "complete": True,
        "parameters": config.recorded(),
        "seed": config.seed,
        "dataset": {
            "name": data.name, "source": paths.repository_relative(data.source) if Path(data.source).exists() else data.source,
            "n_train": len(data.x_train),
            "n_test": len(data.x_test), "input_shape": list(data.input_shape),
            "sha256": sha256(config.dataset) if str(config.dataset).endswith(".npz") else None,
        },
        **accuracy,
        "generalization_gap": accuracy["train_accuracy"] - accuracy["validation_accuracy"],
        "labels": {
            "shuffled": config.trains_on_shuffled_labels or config.protocol == "curve",
            "permutation": f"numpy default_rng([{config.seed}, {_LABEL_STREAM}]).permutation",
            "permutation_sha256": _digest(label_order),
        },
        "sample_order": {
            "train": f"numpy default_rng([{config.seed}, {_TRAIN_ORDER_STREAM}]).permutation",
            "test": f"numpy default_rng([{config.seed}, {_TEST_ORDER_STREAM}]).permutation",
        },
        "base_model": paths.repository_relative(base_path),
        "trainable_layers": trainable,
        "frozen_layers": frozen,
        "splits": {"train": train_stats, "test": test_stats},
        "files": {name: sha256(output_dir / name) for name in (SPIKES, NODES, MODEL, CURVE)
                  if (output_dir / name).is_file()},
        "versions": package_versions(),
        "machine": machine(),
        "wall_time_s": time.perf_counter() - started,
    }
    write_json(output_dir / METRICS, metrics)
    progress(f"done in {metrics['wall_time_s']:.0f} s: train acc {accuracy['train_accuracy']:.3f}, "
             f"MFR train {metrics['splits']['train']['mfr']:.3f}")
    return CellResult(config, metrics, {"train": spikes_train, "test": spikes_test}, output_dir, curve)
