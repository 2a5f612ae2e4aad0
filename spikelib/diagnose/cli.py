"""The ``spikelib`` command with ``diagnose``: the pipeline's commands (``cell``, ``run``) and a researcher's
own network measured on their own samples.

``spikelib diagnose MODEL --data DATA``
    Reads a Keras or ONNX file, records its last ReLU layer (or ``--layer``) on the samples of ``DATA``
    (an ``.npz`` file with ``x`` and optionally ``y``, or ``x_train``/``y_train``; or a data set of the
    compendium by name, its training split), trains data-matched controls on those samples
    (:mod:`spikelib.diagnose.controls`), and prints the diagnosis against them and against the committed
    reference networks; ``--reference`` alone skips the controls; ``--json`` and ``--html`` write it.

Every output path is checked before any work starts: never an input, never a folder, never a path that cannot
be written; outputs are written atomically.
"""

import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from ..exceptions import DataError, ParameterError
from ..pipeline import cli as pipeline_cli
from .render import printable

__all__ = ["main", "build_parser", "load_samples", "check_outputs"]

#: Keys an ``.npz`` of samples may use, in the order they are tried.
SAMPLE_KEYS, LABEL_KEYS = ("x", "x_train"), ("y", "y_train")
#: Each diagnose argument's option, for one-line errors (:func:`spikelib.pipeline.cli.main`).
OPTIONS = {"model": "MODEL", "data": "--data", "samples": "--samples", "layer": "--layer", "window": "--window",
           "seed": "--seed", "json": "--json", "html": "--html", "reference": "--reference", "controls": "--controls",
           "budget": "--budget", "control_samples": "--control-samples", "batch_size": "--batch-size",
           "cache": "--cache"}

MAKING_DATA = """\
the data file: an .npz holding x, the samples as your network takes them (its input shape, scaled as in its
training), and y, their class indices (0, 1, ...), if you have them:
    np.savez("train.npz", x=x_train, y=y_train)"""

EXAMPLES = """\
examples:
  spikelib diagnose model.keras --data train.npz              # calibrated on your samples, and the reference
  spikelib diagnose model.onnx --data train.npz --no-labels --json diagnosis.json
  spikelib diagnose model.keras --data train.npz --reference  # the committed reference only: no training

""" + MAKING_DATA


def _read_npz(path):
    """``(x, y)`` of an ``.npz`` of samples, every failure a :class:`DataError` in the compendium's words."""
    name = printable(path.name)
    if path.stat().st_size == 0:
        raise DataError(f"`data` {name} is an empty file; make it with np.savez (see spikelib diagnose --help).")
    if not zipfile.is_zipfile(path):
        raise DataError(f"`data` {name} is not an .npz archive (np.savez writes a zip file): it is damaged, "
                        "truncated or another kind of file.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.files)
            x_key = next((k for k in SAMPLE_KEYS if k in keys), None)
            if x_key is None:
                raise DataError(f"`data` {name} holds {[printable(k) for k in keys]}; it needs the samples as `x` (or "
                                "`x_train`), and their labels as `y` (or `y_train`) if you have them.")
            y_key = LABEL_KEYS[SAMPLE_KEYS.index(x_key)]
            x = archive[x_key]
            y = archive[y_key] if y_key in keys else None
    except DataError:
        raise
    except ValueError as error:
        if "pickle" in str(error):
            raise DataError(f"`data` {name} holds Python objects, which the compendium does not load (loading them "
                            "could run code); save the samples and labels as numeric arrays.") from None
        raise DataError(f"`data` {name} is not a readable .npz archive: an array in it is damaged or truncated.") \
            from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError):
        raise DataError(f"`data` {name} is not a readable .npz archive: it is damaged or truncated.") from None
    return x, y


