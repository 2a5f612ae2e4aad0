r"""Rival diagnostics of memorization that need no test set, computed on a trained network.

The indicators of the papers (firing rate, Fano factor, activation
probability, correlation) are benchmarked against the diagnostics a
researcher would otherwise reach for:

- **WeightWatcher** (Martin & Mahoney; the ``weightwatcher`` package): power-law
  fits to the eigenvalue spectrum of a layer's weights, ``alpha`` (below 2
  reads as over-trained), ``alpha_weighted``, ``log_spectral_norm`` and
  ``stable_rank``. It skips layers with fewer than ``min_evals`` eigenvalues
  (8 in weightwatcher 0.7.7, whose docstrings say 10 or 50), and warns that
  power-law fits on few eigenvalues are unstable; ``ww_status`` says when a
  layer was skipped.
- **Single-direction ablation** (Morcos et al. 2018): training accuracy as the
  observed layer's nodes are zeroed cumulatively in random order; networks
  that memorize depend more on single directions, so their accuracy falls
  faster and the area under the curve is smaller.
- **Weight norms**: Frobenius and spectral norm of the observed layer's
  incoming weights, the Frobenius norm of all kernels, and the distance of
  all weights from their initialisation.
- **Sharpness** (the family Jiang et al. 2020 found most predictive): the
  mean increase of the training loss when every weight is perturbed by
  Gaussian noise of a size relative to the weight's own magnitude.
- **Margins**: the output margin (true-class logit minus the largest other)
  and the hidden-layer margin (the distance, in the observed layer's space,
  to the nearest decision boundary; exact, because the output layer is linear
  in the observed layer), each as its 10th percentile over training samples
  (Jiang et al. 2020 take that percentile).
- **Davies–Bouldin index with label-wise mixup** (Natekar & Sharma 2020, the
  winner of the PGDL competition): pairs of training samples of the same
  class mixed half and half, their observed-layer representations clustered
  by class, and the clusters' Davies–Bouldin index (low: well separated).

Functions
---------
weightwatcher_metrics
    WeightWatcher's layer metrics for the observed layer.
ablation_curve
    Accuracy against the fraction of nodes zeroed, and its normalised area.
weight_norms
    Norms of the weights and their distance from initialisation.
margins
    Output and hidden-layer margins of each sample, for a linear output layer.
mixup_davies_bouldin
    Davies–Bouldin index of representations of label-wise mixed samples.
perturbation_sharpness
    Mean loss increase under relative Gaussian weight perturbations (any loss).
network_diagnostics
    All of the above for one trained Keras network, with the seconds each took.
"""

import contextlib
import io
import logging
import time

import numpy as np

from .._optional import soft_import
from ..exceptions import ParameterError
from .models import forward

__all__ = ["weightwatcher_metrics", "ablation_curve", "weight_norms", "perturbation_sharpness", "margins",
           "mixup_davies_bouldin", "network_diagnostics", "MARGIN_PERCENTILE", "MIXUP_PER_CLASS", "WEIGHTWATCHER_METRICS", "ABLATION_FRACTIONS", "SHARPNESS_SIGMA"]

WEIGHTWATCHER_METRICS = ("alpha", "alpha_weighted", "log_spectral_norm", "stable_rank")
#: Fractions of the observed layer's nodes zeroed along the ablation curve.
ABLATION_FRACTIONS = tuple(np.round(np.linspace(0, 1, 11), 2))
#: The relative size of the sharpness perturbation: every weight w gets noise of standard
#: deviation SHARPNESS_SIGMA * |w|. Calibrated on the generalizing Fashion-MNIST MLPs so the
#: training loss rises measurably (by a few hundredths) without leaving the basin.
SHARPNESS_SIGMA = 0.05
#: The percentile of the per-sample margins reported (Jiang et al. 2020: the 10th).
MARGIN_PERCENTILE = 10
#: Mixed pairs per class for the Davies–Bouldin index (Natekar & Sharma used about 500 samples).
MIXUP_PER_CLASS = 50


