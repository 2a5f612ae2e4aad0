"""Grid profiles: YAML files in ``profiles/``, validated before anything runs.

A profile names shared ``defaults`` (any :class:`~spikelib.experiment.CellConfig`
field), ``grid`` blocks that expand into experimental cells, and ``curves``
blocks for the firing-rate-during-training protocol. Each block lists
``datasets``, ``models``, ``widths``, ``conditions`` and ``seeds`` and may
override any cell field. An unknown key or a bad value fails at once, naming
the dotted key (``grid[1].widths[0]``) and what is allowed.

Functions
---------
load_profile
    Read and validate a profile by name or path; return a :class:`Profile`.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import paths
from .exceptions import ParameterError, ProfileError
from .experiment import RETRAINING, CellConfig, cell_id

__all__ = ["Profile", "Cell", "load_profile", "ProfileError"]

TOP_KEYS = {"name", "description", "expected_cost", "defaults", "grid", "curves"}
BLOCK_AXES = ("datasets", "models", "widths", "conditions", "seeds")
# Fields a profile may not set: the runner decides where outputs go and how cells run.
RUNNER_FIELDS = {"output_dir", "protocol", "base_model", "dataset", "model", "width", "condition", "seed"}
CELL_FIELDS = {f.name for f in dataclasses.fields(CellConfig)} - RUNNER_FIELDS


@dataclass(frozen=True)
class Cell:
    """One cell of a profile: its configuration and the cell it must wait for."""

    config: CellConfig
    depends_on: str | None

    @property
    def id(self):
        return cell_id(self.config)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    expected_cost: str
    path: Path
    sha256: str
    cells: tuple

    def cell(self, identifier):
        return next(c for c in self.cells if c.id == identifier)


def _fail(path, key, message):
    raise ProfileError(f"{path}: `{key}` {message}")


def _check_keys(path, where, mapping, allowed):
    if not isinstance(mapping, dict):
        _fail(path, where, f"must be a mapping; got {type(mapping).__name__}.")
    for key in mapping:
        if key not in allowed:
            dotted = f"{where}.{key}" if where else key
            _fail(path, dotted, f"is not a known key; allowed: {sorted(allowed)}.")


def _resolve(name_or_path):
    candidate = Path(str(name_or_path))
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    path = paths.PROFILES / f"{name_or_path}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in paths.PROFILES.glob("*.yaml"))
        raise ProfileError(f"No profile {name_or_path!r}; known profiles: {known} (or pass a .yaml path).")
    return path


def load_profile(name_or_path, results_root=None):
    """Read, validate and expand a profile.

    Parameters
    ----------
    name_or_path : str or Path
        A name from ``profiles/`` (``quick``, ``fashion``, ``paper``) or a YAML path.
    results_root : Path, optional
        Where the profile's results go; default ``results/<name>`` (see
        :func:`spikelib.paths.results_dir`). Cells live in ``<root>/cells/<cell id>``.

    Returns
    -------
    Profile
        Cells in an order that respects dependencies (generalizing cells
        before the cells that retrain them).

    Raises
    ------
    ProfileError
        Unknown keys, bad values, or retraining cells without their
        generalizing cell, naming the dotted key.
    """
    path = _resolve(name_or_path)
    if not path.is_file():
        raise ProfileError(f"No profile file at {path}.")
    raw = path.read_bytes()
    try:
        spec = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ProfileError(f"{path} is not valid YAML: {error}") from error
    _check_keys(path, "", spec, TOP_KEYS)
    for key in ("name", "grid"):
        if key not in spec:
            _fail(path, key, "is required.")
    name = spec["name"]
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        _fail(path, "name", f"must be a plain word (letters, digits, - and _); got {name!r}.")
    defaults = spec.get("defaults") or {}
    _check_keys(path, "defaults", defaults, CELL_FIELDS)
    root = Path(results_root) if results_root else paths.results_dir() / name
    cells = []
    for section, protocol in (("grid", "cell"), ("curves", "curve")):
        blocks = spec.get(section) or []
        if not isinstance(blocks, list):
            _fail(path, section, "must be a list of blocks.")
        for index, block in enumerate(blocks):
            where = f"{section}[{index}]"
            _check_keys(path, where, block, set(BLOCK_AXES) | CELL_FIELDS)
            for axis in BLOCK_AXES:
                if axis not in block:
                    _fail(path, f"{where}.{axis}", "is required (a list).")
                if not isinstance(block[axis], list) or not block[axis]:
                    _fail(path, f"{where}.{axis}", f"must be a non-empty list; got {block[axis]!r}.")
            overrides = {k: v for k, v in block.items() if k not in BLOCK_AXES}
            for dataset_i, dataset in enumerate(block["datasets"]):
                for model_i, model in enumerate(block["models"]):
                    for width_i, width in enumerate(block["widths"]):
                        for condition_i, condition in enumerate(block["conditions"]):
                            for seed_i, seed in enumerate(block["seeds"]):
                                values = {**defaults, **overrides, "dataset": dataset, "model": model,
                                          "width": width, "condition": condition, "seed": seed,
                                          "protocol": protocol, "output_dir": ""}
                                try:
                                    config = CellConfig(**values)
                                except ParameterError as error:
                                    key = _offending_key(str(error), where, dataset_i, model_i, width_i,
                                                         condition_i, seed_i, overrides, defaults)
                                    raise ProfileError(f"{path}: `{key}`: {error}") from None
                                config = dataclasses.replace(config, output_dir=str(root / "cells" / cell_id(config)))
                                cells.append(config)
    return Profile(name=name, description=str(spec.get("description", "")).strip(),
                   expected_cost=str(spec.get("expected_cost", "")), path=path,
                   sha256=hashlib.sha256(raw).hexdigest(), cells=_order(path, cells))


def _offending_key(message, where, dataset_i, model_i, width_i, condition_i, seed_i, overrides, defaults):
    axes = {"dataset": f"datasets[{dataset_i}]", "model": f"models[{model_i}]", "width": f"widths[{width_i}]",
            "condition": f"conditions[{condition_i}]", "seed": f"seeds[{seed_i}]"}
    for field, key in axes.items():
        if f"`{field}`" in message:
            return f"{where}.{key}"
    for field in overrides:
        if f"`{field}`" in message:
            return f"{where}.{field}"
    for field in defaults:
        if f"`{field}`" in message:
            return f"defaults.{field}"
    return where


def _order(path, configs):
    """Generalizing cells first; each retraining cell depends on its generalizing cell."""
    ids = {}
    for config in configs:
        if cell_id(config) in ids:
            raise ProfileError(f"{path}: cell {cell_id(config)} appears twice.")
        ids[cell_id(config)] = config
    cells = []
    for config in configs:
        depends_on = None
        if config.condition in RETRAINING and config.protocol == "cell":
            base = dataclasses.replace(config, condition="generalizing", protocol="cell")
            depends_on = cell_id(base)
            if depends_on not in ids:
                raise ProfileError(
                    f"{path}: cell {cell_id(config)} retrains the generalizing model, but the profile "
                    f"has no cell {depends_on}; add 'generalizing' to that block's conditions."
                )
        cells.append(Cell(config, depends_on))
    return tuple(sorted(cells, key=lambda c: c.depends_on is not None))
