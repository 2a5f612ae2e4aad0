"""`spikelib diagnose`: a network's own file measured against the reference networks.

Oracles: the raster equals the observed layer's activations computed directly by Keras in the seeded order;
the same weights exported to ONNX give the same raster; the measures equal the core's on that raster; the
committed reference matches the committed results it is built from; leave-one-out, the verdicts of the
reference networks themselves are counted right and wrong.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("keras")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from spikelib import binarize, summarize  # noqa: E402
from spikelib.diagnose import diagnose  # noqa: E402
from spikelib.diagnose.measure import measure, record  # noqa: E402
from spikelib.diagnose.models import open_network  # noqa: E402
from spikelib.diagnose.reference import build_reference, load_reference, write_reference  # noqa: E402
from spikelib.diagnose.verdict import calibrate, overall  # noqa: E402
from spikelib.exceptions import DataError, ParameterError  # noqa: E402
from spikelib.experiment import streams  # noqa: E402
from spikelib.experiment.analysis import sample_order  # noqa: E402

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def digits():
    from spikelib.experiment.data import load_dataset

    data = load_dataset("digits")
    return data.x_train[:600], data.y_train[:600]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, digits):
    """A small MLP of the compendium's design, trained a little on digits, saved as Keras."""
    from spikelib.experiment.models import build_model, compile_model

    x, y = digits
    network = build_model("mlp", 24, SHAPE, seed=3)
    compile_model(network, learning_rate=0.1)
    network.fit(x, y, epochs=3, batch_size=64, verbose=0)
    path = tmp_path_factory.mktemp("models") / "mlp-24.keras"
    network.save(path)
    return path, network


def _to_onnx(network, path):
    """The same MLP as an ONNX graph: flatten, then MatMul + Add (+ Relu) per dense layer."""
    from onnx import TensorProto, helper, numpy_helper

    dense = [layer for layer in network.layers if type(layer).__name__ == "Dense"]
    nodes = [helper.make_node("Flatten", ["input"], ["h0"], axis=1)]
    initializers = []
    for i, layer in enumerate(dense):
        kernel, bias = layer.get_weights()
        initializers += [numpy_helper.from_array(kernel.astype(np.float32), f"W{i}"),
                         numpy_helper.from_array(bias.astype(np.float32), f"b{i}")]
        nodes += [helper.make_node("MatMul", [f"h{i}", f"W{i}"], [f"m{i}"]),
                  helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"])]
        last = i == len(dense) - 1
        nodes.append(helper.make_node("Softmax" if last else "Relu", [f"a{i}"], ["probabilities" if last else f"h{i + 1}"],
                                      **({"axis": 1} if last else {})))
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, *SHAPE])],
                              [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 10])],
                              initializers)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_the_raster_is_the_observed_layer_in_the_seeded_order(trained, digits):
    from spikelib.experiment.models import observed_activations

    path, network = trained
    x, y = digits
    recording = record(open_network(path), x, y, seed=5, batch=128)  # several batches
    order = sample_order(5, streams.TRAIN_ORDER, len(x))
    direct = binarize(observed_activations(network, x[order]))
    np.testing.assert_array_equal(recording.spikes, direct)
    np.testing.assert_array_equal(recording.correct, network.predict(x[order], verbose=0).argmax(axis=1) == y[order])
    values = measure(recording, window=20)
    oracle = summarize(direct, window=20)
    assert values["mfr"] == pytest.approx(oracle.mfr) and values["mf"] == pytest.approx(oracle.mf)
    assert values["cv_mf"] == pytest.approx(oracle.cv_mf, nan_ok=True)
    assert values["train_accuracy"] == pytest.approx(recording.correct.mean())
    # the hidden margin from the output layer's weights, as the compendium's rival computes it
    from spikelib.experiment.diagnostics import MARGIN_PERCENTILE, margins

    kernel, bias = network.layers[-1].get_weights()
    _, hidden = margins(observed_activations(network, x[order]), kernel, bias, y[order])
    assert values["hidden_margin"] == pytest.approx(np.percentile(hidden, MARGIN_PERCENTILE), rel=1e-4)


