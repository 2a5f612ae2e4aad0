"""``spikelib show``: a cell's or a profile's headline results in the terminal, without building the book.

``spikelib show PROFILE`` prints one row per network of the paper's grid in a profile's results (data set,
model, width, condition; the mean over seeds where there are several): how far it memorized (its training
accuracy on the labels it was trained with, evaluated on the samples it fitted), its test accuracy, and the
paper's indicators on its training recording (MFR, MF), with the paper's value beside ours wherever the paper
reports that network (Tables 1, 2 and 5). ``spikelib show CELL`` (a cell's folder, or a cell id of the
committed results) prints the same for one cell, every split. ``--json`` prints the rows as JSON.

Functions
---------
profile_rows, cell_rows
    The rows printed, from the results files.
show_command
    The command.
"""

import json
import sys
from pathlib import Path

import numpy as np

from .. import paths
from ..exceptions import ParameterError

__all__ = ["profile_rows", "cell_rows", "show_command", "add_show_parser", "COLUMNS"]

#: The columns printed, with their headings and how each is written.
COLUMNS = {"network": ("network", "{}"), "seeds": ("seeds", "{:d}"), "split": ("split", "{}"),
           "fit": ("fit", "{:.1%}"), "fit_paper": ("paper", "{:.1%}"), "test_accuracy": ("test", "{:.1%}"),
           "mfr": ("MFR", "{:.3f}"), "mfr_paper": ("paper", "{:.2f}"), "mf": ("MF", "{:.3f}"),
           "mf_paper": ("paper", "{:.2f}")}


def _paper_lookup():
    from .tables import paper_tables

    tables = paper_tables()
    keys = ["model", "width", "dataset", "split", "condition"]
    lookup = {}
    for name, column in (("table1", "accuracy"), ("table2", "mfr"), ("table5", "mean_ff")):
        for row in tables[name].to_dict("records"):
            lookup[(name, *(row[k] for k in keys))] = row[column]
    return lookup


def _paper_value(lookup, table, model, width, dataset, split, condition):
    value = lookup.get((table, model, width, dataset, split, condition))
    return float(value) if value is not None and np.isfinite(value) else None


def profile_rows(root):
    """One row per network of the paper's grid (mean over seeds) in a profile's results folder.

    Raises
    ------
    DataError
        If the folder holds no finished cell.
    """
    from .results import DESIGNS, collect

    cells = collect(root, designs=DESIGNS)
    train = cells[cells["split"] == "train"].copy()
    train["condition"] = train["condition"].astype(str)
    lookup = _paper_lookup()
    rows = []
    keys = ["dataset", "model", "width", "condition", "design", "label_noise"]
    for (dataset, model, width, condition, design, noise), group in train.groupby(keys, sort=True, observed=True):
        paper_fit = _paper_value(lookup, "table1", model, width, dataset, "train", condition)
        if design != "paper":  # the paper's values are for its own conditions only
            paper_fit = None
        extra = "" if design == "paper" else f", {design} {noise:g}" if design == "label noise" else f", {design}"
        rows.append({"network": f"{dataset} {model}-{width} {condition}{extra}",
                     "seeds": int(group["seed"].nunique()),
                     "fit": float(group["train_accuracy_evaluated"].mean()),
                     "fit_paper": None if paper_fit is None else paper_fit / 100,
                     "test_accuracy": float(group["test_accuracy"].mean()), "mfr": float(group["mfr"].mean()),
                     "mfr_paper": _paper_value(lookup, "table2", model, width, dataset, "train", condition)
                     if design == "paper" else None,
                     "mf": float(group["mf"].mean()),
                     "mf_paper": _paper_value(lookup, "table5", model, width, dataset, "train", condition)
                     if design == "paper" else None})
    return rows


def cell_rows(folder):
    """One row per split of one finished cell.

    Raises
    ------
    DataError
        If the folder holds no finished cell.
    """
    from ..experiment.cellfiles import read_metrics
    from .labels import DATASET_NAMES, MODEL_NAMES

    metrics = read_metrics(folder)
    parameters = metrics["parameters"]
    dataset = DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"])
    model, width, condition = MODEL_NAMES[parameters["model"]], parameters["width"], parameters["condition"]
    lookup = _paper_lookup()
    rows = []
    for split, stats in metrics["splits"].items():
        paper_fit = _paper_value(lookup, "table1", model, width, dataset, "train", condition)
        rows.append({"network": metrics["cell_id"], "split": split,
                     "fit": metrics.get("train_accuracy_evaluated", np.nan),
                     "fit_paper": None if paper_fit is None else paper_fit / 100,
                     "test_accuracy": metrics["test_accuracy"], "mfr": stats["mfr"],
                     "mfr_paper": _paper_value(lookup, "table2", model, width, dataset, split, condition),
                     "mf": stats["mf"], "mf_paper": _paper_value(lookup, "table5", model, width, dataset, split,
                                                                 condition)})
    return rows