def weightwatcher_metrics(network, layer):
    """WeightWatcher's metrics of ``layer``: alpha, alpha_weighted, log_spectral_norm, stable_rank.

    Returns
    -------
    dict
        The four metrics (``nan`` where WeightWatcher gives none) and
        ``ww_status``: ``"ok"``, or why the layer could not be analysed (too
        few eigenvalues for a power-law fit, or not a layer WeightWatcher
        reads).

    Raises
    ------
    MissingDependencyError
        If ``weightwatcher`` is not installed.
    """
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a notice about torch on import
        ww = soft_import("weightwatcher", "the WeightWatcher diagnostic")
    logging.getLogger("weightwatcher").setLevel(logging.ERROR)
    result = {name: float("nan") for name in WEIGHTWATCHER_METRICS}
    with contextlib.redirect_stdout(io.StringIO()):
        details = ww.WeightWatcher(model=network).analyze()
    rows = details[details["name"] == layer] if "name" in details else details.iloc[0:0]
    if rows.empty:
        result["ww_status"] = f"WeightWatcher did not analyse layer {layer!r} (too few eigenvalues or not a weight layer)"
        return result
    row = rows.iloc[0]
    for name in WEIGHTWATCHER_METRICS:
        value = row.get(name)
        result[name] = float(value) if value is not None and np.isfinite(value) else float("nan")
    result["ww_status"] = "ok" if np.isfinite(result["alpha"]) else f"no power-law fit ({row.get('warning', '')})"
    return result


def ablation_curve(activations, head, labels, fractions=ABLATION_FRACTIONS, n_orders=5, seed=0):
    """Accuracy as the nodes of a layer are zeroed cumulatively, in random orders.

    Parameters
    ----------
    activations : numpy.ndarray, shape (n_samples, n_nodes)
        The layer's activations on a fixed set of training samples.
    head : callable
        Maps (masked) activations to class scores, shape (n_samples, n_classes):
        the rest of the network.
    labels : numpy.ndarray of int, shape (n_samples,)
        The labels the network was trained with.
    fractions : sequence of float
        Fractions of nodes zeroed, from 0 to 1.
    n_orders : int
        Random orders averaged over.
    seed : int

    Returns
    -------
    accuracy : numpy.ndarray, shape (len(fractions),)
        Mean accuracy over the orders at each fraction.
    area : float
        Area under the curve (trapezoids over ``fractions``) divided by the
        accuracy with no node zeroed: 1 for a network that loses nothing, lower
        for one that depends on few directions; ``nan`` if that accuracy is 0.

    Raises
    ------
    ParameterError
        If the fractions do not run from 0 to 1, or the shapes disagree.

    Examples
    --------
    >>> acts = np.ones((4, 2)); weights = np.array([[1.0, 0.0], [1.0, 0.0]])
    >>> accuracy, area = ablation_curve(acts, lambda a: a @ weights + [0.0, 0.5], np.zeros(4, int), (0, 0.5, 1))
    >>> accuracy.tolist(), area
    ([1.0, 1.0, 0.0], 0.75)
    """
    activations = np.asarray(activations, dtype=np.float32)
    labels = np.asarray(labels)
    fractions = np.asarray(fractions, dtype=float)
    if fractions[0] != 0 or fractions[-1] != 1 or np.any(np.diff(fractions) <= 0):
        raise ParameterError(f"`fractions` must rise from 0 to 1; got {fractions.tolist()}.", "fractions")
    if activations.ndim != 2 or len(activations) != len(labels):
        raise ParameterError(f"`activations` {activations.shape} and `labels` {labels.shape} must agree on the "
                             "number of samples.", "activations")
    n_nodes = activations.shape[1]
    rng = np.random.default_rng(seed)
    accuracy = np.zeros(len(fractions))
    for _ in range(n_orders):
        order = rng.permutation(n_nodes)
        for i, fraction in enumerate(fractions):
            masked = activations.copy()
            masked[:, order[: int(round(fraction * n_nodes))]] = 0.0
            accuracy[i] += np.mean(np.argmax(head(masked), axis=1) == labels)
    accuracy /= n_orders
    area = float(np.sum(np.diff(fractions) * (accuracy[1:] + accuracy[:-1]) / 2))
    return accuracy, (float(area / accuracy[0]) if accuracy[0] > 0 else float("nan"))