def test_an_onnx_export_of_the_same_weights_gives_the_same_raster(trained, digits, tmp_path):
    path, network = trained
    x, y = digits
    onnx_network = open_network(_to_onnx(network, tmp_path / "mlp-24.onnx"))
    keras_network = open_network(path)
    assert [layer.units for layer in onnx_network.layers] == [layer.units for layer in keras_network.layers] == [24]
    from_keras, from_onnx = record(keras_network, x, y, seed=1), record(onnx_network, x, y, seed=1)
    np.testing.assert_array_equal(from_keras.spikes, from_onnx.spikes)
    np.testing.assert_allclose(from_keras.margins, from_onnx.margins, atol=1e-4)  # logits against probabilities
    np.testing.assert_allclose(from_keras.hidden_margins, from_onnx.hidden_margins, atol=1e-4)  # the head found in both


def test_the_verdict_rests_on_the_committed_reference(trained, digits):
    path, _ = trained
    x, y = digits
    result = diagnose(path, x, y, window=20)
    assert result.units == 24 and result.family == "MLP" and result.labelled
    assert result.verdict in ("memorizing-like", "clean-like", "cannot tell")
    assert result.comparable["comparable"] > 0 and str(result.comparable["clean"]) in result.sentence
    table = result.calibration.set_index("column")
    assert table.loc["train_accuracy", "reading"] == "control"  # context, never evidence
    assert not table.loc[~table["supports"], "reading"].isin(["memorizing-like", "clean-like"]).any()
    record_ = json.loads(json.dumps(result.to_dict()))
    assert record_["reference"]["sha256"] == load_reference()[1]["sha256"]


def test_the_committed_reference_is_built_from_the_committed_results():
    table, record_ = load_reference()
    rebuilt, rebuilt_record = build_reference()
    assert len(rebuilt) == len(table) == record_["networks"]
    np.testing.assert_allclose(rebuilt["mfr"].to_numpy(), table["mfr"].to_numpy(), rtol=1e-5)
    assert rebuilt_record["manifests"] == record_["manifests"], "the results changed: rebuild the reference"


def test_leave_one_out_no_reference_network_reads_as_the_other_group():
    """Each reference network diagnosed against all the others: a verdict, when given, names its own group."""
    from spikelib.diagnose.measure import RECORDING_MEASURES
    from spikelib.diagnose.verdict import leave_one_out

    table, record_ = load_reference()
    outcomes = leave_one_out(table, record_, RECORDING_MEASURES)
    # the compendium's own networks (Fashion-MNIST, SGD): the transfer networks' record is the diagnosis page's
    own = outcomes[outcomes["source"] != "transfer"]
    scored = own[own["right"].notna()]  # verdicts on clean and on at least half-shuffled labels
    assert len(scored) > len(own) / 2, f"verdicts on only {len(scored)} of {len(own)} reference networks"
    assert scored["right"].astype(bool).all(), scored[~scored["right"].astype(bool)]
    assert scored["memorizing"].any() and (~scored["memorizing"]).any()  # both groups get verdicts
    # a verdict is scored only where it is right or wrong: never on "cannot tell", never on a little label noise
    assert outcomes.loc[outcomes["verdict"] == "cannot tell", "right"].isna().all()
    assert outcomes.loc[(outcomes["label_noise"] > 0) & (outcomes["label_noise"] < 0.5), "right"].isna().all()


def test_a_network_outside_the_reference_gets_the_verdict_it_gets_when_left_out():
    """Diagnosing rows the reference does not hold (the held-out set) is leave-one-out without the leaving out."""
    from spikelib.diagnose.measure import RECORDING_MEASURES
    from spikelib.diagnose.verdict import leave_one_out

    table, record_ = load_reference()
    picked = table.groupby(["domain", "memorizing"]).head(1)  # one network of each group in every domain
    for by in ("network", "dataset"):
        inside = leave_one_out(table, record_, RECORDING_MEASURES, by=by).set_index("cell_id")
        for index, row in picked.iterrows():
            outside = leave_one_out(table.drop(index), record_, RECORDING_MEASURES, by=by, networks=picked.loc[[index]])
            assert outside["verdict"].tolist() == [inside.loc[row["cell_id"], "verdict"]], (by, row["cell_id"])
            assert outside["dataset"].tolist() == [row["domain"]]


def test_a_reference_network_left_out_is_placed_at_its_percentile():
    """Its percentile among the comparable networks, as scipy's percentileofscore (kind "mean") gives it."""
    from scipy.stats import percentileofscore

    from spikelib.diagnose.verdict import comparable

    table, record_ = load_reference()
    rng = np.random.default_rng(0)
    for index in rng.choice(len(table), 12, replace=False):
        row, rest = table.iloc[index], table.drop(table.index[index])
        calibration, counts = calibrate({"mfr": row["mfr"], "cv_mf": row["cv_mf"]}, rest, record_, row["model"],
                                        row["width"], row["recorded_samples"])
        near = comparable(rest, row["model"], row["width"], row["recorded_samples"])
        for column in ("mfr", "cv_mf"):
            placed = calibration.set_index("column").loc[column]
            groups = {"percentile_clean": (near["label_noise"] == 0) & ~near["memorizing"],  # clean labels only
                      "percentile_memorizing": near["memorizing"]}
            for key, members in groups.items():
                others = near.loc[members, column].dropna()
                if len(others):
                    assert placed[key] == pytest.approx(percentileofscore(others, row[column], kind="mean"))
        assert counts["comparable"] == len(near) and row["width"] / 2 <= near["width"].min()


