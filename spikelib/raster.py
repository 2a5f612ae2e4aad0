"""From activations to rasters, and rasters to and from disk.

Functions
---------
binarize
    Keras activations ``(n_samples, n_nodes)`` -> raster ``(n_nodes, n_samples)``.
save_rasters, load_rasters
    Bit-packed ``.npz`` storage of named rasters (loaded with ``allow_pickle=False``).
"""

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ._validation import check_raster
from .exceptions import DataError, RasterError

__all__ = ["binarize", "save_rasters", "load_rasters", "save_arrays"]


def binarize(activations, threshold=0.0):
    """Threshold activations into a raster of spikes.

    A node "spikes" for an input sample when its activation is strictly above
    ``threshold`` (the paper: ReLU output > 0).

    Parameters
    ----------
    activations : array_like, shape (n_samples, n_nodes)
        One row per input sample, as ``keras.Model.predict`` returns them.
    threshold : float
        Activations strictly greater than this value are spikes.

    Returns
    -------
    spikes : numpy.ndarray of bool, shape (n_nodes, n_samples)
        The raster, C-contiguous, one row per node.

    Raises
    ------
    RasterError
        If ``activations`` is not 2-D, is empty or contains NaN.

    Examples
    --------
    >>> import numpy as np
    >>> binarize(np.array([[0.0, 1.5], [2.0, -1.0], [0.3, 0.0]]))
    array([[False,  True,  True],
           [ True, False, False]])
    """
    values = np.asarray(activations)
    if values.ndim != 2:
        raise RasterError(
            f"`activations` must be 2-D with shape (n_samples, n_nodes); got shape "
            f"{values.shape}. Flatten convolutional outputs, e.g. "
            "activations.reshape(len(activations), -1)."
        )
    if values.size == 0:
        raise RasterError(f"`activations` is empty (shape {values.shape}).")
    if not np.issubdtype(values.dtype, np.number) and values.dtype != bool:
        raise RasterError(f"`activations` must be numeric; got dtype {values.dtype}.")
    if np.issubdtype(values.dtype, np.inexact) and np.isnan(values).any():
        raise RasterError(
            f"`activations` contains {int(np.isnan(values).sum())} NaN values; the "
            "network diverged or the input holds NaN. Fix the model or its input."
        )
    return np.ascontiguousarray((values > threshold).T)


def save_rasters(path, **rasters):
    """Write named rasters to a bit-packed ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; written to a temporary file first and renamed, so an
        interrupted write never leaves a truncated file under this name.
    **rasters : array_like, shape (n_nodes, n_samples)
        The rasters, by name (e.g. ``train=..., test=...``).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> spikes = np.array([[True, False, True], [False, False, True]])
    >>> path = os.path.join(tempfile.mkdtemp(), "spikes.npz")
    >>> save_rasters(path, train=spikes)
    >>> bool((load_rasters(path)["train"] == spikes).all())
    True
    """
    if not rasters:
        raise RasterError("save_rasters needs at least one named raster, e.g. train=spikes.")
    arrays = {}
    for name, spikes in rasters.items():
        spikes = check_raster(spikes, name=name)
        arrays[f"{name}__bits"] = np.packbits(spikes, axis=1)
        arrays[f"{name}__shape"] = np.array(spikes.shape, dtype=np.int64)
    save_arrays(path, **arrays)


def save_arrays(path, **arrays):
    """Write numeric arrays to a compressed ``.npz``, atomically and byte-reproducibly."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_npz(handle, arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_npz(handle, arrays):
    """A compressed ``.npz`` with fixed entry timestamps: same rasters, same bytes.

    (``numpy.savez_compressed`` stamps each entry with the current time, so
    identical results would get different checksums.)
    """
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(info, buffer.getvalue())


def load_rasters(path):
    """Read rasters written by :func:`save_rasters`.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        Each raster of shape ``(n_nodes, n_samples)``.

    Raises
    ------
    DataError
        If the file is missing, not an ``.npz`` archive, or lacks a raster's
        bits or shape.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No raster file at {path}; run the experimental cell that writes it.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            contents = {key: archive[key] for key in archive.files}
    except Exception as error:  # zipfile / ValueError / OSError for corrupt files
        raise DataError(f"{path} is not a readable raster archive ({error}).") from error
    names = sorted({key.rsplit("__", 1)[0] for key in contents})
    rasters = {}
    for name in names:
        if f"{name}__bits" not in contents or f"{name}__shape" not in contents:
            raise DataError(f"{path}: raster {name!r} lacks its bits or its shape entry.")
        n_nodes, n_samples = (int(v) for v in contents[f"{name}__shape"])
        bits = contents[f"{name}__bits"]
        rasters[name] = np.unpackbits(bits, axis=1, count=n_samples).astype(bool)
        if rasters[name].shape != (n_nodes, n_samples):
            raise DataError(f"{path}: raster {name!r} does not match its stored shape.")
    return rasters
