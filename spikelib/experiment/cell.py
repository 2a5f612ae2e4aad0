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

The steps live in their own modules: :mod:`~spikelib.experiment.plan` (what a
run works out once, and the checks before training),
:mod:`~spikelib.experiment.trainstage` (the training stage),
:mod:`~spikelib.experiment.cellfolder` (the folder, its lock and the staged
commit); this module runs them and does the analysis.

Functions
---------
run_cell
    Run a cell and write its files (see :mod:`spikelib.experiment.cellfiles`), ``metrics.json`` last.
seed_everything
    Seed Python, NumPy and TensorFlow.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from ..exceptions import DataError, ParameterError
from ..raster import save_rasters
from ..storage import sha256, write_npz
from ..summary import summarize
from . import streams
from .analysis import (
    few_sample_indicators,
    layer_indicators,
    record_layer,
    record_validation,
    split_statistics,
    weight_statistics,
)
from .cellfiles import MODEL, NODES, PROGRESS, SPIKES
from .cellfolder import CELL_FILES, CellFolder, check_output_dir, exclusive
from .config import ANALYSIS_VERSION, TRAINING_VERSION, CellConfig, cell_id
from .data import load_dataset, training_subset
from .diagnostics import network_diagnostics
from .plan import CellPlan, check_against_data, plan_cell
from .provenance import machine, package_versions
from .schema import ACCURACY_FIELDS, LOSS_FIELDS, SCHEMA_VERSION, gaps, problem
from .trainstage import initial_weights, training_stage

__all__ = ["CellResult", "CellPlan", "plan_cell", "run_cell", "seed_everything", "EXCERPT_SAMPLES"]

EXCERPT_SAMPLES = 300  # the paper's Figure 2 shows 300 test samples
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


@dataclass
class CellResult:
    """What :func:`run_cell` returns: the metrics written, the rasters, and the training record."""

    config: CellConfig
    metrics: dict
    spikes: dict
    output_dir: Path
    training: dict = field(default_factory=dict)




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
        initial_weights=initial_weights(config, data), seed=config.seed)
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
    kept = [name for name in CELL_FILES if name != MODEL or config.save_model or config.condition == "generalizing"]
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
            "train": f"numpy default_rng([{config.seed}, {streams.TRAIN_ORDER}]).permutation",
            "test": f"numpy default_rng([{config.seed}, {streams.TEST_ORDER}]).permutation",
        },
        "base_model": training["base_model"],
        "trainable_layers": training["trainable_layers"],
        "frozen_layers": training["frozen_layers"],
        **statistics,
        "files": {name: sha256(folder.current(name)) for name in kept if folder.current(name).is_file()},
        "versions": package_versions(),
        "machine": machine(),
        "training_wall_time_s": training["training_wall_time_s"],
        # across resumes: the epochs trained by the interrupted runs this one resumed count too
        "wall_time_s": time.perf_counter() - started + training.get("resumed_seconds", 0.0),
    }


def _check_written(metrics):
    """The metrics a run is about to commit keep the schema every reader applies (else nothing is committed)."""
    wrong = problem(metrics)
    if wrong:
        raise DataError(f"The cell computed metrics its readers would refuse ({wrong}); nothing was written. "
                        "Run it again with --debug and report the traceback.")


def _placed(config):
    """The cell with its output folder; only a :class:`CellConfig` (which has checked its parameters) runs."""
    if not isinstance(config, CellConfig):
        raise ParameterError(f"`config` must be a CellConfig; got {type(config).__name__}. Build a CellConfig from "
                             "the parameters (it checks them).", "config")
    return config.placed()


def _checked_data(config, progress):
    """Seed everything, load the cell's data, and check the cell against it (before any training)."""
    seed_everything(config.seed)
    data = training_subset(load_dataset(config.dataset, data_dir=config.data_dir), config.train_samples)
    progress(f"{cell_id(config)}: {data.name} from {data.source}, "
             f"{len(data.x_train)} train / {len(data.x_test)} test samples")
    check_against_data(config, data)
    return data


def run_cell(config, progress=print):
    """Run one experimental cell and write its outputs (see the module's description).

    Parameters
    ----------
    config : CellConfig
    progress : callable
        Receives one-line progress messages.

    Returns
    -------
    CellResult

    Raises
    ------
    ParameterError
        ``config`` is not a :class:`CellConfig`; a parameter the cell's data or model cannot take (checked
        before training), or an unwritable folder.
    DataError
        Missing or corrupt data or base model, or another run writing to the same folder.
    TrainingError
        If the training loss becomes non-finite (divergence).
    """
    started = time.perf_counter()
    config = _placed(config)
    output_dir = check_output_dir(Path(config.output_dir))
    with exclusive(output_dir):
        try:
            CellFolder(output_dir).recover(progress)
            plan = plan_cell(config, _checked_data(config, progress))
            network, training = training_stage(plan, progress)
            spikes, statistics = _analysis(plan, network, progress)
            metrics = _metrics(plan, training, statistics, started)
            _check_written(metrics)
            plan.folder.commit(metrics)
        finally:
            (output_dir / PROGRESS).unlink(missing_ok=True)  # finished or failed, it is no longer training
    progress(f"done in {metrics['wall_time_s']:.0f} s: train accuracy {metrics['train_accuracy']:.3f}, "
             f"MFR train {metrics['splits']['train']['mfr']:.3f}")
    return CellResult(config, metrics, spikes, output_dir, training)
