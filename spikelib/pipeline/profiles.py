"""Grid profiles: YAML files in ``profiles/``, validated before anything runs.

A profile names shared ``defaults`` (any :class:`~spikelib.experiment.CellConfig`
field), ``grid`` blocks that expand into experimental cells, and ``curves``
blocks for the firing-rate-during-training protocol. Each block lists
``datasets``, ``models``, ``widths``, ``conditions`` and ``seeds`` and may
override any cell field; ``vary`` maps further cell fields to lists of values,
which join the product (a factorial design: the model zoo). A top-level
``shuffle`` seed runs the cells in a seeded random order (dependencies still
first), so that a run stopped part-way holds an unbiased sample of the grid.
An unknown key or a bad value fails at once, naming the dotted key
(``grid[1].widths[0]``, ``grid[0].vary.dropout[2]``) and what is allowed.

Functions
---------
load_profile
    Read and validate a profile by name or path; return a :class:`Profile`.
build_cell
    The one place a cell's configuration is built from parameters (profiles and ``spikelib cell``).
profile_format
    The format, as tables, from the declarations that validate it (the book's "Profiles" page).
"""

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .._optional import soft_import
from ..exceptions import ParameterError, ProfileError
from ..experiment.config import CellConfig, cell_id, parameter_specs

__all__ = ["Profile", "Cell", "load_profile", "build_cell", "profile_format", "ProfileError", "CELL_FIELDS",
           "PROFILE_KEYS", "BLOCK_AXES", "MAX_PROFILE_BYTES", "MAX_CELLS"]

#: The keys of a profile, whether each is required, and what it holds: the declaration that validates a
#: profile and that the book's "Profiles" page prints.
PROFILE_KEYS = {
    "name": (True, "a plain word (letters, digits, hyphens and underscores): the results go to results/NAME"),
    "description": (False, "what the profile is for, in words"),
    "expected_cost": (False, "how long it takes, in words (printed when a run starts)"),
    "defaults": (False, "cell parameters shared by every block (the table of parameters below)"),
    "grid": (True, "a list of blocks, each expanding into the product of its lists: the cells of the paper's "
                   "protocol (train, then record)"),
    "curves": (False, "blocks as in grid, run with the curve protocol: the firing rate recorded after every batch "
                      "on true, then shuffled labels (the paper's Figure 5)"),
    "shuffle": (False, "a seed: the cells run in a seeded random order (dependencies first), so that a run stopped "
                       "part-way holds an unbiased sample of the grid"),
}
TOP_KEYS = set(PROFILE_KEYS)
#: Each axis of a block sets one parameter of the cells it expands into.
BLOCK_AXES = {"datasets": "dataset", "models": "model", "widths": "width", "conditions": "condition",
              "seeds": "seed"}
#: What a block holds besides its axes.
BLOCK_EXTRAS = {"vary": "a cell parameter and a list of its values, which join the product (a factorial design)",
                "any cell parameter": "any cell parameter a profile may set (Table 3): it overrides defaults for this "
                                      "block"}
#: The cell parameters a profile may set, derived from the declaration: the axes set the
#: cell's identity, and the runner decides where outputs go and which protocol runs.
CELL_FIELDS = {spec.name for spec in parameter_specs() if spec.profile}
#: A profile is a short text; anything larger is refused before parsing.
MAX_PROFILE_BYTES = 1 << 20
#: The most cells a profile may expand into (counted before any is built): a grid larger than
#: this is a typo or a job for several profiles.
MAX_CELLS = 10_000


