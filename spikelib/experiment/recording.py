"""Recording a layer's firing rate during training (the paper's Figure 5).

Classes
-------
FiringRateRecorder
    Keras callback: the mean firing rate of one layer on fixed probe batches
    (e.g. 100 training and 100 test samples) after every training batch.

Cost: the probe goes through one XLA-compiled forward function per batch,
traced once per model and freezing state (``model.predict`` per batch costs
milliseconds of fixed overhead). When every weighted layer before the observed
one is frozen, the probe's input to the observed layer is computed once and
only the observed layer runs per batch. What remains is arithmetic: a
200-sample probe through a trainable first layer costs about 12% of an MLP
training step of 256 samples (``make bench`` measures it).
"""

import keras
import numpy as np
import tensorflow as tf

from .config import OBSERVED_LAYER

__all__ = ["FiringRateRecorder"]


class FiringRateRecorder(keras.callbacks.Callback):
    """Mean firing rate of ``layer`` on fixed probes after every training batch.

    Parameters
    ----------
    probe_train, probe_test : numpy.ndarray
        Fixed input batches, e.g. 100 samples of each split.
    layer : str
        Name of the observed layer.

    Attributes
    ----------
    mfr_train, mfr_test : list of float
        Fraction of (probe sample, node) pairs with activation > 0, one value
        per batch.
    phase : list of int
        Value of :attr:`phase_value` when each batch ended (set it between
        ``fit`` calls, e.g. 0 for true labels and 1 for shuffled labels).
    """

    def __init__(self, probe_train, probe_test, layer=OBSERVED_LAYER):
        super().__init__()
        self.probes = tf.constant(np.concatenate([probe_train, probe_test]).astype("float32"))
        self.n_train = len(probe_train)
        self.layer = layer
        self.phase_value = 0
        self.mfr_train, self.mfr_test, self.phase = [], [], []
        self._pending = []
        self._functions = {}

    def _upstream_frozen(self, model, target):
        index = [lay.name for lay in model.layers].index(target.name)
        return all(not lay.trainable for lay in model.layers[:index] if lay.weights)

    def set_model(self, model):
        super().set_model(model)
        target = model.get_layer(self.layer)
        frozen = self._upstream_frozen(model, target)
        key = (id(model), frozen)
        if key not in self._functions:
            n_train = self.n_train
            if frozen:
                # Frozen upstream layers: their output on the probe never changes.
                features = keras.Model(model.inputs, target.input)(self.probes, training=False)

                def forward():
                    return target(features, training=False)
            else:
                upto = keras.Model(model.inputs, target.output)
                probes = self.probes

                def forward():
                    return upto(probes, training=False)

            def rates():
                fired = tf.cast(forward() > 0, tf.float32)
                fired = tf.reshape(fired, (tf.shape(fired)[0], -1))
                return tf.stack([tf.reduce_mean(fired[:n_train]), tf.reduce_mean(fired[n_train:])])

            self._functions[key] = tf.function(rates, jit_compile=True)
        self._rates = self._functions[key]

    def on_train_batch_end(self, batch, logs=None):
        self._pending.append(self._rates())  # a tensor: no host sync per batch

    def on_epoch_end(self, epoch, logs=None):
        self._flush()

    def on_train_end(self, logs=None):
        self._flush()

    def _flush(self):
        if self._pending:
            values = np.asarray(tf.stack(self._pending))
            self.mfr_train.extend(values[:, 0].tolist())
            self.mfr_test.extend(values[:, 1].tolist())
            self.phase.extend([self.phase_value] * len(values))
            self._pending = []
