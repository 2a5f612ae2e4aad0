"""Training with the paper's optimizer, epoch by epoch: stop rules, traces, checkpoints.

The paper trains with SGD (learning rate 0.1, no momentum), batches of 256
and a 10 % validation split. :class:`Trainer` does exactly that, with the
data held as tensors and every full batch of an epoch run in one compiled
call (XLA for networks of dense layers only, where it is faster): several
times as fast as ``keras.Model.fit`` on the same data, whose per-batch
dispatch costs milliseconds (``make bench`` measures it). Keras'
semantics are kept: the validation samples are the last ``validation_split``
of the training arrays, the reported training accuracy of an epoch is the
running mean over its batches, and the loss includes the layers'
regularization penalties.

An epoch's sample order is drawn from the cell's seed, the phase and the epoch
number alone, so a run resumed from a checkpoint takes the same steps as one
that was never interrupted.

Classes
-------
Trainer
    The compiled training step, evaluation and per-batch probe of one network.
StopRule
    When a phase stops: a target accuracy, a plateau, or its epoch cap.
PhaseRecord
    What one training phase did, epoch by epoch (history, traces, curve).

Functions
---------
noisy_labels
    Shuffle a seeded fraction of the labels among themselves.
save_checkpoint, load_checkpoint
    Atomic checkpoints of weights and records, refused for other parameters.
"""

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .._optional import soft_import
from .._validation import check_positive_int
from ..exceptions import DataError
from ..storage import read_npz, write_npz
from . import streams
from .config import ANALYSIS_ONLY
from .measures import PAPER_INDICATORS
from .probes import rate_function, traced_per_model

__all__ = ["Trainer", "StopRule", "PhaseRecord", "fit_count", "noisy_labels", "save_checkpoint", "load_checkpoint",
           "eta_seconds", "eta_words",
           "epoch_order", "fingerprints_match", "HISTORY_KEYS", "FIT_KEYS", "TRACE_KEYS"]

HISTORY_KEYS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")
#: Kept per epoch as well where a phase stops on them: an evaluation pass over the fitted samples
#: after the epoch (inference mode: no dropout, the weights the epoch ended with).
FIT_KEYS = ("fit_loss", "fit_accuracy")
TRACE_KEYS = ("epoch", "accuracy", "probe_accuracy", *PAPER_INDICATORS)
#: Layers whose compiled step XLA speeds up on a CPU; convolutions run slower under XLA here.
_XLA_LAYERS = {"InputLayer", "Flatten", "Dense"}
_EVALUATION_BATCH = 2048


def fit_count(n_train, validation_split):
    """Training samples fitted when ``validation_split`` of ``n_train`` validate (Keras keeps the tail)."""
    return n_train - int(n_train * validation_split)


def noisy_labels(labels, fraction, seed, stream=streams.LABELS):
    """Shuffle a seeded fraction of the labels among themselves.

    ``round(fraction * n)`` samples are drawn, and their labels are permuted
    among them: the class counts stay the same; at ``fraction=1`` every label
    is shuffled (the paper's memorizing condition), at 0 none.

    Parameters
    ----------
    labels : array_like of int, shape (n,)
    fraction : float
        In [0, 1].
    seed : int
    stream : int
        The seed stream (the cell's label stream by default).

    Returns
    -------
    noisy : numpy.ndarray
        The labels after shuffling.
    chosen : numpy.ndarray of int
        Positions whose labels took part (some keep their label by chance).

    Examples
    --------
    >>> noisy, chosen = noisy_labels(np.arange(10) % 3, 0.5, seed=0)
    >>> len(chosen), sorted(noisy) == sorted(np.arange(10) % 3)
    (5, True)
    """
    labels = np.asarray(labels)
    n = len(labels)
    rng = np.random.default_rng([seed, stream])
    chosen = np.sort(rng.permutation(n)[: int(round(fraction * n))])
    noisy = labels.copy()
    noisy[chosen] = labels[chosen][rng.permutation(len(chosen))]
    return noisy, chosen


