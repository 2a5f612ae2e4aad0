"""What a cell's ``metrics.json`` holds: the fields, what each measures, and the rules that derive them.

The cell writes these fields (:func:`spikelib.experiment.cell.run_cell`), the
readers check them (:func:`spikelib.experiment.cellfiles.cell_status`,
:func:`spikelib.report.results.finished_cells`), and the migration of
committed cells (:mod:`spikelib.pipeline.migrate`) recomputes the derived
ones from the stored ones. All accuracies are fractions in [0, 1].

Accuracies and losses
---------------------
``train_accuracy``
    The paper's training accuracy: Keras' running accuracy of the last epoch
    (the mean over its batches while the weights still change, with dropout
    active), or the evaluated one for an untrained network.
``train_accuracy_running``
    The same running accuracy, under its own name.
``train_accuracy_evaluated``
    An evaluation pass after training over the samples trained on (the fitted
    samples, not the validation tail), with the labels trained on, in
    inference mode.
``train_accuracy_true_labels``
    The same pass against the true labels (differs from the above where labels
    were shuffled).
``validation_accuracy``
    An evaluation pass over the validation tail, with the labels trained on.
``test_accuracy``
    An evaluation pass over the test split, true labels.
``train_loss_evaluated``
    Cross-entropy of the evaluation pass over the fitted samples (no penalty).
``train_loss_running``
    Keras' running loss of the last epoch (penalties included).

Data set
--------
``dataset``
    ``name``, ``source``, ``n_train``, ``n_test``, ``input_shape``,
    ``n_classes`` (chance accuracy is ``1 / n_classes``) and, for an ``.npz``
    file, its ``sha256``.

Gaps (see :func:`gaps`)
-----------------------
``generalization_gap``
    ``train_accuracy_evaluated - test_accuracy``: how much better the network
    does on the samples it was trained on than on unseen ones (with shuffled
    labels, how much it memorized beyond what it learned).
``validation_gap``
    ``train_accuracy - validation_accuracy``: the running training accuracy
    minus the validation accuracy, both on the labels trained on. It is what
    Keras' log shows during training; it is not the generalization gap.

Functions
---------
gaps
    The two gap fields from the accuracies.
problem
    What makes a ``metrics.json`` unusable (the writer and every reader apply it).
"""

import math

__all__ = ["gaps", "problem", "FIELDS", "GAP_FIELDS", "ACCURACY_FIELDS", "LOSS_FIELDS", "SCHEMA_VERSION"]

#: Version of the ``metrics.json`` fields: 2 split the gap into ``generalization_gap`` (train - test)
#: and ``validation_gap`` and added the training losses. Cells of version 1 are brought up to date
#: by :mod:`spikelib.pipeline.migrate`.
SCHEMA_VERSION = 2

ACCURACY_FIELDS = ("train_accuracy", "train_accuracy_running", "train_accuracy_evaluated", "validation_accuracy",
                   "test_accuracy", "train_accuracy_true_labels")
LOSS_FIELDS = ("train_loss_evaluated", "train_loss_running")
GAP_FIELDS = ("generalization_gap", "validation_gap")


def gaps(accuracies):
    """The gap fields of ``metrics.json`` from its accuracies.

    Parameters
    ----------
    accuracies : mapping
        With ``train_accuracy``, ``train_accuracy_evaluated``,
        ``validation_accuracy`` and ``test_accuracy`` (fractions).

    Returns
    -------
    dict
        ``generalization_gap`` and ``validation_gap``.

    Examples
    --------
    >>> gaps({"train_accuracy": 0.97, "train_accuracy_evaluated": 0.99, "validation_accuracy": 0.85,
    ...       "test_accuracy": 0.84})  # doctest: +ELLIPSIS
    {'generalization_gap': 0.15..., 'validation_gap': 0.12...}
    """
    return {"generalization_gap": accuracies["train_accuracy_evaluated"] - accuracies["test_accuracy"],
            "validation_gap": accuracies["train_accuracy"] - accuracies["validation_accuracy"]}


# --- One rule for every reader and the writer ------------------------------------------------------------


