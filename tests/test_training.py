"""The training loop against Keras' own fit, stop rules, label noise, checkpoints and resuming."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import spikelib as sl
from spikelib.experiment.config import CellConfig
from spikelib.experiment.training import StopRule, Trainer, noisy_labels

KERAS_FIT_ATOL = 1e-5


def _network(seed=0):
    from spikelib.experiment.models import build_model

    return build_model("mlp", 16, (8, 8, 1), 10, seed=seed)


@pytest.mark.slow
def test_one_epoch_equals_keras_fit_in_the_same_order():
    """The same samples, batches and SGD steps as model.fit on the permuted data (no shuffling)."""
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.models import compile_model

    data = load_dataset("digits")
    x, y = data.x_train, data.y_train
    ours, theirs = _network(), _network()
    trainer = Trainer(ours, x, validation_split=0.1, batch_size=64, learning_rate=0.1, layer="observed")
    trainer.set_labels(y)
    order = np.random.default_rng(3).permutation(trainer.n_fit).astype(np.int32)
    loss, accuracy, _ = trainer.train_epoch(order)
    compile_model(theirs, 0.1)
    history = theirs.fit(x[:trainer.n_fit][order], y[:trainer.n_fit][order], batch_size=64, epochs=1,
                         shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=KERAS_FIT_ATOL)
    assert accuracy == pytest.approx(history.history["accuracy"][0], abs=1e-6)
    assert loss == pytest.approx(history.history["loss"][0], rel=1e-4)
    val_loss, val_accuracy = trainer.validate()
    keras_loss, keras_accuracy = theirs.evaluate(x[trainer.n_fit:], y[trainer.n_fit:], verbose=0)
    assert val_accuracy == pytest.approx(keras_accuracy, abs=1e-6) and val_loss == pytest.approx(keras_loss, rel=1e-4)


@pytest.mark.slow
def test_penalties_enter_the_loss():
    """With an L2 penalty, the first step's loss grows by l2 * sum(W^2) of the observed layer's kernel."""
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.models import set_penalties

    data = load_dataset("digits")
    network = _network()
    kernel = np.asarray(network.get_layer("observed").kernel)
    results = {}
    for l2 in (0.0, 1e-2):
        net = _network()
        set_penalties(net, "observed", l2=l2)
        trainer = Trainer(net, data.x_train, 0.1, batch_size=2000, learning_rate=0.0, layer="observed")
        trainer.set_labels(data.y_train)
        results[l2] = trainer.train_epoch(np.arange(trainer.n_fit, dtype=np.int32))[0]
    assert results[1e-2] - results[0.0] == pytest.approx(1e-2 * (kernel**2).sum(), rel=1e-4)


def test_noisy_labels():
    labels = np.repeat(np.arange(10), 100)
    for fraction in (0.0, 0.2, 0.6, 1.0):
        noisy, chosen = noisy_labels(labels, fraction, seed=4)
        assert len(chosen) == round(fraction * len(labels))
        assert np.bincount(noisy).tolist() == np.bincount(labels).tolist()  # shuffled among themselves
        untouched = np.setdiff1d(np.arange(len(labels)), chosen)
        np.testing.assert_array_equal(noisy[untouched], labels[untouched])
        # Drawn at random, about 90% of the shuffled labels change (10 equal classes).
        if fraction:
            assert (noisy[chosen] != labels[chosen]).mean() == pytest.approx(0.9, abs=0.06)
    np.testing.assert_array_equal(noisy_labels(labels, 0.4, seed=4)[0], noisy_labels(labels, 0.4, seed=4)[0])
    assert not np.array_equal(noisy_labels(labels, 0.4, seed=4)[0], noisy_labels(labels, 0.4, seed=5)[0])


@pytest.mark.parametrize("rule, values, reason", [
    (StopRule(0.9, 100, 5, 0.01, "accuracy"), [0.2, 0.5, 0.91], "target"),
    (StopRule(0.9, 3, 5, 0.01, "accuracy"), [0.2, 0.5, 0.6], "cap"),
    (StopRule("epochs", 3, 1, 0.01, "accuracy"), [0.2, 0.2, 0.2], "epochs"),
    (StopRule("epochs", 3, 1, 0.01, "accuracy"), [0.2, 0.2], None),
    (StopRule("plateau", 100, 2, 0.01, "accuracy"), [0.2, 0.5, 0.505, 0.509], "plateau"),
    (StopRule("plateau", 100, 2, 0.01, "accuracy"), [0.2, 0.5, 0.505, 0.511], None),
    (StopRule(0.95, 100, 3, 0.01, "val_accuracy"), [0.8, 0.81, 0.80, 0.80, 0.81], "plateau"),
])
def test_stop_rules(rule, values, reason):
    assert rule.reason(values) == reason


@pytest.mark.parametrize("values, parameter, message", [
    ({"label_noise": 1.5}, "label_noise", r"in \[0, 1\]"),
    ({"label_noise": -0.1}, "label_noise", r"in \[0, 1\]"),
    ({"memorize_until": "forever", "condition": "mem_retrain_last"}, "memorize_until", "not allowed"),
    ({"memorize_until": 1.2, "condition": "mem_retrain_last"}, "memorize_until", r"accuracy in \(0, 1\]"),
    ({"memorize_until": 0, "condition": "mem_retrain_last"}, "memorize_until", r"accuracy in \(0, 1\]"),
    ({"max_memorize_epochs": 0, "condition": "mem_retrain_last"}, "max_memorize_epochs", "a cap of at least 1"),
    ({"condition": "random", "label_noise": 0.3}, "label_noise", "trains on no labels"),
    ({"condition": "mem_random_last", "label_noise": 0.5}, "memorize_until", "give a target accuracy"),
    ({"generalize_until": "never"}, "generalize_until", "not allowed"),
    ({"l1": -1e-4}, "l1", ">= 0"),
    ({"l2": "big"}, "l2", "must be a number"),
])
def test_training_options_fail_before_anything_runs(values, parameter, message):
    with pytest.raises(sl.ParameterError, match=message) as info:
        CellConfig(**values)
    assert info.value.parameter == parameter


@pytest.mark.slow
def test_a_target_at_chance_fails_before_training(tmp_path):
    from spikelib.experiment.cell import run_cell

    config = CellConfig(condition="mem_random_last", memorize_until=0.1, window=20,
                        output_dir=str(tmp_path / "cell"))
    with pytest.raises(sl.ParameterError, match="at or below chance"):
        run_cell(config, progress=lambda m: None)
    assert not (tmp_path / "cell" / ".staging" / "checkpoint.npz").exists()


RESUMABLE = """
import sys
from spikelib.experiment.cell import run_cell
from spikelib.experiment.config import CellConfig
run_cell(CellConfig(dataset="digits", width=32, condition="mem_random_last", memorize_until="epochs",
                    max_memorize_epochs=1200, window=20, trace_samples=500, trace_every=200, checkpoint_every=20,
                    output_dir=sys.argv[1]), progress=lambda m: print(m, flush=True))
