"""Writing results files so that an interruption never leaves a half-written one.

Functions
---------
write_atomically
    The one atomic writer: content goes to a temporary file beside the target,
    which is then renamed into place (``os.replace`` is atomic on POSIX).
write_json, write_npz
    JSON records and compressed ``.npz`` archives through it; ``.npz`` entries
    carry a fixed timestamp, so the same arrays always give the same bytes
    (``numpy.savez`` stamps the current time, so identical results would get
    different checksums).
read_npz
    Arrays of an ``.npz`` file, never unpickled.
sha256
    Checksum of a file.
"""

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._validation import Instance, PathLike, constrained
from .exceptions import DataError, ParameterError

__all__ = ["write_atomically", "write_json", "write_npz", "read_npz", "sha256", "FILE_MODE"]


@constrained({"path": PathLike(), "write": Instance(Callable, what='a function of a binary file handle')})
def write_atomically(path, write):
    """Call ``write(handle)`` on a temporary binary file, then rename it to ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The target; its folder is created if needed.
    write : callable
        Receives the open binary file handle.

    Returns
    -------
    pathlib.Path
        ``path``, which now holds the complete content (or, if ``write``
        raised, is unchanged: the temporary file is removed).

    Raises
    ------
    ParameterError
        If ``path`` is a folder.
    """
    path = Path(path)
    if path.is_dir():
        raise ParameterError(f"`path` {path} is a folder; give the path of a file to write.", "path")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp makes 0600; a written file gets the mode any other file would
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: The mode of every file written here, what ``open`` would give under the process's umask (0o644 under 0o022).
#:
#: :meta hide-value:
FILE_MODE = 0o666 & ~_umask()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@constrained({"path": PathLike(), "payload": Instance(dict, list, what='a JSON object or array')})
def write_json(path, payload):
    """Write ``payload`` as indented JSON, atomically.

    Examples
    --------
    >>> import tempfile, os, json
    >>> path = os.path.join(tempfile.mkdtemp(), "record.json")
    >>> _ = write_json(path, {"mfr": np.float64(0.5)})
    >>> json.load(open(path))
    {'mfr': 0.5}
    """
    text = json.dumps(payload, indent=2, default=_json_default, allow_nan=True) + "\n"
    return write_atomically(path, lambda handle: handle.write(text.encode()))


@constrained({"path": PathLike()})
def write_npz(path, **arrays):
    """Write numeric arrays to a compressed ``.npz``, atomically and byte-reproducibly.

    Parameters
    ----------
    path : str or os.PathLike
    **arrays : array_like
        Stored under their keyword names; object arrays are refused.

    Raises
    ------
    ParameterError
        If an array is not numeric or boolean (an object array would need pickling to load), naming it.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> a = write_npz(os.path.join(folder, "a.npz"), x=np.arange(3))
    >>> b = write_npz(os.path.join(folder, "b.npz"), x=np.arange(3))
    >>> sha256(a) == sha256(b)
    True
    """
    for name, array in arrays.items():
        kind = np.asarray(array).dtype.kind
        if kind not in "biuf":
            raise ParameterError(f"`{name}` must be an array of numbers or booleans to be stored; got dtype "
                                 f"{np.asarray(array).dtype} ({type(array).__name__}).", name)

    def write(handle):
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
                archive.writestr(info, buffer.getvalue())

    return write_atomically(path, write)


@constrained({"path": PathLike()})
def read_npz(path):
    """All arrays of an ``.npz`` file, loaded without unpickling.

    Raises
    ------
    DataError
        If the file is missing, not an ``.npz`` archive, truncated, or holds
        object arrays.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No file at {path}.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except Exception as error:  # zipfile.BadZipFile, ValueError (pickles), OSError, EOFError
        raise DataError(f"{path} is not a readable .npz archive ({type(error).__name__}: {error}).") from error


@constrained({"path": PathLike()})
def sha256(path):
    """SHA-256 hex digest of a file, read in 1 MiB blocks.

    Raises
    ------
    DataError
        If the file cannot be read (missing, a folder, no permission), naming it.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise DataError(f"Cannot read {path} to checksum it ({error.strerror or error}).") from None
    return digest.hexdigest()
