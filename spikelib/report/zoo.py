"""Does an indicator detect memorization, or only training on labels it cannot fit?

The detector benchmark of :mod:`spikelib.report.benchmark` separates clean
networks from networks trained on heavily shuffled labels, which any signal
that moves with the noise does. This module asks the harder questions, on
three sets of networks, reading results files only:

- the **model zoo** (profile ``zoo``): clean labels, a factorial design of
  hyperparameters, every network trained to the same fitting criterion, so
  the generalization gap varies for reasons other than label noise and no
  measure can read it off under-fitting. Scored with the PGDL competition's
  conditional mutual information, Jiang et al.'s granulated Kendall tau,
  the overall tau, the worst-case sign error over single-factor pairs
  (Dziugaite et al. 2020) and leave-one-architecture/width-out thresholds;
  every one of our indicators also after its linear dependence on MFR is
  removed (``... beyond MFR``).
- **clean-label memorization** (profile ``clean``): small training subsets
  trained far past zero training error, where the gap is the memorized
  quantity.
- the **label-noise set** (profile ``noise``, with the replication's
  memorizing networks): separation between *adjacent* noise levels only, a
  group called memorizing only where its measured gap says so, and
  memorizing against non-memorizing networks matched on training accuracy.

Functions
---------
zoo_networks
    The networks of a profile with their hyperparameters and architecture.
measures
    The indicators and rivals a frame can be scored on, with their families.
add_residuals
    Each indicator with its linear dependence on MFR removed.
score_table
    Every measure's scores on the zoo, with bootstrap intervals.
budget_table
    How each indicator tracks the gap from 50 to 1,000 probe samples.
noise_groups
    Each label-noise group's measured gap, and whether it memorizes.
adjacent_separation
    AUROC between adjacent noise levels.
matched_separation
    AUROC of memorizing against non-memorizing networks matched on training accuracy.
clean_summary, clean_scores
    The clean-label memorization set: its gaps, and how each measure tracks them.
gap_course
    The indicators and the gap epoch by epoch while each network trained.
switch_course
    What the firing rate does after the switch to shuffled labels, per network.
failures
    Sentences saying where each of our indicators fails, from the tables.
description
    What the zoo holds, in sentences: architectures, how many fitted, the gaps, the seed noise.
budget_view, noise_separation_view
    The budget table and the label-noise separations as the book shows them.
recording_effect
    What recording the training split with or without its validation samples changes.
"""

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import DataError
from .benchmark import INDICATORS, RIVALS, networks
from .results import finished_cells
from .labels import FACTOR_LABELS, MEASURE_LABELS
from .resampling import auroc, bootstrap_counts, kendall_tau_b, percentile_interval, subset_counts
from .scores import PgdlScorer, granulated_tau, leave_one_group_out, residual, seed_noise, sign_errors

__all__ = ["zoo_networks", "measures", "add_residuals", "score_table", "noise_groups", "adjacent_separation",
           "matched_separation", "memorizing_by_gap", "gap_course", "budget_table", "clean_summary", "clean_scores", "switch_course", "switch_sentence", "clean_sentence", "failures",
           "seed_noise_sentence", "FAMILY_LABELS", "GROUP_COLUMNS",
           "headline", "shown_scores", "description", "budget_view", "noise_separation_view", "recording_effect",
           "FACTORS",
           "MIN_GROUP",
           "MIN_ENVIRONMENT_PAIRS"]

#: The zoo's factorial hyperparameters (the PGDL score conditions on every ordered pair of them).
FACTORS = ("depth", "width", "dropout", "weight_decay", "learning_rate")
#: How the book names each family of measures.
FAMILY_LABELS = {"ours": "papers'", "rival": "rival", "ours beyond MFR": "papers', beyond MFR"}
#: Readable headers of :func:`noise_groups`.
GROUP_COLUMNS = {"model": "model", "width": "width", "label_noise": "label noise", "n": "networks",
                 "train_accuracy": "training accuracy, labels trained with (%)",
                 "train_accuracy_true_labels": "training accuracy, true labels (%)", "test_accuracy": "test accuracy (%)",
                 "gap": "gap (points)", "clean_gap": "gap of the clean networks", "memorizing": "memorizing by its gap"}
#: The share of the factorial's networks in each random subset that gives the PGDL score's interval.
SUBSET_SHARE = 0.8
#: Held-out groups (an architecture, a width) of fewer networks than this are too small to score.
MIN_GROUP = 5
#: Environments of the sign error with fewer pairs than this are too small to call a worst case.
MIN_ENVIRONMENT_PAIRS = 5


