r"""An online monitor of memorization: the firing rate on a fixed probe, and an alarm at its change point.

The paper's Figure 5 shows the observed layer's mean firing rate (MFR) falling
sharply when a network starts learning shuffled labels, and staying apart
from the generalizing level while it memorizes. :class:`OnsetDetector` turns
that into an alarm: a one-sided CUSUM (Page 1954) of the indicator's
standardised shortfall below its recent level. The follow-up
paper calls its indicators "a building block to later derive online metrics
for memorization"; this is one.

Classes
-------
OnsetDetector
    The change-point rule (:mod:`spikelib.onset`), for any series of indicator values.

Functions
---------
memorization_monitor
    A Keras callback: the indicator on a fixed probe at the end of every
    epoch, fed to an :class:`OnsetDetector`; the alarm is logged, kept, and
    may stop training.
"""

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError
from ..onset import Alarm, OnsetDetector
from .config import OBSERVED_LAYER
from .probes import firing_function, traced_per_model

__all__ = ["OnsetDetector", "Alarm", "memorization_monitor"]


def memorization_monitor(probe, layer=OBSERVED_LAYER, detector=None, stop_training=False, verbose=True,
                        n_samples=None):
    """A Keras callback that watches the observed layer's firing rate for the onset of memorization.

    At the end of every epoch it measures the mean firing rate of ``layer`` on
    the fixed ``probe`` inputs (one forward pass, a few milliseconds) and
    feeds it to ``detector``. When the detector raises its alarm, the callback
    logs it (``verbose``), keeps it as ``callback.alarm``, and stops training
    if ``stop_training``.

    Parameters
    ----------
    probe : numpy.ndarray
        Fixed inputs, e.g. 1,000 training samples; at most the training set.
    layer : str
        The observed layer.
    detector : OnsetDetector, optional
        Default ``OnsetDetector()``.
    stop_training : bool
    verbose : bool
    n_samples : int, optional
        The size of the training set, to check that the probe is not larger.

    Returns
    -------
    keras.callbacks.Callback
        With attributes ``values`` (the indicator per epoch), ``alarm``
        (:class:`Alarm` or ``None``) and ``seconds`` (time spent measuring).

    Raises
    ------
    ParameterError
        Before training: an empty probe, a probe larger than the training set,
        or a detector that is not an :class:`OnsetDetector`.
    """
    keras = soft_import("keras", "the memorization monitor")
    tf = soft_import("tensorflow", "the memorization monitor")
    probe = np.asarray(probe)
    if probe.ndim < 2 or len(probe) == 0:
        raise ParameterError(f"`probe` must be a non-empty batch of inputs; got shape {probe.shape}.", "probe")
    if n_samples is not None and len(probe) > n_samples:
        raise ParameterError(f"`probe` has {len(probe)} samples, more than the {n_samples} of the training set; "
                             "take a subset of the training inputs.", "probe")
    detector = OnsetDetector() if detector is None else detector
    if not isinstance(detector, OnsetDetector):
        raise ParameterError(f"`detector` must be an OnsetDetector; got {type(detector).__name__}.", "detector")

    class _Monitor(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.detector, self.values, self.alarm, self.seconds = detector, [], None, 0.0
            self._mfr = None

        def set_model(self, model):
            super().set_model(model)
            fired = firing_function(model, layer, probe, reuse_frozen=False)
            self._mfr = tf.function(traced_per_model(lambda: tf.reduce_mean(fired())))

        def on_epoch_end(self, epoch, logs=None):
            import time

            start = time.perf_counter()
            value = float(self._mfr())
            self.seconds += time.perf_counter() - start
            self.values.append(value)
            raised = self.detector.update(value)
            if raised is not None:
                self.alarm = raised
                if logs is not None:
                    logs["memorization_alarm"] = raised.epoch
                if verbose:
                    print(f"memorization monitor: onset of memorization at {raised.describe()}")
                if stop_training:
                    self.model.stop_training = True

    return _Monitor()
