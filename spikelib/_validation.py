"""The one input contract of spikelib, enforced in one place.

A raster ``spikes`` is a 2-D boolean array of shape ``(n_nodes, n_samples)``:
row = node, column = position of the input sample in the (shuffled) sequence.
0/1 arrays of any numeric dtype are accepted and converted; anything else
raises :class:`~spikelib.exceptions.RasterError` naming the argument.
"""

import functools
import inspect
import math
import numbers
import os

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
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise RasterError(
            f"`{name}` must hold booleans or 0/1 real numbers; got {_describe(array)}. "
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


# --- The declared constraints of public functions ------------------------------------------------
#
# As scikit-learn's ``_parameter_constraints``: each public function declares, beside its definition
# (``@constrained({...})``), what each argument may be; one validator checks the call before the
# function runs, and a wrong type, a value out of range or a non-finite number raises a
# ParameterError (or RasterError) that names the argument, what it got and what to do.


def _show(value):
    text = repr(value)
    return f"{text[:60]}…" if len(text) > 60 else text


class Constraint:
    """What one argument may be. Subclasses implement :meth:`check` (raise, naming ``name``)."""

    optional = False

    def __call__(self, name, value):
        if value is None and self.optional:
            return
        self.check(name, value)

    def check(self, name, value):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


class Number(Constraint):
    """A finite real number (not a bool, not a string) in ``[low, high]``; ``open`` ends exclude the bound."""

    def __init__(self, low=None, high=None, open_low=False, open_high=False, integer=False, optional=False):
        self.low, self.high, self.open_low, self.open_high = low, high, open_low, open_high
        self.integer, self.optional = integer, optional

    def describe(self):
        if self.integer and self.low == 1 and self.high is None:
            return "a positive integer (at least 1)"
        if not self.integer and self.low is None and self.high is None:
            return "a finite number"
        kind = "an integer" if self.integer else "a number"
        if self.low is not None and self.high is not None:
            return (f"{kind} in {'(' if self.open_low else '['}{self.low}, {self.high}"
                    f"{')' if self.open_high else ']'}")
        if self.low is not None:
            return f"{kind} {'>' if self.open_low else '>='} {self.low}"
        if self.high is not None:
            return f"{kind} {'<' if self.open_high else '<='} {self.high}"
        return kind

    def check(self, name, value):
        wanted = numbers.Integral if self.integer else numbers.Real
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, wanted):
            hint = " (pass a number, not a string)" if isinstance(value, str) else ""
            raise ParameterError(f"`{name}` must be {self.describe()}; got {_show(value)} "
                                 f"({type(value).__name__}){hint}.", name)
        if not self.integer and not math.isfinite(value):
            raise ParameterError(f"`{name}` must be a finite number; got {value!r}.", name)
        low_fails = self.low is not None and (value <= self.low if self.open_low else value < self.low)
        high_fails = self.high is not None and (value >= self.high if self.open_high else value > self.high)
        if low_fails or high_fails:
            raise ParameterError(f"`{name}` must be {self.describe()}; got {value!r}.", name)


def Integer(low=None, high=None, optional=False):
    """An integer (not a bool) in ``[low, high]``."""
    return Number(low, high, integer=True, optional=optional)


#: A seed of numpy's default_rng: an integer in [0, 2**32 - 1], or a Generator, or None (fresh entropy).
class Seed(Constraint):
    optional = True

    def check(self, name, value):
        if isinstance(value, np.random.Generator):
            return
        Integer(0, 2**32 - 1)(name, value)


class Choice(Constraint):
    """One of a fixed set of values."""

    def __init__(self, *options, optional=False):
        self.options, self.optional = options, optional

    def check(self, name, value):
        if isinstance(value, (list, dict, set, np.ndarray)) or value not in self.options:
            raise ParameterError(f"`{name}` must be one of {list(self.options)}; got {_show(value)}.", name)


class Array(Constraint):
    """An array of real numbers (array_like): ``ndim`` dimensions (any when ``None``), at least
    ``min_size`` elements, every value finite and in ``[low, high]`` unless ``nan`` is allowed."""

    def __init__(self, ndim=1, min_size=1, low=None, high=None, allow_nan=False, what=None, optional=False):
        self.ndim, self.min_size, self.low, self.high = ndim, min_size, low, high
        self.allow_nan, self.what, self.optional = allow_nan, what, optional

    def check(self, name, value):
        if isinstance(value, (str, bytes, dict)):
            raise ParameterError(f"`{name}` must be an array of numbers; got a {type(value).__name__} "
                                 f"({_show(value)}).", name)
        array = as_array(value, name)
        if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
            raise ParameterError(f"`{name}` must hold real numbers; got an array of dtype {array.dtype}.", name)
        if self.ndim is not None and array.ndim != self.ndim:
            raise ParameterError(f"`{name}` must be a {self.ndim}-D array; got shape {array.shape}.", name)
        if array.size < self.min_size:
            raise ParameterError(f"`{name}` needs at least {self.min_size} value(s); got {array.size}.", name)
        values = array.astype(float)
        finite = np.isfinite(values)
        if not finite.all() and not (self.allow_nan and not np.isinf(values).any()):
            raise ParameterError(f"`{name}` must be finite; it holds {int((~finite).sum())} non-finite value(s).",
                                 name)
        inside = values[finite]
        if (self.low is not None and (inside < self.low).any()) or (self.high is not None and (inside > self.high).any()):
            what = f"hold {self.what} in" if self.what else "lie in"
            raise ParameterError(f"`{name}` must {what} [{self.low}, {self.high}]; got values from "
                                 f"{inside.min():g} to {inside.max():g}.", name)


