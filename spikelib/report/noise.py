"""The label-noise networks compared where label noise alone cannot decide: adjacent levels, matched fit.

A measure that moves with the fraction of shuffled labels separates clean
networks from fully shuffled ones whatever it measures. These comparisons ask
more of it: a noise group counts as memorizing only where its measured gap
says so (not by its noise level), neighbouring noise levels must be told
apart, and memorizing networks must be told from non-memorizing ones of the
same training accuracy.

Functions
---------
noise_groups
    Each label-noise group's measured gap, and whether it memorizes by that gap.
memorizing_by_gap
    The same rule, network by network.
adjacent_separation
    AUROC between adjacent noise levels.
matched_separation
    AUROC of memorizing against non-memorizing networks matched on training accuracy.
noise_comparisons
    Both comparisons for a list of measures.
noise_separation_view
    Both, one row per measure, as the book shows them.
"""

import numpy as np
import pandas as pd

from .labels import MEASURE_LABELS, network_name
from .resampling import auroc

__all__ = ["noise_groups", "memorizing_by_gap", "adjacent_separation", "matched_separation", "noise_comparisons",
           "noise_separation_view",
           "GROUP_COLUMNS"]

#: Readable headers of :func:`noise_groups`.
GROUP_COLUMNS = {"model": "model", "width": "width", "label_noise": "label noise", "n": "networks",
                 "train_accuracy": "training accuracy, labels trained with (%)",
                 "train_accuracy_true_labels": "training accuracy, true labels (%)", "test_accuracy": "test accuracy (%)",
                 "gap": "gap (percentage points)", "clean_gap": "gap of the clean networks", "memorizing": "memorizing by its gap"}


def noise_groups(frame):
    """Each label-noise group's measured gap, and whether it memorizes by that gap.

    A group (model, width, label noise) memorizes when its mean gap (training
    accuracy on the labels trained with, minus test accuracy) exceeds the mean
    gap of the clean group of the same model and width by more than twice the
    spread of the clean group's gaps over seeds: training labels it fits
    better than test labels, beyond what clean training does.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``model, width, label_noise, n, train_accuracy,
        train_accuracy_true_labels, test_accuracy, gap`` (means, in points),
        ``clean_gap, memorizing``.
    """
    noisy = frame[frame["condition"] == "generalizing"]
    columns = ["train_accuracy", "train_accuracy_true_labels", "test_accuracy", "gap"]
    groups = noisy.groupby(["model", "width", "label_noise"])[columns].mean().mul(100)
    groups["n"] = noisy.groupby(["model", "width", "label_noise"]).size()
    groups = groups.reset_index().merge(_clean_gaps(frame), on=["model", "width"], how="left")
    groups["memorizing"] = groups["gap"] > groups["threshold"]
    return groups.drop(columns="threshold")


def _clean_gaps(frame):
    """Per (model, width): the clean networks' mean gap and the threshold of memorizing (points)."""
    clean = frame[(frame["condition"] == "generalizing") & (frame["label_noise"] == 0)].groupby(["model", "width"])["gap"]
    return pd.DataFrame({"clean_gap": clean.mean() * 100,
                         "threshold": (clean.mean() + 2 * clean.std().fillna(0)) * 100}).reset_index()


def memorizing_by_gap(frame):
    """Whether each network memorizes by its measured gap (see :func:`noise_groups` for the rule).

    Networks of a model and width with no clean network to compare with are ``False``.
    """
    merged = frame[["model", "width", "gap"]].merge(_clean_gaps(frame), on=["model", "width"], how="left")
    return (merged["gap"] * 100 > merged["threshold"]).to_numpy()


