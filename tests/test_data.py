"""Data loading: search order, checksums, formats and every documented failure."""

import gzip
import io
import pickle
import tarfile

import numpy as np
import pytest

import spikelib as sl
from spikelib.experiment import data as data_module
from spikelib import paths
from spikelib.experiment.data import FASHION_FILES, known_checksums, load_dataset, sha256


def test_digits_is_bundled_scaled_and_split_the_same_way_every_time():
    first, second = load_dataset("digits"), load_dataset("digits")
    assert first.x_train.shape == (1348, 8, 8, 1) and first.x_test.shape == (449, 8, 8, 1)
    assert first.x_train.dtype == np.float32 and 0 <= first.x_train.min() and first.x_train.max() == 1
    assert first.y_train.dtype == np.int64 and set(np.unique(first.y_train)) == set(range(10))
    np.testing.assert_array_equal(first.y_test, second.y_test)


def test_npz_path_is_scaled(tiny_npz):
    data = load_dataset(str(tiny_npz))
    raw = np.load(tiny_npz)
    assert data.x_train.shape == (300, 12, 12, 1) and data.name == "tiny"
    np.testing.assert_allclose(data.x_train[..., 0], raw["x_train"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, raw["y_test"])


def _npz(tmp_path, name="bad.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize("arrays, message", [
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.zeros(4, int)}, r"lacks the arrays \['x_test', 'y_test'\]"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.zeros(3, int),
      "x_test": np.zeros((2, 5, 5), np.uint8), "y_test": np.zeros(2, int)}, r"y_train: labels must have shape \(4,\)"),
    ({"x_train": np.zeros((4, 5), np.uint8), "y_train": np.zeros(4, int),
      "x_test": np.zeros((2, 5), np.uint8), "y_test": np.zeros(2, int)}, "x_train: images must have shape"),
    ({"x_train": np.full((4, 5, 5), 3.0), "y_train": np.zeros(4, int),
      "x_test": np.zeros((2, 5, 5)), "y_test": np.zeros(2, int)}, r"float images must be finite and lie in \[0, 1\]"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.zeros(4, int),
      "x_test": np.zeros((2, 6, 6), np.uint8), "y_test": np.zeros(2, int)}, "x_train samples have shape"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.full(4, -1),
      "x_test": np.zeros((2, 5, 5), np.uint8), "y_test": np.zeros(2, int)}, "label -1 at position 0 is negative"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.array([0, 1, 2, 11]),
      "x_test": np.zeros((2, 5, 5), np.uint8), "y_test": np.zeros(2, int)},
     r"labels must be the class indices 0..11.*class\(es\) \[3, 4, 5, 6, 7\] have none"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.array([0, 1, 2, 10**9]),
      "x_test": np.zeros((2, 5, 5), np.uint8), "y_test": np.zeros(2, int)}, "would need an output layer of 1000000001"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.array([0, 1, 0, 1]),
      "x_test": np.zeros((2, 5, 5), np.uint8), "y_test": np.array([0, 2])}, "label 2 is not among the 2 training classes"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.array([0, 1, 0, 1]),
      "x_test": np.zeros((0, 5, 5), np.uint8), "y_test": np.zeros(0, int)}, "x_test is empty"),
    ({"x_train": np.zeros((4, 5, 5), np.uint8), "y_train": np.array([0.0, 1, 0, 1]),
      "x_test": np.zeros((2, 5, 5), np.uint8), "y_test": np.zeros(2, int)}, "labels must be integers"),
])
def test_bad_npz_files_name_the_problem(tmp_path, arrays, message):
    path = _npz(tmp_path, **arrays)
    with pytest.raises(sl.DataError, match=message) as info:
        load_dataset(str(path))
    assert str(path) in str(info.value)


def test_truncated_npz(tmp_path, tiny_npz):
    path = tmp_path / "truncated.npz"
    path.write_bytes(tiny_npz.read_bytes()[:5000])
    with pytest.raises(sl.DataError, match="truncated"):
        load_dataset(str(path))


def test_npz_is_never_unpickled(tmp_path):
    path = _npz(tmp_path, x_train=np.array([{"a": 1}], dtype=object), y_train=np.zeros(1, int),
                x_test=np.zeros((1, 2, 2)), y_test=np.zeros(1, int))
    with pytest.raises(sl.DataError, match="unpickling"):
        load_dataset(str(path))


def test_missing_npz_and_unknown_names(tmp_path):
    with pytest.raises(sl.DataError, match="No data file at"):
        load_dataset(str(tmp_path / "none.npz"))
    with pytest.raises(sl.DataError, match="unknown"):
        load_dataset("imagenet")


def test_checksum_table_is_the_known_one():
    table = known_checksums()
    assert table["mnist.npz"].startswith("731c5ac6")
    assert table["cifar-10-python.tar.gz"].startswith("6d958be0")
    assert set(FASHION_FILES) <= set(table)


def test_bad_checksum_file(tmp_path):
    bad = tmp_path / "sums"
    bad.write_text("not a checksum line\n")
    with pytest.raises(sl.DataError, match="line 1"):
        known_checksums(bad)


