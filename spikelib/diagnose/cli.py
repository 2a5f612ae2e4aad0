"""The ``spikelib`` command with ``diagnose``: the pipeline's commands (``cell``, ``run``) and a researcher's
own network measured against the reference networks.

``spikelib diagnose MODEL --data DATA``
    Reads a Keras or ONNX file, records its last ReLU layer (or ``--layer``) on the samples of ``DATA``
    (an ``.npz`` file with ``x`` and optionally ``y``, or ``x_train``/``y_train``; or a data set of the
    compendium by name, its training split), and prints the diagnosis; ``--json`` and ``--html`` write it.
"""

import sys
from pathlib import Path

import numpy as np

from ..exceptions import DataError, ParameterError
from ..pipeline import cli as pipeline_cli

__all__ = ["main", "build_parser", "load_samples"]

#: Keys an ``.npz`` of samples may use, in the order they are tried.
SAMPLE_KEYS, LABEL_KEYS = ("x", "x_train"), ("y", "y_train")
#: Each diagnose argument's option, for one-line errors (:func:`spikelib.pipeline.cli.main`).
OPTIONS = {"model": "MODEL", "data": "--data", "samples": "--samples", "layer": "--layer", "window": "--window",
           "seed": "--seed", "json": "--json", "html": "--html", "reference": "--reference"}


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
        A file that is missing, not an ``.npz`` of samples, holds labels of another length, or (a file the
        compendium lists, such as its example samples) does not match its checksum.
    ParameterError
        ``samples`` below 2 or above what the data hold.
    """
    if samples is not None and samples < 2:
        raise ParameterError(f"`samples`={samples} is too few; give 2 or more (the paper observes thousands).",
                             "samples")
    text = str(data)
    if text.endswith(".npz"):
        path = Path(text)
        if not path.is_file():
            raise DataError(f"`data`: no file at {path}; give an .npz of samples or a data set name.")
        from ..experiment.data import known_checksums
        from ..storage import sha256

        expected = known_checksums().get(path.name)  # the compendium's own example samples are checked
        if expected and sha256(path) != expected:
            raise DataError(f"`data` {path.name} does not match its SHA-256 in data/checksums.sha256; restore it "
                            "from the repository.")
        try:
            with np.load(path, allow_pickle=False) as archive:
                keys = list(archive.files)
                x_key = next((k for k in SAMPLE_KEYS if k in keys), None)
                if x_key is None:
                    raise DataError(f"`data` {path.name} holds {keys}; it needs the samples as `x` (or `x_train`), "
                                    "and their labels as `y` (or `y_train`) if you have them.")
                y_key = LABEL_KEYS[SAMPLE_KEYS.index(x_key)]
                x = archive[x_key]
                y = archive[y_key] if y_key in keys else None
        except (OSError, ValueError) as error:
            raise DataError(f"`data` {path.name} is not a readable .npz file ({error}).") from None
        if y is not None and len(y) != len(x):
            raise DataError(f"`data` {path.name}: {len(y)} labels for {len(x)} samples.")
        if samples is not None:
            if samples > len(x):
                raise ParameterError(f"`samples`={samples} exceeds the {len(x)} samples in {path.name}.", "samples")
            x, y = x[:samples], (None if y is None else y[:samples])
        return x, y
    from ..experiment.data import load_dataset, training_subset

    dataset = load_dataset(text, data_dir)
    if samples is not None:
        dataset = training_subset(dataset, samples)
    return dataset.x_train, dataset.y_train


def _diagnose_parser(sub):
    diagnose = sub.add_parser(
        "diagnose", help="measure your own network's ReLU layer and set it against the reference networks",
        description="Record a network's last ReLU layer (or --layer) as spike trains on the samples it was "
                    "trained on, compute the compendium's measures, and place each among comparable reference "
                    "networks trained on clean and on shuffled labels. A verdict is given only where the "
                    "reference supports one.")
    diagnose.add_argument("model", help="a Keras (.keras, .h5) or ONNX (.onnx) file")
    diagnose.add_argument("--data", help="an .npz with x (and y) or x_train (and y_train), or a data set name "
                                         "(digits, fashion_mnist, ...): its training split")
    diagnose.add_argument("--samples", type=int, help="use the first N samples (default: all)")
    diagnose.add_argument("--data-dir", help="where a named data set's files are")
    diagnose.add_argument("--layer", help="the ReLU layer to observe (default: the last; see --list-layers)")
    diagnose.add_argument("--list-layers", action="store_true", help="list the model's ReLU layers and stop")
    diagnose.add_argument("--no-labels", action="store_true", help="ignore the labels (no training fit or margin)")
    diagnose.add_argument("--window", type=int, default=100, help="the Fano factor's window in samples (default 100)")
    diagnose.add_argument("--seed", type=int, default=0, help="the order the samples are presented in (default 0)")
    diagnose.add_argument("--json", metavar="OUT", help="write the diagnosis as JSON (- for standard output)")
    diagnose.add_argument("--html", metavar="OUT", help="write the diagnosis as an HTML page with its figure")
    diagnose.add_argument("--reference", help="a reference folder (default: the committed data/reference)")
    diagnose.set_defaults(handler=diagnose_command, option_of=OPTIONS.get)


def diagnose_command(args):
    """``spikelib diagnose``: print the diagnosis; write it as JSON or HTML if asked. Returns 0."""
    from . import diagnose
    from .._validation import check_window
    from .measure import check_data
    from .models import open_network
    from .reference import REFERENCE, load_reference
    from .render import html_report, json_report, text_report

    network = open_network(args.model)
    if args.list_layers:
        print(f"ReLU layers of {network.path.name} ({network.kind}, {network.family}); the last is observed "
              "by default:")
        for layer in network.layers:
            print(f"  {layer.position:>3}  {layer.name:<30} {layer.units:>7} nodes")
        return 0
    if args.data is None:
        raise ParameterError("`data` is missing: give --data FILE.npz or a data set name.", "data")
    for option in ("json", "html"):
        target = getattr(args, option)
        if target and target != "-" and not Path(target).parent.is_dir():
            raise ParameterError(f"`{option}`: the folder of {target} does not exist.", option)
    reference = load_reference(args.reference or REFERENCE)
    x, y = load_samples(args.data, args.samples, args.data_dir)
    if args.no_labels:
        y = None
    check_data(x, y, network)
    check_window(args.window, len(x))
    print(f"spikelib diagnose: recording {network.layer(args.layer).name} on {len(x):,} samples ...",
          file=sys.stderr)
    result = diagnose(network, x, y, layer=args.layer, window=args.window, seed=args.seed, reference=reference)
    if args.json == "-":
        print(json_report(result))
    else:
        print(text_report(result))
        if args.json:
            Path(args.json).write_text(json_report(result) + "\n")
    if args.html:
        Path(args.html).write_text(html_report(result, reference[0]))
    return 0


def build_parser():
    """The ``spikelib`` parser with ``diagnose`` beside the pipeline's commands."""
    return pipeline_cli.build_parser(_diagnose_parser)


def main(argv=None):
    """Entry point of the ``spikelib`` command (see :func:`spikelib.pipeline.cli.main`)."""
    return pipeline_cli.main(argv, parser=build_parser())


if __name__ == "__main__":
    sys.exit(main())