def _strict_loader():
    """A safe YAML loader that refuses aliases (which can expand a small file enormously)
    and duplicate keys (which would silently keep the last value)."""
    yaml = soft_import("yaml", "reading a profile")

    class StrictLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"uses the alias *{event.anchor}; aliases and anchors are not allowed "
                    "in profiles: write the values out", event.start_mark)
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"repeats the key {key!r}; each key may appear once", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return yaml, StrictLoader


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
        Unknown keys, bad values, retraining cells without their generalizing
        cell, a grid of no cell or of more than :data:`MAX_CELLS`, naming the
        dotted key.
    """
    path = _resolve(name_or_path)
    if not path.is_file():
        raise ProfileError(f"No profile file at {path}.")
    if path.stat().st_size > MAX_PROFILE_BYTES:
        raise ProfileError(f"{path} has {path.stat().st_size} bytes; a profile is at most "
                           f"{MAX_PROFILE_BYTES} bytes.")
    raw = path.read_bytes()
    yaml, loader = _strict_loader()
    try:
        spec = yaml.load(raw, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ProfileError(f"{path} is not valid YAML: {error}") from error
    except RecursionError:
        raise ProfileError(f"{path} is nested too deeply to be a profile (a profile is a few levels of keys and "
                           "lists).") from None
    _check_keys(path, "", spec, TOP_KEYS)
    for key in (key for key, (required, _) in PROFILE_KEYS.items() if required):
        if key not in spec:
            _fail(path, key, "is required.")
    name = spec["name"]
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        _fail(path, "name", f"must be a plain word (letters, digits, hyphens and underscores); got {name!r}.")
    defaults = spec.get("defaults") or {}
    _check_keys(path, "defaults", defaults, CELL_FIELDS)
    root = paths.profile_results(name, results_root)
    cells = []
    planned = 0
    for section, protocol in (("grid", "cell"), ("curves", "curve")):
        blocks = spec.get(section) or []
        if not isinstance(blocks, list):
            _fail(path, section, "must be a list of blocks.")
        for index, block in enumerate(blocks):
            where = f"{section}[{index}]"
            _check_keys(path, where, block, set(BLOCK_AXES) | CELL_FIELDS | {"vary"})
            vary = block.get("vary") or {}
            _check_keys(path, f"{where}.vary", vary, CELL_FIELDS - set(block))
            for key, values in vary.items():
                if not isinstance(values, list) or not values:
                    _fail(path, f"{where}.vary.{key}", f"must be a non-empty list; got {values!r}.")
            for axis in BLOCK_AXES:
                if axis not in block:
                    _fail(path, f"{where}.{axis}", "is required (a list).")
                if not isinstance(block[axis], list) or not block[axis]:
                    _fail(path, f"{where}.{axis}", f"must be a non-empty list; got {block[axis]!r}.")
            overrides = {k: v for k, v in block.items() if k not in BLOCK_AXES and k != "vary"}
            planned += math.prod(len(block[axis]) for axis in BLOCK_AXES) * math.prod(map(len, vary.values()))
            if planned > MAX_CELLS:
                _fail(path, where, f"takes the profile to {planned:,} cells, more than the {MAX_CELLS:,} a profile "
                                   "may hold; shorten its lists or split the grid into several profiles.")
            cells.extend(_expand(path, where, block, overrides, defaults, protocol, root))
    if not cells:
        _fail(path, "grid", "expands into no cell; give at least one block.")
    shuffle = spec.get("shuffle")
    if shuffle is not None:
        if isinstance(shuffle, bool) or not isinstance(shuffle, int) or shuffle < 0:
            _fail(path, "shuffle", f"must be a seed (an integer >= 0); got {shuffle!r}.")
        import numpy as np

        cells = [cells[i] for i in np.random.default_rng(shuffle).permutation(len(cells))]
    return Profile(name=name, description=str(spec.get("description", "")).strip(),
                   expected_cost=str(spec.get("expected_cost", "")), path=path,
                   sha256=hashlib.sha256(raw).hexdigest(), cells=_order(path, cells))


def profile_format():
    """The profile format, from the declarations that validate profiles: three tables.

    Returns
    -------
    dict of pandas.DataFrame
        ``"keys"`` (top-level key, required, what it holds), ``"block"`` (a block's keys), ``"parameters"`` (every
        cell parameter a profile may set: name, kind, default, allowed values, what it does).
    """
    import pandas as pd

    keys = pd.DataFrame([{"key": key, "required": "yes" if required else "no", "holds": text}
                         for key, (required, text) in PROFILE_KEYS.items()])
    block = pd.DataFrame([{"key": axis, "required": "yes", "holds": f"a list of values of the cell parameter "
                                                                    f"{field}"} for axis, field in BLOCK_AXES.items()]
                         + [{"key": key, "required": "no", "holds": text} for key, text in BLOCK_EXTRAS.items()])
    rows = []
    for spec in parameter_specs():
        if not spec.profile:
            continue
        allowed = (", ".join(map(str, spec.choices)) if spec.choices and spec.kind != "until" else
                   "one of the words its description names, or an accuracy in (0, 1]" if spec.kind == "until" else
                   _bounds(spec))
        default = ("decided by the cell" if spec.default is None else
                   ("yes" if spec.default else "no") if isinstance(spec.default, bool) else str(spec.default))
        rows.append({"parameter": spec.name, "kind": spec.kind, "default": default,
                     "allowed": allowed, "what": spec.help})
    return {"keys": keys, "block": block, "parameters": pd.DataFrame(rows)}


def _bounds(spec):
    if spec.minimum is None and spec.maximum is None:
        return "any" if spec.kind != "bool" else "yes or no"
    def number(value):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"

    low = "" if spec.minimum is None else f"{'>' if spec.open_minimum else '≥'} {number(spec.minimum)}"
    high = "" if spec.maximum is None else f"{'<' if spec.open_maximum else '≤'} {number(spec.maximum)}"
    return ", ".join(part for part in (low, high) if part)


def build_cell(values, root=None, where=None):
    """The one place a cell's configuration is built from a mapping of parameters (a profile's block, the
    options of ``spikelib cell``), validated, with its output folder.

    Parameters
    ----------
    values : dict
        Cell parameters (:func:`spikelib.experiment.config.parameter_specs`).
    root : path, optional
        The results folder whose ``cells/`` holds the cell, unless ``values`` gives ``output_dir``.
    where : callable, optional
        Turns a :class:`ParameterError` into the message a :class:`ProfileError` carries (naming the
        profile's dotted key); without it the error is raised as it is.

    Returns
    -------
    CellConfig

    Raises
    ------
    ParameterError
        Unknown keys and everything :class:`CellConfig` checks; a :class:`ProfileError` with ``where``.
    """
    try:
        config = CellConfig.from_dict(values)
    except ParameterError as error:
        if where is None:
            raise
        raise ProfileError(where(error), error.parameter) from None
    return config.placed(root)


def _expand(path, where, block, overrides, defaults, protocol, root):
    """Every cell of one block: the product of its axes."""
    import itertools

    axes = list(BLOCK_AXES.items()) + [(f"vary.{key}", key) for key in block.get("vary") or {}]
    block = {**block, **{f"vary.{key}": values for key, values in (block.get("vary") or {}).items()}}
    configs = []
    for combination in itertools.product(*(enumerate(block[axis]) for axis, _ in axes)):
        values = {**defaults, **overrides, "protocol": protocol}
        for (axis, field), (_, value) in zip(axes, combination):
            values[field] = value
        configs.append(build_cell(values, root, lambda error: f"{path}: `"
                                  f"{_offending_key(error, where, axes, combination, overrides, defaults)}`: {error}"))
    return configs


def _offending_key(error, where, axes, combination, overrides, defaults):
    """The dotted key of the profile that set the parameter an error names."""
    parameter = getattr(error, "parameter", None)
    for (axis, field), (index, _) in zip(axes, combination):
        if parameter == field:
            return f"{where}.{axis}[{index}]"
    if parameter in overrides:
        return f"{where}.{parameter}"
    if parameter in defaults:
        return f"defaults.{parameter}"
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
        base = config.base_cell()
        if base is not None:
            depends_on = cell_id(base)
            if depends_on not in ids:
                raise ProfileError(
                    f"{path}: cell {cell_id(config)} retrains the generalizing model, but the profile "
                    f"has no cell {depends_on}; add 'generalizing' to that block's conditions."
                )
        cells.append(Cell(config, depends_on))
    return tuple(sorted(cells, key=lambda c: c.depends_on is not None))
