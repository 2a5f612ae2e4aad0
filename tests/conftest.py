"""Shared fixtures: seeded rasters at several rates, with the degenerate nodes; small data sets;
the stand-in results the book and the runner tests share."""

import os

import numpy as np
import pytest
from hypothesis import settings

SEEDS = [0, 1, 2]

# The property-based tests draw the same examples on every run, so that a run of the suite (CI's among them)
# passes or fails for the code, not the draw; HYPOTHESIS_PROFILE=explore draws afresh each time.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """The suite keeps the controls `spikelib diagnose` trains in a folder of its own, never in the user's cache."""
    os.environ["SPIKELIB_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
RATES = [0.02, 0.3, 0.7]


@pytest.fixture(params=SEEDS, ids=lambda s: f"seed{s}")
def rng(request):
    return np.random.default_rng(request.param)


@pytest.fixture(params=RATES, ids=lambda r: f"rate{r}")
def raster(request, rng):
    """A 12 x 3000 Bernoulli raster with one silent, one always-on and one single-spike node."""
    spikes = rng.random((12, 3000)) < request.param
    spikes[0] = False
    spikes[1] = True
    spikes[2] = False
    spikes[2, 1234] = True
    return spikes


def _learnable_images(rng, n, shape, n_classes=10):
    """uint8 images whose mean brightness pattern depends on the class: learnable, tiny."""
    labels = rng.integers(0, n_classes, size=n)
    base = rng.random((n_classes,) + shape)
    images = 0.6 * base[labels] + 0.4 * rng.random((n,) + shape)
    return (images * 255).astype(np.uint8), labels.astype(np.int64)


@pytest.fixture(scope="session")
def tiny_npz(tmp_path_factory):
    """A small grayscale .npz in Keras' mnist.npz layout (x as (n, 12, 12) uint8)."""
    rng = np.random.default_rng(42)
    x_train, y_train = _learnable_images(rng, 300, (12, 12))
    x_test, y_test = _learnable_images(rng, 200, (12, 12))
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="session")
def tiny_color_npz(tmp_path_factory):
    """A small 32x32 colour .npz: the smallest input DenseNet121 accepts."""
    rng = np.random.default_rng(43)
    x_train, y_train = _learnable_images(rng, 64, (32, 32, 3))
    x_test, y_test = _learnable_images(rng, 40, (32, 32, 3))
    path = tmp_path_factory.mktemp("data") / "tiny_color.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="session")
def stand_in_results(tmp_path_factory):
    """A results folder as `make book` sees it: the embedded profiles in small, each with its profile file
    (copies of tests/stand_ins/, which the real runner made: tests/make_stand_ins.py), beside the committed
    results of the other profiles (linked)."""
    import shutil

    import make_stand_ins
    from spikelib import paths
    from spikelib.report.pages import profile_names

    root = tmp_path_factory.mktemp("results")
    committed = paths.ROOT / "results"
    assert (committed / "fashion" / "manifest.json").is_file(), "the committed fashion results are missing"
    for name in profile_names():
        if name not in make_stand_ins.NAMES and (committed / name / "manifest.json").is_file():
            (root / name).symlink_to(committed / name)
    for name in make_stand_ins.NAMES:
        shutil.copytree(make_stand_ins.results_root(name), root / name)
        shutil.copy(make_stand_ins.profile_file(name), root / f"{name}.yaml")
    return root
