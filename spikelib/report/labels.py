"""Reader-facing names of the compendium's columns, in one place.

Tables, legends and captions take their labels from here, so that a reader
never sees an internal key (``mean_abs_r``, ``weight_decay``).

Attributes
----------
MEASURE_LABELS
    Every measure of the registry (:mod:`spikelib.experiment.measures`), and its residual beyond MFR.
FACTOR_LABELS
    Hyperparameters of a network.
COLUMN_LABELS
    Every other column a page shows (statistics of the follow-up, record keys).
CONDITION_LABELS, MODEL_NAMES, DATASET_NAMES
    The paper's names of the conditions, models and data sets.
"""

from ..experiment.measures import labels

__all__ = ["MEASURE_LABELS", "FACTOR_LABELS", "COLUMN_LABELS", "CONDITION_LABELS", "MODEL_NAMES", "DATASET_NAMES",
           "label", "network_name", "format_level", "column_kind", "ROW_KEYS", "COLUMN_KINDS"]

CONDITION_LABELS = {"generalizing": "Generalizing", "mem_retrain_last": "MemRetrainLast",
                    "mem_random_last": "MemRandomLast", "mem_retrain_all": "MemRetrainAll", "random": "Random"}
MODEL_NAMES = {"mlp": "MLP", "cnn": "CNN", "densenet": "DenseNet"}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}

_MEASURES = labels()
#: Column -> label; ``<column>|mfr`` (a residual beyond MFR) -> ``<label> beyond MFR``.
MEASURE_LABELS = {**_MEASURES, **{f"{column}|mfr": f"{name} beyond MFR" for column, name in _MEASURES.items()}}
FACTOR_LABELS = {"depth": "depth", "width": "width", "dropout": "dropout", "weight_decay": "weight decay",
                 "learning_rate": "learning rate", "train_samples": "training samples", "architecture": "architecture",
                 "batch_size": "batch size", "label_noise": "label noise", "l1": "L1", "l2": "L2"}

COLUMN_LABELS = {
    "lambda_q05": "λ, 5th percentile", "lambda_q50": "λ, median", "lambda_q95": "λ, 95th percentile",
    "share_rare_1": "share of nodes, λ < 0.01", "share_silent": "share of silent nodes",
    "share_always_on": "share of always-on nodes", "beta_a": "Beta a", "beta_b": "Beta b",
    "beta_ks": "Beta fit, KS distance", "mean_positive_activation": "mean positive activation", "mean_r": "mean r",
    "r_q05": "r, 5th percentile", "r_q50": "r, median", "r_q95": "r, 95th percentile",
    "share_significant": "share of significant pairs", "n_varying": "nodes that vary",
    "weights_in_std": "SD of incoming weights", "weights_in_kurtosis": "excess kurtosis of incoming weights",
    "in_l2_mean": "mean incoming L2 norm", "out_l2_mean": "mean outgoing L2 norm",
    "rho_in_l2_rate": "ρ(incoming L2, λ)", "rho_out_l2_rate": "ρ(outgoing L2, λ)", "rho_bias_rate": "ρ(bias, λ)",
    "gaussian_rate_mae": "Gaussian λ, mean abs. error", "ks_distance": "KS distance", "fraction": "fitted fraction",
    "mfr_predicted": "MFR predicted", "cv_fr_predicted": "CV of FR predicted", "mf_predicted": "MF predicted",
    "cv_mf_predicted": "CV of MF predicted", "mfr_change": "MFR change", "n_nodes": "nodes", "train_accuracy":
    "training accuracy", "test_accuracy": "test accuracy", "validation_accuracy": "validation accuracy",
    "dispersion_ratio_mean": "dispersion ratio", "cell_id": "cell", "n_samples": "samples",
    "excess_fano": "excess Fano",
    "alarm_epoch": "alarm epoch", "median_alarm_epoch": "median alarm epoch", "switch_epoch": "switch epoch",
    "beyond_rate": "separation beyond MFR", "r2_with_rate": "R² with MFR",
    "dispersion_ratio_class_sorted": "dispersion ratio, samples sorted by class",
    "share_geometric_isi": "share of nodes with geometric ISIs", "share_overdispersed": "share overdispersed",
    "share_overdispersed_class_sorted": "share overdispersed, samples sorted by class",
    "share_underdispersed": "share underdispersed", "adf_max_pvalue": "ADF, largest p",
    "adf_stationary_fraction": "ADF, share stationary", "change_point_nodes": "nodes with a change point",
    "fano_below": "Fano below 1", "fano_above": "Fano above 1", "fano_compatible": "Fano compatible with 1",
    "fano_compatible_fraction": "share compatible with F = 1", "ljung_box_fisher_p": "Ljung-Box p (Fisher)",
    "ljung_box_pearson_p": "Ljung-Box p (Pearson)", "ljung_box_rejected_fraction": "Ljung-Box, share rejected",
    "n_silent": "silent nodes", "n_always_on": "always-on nodes",
}


