"""One declaration per parameter: the notebook, the CLI and the profile schema derive from it."""

import ast
import math

import pytest

import spikelib as sl
from spikelib import paths
from spikelib.experiment.config import CellConfig, cell_id, parameter_specs
from spikelib.pipeline.cli import build_parser
from spikelib.pipeline.profiles import CELL_FIELDS

SPECS = parameter_specs()


def _notebook_parameters():
    """Name -> default of the experiment notebook's cell tagged ``parameters``."""
    text = (paths.NOTEBOOKS / "experiment.py").read_text()
    cell = text.split('# %% tags=["parameters"', 1)[1].split("\n# %%", 1)[0]
    tree = ast.parse(cell.split("\n", 1)[1])
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}


def test_notebook_parameters_cell_is_the_declaration():
    declared = {spec.name: spec.default for spec in SPECS}
    found = _notebook_parameters()
    assert list(found) == list(declared), "the parameters cell and CellConfig list different parameters"
    assert found == declared, {k: (found[k], declared[k]) for k in declared if found.get(k) != declared[k]}


def test_cli_options_are_the_declaration():
    parser = build_parser()
    cell = parser._subparsers._group_actions[0].choices["cell"]
    options = {action.dest: action for action in cell._actions if action.dest not in ("help", "overwrite")}
    assert set(options) == {spec.name for spec in SPECS}
    for spec in SPECS:
        action = options[spec.name]
        assert action.default == spec.default and spec.cli in action.option_strings
        assert spec.help in action.help
        if spec.kind == "until":  # a word or an accuracy: CellConfig checks it, the help lists the words
            assert action.choices is None and all(word in spec.help for word in spec.choices)
        else:
            assert (tuple(action.choices) if action.choices else None) == spec.choices


def test_cli_options_convert_to_the_declared_types():
    def parsed(*options):
        args = build_parser().parse_args(["cell", *options])
        return CellConfig(**{spec.name: getattr(args, spec.name) for spec in SPECS})

    config = parsed("--width", "64", "--label-noise", "0.4", "--generalize-until", "0.9", "--save-model", "false")
    assert (config.width, config.label_noise, config.generalize_until, config.save_model) == (64, 0.4, 0.9, False)
    assert isinstance(config.width, int) and parsed("--generalize-until", "plateau").generalize_until == "plateau"
    assert parsed().label_noise is None and parsed().base_model is None


def test_profile_keys_are_the_declared_profile_parameters():
    assert CELL_FIELDS == {spec.name for spec in SPECS if spec.profile}
    assert {"validation_split", "ljung_box_lags", "layer", "probe_size", "save_model"} <= CELL_FIELDS
    assert not {"output_dir", "protocol", "base_model", "width"} & CELL_FIELDS


def test_identity_leaves_out_where_files_are():
    identity = CellConfig(output_dir="/somewhere", data_dir="/data").identity()
    assert "output_dir" not in identity and "data_dir" not in identity and identity["width"] == 128


@pytest.mark.parametrize("values, parameter, message", [
    ({"learning_rate": "fast"}, "learning_rate", r"must be a number; got 'fast' \(str\)"),
    ({"validation_split": [0.1]}, "validation_split", r"must be a number; got \[0.1\] \(list\)"),
    ({"learning_rate": math.inf}, "learning_rate", "must be a finite number"),
    ({"learning_rate": math.nan}, "learning_rate", "must be a finite number"),
    ({"width": 2.5}, "width", "must be an integer"),
    ({"width": True}, "width", "must be an integer"),
    ({"save_model": "yes"}, "save_model", "must be true or false"),
    ({"epochs": 0}, "epochs", "give at least 1 epoch"),
    ({"condition": "mem_retrain_last", "max_memorize_epochs": 0}, "max_memorize_epochs", "a cap of at least 1 epoch"),
    ({"layer": " "}, "layer", "must name a layer"),
    ({"validation_split": 1.0}, "validation_split", r"in \(0, 1\)"),
    ({"model": None}, "model", "must be set"),
])
def test_bad_values_name_the_parameter(values, parameter, message):
    with pytest.raises(sl.ParameterError, match=message) as info:
        CellConfig(**values)
    assert info.value.parameter == parameter and f"`{parameter}`" in str(info.value)


