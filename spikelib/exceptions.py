"""Exceptions raised by spikelib.

Every exception carries a message that names the offending argument, what it
received and what to do instead. They subclass the built-in exception a user
would expect (``ValueError``/``TypeError``), so generic handlers still work.
"""

__all__ = ["SpikelibError", "RasterError", "ParameterError", "ProfileError", "UnitError", "DataError"]


class SpikelibError(Exception):
    """Base class of every error spikelib raises on purpose."""


class RasterError(SpikelibError, ValueError):
    """A raster (``spikes``) or activation array breaks the input contract."""


class ParameterError(SpikelibError, ValueError):
    """A scalar parameter (window, lags, alpha, rates, ...) is out of range."""


class ProfileError(ParameterError):
    """A grid profile file is malformed; the message names the file and the dotted key."""


class UnitError(SpikelibError, TypeError):
    """A quantity lacks the physical units it needs (e.g. a time unit)."""


class DataError(SpikelibError, ValueError):
    """A data set or results file is missing, corrupt or malformed."""
