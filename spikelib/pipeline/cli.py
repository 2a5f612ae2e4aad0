"""The ``spikelib`` command line.

``spikelib cell``
    Run one experimental cell through the ``notebooks/experiment.py`` notebook
    with papermill; the executed notebook lands next to ``metrics.json``. Its
    options are derived from the cell's declaration
    (:class:`spikelib.experiment.config.CellConfig`).
``spikelib run``
    Run or resume every cell of a profile (``profiles/<name>.yaml``), locally
    or on a Dask cluster, and write the run's manifest.
"""

import argparse
import contextlib
import sys
import time
from pathlib import Path

from .. import paths
from ..exceptions import ParameterError, SpikelibError
from ..experiment.config import parameter_specs

__all__ = ["main", "build_parser", "cell_config"]


def _boolean(text):
    value = text.strip().lower()
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no; got {text!r}")


def _until(text):
    """A word, or an accuracy: '0.95' becomes 0.95."""
    try:
        return float(text)
    except ValueError:
        return text


def _optional_float(text):
    return None if text.strip().lower() in ("none", "") else float(text)


_CONVERTERS = {"int": int, "float": float, "str": str, "path": str, "bool": _boolean, "until": _until}


def _with_default(help_text, shown):
    """A help line with its default said once: the declaration's own words where its help gives one."""
    return help_text if "default" in help_text else f"{help_text} (default: {shown})"


CELL_EXAMPLES = """\
examples:
  spikelib cell --dataset digits --width 64 --epochs 20            # seconds, no data to fetch
  spikelib cell --dataset fashion_mnist --condition mem_retrain_last --out results/cells/my-cell
  spikelib cell --dataset data/my-set.npz --model cnn               # your own x_train, y_train, x_test, y_test

Fashion-MNIST is read from --data-dir, $SPIKELIB_DATA_DIR, data/ or Debian's dataset-fashion-mnist, else Keras
downloads it; the README's "Running experiments" says where every data set comes from."""

RUN_EXAMPLES = """\
examples:
  spikelib run --profile quick --workers 2          # the embedded digits grid, about 2 minutes
  spikelib run --profile fashion --list             # which cells are done, and why the others are not
  spikelib run --profile zoo --scheduler tcp://scheduler-host:8786

A run writes results/<profile>/manifest.json: every cell's parameters, status, wall time, host and the SHA-256 of
each file it wrote; the book reads only cells the manifest lists as finished. Rerunning resumes: finished cells
are skipped, an interrupted one restarts from its last checkpoint."""


def _cell_parser(sub):
    cell = sub.add_parser(
        "cell", help="run one experimental cell with papermill", epilog=CELL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one experimental cell (data set x model x width x condition x seed). Every option "
                    "is a parameter of the cell; its default is the declared one.")
    for spec in parameter_specs():
        default = spec.default
        shown = "decided by the cell" if default is None else repr(default)
        converter = _optional_float if spec.kind == "float" and spec.optional else _CONVERTERS[spec.kind]
        listed = spec.choices if spec.kind != "until" else None  # words or a number: checked by CellConfig
        metavar = None if listed else ("WORD|ACCURACY" if spec.kind == "until" else spec.kind.upper())
        cell.add_argument(spec.cli, dest=spec.name, default=default, type=converter, choices=listed,
                          metavar=metavar, help=_with_default(spec.help, shown))
    cell.add_argument("--overwrite", action="store_true",
                      help="replace a finished cell of other parameters in --out (only once this one has finished)")
    cell.set_defaults(handler=run_cell_command)


def cell_config(args):
    """The cell the parsed options describe, validated (before papermill starts), with its output folder.

    Raises
    ------
    ParameterError
        If a value is invalid, a data set, base model or data folder given by path is not there, the
        output folder holds a finished cell of other parameters (unless ``--overwrite``), or the data
        cannot take a parameter (:func:`spikelib.experiment.plan.check_against_data`); the message names
        the parameter.
    DataError
        If the data set cannot be loaded.
    """
    from ..experiment.cellfolder import check_output_dir
    from .profiles import build_cell

    config = build_cell({spec.name: getattr(args, spec.name) for spec in parameter_specs()})
    for name in ("dataset", "base_model"):
        value = getattr(config, name)
        if value is not None and (name == "base_model" or str(value).endswith(".npz")) and not Path(value).is_file():
            raise ParameterError(f"`{name}`: no file at {value}; check the path.", name)
    if config.data_dir is not None and not Path(config.data_dir).is_dir():
        raise ParameterError(f"`data_dir`: no folder at {config.data_dir}; give the folder that holds the data "
                             "files, or leave the option out.", "data_dir")
    check_output_dir(paths.ROOT / config.output_dir)
    if not getattr(args, "overwrite", False):
        _refuse_another_cell(config)
    _check_against_data(config)
    return config


