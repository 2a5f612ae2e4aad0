"""Recording a layer's firing rate during training (the paper's Figure 5).

Functions
---------
firing_rate_recorder
    A Keras callback: the mean firing rate of one layer on fixed probe batches
    (e.g. 100 training and 100 test samples) after every training batch, or
    after every ``every``-th.

Cost: the probe goes through one XLA-compiled forward function per batch,
traced once per model and freezing state (``model.predict`` per batch costs
milliseconds of fixed overhead). When every weighted layer before the observed
one is frozen, the probe's input to the observed layer is computed once and
only the observed layer runs per batch. What remains is arithmetic: for an
MLP-512 on Fashion-MNIST, a 200-sample probe through the trainable first layer
is about 38% of the multiply-adds of a 256-sample training step, and no
implementation of the paper's per-batch protocol costs less than that
arithmetic. ``every`` divides it. A callback with a batch hook also makes Keras
wait for every batch's logs (it dispatches such callbacks synchronously), a
cost no stride removes; the compendium's own loop computes the probe inside
its compiled step instead (:class:`spikelib.experiment.training.Trainer`).
``make bench`` measures all of these.
"""

import numpy as np

from .._optional import soft_import
from .._validation import check_positive_int
from .config import OBSERVED_LAYER
from .probes import rate_function, traced_per_model, upstream_frozen

__all__ = ["firing_rate_recorder"]


def firing_rate_recorder(probe_train, probe_test, layer=OBSERVED_LAYER, every=1):
    """A Keras callback: the mean firing rate of ``layer`` on fixed probes after every training batch.

    Parameters
    ----------
    probe_train, probe_test : numpy.ndarray
        Fixed input batches, e.g. 100 samples of each split.
    layer : str
        Name of the observed layer.
    every : int, default 1
        Measure after every this many batches of an epoch, and after its last
        batch. 1 is the paper's protocol.

    Returns
    -------
    keras.callbacks.Callback
        With attributes ``mfr_train`` and ``mfr_test`` (the fraction of
        (probe sample, node) pairs with activation > 0, one value per
        measurement), ``batch`` (the training batch each measurement followed,
        counted from 1 over all ``fit`` calls) and ``phase`` (the value of
        ``phase_value`` when each was taken: set it between ``fit`` calls,
        e.g. 0 for true labels and 1 for shuffled labels).

    Raises
    ------
    ParameterError
        If ``every`` is not a positive integer.
    MissingDependencyError
        If Keras or TensorFlow is not installed.
    """
    keras = soft_import("keras", "recording during training")
    tf = soft_import("tensorflow", "recording during training")
    every = check_positive_int(every, "every")

    class _Recorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.every, self.layer, self.phase_value = every, layer, 0
            self.batch, self.mfr_train, self.mfr_test, self.phase = [], [], [], []
            self._batches, self._pending, self._functions = 0, [], {}

        def set_model(self, model):
            super().set_model(model)
            # One compiled function per model and freezing state (a frozen upstream is computed once).
            key = (id(model), upstream_frozen(model, self.layer))
            if key not in self._functions:
                rates = rate_function(model, self.layer, probe_train, probe_test)
                self._functions[key] = tf.function(traced_per_model(rates), jit_compile=True)
            self._rates = self._functions[key]

        def _measure(self):
            self._pending.append(self._rates())  # a tensor: no host sync per batch
            self.batch.append(self._batches)

        def on_train_batch_end(self, batch, logs=None):
            self._batches += 1
            if (batch + 1) % self.every == 0:
                self._measure()

        def on_epoch_end(self, epoch, logs=None):
            if not self.batch or self.batch[-1] != self._batches:  # the epoch's last batch was skipped
                self._measure()
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

    return _Recorder()