def zoo_networks(root, designs=("zoo",)):
    """The trained networks of a profile's designs, with ``architecture`` (``MLP-1`` .. ``MLP-3``, ``CNN``).

    Parameters
    ----------
    root : Path
        A profile's results folder.
    designs : tuple of str
        Which networks (see :func:`spikelib.report.results.design`): ``("zoo",)``,
        ``("clean memorization",)``, or ``("label noise", "paper")``.

    Raises
    ------
    DataError
        If the profile has no finished network of these designs with the rival diagnostics.
    """
    frame = networks(root)
    frame = frame[(frame["condition"] != "random") & frame["design"].isin(designs)].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"No finished network of design {', '.join(designs)} in {root}.")
    frame["architecture"] = np.where(frame["model"] == "MLP", "MLP-" + frame["depth"].astype(str), frame["model"])
    frame["configuration"] = frame[["architecture", *FACTORS[1:]]].astype(str).agg("/".join, axis=1)
    return frame


def measures(frame):
    """``(column, label, family)`` of every indicator (``ours``) and rival with at least three values."""
    ours = [(c, label, "ours") for c, label, _ in INDICATORS]
    rivals = [(c, label, "rival") for c, label, _ in RIVALS]
    return [m for m in ours + rivals if m[0] in frame and frame[m[0]].notna().sum() >= 3]


def add_residuals(frame, covariate="mfr"):
    """Add ``<column>|mfr``: each of our indicators minus its least-squares line on MFR.

    Returns
    -------
    frame : pandas.DataFrame
        A copy with the residual columns.
    added : list of (column, label, family)
        The residual measures, family ``"ours beyond MFR"``.
    """
    frame = frame.copy()
    added = []
    for column, label, family in measures(frame):
        if family != "ours" or column == covariate:
            continue
        frame[f"{column}|{covariate}"] = residual(frame[column], frame[covariate])
        added.append((f"{column}|{covariate}", f"{label} beyond MFR", "ours beyond MFR"))
    return frame, added


def _factorial(frame):
    """The networks of the complete factorial: the MLPs of seed 0."""
    return frame[(frame["model"] == "MLP") & (frame["seed"] == 0)].reset_index(drop=True)


def _tau(x, y):
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.ptp(x[keep]) == 0:
        return float("nan")
    return float(stats.kendalltau(x[keep], y[keep]).statistic)


def _worst(held_out):
    """The lowest balanced accuracy over held-out groups of at least :data:`MIN_GROUP` networks."""
    scores = held_out.loc[held_out["n"] >= MIN_GROUP, "balanced_accuracy"]
    return float(scores.min()) if scores.notna().any() else float("nan")