def weight_norms(kernels, initial_kernels=None, observed=None):
    """Norms of a network's weights and their distance from initialisation.

    Parameters
    ----------
    kernels : dict of str to numpy.ndarray
        The trained weights by name (kernels and biases).
    initial_kernels : dict of str to numpy.ndarray, optional
        The same names at initialisation.
    observed : str, optional
        The name of the observed layer's kernel (2-D).

    Returns
    -------
    dict
        ``frobenius_all`` (over all weights), ``distance_from_init`` (the
        Frobenius norm of the difference over all weights; ``nan`` without
        initial weights), and for the observed kernel ``frobenius_observed``
        and ``spectral_observed`` (its largest singular value).

    Raises
    ------
    ParameterError
        If the initial weights do not have the same names and shapes.

    Examples
    --------
    >>> norms = weight_norms({"k": np.array([[3.0, 0.0], [0.0, 4.0]])}, {"k": np.zeros((2, 2))}, observed="k")
    >>> norms["frobenius_all"], norms["distance_from_init"], norms["spectral_observed"]
    (5.0, 5.0, 4.0)
    """
    result = {"frobenius_all": float(np.sqrt(sum(np.sum(np.square(w)) for w in kernels.values())))}
    if initial_kernels is not None:
        if set(initial_kernels) != set(kernels) or any(initial_kernels[k].shape != kernels[k].shape for k in kernels):
            raise ParameterError("`initial_kernels` must have the names and shapes of `kernels`.", "initial_kernels")
        result["distance_from_init"] = float(np.sqrt(sum(np.sum(np.square(kernels[k] - initial_kernels[k]))
                                                         for k in kernels)))
    else:
        result["distance_from_init"] = float("nan")
    if observed is not None:
        kernel = np.asarray(kernels[observed], dtype=np.float64)
        result["frobenius_observed"] = float(np.linalg.norm(kernel))
        result["spectral_observed"] = float(np.linalg.norm(kernel.reshape(-1, kernel.shape[-1]), 2))
    return result


def perturbation_sharpness(loss, weights, sigma=SHARPNESS_SIGMA, n_draws=10, seed=0):
    r"""Mean increase of a loss when every weight is perturbed relative to its magnitude.

    .. math:: S = \mathrm{E}_\varepsilon\left[L(w + \sigma |w| \odot \varepsilon)\right] - L(w),
              \qquad \varepsilon \sim \mathcal{N}(0, I)

    estimated over ``n_draws`` antithetic pairs of draws (:math:`\pm\varepsilon`,
    so the first-order term cancels in each pair). For a quadratic loss
    :math:`\tfrac12\sum_i a_i w_i^2` it is exactly :math:`\tfrac12\sigma^2\sum_i a_i w_i^2`.

    Parameters
    ----------
    loss : callable
        ``loss(list of arrays) -> float``.
    weights : list of numpy.ndarray
    sigma : float
        Relative size of the perturbation (positive).
    n_draws : int
    seed : int

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        If ``sigma`` is not positive or ``n_draws`` below 1.

    Examples
    --------
    >>> quadratic = lambda ws: 0.5 * float(np.sum(ws[0] ** 2))
    >>> round(perturbation_sharpness(quadratic, [np.full(10_000, 2.0)], sigma=0.1, n_draws=20), -1)
    200.0
    """
    if not sigma > 0:
        raise ParameterError(f"`sigma` must be positive; got {sigma!r}.", "sigma")
    if n_draws < 1:
        raise ParameterError(f"`n_draws` must be at least 1; got {n_draws!r}.", "n_draws")
    rng = np.random.default_rng(seed)
    base = loss(weights)
    increases = []
    for _ in range(n_draws):
        # Antithetic pairs (+e and -e): the first-order term cancels, leaving the curvature.
        noise = [sigma * np.abs(w) * rng.standard_normal(w.shape).astype(w.dtype) for w in weights]
        plus = loss([w + e for w, e in zip(weights, noise)])
        minus = loss([w - e for w, e in zip(weights, noise)])
        increases.append((plus + minus) / 2 - base)
    return float(np.mean(increases))


