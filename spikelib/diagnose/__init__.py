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
fit
    Several networks of one architecture trained at once, each to a training fit.
controls
    Data-matched controls: the architecture re-initialized and trained on the researcher's samples.
calibrated
    The network against its controls: the calibrated verdict and the training signal beside it.
transfer
    Networks trained on data the reference never saw, diagnosed both ways (the evidence that it transfers).
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
    calibrated: dict | None = None

    def to_dict(self):
        """A JSON-ready record of the diagnosis."""
        return {"model": self.model, "layer": self.layer, "units": self.units, "family": self.family,
                "n_samples": self.n_samples,
                "labelled": self.labelled, "verdict": self.verdict, "sentence": self.sentence,
                "reference": self.reference, "comparable": self.comparable,
                "measures": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in row.items()}
                             for row in self.calibration.to_dict("records")],
                "seconds": self.seconds, "values": dict(self.values), "rate_histogram": self.rate_histogram(),
                "calibrated": self.calibrated}

    def rate_histogram(self, bins=20):
        """The share of the layer's nodes in each of ``bins`` equal bins of firing rate on [0, 1]."""
        import numpy as np

        if self.rates is None:
            return None
        counts, _ = np.histogram(self.rates, bins=bins, range=(0.0, 1.0))
        return (counts / max(1, counts.sum())).tolist()


def diagnose(model, x, y=None, layer=None, window=100, seed=0, reference=None, calibrate=False, controls=3,
             budget=None, cache=None, control_samples=None, batch_size=None, progress=None):
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
        The order the samples are presented in, and the controls' seeds.
    reference : tuple, optional
        ``(table, record)``; default the committed reference (:func:`spikelib.diagnose.reference.load_reference`).
    calibrate : bool
        Also train data-matched controls on ``x`` and give the calibrated verdict
        (:mod:`spikelib.diagnose.calibrated`).
    controls : int
        Controls per group.
    budget : float, optional
        Seconds the controls may train (default :data:`BUDGET_SECONDS`).
    cache : str, os.PathLike or False, optional
        Where controls are cached (default :func:`spikelib.paths.cache_dir`; ``False``: nowhere).
    control_samples : int, optional
        The controls train on a seeded subset of this many samples when ``x`` holds more (default
        :data:`CONTROL_SAMPLES`); the network is then recorded on the same subset for the comparison.
    batch_size : int, optional
        The controls' batch size (default :data:`spikelib.diagnose.fit.BATCH_SIZE`).
    progress : callable, optional
        ``progress(epoch, fits, training, target)`` while the controls train.

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
    from .verdict import calibrate as place, overall

    from .measure import check_data

    network = model if hasattr(model, "batches") else open_network(model)
    table, info = reference or load_reference()
    started = time.perf_counter()
    x, y = check_data(x, y, network)
    network.resolve_units(x)
    chosen = network.layer(layer)
    check_window(window, int(np.shape(x)[0]))  # before the recording, not after it
    recording = record(network, x, y, layer=chosen.name, seed=seed)
    values = measure(recording, window=window, seed=seed)
    seconds = time.perf_counter() - started
    calibration, counts = place(values, table, info, network.family, chosen.units, int(np.shape(x)[0]))
    verdict, sentence = overall(calibration, counts, info)
    calibrated = None
    if calibrate:
        calibrated = _calibrated(network, chosen, x, y, recording, values, window, seed, info, controls, budget, cache,
                                 control_samples, batch_size, progress)
    return Diagnosis(model=str(getattr(network, "path", model)), layer=chosen.name, units=chosen.units,
                     family=network.family,
                     n_samples=int(np.shape(x)[0]), labelled=y is not None, values=values, calibration=calibration,
                     comparable=counts, verdict=verdict, sentence=sentence,
                     reference={"version": info.get("version", VERSION), "sha256": info.get("sha256"),
                                "networks": info.get("networks")},
                     rates=firing_rate(recording.spikes), seconds=seconds, calibrated=calibrated)


#: The controls' time budget by default, in seconds.
BUDGET_SECONDS = 20 * 60
#: The controls train on at most this many samples by default (a seeded subset of more).
CONTROL_SAMPLES = 10_000
#: Fewer samples per class than this leave nothing for the controls to tell apart.
MIN_SAMPLES_PER_CLASS = 10


