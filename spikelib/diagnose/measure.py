"""A network's observed layer as a raster, streamed in batches, and every measure the registry computes from it.

The samples are presented in a seeded random order (the paper's recording,
and the compendium's: the training order stream of the cell's seed), one batch
at a time: only a batch's activations are ever held, so 60,000 samples of a
512-node layer need a raster of 30 MB, not 120 MB of activations.

Functions
---------
record
    The raster of a layer on ``x``, and what the outputs say about the labels.
measure
    The registry's measures of that recording, and the controls and margins where labels are given.
check_data
    The samples and labels, checked against the network before anything is recorded.
correlation_sample
    The nodes a very wide layer's correlation measures use.
"""

import numpy as np

from .._validation import Integer, check_window, constrained
from ..exceptions import DataError
from ..experiment import streams
from ..experiment.measures import by_family
from ..experiment.analysis import recording_measures, sample_order
from ..experiment.diagnostics import MARGIN_PERCENTILE
from ..experiment.diagnostics import margins as margins_of
from ..raster import binarize
from .models import BATCH

__all__ = ["record", "measure", "check_data", "correlation_sample", "Recording", "RECORDING_MEASURES",
           "MAX_CORRELATION_NODES"]

#: The measures a recording gives without labels (the registry's paper and follow-up families).
RECORDING_MEASURES = tuple(m.column for m in by_family("paper", "followup"))


#: The correlation measures of a wider layer are computed on a seeded sample of this many of its nodes (their
#: pairwise matrix grows with the square of the nodes: 4,096 need 0.4 GB, 20,000 would need 9.6 GB).
MAX_CORRELATION_NODES = 4096


def correlation_sample(units, seed=0):
    """The nodes the correlation measures use: all of them, or a seeded sample of :data:`MAX_CORRELATION_NODES`."""
    if units <= MAX_CORRELATION_NODES:
        return None
    return np.sort(np.random.default_rng([seed, 43]).permutation(units)[:MAX_CORRELATION_NODES])


class Recording:
    """What one pass over the samples gives: the raster (``n_nodes, n_samples``), the order of the samples, and,
    with labels, each sample's correct prediction and its output margin."""

    def __init__(self, spikes, order, correct=None, margins=None, hidden_margins=None, predictions=None):
        self.spikes, self.order, self.correct, self.margins = spikes, order, correct, margins
        #: The network's predicted class of each sample, in the samples' own order (not the recording's).
        self.predictions = predictions
        #: The distance of each sample's hidden representation to the nearest decision boundary, where the
        #: network's output layer reads the observed layer directly (else ``None``).
        self.hidden_margins = hidden_margins


def _head_agrees(head, hidden, log_p):
    """Whether ``hidden @ kernel + bias`` reproduces the network's outputs (as log-probability differences)."""
    kernel, bias = head
    logits = hidden @ kernel + bias
    if logits.shape != log_p.shape:
        return False
    return bool(np.allclose(logits - logits[:, :1], log_p - log_p[:, :1], atol=1e-3, rtol=1e-3))


def _log_probabilities(output):
    """Log-probabilities of each class: the outputs themselves where they are probabilities (rows on the simplex),
    else the log-softmax of logits. Differences between classes are the same either way for logits."""
    output = np.asarray(output, dtype=np.float64)
    if output.min() >= 0 and np.allclose(output.sum(axis=1), 1.0, atol=1e-3):
        return np.log(np.clip(output, 1e-30, None))
    shifted = output - output.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def check_data(x, y, network):
    """``x`` and ``y`` as arrays, checked against the network.

    Raises
    ------
    DataError
        Data that are not real numbers with samples along the first axis, hold NaN or infinite values, or do
        not have the network's input shape; labels that are not one class index per sample.
    """
    x = np.asarray(x)
    if x.ndim < 2 or len(x) == 0:
        raise DataError(f"`data` x must hold the samples along its first axis; got shape {x.shape}.")
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise DataError(f"`data` x must hold real numbers; got dtype {x.dtype}.")
    if not np.isfinite(x).all():
        raise DataError(f"`data` x holds {int((~np.isfinite(x)).sum())} NaN or infinite values; remove or repair "
                        "those samples.")
    expected = tuple(d for d in network.input_shape)
    if len(expected) != x.ndim - 1 or any(e is not None and e != s for e, s in zip(expected, x.shape[1:])):
        raise DataError(f"`data` x: its samples have shape {x.shape[1:]}; {network.path.name} takes {expected} "
                        "(give the samples as the network takes them, scaled as in its training).")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(x) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
            raise DataError(f"`data` y must hold one class index (0, 1, ...) per sample; got shape {y.shape} and "
                            f"dtype {y.dtype} for {len(x)} samples.")
    return x, y


