"""Data-matched controls: fresh copies of a researcher's architecture trained on their own samples.

The committed reference networks were trained on Fashion-MNIST with SGD; a
network trained elsewhere, on other data, may lie outside all of them, and
their absolute ranges then say nothing about it. The controls calibrate on the
researcher's own data instead:

- **own-label controls**: the architecture, re-initialized, trained on the
  labels as given (under ``--no-labels``, the network's own predictions on its
  samples: the labels it fits);
- **teacher controls**: the same, on labels that another re-initialized copy of
  the architecture assigns to the samples (:func:`teacher_labels`): labels the
  architecture can learn by construction, a network known to generalize on
  *these* samples;
- **permuted controls**: the same, on the given labels permuted, a network
  known to memorize on *these* samples.

Each is trained until it fits the samples as well as the researcher's network
does (:func:`spikelib.diagnose.fit.train_to_fit`), with the optimizer saved in
the model file where there is one, else Adam, and recorded on the same layer,
samples and order. Their measures, epochs and fits are cached by the SHA-256
of the model file, of the samples and labels, and of the settings, so that a
second diagnosis of the same network is immediate.

Classes
-------
Controls
    The controls' measures, epochs, fits and timings, by group.

Functions
---------
control_models
    Re-initialized copies of a Keras model, or the reason they cannot be made.
build_controls
    Train, record and measure the controls (or read them from the cache).
control_key
    The cache key of a set of controls.
teacher_labels
    Labels a re-initialized copy of the architecture assigns, in the classes' proportions.
"""

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from ..exceptions import DataError
from ..storage import write_json
from .fit import BATCH_SIZE, optimizer_from_config, train_to_fit

__all__ = ["Controls", "control_models", "build_controls", "control_key", "teacher_labels", "GROUPS", "CONTROLS",
           "MAX_EPOCHS", "VERSION"]

#: The groups of controls: the given labels, labels the architecture can learn, the given labels permuted.
GROUPS = ("own", "teacher", "permuted")
#: Controls per group by default (``--controls``).
CONTROLS = 3
#: The epoch cap of a control (a permuted MLP-128 on 1,347 digits needed about 600 epochs of batch 32).
MAX_EPOCHS = 5000
#: Version of what a cached control set holds: another version is trained again (2: the teacher controls;
#: 3: their weight seeds).
VERSION = 3
#: The label seed streams of the permuted and teacher controls (apart from the weights' and the order's).
_PERMUTATION_STREAM, _TEACHER_SEED = 31, 7919


@dataclass
class Controls:
    """What the data-matched controls gave.

    Attributes
    ----------
    groups : dict
        ``{"own": [...], "teacher": [...], "permuted": [...]}``: per control ``seed, reached, epochs, fit, values``
        (the measures).
    target : float
        The training fit each control trained to.
    optimizer : str
        What they trained with.
    batch_size : int
    seconds : float
        Wall time of training and recording them (0 when read from the cache).
    cached : bool
        Whether they came from the cache.
    key : str
        The cache key (:func:`control_key`).
    samples : int
        The samples they trained on.
    """

    groups: dict
    target: float
    optimizer: str
    batch_size: int
    seconds: float
    samples: int
    key: str = ""
    cached: bool = False
    budget_seconds: float | None = None
    notes: list = field(default_factory=list)

    def values(self, group, column):
        """One measure of every control of ``group``, as an array."""
        return np.array([c["values"].get(column, np.nan) for c in self.groups[group]], dtype=float)

    def epochs(self, group):
        return np.array([c["epochs"] for c in self.groups[group]], dtype=float)

    @property
    def all_reached(self):
        """Whether every control reached the target fit (no verdict stands on controls that did not)."""
        return all(c["reached"] for group in self.groups.values() for c in group)

    def to_dict(self):
        return asdict(self)


#: Added to the controls' weight seeds, so that no control starts from the weights a network built with a small
#: seed of its own started from (Keras' ``set_random_seed(0)`` is a common choice).
_WEIGHT_SEED = 100_003


def control_models(model, k, seed=0):
    """``k`` copies of a Keras model's architecture with fresh weights (Keras seeds
    ``_WEIGHT_SEED + 1000 * seed + i``).

    Raises
    ------
    DataError
        If Keras cannot rebuild the architecture from its configuration (custom layers), saying so.
    """
    keras = soft_import("keras", "re-initializing the network")
    copies = []
    for index in range(k):
        keras.utils.set_random_seed(_WEIGHT_SEED + int(seed) * 1000 + index)
        try:
            copies.append(keras.models.clone_model(model))
        except Exception as error:  # Keras raises several types for a layer it cannot rebuild
            raise DataError(f"the architecture cannot be re-initialized by Keras ({type(error).__name__}: "
                            f"{str(error)[:120]}), so no controls can be trained on your samples.") from None
    return copies


