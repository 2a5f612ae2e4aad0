"""Several networks of one architecture trained at once, each to a training fit: the data-matched controls' loop.

A diagnosis calibrated on the researcher's own data trains a few fresh copies
of their architecture, some on their labels and some on the labels permuted,
until each fits the samples as well as their network does. Trained one after
another, a small network leaves most of a CPU's arithmetic idle and pays
TensorFlow's per-call dispatch on every batch; here every network that is
still training takes its step inside one compiled call per epoch (XLA where
the layers are dense), each with its own labels, sample order and optimizer,
so the result is what training each alone in that order would give.

A network stops at the first epoch after which its accuracy on the samples,
evaluated in inference mode, reaches the target: its weights are kept as they
were then (the graph skips its update from that epoch on, so it is traced once
whatever order the networks finish in).

Classes
-------
FitResult
    Per network: whether it reached the target, after how many epochs, its fit, and its seconds.

Functions
---------
train_to_fit
    Train the networks until each reaches the target fit, the epoch cap or the time budget.
optimizer_from_config
    The optimizer a saved model was compiled with, else Adam.
"""

import time
from dataclasses import dataclass

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError
from ..experiment.probes import traced_per_model

__all__ = ["FitResult", "train_to_fit", "optimizer_from_config", "DEFAULT_OPTIMIZER", "BATCH_SIZE"]

#: What the controls train with when the model file records no optimizer: Keras' Adam at its defaults.
DEFAULT_OPTIMIZER = {"class_name": "Adam", "config": {"learning_rate": 0.001}}
#: The controls' batch size (Keras' ``fit`` defaults to 32; 64 halves the steps of an epoch).
BATCH_SIZE = 64
#: Layers XLA compiles faster than TensorFlow runs them on a CPU (convolutions ran slower under XLA here).
_XLA_LAYERS = {"InputLayer", "Flatten", "Dense", "Reshape", "ReLU", "Activation", "Dropout"}
_EVALUATION_BATCH = 4096


@dataclass
class FitResult:
    """What training one network to the target did.

    Attributes
    ----------
    reached : bool
        Whether its evaluated training accuracy reached the target.
    epochs : int
        Epochs it trained (to the target where it reached it).
    fit : float
        Its evaluated training accuracy when it stopped.
    seconds : float
        Wall time of the whole joint run until it stopped (the networks share the machine).
    """

    reached: bool
    epochs: int
    fit: float
    seconds: float


def optimizer_from_config(config=None):
    """A fresh Keras optimizer from a saved model's optimizer config (``{"class_name", "config"}``), else Adam.

    Returns
    -------
    optimizer : keras.optimizers.Optimizer
    described : str
        What it is, for the report (e.g. ``"Adam (learning rate 0.001), the model's own"``).

    Raises
    ------
    MissingDependencyError
        If Keras is not installed.
    """
    keras = soft_import("keras", "training the controls")
    source = "the model's own"
    if not config:
        config, source = DEFAULT_OPTIMIZER, "Adam at Keras' defaults: the model file records no optimizer"
    try:
        optimizer = keras.optimizers.deserialize(config)
    except (TypeError, ValueError) as error:  # an optimizer of a library Keras does not know
        optimizer = keras.optimizers.deserialize(DEFAULT_OPTIMIZER)
        source = f"Adam at Keras' defaults: the model's optimizer cannot be rebuilt ({str(error)[:80]})"
    rate = optimizer.get_config().get("learning_rate")
    rate = f" (learning rate {rate:g})" if isinstance(rate, (int, float)) else ""
    return optimizer, f"{type(optimizer).__name__}{rate}, {source}"


def _from_logits(network):
    """Whether the network's outputs are logits (no softmax on its last layer)."""
    last = network.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    return not (activation == "softmax" or type(last).__name__ == "Softmax")