#: What kind of number each column holds, and so how every table prints it: ``count`` (a whole number,
#: thousands separated), ``integer`` (a whole number that names something: a width, a seed), ``p`` (a p-value:
#: ``< 0.001`` below it), ``fraction_percent`` (a fraction printed in percent), ``percent`` (already in percent),
#: ``level`` (a setting such as a label noise or a dropout rate: as few digits as it has, 0.6 not 0.600).
#: Columns not named here print with the table's digits; the names a page shows (labels) are looked up as well.
COLUMN_KINDS = {
    **{name: "count" for name in (
        "networks", "cells", "n", "n_networks", "n_cells", "pairs", "strata", "nodes", "n_nodes", "n_varying",
        "n_samples", "samples", "train_samples", "recorded_samples", "epochs", "epochs_true", "epochs_shuffled",
        "right", "wrong", "cannot tell", "not scored", "passed", "failed", "seeds", "n_silent", "n_always_on", "fano_below",
        "fano_above", "fano_compatible", "change_point_nodes", "alarm_epoch", "median_alarm_epoch",
        "switch_epoch", "windows", "tests", "rejected", "compatible", "significant pairs", "controls")},
    **{name: "integer" for name in ("width", "seed", "depth", "batch_size", "window", "lags")},
    **{name: "level" for name in ("label_noise", "noise", "dropout", "weight_decay", "learning_rate", "strength",
                                  "l1", "l2")},
    **{name: "p" for name in ("p", "p_value", "pvalue", "ljung_box_fisher_p", "ljung_box_pearson_p", "adf_max_pvalue",
                              "p (Bonferroni)", "combined p")},
    **{name: "fraction_percent" for name in ("train_accuracy", "test_accuracy", "validation_accuracy",
                                             "train_accuracy_evaluated", "right share", "fit", "cv_fr", "cv_mf",
                                             "cv_fr_predicted", "cv_mf_predicted", "fitted fraction")},
    **{name: "percent" for name in ("accuracy", "accuracy_paper")},
    # a percentile rank among reference networks: a whole number, as the terminal report prints it
    **{name: "percentile" for name in ("percentile among clean", "percentile among memorizing")},
    **{name: "seconds" for name in ("seconds", "seconds per network", "train_seconds", "seconds_per_network")},
}
#: Columns that name a row (a network, a measure): a table split across the page repeats them in every part.
ROW_KEYS = ("profile", "source", "network", "cell_id", "model", "architecture", "family", "dataset", "width", "depth",
            "condition", "split", "label_noise", "seed", "layer", "position", "penalty", "kind", "strength",
            "train_samples", "samples", "recorded_samples", "subset", "design", "dropout", "weight_decay",
            "learning_rate", "measure",
            "statistic", "indicator", "stratum", "mode", "left out", "networks of", "group", "parameter", "key",
            "hypothesis", "control", "claim", "label noise", "training samples")