def _check_against_data(config):
    """The checks the data's size allows (window, split, batch, memory), made here before papermill starts."""
    from ..experiment.data import load_dataset, training_subset
    from ..experiment.plan import check_against_data

    check_against_data(config, training_subset(load_dataset(config.dataset, data_dir=config.data_dir),
                                               config.train_samples))


def _refuse_another_cell(config):
    """A finished cell of other parameters in the output folder is refused before anything is written."""
    from ..experiment.cellfiles import METRICS, cell_status, read_json
    from ..experiment.config import cell_id

    folder = paths.ROOT / config.output_dir
    if not (folder / METRICS).is_file() or cell_status(folder, config.identity()):
        return
    try:
        held = read_json(folder / METRICS)
    except SpikelibError:
        return  # not a finished cell: nothing to keep
    recorded = held.get("parameters", {}) if isinstance(held.get("parameters"), dict) else {}
    wanted = config.identity()
    differ = [f"{name}: {recorded.get(name)!r} there, {value!r} here" for name, value in wanted.items()
              if recorded.get(name) != value]
    raise ParameterError(
        f"`output_dir` {config.output_dir} holds the finished cell {held.get('cell_id', '?')} of other parameters "
        f"({'; '.join(differ[:4]) or 'another version'}); a run here would replace it. Give another --out, or "
        f"--overwrite to replace it once this cell ({cell_id(config)}) has finished.", "output_dir")


