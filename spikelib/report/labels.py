"""Reader-facing names of the compendium's columns, in one place.

Tables, legends and captions take their labels from here, so that a reader
never sees an internal key (``mean_abs_r``, ``weight_decay``).

Attributes
----------
MEASURE_LABELS
    Indicator and rival-diagnostic columns, and their residuals beyond MFR.
FACTOR_LABELS
    Hyperparameters of a network.
"""

__all__ = ["MEASURE_LABELS", "FACTOR_LABELS", "label"]

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


def label(column):
    """The reader-facing name of a column (the column itself when none is declared).

    >>> label("mean_abs_r"), label("weight_decay"), label("cv_mf|mfr")
    ('mean |r|', 'weight decay', 'CV of MF beyond MFR')
    """
    return MEASURE_LABELS.get(column) or FACTOR_LABELS.get(column) or column