def test_a_tampered_reference_is_refused(tmp_path):
    table, record_ = load_reference()
    folder = write_reference(table, record_, tmp_path)
    (folder / "networks.csv").write_text((folder / "networks.csv").read_text().replace("0.5", "0.6", 1))
    with pytest.raises(DataError, match="SHA-256"):
        load_reference(folder)
    with pytest.raises(DataError, match="no reference networks"):
        load_reference(tmp_path / "absent")


def test_bad_models_and_data_are_refused_by_name(trained, digits, tmp_path):
    import keras

    path, _ = trained
    x, y = digits
    network = open_network(path)
    with pytest.raises(DataError, match="No model file"):
        open_network(tmp_path / "absent.keras")
    (tmp_path / "model.txt").write_text("x")
    with pytest.raises(ParameterError, match="ONNX"):
        open_network(tmp_path / "model.txt")
    (tmp_path / "corrupt.keras").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a .keras archive"):
        open_network(tmp_path / "corrupt.keras")
    (tmp_path / "corrupt.onnx").write_bytes(b"\x00\x01")
    with pytest.raises(DataError, match="not an ONNX model"):
        open_network(tmp_path / "corrupt.onnx")
    inputs = keras.Input(SHAPE)
    lambda_model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Lambda(lambda t: t * 2)(
        keras.layers.Flatten()(keras.layers.Dense(4, activation="relu")(inputs)))))
    lambda_model.save(tmp_path / "lambda.keras")
    with pytest.raises(DataError, match="needs code of its own"):
        open_network(tmp_path / "lambda.keras")
    linear = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))
    linear.save(tmp_path / "linear.keras")
    with pytest.raises(DataError, match="no hidden ReLU"):
        open_network(tmp_path / "linear.keras")
    with pytest.raises(ParameterError, match="not a ReLU layer.*observed"):
        network.layer("output")
    with pytest.raises(DataError, match=r"shape \(4, 4\)"):
        record(network, np.zeros((10, 4, 4)))
    bad = x.copy()
    bad[3, 0, 0, 0] = np.nan
    with pytest.raises(DataError, match="1 NaN"):
        record(network, bad)
    with pytest.raises(DataError, match="one class index"):
        record(network, x, y[:-1])
    with pytest.raises(DataError, match="label 12"):
        record(network, x, np.full(len(x), 12))
    with pytest.raises(ParameterError, match="at least 2 are needed"):
        measure(record(network, x[:50]), window=100)


