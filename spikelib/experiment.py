"""One experimental cell of the paper: train (or not), observe, binarize, summarize, save.

A cell is a (data set, model, width, condition, seed). Conditions (the paper's
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
the condition says, while :class:`spikelib.recording.FiringRateRecorder`
records the observed layer's mean firing rate after every batch.

Functions and classes
---------------------
CellConfig
    The validated parameters of a cell (unknown keys and bad values fail at once).
run_cell
    Run a cell and write ``spikes.npz``, ``model.keras`` (when asked) and,
    last, ``metrics.json``.
cell_id, is_complete, read_metrics, read_nodes
    Naming and reading of cell outputs.
"""

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import paths
from .assumptions import adf, change_points, combine_pvalues, ljung_box
from .intervals import isi_cv
from .data import DATASETS, load_dataset, sha256
from .exceptions import DataError, ParameterError
from .provenance import machine, package_versions, write_json_atomically
from .models import (
    MODELS,
    OBSERVED_LAYER,
    build_model,
    compile_model,
    freeze_all_but_last_two,
    observed_activations,
)
from .raster import binarize, save_arrays, save_rasters
from .rates import firing_rate
from .summary import summarize
from .variability import fano_factor, fano_test

__all__ = [
    "CellConfig",
    "CellResult",
    "run_cell",
    "cell_id",
    "is_complete",
    "read_metrics",
    "read_nodes",
    "recorded_parameters",
    "seed_everything",
    "CONDITIONS",
    "MEMORIZING",
    "PROTOCOLS",
]

CONDITIONS = ("random", "generalizing", "mem_retrain_last", "mem_retrain_all", "mem_random_last")
MEMORIZING = ("mem_retrain_last", "mem_retrain_all", "mem_random_last")
RETRAINING = ("mem_retrain_last", "mem_retrain_all")
PROTOCOLS = ("cell", "curve")
METRICS = "metrics.json"
SPIKES = "spikes.npz"
MODEL = "model.keras"
CURVE = "curve.npz"
NODES = "nodes.npz"
EXCERPT_SAMPLES = 300  # the paper's Figure 2 shows 300 test samples

# Streams of the cell's seed: one per random choice, so changing one never shifts another.
_LABEL_STREAM, _TRAIN_ORDER_STREAM, _TEST_ORDER_STREAM, _PROBE_STREAM = 1, 2, 3, 4