def epoch_order(seed, phase, epoch, n):
    """The order of the training samples in one epoch: a function of its coordinates only."""
    return np.random.default_rng([seed, streams.EPOCH_ORDER, phase, epoch]).permutation(n).astype(np.int32)


@dataclass(frozen=True)
class StopRule:
    """When a training phase stops.

    Attributes
    ----------
    until : str or float
        ``"epochs"`` (run ``max_epochs``), ``"plateau"``, or a target accuracy.
    max_epochs : int
        The cap.
    patience : int
        Epochs that must bring a gain of at least ``min_gain`` over the best
        value before them; otherwise the phase has reached a plateau.
    min_gain : float
    monitor : {"accuracy", "val_accuracy", "fit_accuracy"}
        Running training accuracy (Keras' mean over the epoch's batches),
        validation accuracy, or the training accuracy evaluated on the fitted
        samples after the epoch.
    """

    until: object
    max_epochs: int
    patience: int
    min_gain: float
    monitor: str

    def reason(self, values):
        """Why the phase stops after these monitored values, or ``None`` to go on.

        Returns ``"target"``, ``"plateau"``, ``"cap"`` (the cap came first), or
        ``"epochs"`` (a fixed number of epochs was asked for).

        Examples
        --------
        >>> rule = StopRule(0.9, max_epochs=100, patience=3, min_gain=0.01, monitor="accuracy")
        >>> rule.reason([0.5, 0.95]), rule.reason([0.5, 0.6, 0.6, 0.6, 0.6]), rule.reason([0.5, 0.6])
        ('target', 'plateau', None)
        """
        n = len(values)
        if not isinstance(self.until, str) and n and values[-1] >= self.until:
            return "target"
        if self.until != "epochs" and n > self.patience:
            if max(values[-self.patience:]) < max(values[: -self.patience]) + self.min_gain:
                return "plateau"
        if n >= self.max_epochs:
            return "epochs" if self.until == "epochs" else "cap"
        return None


@dataclass
class PhaseRecord:
    """What one training phase did.

    Attributes
    ----------
    name : {"true labels", "shuffled labels"}
    rule : dict
        The :class:`StopRule`, and ``target_source`` (where a target came from).
    history : dict of lists
        Per epoch: :data:`HISTORY_KEYS` (accuracies as fractions, seconds of wall time),
        and :data:`FIT_KEYS` where the phase stops on the evaluated training accuracy.
    traces : dict of lists
        Every few epochs: :data:`TRACE_KEYS`, the indicators on a fixed probe of
        training samples (epoch 0 is before the phase's first step).
    curve : dict of lists
        Per batch (curve protocol only): ``mfr_train``, ``mfr_test``.
    stop_reason : str or None
        ``None`` while the phase runs.
    """

    name: str
    rule: dict
    history: dict = field(default_factory=lambda: {key: [] for key in HISTORY_KEYS})
    traces: dict = field(default_factory=lambda: {key: [] for key in TRACE_KEYS})
    curve: dict = field(default_factory=lambda: {"mfr_train": [], "mfr_test": []})
    stop_reason: str | None = None

    @property
    def epochs(self):
        return len(self.history["epoch"])

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, values):
        return cls(**values)


