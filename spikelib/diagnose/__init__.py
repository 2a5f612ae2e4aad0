"""``spikelib diagnose``: a researcher's own network, measured and placed against the compendium's reference
networks, with a verdict only where the reference supports one.

The layer above the report: it reads a network (Keras or ONNX), records its
observed ReLU layer on the researcher's data in batches, computes the measures
the compendium benchmarks, and sets each against the committed reference
networks of comparable architecture and width.

Modules
-------
models
    A Keras or ONNX file, its ReLU layers, and a layer's activations in batches.
measure
    The raster of a layer, streamed, and the registry's measures of it.
reference
    The committed reference networks (``data/reference/``), their version and hash.
verdict
    Percentiles among comparable reference networks, and what they support.
render
    The diagnosis as a terminal report, JSON, and an HTML page with its figure.
cli
    The ``spikelib`` command: the pipeline's commands and ``diagnose``.
speed
    How long a diagnosis takes (``make bench``).
book
    What the book's page "Diagnose your own network" shows, computed.

Functions
---------
diagnose
    Measure a network on some samples and place it against the reference.
"""

import time
from dataclasses import dataclass, field

__all__ = ["diagnose", "Diagnosis"]


@dataclass
class Diagnosis:
    """What :func:`diagnose` found.

    Attributes
    ----------
    model : str
        The file diagnosed.
    layer : str
        The observed ReLU layer, and ``units`` its nodes.
    units : int
    family : {"MLP", "CNN"}
        The network's family (the reference networks it is compared with).
    n_samples : int
    labelled : bool
        Whether labels were given (then the training fit and the output margin are measured too).
    values : dict
        Measure (a column of :mod:`spikelib.experiment.measures`) -> value.
    calibration : pandas.DataFrame
        Each measure's percentiles among comparable reference networks and what it supports
        (:func:`spikelib.diagnose.verdict.calibrate`).
    comparable : dict
        How many reference networks were comparable, and their widths.
    verdict : {"memorizing-like", "clean-like", "cannot tell"}
    sentence : str
        The verdict and what it rests on.
    reference : dict
        The reference's version, SHA-256 and size.
    rates : numpy.ndarray
        Each node's firing rate (for the figure).
    seconds : float
        The time the measurement took after the model was loaded.
    """

    model: str
    layer: str
    units: int
    family: str
    n_samples: int
    labelled: bool
    values: dict
    calibration: object
    comparable: dict
    verdict: str
    sentence: str
    reference: dict
    rates: object = field(repr=False, default=None)
    seconds: float = 0.0

    def to_dict(self):
        """A JSON-ready record of the diagnosis."""
        return {"model": self.model, "layer": self.layer, "units": self.units, "family": self.family, "n_samples": self.n_samples,
                "labelled": self.labelled, "verdict": self.verdict, "sentence": self.sentence,
                "reference": self.reference, "comparable": self.comparable,
                "measures": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in row.items()}
                             for row in self.calibration.to_dict("records")],
                "seconds": self.seconds}


def diagnose(model, x, y=None, layer=None, window=100, seed=0, reference=None):
    """Measure a network's observed ReLU layer on samples ``x`` and place it against the reference networks.

    Parameters
    ----------
    model : str, pathlib.Path or Network
        A Keras (``.keras``, ``.h5``) or ONNX (``.onnx``) file, or a network already opened
        (:func:`spikelib.diagnose.models.open_network`).
    x : numpy.ndarray, shape (n_samples, ...)
        Inputs as the network takes them; the samples it was trained on show memorization.
    y : numpy.ndarray of int, optional
        Their labels: adds the training fit and the output margin.
    layer : str, optional
        The observed layer (default: the last ReLU layer).
    window : int
        The Fano factor's window in samples (the paper: 100).
    seed : int
        The order the samples are presented in.
    reference : tuple, optional
        ``(table, record)``; default the committed reference (:func:`spikelib.diagnose.reference.load_reference`).

    Returns
    -------
    Diagnosis

    Raises
    ------
    DataError
        A model that does not load or has no ReLU layer, data that do not fit it or hold NaN, a reference that
        does not match its hash.
    ParameterError
        A layer that is not a ReLU layer of the model, fewer samples than two Fano windows.
    """
    import numpy as np

    from .._validation import check_window
    from ..rates import firing_rate
    from .measure import measure, record
    from .models import open_network
    from .reference import VERSION, load_reference
    from .verdict import calibrate, overall

    network = model if hasattr(model, "batches") else open_network(model)
    table, info = reference or load_reference()
    started = time.perf_counter()
    chosen = network.layer(layer)
    check_window(window, int(np.shape(x)[0]))  # before the recording, not after it
    recording = record(network, x, y, layer=chosen.name, seed=seed)
    values = measure(recording, window=window)
    seconds = time.perf_counter() - started
    calibration, counts = calibrate(values, table, info, network.family, chosen.units, int(np.shape(x)[0]))
    verdict, sentence = overall(calibration, counts, info)
    return Diagnosis(model=str(getattr(network, "path", model)), layer=chosen.name, units=chosen.units, family=network.family,
                     n_samples=int(np.shape(x)[0]), labelled=y is not None, values=values, calibration=calibration,
                     comparable=counts, verdict=verdict, sentence=sentence,
                     reference={"version": info.get("version", VERSION), "sha256": info.get("sha256"),
                                "networks": info.get("networks")},
                     rates=firing_rate(recording.spikes), seconds=seconds)
