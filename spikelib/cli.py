"""The ``spikelib`` command line.

``spikelib cell``
    Run one experimental cell through the ``notebooks/experiment.py`` notebook
    with papermill; the executed notebook lands next to ``metrics.json``.
"""

import argparse
import sys
import time
from pathlib import Path

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


def cell_parameters(args):
    """Notebook parameters from parsed arguments, validated (fails before papermill starts)."""
    from .experiment import CellConfig

    parameters = {
        "dataset": str(Path(args.dataset).resolve()) if args.dataset.endswith(".npz") else args.dataset,
        "model": args.model, "width": args.width, "condition": args.condition, "seed": args.seed,
        "epochs": args.epochs, "memorize_epochs": args.memorize_epochs, "window": args.window,
        "protocol": args.protocol, "densenet_weights": args.densenet_weights,
        "base_model": str(Path(args.base_model).resolve()) if args.base_model else None,
        "output_dir": str(Path(args.out).resolve()),
        "data_dir": str(Path(args.data_dir).resolve()) if args.data_dir else None,
    }
    CellConfig.from_dict(parameters)
    return parameters


def execute_cell(parameters, log_output=True):
    """Execute the experiment notebook for one cell; return the executed notebook's path."""
    from .notebook import execute_notebook

    output_dir = Path(parameters["output_dir"])
    title = (f"Cell: {parameters['dataset'] if not str(parameters['dataset']).endswith('.npz') else Path(parameters['dataset']).stem}"
             f", {parameters['model']}-{parameters['width']}, {parameters['condition']}, seed {parameters['seed']}")
    return execute_notebook(paths.NOTEBOOKS / EXPERIMENT_NOTEBOOK, output_dir / EXECUTED_NOTEBOOK,
                            parameters=parameters, title=title, log_output=log_output)


def run_cell_command(args):
    parameters = cell_parameters(args)
    started = time.perf_counter()
    try:
        notebook = execute_cell(parameters)
    except Exception as error:  # papermill's PapermillExecutionError carries the cell's traceback
        name = getattr(error, "ename", type(error).__name__)
        value = getattr(error, "evalue", str(error))
        print(f"spikelib cell: FAILED ({name}: {value})", file=sys.stderr)
        print(f"  executed notebook with the error: {Path(parameters['output_dir']) / EXECUTED_NOTEBOOK}",
              file=sys.stderr)
        return 1
    print(f"spikelib cell: done in {time.perf_counter() - started:.0f} s; "
          f"{Path(parameters['output_dir']) / 'metrics.json'} and {notebook}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="spikelib", description="Spike-train statistics of ReLU layers: the replication's commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    _cell_parser(sub)
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
