r"""Online detection of a shift in an indicator: the change point the memorization monitor alarms at.

Functions and classes
---------------------
OnsetDetector
    A one-sided CUSUM (Page 1954) of an indicator's standardised shortfall
    below its recent level, fed one value per epoch.
Alarm
    When the detector raised its alarm, and the evidence.

The Keras callback that feeds it during training is
``spikelib.experiment.monitor.memorization_monitor``.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from .exceptions import ParameterError

__all__ = ["OnsetDetector", "Alarm"]


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
    initialisation changes fast). Each new value :math:`x_t` is compared with
    the ``baseline`` epochs just before it: their mean is the forecast
    :math:`\mu_t`, and the spread :math:`s_t` is the standard deviation of
    their epoch-to-epoch changes over :math:`\sqrt 2` (robust to a slow
    trend), at least ``min_scale`` times :math:`\mu_t`. Then

    .. math:: S_t = \max\left(0,\ S_{t-1} + \frac{\mu_t - x_t}{s_t} - k\right),

    Page's CUSUM of the forecast errors, and the alarm is raised the first
    time :math:`S_t > h`. Because the forecast moves on with the series, a
    slow steady fall adds a constant shortfall of about
    :math:`d\,(b + 1) / (2 s)` per epoch (fall :math:`d` per epoch, ``baseline``
    :math:`b`), which the slack :math:`k` absorbs: with the defaults, falls
    slower than about 0.7 % of the level per epoch, like the slow decline of a
    generalizing network's firing rate, raise no alarm; a drop of 10 % within
    an epoch or two does. ``direction="up"`` watches for a rise instead.

    Parameters
    ----------
    warmup : int
        Epochs skipped (at least 0).
    baseline : int
        Epochs in the reference (at least 3).
    slack : float
        :math:`k`, in units of the spread: smaller shortfalls are ignored (the
        textbook value is 0.5; 1.0 here absorbs slow falls, see above).
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
    # epoch 10 (the paper's switch); under 1 % false alarms in 200 epochs of noise, of a slow linear
    # fall, or of a decelerating fall like a generalizing network's rate; an alarm about 3 epochs
    # after a 10 % drop. The textbook k = 0.5 with a forecast held during an excursion (an earlier
    # version) alarmed on every slow fall.
    warmup: int = 2
    baseline: int = 8
    slack: float = 1.0
    threshold: float = 5.0
    min_scale: float = 0.03
    direction: str = "down"
    values: list = field(default_factory=list, repr=False)
    statistic: float = field(default=0.0, repr=False)
    alarm: Alarm | None = field(default=None, repr=False)

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
        if self.alarm is not None or not math.isfinite(value) or epoch - 1 - self.warmup < self.baseline:
            return None
        reference = np.asarray(self.values[-1 - self.baseline:-1])
        if not np.isfinite(reference).all():  # a missing value in the forecast's epochs: wait it out
            return None
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
        self.values, self.statistic, self.alarm = [], 0.0, None
        for value in values:
            self.update(value)
        return self.alarm