class Trainer:
    """SGD training of a Keras model with the data held as tensors and a compiled step.

    Parameters
    ----------
    network : keras.Model
        Compiled or not; its layers' ``trainable`` flags decide what trains
        (call :meth:`prepare` after changing them).
    x_train : numpy.ndarray
        All training inputs; the last ``validation_split`` of them validate.
    validation_split, batch_size, learning_rate
        The paper's set-up.
    layer : str
        The observed layer (for the per-batch probe).
    probe : tuple of numpy.ndarray, optional
        ``(probe_train, probe_test)`` inputs whose mean firing rate in
        ``layer`` is measured after training steps (the curve protocol).
    probe_every : int, default 1
        Measure the probe after every this many steps of an epoch, and after
        its last step. 1 is the paper's protocol (every step); its cost is the
        probe's own arithmetic (``make bench``), which a stride divides.
    xla : bool, default True
        Compile the steps with XLA where the network has dense layers only
        (faster per epoch on a CPU; the compilation costs seconds, more than a
        short run on a small data set saves).
    """

    def __init__(self, network, x_train, validation_split, batch_size, learning_rate, layer, probe=None,
                 probe_every=1, xla=True):
        self.tf = soft_import("tensorflow", "training a network")
        self.keras = soft_import("keras", "training a network")
        tf = self.tf
        self.network = network
        self.batch_size = int(batch_size)
        self.learning_rate = float(learning_rate)
        self.layer = layer
        self.n_fit = fit_count(len(x_train), validation_split)
        self.x_fit = tf.constant(x_train[: self.n_fit])
        self.x_val = tf.constant(x_train[self.n_fit:])
        self.probe = probe
        self.probe_every = check_positive_int(probe_every, "probe_every")
        self.jit = bool(xla) and all(type(item).__name__ in _XLA_LAYERS for item in network.layers)
        self.y_fit = self.y_val = None
        self._step = self._epoch = None
        #: Seconds of the epochs a resumed run's checkpoint holds (trained by the run it resumes).
        self.earlier_seconds = 0.0

    def set_labels(self, labels):
        """Labels of the whole training array (fit part, then validation tail)."""
        tf = self.tf
        labels = np.asarray(labels, dtype=np.int64)
        self.y_fit = tf.constant(labels[: self.n_fit])
        self.y_val = tf.constant(labels[self.n_fit:])
        self._step = None

    def prepare(self):
        """Build the optimizer and the compiled step for the layers trainable now."""
        tf, keras = self.tf, self.keras
        network = self.network
        trainable = network.trainable_variables
        optimizer = keras.optimizers.SGD(learning_rate=self.learning_rate, momentum=0.0)
        optimizer.build(trainable)
        loss_function = keras.losses.SparseCategoricalCrossentropy()
        x_fit, y_fit = self.x_fit, self.y_fit
        probe_rates = self._probe_function()

        def step(index, probe_now=True):
            inputs = tf.gather(x_fit, index)
            labels = tf.gather(y_fit, index)
            with tf.GradientTape() as tape:
                probabilities = network(inputs, training=True)
                loss = loss_function(labels, probabilities)
                if network.losses:
                    loss = loss + tf.add_n(network.losses)
            optimizer.apply(tape.gradient(loss, trainable), trainable)
            correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probabilities, axis=-1), labels), tf.float32))
            totals = tf.stack([loss * tf.cast(tf.shape(index)[0], tf.float32), correct])
            if probe_rates is None:
                return totals
            # After this step's update (automatic control dependencies order the reads), as the paper records.
            if probe_now is True:
                return tf.concat([totals, probe_rates()], axis=0)
            skipped = tf.fill([2], tf.constant(np.nan, tf.float32))
            return tf.concat([totals, tf.cond(probe_now, probe_rates, lambda: skipped)], axis=0)

        width = 2 if probe_rates is None else 4
        every = self.probe_every
        loop_ends_epoch = self.n_fit % self.batch_size == 0  # else a smaller batch follows the loop

        def epoch(batches):
            """Every full batch of an epoch in one compiled call: per-call dispatch costs milliseconds."""
            n = tf.shape(batches)[0]
            outputs = tf.TensorArray(tf.float32, size=n, element_shape=(width,))
            for i in tf.range(n):
                if probe_rates is None or every == 1:
                    outputs = outputs.write(i, step(batches[i]))
                else:
                    probe_now = tf.logical_or(tf.equal((i + 1) % every, 0),
                                              tf.logical_and(loop_ends_epoch, tf.equal(i, n - 1)))
                    outputs = outputs.write(i, step(batches[i], probe_now))
            return outputs.stack()

        self._step = tf.function(traced_per_model(step), jit_compile=self.jit)
        self._epoch = tf.function(traced_per_model(epoch), jit_compile=self.jit)
        self._optimizer = optimizer

        def evaluate(inputs, labels):
            probabilities = network(inputs, training=False)
            loss = loss_function(labels, probabilities) * tf.cast(tf.shape(labels)[0], tf.float32)
            correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probabilities, axis=-1), labels), tf.float32))
            return tf.stack([loss, correct])

        # A few input sizes (validation, probes, whole splits): one trace each.
        self._evaluate = tf.function(traced_per_model(evaluate), jit_compile=self.jit, reduce_retracing=True)

    def _probe_function(self):
        """Mean firing rate of the observed layer on the probe halves (a closure), or ``None`` without a probe."""
        return None if self.probe is None else rate_function(self.network, self.layer, *self.probe)

    def train_epoch(self, order):
        """One epoch in the given sample order.

        Returns
        -------
        loss, accuracy : float
            Running means over the epoch, as Keras reports them.
        probe : numpy.ndarray, shape (n_batches, 2), or None
            The probe's firing rate (train, test) after every step; ``nan``
            after the steps a ``probe_every`` stride skips.
        """
        if self._step is None:
            self.prepare()
        tf = self.tf
        n_full = self.n_fit // self.batch_size
        parts = []
        if n_full:
            parts.append(self._epoch(tf.constant(order[: n_full * self.batch_size].reshape(n_full, self.batch_size))))
        if self.n_fit % self.batch_size:  # the last, smaller batch, as Keras takes it
            parts.append(self._step(tf.constant(order[n_full * self.batch_size:]))[tf.newaxis])
        values = np.asarray(tf.concat(parts, axis=0))  # one transfer per epoch, not per batch
        loss, accuracy = values[:, 0].sum() / self.n_fit, values[:, 1].sum() / self.n_fit
        return float(loss), float(accuracy), (values[:, 2:] if self.probe is not None else None)

    def evaluate(self, inputs, labels):
        """Loss and accuracy on ``inputs`` (batched, no training).

        Returns ``(nan, nan)`` for an empty set.
        """
        if self._step is None:
            self.prepare()
        tf = self.tf
        n = len(labels)
        if n == 0:
            return float("nan"), float("nan")
        totals = np.zeros(2)
        for start in range(0, n, _EVALUATION_BATCH):
            totals += np.asarray(self._evaluate(tf.convert_to_tensor(inputs[start: start + _EVALUATION_BATCH]),
                                                tf.convert_to_tensor(labels[start: start + _EVALUATION_BATCH])))
        return float(totals[0] / n), float(totals[1] / n)

    def validate(self):
        """Loss and accuracy on the validation tail, with the current labels."""
        return self.evaluate(self.x_val, self.y_val)

    def evaluate_fit(self):
        """Loss and accuracy on the fitted samples, with the current labels (inference mode).

        The fitting criterion reads this after every epoch, so a network of dense layers
        is evaluated in one compiled call on the tensors it trains from.
        """
        if self.jit:
            if self._step is None:
                self.prepare()
            loss, correct = np.asarray(self._evaluate(self.x_fit, self.y_fit))
            return float(loss / self.n_fit), float(correct / self.n_fit)
        return self.evaluate(self.x_fit, self.y_fit)


