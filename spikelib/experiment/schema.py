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
"""

__all__ = ["gaps", "GAP_FIELDS", "ACCURACY_FIELDS", "LOSS_FIELDS", "SCHEMA_VERSION"]

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
