"""Reader-facing names of the compendium's columns, in one place.

Tables, legends and captions take their labels from here, so that a reader
never sees an internal key (``mean_abs_r``, ``weight_decay``).

Attributes
----------
MEASURE_LABELS
    Indicator and rival-diagnostic columns, and their residuals beyond MFR.
FACTOR_LABELS
    Hyperparameters of a network.
COLUMN_LABELS
    Every other column a page shows (statistics of the follow-up, record keys).
CONDITION_LABELS, MODEL_NAMES, DATASET_NAMES
    The paper's names of the conditions, models and data sets.
"""

__all__ = ["MEASURE_LABELS", "FACTOR_LABELS", "COLUMN_LABELS", "CONDITION_LABELS", "MODEL_NAMES", "DATASET_NAMES",
           "label"]

CONDITION_LABELS = {"generalizing": "Generalizing", "mem_retrain_last": "MemRetrainLast",
                    "mem_random_last": "MemRandomLast", "mem_retrain_all": "MemRetrainAll", "random": "Random"}
MODEL_NAMES = {"mlp": "MLP", "cnn": "CNN", "densenet": "DenseNet"}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}

_MEASURES = {
    "mfr": "MFR", "cv_fr": "CV of FR", "mf": "MF", "cv_mf": "CV of MF", "excess_fano_mean": "excess Fano",
    "share_rare_5": "share of rare nodes", "mean_abs_r": "mean |r|", "participation_ratio": "participation ratio",
    "alpha": "WeightWatcher alpha", "alpha_weighted": "WeightWatcher alpha_weighted",
    "log_spectral_norm": "WeightWatcher log spectral norm", "stable_rank": "WeightWatcher stable rank",
    "ablation_area": "single-direction ablation (area)", "frobenius_observed": "Frobenius norm (observed layer)",
    "spectral_observed": "spectral norm (observed layer)", "frobenius_all": "Frobenius norm (all weights)",
    "distance_from_init": "distance from initialisation", "sharpness": "sharpness (loss increase under perturbation)",
    "output_margin": "output margin (10th percentile)", "hidden_margin": "hidden-layer margin (10th percentile)",
    "mixup_davies_bouldin": "Davies-Bouldin index with mixup (PGDL winner)",
}
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