def load_samples(data, samples=None, data_dir=None):
    """The samples (and labels, if any) a diagnosis measures.

    Parameters
    ----------
    data : str or os.PathLike
        An ``.npz`` file holding ``x`` (and ``y``) or ``x_train`` (and ``y_train``); or the name of a data set
        the compendium loads (:func:`spikelib.experiment.data.load_dataset`), whose training split is used.
    samples : int, optional
        Use the first ``samples`` (for a named data set, the compendium's seeded subset of that size).
    data_dir : str, optional
        Where a named data set's files are (as ``spikelib cell --data-dir``).

    Returns
    -------
    x : numpy.ndarray
    y : numpy.ndarray or None

    Raises
    ------
    DataError
        A file that is missing, not an ``.npz`` of samples, holds labels of another length, or (one of the
        compendium's own files under ``data/``) does not match its checksum.
    ParameterError
        ``samples`` below 2 or above what the data hold.
    """
    from .. import paths

    if samples is not None and samples < 2:
        raise ParameterError(f"`samples`={samples} is too few; give 2 or more (the paper observes thousands).",
                             "samples")
    text = str(data)
    if text.endswith(".npz"):
        path = Path(text)
        if not path.is_file():
            raise DataError(f"`data`: no file at {printable(path)}; give an .npz of samples or a data set name.")
        from ..experiment.data import known_checksums
        from ..storage import sha256

        # only the compendium's own files are checked against its list: a researcher's train.npz is not one of ours
        ours = paths.DATA.resolve() in path.resolve().parents
        expected = known_checksums().get(path.name) if ours else None
        if expected and sha256(path) != expected:
            raise DataError(f"`data` {path.name} does not match its SHA-256 in data/checksums.sha256; restore it "
                            "from the repository.")
        x, y = _read_npz(path)
        if x.ndim < 2:
            raise DataError(f"`data` {printable(path.name)}: `x` has shape {x.shape}; it needs the samples along its "
                            "first axis, each with the network's input shape.")
        if y is not None and (y.ndim != 1 or len(y) != len(x)):
            raise DataError(f"`data` {printable(path.name)}: `y` has shape {y.shape} for {len(x)} samples; it needs "
                            "one class index per sample.")
        if samples is not None:
            if samples > len(x):
                raise ParameterError(f"`samples`={samples} exceeds the {len(x)} samples in {printable(path.name)}.",
                                     "samples")
            x, y = x[:samples], (None if y is None else y[:samples])
        return x, y
    from ..experiment.data import load_dataset, training_subset

    try:
        dataset = load_dataset(text, data_dir)
    except ParameterError as error:  # an unknown name: say it of --data
        raise DataError(f"`data` {printable(text)!r} is neither an .npz file nor a data set the compendium knows "
                        "(digits, mnist, fashion_mnist, cifar10).") from error
    if samples is not None:
        dataset = training_subset(dataset, samples)
    return dataset.x_train, dataset.y_train


def check_outputs(outputs, inputs):
    """Refuse, before any work, an output that would lose or miss something.

    Parameters
    ----------
    outputs : dict
        Option name -> the path given (``None`` when not asked, ``"-"`` for standard output).
    inputs : list of pathlib.Path
        Files and folders the command reads: no output may be one of them or lie inside one of them.

    Raises
    ------
    ParameterError
        An empty path, two outputs on one path, an output that is an input, a folder, in a folder that does not
        exist, or cannot be written; the error names the option.
    """
    seen = {}
    resolved_inputs = [Path(p).resolve() for p in inputs if p is not None]
    for option, target in outputs.items():
        if target is None or target == "-":
            continue
        if not str(target).strip():
            raise ParameterError(f"`{option}` is an empty path; give a file name, or - for standard output.", option)
        path = Path(target)
        where = path.resolve()
        if where in seen:
            raise ParameterError(f"`{option}` and `{seen[where]}` are the same file ({printable(target)}); give each "
                                 "its own.", option)
        seen[where] = option
        for source in resolved_inputs:
            if where == source or source in where.parents:
                what = "an input" if where == source else "inside an input folder"
                raise ParameterError(f"`{option}` {printable(target)} is {what} of this command; it would be "
                                     "overwritten. Give another path.", option)
        if path.is_dir():
            raise ParameterError(f"`{option}` {printable(target)} is a folder; give the path of a file in it.", option)
        if not path.parent.is_dir():
            raise ParameterError(f"`{option}`: the folder of {printable(target)} does not exist.", option)
        try:  # the output is written as a new file renamed over the target: try making one there now
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".check"):
                pass
        except OSError as error:
            reason = error.strerror or "not allowed"
            raise ParameterError(f"`{option}`: {printable(target)} cannot be written there ({reason}).", option) \
                from None