def _interruptible(function, *args):
    """Call ``function`` in a thread of its own, so that a Ctrl-C raises KeyboardInterrupt in this, the main,
    thread (exit 130, "rerun to resume") instead of reaching the notebook client's own handler, which would
    report a failed cell; on Ctrl-C, kill this process's children (the notebook's kernel, in a session of its
    own) and raise once the call has ended."""
    import threading

    import psutil

    outcome = {}

    def call():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 -- handed to the main thread, raised there
            outcome["error"] = error

    worker = threading.Thread(target=call, name="notebook", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        worker.join(60)  # the client sees its kernel dead, and the cell's progress.json is cleared
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run_cell_command(args):
    from ..experiment.cellfiles import METRICS, NOTEBOOK
    from .notebook import clear_progress, execute_cell, failed_copy

    config = cell_config(args)
    output_dir = paths.ROOT / config.output_dir
    started = time.perf_counter()
    try:  # what the notebook prints is the cell's progress; its tables and figures stay in the notebook
        notebook = _interruptible(lambda: execute_cell(config, log_output=False, stream=sys.stderr))
    except KeyboardInterrupt:
        clear_progress(output_dir)  # its kernel was killed while it trained
        raise
    except SpikelibError:
        raise
    except Exception as error:  # papermill's PapermillExecutionError carries the cell's traceback
        name = getattr(error, "ename", type(error).__name__)
        value = getattr(error, "evalue", str(error))
        failed = failed_copy(output_dir / NOTEBOOK)
        print(f"spikelib cell: FAILED ({name}: {str(value).strip().splitlines()[-1] if str(value).strip() else ''}); "
              f"the executed notebook with the error: {failed} (a finished cell there is untouched)", file=sys.stderr)
        return 1
    print(f"spikelib cell: done in {time.perf_counter() - started:.0f} s; {output_dir / METRICS} and {notebook}")
    return 0


def _run_parser(sub):
    from .. import paths
    from .runner import RunOptions

    known = ", ".join(sorted(p.stem for p in paths.PROFILES.glob("*.yaml")))
    run = sub.add_parser("run", help="run or resume a profile's grid of cells", epilog=RUN_EXAMPLES,
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Run every cell of a profile; finished cells are skipped. A profile is a "
                                     "YAML file (the book's page 'Profiles' documents the format).")
    run.add_argument("--profile", required=True, help=f"one of {known}, or a path to a .yaml profile")
    for spec in parameter_specs(RunOptions):
        run.add_argument(spec.cli, dest=spec.name, default=spec.default, type=_CONVERTERS[spec.kind],
                         metavar=spec.kind.upper(),
                         help=spec.help if spec.default is None and "default" in spec.help else
                         _with_default(spec.help, "none" if spec.default is None else spec.default))
    run.add_argument("--list", action="store_true", help="list the cells, whether they are done and why not; run nothing")
    run.set_defaults(handler=run_profile_command)


def run_profile_command(args):
    from .profiles import load_profile
    from .runner import RunOptions, pending_cells, run_profile

    RunOptions(workers=args.workers, scheduler=args.scheduler, results=args.results)  # checked before anything loads
    profile = load_profile(args.profile, results_root=args.results)
    if args.list:
        pending = {cell.id: reason for cell, reason in pending_cells(profile)}
        for cell in profile.cells:
            print(f"{'todo' if cell.id in pending else 'done':>5}  {cell.id}"
                  + (f"  ({pending[cell.id]})" if cell.id in pending else ""))
        return 0
    todo = len(pending_cells(profile))
    where = (f"on the Dask scheduler at {args.scheduler}" if args.scheduler else
             f"{args.workers} at a time on this machine (--workers)")
    print(f"profile {profile.name}: {len(profile.cells)} cells, {len(profile.cells) - todo} done before, {todo} to run "
          f"{where}" + (f"; the profile's own estimate: {profile.expected_cost}" if profile.expected_cost else ""),
          flush=True)
    summary = run_profile(profile, workers=args.workers, scheduler=args.scheduler, results_root=args.results)
    ran = len(summary.results)
    print(f"\n{ran} cell(s) run, {len(summary.skipped_done)} already done, "
          f"{len(summary.failed)} not finished, in {summary.wall_time_s:.0f} s; manifest: {summary.manifest}")
    for identifier, outcome in summary.failed.items():
        print(f"  {outcome['status'].upper()} {identifier}: {outcome['error']}", file=sys.stderr)
        if outcome["status"] == "failed":
            print(f"    notebook: {outcome['notebook']}\n    log:      {outcome['log']}", file=sys.stderr)
    return 0 if summary.ok else 1


VERIFY_EXAMPLES = """\
examples:
  spikelib verify                         # 3 cells drawn from every committed profile (seed 0), about 5 minutes
  spikelib verify --cells 5 --seed 7      # another sample
  spikelib verify --profile zoo --profile clean

Each drawn cell is rerun from its recorded parameters and seed in a temporary folder and every stored value of its
metrics.json and nodes.npz is compared with the committed one. Nothing under results/ is written; the record goes
to verification/latest.json (and verification/history/), which the book's reproduce and cite pages show."""


def _verify_parser(sub):
    from .verify import MAX_SECONDS

    verify = sub.add_parser("verify", help="rerun a seeded sample of the committed cells and compare every value",
                            formatter_class=argparse.RawDescriptionHelpFormatter, epilog=VERIFY_EXAMPLES,
                            description="Check the committed results by rerunning a few of them.")
    verify.add_argument("--cells", type=int, default=3, help="cells to draw (default 3)")
    verify.add_argument("--seed", type=int, default=0, help="the draw's seed (default 0)")
    verify.add_argument("--profile", action="append", help="draw from this profile only (repeatable; default: all)")
    verify.add_argument("--results", help="the results root (default: results/, or $SPIKELIB_RESULTS_DIR)")
    verify.add_argument("--max-seconds", type=float, default=MAX_SECONDS,
                        help=f"draw only cells that took at most this long to train (default {MAX_SECONDS:g})")
    verify.add_argument("--no-record", action="store_true", help="do not write verification/latest.json")
    verify.set_defaults(handler=verify_command, option_of={"cells": "--cells", "seed": "--seed",
                                                           "results": "--results"}.get,
                        on_interrupt="nothing was written; the reruns' temporary folder is removed")


def verify_command(args):
    """``spikelib verify``: the drawn cells, a table per cell, the record. Exit 0 when every cell reproduced."""
    from ..experiment.training import eta_words
    from .verify import RECORD, TOLERANCE, verify

    if args.cells < 1:
        raise ParameterError(f"`cells`={args.cells}; give 1 or more.", "cells")
    tqdm = __import__("spikelib._optional", fromlist=["soft_import"]).soft_import("tqdm.auto", "verify").tqdm
    state = {}

    def progress(done, drawn):
        if "bar" not in state:
            total = sum(c["wall_time_s"] for c in drawn)
            print(f"spikelib verify: {len(drawn)} cells drawn (seed {args.seed}): "
                  + ", ".join(f"{c['profile']}/{c['cell_id']}" for c in drawn)
                  + f"; their committed runs took {eta_words(total).replace('about ', 'about ')} in all",
                  file=sys.stderr)
            state["bar"] = tqdm(total=len(drawn), unit="cell", desc="verify", file=sys.stderr)
            state["drawn"] = drawn
        bar = state["bar"]
        if done:
            bar.update(done - bar.n)
        left = sum(c["wall_time_s"] for c in drawn[done:])
        bar.set_postfix_str(f"estimate {eta_words(left)} left (the committed runs' times)" if left else "")
        if done == len(drawn):
            bar.close()

    record = verify(args.cells, args.seed, set(args.profile) if args.profile else None, args.results,
                    args.max_seconds, record=None if args.no_record else RECORD, progress=progress)
    for cell in record["cells"]:
        reproduced = cell["largest"] <= TOLERANCE
        print(f"\n{cell['profile']}/{cell['cell_id']}: {'reproduced' if reproduced else 'NOT REPRODUCED'}"
              f" ({cell['seconds']:.0f} s)")
        print(f"  fields compared {cell['fields']:,}, identical {cell['identical']:,}, largest absolute difference "
              f"{cell['largest']:.3g}" + (f" in {cell['where']}" if cell["where"] else "")
              + (f"; {cell['added']} {'value' if cell['added'] == 1 else 'values'} the committed analysis did "
                 "not compute yet" if cell["added"] else ""))
        if not reproduced:
            for item in cell["differing"]:
                print(f"    {item['field']}: committed {item['committed']!r}, rerun {item['rerun']!r}")
    print(f"\n{record['result']}; tolerance {TOLERANCE:g} (bit for bit on this kind of machine with these versions)"
          + ("" if args.no_record else "; record: verification/latest.json"))
    return 0 if record["reproduced"] == len(record["cells"]) else FAILED


def build_parser(*commands):
    """The ``spikelib`` parser: ``cell``, ``run``, and the ``commands`` of layers above (each adds its subparser)."""
    parser = argparse.ArgumentParser(
        prog="spikelib", description="Spike-train statistics of ReLU layers: the replication's commands.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  spikelib run --profile quick --workers 2     # the embedded grid on scikit-learn's digits\n"
               "  spikelib show fashion                        # a profile's headline results\n"
               "  spikelib diagnose model.keras --data train.npz   # is my network memorizing?\n\n"
               "spikelib COMMAND --help shows each command's options and examples.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_cell_parser, _run_parser, _verify_parser, *commands):
        add(sub)
    return parser


#: Exit statuses: bad input (as argparse's own), a run that failed, interrupted (128 + SIGINT).
USAGE, FAILED, INTERRUPTED = 2, 1, 130


def _option(parameter):
    """The command-line option of a declared parameter (``output_dir`` -> ``--out``), or ``None``."""
    from .runner import RunOptions

    for spec in [*parameter_specs(), *parameter_specs(RunOptions)]:
        if spec.name == parameter:
            return spec.cli
    return None


def main(argv=None, parser=None):
    """Entry point of the ``spikelib`` command; returns the exit status.

    An error is one line that names the option it concerns; ``--debug`` shows its traceback. Exit
    status 2 for bad input, 1 for a run that failed, 130 when interrupted (the run resumes when the
    same command is given again). ``parser`` (default :func:`build_parser`) lets a layer above add commands.
    """
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        said = getattr(args, "on_interrupt", "rerun the same command to resume")
        print(f"\nspikelib {args.command}: interrupted; {said}.", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # the reader of our output went away (| head): nothing more to say
        sys.stderr.close()
        return 0
    except SpikelibError as error:
        if args.debug:
            raise
        option = getattr(args, "option_of", _option)(getattr(error, "parameter", None))
        where = f" [{option}]" if option else ""
        print(f"spikelib {args.command}{where}: {' '.join(str(error).split())}", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
