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
    The change-point rule, for any series of indicator values (one per epoch).
MemorizationMonitor
    A Keras callback: the indicator on a fixed probe at the end of every
    epoch, fed to an :class:`OnsetDetector`; the alarm is logged, kept, and
    may stop training.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError
from .config import OBSERVED_LAYER

__all__ = ["OnsetDetector", "Alarm", "MemorizationMonitor", "probe_mfr"]


@dataclass(frozen=True)
class Alarm:
    """When the monitor raised its alarm, and the evidence.

    Attributes
    ----------
    epoch : int
        The epoch (1-based, as Keras counts in its logs) whose value completed the evidence.
    baseline, scale : float
        The indicator's level and spread over the baseline epochs.
    value : float
        The indicator at the alarm.
    statistic : float
        The CUSUM statistic, above ``threshold``.
    """

    epoch: int
    baseline: float
    scale: float
    value: float
    statistic: float

    def describe(self):
        return (f"epoch {self.epoch}: the indicator fell to {self.value:.4f} from its level {self.baseline:.4f} "
                f"(spread {self.scale:.4f}); CUSUM {self.statistic:.1f}")


@dataclass
class OnsetDetector:
    r"""A one-sided CUSUM of an indicator's shortfall below its recent level.

    The first ``warmup`` epochs are skipped (a network fresh from its
    initialisation changes fast). The reference is the ``baseline`` epochs
    before the current excursion began: its mean is the level :math:`\mu`,
    and the spread :math:`s` is the standard deviation of its epoch-to-epoch
    changes over :math:`\sqrt 2` (robust to a slow trend), at least
    ``min_scale`` times :math:`\mu`. Then

    .. math:: S_t = \max\left(0,\ S_{t-1} + \frac{\mu - x_t}{s} - k\right),

    the reference moves on while :math:`S_t = 0` and is held while evidence
    builds up, and the alarm is raised the first time :math:`S_t > h`
    (Page's CUSUM with the textbook :math:`k = 0.5`, :math:`h = 5`).
    ``direction="up"`` watches for a rise instead.

    Parameters
    ----------
    warmup : int
        Epochs skipped (at least 0).
    baseline : int
        Epochs in the reference (at least 3).
    slack : float
        :math:`k`, in units of the spread: smaller shortfalls are ignored.
    threshold : float
        :math:`h`: the evidence needed for an alarm.
    min_scale : float
        The spread's floor, relative to the level (a flat reference would make
        any wiggle significant).
    direction : {"down", "up"}

    Raises
    ------
    ParameterError
        For values outside their ranges.

    Examples
    --------
    >>> detector = OnsetDetector(warmup=1, baseline=3)
    >>> values = [0.5, 0.40, 0.41, 0.40, 0.41, 0.40, 0.25, 0.24, 0.24]
    >>> detector.run(values).epoch
    7
    >>> OnsetDetector(warmup=1, baseline=3).run([0.5, 0.40, 0.41, 0.40, 0.41, 0.40, 0.41]) is None
    True
    """

    # Defaults chosen on simulated series (tests/test_monitor.py), not on the benchmark's runs: ready by
    # epoch 10 (the paper's switch), under 1 % false alarms in 200 epochs of noise, alarms about
    # 2 epochs after a 10 % drop.
    warmup: int = 2
    baseline: int = 8
    slack: float = 0.5
    threshold: float = 5.0
    min_scale: float = 0.03
    direction: str = "down"
    values: list = field(default_factory=list, repr=False)
    statistic: float = field(default=0.0, repr=False)
    alarm: Alarm | None = field(default=None, repr=False)
    _anchor: int = field(default=0, repr=False)

    def __post_init__(self):
        for name, minimum in (("warmup", 0), ("baseline", 3)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ParameterError(f"`{name}` must be an integer >= {minimum}; got {value!r}.", name)
        for name in ("slack", "threshold", "min_scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ParameterError(f"`{name}` must be a positive number; got {value!r}.", name)
        if self.direction not in ("down", "up"):
            raise ParameterError(f"`direction`={self.direction!r}; choose 'down' or 'up'.", "direction")

    def update(self, value):
        """Add the next epoch's value; return the :class:`Alarm` if this value raises it, else ``None``."""
        value = float(value)
        self.values.append(value)
        epoch = len(self.values)
        if self.alarm is not None or not math.isfinite(value):
            return None
        if self.statistic == 0.0:
            self._anchor = epoch - 1  # a new excursion would start here: the reference ends before it
        if self._anchor - self.warmup < self.baseline:
            return None
        reference = np.asarray(self.values[self._anchor - self.baseline:self._anchor])
        level = float(reference.mean())
        noise = float(np.std(np.diff(reference), ddof=1)) / math.sqrt(2)
        scale = max(noise, self.min_scale * abs(level), 1e-12)
        shortfall = (level - value) / scale if self.direction == "down" else (value - level) / scale
        self.statistic = max(0.0, self.statistic + shortfall - self.slack)
        if self.statistic > self.threshold:
            self.alarm = Alarm(epoch=epoch, baseline=level, scale=scale, value=value, statistic=self.statistic)
            return self.alarm
        return None

    def run(self, values):
        """Feed a whole series; return the alarm (or ``None``). The detector is reset first."""
        self.values, self.statistic, self.alarm, self._anchor = [], 0.0, None, 0
        for value in values:
            self.update(value)
        return self.alarm


def probe_mfr(network, probe, layer=OBSERVED_LAYER):
    """A compiled function returning the mean firing rate of ``layer`` on the fixed ``probe``.

    Raises
    ------
    ParameterError
        If the model has no layer of that name.
    """
    tf = soft_import("tensorflow", "the memorization monitor")
    keras = soft_import("keras", "the memorization monitor")
    names = [item.name for item in network.layers]
    if layer not in names:
        raise ParameterError(f"`layer`={layer!r} is not in the model; its layers are {names}.", "layer")
    upto = keras.Model(network.inputs, network.get_layer(layer).output)
    inputs = tf.constant(np.asarray(probe, dtype="float32"))

    @tf.function
    def mfr():
        return tf.reduce_mean(tf.cast(upto(inputs, training=False) > 0, tf.float32))

    return mfr


def MemorizationMonitor(probe, layer=OBSERVED_LAYER, detector=None, stop_training=False, verbose=True,
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
            self._mfr = probe_mfr(model, probe, layer)

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
                    print(f"MemorizationMonitor: onset of memorization at {raised.describe()}")
                if stop_training:
                    self.model.stop_training = True

    return _Monitor()