def score_table(frame, extra=(), n_boot=200, seed=0):
    """Every measure's scores on the zoo.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`zoo_networks` (and :func:`add_residuals`).
    extra : list of (column, label, family)
        Further measures to score (the residuals).
    n_boot : int
        Resamples for the intervals: bootstrap resamples of the networks for tau; for the PGDL
        score, random subsets of :data:`SUBSET_SHARE` of the factorial's networks without
        replacement (a copy of a network paired with itself would inflate the score).
    seed : int

    Returns
    -------
    table : pandas.DataFrame
        One row per measure: ``measure, column, family``; ``pgdl`` (×100, on
        the factorial) and its interval; ``psi`` (granulated tau) and the
        factor whose tau is furthest from ``psi``'s sign; ``tau`` with the gap
        over all networks and its interval; ``sign_error_worst`` (over
        environments of at least :data:`MIN_ENVIRONMENT_PAIRS` pairs outside
        seed noise; the measure oriented by the sign of ``tau``) with its
        environment, ``sign_error_mean``; ``loao_worst``/``lowo_worst``
        (the lowest balanced accuracy of a threshold fitted on the other
        architectures / widths, predicting a gap above the zoo's median, over
        held-out groups of at least :data:`MIN_GROUP` networks);
        ``n``. Sorted by ``pgdl``.
    context : dict
        ``n_networks, n_factorial, seed_noise`` (of the gap, in points),
        ``min_gap_difference``, ``median_gap``, ``architectures``, ``widths``,
        ``n_repeated`` (networks of configurations with several seeds),
        ``factors`` (the hyperparameters the factorial varies).

    Raises
    ------
    DataError
        If the zoo has fewer than 10 networks in its factorial.
    """
    factorial = _factorial(frame)
    varied = [name for name in FACTORS if factorial[name].nunique() > 1]
    if len(factorial) < 8 or len(varied) < 2:
        raise DataError(f"The zoo has {len(factorial)} finished networks in its factorial, varying {varied}; at "
                        "least 8 networks and two hyperparameters are needed.")
    factors = {name: factorial[name].to_numpy() for name in varied}
    noise = seed_noise(frame["gap"], frame["configuration"])
    min_difference = 2 * np.sqrt(2) * noise if np.isfinite(noise) else 0.0
    median_gap = float(frame["gap"].median())
    target = (frame["gap"] > median_gap).to_numpy()
    counts_all = bootstrap_counts(n_boot, seed, n=len(frame))
    # Subsets without replacement: a bootstrap copy of a network would pair it with itself, a tie the
    # score counts as agreement, so resampling with replacement inflates the PGDL score.
    counts_factorial = subset_counts(n_boot, seed, len(factorial), int(SUBSET_SHARE * len(factorial)))
    gap_all, gap_factorial = frame["gap"].to_numpy(), factorial["gap"].to_numpy()
    score_pgdl = PgdlScorer(gap_factorial, factors)
    rows = []
    for column, label, family in [*measures(frame), *extra]:
        values, values_factorial = frame[column].to_numpy(float), factorial[column].to_numpy(float)
        pgdl = score_pgdl(values_factorial)[0] * 100
        pgdl_boot = score_pgdl(values_factorial, counts_factorial) * 100
        psi, per_factor = granulated_tau(values_factorial, gap_factorial, factors)
        tau = _tau(values, gap_all)
        tau_boot = kendall_tau_b(values, gap_all, counts_all)
        errors = sign_errors(values_factorial, gap_factorial, factors, min_difference,
                             orientation=1 if not tau < 0 else -1)
        errors = errors[errors["pairs"] >= MIN_ENVIRONMENT_PAIRS]
        worst = errors.loc[errors["error"].idxmax()] if len(errors) else None
        loao = leave_one_group_out(values, target, frame["architecture"].to_numpy())
        lowo = leave_one_group_out(values, target, frame["width"].to_numpy())
        weakest = min(per_factor, key=lambda k: per_factor[k] * np.sign(psi) if np.isfinite(per_factor[k]) else np.inf)
        pgdl_low, pgdl_high = percentile_interval(pgdl_boot)
        tau_low, tau_high = percentile_interval(tau_boot)
        rows.append({
            "measure": label, "column": column, "family": family,
            "pgdl": pgdl, "pgdl_low": pgdl_low, "pgdl_high": pgdl_high,
            "psi": psi, "psi_weakest": FACTOR_LABELS[weakest], "psi_weakest_value": per_factor[weakest],
            "tau": tau, "tau_low": tau_low, "tau_high": tau_high,
            "sign_error_worst": float(worst["error"]) if worst is not None else np.nan,
            "sign_error_where": (f"{FACTOR_LABELS[worst['factor']]} {worst['low']:g} → {worst['high']:g}"
                                 if worst is not None else ""),
            "sign_error_mean": float(np.average(errors["error"], weights=errors["pairs"])) if len(errors) else np.nan,
            "loao_worst": _worst(loao), "lowo_worst": _worst(lowo),
            "n": int(np.isfinite(values).sum()),
        })
    table = pd.DataFrame(rows).sort_values("pgdl", ascending=False, na_position="last").reset_index(drop=True)
    context = {"n_networks": len(frame), "n_factorial": len(factorial), "seed_noise": noise * 100,
               "min_gap_difference": min_difference * 100, "median_gap": median_gap * 100,
               "architectures": sorted(frame["architecture"].unique()), "widths": sorted(frame["width"].unique()),
               "n_repeated": int(frame.groupby("configuration")["seed"].transform("size").gt(1).sum()),
               "factors": [FACTOR_LABELS[name] for name in varied]}
    return table, context