def _idx_files(folder, n_train=30, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    content = {
        "train-images-idx3-ubyte.gz": b"\0" * 16 + rng.integers(0, 256, n_train * 784, dtype=np.uint8).tobytes(),
        "train-labels-idx1-ubyte.gz": b"\0" * 8 + rng.integers(0, 10, n_train, dtype=np.uint8).tobytes(),
        "t10k-images-idx3-ubyte.gz": b"\0" * 16 + rng.integers(0, 256, n_test * 784, dtype=np.uint8).tobytes(),
        "t10k-labels-idx1-ubyte.gz": b"\0" * 8 + rng.integers(0, 10, n_test, dtype=np.uint8).tobytes(),
    }
    for name, raw in content.items():
        (folder / name).write_bytes(gzip.compress(raw, mtime=0))
    return {name: sha256(folder / name) for name in content}


def test_fashion_stand_in_with_its_checksums(tmp_path):
    sums = _idx_files(tmp_path / "mine")
    data = load_dataset("fashion_mnist", data_dir=tmp_path / "mine", checksums=sums)
    assert data.x_train.shape == (30, 28, 28, 1) and data.y_test.shape == (20,)
    assert data.source == str(tmp_path / "mine")


def test_fashion_stand_in_fails_the_real_checksums(tmp_path):
    _idx_files(tmp_path / "mine")
    with pytest.raises(sl.DataError, match="Checksum mismatch for .*train-images-idx3-ubyte.gz"):
        load_dataset("fashion_mnist", data_dir=tmp_path / "mine")


def test_user_directory_comes_first(tmp_path, monkeypatch):
    sums_a = _idx_files(tmp_path / "a", n_train=30, seed=1)
    sums_b = _idx_files(tmp_path / "b", n_train=40, seed=2)
    monkeypatch.setenv("SPIKELIB_DATA_DIR", str(tmp_path / "b"))
    assert len(load_dataset("fashion_mnist", checksums=sums_b).x_train) == 40  # env var
    # An explicit data_dir beats the environment variable (the checksum then says which was read).
    with pytest.raises(sl.DataError, match=str(tmp_path / "a")):
        load_dataset("fashion_mnist", data_dir=tmp_path / "a", checksums=sums_b)
    assert len(load_dataset("fashion_mnist", data_dir=tmp_path / "a", checksums=sums_a).x_train) == 30


def test_truncated_gzip(tmp_path):
    sums = _idx_files(tmp_path / "mine")
    target = tmp_path / "mine" / "train-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:500])
    sums[target.name] = sha256(target)
    with pytest.raises(sl.DataError, match="truncated"):
        load_dataset("fashion_mnist", data_dir=tmp_path / "mine", checksums=sums)


@pytest.mark.skipif(not (paths.DEBIAN_FASHION_MNIST / FASHION_FILES[0]).is_file(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_from_debian():
    data = load_dataset("fashion_mnist")
    assert data.x_train.shape == (60000, 28, 28, 1) and data.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert data.y_train[:5].tolist() == [9, 0, 0, 3, 0]


def test_mnist_offline_fails_clearly(monkeypatch, tmp_path):
    import keras

    def no_network():
        raise Exception("URL fetch failure on mnist.npz: Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    monkeypatch.setattr(paths, "DATA", tmp_path)
    monkeypatch.setattr(paths, "DATA_CACHE", tmp_path / "cache")
    with pytest.raises(sl.DataError, match=r"'mnist' is not available offline.*mnist.npz.*data/README.md"):
        load_dataset("mnist")


def test_mnist_npz_in_data_dir_is_checksummed(tmp_path, tiny_npz):
    (tmp_path / "mnist.npz").write_bytes(tiny_npz.read_bytes())
    with pytest.raises(sl.DataError, match="Checksum mismatch for .*mnist.npz"):
        load_dataset("mnist", data_dir=tmp_path)
    data = load_dataset("mnist", data_dir=tmp_path, checksums={"mnist.npz": sha256(tmp_path / "mnist.npz")})
    assert data.name == "mnist" and data.x_train.shape == (300, 12, 12, 1)


def _cifar_archive(path):
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        for number, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
            # Every class appears among the 20 training labels, as in the real archive.
            batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8),
                     b"labels": [(4 * number + k) % 10 for k in range(4)]}
            raw = pickle.dumps(batch)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def test_cifar_archive_is_read_only_after_its_checksum(tmp_path, monkeypatch):
    archive = tmp_path / "cifar-10-python.tar.gz"
    _cifar_archive(archive)
    calls = []
    import keras.src.datasets.cifar as cifar

    original = cifar.load_batch
    monkeypatch.setattr(cifar, "load_batch", lambda *a, **k: calls.append(a) or original(*a, **k))
    with pytest.raises(sl.DataError, match="Checksum mismatch"):
        load_dataset("cifar10", data_dir=tmp_path)
    assert calls == []  # nothing was unpickled
    data = load_dataset("cifar10", data_dir=tmp_path, checksums={archive.name: sha256(archive)})
    assert data.x_train.shape == (20, 32, 32, 3) and data.x_test.shape == (4, 32, 32, 3)
    assert len(calls) == 6


def test_unlisted_archive_is_never_unpickled(tmp_path):
    _cifar_archive(tmp_path / "cifar-10-python.tar.gz")
    with pytest.raises(sl.DataError, match="no known checksum"):
        data_module._cifar_from(tmp_path / "cifar-10-python.tar.gz", {})


def test_training_subsets_are_fixed_nested_and_checked():
    from spikelib.exceptions import ParameterError
    from spikelib.experiment.data import load_dataset, training_subset

    data = load_dataset("digits")
    small, large = training_subset(data, 200), training_subset(data, 600)
    assert len(small.x_train) == 200 and np.array_equal(small.x_test, data.x_test)
    rows = {row.tobytes() for row in large.x_train}
    assert all(row.tobytes() in rows for row in small.x_train)  # a larger subset holds the smaller one
    assert np.array_equal(training_subset(data, 200).y_train, small.y_train)
    assert training_subset(data, None) is data
    with pytest.raises(ParameterError, match="train_samples"):
        training_subset(data, len(data.x_train) + 1)
    with pytest.raises(ParameterError, match="without a training sample"):
        training_subset(data, 3)
