"""The ``spikelib`` command line.

``spikelib cell``
    Run one experimental cell through the ``notebooks/experiment.py`` notebook
    with papermill; the executed notebook lands next to ``metrics.json``.
``spikelib run``
    Run or resume every cell of a profile (``profiles/<name>.yaml``), locally
    or on a Dask cluster, and write the run's manifest.
"""

import argparse
import logging
import sys
import time

from . import paths
from .exceptions import SpikelibError

EXPERIMENT_NOTEBOOK = "experiment.py"
EXECUTED_NOTEBOOK = "experiment.ipynb"


def _cell_parser(sub):
    from .experiment import CONDITIONS, PROTOCOLS
    from .models import MODELS

    cell = sub.add_parser("cell", help="run one experimental cell with papermill",
                          description="Run one experimental cell (data set x model x width x condition x seed).")
    cell.add_argument("--dataset", required=True,
                      help="digits, mnist, fashion_mnist, cifar10, or a path to an .npz file")
    cell.add_argument("--model", required=True, choices=MODELS)
    cell.add_argument("--width", required=True, type=int)
    cell.add_argument("--condition", default="generalizing", choices=CONDITIONS)
    cell.add_argument("--seed", type=int, default=0)
    cell.add_argument("--epochs", type=int, default=10, help="epochs on the true labels")
    cell.add_argument("--memorize-epochs", type=int, default=50, help="epochs on shuffled labels")
    cell.add_argument("--window", type=int, default=100, help="Fano-factor window in samples")
    cell.add_argument("--protocol", default="cell", choices=PROTOCOLS,
                      help="'curve': true then shuffled labels, recording the firing rate per batch")
    cell.add_argument("--densenet-weights", default="imagenet", choices=("imagenet", "random"))
    cell.add_argument("--base-model", default=None, help="generalizing model.keras to retrain from")
    cell.add_argument("--data-dir", default=None, help="directory searched first for data files")
    cell.add_argument("--out", required=True, help="output directory of the cell")
    cell.set_defaults(handler=run_cell_command)


# The notebook kernel runs in the repository root, so paths inside the repository are
# passed relative to it (executed notebooks then carry no machine paths).
notebook_path = paths.repository_relative


def cell_parameters(args):
    """Notebook parameters from parsed arguments, validated (fails before papermill starts)."""
    from .experiment import CellConfig

    parameters = {
        "dataset": notebook_path(args.dataset) if args.dataset.endswith(".npz") else args.dataset,
        "model": args.model, "width": args.width, "condition": args.condition, "seed": args.seed,
        "epochs": args.epochs, "memorize_epochs": args.memorize_epochs, "window": args.window,
        "protocol": args.protocol, "densenet_weights": args.densenet_weights,
        "base_model": notebook_path(args.base_model), "output_dir": notebook_path(args.out),
        "data_dir": notebook_path(args.data_dir),
    }
    CellConfig.from_dict(parameters)
    return parameters


def execute_cell(parameters, log_output=True):
    """Execute the experiment notebook for one cell; return the executed notebook's path."""
    from .notebook import execute_notebook

    from .experiment import CellConfig

    config = CellConfig.from_dict(parameters)
    output_dir = paths.ROOT / parameters["output_dir"]  # absolute paths stay absolute
    title = f"Cell: {config.dataset_name}, {config.model}-{config.width}, {config.condition}, seed {config.seed}"
    return execute_notebook(paths.NOTEBOOKS / EXPERIMENT_NOTEBOOK, output_dir / EXECUTED_NOTEBOOK,
                            parameters=parameters, title=title, log_output=log_output, cwd=paths.ROOT)


def _stream_papermill_log():
    # papermill streams the kernel's output through its logger; show it as progress.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def run_cell_command(args):
    parameters = cell_parameters(args)
    _stream_papermill_log()
    started = time.perf_counter()
    try:
        notebook = execute_cell(parameters)
    except Exception as error:  # papermill's PapermillExecutionError carries the cell's traceback
        name = getattr(error, "ename", type(error).__name__)
        value = getattr(error, "evalue", str(error))
        print(f"spikelib cell: FAILED ({name}: {value})", file=sys.stderr)
        print(f"  executed notebook with the error: {paths.ROOT / parameters['output_dir'] / EXECUTED_NOTEBOOK}",
              file=sys.stderr)
        return 1
    print(f"spikelib cell: done in {time.perf_counter() - started:.0f} s; "
          f"{paths.ROOT / parameters['output_dir'] / 'metrics.json'} and {notebook}")
    return 0


def _run_parser(sub):
    run = sub.add_parser("run", help="run or resume a profile's grid of cells",
                         description="Run every cell of a profile; finished cells are skipped.")
    run.add_argument("--profile", required=True, help="quick, fashion, paper, or a path to a .yaml profile")
    run.add_argument("--workers", type=int, default=1, help="cells at once on this machine (default 1)")
    run.add_argument("--scheduler", default=None,
                     help="address of an existing Dask scheduler (workers need this package and a shared file system)")
    run.add_argument("--results", default=None, help="results folder (default results/<profile>)")
    run.add_argument("--list", action="store_true", help="list the cells and whether they are done; run nothing")
    run.set_defaults(handler=run_profile_command)


def run_profile_command(args):
    from .profiles import load_profile
    from .runner import pending_cells, run_profile

    if args.workers < 1:
        print(f"spikelib run: `--workers` must be at least 1; got {args.workers}.", file=sys.stderr)
        return 2
    profile = load_profile(args.profile, results_root=args.results)
    if args.list:
        pending = {cell.id for cell in pending_cells(profile)}
        for cell in profile.cells:
            print(f"{'todo' if cell.id in pending else 'done':>5}  {cell.id}")
        return 0
    print(f"profile {profile.name}: {len(profile.cells)} cells ({profile.expected_cost})", flush=True)
    summary = run_profile(profile, workers=args.workers, scheduler=args.scheduler, results_root=args.results)
    ran = len(summary.results)
    print(f"\n{ran} cell(s) run, {len(summary.skipped_done)} already done, "
          f"{len(summary.failed)} not finished, in {summary.wall_time_s:.0f} s; manifest: {summary.manifest}")
    for identifier, outcome in summary.failed.items():
        print(f"  {outcome['status'].upper()} {identifier}: {outcome['error']}", file=sys.stderr)
        if outcome["status"] == "failed":
            print(f"    notebook: {outcome['notebook']}\n    log:      {outcome['log']}", file=sys.stderr)
    return 0 if summary.ok else 1


def build_parser():
    parser = argparse.ArgumentParser(prog="spikelib", description="Spike-train statistics of ReLU layers: the replication's commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    _cell_parser(sub)
    _run_parser(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except SpikelibError as error:
        print(f"spikelib {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