def budget_table(frame, columns=("mfr", "cv_fr", "mf", "cv_mf"), sizes=(50, 100, 300, 1000), n_boot=200, seed=0):
    """How each indicator tracks the gap when it is computed from the first few training samples only.

    Each network's recording is in a seeded random order, so its first ``n``
    samples are a random probe of ``n`` training samples.

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, samples): ``column, samples`` (``"all"`` for the
        whole recording), ``tau`` with the gap and its bootstrap interval over
        networks (``tau_low, tau_high``), ``n``.
    """
    counts = bootstrap_counts(n_boot, seed, n=len(frame))
    gap = frame["gap"].to_numpy(float)
    rows = []
    for column in columns:
        for size in (*sizes, "all"):
            name = column if size == "all" else f"{column}@{size}"
            if name not in frame:
                continue
            values = frame[name].to_numpy(float)
            low, high = percentile_interval(kendall_tau_b(values, gap, counts))
            rows.append({"column": column, "samples": size, "tau": _tau(values, gap), "tau_low": low,
                         "tau_high": high, "n": int(np.isfinite(values).sum())})
    return pd.DataFrame(rows)


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
        The matched pairs: ``memorizing, other`` (cell ids) and their training accuracies.
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
    pair_frame = pd.DataFrame([{"memorizing": frame["cell_id"].iloc[p], "other": frame["cell_id"].iloc[n],
                                "accuracy_memorizing": accuracy[p], "accuracy_other": accuracy[n]}
                               for p, n in pairs])
    rows = []
    for column in columns:
        values = frame[column].to_numpy(float)
        value = auroc(values[[p for p, _ in pairs]], values[[n for _, n in pairs]]) if pairs else np.nan
        rows.append({"column": column, "auroc": value,
                     "separation": max(value, 1 - value) if np.isfinite(value) else np.nan, "pairs": len(pairs)})
    return pd.DataFrame(rows), pair_frame


def clean_summary(frame):
    """The clean-label memorization set per (training samples, width): accuracies and gap (means over seeds, points)."""
    columns = ["train_accuracy", "test_accuracy", "gap"]
    grouped = frame.groupby(["train_samples", "width"])
    summary = grouped[columns].mean().mul(100)
    summary["gap_sd"] = grouped["gap"].std().mul(100)
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def clean_scores(frame, extra=()):
    """How each measure tracks the gap on the clean-label memorization set.

    Returns
    -------
    pandas.DataFrame
        ``measure, column, family, tau`` (over all networks), ``psi`` (over
        the factors training samples and width), ``tau_within_samples`` (tau
        within each subset size, averaged: the gap's dependence on the subset
        size removed).
    """
    factors = {"train_samples": frame["train_samples"].to_numpy(), "width": frame["width"].to_numpy()}
    gap = frame["gap"].to_numpy(float)
    rows = []
    for column, label, family in [*measures(frame), *extra]:
        values = frame[column].to_numpy(float)
        within = [_tau(values[index], gap[index]) for index in frame.groupby("train_samples").indices.values()]
        rows.append({"measure": label, "column": column, "family": family, "tau": _tau(values, gap),
                     "psi": granulated_tau(values, gap, factors)[0],
                     "tau_within_samples": float(np.nanmean(within)) if np.isfinite(within).any() else np.nan})
    return pd.DataFrame(rows, columns=["measure", "column", "family", "tau", "psi", "tau_within_samples"])


