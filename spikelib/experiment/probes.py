"""The observed layer on a fixed probe: one forward function for every caller.

The curve protocol's per-batch firing rate (:class:`~spikelib.experiment.training.Trainer`),
the Keras callback (:func:`~spikelib.experiment.recording.firing_rate_recorder`),
the online monitor (:func:`~spikelib.experiment.monitor.memorization_monitor`)
and a cell's indicator traces all ask one question: which nodes of a layer
fire, now, on a fixed batch of inputs. They ask it here.

Functions
---------
firing_function
    A traceable closure: whether each node fired on each probe input.
rate_function
    A traceable closure: the mean firing rate on the probe's two halves.
traced_per_model
    A function wrapped so that each model's ``tf.function`` counts its own traces.
"""

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError

__all__ = ["firing_function", "rate_function", "upstream_frozen", "traced_per_model"]


def upstream_frozen(network, layer):
    """Whether every weighted layer before ``layer`` is frozen (its input on a fixed probe never changes)."""
    names = [item.name for item in network.layers]
    return all(not item.trainable for item in network.layers[: names.index(layer)] if item.weights)


def firing_function(network, layer, inputs, reuse_frozen=True):
    """A closure returning which nodes of ``layer`` fire on ``inputs``: float 0/1, shape ``(n_inputs, n_nodes)``.

    The closure runs the network in inference mode and can be traced by
    ``tf.function`` (or called inside a compiled training step). When every
    weighted layer before ``layer`` is frozen, the layer's input on the probe
    is computed once, here, and only ``layer`` runs per call (unless
    ``reuse_frozen`` is false); build the closure again when what is frozen
    changes.

    Parameters
    ----------
    network : keras.Model
    layer : str
        The observed layer's name.
    inputs : numpy.ndarray
        The fixed probe, a batch of inputs the model accepts.

    Raises
    ------
    ParameterError
        If the model has no layer of that name.
    """
    tf = soft_import("tensorflow", "probing a network")
    keras = soft_import("keras", "probing a network")
    names = [item.name for item in network.layers]
    if layer not in names:
        raise ParameterError(f"`layer`={layer!r} is not in the model; its layers are {names}.", "layer")
    target = network.get_layer(layer)
    probe = tf.constant(np.asarray(inputs, dtype="float32"))
    if reuse_frozen and upstream_frozen(network, layer):
        features = keras.Model(network.inputs, target.input)(probe, training=False)

        def forward():
            return target(features, training=False)
    else:
        upto = keras.Model(network.inputs, target.output)

        def forward():
            return upto(probe, training=False)

    def fired():
        values = tf.cast(forward() > 0, tf.float32)
        return tf.reshape(values, (tf.shape(values)[0], -1))

    return fired


def rate_function(network, layer, probe_train, probe_test):
    """A closure returning ``[MFR on probe_train, MFR on probe_test]`` (a float32 tensor of two values).

    One forward pass over both halves; see :func:`firing_function`.

    Raises
    ------
    ParameterError
        If the model has no layer of that name.
    """
    tf = soft_import("tensorflow", "probing a network")
    n_train = len(probe_train)
    fired = firing_function(network, layer, np.concatenate([probe_train, probe_test]))

    def rates():
        values = fired()
        return tf.stack([tf.reduce_mean(values[:n_train]), tf.reduce_mean(values[n_train:])])

    return rates


class _PerModel:
    """A callable that calls ``function``: ``tf.function`` counts its traces by this object, not by the code."""

    __slots__ = ("_function", "__signature__", "__weakref__")

    def __init__(self, function):
        import inspect

        self._function = function
        self.__signature__ = inspect.signature(function)

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)


def traced_per_model(function):
    """``function`` (or a bound method) wrapped so that ``tf.function`` counts its traces apart.

    TensorFlow counts traces per code object and warns of "retracing" after five in a row. A process that
    builds a fresh model for each network (the benchmark, a diagnosis's controls, a stacked run, a cell's
    phases) traces each model's functions once, which is no retracing. Wrapped in an object without code of
    its own, each model keeps its own count (TensorFlow keys it by the object), while AutoGraph still converts
    the function once per process (it caches by the code), and the warning stays for real retracing.

    >>> def step(x):
    ...     return x
    >>> wrapped = traced_per_model(step)
    >>> hasattr(wrapped, "__code__"), wrapped(3), str(wrapped.__signature__)
    (False, 3, '(x)')
    """
    return _PerModel(function)
