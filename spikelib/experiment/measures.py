"""The registry of measures: every indicator, rival diagnostic and control a network is scored on.

One entry per measure says what it is called (its column in the results and
the one name a reader sees), its family, which way its source expects it to
move with memorization, what it is computed from, and the function that
computes it. The cell stores each measure under its column; the benchmark,
the zoo, the claims, the tables, the figures and ``spikelib diagnose`` read the
columns and the names from here, so that a measure is added in one place.

Families
--------
``paper``
    The paper's four indicators, from the binarized recording of the training
    samples.
``followup``
    The follow-up paper's indicators (activation probability, correlation) and
    the Bernoulli null's excess Fano factor, from the same recording.
``rival``
    Diagnostics a researcher would otherwise reach for (WeightWatcher, norms,
    sharpness, margins, ablation, the PGDL winner).
``control``
    How well the network fits its training samples: a measure earns credit
    only for what these do not already explain.

Attributes
----------
MEASURES
    Every measure, in the order tables show them.
PAPER_INDICATORS
    The columns of the paper's four indicators (MFR, CV of FR, MF, CV of MF).

Functions
---------
measure
    One measure by its column.
by_family
    The measures of one or more families.
values
    Every measure's value in a cell's ``metrics.json``.
"""

from dataclasses import dataclass

__all__ = ["Measure", "MEASURES", "PAPER_INDICATORS", "FAMILIES", "FAMILY_LABELS", "measure", "by_family", "labels",
           "values"]

#: The families, in the order tables show them.
FAMILIES = ("paper", "followup", "rival", "control")
#: How a reader names each family.
FAMILY_LABELS = {"paper": "the paper's", "followup": "the follow-up's", "rival": "rival", "control": "control"}
_RECORDING = "training recording"


@dataclass(frozen=True)
class Measure:
    """One measure of a trained network.

    Attributes
    ----------
    column : str
        Its key in ``metrics.json`` (a split's statistics, the diagnostics, or
        the accuracies) and in every table.
    label : str
        The one name a reader sees.
    family : str
        One of :data:`FAMILIES`.
    expected : int
        The direction its source expects with more memorization: ``+1``
        higher, ``-1`` lower, ``0`` no stated direction. Our pages report the
        direction measured (the sign of its relation with the gap) beside it.
    source : str
        What it is computed from: ``"training recording"``, ``"weights"``,
        ``"weights and training samples"``, ``"training samples"``.
    computed_by : str
        The function that computes it.
    cost : str
        The group of the analysis whose seconds ``metrics.json`` records for it.
    needs_labels : bool
        Whether it needs the training labels (a researcher without labels
        cannot compute it).
    stored : tuple of str
        Where ``metrics.json`` keeps it (a path of keys; default: the training
        split's statistics for the recording's measures, the diagnostics for
        the others).
    """

    column: str
    label: str
    family: str
    expected: int
    source: str
    computed_by: str
    cost: str
    needs_labels: bool = False
    stored: tuple = ()

    @property
    def path(self):
        """The keys that lead to the value in ``metrics.json``."""
        if self.stored:
            return self.stored
        return ("splits", "train", self.column) if self.source == _RECORDING else ("diagnostics", self.column)

    def value(self, metrics):
        """The measure's value in a cell's ``metrics.json`` (``nan`` where the cell did not record it)."""
        node = metrics
        for key in self.path:
            if not isinstance(node, dict) or key not in node:
                return float("nan")
            node = node[key]
        return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else float("nan")