def column_kind(column):
    """How a column's numbers print (:data:`COLUMN_KINDS`), by its key or its label; ``None`` for measures.

    >>> column_kind("width"), column_kind("networks"), column_kind("ljung_box_fisher_p"), column_kind("mfr")
    ('integer', 'count', 'p', None)
    >>> column_kind("gap (percentage points)"), column_kind("test accuracy (%)")
    ('points', 'points')
    """
    if not isinstance(column, str):
        return None
    kind = COLUMN_KINDS.get(column) or _KINDS_BY_LABEL.get(column)
    if kind is None:
        lowered = column.lower()
        first = lowered.split(" ")[0].split("(")[0]
        if lowered.startswith("n_") or lowered.startswith("number of ") or first in _COUNT_WORDS \
                or lowered.startswith("ours within"):
            kind = "count"
        elif lowered.endswith(" p") or lowered.endswith("_p") or lowered.startswith("p-value") or " p-value" in lowered:
            kind = "p"
        elif "share" in lowered.replace("_", " ").replace(",", " ").split():  # a share prints in percent, as prose
            kind = "fraction_percent"
        elif lowered.endswith("(percentage points)") or lowered.endswith("(%)"):  # already in percent: one decimal
            kind = "points"
    return kind


#: A column whose heading starts with one of these words counts things.
_COUNT_WORDS = {"windows", "nodes", "networks", "cells", "samples", "epochs", "runs", "alarms", "values", "tests",
                "passed", "failed", "seeds", "strata"}


def _kinds_by_label():
    return {label(column): kind for column, kind in COLUMN_KINDS.items() if label(column) != column}


def label(column):
    """The reader-facing name of a column (the column itself when none is declared).

    >>> label("mean_abs_r"), label("weight_decay"), label("cv_mf|mfr")
    ('mean |r|', 'weight decay', 'CV of MF beyond MFR')
    """
    return MEASURE_LABELS.get(column) or FACTOR_LABELS.get(column) or COLUMN_LABELS.get(column) or column


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def format_level(value):
    """A setting (a noise fraction, a penalty strength) as a reader writes it: a small power of ten as one.

    >>> format_level(1e-05), format_level(2e-05), format_level(0.001), format_level(0.6)
    ('10⁻⁵', '2 × 10⁻⁵', '0.001', '0.6')
    """
    value = float(value)
    if value and abs(value) < 1e-3:
        mantissa, exponent = f"{value:e}".split("e")
        power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
        return power if float(mantissa) == 1 else f"{float(mantissa):g} × {power}"
    return f"{value:g}"


def network_name(parameters, condition=True):
    """A network as a reader names it, from its parameters (a mapping, or a row of a network table).

    The architecture and width, the hyperparameters that differ from the paper's, the condition
    (unless generalizing, or ``condition=False`` where a table shows it in a column of its own) and the seed.

    Examples
    --------
    >>> network_name({"model": "mlp", "width": 128, "condition": "mem_random_last", "seed": 0})
    'MLP-128 MemRandomLast, seed 0'
    >>> network_name({"model": "mlp", "width": 128, "condition": "mem_random_last", "seed": 0}, condition=False)
    'MLP-128, seed 0'
    >>> network_name({"model": "MLP", "width": 64, "depth": 3, "dropout": 0.2, "learning_rate": 0.01,
    ...               "condition": "generalizing", "seed": 1})
    'MLP-3-64 (dropout 0.2, learning rate 0.01), seed 1'
    """
    get = parameters.get
    model = MODEL_NAMES.get(get("model"), get("model"))
    depth = get("depth") or 1
    name = f"{model}-{depth}-{get('width')}" if depth != 1 else f"{model}-{get('width')}"
    extras = [f"{FACTOR_LABELS[key]} {format_level(get(key))}"
              for key, default in (("dropout", 0.0), ("weight_decay", 0.0), ("learning_rate", 0.1), ("l1", 0.0),
                                   ("l2", 0.0))
              if isinstance(get(key), (int, float)) and get(key) == get(key) and get(key) != default]
    if get("train_samples") not in (None, "None") and get("train_samples") == get("train_samples"):
        extras.append(f"{int(get('train_samples')):,} samples")
    if extras:
        name += f" ({', '.join(extras)})"
    named = get("condition") if condition else None
    if named and named != "generalizing":
        name += f" {CONDITION_LABELS.get(named, named)}"
    return name if get("seed") is None else f"{name}, seed {get('seed')}"


#: The kinds of :data:`COLUMN_KINDS` by the labels a page prints (``training samples`` for ``train_samples``).
_KINDS_BY_LABEL = _kinds_by_label()
