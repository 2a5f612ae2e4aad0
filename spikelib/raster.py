"""From activations to rasters, and rasters to and from disk.

Functions
---------
binarize
    Keras activations ``(n_samples, n_nodes)`` -> raster ``(n_nodes, n_samples)``.
save_rasters, load_rasters
    Bit-packed ``.npz`` storage of named rasters (loaded with ``allow_pickle=False``).
"""

from pathlib import Path

import numpy as np

from ._validation import (
    Checked,
    Number,
    PathLike,
    check_activations,
    check_raster,
    constrained,
)
from .exceptions import DataError, RasterError
from .storage import read_npz, write_npz

__all__ = ["binarize", "save_rasters", "load_rasters"]


@constrained({"activations": Checked(check_activations), "threshold": Number()})
def binarize(activations, threshold=0.0):
    """Threshold activations into a raster of spikes.

    A node "spikes" for an input sample when its activation is strictly above
    ``threshold`` (the paper: ReLU output > 0).

    Parameters
    ----------
    activations : array_like, shape (n_samples, n_nodes)
        One row per input sample, as ``keras.Model.predict`` returns them.
    threshold : float
        Activations strictly greater than this value are spikes; a finite number.

    Returns
    -------
    spikes : numpy.ndarray of bool, shape (n_nodes, n_samples)
        The raster, C-contiguous, one row per node.

    Raises
    ------
    RasterError
        If ``activations`` is not 2-D, is empty or contains NaN.
    ParameterError
        If ``threshold`` is not a finite number (a NaN threshold would make
        every comparison false and the raster silently empty).

    Examples
    --------
    >>> import numpy as np
    >>> binarize(np.array([[0.0, 1.5], [2.0, -1.0], [0.3, 0.0]]))
    array([[False,  True,  True],
           [ True, False, False]])
    """
    values = np.asarray(activations)  # checked by the declaration above (check_activations)
    return np.ascontiguousarray((values > threshold).T)


@constrained({"path": PathLike()})
def save_rasters(path, **rasters):
    """Write named rasters to a bit-packed ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; written to a temporary file first and renamed, so an
        interrupted write never leaves a truncated file under this name.
    **rasters : array_like, shape (n_nodes, n_samples)
        The rasters, by name (e.g. ``train=..., test=...``).

    Raises
    ------
    RasterError
        If no raster is given or one breaks the raster contract.

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
    write_npz(path, **arrays)


def _stored_shape(path, name, shape, bits):
    """The raster shape recorded in the file, checked against the packed bits it describes."""
    if shape.shape != (2,) or not np.issubdtype(shape.dtype, np.integer):
        raise DataError(f"{path}: raster {name!r} has a malformed shape entry {shape.tolist()!r}; "
                        "expected two integers (n_nodes, n_samples).")
    n_nodes, n_samples = (int(v) for v in shape)
    if bits.dtype != np.uint8 or bits.ndim != 2:
        raise DataError(f"{path}: raster {name!r} must hold 2-D uint8 bits; got dtype {bits.dtype}, "
                        f"{bits.ndim} dimension(s).")
    expected = (n_nodes, -(-n_samples // 8)) if n_nodes >= 0 and n_samples >= 0 else None
    if expected is None or bits.shape != expected:
        raise DataError(f"{path}: raster {name!r} claims shape ({n_nodes}, {n_samples}), which needs "
                        f"packed bits of shape {expected}, but the file holds {bits.shape}. The file is "
                        "corrupt or was not written by spikelib.save_rasters; rerun the cell.")
    return n_nodes, n_samples


@constrained({"path": PathLike()})
def load_rasters(path):
    """Read rasters written by :func:`save_rasters`.

    The shape stored with each raster is checked against its packed bits, so a
    corrupt file fails instead of being padded, truncated or inflated.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        Each raster of shape ``(n_nodes, n_samples)``.

    Raises
    ------
    DataError
        If the file is missing, not an ``.npz`` archive, holds no raster, lacks
        a raster's bits or shape, or its shape does not match its bits.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No raster file at {path}; run the experimental cell that writes it.")
    contents = read_npz(path)
    if not contents:
        raise DataError(f"{path} holds no raster; it is not a file save_rasters wrote.")
    names = sorted({key.rsplit("__", 1)[0] for key in contents})
    rasters = {}
    for name in names:
        if f"{name}__bits" not in contents or f"{name}__shape" not in contents:
            raise DataError(f"{path}: raster {name!r} lacks its bits or its shape entry.")
        bits = contents[f"{name}__bits"]
        n_nodes, n_samples = _stored_shape(path, name, contents[f"{name}__shape"], bits)
        rasters[name] = np.unpackbits(bits, axis=1, count=n_samples).astype(bool)
    return rasters