def fingerprints_match(stored, current):
    """Whether a stored record or checkpoint belongs to the current cell.

    Parameters, training version and (where both record it) the base model's
    SHA-256 must agree; records made before the base model's checksum was
    recorded carry none and match on the rest. Of the identity, the current
    keys are compared: a record that also holds parameters the training no
    longer depends on (the analysis window, in records made before it was
    left out) still matches.
    """
    stored, current = json.loads(json.dumps(stored)), json.loads(json.dumps(current))
    if not isinstance(stored, dict) or not isinstance(stored.get("identity", {}), dict):
        return False
    keys = [key for key in current if key != "base_model_sha256" or stored.get(key) is not None]
    for key in keys:
        if key == "identity" and isinstance(current[key], dict):
            if any(stored[key].get(name, _ABSENT) != value for name, value in current[key].items()):
                return False
            if set(stored[key]) - set(current[key]) - set(ANALYSIS_ONLY):  # trained with another parameter
                return False
        elif stored.get(key) != current[key]:
            return False
    return True


_ABSENT = object()


def _weights(network):
    return {variable.path: np.asarray(variable) for variable in network.weights}


def save_checkpoint(path, network, records, phase, fingerprint):
    """Write weights, phase records and the phase in progress, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    network : keras.Model
    records : list of PhaseRecord
    phase : int
        Index of the phase in progress (``len(records) - 1`` or the next one).
    fingerprint : dict
        What the checkpoint belongs to (the cell's identity and training
        version); :func:`load_checkpoint` refuses another.
    """
    weights = _weights(network)
    names = sorted(weights)
    state = {"fingerprint": fingerprint, "phase": phase, "records": [r.to_dict() for r in records],
             "weights": names}
    arrays = {f"w{i}": weights[name] for i, name in enumerate(names)}
    write_npz(path, state=np.frombuffer(json.dumps(state).encode(), dtype=np.uint8), **arrays)