def _diagnose_parser(sub):
    import argparse

    from . import BUDGET_SECONDS, CONTROL_SAMPLES
    from .controls import CONTROLS
    from .fit import BATCH_SIZE

    diagnose = sub.add_parser(
        "diagnose", help="is my network memorizing? measure its ReLU layer against controls trained on your samples",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="Record a network's last ReLU layer (or --layer) as spike trains on the samples it was "
                    "trained on, and compute the compendium's measures. By default, fresh copies of its "
                    "architecture are trained on your samples, some with your labels and some with them permuted "
                    "(data-matched controls), and the network is placed among them; it is also placed among the "
                    "committed reference networks (Fashion-MNIST, SGD). A verdict is given only where the evidence "
                    "supports one.")
    diagnose.add_argument("model", help="a Keras (.keras, .h5) or ONNX (.onnx) file")
    diagnose.add_argument("--data", help="an .npz with x (and y) or x_train (and y_train), or a data set name "
                                         "(digits, fashion_mnist, ...): its training split")
    diagnose.add_argument("--samples", type=int, help="use the first N samples (default: all)")
    diagnose.add_argument("--data-dir", help="where a named data set's files are")
    diagnose.add_argument("--layer", help="the ReLU layer to observe (default: the last; see --list-layers)")
    diagnose.add_argument("--list-layers", action="store_true", help="list the model's ReLU layers and stop")
    diagnose.add_argument("--no-labels", action="store_true",
                          help="ignore the labels: the controls train on the network's own predictions")
    diagnose.add_argument("--window", type=int, default=100, help="the Fano factor's window in samples (default 100)")
    diagnose.add_argument("--seed", type=int, default=0, help="the samples' order and the controls' seeds (default 0)")
    diagnose.add_argument("--controls", type=int, default=CONTROLS,
                          help=f"controls per group, own labels and permuted (default {CONTROLS}; 0: none)")
    diagnose.add_argument("--budget", type=float, default=BUDGET_SECONDS / 60,
                          help=f"minutes the controls may train (default {BUDGET_SECONDS // 60:g})")
    diagnose.add_argument("--control-samples", type=int, default=CONTROL_SAMPLES,
                          help=f"the controls train on a seeded subset of this many samples when there are more "
                               f"(default {CONTROL_SAMPLES:,})")
    diagnose.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                          help=f"the controls' batch size (default {BATCH_SIZE}; a model file does not record "
                               "the batch size it was trained with: give yours if you know it)")
    diagnose.add_argument("--cache", help="where controls are kept for the next run (default: controls/ in "
                                          "$SPIKELIB_CACHE_DIR, else in ~/.cache/spikelib)")
    diagnose.add_argument("--no-cache", action="store_true", help="neither read nor keep controls")
    diagnose.add_argument("--json", metavar="OUT", help="write the diagnosis as JSON (- for standard output)")
    diagnose.add_argument("--html", metavar="OUT", help="write the diagnosis as an HTML page with its figure")
    diagnose.add_argument("--reference", nargs="?", const="", metavar="FOLDER",
                          help="the committed reference only, no controls (optionally another reference folder)")
    diagnose.set_defaults(handler=diagnose_command, option_of=OPTIONS.get,
                          on_interrupt="nothing was written (controls that had not finished are not kept)")


def _check_numbers(args):
    for option, value, low in (("controls", args.controls, 0), ("control_samples", args.control_samples, 200),
                               ("batch_size", args.batch_size, 1)):
        if value < low:
            raise ParameterError(f"`{option}`={value}; give {low} or more.", option)
    if args.controls == 1:
        raise ParameterError("`controls`=1 gives no seed-to-seed spread to read distances in; give 2 or more (default "
                             "3), or 0 for none.", "controls")
    if not np.isfinite(args.budget) or args.budget <= 0:
        raise ParameterError(f"`budget`={args.budget} minutes; give a positive number of minutes.", "budget")


class _Progress:
    """A line on standard error while the controls train: epoch, the slowest fit, and an estimate of the time left."""

    def __init__(self, stream=None):
        # sys.stderr looked up now, not at import: a redirected stream (a notebook, a test) gets the lines
        stream = sys.stderr if stream is None else stream
        self.target, self.stream, self.started, self.last = 1.0, stream, time.perf_counter(), 0.0
        self.history = []
        self.tty = stream.isatty()

    def __call__(self, epoch, fits, training, target):
        now = time.perf_counter()
        self.target = target
        slowest = float(np.min(np.where(training, fits, np.inf))) if training.any() else float(np.max(fits))
        self.history.append((now, slowest))
        if now - self.last < (0.5 if self.tty else 15) and training.any():
            return
        self.last = now
        done = int((~training).sum())
        left = self._estimate(now)
        line = (f"  controls: epoch {epoch}, {done} of {len(fits)} at the fit, slowest {slowest:.1%} of "
                f"{self.target:.1%}, {now - self.started:.0f} s{left}")
        print(("\r" + line.ljust(100)) if self.tty else line, end="" if self.tty else "\n", file=self.stream,
              flush=True)

    def _estimate(self, now):
        """The time left at the slowest control's pace over the last minute: an estimate, said to be one."""
        recent = [(t, f) for t, f in self.history if t >= now - 60]
        if len(recent) < 3 or recent[-1][1] <= recent[0][1]:
            return ""
        rate = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
        minutes = max(0.0, (self.target - recent[-1][1]) / rate) / 60
        said = "under a minute" if minutes < 1 else f"about {minutes:.0f} min"
        return f"; at the slowest control's pace of the last minute, {said} more (an estimate)"

    def close(self):
        if self.tty:
            print(file=self.stream)