"""


@pytest.mark.slow
def test_killed_cell_resumes_from_its_checkpoint_and_matches_an_uninterrupted_run(tmp_path):
    script = tmp_path / "cell.py"
    script.write_text(RESUMABLE)

    def run(folder, **kwargs):
        return subprocess.Popen([sys.executable, str(script), str(folder)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, **kwargs)

    whole = run(tmp_path / "whole")
    whole.communicate(timeout=600)
    killed = run(tmp_path / "killed", start_new_session=True)
    checkpoint = tmp_path / "killed" / ".staging" / "checkpoint.npz"
    deadline = time.time() + 300
    while time.time() < deadline and not checkpoint.exists():
        time.sleep(0.05)
    # Killed at once: an epoch of digits takes milliseconds, so 1,200 leave seconds to spare.
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert checkpoint.exists() and not (tmp_path / "killed" / "metrics.json").exists()
    saved = json.loads(bytes(np.load(checkpoint)["state"]).decode())
    epoch = len(saved["records"][0]["history"]["epoch"])
    assert 20 <= epoch < 1200 and epoch % 20 == 0

    resumed = run(tmp_path / "killed")
    output, _ = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, output[-2000:]
    assert f"resuming from the checkpoint: phase 1 of 1 (shuffled labels), epoch {epoch}" in output
    assert not checkpoint.exists()  # removed once the cell finished
    first = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    second = json.loads((tmp_path / "killed" / "metrics.json").read_text())
    # TensorFlow's deterministic kernels make the resumed run exact: same rasters, same statistics.
    assert first["files"]["spikes.npz"] == second["files"]["spikes.npz"]
    assert first["splits"] == second["splits"] and first["train_accuracy"] == second["train_accuracy"]
    one = json.loads((tmp_path / "whole" / "training.json").read_text())["phases"][0]
    two = json.loads((tmp_path / "killed" / "training.json").read_text())["phases"][0]
    assert one["history"]["accuracy"] == two["history"]["accuracy"] and one["traces"] == two["traces"]


def test_fingerprints_match():
    from spikelib.experiment.training import fingerprints_match

    current = {"identity": {"width": 8}, "training_version": 2, "base_model_sha256": "ab"}
    assert fingerprints_match(dict(current), current)
    assert fingerprints_match({"identity": {"width": 8}, "training_version": 2}, current)  # recorded before the base
    assert not fingerprints_match({**current, "base_model_sha256": "cd"}, current)
    assert not fingerprints_match({**current, "training_version": 1}, current)
    assert not fingerprints_match({**current, "identity": {"width": 9}}, current)
    assert not fingerprints_match(None, current)


def _probe_oracle(network, probe):
    """The observed layer's firing rate on each probe half, from an independent Keras sub-model."""
    import keras

    upto = keras.Model(network.inputs, network.get_layer("observed").output)
    return [float((np.asarray(upto.predict(half, verbose=0)) > 0).mean()) for half in probe]