def test_only_an_untrained_cell_may_have_zero_epochs():
    # A random cell never trains on the true labels; a curve's first phase does, whatever its condition.
    assert CellConfig(condition="random", epochs=0).epochs == 0
    with pytest.raises(sl.ParameterError, match="a curve cell trains on the true labels"):
        CellConfig(condition="mem_retrain_last", protocol="curve", epochs=0)


@pytest.mark.parametrize("values, message", [
    ({"condition": "memorizing"}, "`condition`='memorizing'"),
    ({"model": "vgg"}, "`model`='vgg'"),
    ({"width": 0}, "`width`"),
    ({"epochs": -1}, "`epochs`"),
    ({"dataset": "imagenet"}, "`dataset`='imagenet'"),
    ({"protocol": "curve", "condition": "generalizing"}, "curve protocol"),
    ({"validation_split": 1.5}, "`validation_split`"),
    ({"widht": 64}, r"Unknown cell parameter\(s\) \['widht'\]"),
])
def test_config_errors_from_a_mapping(values, message):
    with pytest.raises(sl.ParameterError, match=message):
        CellConfig.from_dict(values)


def test_page_folders_default_to_the_profile_and_follow_the_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKELIB_RESULTS_DIR", str(tmp_path / "runs"))
    monkeypatch.setattr(paths, "BOOK_EXECUTED", tmp_path / "executed")
    root, tables = paths.page_folders("fashion")
    assert root == tmp_path / "runs" / "fashion" and tables == tmp_path / "executed" / "fashion"
    assert tables.is_dir()
    root, tables = paths.page_folders("fashion", tmp_path / "elsewhere", tmp_path / "csv")
    assert root == tmp_path / "elsewhere" and tables == tmp_path / "csv" and tables.is_dir()


def test_parameters_added_later_keep_the_committed_identities():
    """Cells computed before depth, dropout, weight decay and training subsets existed keep their identity
    (their training records are current, their metrics finished): the new keys appear only when set."""
    from spikelib.experiment.config import ADDED_LATER

    plain = CellConfig(dataset="fashion_mnist", width=512)
    assert not set(ADDED_LATER) & set(plain.identity())
    varied = CellConfig(dataset="fashion_mnist", width=512, depth=2, dropout=0.1, weight_decay=1e-4,
                        train_samples=1000, train_recording="fit", xla=False)
    assert {k: varied.identity()[k] for k in ADDED_LATER} == {"depth": 2, "dropout": 0.1, "weight_decay": 1e-4,
                                                               "train_samples": 1000, "train_recording": "fit",
                                                               "xla": False}
    assert cell_id(varied) != cell_id(plain) and cell_id(varied).endswith("-recfit-seed0")
    # Recording only the fitted samples is the analysis's business: the training is the same.
    assert "train_recording" not in varied.training_identity() and varied.training_identity()["depth"] == 2


def test_cell_ids_tell_apart_every_hyperparameter_the_zoo_varies():
    base = dict(dataset="fashion_mnist", width=128, generalize_until="fit")
    variants = [{}, {"depth": 2}, {"dropout": 0.1}, {"weight_decay": 1e-4}, {"learning_rate": 0.03},
                {"batch_size": 64}, {"train_samples": 500}]
    ids = {cell_id(CellConfig(**base, **v)) for v in variants}
    assert len(ids) == len(variants)


def test_a_missing_data_or_model_file_is_named_before_papermill_starts(tmp_path):
    from spikelib.pipeline.cli import cell_config

    for option, name in (("--dataset", "dataset"), ("--base-model", "base_model")):
        missing = str(tmp_path / ("set.npz" if name == "dataset" else "model.keras"))
        args = build_parser().parse_args(["cell", option, missing])
        with pytest.raises(sl.ParameterError, match=f"`{name}`: no file at") as info:
            cell_config(args)
        assert info.value.parameter == name
