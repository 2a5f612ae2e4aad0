"""binarize and raster storage."""

import numpy as np
import pytest

import spikelib as sl


def test_binarize_transposes_and_thresholds(rng):
    activations = np.maximum(rng.normal(size=(50, 7)), 0)  # ReLU output
    spikes = sl.binarize(activations)
    assert spikes.shape == (7, 50) and spikes.dtype == bool and spikes.flags.c_contiguous
    np.testing.assert_array_equal(spikes, activations.T > 0)


def test_binarize_threshold_is_strict():
    np.testing.assert_array_equal(sl.binarize([[0.5, 0.6]], threshold=0.5), [[False], [True]])


@pytest.mark.parametrize("bad, message", [
    (np.zeros(5), "2-D"), (np.zeros((2, 3, 4)), "Flatten"), (np.zeros((0, 3)), "empty"),
    (np.array([[np.nan, 1.0]]), "NaN"), (np.array([["a"]]), "numeric"),
])
def test_binarize_rejects(bad, message):
    with pytest.raises(sl.RasterError, match=f"`activations`.*{message}|{message}.*"):
        sl.binarize(bad)


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (5, 1001), (64, 8)])
def test_save_load_roundtrip(tmp_path, rng, shape):
    train = rng.random(shape) < 0.4
    test = rng.random((shape[0], shape[1] + 3)) < 0.1
    path = tmp_path / "spikes.npz"
    sl.save_rasters(path, train=train, test=test)
    loaded = sl.load_rasters(path)
    assert set(loaded) == {"train", "test"}
    np.testing.assert_array_equal(loaded["train"], train)
    np.testing.assert_array_equal(loaded["test"], test)
    assert not list(tmp_path.glob("*.tmp")), "temporary file left behind"


def test_load_missing_and_corrupt(tmp_path):
    with pytest.raises(sl.DataError, match="No raster file"):
        sl.load_rasters(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(sl.DataError, match="not a readable .npz archive"):
        sl.load_rasters(bad)
    partial = tmp_path / "partial.npz"
    np.savez(partial, train__bits=np.zeros((1, 1), np.uint8))
    with pytest.raises(sl.DataError, match="lacks its bits or its shape"):
        sl.load_rasters(partial)


def test_save_needs_a_raster(tmp_path):
    with pytest.raises(sl.RasterError, match="at least one named raster"):
        sl.save_rasters(tmp_path / "x.npz")


def test_same_rasters_same_bytes(tmp_path, rng):
    spikes = rng.random((5, 300)) < 0.3
    sl.save_rasters(tmp_path / "a.npz", train=spikes)
    sl.save_rasters(tmp_path / "b.npz", train=spikes)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def _stored(path, bits, shape):
    np.savez(path, train__bits=np.asarray(bits, dtype=np.uint8), train__shape=np.asarray(shape))
    return path


@pytest.mark.parametrize("bits_shape, shape, message", [
    ((2, 2), (2, 20), r"claims shape \(2, 20\), which needs packed bits of shape \(2, 3\)"),   # would zero-pad
    ((2, 3), (2, 8), r"claims shape \(2, 8\), which needs packed bits of shape \(2, 1\)"),     # would truncate
    ((1, 4), (1, 800_000_000), "claims shape"),                                               # 100 MB from 4 bytes
    ((1, 1), (-1, 8), "claims shape"),
])
def test_load_checks_the_stored_shape_against_the_bits(tmp_path, bits_shape, shape, message):
    path = _stored(tmp_path / "spikes.npz", np.zeros(bits_shape), shape)
    with pytest.raises(sl.DataError, match=message):
        sl.load_rasters(path)


@pytest.mark.parametrize("shape", [[3], [[1, 2], [3, 4]], [1.5, 2.0]])
def test_load_rejects_a_malformed_shape_entry(tmp_path, shape):
    path = _stored(tmp_path / "spikes.npz", np.zeros((1, 1)), shape)
    with pytest.raises(sl.DataError, match="malformed shape entry"):
        sl.load_rasters(path)


def test_load_rejects_bits_that_are_not_bytes(tmp_path):
    path = tmp_path / "spikes.npz"
    np.savez(path, train__bits=np.zeros((1, 1), np.float64), train__shape=np.array([1, 8]))
    with pytest.raises(sl.DataError, match="2-D uint8 bits"):
        sl.load_rasters(path)


@pytest.mark.parametrize("threshold", [float("nan"), float("inf"), "0", None, True])
def test_binarize_threshold_must_be_a_finite_number(threshold):
    with pytest.raises(sl.ParameterError, match="`threshold` must be a finite number"):
        sl.binarize(np.ones((2, 2)), threshold=threshold)


@pytest.mark.parametrize("function", [sl.firing_rate, sl.binarize])
def test_ragged_input_is_named(function):
    with pytest.raises(sl.RasterError, match="cannot be read as a rectangular array|dtype object"):
        function([[1, 0, 1], [1, 0]])