MEASURES = (
    Measure("mfr", "MFR", "paper", -1, _RECORDING, "spikelib.summarize", "paper_indicators"),
    Measure("cv_fr", "CV of FR", "paper", +1, _RECORDING, "spikelib.summarize", "paper_indicators"),
    Measure("mf", "MF", "paper", +1, _RECORDING, "spikelib.summarize", "paper_indicators"),
    Measure("cv_mf", "CV of MF", "paper", +1, _RECORDING, "spikelib.summarize", "paper_indicators"),
    Measure("excess_fano_mean", "excess Fano", "followup", +1, _RECORDING, "spikelib.bernoulli.excess_fano",
            "bernoulli"),
    Measure("share_rare_5", "share of rare nodes", "followup", +1, _RECORDING,
            "spikelib.activation.activation_summary", "activation_probability"),
    Measure("mean_abs_r", "mean |r|", "followup", 0, _RECORDING, "spikelib.correlation.correlation_summary",
            "correlation"),
    Measure("participation_ratio", "participation ratio", "followup", 0, _RECORDING,
            "spikelib.correlation.correlation_summary", "correlation"),
    Measure("alpha", "WeightWatcher α", "rival", -1, "weights", "spikelib.experiment.diagnostics.weightwatcher_metrics",
            "weightwatcher"),
    Measure("alpha_weighted", "WeightWatcher weighted α", "rival", -1, "weights",
            "spikelib.experiment.diagnostics.weightwatcher_metrics", "weightwatcher"),
    Measure("log_spectral_norm", "WeightWatcher log spectral norm", "rival", +1, "weights",
            "spikelib.experiment.diagnostics.weightwatcher_metrics", "weightwatcher"),
    Measure("stable_rank", "WeightWatcher stable rank", "rival", 0, "weights",
            "spikelib.experiment.diagnostics.weightwatcher_metrics", "weightwatcher"),
    Measure("ablation_area", "single-direction ablation (area)", "rival", -1, "weights and training samples",
            "spikelib.experiment.diagnostics.ablation_curve", "ablation", needs_labels=True),
    Measure("frobenius_observed", "Frobenius norm (observed layer)", "rival", +1, "weights",
            "spikelib.experiment.diagnostics.weight_norms", "weight_norms"),
    Measure("spectral_observed", "spectral norm (observed layer)", "rival", +1, "weights",
            "spikelib.experiment.diagnostics.weight_norms", "weight_norms"),
    Measure("frobenius_all", "Frobenius norm (all weights)", "rival", +1, "weights",
            "spikelib.experiment.diagnostics.weight_norms", "weight_norms"),
    Measure("distance_from_init", "distance from initialisation", "rival", +1, "weights",
            "spikelib.experiment.diagnostics.weight_norms", "weight_norms"),
    Measure("sharpness", "sharpness (loss increase under perturbation)", "rival", +1, "weights and training samples",
            "spikelib.experiment.diagnostics.perturbation_sharpness", "sharpness", needs_labels=True),
    Measure("output_margin", "output margin (10th percentile)", "rival", -1, "weights and training samples",
            "spikelib.experiment.diagnostics.margins", "margins", needs_labels=True),
    Measure("hidden_margin", "hidden-layer margin (10th percentile)", "rival", -1, "weights and training samples",
            "spikelib.experiment.diagnostics.margins", "margins", needs_labels=True),
    Measure("mixup_davies_bouldin", "Davies–Bouldin index with mixup (PGDL winner)", "rival", 0,
            "weights and training samples", "spikelib.experiment.diagnostics.mixup_davies_bouldin",
            "mixup_davies_bouldin", needs_labels=True),
    Measure("train_accuracy", "training accuracy", "control", 0, "training samples",
            "an evaluation pass over the fitted samples (spikelib.experiment.schema)", "training", needs_labels=True,
            stored=("train_accuracy_evaluated",)),
    Measure("train_loss", "final training loss", "control", 0, "training samples",
            "Keras' running loss of the last epoch, penalties included (spikelib.experiment.schema)", "training",
            needs_labels=True, stored=("train_loss_running",)),
    Measure("train_cross_entropy", "training cross-entropy", "control", 0, "training samples",
            "cross-entropy of an evaluation pass over the fitted samples (spikelib.experiment.schema; cells of "
            "schema 2)", "training", needs_labels=True, stored=("train_loss_evaluated",)),
)
PAPER_INDICATORS = tuple(m.column for m in MEASURES if m.family == "paper")
_BY_COLUMN = {m.column: m for m in MEASURES}


def measure(column):
    """The measure stored under ``column``.

    Raises
    ------
    KeyError
        Naming the column and the known ones.

    Examples
    --------
    >>> measure("mfr").label, measure("output_margin").family
    ('MFR', 'rival')
    """
    try:
        return _BY_COLUMN[column]
    except KeyError:
        raise KeyError(f"No measure {column!r}; the registry has {sorted(_BY_COLUMN)}.") from None


def by_family(*families):
    """The measures of the given families (all when none is given), in registry order.

    Raises
    ------
    KeyError
        Naming a family that is not one of :data:`FAMILIES`.

    Examples
    --------
    >>> [m.column for m in by_family("paper")]
    ['mfr', 'cv_fr', 'mf', 'cv_mf']
    """
    unknown = set(families) - set(FAMILIES)
    if unknown:
        raise KeyError(f"Unknown families {sorted(unknown)}; the families are {list(FAMILIES)}.")
    return tuple(m for m in MEASURES if not families or m.family in families)


def labels():
    """Column -> reader's name for every measure."""
    return {m.column: m.label for m in MEASURES}


def values(metrics, measures=MEASURES):
    """Column -> value of every measure in a cell's ``metrics.json`` (``nan`` where not recorded).

    >>> values({"splits": {"train": {"mfr": 0.4}}, "train_accuracy_evaluated": 0.99})["mfr"]
    0.4
    """
    return {m.column: m.value(metrics) for m in measures}
