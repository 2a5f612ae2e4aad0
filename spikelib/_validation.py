"""The one input contract of spikelib, enforced in one place.

A raster ``spikes`` is a 2-D boolean array of shape ``(n_nodes, n_samples)``:
row = node, column = position of the input sample in the (shuffled) sequence.
0/1 arrays of any numeric dtype are accepted and converted; anything else
raises :class:`~spikelib.exceptions.RasterError` naming the argument.
"""

import numbers

import numpy as np
import quantities as pq

from .exceptions import ParameterError, RasterError, UnitError


def _describe(array):
    return f"an array of shape {array.shape} and dtype {array.dtype}"


def as_array(value, name):
    """``numpy.asarray(value)``, with a ragged or unconvertible input reported by name.

    A masked array is refused: ``numpy.asarray`` would drop its mask silently,
    and a masked sample is not a sample the layer did not fire on.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise RasterError(
            f"`{name}` is a masked array; spikelib does not honour masks (they would be dropped silently). "
            f"Remove the masked samples first (e.g. `{name}[:, ~{name}.mask.any(axis=0)].data`), or fill them "
            f"(`{name}.filled(False)`) if a masked sample means 'no spike'."
        )
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise RasterError(
            f"`{name}` cannot be read as a rectangular array ({error}). Pass a 2-D array, or a "
            "list of rows of equal length."
        ) from None
    if array.dtype == object:
        raise RasterError(
            f"`{name}` holds Python objects (dtype object), not numbers: rows of unequal length "
            "or mixed types. Pass a 2-D numeric or boolean array."
        )
    return array


def check_raster(spikes, name="spikes"):
    """Return ``spikes`` as a C-contiguous boolean ``(n_nodes, n_samples)`` array.

    Raises
    ------
    RasterError
        If the input is not 2-D, is empty, holds NaN, or holds values other
        than 0 and 1.
    """
    array = as_array(spikes, name)
    if array.ndim != 2:
        hint = ""
        if array.ndim == 1:
            hint = f" For a single node pass {name}[np.newaxis, :]."
        elif array.ndim > 2:
            hint = " Flatten the observed layer's units into one axis first."
        raise RasterError(
            f"`{name}` must be a 2-D raster of shape (n_nodes, n_samples); got "
            f"{_describe(array)}.{hint}"
        )
    if array.size == 0:
        raise RasterError(
            f"`{name}` is empty (shape {array.shape}); a raster needs at least one "
            "node and one sample."
        )
    if array.dtype == bool:
        return np.ascontiguousarray(array)
    if not (np.issubdtype(array.dtype, np.number)):
        raise RasterError(
            f"`{name}` must hold booleans or 0/1 numbers; got {_describe(array)}. "
            "Binarize activations with spikelib.binarize first."
        )
    if np.issubdtype(array.dtype, np.inexact) and np.isnan(array).any():
        raise RasterError(
            f"`{name}` contains NaN ({int(np.isnan(array).sum())} values); a raster "
            "must be binary. Check the activations that produced it."
        )
    binary = array != 0
    if not np.array_equal(binary, array == 1) :
        bad = array[(array != 0) & (array != 1)]
        raise RasterError(
            f"`{name}` must be binary (0/1 or bool); got values such as "
            f"{bad[:3].tolist()}. Use spikelib.binarize(activations) to threshold "
            "activations."
        )
    return np.ascontiguousarray(binary)


def check_window(window, n_samples, name="window", min_windows=2):
    """Validate a window length in samples; return it as ``int``."""
    if isinstance(window, bool) or not isinstance(window, numbers.Integral):
        raise ParameterError(
            f"`{name}` must be a positive integer number of samples; got {window!r}.", name
        )
    window = int(window)
    if window < 1:
        raise ParameterError(f"`{name}` must be at least 1 sample; got {window}.", name)
    if n_samples // window < min_windows:
        raise ParameterError(
            f"`{name}`={window} leaves {n_samples // window} complete window(s) in a "
            f"raster of {n_samples} samples; at least {min_windows} are needed. Use a "
            f"window of at most {n_samples // min_windows} samples or a longer raster.", name
        )
    return window


#: The largest array a statistic allocates before it refuses (bytes): larger inputs are split by the caller.
MAX_ARRAY_BYTES = 4 * 2**30


def check_size(n_elements, itemsize, what, remedy):
    """Refuse an allocation of more than :data:`MAX_ARRAY_BYTES`, saying what and what to do.

    Raises
    ------
    ParameterError
        Naming the array, its size in GiB, the limit, and ``remedy``.
    """
    size = float(n_elements) * itemsize
    if size > MAX_ARRAY_BYTES:
        raise ParameterError(f"{what} would take {size / 2**30:.1f} GiB, more than the {MAX_ARRAY_BYTES / 2**30:.0f} "
                             f"GiB spikelib allocates at once; {remedy}")


def check_positive_int(value, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ParameterError(f"`{name}` must be an integer >= {minimum}; got {value!r}.", name)
    return int(value)


def check_probability(value, name, open_interval=True):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"`{name}` must be a number in (0, 1); got {value!r}.", name) from None
    if not (0.0 < value < 1.0) if open_interval else not (0.0 <= value <= 1.0):
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ParameterError(f"`{name}` must lie in {interval}; got {value!r}.", name)
    return value


def check_time(value, name):
    """Return a scalar time quantity (any sign); raise UnitError without a time unit."""
    if not isinstance(value, pq.Quantity):
        raise UnitError(
            f"`{name}` must be a time quantity such as 0 * pq.ms; got {value!r} "
            "without units (spikelib never guesses units)."
        )
    if value.simplified.dimensionality != pq.s.dimensionality:
        raise UnitError(f"`{name}` must have a time unit; got units of {value.dimensionality}.")
    if value.size != 1:
        raise ParameterError(f"`{name}` must be a single time; got {value!r}.", name)
    return value.reshape(())


def check_sampling_period(sampling_period, name="sampling_period"):
    """Return a positive scalar time quantity; raise UnitError if it has no time unit."""
    if not isinstance(sampling_period, pq.Quantity):
        raise UnitError(
            f"`{name}` must be a time quantity such as 1 * pq.ms; got "
            f"{sampling_period!r} without units (spikelib never guesses units)."
        )
    if sampling_period.simplified.dimensionality != pq.s.dimensionality:
        raise UnitError(
            f"`{name}` must have a time unit (s, ms, ...); got units of "
            f"{sampling_period.dimensionality}."
        )
    if sampling_period.size != 1 or not float(sampling_period.magnitude) > 0:
        raise ParameterError(f"`{name}` must be one positive time; got {sampling_period!r}.", name)
    return sampling_period.reshape(())
