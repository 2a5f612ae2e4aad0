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
    with pytest.raises(sl.DataError, match="not a readable raster archive"):
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
