"""The paper's own numbers that training aims at: its Table 1 accuracies.

Functions
---------
paper_accuracy
    The paper's training or validation accuracy (a fraction) of one network,
    or ``None`` where the paper reports none (e.g. the digits data set).
"""

import csv
from functools import lru_cache

from .. import paths

__all__ = ["paper_accuracy", "PAPER_MODELS", "PAPER_DATASETS"]

#: How the paper's tables spell the compendium's model and data-set names.
PAPER_MODELS = {"mlp": "MLP", "cnn": "CNN", "densenet": "DenseNet"}
PAPER_DATASETS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}


@lru_cache(maxsize=1)
def _table1():
    with open(paths.DATA / "paper" / "table1_accuracy.csv", newline="") as handle:
        return {(row["model"], int(row["width"]), row["dataset"], row["split"], row["condition"]):
                float(row["accuracy"]) / 100 for row in csv.DictReader(handle)}


def paper_accuracy(dataset, model, width, condition, split):
    """The paper's Table 1 accuracy of one network, as a fraction.

    Parameters
    ----------
    dataset, model : str
        The compendium's names (``fashion_mnist``, ``mlp``).
    width : int
    condition : str
    split : {"train", "validation"}

    Returns
    -------
    float or None

    Examples
    --------
    >>> paper_accuracy("fashion_mnist", "mlp", 512, "mem_retrain_last", "train")
    0.9884
    >>> paper_accuracy("digits", "mlp", 512, "mem_retrain_last", "train") is None
    True
    """
    key = (PAPER_MODELS.get(model), int(width), PAPER_DATASETS.get(dataset), split, condition)
    return _table1().get(key)
