"""The online monitor: the change-point rule on simulated series, and the Keras callback on a switch."""

import numpy as np
import pytest

import spikelib as sl
from spikelib.experiment.monitor import MemorizationMonitor, OnsetDetector


def _series(rng, n=80, level=0.45, noise=0.005, drop_at=None, drop=0.05, trend=0.0):
    values = level + noise * rng.standard_normal(n) + trend * np.arange(n)
    if drop_at is not None:
        values[drop_at:] -= drop
    return values


def test_a_step_down_is_found_soon_after_it_happens():
    rng = np.random.default_rng(0)
    delays = []
    for _ in range(200):
        alarm = OnsetDetector().run(_series(rng, drop_at=40))
        assert alarm is not None and alarm.epoch > 40  # never before the change
        delays.append(alarm.epoch - 40)
    assert np.median(delays) <= 2


@pytest.mark.parametrize("trend", [0.0, 0.0005])
def test_few_false_alarms_on_a_stationary_or_rising_series(trend):
    rng = np.random.default_rng(1)
    alarms = [OnsetDetector().run(_series(rng, n=200, trend=trend)) is not None for _ in range(300)]
    assert np.mean(alarms) < 0.05


def test_direction_up_watches_rises():
    rng = np.random.default_rng(2)
    values = _series(rng, drop_at=30, drop=-0.05)
    assert OnsetDetector().run(values) is None
    assert OnsetDetector(direction="up").run(values).epoch > 30


@pytest.mark.parametrize("options, parameter", [({"warmup": -1}, "warmup"), ({"baseline": 2}, "baseline"),
                                                ({"threshold": 0}, "threshold"), ({"slack": "x"}, "slack"),
                                                ({"direction": "sideways"}, "direction")])
def test_bad_detector_settings(options, parameter):
    with pytest.raises(sl.ParameterError) as info:
        OnsetDetector(**options)
    assert info.value.parameter == parameter


def test_bad_monitor_settings():
    with pytest.raises(sl.ParameterError, match="more than the 10 of the training set"):
        MemorizationMonitor(np.zeros((20, 8, 8, 1)), n_samples=10)
    with pytest.raises(sl.ParameterError, match="non-empty batch"):
        MemorizationMonitor(np.zeros((0, 8, 8, 1)))
    with pytest.raises(sl.ParameterError, match="must be an OnsetDetector"):
        MemorizationMonitor(np.zeros((5, 8, 8, 1)), detector="cusum")


@pytest.mark.slow
def test_the_callback_alarms_after_a_switch_to_shuffled_labels():
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.models import build_model, compile_model
    from spikelib.experiment.training import noisy_labels

    data = load_dataset("digits")
    network = compile_model(build_model("mlp", 128, data.input_shape, seed=0))
    monitor = MemorizationMonitor(data.x_train[:500], verbose=False, n_samples=len(data.x_train))
    network.fit(data.x_train, data.y_train, batch_size=256, epochs=12, verbose=0, callbacks=[monitor])
    assert monitor.alarm is None and len(monitor.values) == 12
    shuffled = noisy_labels(data.y_train, 1.0, seed=0)[0]
    network.fit(data.x_train, shuffled, batch_size=256, epochs=40, verbose=0, callbacks=[monitor])
    assert monitor.alarm is not None and 12 < monitor.alarm.epoch <= 52