def margins(hidden, kernel, bias, labels):
    r"""Output and hidden-layer margins of each sample, for logits linear in a hidden layer.

    With logits :math:`z = h W + b` and true class :math:`y`:

    .. math:: m_{\mathrm{out}} = z_y - \max_{j \ne y} z_j, \qquad
              m_{\mathrm{hidden}} = \min_{j \ne y} \frac{z_y - z_j}{\lVert W_{:,y} - W_{:,j} \rVert}

    :math:`m_{\mathrm{hidden}}` is the exact distance from :math:`h` to the nearest
    decision boundary (the logits are linear in :math:`h`); both are negative
    for a misclassified sample.

    Parameters
    ----------
    hidden : numpy.ndarray, shape (n_samples, n_nodes)
    kernel : numpy.ndarray, shape (n_nodes, n_classes)
    bias : numpy.ndarray, shape (n_classes,)
    labels : numpy.ndarray of int, shape (n_samples,)

    Returns
    -------
    output_margin, hidden_margin : numpy.ndarray, shape (n_samples,)

    Raises
    ------
    ParameterError
        If the shapes disagree or there are fewer than two classes.

    Examples
    --------
    >>> out, hid = margins(np.array([[3.0, 0.0]]), np.eye(2), np.zeros(2), np.array([0]))
    >>> float(out[0]), round(float(hid[0]), 4)  # the boundary h0 = h1 lies 3 / sqrt(2) away
    (3.0, 2.1213)
    """
    hidden = np.asarray(hidden, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    labels = np.asarray(labels)
    if hidden.ndim != 2 or kernel.ndim != 2 or hidden.shape[1] != kernel.shape[0] or len(labels) != len(hidden):
        raise ParameterError(f"`hidden` {hidden.shape}, `kernel` {kernel.shape} and `labels` {labels.shape} must "
                             "be (n_samples, n_nodes), (n_nodes, n_classes) and (n_samples,).", "hidden")
    if kernel.shape[1] < 2:
        raise ParameterError("Margins need at least two classes; `kernel` has one column.", "kernel")
    logits = hidden @ kernel + np.asarray(bias, dtype=np.float64)
    rows = np.arange(len(labels))
    differences = logits[rows, labels][:, None] - logits  # z_y - z_j
    distances = np.linalg.norm(kernel[:, :, None] - kernel[:, None, :], axis=0)  # ||W_y - W_j||
    differences[rows, labels] = np.inf
    output_margin = differences.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = differences / distances[labels]
    scaled[rows, labels] = np.inf
    return output_margin, scaled.min(axis=1)


def mixup_davies_bouldin(represent, x, labels, per_class=MIXUP_PER_CLASS, seed=0):
    """Davies–Bouldin index of the representations of label-wise mixed samples.

    For each class, ``per_class`` pairs of its samples are drawn and averaged
    (mixup with weight 1/2, within the class, so the label is unchanged);
    ``represent`` maps them to a layer's activations, which are clustered by
    class. Natekar & Sharma (2020) found well-separated clusters of mixed
    samples go with small generalization gaps; they chose the layer per task,
    here it is the observed layer.

    Parameters
    ----------
    represent : callable
        Inputs -> activations, shape (n, n_nodes).
    x : numpy.ndarray
        Training inputs.
    labels : numpy.ndarray of int
    per_class : int
    seed : int

    Returns
    -------
    float
        ``sklearn.metrics.davies_bouldin_score``; ``nan`` when fewer than two
        classes have a sample or the representations are all equal.

    Raises
    ------
    MissingDependencyError
        If scikit-learn is not installed.

    Examples
    --------
    >>> x = np.array([[0.0], [0.1], [5.0], [5.1]]); y = np.array([0, 0, 1, 1])
    >>> round(mixup_davies_bouldin(lambda v: v, x, y, per_class=4), 3) < 0.05
    True
    """
    metrics = soft_import("sklearn.metrics", "the mixup Davies-Bouldin index")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    mixed, classes = [], []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        first, second = rng.choice(members, per_class), rng.choice(members, per_class)
        mixed.append((x[first] + x[second]) / 2)
        classes.append(np.full(per_class, label))
    if len(mixed) < 2:
        return float("nan")
    classes = np.concatenate(classes)
    features = np.asarray(represent(np.concatenate(mixed)), dtype=np.float64).reshape(len(classes), -1)
    if np.ptp(features, axis=0).max(initial=0) == 0:
        return float("nan")
    return float(metrics.davies_bouldin_score(features, classes))


def _head(network, layer):
    """The layers after ``layer`` as a function of its activations (a chain, as in the paper's models)."""
    names = [item.name for item in network.layers]
    following = network.layers[names.index(layer) + 1:]

    def head(activations):
        values = activations
        for item in following:
            values = item(values, training=False)
        return np.asarray(values)

    return head


def network_diagnostics(network, x, labels, layer, initial_weights=None, seed=0):
    """Every rival diagnostic of one trained network, with the seconds each took.

    Parameters
    ----------
    network : keras.Model
    x, labels : numpy.ndarray
        A fixed set of training samples and the labels the network was trained with.
    layer : str
        The observed layer.
    initial_weights : dict of str to numpy.ndarray, optional
        The network's weights at initialisation, by variable path.
    seed : int

    Returns
    -------
    values : dict
        WeightWatcher's four metrics and status, ``ablation_area`` and the
        ablation curve, ``output_margin`` and ``hidden_margin`` (10th
        percentiles) and their medians, ``mixup_davies_bouldin``, the weight
        norms and distance from initialisation, ``sharpness``.
    seconds : dict
        The time each diagnostic took.

    Raises
    ------
    MissingDependencyError
        If TensorFlow, Keras or weightwatcher is not installed.
    """
    tf = soft_import("tensorflow", "the rival diagnostics")
    keras = soft_import("keras", "the rival diagnostics")
    values, seconds = {}, {}

    start = time.perf_counter()
    values.update(weightwatcher_metrics(network, layer))
    seconds["weightwatcher"] = time.perf_counter() - start

    start = time.perf_counter()
    upto = keras.Model(network.input, network.get_layer(layer).output)
    activations = forward(upto, x)
    if activations.ndim == 2:
        curve, area = ablation_curve(activations, _head(network, layer), labels, seed=seed)
        values.update(ablation_area=area, ablation_curve=curve.tolist())
    else:
        values.update(ablation_area=float("nan"), ablation_curve=[])
    seconds["ablation"] = time.perf_counter() - start

    start = time.perf_counter()
    values.update(output_margin=float("nan"), hidden_margin=float("nan"), output_margin_median=float("nan"),
                  hidden_margin_median=float("nan"))
    head = [item for item in network.layers[[i.name for i in network.layers].index(layer) + 1:] if item.weights]
    if activations.ndim == 2 and len(head) == 1 and getattr(head[0], "kernel", None) is not None:
        # The output layer alone follows (dropout is the identity at inference): logits are linear in h.
        output, hidden = margins(activations, np.asarray(head[0].kernel), np.asarray(head[0].bias), labels)
        values.update(output_margin=float(np.percentile(output, MARGIN_PERCENTILE)),
                      hidden_margin=float(np.percentile(hidden, MARGIN_PERCENTILE)),
                      output_margin_median=float(np.median(output)), hidden_margin_median=float(np.median(hidden)))
    seconds["margins"] = time.perf_counter() - start

    start = time.perf_counter()
    values["mixup_davies_bouldin"] = mixup_davies_bouldin(
        lambda inputs: forward(upto, inputs), x, labels, seed=seed)
    seconds["mixup_davies_bouldin"] = time.perf_counter() - start

    start = time.perf_counter()
    kernels = {v.path: np.asarray(v) for v in network.weights}
    observed = network.get_layer(layer)
    kernel_path = observed.kernel.path if getattr(observed, "kernel", None) is not None else None
    initial = None
    if initial_weights is not None and set(initial_weights) == set(kernels):
        initial = initial_weights
    values.update(weight_norms(kernels, initial, kernel_path))
    seconds["weight_norms"] = time.perf_counter() - start

    start = time.perf_counter()
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    variables = network.trainable_weights
    saved = [np.asarray(v) for v in variables]
    inputs, targets = tf.constant(x), tf.constant(labels)

    @tf.function
    def current_loss():
        return loss_function(targets, network(inputs, training=False))

    def loss(weights):
        for variable, value in zip(variables, weights):
            variable.assign(value)
        return float(current_loss())

    try:
        values["sharpness"] = perturbation_sharpness(loss, saved, seed=seed)
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)
    seconds["sharpness"] = time.perf_counter() - start
    return values, seconds
