"""Data sets for the experimental cells: found locally first, checksummed, never unpickled.

Functions
---------
load_dataset
    A data set by name (``digits``, ``mnist``, ``fashion_mnist``, ``cifar10``)
    or by path to an ``.npz`` file, scaled to [0, 1], with integer labels and
    the data set's own train/test split.
known_checksums
    The SHA-256 of every data file the compendium knows (``data/checksums.sha256``).
training_subset
    A fixed subset of the training samples, the same for every cell and seed.
sha256
    Checksum of a file.

Where each set is looked for, in order: the directory the user names
(``data_dir`` argument or ``$SPIKELIB_DATA_DIR``), the project's ``data/``
folder, Debian's ``/usr/share/datasets/fashion-mnist`` (Fashion-MNIST only),
and finally Keras' own loader, which reads the Keras cache or downloads.
"""

import gzip
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import paths
from .._optional import soft_import
from ..exceptions import DataError
from ..storage import sha256
from .config import DATASETS

__all__ = ["Dataset", "load_dataset", "known_checksums", "sha256", "DATASETS", "DIGITS_SPLIT_SEED",
           "MAX_CLASSES", "training_subset", "SUBSET_SEED"]

#: The digits data set has no official split; this seed fixes one for everyone.
DIGITS_SPLIT_SEED = 20240919
_DIGITS_TEST_FRACTION = 0.25
#: The seed of the training subsets: one draw for every cell, so that networks trained on a
#: subset of a given size differ in their hyperparameters and seeds, not in their data.
SUBSET_SEED = 20241201

FASHION_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
#: More classes than this is taken for a corrupt label, not a data set (an output
#: layer of 10**9 units would need tens of GB).
MAX_CLASSES = 10_000