def train_to_fit(networks, x, labels, target, optimizer_config=None, batch_size=BATCH_SIZE, max_epochs=3000,
                 budget_seconds=None, seed=0, progress=None):
    """Train each network on its own labels until its evaluated training accuracy reaches ``target``.

    Parameters
    ----------
    networks : list of keras.Model
        Fresh networks of one architecture (their current weights are the start).
    x : numpy.ndarray, shape (n_samples, ...)
        The samples, every one trained on (no validation split).
    labels : numpy.ndarray of int, shape (k, n_samples)
        Each network's labels.
    target : float
        The evaluated training accuracy each network trains to, in (0, 1].
    optimizer_config : dict, optional
        ``{"class_name", "config"}`` of the optimizer (default Adam); each network gets its own.
    batch_size : int
    max_epochs : int
        The cap per network.
    budget_seconds : float, optional
        Stop every network still training once this much wall time has passed.
    seed : int
        Each epoch's sample order per network: ``default_rng([seed, network, epoch])``.
    progress : callable, optional
        Called after every epoch with ``(epoch, fits, training, target)``: each network's fit so far, which still
        train, and the target.

    Returns
    -------
    list of FitResult
        One per network, in order; the networks hold their weights from the epoch they stopped at.

    Raises
    ------
    ParameterError
        Labels of the wrong shape, or a target outside (0, 1].
    """
    tf = soft_import("tensorflow", "training the controls")
    keras = soft_import("keras", "training the controls")
    k, n = len(networks), len(x)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (k, n):
        raise ParameterError(f"`labels` must have shape ({k}, {n}), one row per network; got {labels.shape}.",
                             "labels")
    if not 0 < target <= 1:
        raise ParameterError(f"`target`={target} is not a training accuracy in (0, 1].", "target")
    batch_size = int(min(batch_size, n))
    x_all = tf.constant(np.asarray(x, dtype=np.float32))
    y_all = tf.constant(labels)
    from_logits = _from_logits(networks[0])
    loss_of = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    optimizers = [optimizer_from_config(optimizer_config)[0] for _ in networks]
    for network, optimizer in zip(networks, optimizers):
        optimizer.build(network.trainable_variables)
    jit = all(type(item).__name__ in _XLA_LAYERS for item in networks[0].layers)

    # One compiled graph for all the networks; one that has reached the target skips its update (a branch the
    # graph does not take), so the graph is traced once, whatever order the networks finish in.
    def step(index, active):  # index: (k, batch); active: (k,) bool
        for i, (network, optimizer) in enumerate(zip(networks, optimizers)):
            def update(network=network, optimizer=optimizer, i=i):
                with tf.GradientTape() as tape:
                    outputs = network(tf.gather(x_all, index[i]), training=True)
                    loss = loss_of(tf.gather(y_all[i], index[i]), outputs)
                    if network.losses:
                        loss = loss + tf.add_n(network.losses)
                optimizer.apply(tape.gradient(loss, network.trainable_variables), network.trainable_variables)
                return tf.constant(0)

            tf.cond(active[i], update, lambda: tf.constant(0))
        return tf.constant(0)

    def epoch(batches, active):  # batches: (n_batches, k, batch)
        for b in tf.range(tf.shape(batches)[0]):
            step(batches[b], active)
        return tf.constant(0)

    def accuracy(inputs, targets):  # targets: (k, m)
        hits = [tf.reduce_sum(tf.cast(tf.equal(tf.argmax(network(inputs, training=False), axis=-1), targets[i]),
                                      tf.float32)) for i, network in enumerate(networks)]
        return tf.stack(hits)

    step_function = tf.function(traced_per_model(step), jit_compile=jit)
    epoch_function = tf.function(traced_per_model(epoch), jit_compile=jit)
    evaluate = tf.function(traced_per_model(accuracy), jit_compile=jit, reduce_retracing=True)

    def fits():
        hits = np.zeros(k)
        for start in range(0, n, _EVALUATION_BATCH):
            stop = min(n, start + _EVALUATION_BATCH)
            hits += np.asarray(evaluate(x_all[start:stop], y_all[:, start:stop]))
        return hits / n

    started = time.perf_counter()
    results = [None] * k
    current = np.zeros(k)
    training = np.ones(k, dtype=bool)
    n_full = n // batch_size
    epoch = 0
    while training.any():
        epoch += 1
        orders = np.stack([np.random.default_rng([seed, i, epoch]).permutation(n) for i in range(k)]).astype(np.int32)
        flags = tf.constant(training)
        if n_full:
            full = orders[:, : n_full * batch_size].reshape(k, n_full, batch_size).transpose(1, 0, 2)
            epoch_function(tf.constant(full), flags)
        if n % batch_size:  # the last, smaller batch, as Keras takes it
            step_function(tf.constant(orders[:, n_full * batch_size:]), flags)
        current = np.where(training, fits(), current)
        elapsed = time.perf_counter() - started
        out_of_time = budget_seconds is not None and elapsed > budget_seconds
        for i in np.flatnonzero(training):
            if current[i] >= target or epoch >= max_epochs or out_of_time:
                results[i] = FitResult(bool(current[i] >= target), epoch, float(current[i]), elapsed)
                training[i] = False
        if progress is not None:
            progress(epoch, current.copy(), training.copy(), target)
    return results