def test_the_command_prints_writes_and_refuses(trained, digits, tmp_path, capsys):
    from spikelib.diagnose.cli import main

    path, _ = trained
    x, y = digits
    np.savez(tmp_path / "samples.npz", x=x, y=y)
    np.savez(tmp_path / "wrong.npz", images=x)
    # the installed command, end to end, once
    done = subprocess.run([sys.executable, "-m", "spikelib.diagnose.cli", "diagnose", str(path), "--data",
                           str(tmp_path / "samples.npz"), "--window", "20", "--json", str(tmp_path / "d.json"),
                           "--html", str(tmp_path / "d.html")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "observed layer 'observed' (24 nodes), 600 samples, with labels" in done.stdout
    written = json.loads((tmp_path / "d.json").read_text())
    assert written["n_samples"] == 600 and written["sentence"] in " ".join(done.stdout.split())
    page = (tmp_path / "d.html").read_text()
    assert "data:image/png;base64," in page and "<table>" in page
    assert main(["diagnose", str(path), "--list-layers"]) == 0
    assert "observed" in capsys.readouterr().out
    for args, message in (((path,), "diagnose [--data]: `data` is missing"),
                          ((path, "--data", tmp_path / "wrong.npz"), "needs the samples as `x`"),
                          ((path, "--data", tmp_path / "samples.npz", "--samples", "1"), "[--samples]"),
                          ((path, "--data", tmp_path / "samples.npz", "--layer", "dense"), "[--layer]"),
                          ((path, "--data", tmp_path / "samples.npz", "--window", "400"), "[--window]"),
                          ((path, "--data", tmp_path / "samples.npz", "--json", tmp_path / "no" / "d.json"), "[--json]"),
                          ((tmp_path / "absent.onnx", "--data", "digits"), "No model file")):
        assert main(["diagnose", *map(str, args)]) == 2, args
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error, error
        assert len([line for line in error.splitlines() if line.startswith("spikelib diagnose")]) == 1, error


def test_the_held_out_networks_are_apart_from_the_reference_and_scored_every_way():
    """The held-out set is never part of the reference or of the transfer set, and each of its networks is scored
    in every mode, against the truth of its labels."""
    from spikelib.diagnose.scoring import MODES, held_out_scores
    from spikelib.diagnose.transfer import TRUTH, held_out_networks, networks

    table, record_ = load_reference()
    held = {n.id for n in held_out_networks()}
    assert not held & set(table["cell_id"]) and not held & {n.id for n in networks()}
    scores = held_out_scores(table, record_)
    assert set(scores["network"]) == held and len(scores) == len(held) * len(MODES)
    expected = scores["noise"].map(TRUTH)
    given = scores["verdict"] != "cannot tell"
    assert (scores.loc[given, "outcome"] == (scores.loc[given, "verdict"] == expected[given]).map(
        {True: "right", False: "wrong"})).all()
    assert (scores.loc[~given, "outcome"] == "cannot tell").all()


def _positions(*networks):
    """Scores frames as :func:`~spikelib.diagnose.scoring.transfer_scores` gives them: (position, own position,
    label noise) per network, calibrated rows only."""
    import pandas as pd

    return pd.DataFrame([{"mode": "calibrated", "position": p, "own_position": o, "noise": noise}
                         for p, o, noise in networks])


def test_hindsight_rules_fit_thresholds_by_hand_and_are_scored_on_networks_they_did_not_see():
    from spikelib.diagnose.transfer_report import hindsight_rules

    fitted = _positions((1.0, 1.0, 0), (0.2, 0.9, 0), (0.0, 0.0, 1), (0.3, 0.1, 0.5))
    tested = _positions((0.1, 0.95, 1), (0.9, 0.9, 0), (float("nan"), float("nan"), 0))
    rules = hindsight_rules(fitted, tested, weights=(0.0, 1.0)).set_index("weight")
    # the network's position alone: clean-like above 0.3 (the highest noisy-label score), memorizing-like below 0.2
    # (the lowest clean-label one): (1.0) and (0.0) right, 0.2 and 0.3 cannot tell
    alone = rules.loc[1.0]
    assert (alone["clean_above"], alone["memorizing_below"]) == (0.3, 0.2)
    assert (alone["fitted_right"], alone["fitted_wrong"], alone["fitted_cannot"]) == (2, 0, 2)
    # on the tested networks: 0.1 reads memorizing-like (right), 0.9 clean-like (right), no score: cannot tell
    assert (alone["tested_right"], alone["tested_wrong"], alone["tested_cannot"]) == (2, 0, 1)
    # the own-label controls alone separate the fitted networks (0.9, 1.0 against 0.0, 0.1): the midpoint 0.5
    # decides, so every fitted network is right, and the tested noisy-label network at 0.95 is read wrong
    controls = rules.loc[0.0]
    assert (controls["fitted_right"], controls["fitted_wrong"]) == (4, 0)
    assert (controls["tested_right"], controls["tested_wrong"], controls["tested_cannot"]) == (1, 1, 1)
    # fitted on both sets at once the wrong verdict goes: clean-like above 0.95, memorizing-like below 0.9, so
    # only 1.0, 0.0 and 0.1 are read (right), and the networks at 0.9 and 0.95 are left undecided
    assert (controls["both_right"], controls["both_networks"]) == (3, 7)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 2), st.floats(-1, 2), st.sampled_from([0.0, 0.5, 1.0])), min_size=1,
                max_size=12))
def test_a_rule_fitted_with_hindsight_is_never_wrong_on_the_networks_it_was_fitted_on(networks):
    from spikelib.diagnose.transfer_report import hindsight_rules

    frame = _positions(*networks)
    rules = hindsight_rules(frame, frame)
    assert (rules["fitted_wrong"] == 0).all() and (rules["tested_wrong"] == 0).all()
    assert (rules["fitted_right"] + rules["fitted_cannot"] == len(networks)).all()
    assert (rules["both_right"] >= rules["fitted_right"]).all()