class Raster(Constraint):
    """A raster: the input contract of :func:`check_raster`."""

    def check(self, name, value):
        check_raster(value, name)


class PathLike(Constraint):
    """A path: a string or an ``os.PathLike``."""

    def __init__(self, optional=False):
        self.optional = optional

    def check(self, name, value):
        if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)) or str(value) == "":
            raise ParameterError(f"`{name}` must be a path (a string or pathlib.Path); got {_show(value)}.", name)
        if "\x00" in str(value):  # no file system takes one; the OS would raise a bare ValueError
            raise ParameterError(f"`{name}` holds a null byte ({_show(value)}); give a path without one.", name)


class Instance(Constraint):
    """An instance of one of ``kinds`` (``what`` says it for a reader)."""

    def __init__(self, *kinds, what=None, optional=False):
        self.kinds, self.what, self.optional = kinds, what, optional

    def check(self, name, value):
        if isinstance(value, bool) or not isinstance(value, self.kinds):
            what = self.what or " or ".join(kind.__name__ for kind in self.kinds)
            raise ParameterError(f"`{name}` must be {what}; got {_show(value)} ({type(value).__name__}).", name)


def constrained(constraints):
    """Declare what each argument of a public function may be, and check every call against it.

    Parameters
    ----------
    constraints : dict of str to Constraint
        One entry per checked argument; it is kept as the function's
        ``parameter_constraints`` (the tests and the API reference read it).

    Examples
    --------
    >>> @constrained({"alpha": Number(0, 1, open_low=True, open_high=True)})
    ... def test(alpha=0.05):
    ...     return alpha
    >>> test(0.01)
    0.01
    >>> test("0.05")
    Traceback (most recent call last):
    ...
    spikelib.exceptions.ParameterError: `alpha` must be a number in (0, 1); got '0.05' (str) (pass a number, not a string).
    """
    def decorate(function):
        signature = inspect.signature(function)
        unknown = set(constraints) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{function.__qualname__} declares constraints for {sorted(unknown)}, which it does not "
                            "take")

        @functools.wraps(function)
        def checked(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise ParameterError(f"{function.__name__}(): {error}.") from None
            bound.apply_defaults()
            for name, constraint in constraints.items():
                constraint(name, bound.arguments[name])
            return function(*args, **kwargs)

        checked.parameter_constraints = dict(constraints)
        return checked

    return decorate


class Anything(Constraint):
    """No constraint here: the function checks this argument itself (units, objects of other libraries)."""

    def check(self, name, value):
        return


class Time(Constraint):
    """A scalar time quantity (``quantities``): positive for a sampling period, any sign for a start time."""

    def __init__(self, positive=True):
        self.positive = positive

    def check(self, name, value):
        (check_sampling_period if self.positive else check_time)(value, name)


class Checked(Constraint):
    """A check of its own: ``check(value, name)`` raises (naming the argument) what is wrong."""

    def __init__(self, check, optional=False):
        self.check_value, self.optional = check, optional

    def check(self, name, value):
        self.check_value(value, name)


def check_activations(activations, name="activations"):
    """Return ``activations`` as a non-empty 2-D real array ``(n_samples, n_nodes)`` without NaN.

    Raises
    ------
    RasterError
        If it is not 2-D, is empty, is not real-valued (complex, text, objects) or holds NaN, naming ``name``.
    """
    values = as_array(activations, name)
    if values.ndim != 2:
        raise RasterError(f"`{name}` must be 2-D with shape (n_samples, n_nodes); got shape {values.shape}. "
                          f"Flatten convolutional outputs, e.g. {name}.reshape(len({name}), -1).")
    if values.size == 0:
        raise RasterError(f"`{name}` is empty (shape {values.shape}); give at least one sample and one node.")
    if (values.dtype != bool and not np.issubdtype(values.dtype, np.number)) or np.iscomplexobj(values):
        raise RasterError(f"`{name}` must be a numeric array of real values; got dtype {values.dtype}.")
    if np.issubdtype(values.dtype, np.inexact) and np.isnan(values).any():
        raise RasterError(f"`{name}` contains NaN ({int(np.isnan(values).sum())} values); the network diverged or "
                          "its input holds NaN.")
    return values