def load_checkpoint(path, network, fingerprint):
    """Restore a checkpoint into ``network``; return ``(records, phase)``, or ``None``.

    ``None`` when there is no checkpoint, or it belongs to other parameters or
    another network (then it is ignored: the cell starts afresh).

    Raises
    ------
    DataError
        If the file exists but cannot be read (a corrupt checkpoint is not
        silently discarded: delete it to start afresh).
    """
    try:
        contents = read_npz(path)
    except DataError:
        if not path.exists():
            return None
        raise
    state = json.loads(bytes(contents["state"]).decode())
    if not fingerprints_match(state["fingerprint"], fingerprint):
        return None
    current = {variable.path: variable for variable in network.weights}
    if sorted(current) != state["weights"]:
        return None
    for i, name in enumerate(state["weights"]):
        value = contents[f"w{i}"]
        if tuple(current[name].shape) != value.shape:
            return None
        current[name].assign(value)
    return [PhaseRecord.from_dict(r) for r in state["records"]], state["phase"]


def eta_seconds(record, rule, seconds_per_epoch, with_basis=False):
    """An estimate of the phase's time left: to the target at the recent pace, else to the cap.

    With ``with_basis``, returns ``(seconds, basis)``: ``"to the target at the pace of the last 20 epochs"`` or
    ``"to the cap of N epochs"`` (no pace toward the target yet, or a phase of a fixed number of epochs).
    """
    done = record.epochs
    left = rule.max_epochs - done
    basis = f"to the cap of {rule.max_epochs:,} epochs"
    values = record.history[rule.monitor]
    if not isinstance(rule.until, str) and len(values) >= 10:
        recent = values[-20:]
        slope = (recent[-1] - recent[0]) / max(1, len(recent) - 1)
        if slope > 0 and math.ceil((rule.until - values[-1]) / slope) < left:
            left = math.ceil((rule.until - values[-1]) / slope)
            basis = f"to the target at the pace of the last {len(recent)} epochs"
    seconds = max(0, left) * seconds_per_epoch
    return (seconds, basis) if with_basis else seconds


def eta_words(seconds):
    """An estimate of time left in words: ``"under a minute"``, ``"about 3 min"``, ``"about 2.5 h"``.

    >>> eta_words(20), eta_words(170), eta_words(9000)
    ('under a minute', 'about 3 min', 'about 2.5 h')
    """
    if seconds < 60:
        return "under a minute"
    if seconds < 5400:
        return f"about {round(seconds / 60):.0f} min"
    return f"about {seconds / 3600:.1f} h"
