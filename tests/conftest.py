"""Shared fixtures: seeded rasters at several rates, with the degenerate nodes; small data sets;
the stand-in results the book and the runner tests share."""

import numpy as np
import pytest

SEEDS = [0, 1, 2]
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


#: The quick profile in small: the paper's grid at width 16, two conditions at width 32, an L2 pair, a
#: label-noise sweep and a training curve (13 cells). No XLA: compiling costs more than these runs.
STAND_IN = """name: quick
defaults: {epochs: 3, max_memorize_epochs: 3, memorize_until: epochs, window: 20, trace_samples: 200, xla: false}
grid:
  - {datasets: [digits], models: [mlp], widths: [16], conditions: [random, generalizing, mem_retrain_last, mem_random_last], seeds: [0]}
  - {datasets: [digits], models: [mlp], widths: [32], conditions: [generalizing, mem_random_last], seeds: [0]}
  - {datasets: [digits], models: [mlp], widths: [16], conditions: [generalizing, mem_random_last], seeds: [0], l2: 0.001}
  - {datasets: [digits], models: [mlp], widths: [16], conditions: [generalizing], seeds: [0, 1], label_noise: 0.0, trace_every: 1, epochs: 12, generalize_until: epochs}
  - {datasets: [digits], models: [mlp], widths: [16], conditions: [generalizing], seeds: [0, 1], label_noise: 1.0, trace_every: 1, epochs: 12, generalize_until: epochs}
curves:
  - {datasets: [digits], models: [mlp], widths: [16], conditions: [mem_retrain_last], seeds: [0], epochs: 10, generalize_until: epochs, max_memorize_epochs: 5}
"""


#: The quick_zoo profile in small: a 2 x 2 x 2 factorial of tiny MLPs, each trained to the fitting criterion
#: (all eight reach it within 420 epochs; the cap is 600).
STAND_IN_ZOO = """name: quick_zoo
defaults: {window: 20, trace_samples: 200, trace_every: 10, xla: false}
grid:
  - {datasets: [digits], models: [mlp], widths: [16, 32], conditions: [generalizing], seeds: [0], generalize_until: fit, epochs: 600, vary: {depth: [1, 2], learning_rate: [0.1, 0.3]}}
"""

#: The quick_clean profile in small: one MLP fitting two subset sizes, two seeds (all four reach the fitting
#: criterion; at the default learning rate two stopped short at 300 epochs, too few to score).
STAND_IN_CLEAN = """name: quick_clean
defaults: {window: 20, trace_samples: 200, trace_every: 10, xla: false, generalize_until: fit, epochs: 600,
           learning_rate: 0.3}
grid:
  - {datasets: [digits], models: [mlp], widths: [16], conditions: [generalizing], seeds: [0, 1], vary: {train_samples: [200, 600]}}
"""

#: Each embedded profile the book runs, in small.
STAND_INS = {"quick": STAND_IN, "quick_zoo": STAND_IN_ZOO, "quick_clean": STAND_IN_CLEAN}


def _run_stand_in(root, name):
    from spikelib.pipeline.profiles import load_profile
    from spikelib.pipeline.runner import run_profile

    profile_file = root / f"{name}.yaml"
    profile_file.write_text(STAND_INS[name])
    summary = run_profile(load_profile(profile_file, results_root=root / name), workers=2, results_root=root / name,
                          progress=False)
    assert summary.ok, summary.failed


@pytest.fixture(scope="session")
def stand_in_results(tmp_path_factory):
    """A results folder as `make book` sees it: the embedded profiles in small, run by the real runner (two
    workers), beside the committed results of the other profiles (linked)."""
    from spikelib import paths
    from spikelib.report.pages import profile_names

    root = tmp_path_factory.mktemp("results")
    committed = paths.ROOT / "results"
    assert (committed / "fashion" / "manifest.json").is_file(), "the committed fashion results are missing"
    for name in profile_names():
        if name not in STAND_INS and (committed / name / "manifest.json").is_file():
            (root / name).symlink_to(committed / name)
    for name in STAND_INS:
        _run_stand_in(root, name)
    return root