def _table(rows):
    columns = [c for c in COLUMNS if any(c in row for row in rows)]

    def cell(row, column):
        value = row.get(column)
        if value is None or (isinstance(value, float) and not np.isfinite(value)):
            return "–"
        return COLUMNS[column][1].format(value).replace("%", " %")

    body = [[cell(row, c) for c in columns] for row in rows]
    widths = [max(len(COLUMNS[c][0]), *(len(line[i]) for line in body)) for i, c in enumerate(columns)]
    lines = ["  ".join(COLUMNS[c][0].ljust(w) if i == 0 else COLUMNS[c][0].rjust(w)
                       for i, (c, w) in enumerate(zip(columns, widths)))]
    for line in body:
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(line, widths))))
    return "\n".join(lines)


def _where(target, results):
    """``("cell", folder)`` or ``("profile", folder)`` for what the user named."""
    path = Path(target)
    if (path / "metrics.json").is_file():
        return "cell", path
    root = Path(results) if results else paths.results_dir()
    if paths.has_cells(path):
        return "profile", path
    if paths.has_cells(root / target):
        return "profile", root / target
    # the folder `spikelib cell` writes to by default first, then the profiles' cells
    found = [folder for folder in [root / paths.CELLS / target, *sorted(root.glob(f"*/{paths.CELLS}/{target}"))]
             if (folder / "metrics.json").is_file()]
    if len(found) > 1:
        others = ", ".join(paths.repository_relative(folder) for folder in found[1:])
        print(f"spikelib show: {target} was also run in {others}; showing {paths.repository_relative(found[0])} "
              "(name a cell's folder to choose)", file=sys.stderr)
    if found:
        return "cell", found[0]
    known = sorted(p.name for p in root.iterdir() if paths.has_cells(p)) if root.is_dir() else []
    raise ParameterError(f"`target` {target!r} is neither a profile with results in "
                         f"{paths.repository_relative(root)} ({', '.join(known) or 'none yet'}), a cell id of them, "
                         "nor a cell's folder.", "target")


def show_command(args):
    """``spikelib show``: print the headline table (or JSON). Returns 0."""
    kind, folder = _where(args.target, args.results)
    rows = cell_rows(folder) if kind == "cell" else profile_rows(folder)
    if args.json:
        print(json.dumps({"kind": kind, "folder": paths.repository_relative(folder), "rows": rows}, indent=2))
        return 0
    what = "cell" if kind == "cell" else "profile"
    print(f"{what} {paths.repository_relative(folder)}: fit is the training accuracy on the labels it was trained "
          "with, evaluated on the samples it fitted; MFR and MF on the training recording"
          + ("" if kind == "cell" else "; means over seeds") + "; paper: the paper's Tables 1, 2 and 5 where it "
          "reports the network (– where it does not)")
    print(_table(rows))
    return 0


def add_show_parser(sub):
    """Add ``spikelib show`` to a subparsers object."""
    import argparse

    show = sub.add_parser(
        "show", help="print a cell's or a profile's headline results",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print how far each network memorized, its test accuracy and the paper's indicators, beside "
                    "the paper's values where the paper reports the network.",
        epilog="examples:\n  spikelib show fashion                    # a profile's committed results\n"
               "  spikelib show results/cells/<cell id>    # one cell you ran\n"
               "  spikelib show quick --json               # as JSON, for scripts")
    show.add_argument("target", help="a profile name, a cell id of the results, or a cell's folder")
    show.add_argument("--results", help="the results root (default: results/, or $SPIKELIB_RESULTS_DIR)")
    show.add_argument("--json", action="store_true", help="print the rows as JSON")
    show.set_defaults(handler=show_command, option_of={"target": "TARGET", "results": "--results"}.get,
                      on_interrupt="nothing was written")
