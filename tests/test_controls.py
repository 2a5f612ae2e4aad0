"""The data-matched controls of `spikelib diagnose`: their training loop, their labels, their cache, the verdict.

Oracles: one full-batch epoch of the joint loop equals Keras' own `fit` of one full batch with the same
optimizer; a network's training does not depend on the networks trained beside it (an identical copy ends
identical, whatever its neighbour learns); the teacher labels keep the classes' proportions; the calibrated
verdict's positions are computed by hand on made-up controls.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from spikelib.diagnose.calibrated import CLEAN, MEMORIZING, SENSITIVE, calibrated_readings, calibrated_verdict  # noqa: E402
from spikelib.diagnose.controls import Controls, build_controls, control_models, teacher_labels  # noqa: E402
from spikelib.diagnose.fit import train_to_fit  # noqa: E402
from spikelib.diagnose.reference import load_reference  # noqa: E402
from spikelib.exceptions import ParameterError  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    from spikelib.experiment.data import load_dataset

    data = load_dataset("digits")
    return data.x_train[:300], data.y_train[:300]


def _mlp(seed, units=16):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(units, activation="relu", name="observed"),
                             keras.layers.Dense(10, activation="softmax")])


def test_one_full_batch_epoch_is_keras_own_step(digits):
    x, y = digits
    mine, theirs = _mlp(0), _mlp(0)
    config = {"class_name": "Adam", "config": {"learning_rate": 0.01}}
    result, = train_to_fit([mine], x, y[None], target=1.0, optimizer_config=config, batch_size=len(x), max_epochs=1)
    theirs.compile(optimizer=keras.optimizers.deserialize(config), loss="sparse_categorical_crossentropy")
    theirs.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    for a, b in zip(mine.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert result.epochs == 1 and not result.reached


def test_a_network_trains_as_if_alone(digits):
    """An identical copy ends identical whether its neighbour learns the labels or their permutation."""
    x, y = digits
    rng = np.random.default_rng(0)
    first = [_mlp(1), _mlp(2)]
    second = [_mlp(1), _mlp(3)]
    a = train_to_fit(first, x, np.stack([y, y]), 0.9, batch_size=64, seed=4)
    b = train_to_fit(second, x, np.stack([y, rng.permutation(y)]), 0.9, batch_size=64, seed=4)
    assert a[0].epochs == b[0].epochs and a[0].reached
    for w1, w2 in zip(first[0].get_weights(), second[0].get_weights()):
        np.testing.assert_allclose(w1, w2, atol=1e-5)
    # a network stops at its own target: its weights are those of the epoch it reached it
    assert a[0].fit >= 0.9 and a[1].fit >= 0.9


def test_the_loop_refuses_labels_of_the_wrong_shape(digits):
    x, y = digits
    with pytest.raises(ParameterError, match="one row per network"):
        train_to_fit([_mlp(0)], x, y, 0.9)
    with pytest.raises(ParameterError, match="target"):
        train_to_fit([_mlp(0)], x, y[None], 1.5)


def test_the_budget_stops_every_network_and_says_so(digits):
    x, y = digits
    results = train_to_fit([_mlp(0), _mlp(1)], x, np.stack([y, np.random.default_rng(1).permutation(y)]), 1.0,
                           budget_seconds=0.0)
    assert all(r.epochs == 1 and not r.reached for r in results)


def test_teacher_labels_keep_the_classes_shares_and_are_a_function_of_the_samples(digits):
    x, y = digits
    model = _mlp(0)
    taught = teacher_labels(model, x, y, seed=0)
    shares, wanted = np.bincount(taught, minlength=10) / len(y), np.bincount(y, minlength=10) / len(y)
    assert np.abs(shares - wanted).max() <= 0.02
    np.testing.assert_array_equal(taught, teacher_labels(model, x, y, seed=0))  # seeded
    assert (taught != teacher_labels(model, x, y, seed=1)).any()
    # identical samples get identical labels: a rule, not a list
    doubled = np.concatenate([x, x[:50]])
    again = teacher_labels(model, doubled, np.concatenate([y, y[:50]]), seed=0)
    assert (again[:50] == again[300:]).all()


def test_controls_are_cached_and_read_back(digits, tmp_path):
    x, y = digits
    model = _mlp(0)
    calls = []

    def values(network):
        calls.append(1)
        return {"mfr": float(np.mean(np.asarray(network(x[:50])) > 0.1))}

    first = build_controls(model, None, x, y, values, model_sha256="m", target=0.6, n_controls=2, cache=tmp_path)
    second = build_controls(model, None, x, y, values, model_sha256="m", target=0.6, n_controls=2, cache=tmp_path)
    assert not first.cached and second.cached and second.seconds == 0
    assert second.groups == first.groups and len(calls) == 6  # three groups of two, recorded once
    assert set(first.groups) == {"own", "teacher", "permuted"} and first.all_reached
    other = build_controls(model, None, x, y, values, model_sha256="another", target=0.6, n_controls=2,
                           cache=tmp_path, budget_seconds=0.0)
    assert not other.cached  # another model file is another key
    # controls that ran out of their budget are trained again when more time is given
    short = build_controls(model, None, x, y, values, model_sha256="m", target=1.0, n_controls=2, cache=tmp_path,
                           budget_seconds=0.0)
    assert not short.all_reached
    assert build_controls(model, None, x, y, values, model_sha256="m", target=1.0, n_controls=2, cache=tmp_path,
                          budget_seconds=0.0).cached
    (tmp_path / f"{short.key}.json").write_text("{damaged")
    assert not build_controls(model, None, x, y, values, model_sha256="m", target=1.0, n_controls=2,
                              cache=tmp_path, budget_seconds=0.0).cached


def test_control_models_are_fresh_copies_of_the_architecture():
    model = _mlp(0)
    copies = control_models(model, 2, seed=0)
    assert [layer.name for layer in copies[0].layers] == [layer.name for layer in model.layers]
    assert not np.allclose(copies[0].get_weights()[0], model.get_weights()[0])
    assert not np.allclose(copies[0].get_weights()[0], copies[1].get_weights()[0])


def _controls(own, teacher, permuted, reached=True, target=0.99):
    def group(values, epochs):
        return [{"seed": i, "reached": reached, "epochs": epochs, "fit": target, "values": {"mfr": v}}
                for i, v in enumerate(values)]

    return Controls(groups={"own": group(own, 20), "teacher": group(teacher, 40), "permuted": group(permuted, 200)},
                    target=target, optimizer="Adam", batch_size=64, seconds=1.0, samples=500)


@pytest.mark.parametrize(("value", "own", "verdict"), [
    (0.70, [0.69, 0.71, 0.70], "clean-like"),         # with the teacher controls
    (0.41, [0.40, 0.42, 0.41], "memorizing-like"),    # with the permuted controls
    (0.55, [0.54, 0.56, 0.55], "cannot tell"),         # half-way
    (0.70, [0.40, 0.42, 0.41], "cannot tell"),         # the network and its own-label controls disagree
])
def test_the_calibrated_verdict_reads_positions_between_the_anchors(value, own, verdict):
    _, record = load_reference()
    controls = _controls(own, [0.69, 0.70, 0.71], [0.39, 0.40, 0.41])
    readings = calibrated_readings({"mfr": value}, controls, record)
    row = readings.set_index("column").loc["mfr"]
    assert row["position"] == pytest.approx((value - 0.40) / 0.30)
    assert row["separation"] == pytest.approx(0.30 / 0.01) and row["counts"]
    said = calibrated_verdict(readings, controls, fit=1.0, labels_source="given")
    assert said["verdict"] == verdict, said["sentence"]
    assert said["epochs"]["ratio"] == pytest.approx(0.1) and said["epochs"]["reading"] == "structure"
    assert MEMORIZING < CLEAN
    # the network reading otherwise than its own-label controls points to how it was trained: the sentence says so
    assert ("the controls trained on your labels memorizing-like" in said["sentence"]
            and "--batch-size" in said["sentence"]) == (value == 0.70 and own[0] == 0.40)


def test_no_verdict_where_the_anchors_do_not_separate_or_the_controls_did_not_fit():
    _, record = load_reference()
    blind = _controls([0.5, 0.5, 0.51], [0.50, 0.52, 0.49], [0.5, 0.51, 0.49])
    readings = calibrated_readings({"mfr": 0.5}, blind, record)
    assert readings.set_index("column").loc["mfr", "separation"] < SENSITIVE
    said = calibrated_verdict(readings, blind, 1.0, "given")
    assert said["verdict"] == "cannot tell" and "cannot see the difference" in said["sentence"]
    unfit = _controls([0.7] * 3, [0.69, 0.7, 0.71], [0.39, 0.4, 0.41], reached=False)
    said = calibrated_verdict(calibrated_readings({"mfr": 0.7}, unfit, record), unfit, 1.0, "given")
    assert said["verdict"] == "cannot tell" and "did not reach the fit" in said["sentence"]
    fitted = _controls([0.7] * 3, [0.69, 0.7, 0.71], [0.39, 0.4, 0.41])
    said = calibrated_verdict(calibrated_readings({"mfr": 0.7}, fitted, record), fitted, 0.5, "given")
    assert said["verdict"] == "cannot tell" and "fits only 50.0%" in said["sentence"]