def _number(value, low=None, high=None, allow_nan=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "is not a number"
    if math.isnan(value):
        return None if allow_nan else "is nan"
    if math.isinf(value):
        return "is infinite"
    if (low is not None and value < low) or (high is not None and value > high):
        return f"lies outside [{low}, {high}]"
    return None


def _count(low):
    return lambda value: (None if isinstance(value, int) and not isinstance(value, bool) and value >= low
                          else f"is not a whole number of at least {low}")


def _kind(kind, what):
    return lambda value: None if isinstance(value, kind) else f"is not {what}"


def _fraction(value):
    return _number(value, 0.0, 1.0)


def _nonnegative(value):
    return _number(value, 0.0)


_SPLIT = (("mfr", _fraction), ("cv_fr", _nonnegative), ("mf", _nonnegative), ("cv_mf", _nonnegative),
          ("n_nodes", _count(1)), ("n_samples", _count(1)))
#: Every field a finished cell's ``metrics.json`` must hold, each with the rule its value keeps: a path of keys
#: and a function that says what is wrong with a value (``None`` when nothing is).
FIELDS = (
    (("cell_id",), _kind(str, "a cell id")),
    (("parameters",), _kind(dict, "a record")),
    (("parameters", "condition"), _kind(str, "a condition")),
    (("parameters", "model"), _kind(str, "a model")),
    (("parameters", "width"), _count(1)),
    (("parameters", "seed"), _count(0)),
    (("dataset",), _kind(dict, "a record")),
    (("dataset", "name"), _kind(str, "a name")),
    (("epochs",), _kind(dict, "a record")),
    (("stop_reasons",), _kind(dict, "a record")),
    (("labels",), _kind(dict, "a record")),
    (("labels", "noise"), lambda value: None if value is None else _fraction(value)),
    *(((name,), _fraction) for name in ("train_accuracy", "train_accuracy_evaluated", "validation_accuracy",
                                         "test_accuracy")),
    (("generalization_gap",), lambda value: _number(value, -1.0, 1.0)),
    (("wall_time_s",), lambda value: _number(value, 0.0, allow_nan=False)),
    *((("splits", split, name), rule) for split in ("train", "test") for name, rule in _SPLIT),
    (("files",), _kind(dict, "a record of files")),
)


def problem(metrics):
    """What makes a cell's ``metrics.json`` unusable, naming the key, or ``None`` when it keeps every rule.

    The cell checks what it writes with it and every reader checks what it reads
    (:func:`spikelib.experiment.cellfiles.cell_status`), so that a table never shows
    a value out of its range and a reader never meets a missing key.

    Examples
    --------
    >>> problem({"complete": True})
    'lacks cell_id'
    >>> good = {"complete": True, "cell_id": "c", "parameters": {"condition": "random", "model": "mlp", "width": 8,
    ...         "seed": 0}, "dataset": {"name": "digits"}, "epochs": {}, "stop_reasons": {}, "labels": {"noise": 0.0},
    ...         "train_accuracy": 0.5, "train_accuracy_evaluated": 0.5, "validation_accuracy": 0.4,
    ...         "test_accuracy": 0.4, "generalization_gap": 0.1, "wall_time_s": 3.0, "files": {},
    ...         "splits": {s: {"mfr": 0.4, "cv_fr": 0.2, "mf": 0.6, "cv_mf": 0.1, "n_nodes": 8, "n_samples": 100}
    ...                    for s in ("train", "test")}}
    >>> problem(good) is None, problem({**good, "splits": {**good["splits"], "test": {**good["splits"]["test"],
    ...                                                                              "mfr": 7.0}}})
    (True, 'splits.test.mfr lies outside [0.0, 1.0] (got 7.0)')
    """
    if not isinstance(metrics, dict):
        return f"is a {type(metrics).__name__}, not a record"
    if metrics.get("complete") is not True:
        return f"does not say complete: true (got {metrics.get('complete')!r})"
    for path, rule in FIELDS:
        node = metrics
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return f"lacks {'.'.join(path)}"
            node = node[key]
        wrong = rule(node)
        if wrong:
            return f"{'.'.join(path)} {wrong} (got {node!r:.60})"
    return None