def diagnose_command(args):
    """``spikelib diagnose``: print the diagnosis; write it as JSON or HTML if asked. Returns 0."""
    from . import diagnose
    from .._validation import check_window
    from ..storage import write_atomically
    from .controls import GROUPS
    from .measure import MAX_CORRELATION_NODES, check_data
    from .models import open_network
    from .reference import REFERENCE, load_reference
    from .render import html_report, json_report, text_report

    _check_numbers(args)
    reference_folder = Path(args.reference) if args.reference else REFERENCE
    data_path = Path(args.data) if args.data and str(args.data).endswith(".npz") else None
    check_outputs({"json": args.json, "html": args.html}, [Path(args.model), data_path, reference_folder])
    network = open_network(args.model)
    if args.list_layers:
        print(f"ReLU layers of {printable(network.path.name)} ({network.kind}, {network.family}); the last is "
              "observed by default:")
        for layer in network.layers:
            units = "?" if layer.units is None else f"{layer.units:>7}"
            print(f"  {layer.position:>3}  {printable(layer.name):<30} {units} nodes")
        for name, why in network.skipped.items():
            print(f"  not observed: {printable(name)} ({why})")
        return 0
    if args.data is None:
        raise ParameterError("`data` is missing: give --data FILE.npz or a data set name.", "data")
    reference = load_reference(reference_folder)
    x, y = load_samples(args.data, args.samples, args.data_dir)
    if args.no_labels:
        y = None
    check_data(x, y, network)
    network.resolve_units(x)
    check_window(args.window, len(x))
    chosen = network.layer(args.layer)
    if chosen.units > MAX_CORRELATION_NODES:
        print(f"spikelib diagnose: {printable(chosen.name)} has {chosen.units:,} nodes; mean |r| and the participation "
              f"ratio are computed on a seeded sample of {MAX_CORRELATION_NODES:,} of them (their pairwise matrix "
              "would not fit in memory), every other measure on all.", file=sys.stderr)
    calibrate = args.controls > 0 and args.reference is None
    print(f"spikelib diagnose: recording {printable(chosen.name)} on {len(x):,} samples"
          + (f"; then training {len(GROUPS) * args.controls} controls on "
             f"{min(len(x), args.control_samples):,} of them (at most {args.budget:g} min)" if calibrate else "")
          + " ...", file=sys.stderr)
    progress = _Progress() if calibrate else None
    result = diagnose(network, x, y, layer=args.layer, window=args.window, seed=args.seed, reference=reference,
                      calibrate=calibrate, controls=args.controls, budget=args.budget * 60,
                      cache=False if args.no_cache else args.cache, control_samples=args.control_samples,
                      batch_size=args.batch_size, progress=progress)
    if progress is not None:
        progress.close()
    if args.json == "-":
        print(json_report(result))
    else:
        print(text_report(result))
        if args.json:
            write_atomically(args.json, lambda handle: handle.write((json_report(result) + "\n").encode()))
    if args.html:
        page = html_report(result, reference[0])
        write_atomically(args.html, lambda handle: handle.write(page.encode()))
    return 0


def build_parser():
    """The ``spikelib`` parser: the pipeline's commands, ``show`` (the report's) and ``diagnose``."""
    from ..report.show import add_show_parser

    return pipeline_cli.build_parser(add_show_parser, _diagnose_parser)


def main(argv=None):
    """Entry point of the ``spikelib`` command (see :func:`spikelib.pipeline.cli.main`)."""
    return pipeline_cli.main(argv, parser=build_parser())


if __name__ == "__main__":
    sys.exit(main())