def teacher_labels(model, x, labels, seed=0):
    """Labels a re-initialized copy of ``model`` assigns to ``x``, in the proportions of ``labels``' classes.

    A network of the same architecture with fresh weights is a function of the inputs that the architecture can
    represent exactly, so networks trained on its labels learn a rule, not a list: on the same samples they are
    the known generalizing anchor, as networks trained on permuted labels are the known memorizing one. Its
    outputs are standardized per class and offset per class (a few hundred steps of a simple balancing) so
    that each class gets the share of samples it has in ``labels``: a fresh network otherwise gives most samples
    to one or two classes.

    Returns
    -------
    numpy.ndarray of int
    """
    teacher = control_models(model, 1, seed=_TEACHER_SEED + int(seed))[0]
    outputs = np.concatenate([np.asarray(teacher(x[start:start + 4096], training=False), dtype=np.float64)
                              for start in range(0, len(x), 4096)])
    scores = np.log(np.clip(outputs, 1e-30, None)) if outputs.min() >= 0 else outputs  # probabilities or logits
    scores = (scores - scores.mean(axis=0)) / (scores.std(axis=0) + 1e-12)
    classes = scores.shape[1]
    share = np.bincount(labels, minlength=classes)[:classes] / len(labels)
    offset = np.zeros(classes)
    for _ in range(500):
        got = np.bincount((scores + offset).argmax(axis=1), minlength=classes) / len(labels)
        offset -= 0.5 * (got - share)
    return (scores + offset).argmax(axis=1).astype(np.int64)


def _digest(*arrays):
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def control_key(model_sha256, x, labels, settings):
    """The cache key of a set of controls: the model file's SHA-256, the samples, the labels and the settings."""
    payload = json.dumps({"model": model_sha256, "data": _digest(x, labels), "settings": settings, "version": VERSION},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _cached(folder, key, budget_seconds):
    path = Path(folder) / f"{key}.json"
    if not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text())
        controls = Controls(**stored)
    except (OSError, ValueError, TypeError):  # a damaged cache entry is trained again, never trusted
        return None
    # controls that ran out of a smaller budget are trained again when more time is given
    if not controls.all_reached and (budget_seconds is None or controls.budget_seconds is None
                                     or budget_seconds > controls.budget_seconds):
        return None
    controls.cached, controls.seconds = True, 0.0
    return controls


def build_controls(model, optimizer_config, x, labels, record_values, *, model_sha256, target, n_controls=CONTROLS,
                   seed=0, batch_size=BATCH_SIZE, max_epochs=MAX_EPOCHS, budget_seconds=None, cache=None,
                   progress=None):
    """Train, record and measure the own-label and permuted controls of ``model`` on ``x``.

    Parameters
    ----------
    model : keras.Model
        The researcher's network (its architecture is copied; its weights are not used).
    optimizer_config : dict or None
        The optimizer it was compiled with (``None``: Adam).
    x : numpy.ndarray
        The samples the controls train on, and are recorded on.
    labels : numpy.ndarray of int
        The own-label controls' labels; the permuted controls train on seeded permutations of them, the teacher
        controls on :func:`teacher_labels` in their classes' proportions.
    record_values : callable
        ``record_values(keras_model) -> dict`` of measures: the recording the researcher's network had (same
        layer, samples, order, window).
    model_sha256 : str
        The model file's SHA-256 (the cache key).
    target : float
        The training fit each control trains to.
    n_controls, seed, batch_size, max_epochs, budget_seconds
        The controls per group, their seeds, batch size, epoch cap and time budget.
    cache : str or os.PathLike, optional
        The cache folder (``False``: no cache; default :func:`spikelib.paths.cache_dir`).
    progress : callable, optional
        ``progress(epoch, fits, training)`` after every epoch (see :func:`~spikelib.diagnose.fit.train_to_fit`).

    Returns
    -------
    Controls

    Raises
    ------
    DataError
        If the architecture cannot be re-initialized.
    """
    labels = np.asarray(labels, dtype=np.int64)
    settings = {"controls": int(n_controls), "seed": int(seed), "batch_size": int(batch_size), "target": float(target),
                "max_epochs": int(max_epochs), "optimizer": optimizer_config}
    key = control_key(model_sha256, x, labels, settings)
    folder = paths.cache_dir() / "controls" if cache is None else (Path(cache) if cache else None)
    if folder is not None:
        found = _cached(folder, key, budget_seconds)
        if found is not None:
            return found
    started = time.perf_counter()
    networks = control_models(model, len(GROUPS) * n_controls, seed)
    taught = teacher_labels(model, x, labels, seed)
    rows = ([labels] * n_controls + [taught] * n_controls
            + [np.random.default_rng([seed, _PERMUTATION_STREAM, i]).permutation(labels) for i in range(n_controls)])
    results = train_to_fit(networks, x, np.stack(rows), target, optimizer_config, batch_size=batch_size,
                           max_epochs=max_epochs, budget_seconds=budget_seconds, seed=seed, progress=progress)
    groups = {group: [] for group in GROUPS}
    for index, (network, result) in enumerate(zip(networks, results)):
        group = GROUPS[index // n_controls]
        groups[group].append({"seed": _WEIGHT_SEED + int(seed) * 1000 + index, "reached": result.reached,
                              "epochs": result.epochs, "fit": result.fit,
                              "values": {k: float(v) for k, v in record_values(network).items()}})
    controls = Controls(groups=groups, target=float(target), optimizer=optimizer_from_config(optimizer_config)[1],
                        batch_size=int(batch_size), seconds=time.perf_counter() - started, samples=len(x), key=key,
                        budget_seconds=budget_seconds)
    if folder is not None:
        try:
            write_json(folder / f"{key}.json", controls.to_dict())
        except OSError as error:  # a cache that cannot be written costs time, not the diagnosis
            controls.notes.append(f"the controls could not be cached in {folder} ({error.strerror})")
    return controls
