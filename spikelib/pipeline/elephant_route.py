"""The Elephant object route: the reference that spikelib's numpy path must match.

Each function takes the list of ``neo.SpikeTrain`` objects that
:func:`spikelib.to_spiketrains` builds and computes the same numbers with
Elephant's own functions, one train (and one window) at a time. It is slow by
design; the test suite and ``make bench`` use it as the oracle.

Functions
---------
firing_rate
    ``elephant.statistics.mean_firing_rate`` per train, in spikes per sample.
fano_factor
    ``elephant.statistics.fanofactor`` over each train's windows, cut as
    half-open windows with ``SpikeTrain.time_slice``.
isi_cv
    ``elephant.statistics.cv(elephant.statistics.isi(train))`` per train.
"""

import warnings

import numpy as np

__all__ = ["firing_rate", "fano_factor", "isi_cv"]


def _period(train, sampling_period):
    return sampling_period.rescale(train.units)


def firing_rate(trains, sampling_period):
    """Mean firing rate of each train, in spikes per sample."""
    from elephant.statistics import mean_firing_rate

    return np.array(
        [float(mean_firing_rate(st).rescale(1 / sampling_period.units).magnitude)
         * float(sampling_period.magnitude) for st in trains]
    )


def window_trains(train, window, sampling_period):
    """The train cut into consecutive windows of ``window`` samples.

    ``time_slice`` includes both ends, so each window ends half a sample
    before the next begins: a spike on a window edge is counted once.
    """
    dt = _period(train, sampling_period)
    n_windows = int(round(float(((train.t_stop - train.t_start) / dt).simplified))) // window
    return [
        train.time_slice(train.t_start + k * window * dt, train.t_start + ((k + 1) * window - 0.5) * dt)
        for k in range(n_windows)
    ]


def fano_factor(trains, window, sampling_period):
    """Fano factor of each train's window counts, by ``elephant.statistics.fanofactor``."""
    from elephant.statistics import fanofactor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fanofactor warns about unequal durations
        return np.array(
            [fanofactor(window_trains(st, window, sampling_period)) for st in trains], dtype=float
        )


def isi_cv(trains, sampling_period):
    """CV of each train's inter-spike intervals; ``nan`` below two spikes."""
    from elephant.statistics import cv, isi

    values = []
    for st in trains:
        if len(st) < 2:
            values.append(np.nan)  # Elephant warns and returns nan here too
            continue
        values.append(float(cv(isi(st))))
    return np.array(values)
