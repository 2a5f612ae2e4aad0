"""Data sets for the experimental cells.

Functions
---------
load_dataset
    A data set by name, scaled to [0, 1], with integer labels and its own
    train/test split.
"""

from dataclasses import dataclass

import numpy as np

from .exceptions import DataError

__all__ = ["Dataset", "load_dataset", "DIGITS_SPLIT_SEED"]

#: The digits data set has no official split; this seed fixes one for everyone.
DIGITS_SPLIT_SEED = 20240919
_DIGITS_TEST_FRACTION = 0.25


@dataclass(frozen=True)
class Dataset:
    """Images scaled to [0, 1] with integer labels in ``0 .. n_classes - 1``."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def n_classes(self):
        return int(max(self.y_train.max(), self.y_test.max()) + 1)

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])


def _digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[..., np.newaxis]  # (1797, 8, 8, 1)
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(_DIGITS_TEST_FRACTION * len(labels)))
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits", images[train], labels[train], images[test], labels[test],
                   source="scikit-learn load_digits (bundled)")


_LOADERS = {"digits": _digits}


def load_dataset(name):
    """Load a data set by name.

    Parameters
    ----------
    name : str
        ``"digits"`` (scikit-learn's bundled 8x8 digits, split 75/25 with
        :data:`DIGITS_SPLIT_SEED`).

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        If the name is unknown.

    Examples
    --------
    >>> data = load_dataset("digits")
    >>> data.x_train.shape, data.x_test.shape, data.n_classes
    ((1348, 8, 8, 1), (449, 8, 8, 1), 10)
    """
    if name not in _LOADERS:
        raise DataError(f"`dataset`={name!r} is unknown; choose one of {sorted(_LOADERS)}.")
    return _LOADERS[name]()