def _calibrated(network, chosen, x, y, recording, values, window, seed, record_info, n_controls, budget, cache,
                control_samples, batch_size, progress):
    """The calibrated part of a diagnosis (see :func:`diagnose`), as a JSON-ready dict."""
    import numpy as np

    from ..experiment.config import FIT_ACCURACY
    from ..storage import sha256
    from .calibrated import MIN_FIT, calibrated_readings, calibrated_verdict
    from .controls import build_controls
    from .fit import BATCH_SIZE
    from .measure import measure, record
    from .models import keras_network

    if network.model is None:
        return {"verdict": None, "fallback": network.rebuild_note or "the model cannot be re-initialized",
                "sentence": f"No data-matched controls: {network.rebuild_note}; the diagnosis rests on the committed "
                            "reference alone."}
    labels_source = "given" if y is not None else "predictions"
    labels = np.asarray(y) if y is not None else recording.predictions
    classes = len(np.unique(labels))
    if classes < 2 or len(x) < MIN_SAMPLES_PER_CLASS * classes:
        why = (f"the {'labels' if y is not None else 'network’s predictions'} hold one class only, so permuting them "
               "changes nothing" if classes < 2 else
               f"{len(x):,} samples of {classes} classes are too few for the controls (at least "
               f"{MIN_SAMPLES_PER_CLASS} per class): permuted and own-label controls could not be told apart")
        return {"verdict": None, "fallback": why, "sentence": f"No data-matched controls: {why}. The diagnosis rests "
                "on the committed reference alone."}
    n = len(x)
    limit = int(control_samples or CONTROL_SAMPLES)
    subset = np.sort(np.random.default_rng([seed, 41]).permutation(n)[:limit]) if n > limit else None
    x_c, labels_c = (x, labels) if subset is None else (x[subset], labels[subset])
    from .._validation import check_window

    check_window(window, len(x_c))
    own = values if subset is None else measure(record(network, x_c, None if y is None else labels_c,
                                                       layer=chosen.name, seed=seed), window=window, seed=seed)
    correct = recording.correct if subset is None or recording.correct is None else recording.correct[
        np.argsort(recording.order)][subset]
    fit = float(correct.mean()) if y is not None else 1.0
    target = min(fit, FIT_ACCURACY)
    if fit < MIN_FIT:  # the premise fails: nothing to train controls for
        why = (f"the network fits only {fit:.1%} of the labels it is given; the question is whether a network that "
               f"fits its samples memorized them, and it needs a fit of at least {MIN_FIT:.0%} (are these the samples "
               "and labels it was trained on, scaled as in its training?)")
        return {"verdict": "cannot tell", "fallback": why, "fit": fit, "labels_source": labels_source,
                "sentence": f"Cannot tell on your own data: {why}."}

    control_layer = network.layer_map.get(chosen.name, chosen.name)

    def record_values(model):
        return measure(record(keras_network(model), x_c, layer=control_layer, seed=seed), window=window, seed=seed)

    model_hash = sha256(network.path) if network.path.is_file() else f"memory:{id(network.model)}"
    try:
        built = build_controls(network.model, network.optimizer, x_c, labels_c, record_values, model_sha256=model_hash,
                               target=target, n_controls=n_controls, seed=seed, batch_size=batch_size or BATCH_SIZE,
                               budget_seconds=budget if budget is not None else BUDGET_SECONDS, cache=cache,
                               progress=progress)
    except Exception as error:
        from ..exceptions import DataError

        if not isinstance(error, DataError):
            raise
        return {"verdict": None, "fallback": str(error), "sentence": f"No data-matched controls: {error} The "
                "diagnosis rests on the committed reference alone."}
    readings = calibrated_readings(own, built, record_info)
    result = calibrated_verdict(readings, built, fit, labels_source)
    result.update({"fallback": None, "labels_source": labels_source, "fit": fit, "target": target,
                   "samples": len(x_c), "subset": subset is not None, "values": own,
                   "readings": readings.to_dict("records"), "controls": built.to_dict()})
    return result
