"""The online monitor: the change-point rule on simulated series, and the Keras callback on a switch."""

import numpy as np
import pytest

import spikelib as sl
from spikelib.experiment.monitor import memorization_monitor, OnsetDetector


def _series(rng, n=80, level=0.45, noise=0.005, drop_at=None, drop=0.05, trend=0.0):
    values = level + noise * rng.standard_normal(n) + trend * np.arange(n)
    if drop_at is not None:
        values[drop_at:] -= drop
    return values


def _decelerating_fall(rng, n=200, start=0.55, floor=0.42, tau=40.0, noise=0.004):
    """A generalizing network's firing rate: a fall that slows down (Fashion-MNIST MLPs: 0.55 to 0.42)."""
    epochs = np.arange(n)
    return floor + (start - floor) * np.exp(-epochs / tau) + noise * rng.standard_normal(n)


def test_a_step_down_is_found_soon_after_it_happens():
    rng = np.random.default_rng(0)
    delays = []
    for _ in range(200):
        alarm = OnsetDetector().run(_series(rng, drop_at=40))
        assert alarm is not None and alarm.epoch > 40  # never before the change
        delays.append(alarm.epoch - 40)
    assert np.median(delays) <= 3


@pytest.mark.parametrize("trend", [0.0, 0.0005, -0.0005])
def test_few_false_alarms_on_a_stationary_rising_or_slowly_falling_series(trend):
    rng = np.random.default_rng(1)
    alarms = [OnsetDetector().run(_series(rng, n=200, trend=trend)) is not None for _ in range(300)]
    assert np.mean(alarms) < 0.01


@pytest.mark.parametrize("tau", [20.0, 40.0, 80.0])
def test_few_false_alarms_while_a_generalizing_network_slowly_lowers_its_rate(tau):
    rng = np.random.default_rng(3)
    alarms = [OnsetDetector().run(_decelerating_fall(rng, tau=tau)) is not None for _ in range(300)]
    assert np.mean(alarms) < 0.01


def test_a_slow_fall_is_tolerated_where_a_fast_one_is_not():
    # The forecast moves with the series: a steady fall d per epoch adds about d (b + 1) / (2 s) - k.
    rng = np.random.default_rng(4)
    slow = _series(rng, n=120, noise=0.0005, trend=-0.001)  # 0.2 % of the level per epoch
    fast = _series(rng, n=120, noise=0.0005, trend=-0.006)  # 1.3 % per epoch
    assert OnsetDetector().run(slow) is None
    assert OnsetDetector().run(fast) is not None


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
        memorization_monitor(np.zeros((20, 8, 8, 1)), n_samples=10)
    with pytest.raises(sl.ParameterError, match="non-empty batch"):
        memorization_monitor(np.zeros((0, 8, 8, 1)))
    with pytest.raises(sl.ParameterError, match="must be an OnsetDetector"):
        memorization_monitor(np.zeros((5, 8, 8, 1)), detector="cusum")


@pytest.mark.slow
def test_the_callback_alarms_after_a_switch_to_shuffled_labels():
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.models import build_model, compile_model
    from spikelib.experiment.training import noisy_labels

    data = load_dataset("digits")
    network = compile_model(build_model("mlp", 128, data.input_shape, seed=0))
    monitor = memorization_monitor(data.x_train[:500], verbose=False, n_samples=len(data.x_train))
    network.fit(data.x_train, data.y_train, batch_size=256, epochs=12, verbose=0, callbacks=[monitor])
    assert monitor.alarm is None and len(monitor.values) == 12
    shuffled = noisy_labels(data.y_train, 1.0, seed=0)[0]
    network.fit(data.x_train, shuffled, batch_size=256, epochs=40, verbose=0, callbacks=[monitor])
    assert monitor.alarm is not None and 12 < monitor.alarm.epoch <= 52


def test_a_run_two_profiles_both_hold_is_counted_once():
    import pandas as pd

    from spikelib.report.monitor import monitor_summary

    switch = pd.DataFrame([{"cell_id": "a", "run": "MLP-128, seed 0", "delay": 1.0},
                           {"cell_id": "b", "run": "MLP-128, seed 1", "delay": 2.0}])
    noisy = pd.DataFrame([{"cell_id": "c", "label_noise": 0.0, "alarm_epoch": np.nan}])
    switches, rates, sentence = monitor_summary([(switch, noisy), (switch.iloc[:1], noisy)])
    assert list(switches["cell_id"]) == ["a", "b"]
    assert int(rates["runs"].sum()) == 1
    assert "in 2 of 2 runs" in sentence and "falsely in 0 of 1 run " in sentence