@dataclass(frozen=True)
class CellConfig:
    """Parameters of one experimental cell; validated on construction.

    Attributes
    ----------
    dataset : str
        ``digits``, ``mnist``, ``fashion_mnist``, ``cifar10`` or a path to an ``.npz``.
    model : {"mlp", "cnn", "densenet"}
    width : int
        Nodes of the observed layer.
    condition : str
        One of :data:`CONDITIONS`.
    seed : int
        Seed of weights, label shuffling, sample order and probes.
    epochs : int
        Epochs on the true labels (``generalizing``; the first phase of ``curve``).
    memorize_epochs : int
        Epochs on shuffled labels (memorizing conditions; second phase of ``curve``).
    batch_size, learning_rate, validation_split
        The paper's training set-up: 256, 0.1 (SGD, no momentum), 0.1.
    window : int
        Fano-factor window in samples (the paper: 100).
    ljung_box_lags : int
        Lags of the Ljung-Box test stored with the metrics.
    layer : str
        Name of the observed layer.
    densenet_weights : {"imagenet", "random"}
        DenseNet121's initial weights; ``random`` departs from the paper and is recorded.
    protocol : {"cell", "curve"}
    probe_size : int
        Training and test samples in each probe of the ``curve`` protocol (the paper: 100).
    base_model : str, optional
        The ``generalizing`` model to retrain from; default: the sibling cell's
        ``model.keras`` next to ``output_dir``.
    save_model : bool, optional
        Save ``model.keras``; default: for ``generalizing`` cells, which others retrain.
    output_dir : str
        Where the outputs go.
    data_dir : str, optional
        A directory searched first for data files.
    """

    dataset: str = "digits"
    model: str = "mlp"
    width: int = 128
    condition: str = "generalizing"
    seed: int = 0
    epochs: int = 10
    memorize_epochs: int = 50
    batch_size: int = 256
    learning_rate: float = 0.1
    validation_split: float = 0.1
    window: int = 100
    ljung_box_lags: int = 10
    layer: str = OBSERVED_LAYER
    densenet_weights: str = "imagenet"
    protocol: str = "cell"
    probe_size: int = 100
    base_model: str | None = None
    save_model: bool | None = None
    output_dir: str = "results/cell"
    data_dir: str | None = None

    def __post_init__(self):
        _check_choice("model", self.model, MODELS)
        _check_choice("condition", self.condition, CONDITIONS)
        _check_choice("protocol", self.protocol, PROTOCOLS)
        _check_choice("densenet_weights", self.densenet_weights, ("imagenet", "random"))
        if str(self.dataset) not in DATASETS and not str(self.dataset).endswith(".npz"):
            raise ParameterError(
                f"`dataset`={self.dataset!r}: use one of {list(DATASETS)} or a path to an .npz file."
            )
        for name, minimum in (("width", 1), ("epochs", 0), ("memorize_epochs", 0), ("batch_size", 1),
                              ("window", 1), ("ljung_box_lags", 1), ("probe_size", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ParameterError(f"`{name}` must be an integer >= {minimum}; got {value!r}.")
        if not 0 < float(self.learning_rate):
            raise ParameterError(f"`learning_rate` must be positive; got {self.learning_rate!r}.")
        if not 0 < float(self.validation_split) < 1:
            raise ParameterError(f"`validation_split` must lie in (0, 1); got {self.validation_split!r}.")
        if self.protocol == "curve" and self.condition not in RETRAINING:
            raise ParameterError(
                f"The curve protocol follows the paper's Figure 5: `condition` must be one of "
                f"{list(RETRAINING)}; got {self.condition!r}."
            )

    @classmethod
    def from_dict(cls, values):
        """Build from a mapping; an unknown key fails naming it and the known keys."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"Unknown cell parameter(s) {unknown}; known parameters are {sorted(known)}.")
        return cls(**values)

    def to_dict(self):
        return dataclasses.asdict(self)

    @property
    def dataset_name(self):
        text = str(self.dataset)
        return Path(text).stem if text.endswith(".npz") else text

    @property
    def trains_on_shuffled_labels(self):
        return self.condition in MEMORIZING

    @property
    def freezes_all_but_last_two(self):
        return self.condition in ("mem_retrain_last", "mem_random_last")


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ParameterError(f"`{name}`={value!r} is not allowed; choose one of {list(allowed)}.")


def cell_id(config):
    """A cell's directory name, e.g. ``fashion_mnist-mlp-128-generalizing-seed0``."""
    protocol = "-curve" if config.protocol == "curve" else ""
    return f"{config.dataset_name}-{config.model}-{config.width}-{config.condition}{protocol}-seed{config.seed}"


def is_complete(output_dir):
    """True when the cell's ``metrics.json`` exists, parses and says it is complete."""
    try:
        return bool(read_metrics(output_dir).get("complete"))
    except (DataError, OSError):
        return False


def read_metrics(output_dir):
    path = Path(output_dir) / METRICS
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"No {METRICS} in {output_dir}: the cell has not finished.") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON ({error}).") from error


def read_nodes(output_dir):
    """Per-node statistics of a cell: ``{"train": {...}, "test": {...}, "excerpt": raster}``."""
    path = Path(output_dir) / NODES
    if not path.is_file():
        raise DataError(f"No {NODES} in {output_dir}: the cell has not finished.")
    with np.load(path, allow_pickle=False) as archive:
        values = {key: archive[key] for key in archive.files}
    nodes = {"train": {}, "test": {}}
    for key, value in values.items():
        split, _, name = key.partition("_")
        if split in nodes and not name.startswith("excerpt"):
            nodes[split][name] = value
    n_nodes, n_samples = (int(v) for v in values["test_excerpt_shape"])
    nodes["excerpt"] = np.unpackbits(values["test_excerpt"], axis=1, count=n_samples).astype(bool)
    return nodes


def recorded_parameters(config):
    """The cell's parameters as recorded: paths relative to the repository when inside it."""
    values = config.to_dict()
    for key in ("output_dir", "base_model", "data_dir"):
        values[key] = paths.repository_relative(values[key])
    if str(config.dataset).endswith(".npz"):
        values["dataset"] = paths.repository_relative(config.dataset)
    return values


def seed_everything(seed):
    """Seed Python, NumPy and TensorFlow, and ask TensorFlow for deterministic kernels."""
    import keras
    import tensorflow as tf

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
    import keras

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

    Outputs in ``config.output_dir``: ``spikes.npz`` (rasters ``train`` and
    ``test``, read with :func:`spikelib.load_rasters`), ``nodes.npz`` (per-node
    statistics of both splits and the first 300 test samples of the raster,
    read with :func:`read_nodes`), ``model.keras`` when
    ``save_model`` (default: generalizing cells), ``curve.npz`` for the curve
    protocol, and, written last and atomically, ``metrics.json``; a cell is
    complete exactly when ``metrics.json`` exists.

    Parameters
    ----------
    config : CellConfig or dict
    progress : callable
        Receives one-line progress messages.

    Returns
    -------
    CellResult
    """
    if isinstance(config, dict):
        config = CellConfig.from_dict(config)
    started = time.perf_counter()
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / METRICS).unlink(missing_ok=True)  # a rerun is incomplete until it ends

    seed_everything(config.seed)
    data = load_dataset(config.dataset, data_dir=config.data_dir)
    progress(f"{cell_id(config)}: {data.name} from {data.source}, "
             f"{len(data.x_train)} train / {len(data.x_test)} test samples")
    network, base_path = _initial_network(config, data, output_dir)

    n_fit = len(data.x_train) - int(len(data.x_train) * config.validation_split)  # Keras keeps the tail
    label_order = _permutation(config.seed, _LABEL_STREAM, len(data.y_train))
    shuffled = data.y_train[label_order]
    curve = None

    if config.protocol == "curve":
        probe_index = _permutation(config.seed, _PROBE_STREAM, len(data.x_train))[: config.probe_size]
        probe_test = _permutation(config.seed, _PROBE_STREAM, len(data.x_test))[: config.probe_size]
        from .recording import FiringRateRecorder

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
    save_arrays(output_dir / NODES, **{f"train_{k}": v for k, v in train_nodes.items()},
                **{f"test_{k}": v for k, v in test_nodes.items()},
                test_excerpt=np.packbits(spikes_test[:, :EXCERPT_SAMPLES], axis=1),
                test_excerpt_shape=np.array(spikes_test[:, :EXCERPT_SAMPLES].shape))
    if curve is not None:
        np.savez(output_dir / CURVE, **{k: np.asarray(v) for k, v in curve.items()})
    save_model = config.save_model if config.save_model is not None else config.condition == "generalizing"
    if save_model:
        network.save(output_dir / MODEL)

    metrics = {
        "cell_id": cell_id(config),
        "complete": True,
        "parameters": recorded_parameters(config),
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
    write_json_atomically(output_dir / METRICS, metrics)
    progress(f"done in {metrics['wall_time_s']:.0f} s: train acc {accuracy['train_accuracy']:.3f}, "
             f"MFR train {metrics['splits']['train']['mfr']:.3f}")
    return CellResult(config, metrics, {"train": spikes_train, "test": spikes_test}, output_dir, curve)