def gap_course(root, designs=("clean memorization",)):
    """The probe's indicators and the gap while each network trained, one row per traced epoch.

    The gap at an epoch is the running training accuracy minus the validation
    accuracy (held-out samples of the training set, true labels) of that epoch.

    Returns
    -------
    pandas.DataFrame
        ``cell_id, width, train_samples, epoch, accuracy, val_accuracy, gap, mfr, cv_fr, mf, cv_mf``.
    """
    from ..experiment.cellfiles import read_training
    from .results import design, finished_cells

    frames = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if design(parameters) not in designs:
            continue
        for phase in read_training(directory).get("phases", []):
            traces = pd.DataFrame(phase["traces"])
            history = pd.DataFrame(phase["history"])
            if traces.empty or history.empty:
                continue
            merged = traces[traces["epoch"] > 0].merge(history[["epoch", "val_accuracy"]], on="epoch")
            frames.append(merged.assign(cell_id=directory.name, width=parameters["width"],
                                        train_samples=parameters.get("train_samples"),
                                        gap=merged["accuracy"] - merged["val_accuracy"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def clean_sentence(frame, scores):
    """The clean-label memorization set in one or two sentences, from :func:`clean_scores`.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"gap": [0.1, 0.2, 0.3], "train_samples": [500, 2000, 500], "seed": [0, 0, 1]})
    >>> scores = pd.DataFrame({"measure": ["MFR", "A"], "column": ["mfr", "a"], "family": ["ours", "rival"],
    ...                        "tau": [0.6, -0.7], "tau_within_samples": [0.5, -0.8]})
    >>> print(clean_sentence(frame, scores))
    On 3 networks memorizing clean training subsets (2 subset sizes, 2 seeds), with gaps of 10.0 to 30.0 points, MFR's Kendall tau with the gap is +0.60 (+0.50 within a subset size): networks that memorize more fire more, the opposite of the fall under shuffled labels. The measure that tracks the gap most closely is A (tau -0.70).
    """
    if not (scores["column"] == "mfr").any() or not np.isfinite(scores["tau"].astype(float)).any():
        return (f"The {len(frame)} networks memorizing clean training subsets are too few to score the measures "
                "(each needs three).")
    mfr = scores[scores["column"] == "mfr"].iloc[0]
    best = scores.iloc[scores["tau"].abs().fillna(-1).to_numpy().argmax()]
    direction = ("networks that memorize more fire more, the opposite of the fall under shuffled labels"
                 if mfr["tau"] > 0.1 else "networks that memorize more fire less, as under shuffled labels"
                 if mfr["tau"] < -0.1 else "MFR hardly follows how much a network memorized")
    return (f"On {len(frame)} networks memorizing clean training subsets ({frame['train_samples'].nunique()} subset "
            f"sizes, {frame['seed'].nunique()} seeds), with gaps of {frame['gap'].min() * 100:.1f} to "
            f"{frame['gap'].max() * 100:.1f} points, MFR's Kendall tau with the gap is {mfr['tau']:+.2f} "
            f"({mfr['tau_within_samples']:+.2f} within a subset size): {direction}. The measure that tracks the gap "
            f"most closely is {best['measure']} (tau {best['tau']:+.2f}).")


def switch_course(traces):
    """What the probe's MFR does after each network's switch to shuffled labels.

    Parameters
    ----------
    traces : pandas.DataFrame
        From :func:`spikelib.report.results.traces`.

    Returns
    -------
    pandas.DataFrame
        One row per network with a shuffled-label phase: ``cell_id, model,
        width, condition``; ``mfr_start`` (before the phase), ``mfr_first``,
        ``epoch_first`` and ``accuracy_first`` (at the first trace after the
        switch, with the running training accuracy on the shuffled labels
        then), ``mfr_low`` (the lowest traced value), ``mfr_end`` and
        ``accuracy_end`` (at the phase's last trace), ``epochs``.
    """
    shuffled = traces[traces["phase"] == "shuffled labels"]
    rows = []
    for cell, group in shuffled.groupby("cell_id", sort=True):
        group = group.sort_values("epoch")
        after = group[group["epoch"] > 0]
        if after.empty:
            continue
        first = after.iloc[0]
        rows.append({"cell_id": cell, "model": group["model"].iloc[0], "width": group["width"].iloc[0],
                     "condition": group["condition"].iloc[0], "mfr_start": float(group["mfr"].iloc[0]),
                     "mfr_first": float(first["mfr"]), "epoch_first": int(first["epoch"]),
                     "accuracy_first": float(first["accuracy"]), "mfr_low": float(after["mfr"].min()),
                     "mfr_end": float(after["mfr"].iloc[-1]),
                     "accuracy_end": float(after["accuracy"].iloc[-1]), "epochs": int(after["epoch"].iloc[-1])})
    return pd.DataFrame(rows)


def failures(table, adjacent, matched, clean, labels):
    """Sentences saying where each of the papers' indicators fails, from the tables.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`score_table`.
    adjacent, matched : pandas.DataFrame
        From :func:`adjacent_separation` and :func:`matched_separation` (may be empty).
    clean : pandas.DataFrame
        From :func:`clean_scores` (may be empty).
    labels : dict of str to str
        Column -> readable name.

    Returns
    -------
    list of str
        One sentence per indicator of ours, naming the scores on which it is no
        better than chance (PGDL score below 1, |tau| below 0.1, worst sign
        error of 0.5 or more, a held-out group at 0.5 or less, an adjacent
        pair or the matched pairs at separation 0.6 or less).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"column": ["mfr"], "family": ["ours"], "pgdl": [0.4], "tau": [0.05],
    ...                       "sign_error_worst": [0.7], "sign_error_where": ["dropout 0 → 0.2"],
    ...                       "loao_worst": [0.8], "lowo_worst": [0.9]})
    >>> print(failures(table, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {"mfr": "MFR"})[0])
    MFR fails on the zoo: PGDL score 0.4 (below 1 of 100); Kendall tau with the gap +0.05; worst sign error 0.70 (dropout 0 → 0.2).
    """
    sentences = []
    for row in table[table["family"] == "ours"].itertuples():
        reasons = []
        if not row.pgdl >= 1:
            reasons.append(f"PGDL score {row.pgdl:.1f} (below 1 of 100)")
        if not abs(row.tau) >= 0.1:
            reasons.append(f"Kendall tau with the gap {row.tau:+.2f}")
        if row.sign_error_worst >= 0.5:
            reasons.append(f"worst sign error {row.sign_error_worst:.2f} ({row.sign_error_where})")
        if row.loao_worst <= 0.5:
            reasons.append(f"a held-out architecture at balanced accuracy {row.loao_worst:.2f}")
        if row.lowo_worst <= 0.5:
            reasons.append(f"a held-out width at balanced accuracy {row.lowo_worst:.2f}")
        zoo = f"{labels[row.column]} fails on the zoo: " + "; ".join(reasons) + "." if reasons else ""
        more = []
        if len(adjacent):
            weak = adjacent[(adjacent["column"] == row.column) & (adjacent["separation"] <= 0.6)]
            if len(weak):
                more.append("it does not separate label noise " + ", ".join(
                    f"{r.lower:g} from {r.upper:g} ({r.separation:.2f})" for r in weak.itertuples()))
        if len(matched):
            m = matched[matched["column"] == row.column]
            if len(m) and m["separation"].iloc[0] <= 0.6:
                more.append(f"it does not separate memorizing from other networks of matched training accuracy "
                            f"({m['separation'].iloc[0]:.2f} over {m['pairs'].iloc[0]} pairs)")
        if len(clean):
            c = clean[clean["column"] == row.column]
            if len(c) and abs(c["tau_within_samples"].iloc[0]) < 0.1:
                more.append(f"on clean-label memorization it does not track the gap within a subset size "
                            f"(tau {c['tau_within_samples'].iloc[0]:+.2f})")
        if zoo or more:
            text = zoo
            if more:
                joined = "; ".join(more)
                text += (" " if text else f"{labels[row.column]}: ") + joined[0].upper() + joined[1:] + "."
            sentences.append(text.strip())
    return sentences


def _range(values, digits=2, scale=1.0):
    values = np.asarray(values, dtype=float) * scale
    low, high = np.nanmin(values), np.nanmax(values)
    return f"{low:.{digits}f}" if np.isclose(low, high) else f"{low:.{digits}f}–{high:.{digits}f}"


def switch_sentence(course):
    """What MFR did after the switch to shuffled labels, in one sentence from :func:`switch_course`.

    Examples
    --------
    >>> import pandas as pd
    >>> course = pd.DataFrame({"mfr_start": [0.45, 0.5], "mfr_first": [0.1, 0.2], "epoch_first": [10, 10],
    ...                        "accuracy_first": [0.11, 0.13], "mfr_low": [0.09, 0.2], "mfr_end": [0.15, 0.3],
    ...                        "accuracy_end": [0.3, 0.6]})
    >>> print(switch_sentence(course))
    In all 2 networks trained on shuffled labels, MFR fell from 0.45–0.50 before the switch to 0.10–0.20 at the first trace after it (epoch 10), while their running training accuracy on the shuffled labels was still 11–13 % (chance 10 % with ten classes); as they went on to memorize, it rose again in 2 of them, ending at 0.15–0.30 with 30–60 % of the shuffled labels fitted (2 of these 2 still below their rate before the switch). The fall comes with the switch to labels the network cannot yet fit, before any memorization; memorizing them goes with a partial rise.
    """
    if course.empty:
        return "No network of these profiles recorded traces after a switch to shuffled labels."
    rose = course[course["mfr_end"] > course["mfr_low"] + 0.01]
    sentence = (f"In all {len(course)} networks trained on shuffled labels, MFR fell from "
                f"{_range(course['mfr_start'])} before the switch to {_range(course['mfr_first'])} at the first trace "
                f"after it (epoch {_range(course['epoch_first'], 0)}), while their running training accuracy on the "
                f"shuffled labels was still {_range(course['accuracy_first'], 0, 100)} % (chance 10 % with ten "
                "classes)")
    if len(rose):
        below = int((rose["mfr_end"] < rose["mfr_start"]).sum())
        sentence += (f"; as they went on to memorize, it rose again in {len(rose)} of them, ending at "
                     f"{_range(rose['mfr_end'])} with {_range(rose['accuracy_end'], 0, 100)} % of the shuffled labels "
                     f"fitted ({below} of these {len(rose)} still below their rate before the switch). The fall comes "
                     "with the switch to labels the network cannot yet fit, before any memorization; memorizing them "
                     "goes with a partial rise.")
    else:
        sentence += "; it did not rise again in any of them."
    return sentence


def seed_noise_sentence(context):
    """How the sign error treats seed noise, in one sentence.

    >>> seed_noise_sentence({"seed_noise": float("nan"), "n_repeated": 0, "min_gap_difference": 0.0})
    'No configuration was trained with more than one seed, so no pair of networks is set aside as within seed noise.'
    """
    if not np.isfinite(context["seed_noise"]):
        return ("No configuration was trained with more than one seed, so no pair of networks is set aside as within "
                "seed noise.")
    return (f"The gap varies by {context['seed_noise']:.2f} points (standard deviation) between seeds of one "
            f"configuration ({context['n_repeated']} networks of repeated configurations), so pairs of networks whose "
            f"gaps differ by less than {context['min_gap_difference']:.2f} points are left out of the sign error.")


def headline(table, context):
    """The zoo's verdict in two sentences: the best measure by the PGDL score, and MFR's place.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"measure": ["A", "MFR"], "column": ["a", "mfr"], "family": ["rival", "ours"],
    ...                       "pgdl": [12.0, 0.5], "pgdl_low": [8.0, 0.1], "pgdl_high": [15.0, 2.0],
    ...                       "tau": [0.5, -0.1]})
    >>> print(headline(table, {"n_networks": 20, "n_factorial": 18, "factors": ["depth", "width"]}))
    On the zoo's 20 networks (PGDL score over the 18 of its factorial, which varies depth, width), the best measure is A, a rival (PGDL score 12.0 [8.0, 15.0] of 100; Kendall tau with the gap +0.50). MFR scores 0.5 [0.1, 2.0] (tau -0.10), rank 2 of 2.
    """
    ranked = table[np.isfinite(table["pgdl"])].reset_index(drop=True)
    if ranked.empty:
        return "No measure could be scored on the zoo."
    best = ranked.iloc[0]
    family = {"ours": "one of the papers' indicators", "rival": "a rival",
              "ours beyond MFR": "one of the papers' indicators with MFR regressed out"}.get(best["family"], best["family"])
    text = (f"On the zoo's {context['n_networks']} networks (PGDL score over the {context['n_factorial']} of its "
            f"factorial, which varies {', '.join(context['factors'])}), the best measure is {best['measure']}, "
            f"{family} (PGDL score {best['pgdl']:.1f} [{best['pgdl_low']:.1f}, {best['pgdl_high']:.1f}] of 100; "
            f"Kendall tau with the gap {best['tau']:+.2f}).")
    mfr = ranked[ranked["column"] == "mfr"]
    if len(mfr) and mfr.index[0] != 0:
        row = mfr.iloc[0]
        text += (f" MFR scores {row['pgdl']:.1f} [{row['pgdl_low']:.1f}, {row['pgdl_high']:.1f}] (tau "
                 f"{row['tau']:+.2f}), rank {mfr.index[0] + 1} of {len(ranked)}.")
    return text


def shown_scores(table):
    """The score table as the book shows it: readable headers, intervals in brackets."""
    def interval(value, low, high, digits, sign=""):
        return "–" if not np.isfinite(value) else f"{value:{sign}.{digits}f} [{low:{sign}.{digits}f}, {high:{sign}.{digits}f}]"

    return pd.DataFrame({
        "measure": table["measure"],
        "family": table["family"].map(FAMILY_LABELS),
        "PGDL score (×100)": [interval(v, lo, hi, 1) for v, lo, hi in zip(table["pgdl"], table["pgdl_low"],
                                                                          table["pgdl_high"])],
        "granulated tau Ψ": table["psi"].round(2),
        "Kendall tau with the gap": [interval(v, lo, hi, 2, "+") for v, lo, hi in zip(table["tau"], table["tau_low"],
                                                                                      table["tau_high"])],
        "worst sign error (where)": [f"{e:.2f} ({w})" if np.isfinite(e) else "–"
                                     for e, w in zip(table["sign_error_worst"], table["sign_error_where"])],
        "held-out architecture (worst)": table["loao_worst"].round(2),
        "held-out width (worst)": table["lowo_worst"].round(2),
    })


def description(networks, context):
    """What the zoo holds: its networks by architecture, how many reached 99 % training accuracy, the gaps
    and how the sign error treats seed noise (:func:`seed_noise_sentence`)."""
    sizes = networks.groupby("architecture").size()
    fitted = int((networks["train_accuracy"] >= 0.99).sum())
    return (f"{context['n_networks']} networks ({', '.join(f'{a}: {n}' for a, n in sizes.items())}); the factorial "
            f"varies {', '.join(context['factors'])}. Training accuracy reached 99 % in {fitted} of them (the rest "
            f"stopped at their cap). Gaps {networks['gap'].min() * 100:.1f} to {networks['gap'].max() * 100:.1f} "
            f"points (median {context['median_gap']:.1f}). " + seed_noise_sentence(context))


def budget_view(budget):
    """:func:`budget_table` as the book shows it: tau with its interval, measures by probe samples."""
    shown = budget.assign(tau_text=[f"{t:+.2f} [{lo:+.2f}, {hi:+.2f}]" for t, lo, hi in
                                    zip(budget["tau"], budget["tau_low"], budget["tau_high"])])
    return (shown.pivot(index="column", columns="samples", values="tau_text").rename(index=MEASURE_LABELS)
            .rename_axis(index="measure", columns="probe samples"))


def noise_separation_view(adjacent, matched, n_pairs):
    """Separation between adjacent noise levels and of matched pairs, one row per measure, as the book shows it."""
    wide = adjacent.pivot(index="column", columns="pair", values="separation")
    matched = matched.set_index("column")[["separation"]].rename(
        columns={"separation": f"matched training accuracy ({n_pairs} pairs)"})
    return wide.join(matched).rename(index=MEASURE_LABELS).rename_axis(index="measure")


def recording_effect(all_root, fit_root):
    """What the validation samples in the training recording change: the same networks recorded both ways.

    Parameters
    ----------
    all_root, fit_root : path
        Two profiles of the same networks (same training), recorded on every training sample (the paper's
        way, ``train_recording: all``) and on the fitted samples only (``fit``, with the validation samples
        recorded apart).

    Returns
    -------
    table : pandas.DataFrame
        One row per network: ``training samples, seed, gap``, each indicator of the training split as the
        paper records it, on the fitted samples only, and on the validation samples alone.
    sentence : str
        The largest and the median change of each indicator, and where the validation samples alone lie.
    """
    def by_network(root):
        return {(m["parameters"].get("train_samples"), m["parameters"]["width"], m["parameters"]["seed"]): m
                for _, m in finished_cells(root)}

    everything, fitted = by_network(all_root), by_network(fit_root)
    rows = []
    for key in sorted(set(everything) & set(fitted), key=lambda k: tuple(-1 if v is None else v for v in k)):
        a, f = everything[key]["splits"]["train"], fitted[key]["splits"]["train"]
        validation = fitted[key].get("validation_recording", {})
        row = {"training samples": key[0], "width": key[1], "seed": key[2],
               "gap (points)": 100 * (everything[key]["train_accuracy"] - everything[key]["test_accuracy"])}
        for column in ("mfr", "cv_fr", "mf"):
            name = MEASURE_LABELS.get(column, column)
            row[f"{name}, all"], row[f"{name}, fitted"] = a[column], f[column]
            row[f"{name}, validation"] = validation.get(column, np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table, "No network was recorded both ways."
    parts = []
    for column in ("mfr", "cv_fr", "mf"):
        name = MEASURE_LABELS.get(column, column)
        change = (table[f"{name}, fitted"] - table[f"{name}, all"]).abs()
        parts.append(f"{name} by at most {change.max():.3f} (median {change.median():.3f})")
    validation_mfr = table[f"{MEASURE_LABELS['mfr']}, validation"] - table[f"{MEASURE_LABELS['mfr']}, fitted"]
    return table, (f"Recording the {len(table)} clean-label networks on the samples they were trained on only, "
                   f"instead of every training sample as the paper does, changes {', '.join(parts)}. The validation "
                   f"samples alone give an MFR {_range(validation_mfr.abs(), 3)} away from the fitted samples'.")