@pytest.mark.slow
def test_probe_in_the_step_and_its_stride():
    """After every step, or every third and the epoch's last: the same values where both measure,
    the same training, and the last value equals a sub-model's firing rate on the probe."""
    from spikelib.experiment.data import load_dataset

    data = load_dataset("digits")
    probe = (data.x_train[:50], data.x_test[:50])
    n_fit = len(data.x_train) - int(len(data.x_train) * 0.1)
    order = np.random.default_rng(5).permutation(n_fit).astype(np.int32)
    runs = {}
    for every in (1, 3):
        network = _network()
        trainer = Trainer(network, data.x_train, 0.1, 64, 0.1, "observed", probe=probe, probe_every=every)
        trainer.set_labels(data.y_train)
        runs[every] = (network, trainer.train_epoch(order))
    (dense, (loss, _, every_step)), (strided_net, (strided_loss, _, strided)) = runs[1], runs[3]
    n_batches = len(every_step)
    assert n_batches == int(np.ceil(len(order) / 64)) and len(order) % 64  # a smaller last batch
    measured = np.flatnonzero(np.isfinite(strided[:, 0]))
    assert measured.tolist() == [*range(2, n_batches - 1, 3), n_batches - 1]
    np.testing.assert_allclose(strided[measured], every_step[measured], atol=1e-6)
    assert np.isfinite(every_step).all() and strided_loss == pytest.approx(loss, rel=1e-6)
    for a, b in zip(dense.get_weights(), strided_net.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert every_step[-1].tolist() == pytest.approx(_probe_oracle(dense, probe), abs=1e-6)


@pytest.mark.slow
def test_firing_rate_recorder_with_a_stride():
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.models import compile_model
    from spikelib.experiment.recording import firing_rate_recorder

    data = load_dataset("digits")
    probe = (data.x_train[:50], data.x_test[:50])
    network = compile_model(_network(), 0.1)
    recorder = firing_rate_recorder(*probe, every=4)
    n = 64 * 9 + 10  # 10 batches an epoch, the last one smaller
    network.fit(data.x_train[:n], data.y_train[:n], batch_size=64, epochs=2, verbose=0, callbacks=[recorder])
    assert recorder.batch == [4, 8, 10, 14, 18, 20]  # every 4th of each epoch, and its last
    assert recorder.phase == [0] * 6 and len(recorder.mfr_test) == 6
    assert [recorder.mfr_train[-1], recorder.mfr_test[-1]] == pytest.approx(_probe_oracle(network, probe), abs=1e-6)


@pytest.mark.parametrize("every", [0, 1.5, True, "2"])
def test_a_bad_probe_stride_is_refused(every):
    from spikelib.experiment.recording import firing_rate_recorder

    probe = (np.zeros((2, 8, 8, 1)), np.zeros((2, 8, 8, 1)))
    with pytest.raises(sl.ParameterError, match=rf"`every` must be an integer >= 1; got {re.escape(repr(every))}"):
        firing_rate_recorder(*probe, every=every)
    with pytest.raises(sl.ParameterError,
                       match=rf"`probe_every` must be an integer >= 1; got {re.escape(repr(every))}"):
        Trainer(_network(), np.zeros((10, 8, 8, 1)), 0.1, 4, 0.1, "observed", probe=probe, probe_every=every)


def test_probe_arithmetic_share_counts_the_layers_up_to_the_observed_one():
    """MLP-512 on 28 x 28 inputs: the probe runs the first layer; a step runs both, forward and weight
    gradient, and the second layer's input gradient."""
    from spikelib.experiment.models import build_model
    from spikelib.pipeline.speed import probe_arithmetic_share

    network = build_model("mlp", 512, (28, 28, 1), 10, seed=0)
    first, second = 2 * 784 * 512, 2 * 512 * 10
    expected = 200 * first / (256 * (2 * first + 3 * second))
    assert probe_arithmetic_share(network) == pytest.approx(expected, rel=1e-12)
    assert 0.37 < expected < 0.39


@pytest.mark.slow
def test_the_fitting_criterion_stops_at_the_first_epoch_whose_evaluated_training_accuracy_reaches_it(tmp_path):
    """``generalize_until="fit"``: an evaluation pass over the fitted samples after every epoch, checked
    against Keras' own evaluation of the saved model on those samples."""
    import keras

    from spikelib.experiment.cell import run_cell
    from spikelib.experiment.config import FIT_ACCURACY
    from spikelib.experiment.data import load_dataset
    from spikelib.experiment.training import fit_count

    result = run_cell(CellConfig(dataset="digits", width=64, generalize_until="fit", epochs=400, dropout=0.2,
                                 window=20, trace_every=0, output_dir=str(tmp_path / "cell")),
                      progress=lambda m: None)
    phase = result.training["phases"][0]
    fitted = phase["history"]["fit_accuracy"]
    assert phase["stop_reason"] == "target" and phase["rule"]["monitor"] == "fit_accuracy"
    assert fitted[-1] >= FIT_ACCURACY and max(fitted[:-1]) < FIT_ACCURACY
    # With dropout the running accuracy of the last epoch reads lower than the evaluated one.
    assert phase["history"]["accuracy"][-1] < fitted[-1]
    data = load_dataset("digits")
    n_fit = fit_count(len(data.x_train), 0.1)
    model = keras.models.load_model(tmp_path / "cell" / "model.keras", compile=False)
    predicted = model.predict(data.x_train[:n_fit], verbose=0).argmax(axis=1)
    accuracy = float((predicted == data.y_train[:n_fit]).mean())
    assert accuracy == pytest.approx(fitted[-1], abs=1e-9)
    metrics = result.metrics
    assert metrics["train_accuracy_evaluated"] == pytest.approx(accuracy, abs=1e-9)
    assert metrics["generalization_gap"] == pytest.approx(accuracy - metrics["test_accuracy"])
