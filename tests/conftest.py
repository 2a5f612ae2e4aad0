"""Shared fixtures: seeded rasters at several rates, with the degenerate nodes."""

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
