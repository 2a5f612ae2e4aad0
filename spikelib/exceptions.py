"""Exceptions raised by spikelib.

Every exception carries a message that names the offending argument, what it
received and what to do instead. They subclass the built-in exception a user
would expect (``ValueError``/``TypeError``), so generic handlers still work.
Library code raises these, never ``SystemExit``: only the command line turns
them into exit codes.
"""

__all__ = ["SpikelibError", "RasterError", "ParameterError", "ProfileError", "UnitError", "DataError",
           "MissingDependencyError"]


class SpikelibError(Exception):
    """Base class of every error spikelib raises on purpose."""


class RasterError(SpikelibError, ValueError):
    """A raster (``spikes``) or activation array breaks the input contract."""


class ParameterError(SpikelibError, ValueError):
    """A parameter (window, lags, alpha, a cell's setting, ...) is out of range.

    Attributes
    ----------
    parameter : str or None
        The name of the offending parameter, when there is one (profiles use it
        to name the dotted key of the file).
    """

    def __init__(self, message, parameter=None):
        super().__init__(message)
        self.parameter = parameter


class ProfileError(ParameterError):
    """A grid profile file is malformed; the message names the file and the dotted key."""


class UnitError(SpikelibError, TypeError):
    """A quantity lacks the physical units it needs (e.g. a time unit)."""


class DataError(SpikelibError, ValueError):
    """A data set or results file is missing, corrupt or malformed."""


class MissingDependencyError(SpikelibError, ImportError):
    """An optional package that one part of spikelib needs is not installed."""


class TrainingError(SpikelibError, RuntimeError):
    """Training went wrong in a way a rerun with the same parameters would repeat (divergence)."""
