"""Real experimental cells, run in-process: every family, every condition."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import spikelib as sl
from spikelib.experiment.cellfiles import cell_status, read_curve
from spikelib.experiment import CONDITIONS, CellConfig, cell_id
from spikelib.experiment import cell as experiment
from spikelib.experiment import trainstage
from spikelib.experiment.cell import run_cell
from spikelib.experiment.data import load_dataset
from spikelib.storage import sha256


def is_complete(directory):
    return cell_status(directory).finished

pytestmark = pytest.mark.slow
SUMMARY_KEYS = {"mfr", "cv_fr", "mf", "cv_mf"}


def _config(root, condition, dataset="digits", family="mlp", **overrides):
    values = dict(dataset=str(dataset), model=family, width=32, condition=condition, seed=0,
                  epochs=2, max_memorize_epochs=2, memorize_until="epochs", window=20, trace_samples=200,
                  output_dir="")
    values.update(overrides)
    config = CellConfig(**values)
    return dataclasses.replace(config, output_dir=str(root / cell_id(config)))


def _run_grid(root, dataset, family, **overrides):
    results = {}
    for condition in ("random", "generalizing", "mem_retrain_last", "mem_retrain_all", "mem_random_last"):
        results[condition] = run_cell(_config(root, condition, dataset, family, **overrides), progress=lambda m: None)
    return results


def _check_cell(result, family, condition, data):
    metrics = result.metrics
    assert metrics["complete"] and is_complete(result.output_dir)
    for key in ("train_accuracy", "validation_accuracy", "test_accuracy"):
        assert 0 <= metrics[key] <= 1
    # The generalization gap is training accuracy on the fitted samples minus test accuracy; the running
    # training accuracy minus the validation accuracy is the validation gap.
    assert metrics["generalization_gap"] == pytest.approx(metrics["train_accuracy_evaluated"] - metrics["test_accuracy"])
    assert metrics["validation_gap"] == pytest.approx(metrics["train_accuracy"] - metrics["validation_accuracy"])
    assert metrics["schema"] == 2
    for split, n in (("train", len(data.x_train)), ("test", len(data.x_test))):
        stats = metrics["splits"][split]
        assert SUMMARY_KEYS <= set(stats)
        assert 0 <= stats["mfr"] <= 1 and stats["n_nodes"] == 32 and stats["n_samples"] == n
    rasters = sl.load_rasters(result.output_dir / "spikes.npz")
    assert rasters["train"].shape == (32, len(data.x_train)) and rasters["test"].shape == (32, len(data.x_test))
    assert metrics["splits"]["test"]["mfr"] == pytest.approx(sl.firing_rate(rasters["test"]).mean())
    assert (result.output_dir / "model.keras").is_file()  # save_model defaults to True
    training = json.loads((result.output_dir / "training.json").read_text())
    phases = [p["name"] for p in training["phases"]]
    expected = {"random": [], "generalizing": ["true labels"]}.get(condition, ["shuffled labels"])
    assert phases == expected
    for phase in training["phases"]:
        assert phase["stop_reason"] in ("target", "plateau", "cap", "epochs")
        assert len(phase["history"]["accuracy"]) == training["epochs"][phase["name"]]
        assert phase["traces"]["epoch"][0] == 0 and all(0 <= v <= 1 for v in phase["traces"]["mfr"])
    assert metrics["parameters"]["condition"] == condition
    assert set(metrics["versions"]) >= {"numpy", "keras", "elephant", "spikelib"}
    # Which layers were trained.
    upstream = {"mlp": [], "cnn": ["conv"], "densenet": ["densenet121"]}[family]
    frozen = upstream if condition in ("mem_retrain_last", "mem_random_last") else []
    assert metrics["frozen_layers"] == frozen
    assert set(metrics["trainable_layers"]) == set(upstream + ["observed", "output"]) - set(frozen)
    # Memorizing cells trained on fully shuffled labels (the paper's condition); the others on true ones.
    assert metrics["labels"]["noise"] == (1.0 if condition.startswith("mem_") else 0.0)
    if condition.startswith("mem_"):
        assert metrics["labels"]["shuffled"] == len(data.y_train)
        assert metrics["labels"]["changed"] > 0.8 * len(data.y_train)
    else:
        assert metrics["labels"]["changed"] == 0


@pytest.fixture(scope="module")
def digits_grids(tmp_path_factory):
    root = tmp_path_factory.mktemp("cells")
    return root, {family: _run_grid(root, "digits", family) for family in ("mlp", "cnn")}


@pytest.mark.parametrize("family", ["mlp", "cnn"])
@pytest.mark.parametrize("condition", CONDITIONS)
def test_digits_cells(digits_grids, family, condition):
    _, grids = digits_grids
    _check_cell(grids[family][condition], family, condition, load_dataset("digits"))


def test_retraining_starts_from_the_generalizing_model(digits_grids):
    root, grids = digits_grids
    for condition in ("mem_retrain_last", "mem_retrain_all"):
        metrics = grids["cnn"][condition].metrics
        assert metrics["base_model"].endswith("digits-cnn-32-generalizing-seed0/model.keras")
    assert grids["cnn"]["mem_random_last"].metrics["base_model"] is None  # random initial weights


def test_mlp_retrain_last_equals_retrain_all(digits_grids):
    """One hidden layer: nothing to freeze, so the two conditions coincide (as the paper says)."""
    _, grids = digits_grids
    a = sl.load_rasters(grids["mlp"]["mem_retrain_last"].output_dir / "spikes.npz")
    b = sl.load_rasters(grids["mlp"]["mem_retrain_all"].output_dir / "spikes.npz")
    np.testing.assert_array_equal(a["train"], b["train"])


@pytest.mark.extended  # about 100 s per DenseNet121 cell on 2 cores, mostly graph compilation
@pytest.mark.timeout(1800)
def test_cells_on_an_npz_and_densenet_every_condition(tmp_path, tiny_color_npz):
    data = load_dataset(str(tiny_color_npz))
    results = _run_grid(tmp_path, tiny_color_npz, "densenet", epochs=1, max_memorize_epochs=1,
                        densenet_weights="random", batch_size=32, window=10)
    for condition, result in results.items():
        _check_cell(result, "densenet", condition, data)
        assert result.metrics["parameters"]["densenet_weights"] == "random"
        assert result.metrics["dataset"]["sha256"] == sha256(tiny_color_npz)


def test_same_seed_same_results(tmp_path):
    first = run_cell(_config(tmp_path / "a", "mem_random_last"), progress=lambda m: None)
    second = run_cell(_config(tmp_path / "b", "mem_random_last"), progress=lambda m: None)
    for split in ("train", "test"):
        np.testing.assert_array_equal(first.spikes[split], second.spikes[split])

    def comparable(metrics):
        """Everything but times, the output folder, and the files that record times (training.json)
        or timestamps (model.keras, a zip archive); their contents are compared below."""
        metrics = json.loads(json.dumps(metrics))
        for key in ("wall_time_s", "training_wall_time_s", "seconds"):
            metrics.pop(key)
        metrics["parameters"].pop("output_dir")
        for name in ("training.json", "model.keras"):
            metrics["files"].pop(name)
        return metrics

    assert comparable(first.metrics) == comparable(second.metrics)
    assert first.metrics["files"]["spikes.npz"] == second.metrics["files"]["spikes.npz"]
    for one, two in zip(first.training["phases"], second.training["phases"]):
        one["history"].pop("seconds"), two["history"].pop("seconds")
        assert json.dumps(one) == json.dumps(two)  # as text: the untrained epoch 0 traces a NaN accuracy
    import keras

    weights = [keras.models.load_model(run.output_dir / "model.keras").get_weights() for run in (first, second)]
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_retraining_without_its_generalizing_model(tmp_path):
    with pytest.raises(sl.DataError, match="Run the 'generalizing' cell"):
        run_cell(_config(tmp_path, "mem_retrain_last"), progress=lambda m: None)
    assert not is_complete(tmp_path / cell_id(_config(tmp_path, "mem_retrain_last")))


def test_an_interrupted_rerun_leaves_the_finished_cell_and_a_first_run_nothing_complete(tmp_path, monkeypatch):
    config = _config(tmp_path, "random")
    run_cell(config, progress=lambda m: None)
    before = (tmp_path / cell_id(config) / "metrics.json").read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "save_rasters", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_cell(config, progress=lambda m: None)
    assert is_complete(config.output_dir)  # the rerun staged nothing into the finished cell
    assert (tmp_path / cell_id(config) / "metrics.json").read_bytes() == before
    fresh = _config(tmp_path, "random", seed=1)
    with pytest.raises(KeyboardInterrupt):
        run_cell(fresh, progress=lambda m: None)
    assert not is_complete(fresh.output_dir) and not (Path(fresh.output_dir) / "metrics.json").exists()


def test_curve_protocol_records_every_batch(tmp_path):
    config = _config(tmp_path, "mem_retrain_last", protocol="curve", epochs=2, max_memorize_epochs=3)
    result = run_cell(config, progress=lambda m: None)
    curve = read_curve(result.output_dir)
    batches_per_epoch = int(np.ceil(int(1348 * 0.9 + 0.5) / 256))
    assert len(curve["mfr_train"]) == 5 * batches_per_epoch
    assert int(curve["batches_true_labels"]) == 2 * batches_per_epoch
    assert curve["phase"].tolist() == [0] * 10 + [1] * 15
    assert ((0 <= curve["mfr_test"]) & (curve["mfr_test"] <= 1)).all()
    assert result.metrics["cell_id"].endswith("mem_retrain_last-curve-seed0")
    assert result.metrics["base_model"] is None  # trained from scratch in phase 1


@pytest.mark.parametrize("overrides, message", [
    ({"window": 300}, "The test split of 'digits' has 449 samples: `window`=300 leaves 1 complete window"),
    ({"layer": "hidden"}, "`layer`='hidden' is not in the mlp_32 model; its layers are"),
    ({"validation_split": 0.0001}, "leaves 0 for validation"),
])
def test_checks_that_need_the_data_run_before_training(tmp_path, monkeypatch, overrides, message):
    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    # The network is built (the layer is checked on it) but no epoch runs.
    monkeypatch.setattr(trainstage, "Trainer", no_training)
    with pytest.raises(sl.ParameterError, match=message):
        run_cell(_config(tmp_path, "generalizing", **overrides), progress=lambda m: None)


def test_a_trained_cell_is_analysed_again_without_training(tmp_path):
    config = _config(tmp_path, "mem_random_last", max_memorize_epochs=20)
    first = run_cell(config, progress=lambda m: None)
    messages = []
    second = run_cell(config, progress=messages.append)
    assert any("analysing only" in m for m in messages) and not any("epoch" in m for m in messages)
    assert first.metrics["files"]["spikes.npz"] == second.metrics["files"]["spikes.npz"]
    # A changed training parameter trains again.
    messages.clear()
    run_cell(dataclasses.replace(config, max_memorize_epochs=21), progress=messages.append)
    assert not any("analysing only" in m for m in messages)


def test_memorizing_to_a_target_stops_there(tmp_path):
    config = _config(tmp_path, "mem_random_last", width=64, memorize_until=0.3, max_memorize_epochs=3000,
                     trace_every=50)
    result = run_cell(config, progress=lambda m: None)
    phase = result.training["phases"][0]
    assert phase["stop_reason"] == "target" and phase["history"]["accuracy"][-1] >= 0.3
    assert max(phase["history"]["accuracy"][:-1]) < 0.3  # it stopped at the first epoch that reached it
    assert result.metrics["train_accuracy"] == phase["history"]["accuracy"][-1]
    assert phase["rule"]["target_source"] == "given"


def test_paper_target_falls_back_to_a_plateau_without_a_paper_value(tmp_path):
    config = _config(tmp_path, "mem_random_last", memorize_until="paper", max_memorize_epochs=30, patience=5,
                     min_gain=0.2)
    phase = run_cell(config, progress=lambda m: None).training["phases"][0]
    assert phase["rule"]["until"] == "plateau" and "the paper reports no such network" in phase["rule"]["target_source"]
    assert phase["stop_reason"] == "plateau" and len(phase["history"]["epoch"]) == 6


def test_label_noise_for_a_generalizing_cell(tmp_path):
    result = run_cell(_config(tmp_path, "generalizing", label_noise=0.4), progress=lambda m: None)
    labels = result.metrics["labels"]
    assert labels["noise"] == 0.4 and labels["shuffled"] == round(0.4 * 1348)
    assert 0.3 * 1348 < labels["changed"] < 0.4 * 1348
