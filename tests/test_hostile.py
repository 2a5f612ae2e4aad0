"""Hostile inputs to every public function of the core: a documented result or a SpikelibError that says
what it got, nothing else (no TypeError, KeyError, IndexError, RecursionError, raw NumPy or SciPy error).

Each function is called with valid arguments, then with one argument at a time replaced by a hostile value
(``strategies.hostile``). Every public function must declare its arguments' constraints once
(``spikelib._validation.constrained``), which these tests read.
"""

import importlib
import inspect
import warnings

import numpy as np
import pytest
import quantities as pq
from hypothesis import HealthCheck, given, settings

import spikelib
from spikelib.exceptions import SpikelibError

from strategies import hostile

CORE = ["raster", "neo_io", "rates", "variability", "bernoulli", "intervals", "correlation", "activation", "weights",
        "assumptions", "compare", "simulate", "summary", "storage"]

_RNG = np.random.default_rng(0)
SPIKES = _RNG.random((4, 400)) < 0.3
RATES = np.array([0.1, 0.3, 0.5])


def _valid(module, name, tmp):
    """Valid arguments of each public function (keyword arguments by name)."""
    weights = _RNG.normal(size=(6, 4))
    table = {
        "binarize": {"activations": _RNG.normal(size=(200, 4))},
        "save_rasters": {"path": tmp / "r.npz", "train": SPIKES},
        "load_rasters": {"path": tmp / "saved.npz"},
        "to_spiketrains": {"spikes": SPIKES},
        "from_spiketrains": {"spiketrains": spikelib.to_spiketrains(SPIKES)},
        "write_atomically": {"path": tmp / "a.bin", "write": lambda handle: handle.write(b"x")},
        "write_json": {"path": tmp / "a.json", "payload": {"a": 1}},
        "write_npz": {"path": tmp / "a.npz", "x": np.zeros(3)},
        "read_npz": {"path": tmp / "saved.npz"},
        "sha256": {"path": tmp / "saved.npz"},
        "variance_ratio": {"counts": np.ones((3, 5)), "reference": np.ones(3)},
        "fano_pvalue": {"statistic": np.array([1.0, 0.9]), "n_windows": 10},
        "participation_ratio": {"eigenvalues": np.array([2.0, 1.0, 0.5])},
        "mean_positive_activation": {"activations": np.abs(_RNG.normal(size=(50, 4)))},
        "weight_moments": {"weights": weights},
        "node_norms": {"incoming": weights, "outgoing": weights.T},
        "rank_correlation": {"values": np.arange(5.0), "other": np.arange(5.0) ** 2},
        "combine_pvalues": {"pvalues": np.array([0.1, 0.5, 0.9])},
        "combine_pvalues_pearson": {"pvalues": np.array([0.1, 0.5, 0.9])},
        "ks_compare": {"rates_a": RATES, "rates_b": RATES[::-1] + 0.01},
        "bonferroni": {"pvalues": np.array([0.01, 0.2])},
        "ks_family": {"comparisons": {"a": (RATES, RATES + 0.1)}},
        "poisson_raster": {"rates": RATES, "n_samples": 50, "seed": 0},
        "bernoulli_raster": {"rates": RATES, "n_samples": 50, "seed": 0},
        "population_rates": {"n_nodes": 5, "fraction": 0.3, "base_rates": RATES, "seed": 0},
        "population_raster": {"rates": RATES, "n_samples": 50, "seed": 0},
        "fit_memorizing_fraction": {"observed_rates": RATES, "base_rates": RATES, "grid": 11},
    }
    if name in table:
        return table[name]
    parameters = inspect.signature(getattr(module, name)).parameters
    values = {"spikes": SPIKES}
    if "window" in parameters:
        values["window"] = 50
    return values


def _functions():
    for name in CORE:
        module = importlib.import_module(f"spikelib.{name}")
        for function in module.__all__:
            if inspect.isfunction(getattr(module, function)):
                yield module, function


FUNCTIONS = list(_functions())


@pytest.mark.parametrize("module, name", FUNCTIONS, ids=[f"{m.__name__[9:]}.{n}" for m, n in FUNCTIONS])
def test_every_public_function_declares_its_constraints(module, name):
    function = getattr(module, name)
    declared = getattr(function, "parameter_constraints", None)
    assert declared, f"{module.__name__}.{name} declares no constraints (@constrained)"
    taken = [p for p, v in inspect.signature(function).parameters.items() if v.kind != v.VAR_KEYWORD]
    assert set(declared) == set(taken), f"undeclared: {sorted(set(taken) - set(declared))}"


def _call(function, arguments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            function(**arguments)
        except SpikelibError as error:
            assert str(error).strip(), "an error without a message"


@pytest.mark.parametrize("module, name", FUNCTIONS, ids=[f"{m.__name__[9:]}.{n}" for m, n in FUNCTIONS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile)
def test_a_hostile_argument_gets_a_result_or_a_spikelib_error(module, name, value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a hostile text given as a path is written here, not into the checkout
    spikelib.save_rasters(tmp_path / "saved.npz", train=SPIKES)
    function = getattr(module, name)
    valid = _valid(module, name, tmp_path)
    function(**valid)  # the valid call works
    for argument in valid:
        _call(function, {**valid, argument: value})


def test_units_are_checked_before_use():
    with pytest.raises(SpikelibError, match="sampling_period"):
        spikelib.to_spiketrains(SPIKES, sampling_period=1.0)
    with pytest.raises(SpikelibError, match="sampling_period"):
        spikelib.to_spiketrains(SPIKES, sampling_period=1.0 * pq.mV)