@dataclass(frozen=True)
class Dataset:
    """Images scaled to [0, 1] (float32, channels last) with int64 labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def n_classes(self):
        """Classes ``0 .. n_classes - 1``, every one present in the training labels (checked on load)."""
        return int(self.y_train.max()) + 1

    @property
    def input_shape(self):
        return tuple(self.x_train.shape[1:])


def known_checksums(path=None):
    """Mapping file name -> SHA-256 from ``data/checksums.sha256`` (``sha256sum`` format).

    Raises
    ------
    DataError
        If a line of the file is not ``<sha256>  <file name>``.
    """
    path = Path(path or paths.CHECKSUMS)
    table = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise DataError(f"{path}, line {number}: expected '<sha256>  <file name>', got {line!r}.")
        table[parts[1].lstrip("*")] = parts[0].lower()
    return table


def _verify(path, checksums):
    expected = checksums.get(path.name)
    if expected is None:
        return
    actual = sha256(path)
    if actual != expected:
        raise DataError(
            f"Checksum mismatch for {path}: SHA-256 is {actual}, expected {expected} "
            f"(listed in data/checksums.sha256). The file is corrupt, truncated or a "
            "different version: delete it and copy or download it again."
        )


def _search_dirs(name, data_dir):
    dirs = []
    for folder in (data_dir, paths.user_data_dir(), paths.DATA, paths.DATA_CACHE):
        if folder is not None and Path(folder) not in dirs:
            dirs.append(Path(folder))
    if name == "fashion_mnist":
        dirs.append(paths.DEBIAN_FASHION_MNIST)
    return dirs


def _find(file_names, dirs):
    """First directory holding all ``file_names`` (also under a ``<name>/`` subfolder)."""
    for folder in dirs:
        for candidate in (folder, folder / "fashion-mnist", folder / "fashion_mnist"):
            if all((candidate / f).is_file() for f in file_names):
                return candidate
    return None


def _scale_images(images, where):
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise DataError(
            f"{where}: images must have shape (n, height, width) or (n, height, width, "
            f"channels); got {images.shape}."
        )
    if 0 in images.shape[1:]:
        raise DataError(f"{where}: images of shape {images.shape[1:]} hold no pixels; every image dimension must be "
                        "at least 1.")
    if np.issubdtype(images.dtype, np.integer):
        if images.min() < 0 or images.max() > 255:
            raise DataError(f"{where}: integer images must lie in 0..255; got {images.min()}..{images.max()}.")
        return (images / 255.0).astype(np.float32)
    if np.issubdtype(images.dtype, np.floating):
        if not np.isfinite(images).all():
            bad = int(np.flatnonzero(~np.isfinite(images.reshape(len(images), -1)).all(axis=1))[0])
            raise DataError(f"{where}: float images must be finite; image {bad} holds NaN or infinity. Remove or "
                            "repair those images.")
        if images.min() < 0 or images.max() > 1:
            raise DataError(
                f"{where}: float images must be finite and lie in [0, 1]; got "
                f"{np.nanmin(images):.3g}..{np.nanmax(images):.3g}. Store uint8 pixels or scale to [0, 1]."
            )
        return images.astype(np.float32)
    raise DataError(f"{where}: images must be numeric; got dtype {images.dtype}.")


def _labels(labels, n_images, where):
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.shape[0] != n_images:
        raise DataError(f"{where}: labels must have shape ({n_images},); got {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{where}: labels must be integers (class indices); got dtype {labels.dtype}.")
    if labels.size and labels.min() < 0:
        bad = int(np.flatnonzero(labels < 0)[0])
        raise DataError(f"{where}: labels must be class indices 0, 1, ...; label {int(labels[bad])} at "
                        f"position {bad} is negative.")
    return labels.astype(np.int64)


def _check_classes(y_train, y_test, source):
    """Classes must be 0..K-1, each seen in training; test labels must be among them."""
    present = np.unique(y_train)  # sorted; no allocation proportional to the largest label
    if len(y_train) < 2:
        raise DataError(f"{source} y_train: {len(y_train)} training sample; a network needs at least two to train "
                        "on, and the paper's statistics thousands.")
    if len(present) < 2:
        raise DataError(f"{source} y_train: every training label is {int(present[0])}; with one class there is "
                        "nothing to classify, and shuffling the labels changes nothing, so no condition of the paper "
                        "can run. Give labels of at least two classes.")
    n_classes = int(present[-1]) + 1
    if n_classes > MAX_CLASSES:
        raise DataError(f"{source} y_train: the largest label is {n_classes - 1}, which would need an output "
                        f"layer of {n_classes} units; labels must be class indices 0..K-1 "
                        f"(K at most {MAX_CLASSES}).")
    if len(present) != n_classes:
        missing = sorted(set(range(n_classes)) - set(present.tolist()))
        raise DataError(f"{source} y_train: labels must be the class indices 0..{n_classes - 1}, each with "
                        f"training samples, but class(es) {missing[:5]} have none. Relabel the classes "
                        "as 0..K-1.")
    if y_test.size and y_test.max() >= n_classes:
        raise DataError(f"{source} y_test: label {int(y_test.max())} is not among the {n_classes} training "
                        f"classes 0..{n_classes - 1}.")
    return n_classes


def _assemble(name, x_train, y_train, x_test, y_test, source):
    for split, array in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        if np.ndim(array) == 0:
            raise DataError(f"{source} {split} is a single value (a 0-D array); it must hold one entry per sample.")
    for split, images in (("x_train", x_train), ("x_test", x_test)):
        if len(images) == 0:
            raise DataError(f"{source} {split} is empty; a data set needs training and test samples.")
    x_train = _scale_images(x_train, f"{source} x_train")
    x_test = _scale_images(x_test, f"{source} x_test")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DataError(f"{source}: x_train samples have shape {x_train.shape[1:]} but x_test {x_test.shape[1:]}.")
    y_train = _labels(y_train, len(x_train), f"{source} y_train")
    y_test = _labels(y_test, len(x_test), f"{source} y_test")
    _check_classes(y_train, y_test, source)
    return Dataset(name, x_train, y_train, x_test, y_test, source=source)


def _digits():
    load_digits = soft_import("sklearn.datasets", "the digits data set").load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)[..., np.newaxis]  # (1797, 8, 8, 1)
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(_DIGITS_TEST_FRACTION * len(labels)))
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits", images[train], labels[train], images[test], labels[test],
                   source="scikit-learn load_digits (bundled)")


def _read_npz(path, name, checksums):
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No data file at {path}. Check the path, or pass a data set name: {list(DATASETS)}.")
    _verify(path, checksums)
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DataError(
                    f"{path} lacks the arrays {missing}; an .npz data set holds "
                    f"{list(NPZ_KEYS)} (the layout of Keras' mnist.npz)."
                )
            arrays = [archive[key] for key in NPZ_KEYS]
    except DataError:
        raise
    except ValueError as error:  # object arrays need pickling: refused
        raise DataError(f"{path} holds object arrays that would need unpickling; store plain numeric arrays ({error}).") from error
    except Exception as error:  # truncated or not a zip archive
        raise DataError(f"{path} is not a readable .npz archive ({type(error).__name__}: {error}); it may be truncated.") from error
    return _assemble(name, *arrays, source=str(path))


def _read_idx(path, offset, what):
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise DataError(f"{path} is not a readable gzip file ({error}); it may be truncated.") from error
    values = np.frombuffer(raw, np.uint8, offset=offset)
    if what == "images":
        if values.size % (28 * 28):
            raise DataError(f"{path}: {values.size} pixels is not a whole number of 28x28 images.")
        return values.reshape(-1, 28, 28)
    return values


def _fashion_from(folder, checksums):
    files = [folder / f for f in FASHION_FILES]
    for file in files:
        _verify(file, checksums)
    x_train = _read_idx(files[0], 16, "images")
    y_train = _read_idx(files[1], 8, "labels").astype(np.int64)
    x_test = _read_idx(files[2], 16, "images")
    y_test = _read_idx(files[3], 8, "labels").astype(np.int64)
    return _assemble("fashion_mnist", x_train, y_train, x_test, y_test, source=str(folder))


def _cifar_from(archive, checksums):
    """Read the official CIFAR-10 python archive, only after its checksum matched."""
    if archive.name not in checksums:
        raise DataError(f"{archive}: no known checksum, so it will not be unpickled.")
    _verify(archive, checksums)
    from keras.src.datasets.cifar import load_batch  # Keras' own reader (unpickles)

    with tempfile.TemporaryDirectory() as tmp:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise DataError(f"{archive} is not a readable tar.gz archive ({error}).") from error
        folder = Path(tmp) / "cifar-10-batches-py"
        batches = [load_batch(str(folder / f"data_batch_{i}")) for i in range(1, 6)]
        x_test, y_test = load_batch(str(folder / "test_batch"))
    x_train = np.concatenate([b[0] for b in batches])
    y_train = np.concatenate([b[1] for b in batches])
    # Batches are (n, 3, 32, 32): channels last, as Keras' loader returns them.
    return _assemble("cifar10", x_train.transpose(0, 2, 3, 1), y_train,
                     x_test.transpose(0, 2, 3, 1), y_test, source=str(archive))


def _keras_loader(name, looked_in):
    keras = soft_import("keras", f"loading {name!r} with Keras")

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist,
              "cifar10": keras.datasets.cifar10}[name]
    files = {"mnist": ["mnist.npz"], "fashion_mnist": list(FASHION_FILES),
             "cifar10": ["cifar-10-python.tar.gz"]}[name]
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:
        where = ", ".join(str(d) for d in looked_in)
        hint = " or install Debian's package dataset-fashion-mnist" if name == "fashion_mnist" else ""
        raise DataError(
            f"Data set {name!r} is not available offline and Keras could not download it "
            f"({type(error).__name__}: {str(error)[:200]}). Looked for {files} in: {where}. "
            f"Copy the file(s) into data/ or $SPIKELIB_DATA_DIR{hint}; see data/README.md."
        ) from error
    return _assemble(name, x_train, y_train, x_test, y_test, source=f"keras.datasets.{name}")


def load_dataset(name, data_dir=None, checksums=None):
    """Load a data set, scaled to [0, 1] with integer labels and its own split.

    Parameters
    ----------
    name : str or os.PathLike
        ``"digits"`` (scikit-learn's bundled 8x8 digits, split 75/25 with
        :data:`DIGITS_SPLIT_SEED`), ``"mnist"``, ``"fashion_mnist"``,
        ``"cifar10"``, or a path to an ``.npz`` file holding ``x_train,
        y_train, x_test, y_test``.
    data_dir : str or os.PathLike, optional
        A directory searched before all others.
    checksums : dict, optional
        File name -> SHA-256; defaults to :func:`known_checksums`.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Unknown name, missing files with no way to download them, checksum
        mismatch, truncated files, missing keys or wrong shapes; the message
        names the file and the remedy.

    Examples
    --------
    >>> data = load_dataset("digits")
    >>> data.x_train.shape, data.x_test.shape, data.n_classes
    ((1348, 8, 8, 1), (449, 8, 8, 1), 10)
    """
    checksums = known_checksums() if checksums is None else checksums
    if data_dir is not None and not Path(data_dir).is_dir():
        raise DataError(f"`data_dir` {data_dir} is not a folder; give the folder that holds the data files, or "
                        "leave it out.")
    text = str(name)
    if text == "digits":
        return _digits()
    if text.endswith(".npz") or Path(text).suffix:
        return _read_npz(text, Path(text).stem, checksums)
    if text not in DATASETS:
        raise DataError(f"`dataset`={text!r} is unknown; use one of {list(DATASETS)} or a path to an .npz file.")
    dirs = _search_dirs(text, data_dir)
    if text == "mnist":
        folder = _find(["mnist.npz"], dirs)
        if folder is not None:
            return _read_npz(folder / "mnist.npz", "mnist", checksums)
    elif text == "fashion_mnist":
        folder = _find(list(FASHION_FILES), dirs)
        if folder is not None:
            return _fashion_from(folder, checksums)
    elif text == "cifar10":
        folder = _find(["cifar-10-python.tar.gz"], dirs)
        if folder is not None:
            return _cifar_from(folder / "cifar-10-python.tar.gz", checksums)
    return _keras_loader(text, dirs)


def training_subset(data, n_samples):
    """The first ``n_samples`` of one seeded permutation of the training samples, in their original order.

    The draw depends on :data:`SUBSET_SEED` and the training set's size only,
    so every cell trained on ``n_samples`` sees the same samples, and a larger
    subset of the same set holds every smaller one.

    Parameters
    ----------
    data : Dataset
    n_samples : int or None
        ``None`` returns ``data`` unchanged.

    Returns
    -------
    Dataset
        With ``x_train``, ``y_train`` replaced by the subset; the test split is kept.

    Raises
    ------
    ParameterError
        If ``n_samples`` exceeds the training samples, or the subset misses a class.

    Examples
    --------
    >>> small = training_subset(load_dataset("digits"), 200)
    >>> small.x_train.shape, small.n_classes
    ((200, 8, 8, 1), 10)
    """
    from ..exceptions import ParameterError

    if n_samples is None:
        return data
    n_all = len(data.x_train)
    if not 1 < n_samples <= n_all:
        raise ParameterError(f"`train_samples`={n_samples}: {data.name!r} has {n_all} training samples; give "
                             f"2 to {n_all}, or leave it unset to train on all.", "train_samples")
    index = np.sort(np.random.default_rng(SUBSET_SEED).permutation(n_all)[:n_samples])
    labels = data.y_train[index]
    missing = sorted(set(range(data.n_classes)) - set(labels.tolist()))
    if missing:
        raise ParameterError(f"`train_samples`={n_samples} leaves classes {missing[:10]} of {data.name!r} without "
                             "a training sample; give more samples.", "train_samples")
    return Dataset(data.name, data.x_train[index], labels, data.x_test, data.y_test,
                   f"{data.source} (a subset of {n_samples} of its {n_all} training samples)")