def adjacent_separation(frame, columns):
    """AUROC of each noise level against the level below it, pooled over widths.

    Returns
    -------
    pandas.DataFrame
        One row per (measure, pair of levels): ``column, lower, upper, pair`` (its label), ``auroc``
        (the upper level scored higher), ``separation`` (``max(auroc, 1 - auroc)``), ``n``.
    """
    noisy = frame[(frame["condition"] == "generalizing") & frame["label_noise"].notna()]
    levels = sorted(noisy["label_noise"].unique())
    rows = []
    for column in columns:
        for lower, upper in zip(levels, levels[1:]):
            a = noisy.loc[noisy["label_noise"] == upper, column]
            b = noisy.loc[noisy["label_noise"] == lower, column]
            value = auroc(a, b)
            rows.append({"column": column, "lower": lower, "upper": upper, "pair": f"noise {lower:g} vs {upper:g}",
                         "auroc": value,
                         "separation": max(value, 1 - value) if np.isfinite(value) else np.nan,
                         "n": int(a.notna().sum() + b.notna().sum())})
    return pd.DataFrame(rows)


def matched_separation(frame, columns, memorizing, caliper=0.03):
    """AUROC of memorizing against non-memorizing networks matched on training accuracy.

    Each memorizing network is paired with the non-memorizing network whose
    training accuracy (on the labels it was trained with) is closest, within
    ``caliper``, each used once (greedy, closest pairs first). A measure that
    only reads how well the network fits its labels cannot separate the pairs.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : list of str
    memorizing : array_like of bool
        Whether each network memorizes (by its measured gap).
    caliper : float

    Returns
    -------
    table : pandas.DataFrame
        ``column, auroc, separation, pairs``.
    pairs : pandas.DataFrame
        The matched pairs: ``memorizing, other`` (networks by name) and their training accuracies.
    """
    memorizing = np.asarray(memorizing, dtype=bool)
    accuracy = frame["train_accuracy"].to_numpy(float)
    positive, negative = np.flatnonzero(memorizing), np.flatnonzero(~memorizing)
    distance = np.abs(accuracy[positive][:, None] - accuracy[negative][None, :])
    order = np.dstack(np.unravel_index(np.argsort(distance, axis=None), distance.shape))[0]
    used_p, used_n, pairs = set(), set(), []
    for i, j in order:
        if distance[i, j] > caliper:
            break
        if i in used_p or j in used_n:
            continue
        used_p.add(i)
        used_n.add(j)
        pairs.append((positive[i], negative[j]))
    pair_frame = pd.DataFrame([{"memorizing": network_name(frame.iloc[p]), "other": network_name(frame.iloc[n]),
                                "accuracy_memorizing": accuracy[p], "accuracy_other": accuracy[n]}
                               for p, n in pairs])
    rows = []
    for column in columns:
        values = frame[column].to_numpy(float)
        value = auroc(values[[p for p, _ in pairs]], values[[n for _, n in pairs]]) if pairs else np.nan
        rows.append({"column": column, "auroc": value,
                     "separation": max(value, 1 - value) if np.isfinite(value) else np.nan, "pairs": len(pairs)})
    return pd.DataFrame(rows), pair_frame


def noise_comparisons(frame, columns):
    """Both comparisons of the label-noise networks for the given measures.

    Returns
    -------
    adjacent : pandas.DataFrame
        :func:`adjacent_separation`.
    matched, pairs : pandas.DataFrame
        :func:`matched_separation`, with the networks called memorizing by their gap (:func:`memorizing_by_gap`).
    """
    columns = [c for c in columns if c in frame]
    return (adjacent_separation(frame, columns), *matched_separation(frame, columns, memorizing_by_gap(frame)))


def noise_separation_view(adjacent, matched, n_pairs):
    """Separation between adjacent noise levels and of matched pairs, one row per measure, as the book shows it."""
    wide = adjacent.pivot(index="column", columns="pair", values="separation")
    matched = matched.set_index("column")[["separation"]].rename(
        columns={"separation": f"matched training accuracy ({n_pairs} {'pair' if n_pairs == 1 else 'pairs'})"})
    return wide.join(matched).rename(index=MEASURE_LABELS).rename_axis(index="measure")


