"""Rasters to and from Neo ``SpikeTrain`` objects (the Elephant interop layer).

One sample is one time step of length ``sampling_period``; sample ``k`` of a
node becomes a spike at time ``t_start + k * sampling_period``.

Functions
---------
to_spiketrains
    Raster -> list of ``neo.SpikeTrain``, one per node.
from_spiketrains
    List of ``neo.SpikeTrain`` -> raster (exact inverse of ``to_spiketrains``).
"""

import numpy as np
import quantities as pq

from ._validation import (
    Checked,
    Raster,
    Time,
    check_raster,
    check_sampling_period,
    check_time,
    constrained,
)
from .exceptions import RasterError

__all__ = ["to_spiketrains", "from_spiketrains"]


@constrained({"spikes": Raster(), "sampling_period": Time(), "t_start": Time(positive=False)})
def to_spiketrains(spikes, sampling_period=1 * pq.ms, t_start=0 * pq.ms):
    """Convert a raster into one ``neo.SpikeTrain`` per node.

    Parameters
    ----------
    spikes : array_like of bool, shape (n_nodes, n_samples)
        The raster.
    sampling_period : quantities.Quantity
        Duration of one sample (time step); must carry a time unit.
    t_start : quantities.Quantity
        Time of sample 0.

    Returns
    -------
    list of neo.SpikeTrain
        ``n_nodes`` trains on ``[t_start, t_start + n_samples * sampling_period)``.

    Raises
    ------
    RasterError
        If ``spikes`` breaks the raster contract (not 2-D, empty, NaN, not binary).
    UnitError
        If ``sampling_period`` or ``t_start`` has no time unit.
    ParameterError
        If ``sampling_period`` is not one positive time.

    Examples
    --------
    >>> import numpy as np, quantities as pq
    >>> trains = to_spiketrains(np.array([[0, 1, 1, 0]]), sampling_period=2 * pq.ms)
    >>> trains[0].times
    array([2., 4.]) * ms
    >>> trains[0].t_stop
    array(8.) * ms
    """
    import neo

    spikes = check_raster(spikes)
    sampling_period = check_sampling_period(sampling_period)
    t_start = check_time(t_start, name="t_start").rescale(sampling_period.units)
    t_stop = t_start + spikes.shape[1] * sampling_period
    return [
        neo.SpikeTrain(
            t_start + np.flatnonzero(row) * sampling_period,
            t_start=t_start,
            t_stop=t_stop,
        )
        for row in spikes
    ]


def _check_trains(spiketrains, name="spiketrains"):
    """A non-empty list of neo.SpikeTrain (the contract of :func:`from_spiketrains`), or a RasterError naming it."""
    import neo

    if isinstance(spiketrains, (neo.SpikeTrain, str, bytes)) or not hasattr(spiketrains, "__iter__") or \
            isinstance(spiketrains, np.ndarray) and spiketrains.ndim == 0:
        raise RasterError(f"`{name}` must be a list of neo.SpikeTrain; got a single "
                          f"{type(spiketrains).__name__}. Wrap one train in a list.")
    trains = list(spiketrains)
    if not trains:
        raise RasterError(f"`{name}` is empty; pass at least one neo.SpikeTrain.")
    for index, train in enumerate(trains):
        if not isinstance(train, neo.SpikeTrain):
            raise RasterError(
                f"`{name}[{index}]` is a {type(train).__name__}, not a neo.SpikeTrain. For a raster "
                "(array of shape (n_nodes, n_samples)) no conversion is needed; to build trains use "
                "spikelib.to_spiketrains."
            )


@constrained({"spiketrains": Checked(_check_trains), "sampling_period": Time()})
def from_spiketrains(spiketrains, sampling_period=1 * pq.ms):
    """Bin ``neo.SpikeTrain`` objects into a raster, one sample per bin.

    Uses Elephant's ``BinnedSpikeTrain`` (bins are half-open,
    ``[t_start + k * sampling_period, t_start + (k + 1) * sampling_period)``).

    Parameters
    ----------
    spiketrains : list of neo.SpikeTrain
        Trains sharing ``t_start`` and ``t_stop``.
    sampling_period : quantities.Quantity
        Bin size (one sample); must carry a time unit.

    Returns
    -------
    spikes : numpy.ndarray of bool, shape (n_trains, n_samples)

    Raises
    ------
    RasterError
        If ``spiketrains`` is not a list of ``neo.SpikeTrain`` (a plain array
        included), is empty, the trains do not share their time span, or a
        bin holds more than one spike (a raster is binary; use a shorter
        ``sampling_period``).

    Examples
    --------
    >>> import numpy as np, quantities as pq
    >>> spikes = np.array([[True, False, True], [False, True, True]])
    >>> bool((from_spiketrains(to_spiketrains(spikes)) == spikes).all())
    True
    """
    from elephant.conversion import BinnedSpikeTrain

    sampling_period = check_sampling_period(sampling_period)
    trains = list(spiketrains)  # checked by the declaration above (_check_trains)
    spans = {(float(st.t_start.rescale(pq.s)), float(st.t_stop.rescale(pq.s))) for st in trains}
    if len(spans) != 1:
        raise RasterError(
            f"`spiketrains` must share t_start and t_stop; got {len(spans)} different "
            "spans. Cut them to a common span with SpikeTrain.time_slice first."
        )
    binned = BinnedSpikeTrain(trains, bin_size=sampling_period)
    counts = binned.to_array()
    if counts.max(initial=0) > 1:
        node = int(np.argmax(counts.max(axis=1)))
        raise RasterError(
            f"train {node} of `spiketrains` has {int(counts.max())} spikes in one bin of "
            f"{sampling_period}; a raster is binary. Use a shorter `sampling_period`."
        )
    return np.ascontiguousarray(counts.astype(bool))
