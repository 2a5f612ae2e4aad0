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
           "label", "network_name"]

CONDITION_LABELS = {"generalizing": "Generalizing", "mem_retrain_last": "MemRetrainLast",
                    "mem_random_last": "MemRandomLast", "mem_retrain_all": "MemRetrainAll", "random": "Random"}
MODEL_NAMES = {"mlp": "MLP", "cnn": "CNN", "densenet": "DenseNet"}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}

_MEASURES = labels()
#: Column -> label; ``<column>|mfr`` (a residual beyond MFR) -> ``<label> beyond MFR``.
MEASURE_LABELS = {**_MEASURES, **{f"{column}|mfr": f"{name} beyond MFR" for column, name in _MEASURES.items()}}
FACTOR_LABELS = {"depth": "depth", "width": "width", "dropout": "dropout", "weight_decay": "weight decay",
                 "learning_rate": "learning rate", "train_samples": "training samples", "architecture": "architecture",
                 "batch_size": "batch size", "label_noise": "label noise"}

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


def label(column):
    """The reader-facing name of a column (the column itself when none is declared).

    >>> label("mean_abs_r"), label("weight_decay"), label("cv_mf|mfr")
    ('mean |r|', 'weight decay', 'CV of MF beyond MFR')
    """
    return MEASURE_LABELS.get(column) or FACTOR_LABELS.get(column) or COLUMN_LABELS.get(column) or column


def network_name(parameters):
    """A network as a reader names it, from its parameters (a mapping, or a row of a network table).

    The architecture and width, the hyperparameters that differ from the paper's, the condition
    (unless generalizing) and the seed.

    Examples
    --------
    >>> network_name({"model": "mlp", "width": 128, "condition": "mem_random_last", "seed": 0})
    'MLP-128 MemRandomLast, seed 0'
    >>> network_name({"model": "MLP", "width": 64, "depth": 3, "dropout": 0.2, "learning_rate": 0.01,
    ...               "condition": "generalizing", "seed": 1})
    'MLP-3-64 (dropout 0.2, learning rate 0.01), seed 1'
    """
    get = parameters.get
    model = MODEL_NAMES.get(get("model"), get("model"))
    depth = get("depth") or 1
    name = f"{model}-{depth}-{get('width')}" if depth != 1 else f"{model}-{get('width')}"
    extras = [f"{FACTOR_LABELS[key]} {get(key):g}" for key, default in (("dropout", 0.0), ("weight_decay", 0.0),
                                                                         ("learning_rate", 0.1))
              if isinstance(get(key), (int, float)) and get(key) != default]
    if get("train_samples") not in (None, "None") and get("train_samples") == get("train_samples"):
        extras.append(f"{int(get('train_samples')):,} samples")
    if extras:
        name += f" ({', '.join(extras)})"
    condition = get("condition")
    if condition and condition != "generalizing":
        name += f" {CONDITION_LABELS.get(condition, condition)}"
    return name if get("seed") is None else f"{name}, seed {get('seed')}"