@constrained({"seed": Integer(0, 2**32 - 1), "batch": Integer(1, 1_000_000)})
def record(network, x, y=None, layer=None, seed=0, batch=BATCH):
    """The raster of ``layer`` (default: the last ReLU layer) on the samples ``x``, in a seeded random order.

    Parameters
    ----------
    network : Network
        From :func:`spikelib.diagnose.models.open_network`.
    x : numpy.ndarray, shape (n_samples, ...)
        Inputs as the network takes them (scaled as in its training).
    y : numpy.ndarray of int, shape (n_samples,), optional
        Class labels: then each sample's correct prediction and output margin are recorded too.
    layer : str, optional
    seed : int
        The order of the samples: ``numpy.random.default_rng([seed, 2]).permutation`` (a cell's training order).
    batch : int
        Samples per forward pass.

    Returns
    -------
    Recording

    Raises
    ------
    DataError
        If the data or the labels do not fit the network, or hold NaN.
    ParameterError
        If ``layer`` is not a ReLU layer of the network.
    """
    x, y = check_data(x, y, network)
    chosen = network.layer(layer)
    order = sample_order(seed, streams.TRAIN_ORDER, len(x))
    spikes = np.zeros((chosen.units, len(x)), dtype=bool)
    correct = np.zeros(len(x), dtype=bool) if y is not None else None
    margins = np.zeros(len(x)) if y is not None else None
    head = network.head if (y is not None and chosen == network.layers[-1]) else None
    hidden_margins = np.zeros(len(x)) if head is not None else None
    predictions = np.zeros(len(x), dtype=np.int64)
    for start in range(0, len(x), batch):
        index = order[start:start + batch]
        (hidden, output), = network.batches(x[index], chosen, batch=len(index))
        spikes[:, start:start + len(index)] = binarize(hidden)
        predictions[index] = output.argmax(axis=1)
        if y is not None:
            labels = y[index]
            if output.shape[1] <= labels.max():
                raise DataError(f"`data` y: label {int(labels.max())} has no output among the network's "
                                f"{output.shape[1]}; the labels must be the classes of its outputs.")
            log_p = _log_probabilities(output)
            if head is not None and start == 0 and not _head_agrees(head, hidden, log_p):
                head = hidden_margins = None  # the outputs are not a dense layer of this one: no hidden margin
            if head is not None:
                hidden_margins[start:start + len(index)] = margins_of(hidden, *head, labels)[1]
            true = log_p[np.arange(len(index)), labels]
            log_p[np.arange(len(index)), labels] = -np.inf
            margins[start:start + len(index)] = true - log_p.max(axis=1)
            correct[start:start + len(index)] = output.argmax(axis=1) == labels
    return Recording(spikes, order, correct, margins, hidden_margins, predictions)


def measure(recording, window=100, margin_percentile=MARGIN_PERCENTILE, seed=0):
    """The registry's measures of a recording, and with labels the training fit and the output margin.

    A layer wider than :data:`MAX_CORRELATION_NODES` has its correlation measures computed on a seeded sample of
    that many nodes (:func:`correlation_sample`); every other measure uses every node.

    Returns
    -------
    dict
        Column (:mod:`spikelib.experiment.measures`) -> value: the recording's measures; with labels
        ``train_accuracy`` (a control, on the samples given) and ``output_margin`` (its
        ``margin_percentile``-th percentile, as the compendium's rival).

    Raises
    ------
    ParameterError
        If ``window`` leaves fewer than two windows of the samples.
    """
    check_window(window, recording.spikes.shape[1])
    values = recording_measures(recording.spikes, window, correlation_sample(recording.spikes.shape[0], seed))
    if recording.correct is not None:
        values["train_accuracy"] = float(recording.correct.mean())
        values["output_margin"] = float(np.percentile(recording.margins, margin_percentile))
    if recording.hidden_margins is not None:
        values["hidden_margin"] = float(np.percentile(recording.hidden_margins, margin_percentile))
    return values
