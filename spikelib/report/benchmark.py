"""Is this network memorizing? The indicators benchmarked against rival diagnostics and controls.

Everything here scores the networks of :func:`spikelib.report.networks.benchmark_set`
(clean networks against networks trained on shuffled labels); nothing trains.

Scores
------
Separation
    AUROC of clean networks (label noise 0) against memorizing ones (label
    noise of at least :data:`~spikelib.report.networks.MEMORIZING_NOISE`): the
    probability that a memorizing network scores higher than a clean one (ties
    count half). 0.5 is no separation; a measure that is *lower* for
    memorizing networks has AUROC below 0.5, and its separation is
    ``1 - AUROC``.
Tracking
    Kendall's tau of the measure with the generalization gap (training
    accuracy on the labels trained with, minus test accuracy) across all
    networks, and Spearman's rho with the noise fraction.
Fitted
    The separation again, counting only the memorizing networks that fit at
    least :data:`~spikelib.report.networks.FITTED` of the labels they were
    trained with: the memorizing group is defined by its labels, and many of
    its networks fit few of them.
Controls
    How well each network fits its training labels (the registry's
    ``control`` family), scored like the measures: a measure earns credit
    only where it separates better than the controls.
Uncertainty
    95 % intervals from a cluster bootstrap over seeds: seeds are drawn with
    replacement and each brings all its networks, so the networks that share
    a seed's data order and initialisation stay together.
Cost
    The seconds each measure took per network.

Functions
---------
benchmark_scores
    The benchmark table with bootstrap intervals.
benchmark_headline
    The table's verdict in one sentence: the best measure that beats the controls, and ties.
weightwatcher_coverage
    Where WeightWatcher could and could not be used, in one sentence.
few_sample_scores
    Separation and tracking of the paper's indicators from 100, 300, 1,000, 3,000 samples.
benchmark_overview, benchmark_view, benchmark_numbers, few_sample_views
    The benchmark page's views of these tables, sentences and quoted numbers.
"""

import numpy as np
import pandas as pd
from scipy import stats

from ..experiment.measures import FAMILY_LABELS, MEASURES, PAPER_INDICATORS, measure
from .networks import CLEAN, FITTED, MEMORIZING_NOISE
from .render import and_list, interval, signed
from .resampling import (
    bootstrap_counts,
    group_auroc,
    kendall_tau_b,
    percentile_interval,
)

__all__ = ["benchmark_scores", "benchmark_headline", "weightwatcher_coverage", "few_sample_scores",
           "benchmark_overview", "benchmark_view", "benchmark_numbers", "few_sample_views", "beats_controls",
           "noise_directions", "OURS"]

#: The families whose measures are the papers' (the paper's and its follow-up's).
OURS = ("paper", "followup")


def _groups(frame):
    noise = frame["label_noise"].to_numpy(float)
    return noise >= MEMORIZING_NOISE, noise == CLEAN


def _separation(frame, column, counts=None):
    """AUROC of memorizing against clean networks (of each resample, with ``counts``)."""
    memorizing, clean = _groups(frame)
    return group_auroc(frame[column].to_numpy(float), memorizing, clean, counts)


def _tracking(frame, column):
    """Kendall's tau with the gap and Spearman's rho with the noise, over the networks that have all three."""
    values = frame[[column, "gap", "label_noise"]].dropna()
    if len(values) < 3 or values[column].nunique() < 2:
        return float("nan"), float("nan")
    tau = kendall_tau_b(values[column], values["gap"])
    rho = stats.spearmanr(values[column], values["label_noise"]).statistic
    return float(tau), float(rho)


def benchmark_scores(frame, n_boot=1000, seed=0, measures=None):
    """The benchmark table: separation, tracking and cost of every measure and control, with intervals.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`spikelib.report.networks.benchmark_set`.
    n_boot : int
        Bootstrap resamples of the seeds.
    seed : int
    measures : list of Measure, optional
        Default: the registry (:data:`spikelib.experiment.measures.MEASURES`); a measure with
        fewer than three values is left out.

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure`` (its name), ``column, family``,
        ``auroc`` (memorizing scored higher) and its interval, ``separation``
        (``max(auroc, 1 - auroc)``), ``direction`` (``"higher"`` or
        ``"lower"`` when memorizing), ``expected`` (the direction its source
        expects: +1, -1, 0), ``tau`` with the gap and its interval,
        ``rho_noise``, ``seconds`` (median per network), ``n``,
        ``separation_fitted`` (the separation counting only memorizing
        networks that fit at least :data:`~spikelib.report.networks.FITTED`
        of their labels; ``nan`` where fewer than two do, or without
        ``train_accuracy``) and ``n_fitted`` (those networks); sorted by separation.
    """
    counts = bootstrap_counts(n_boot, seed, clusters=frame["seed"].to_numpy())
    gap = frame["gap"].to_numpy(float)
    memorizing, _ = _groups(frame)
    fitted = frame[~memorizing | (frame["train_accuracy"] >= FITTED)] if "train_accuracy" in frame else frame.iloc[:0]
    n_fitted = int(_groups(fitted)[0].sum())
    rows = []
    for item in measures or MEASURES:
        column = item.column
        if column not in frame or frame[column].notna().sum() < 3:
            continue
        value = _separation(frame, column)
        low, high = percentile_interval(_separation(frame, column, counts))
        tau, rho = _tracking(frame, column)
        tau_low, tau_high = percentile_interval(kendall_tau_b(frame[column].to_numpy(float), gap, counts))
        seconds = frame.get(f"seconds_{item.cost}")
        kept = _separation(fitted, column) if n_fitted >= 2 else np.nan
        rows.append({"measure": item.label, "column": column, "family": item.family,
                     "auroc": value, "auroc_low": low, "auroc_high": high,
                     "separation": max(value, 1 - value) if np.isfinite(value) else np.nan,
                     "direction": "higher" if value >= 0.5 else "lower", "expected": item.expected,
                     "tau": tau, "tau_low": tau_low, "tau_high": tau_high, "rho_noise": rho,
                     "seconds": float(seconds.median()) if seconds is not None else np.nan,
                     "n": int(frame[column].notna().sum()),
                     "separation_fitted": max(kept, 1 - kept) if np.isfinite(kept) else np.nan,
                     "n_fitted": n_fitted})
    table = pd.DataFrame(rows)
    return table.sort_values(["separation", "tau"], ascending=False, key=lambda s: s.abs()).reset_index(drop=True)


def noise_directions(frame):
    """Where the label-noise benchmark puts the memorizing networks, per measure: column -> ``"higher"`` or
    ``"lower"`` (their AUROC against the clean networks, without intervals)."""
    directions = {}
    for item in MEASURES:
        if item.column in frame and frame[item.column].notna().sum() >= 3:
            value = _separation(frame, item.column)
            if np.isfinite(value) and value != 0.5:
                directions[item.column] = "higher" if value > 0.5 else "lower"
    return directions


def beats_controls(table, score="separation", low=None):
    """Which measures score above every control: their interval's lower end above the best control's score.

    Parameters
    ----------
    table : pandas.DataFrame
        With ``family`` and the ``score`` column (and ``low``, the lower end of its interval).
    score, low : str
        The score and its interval's lower end (default ``<score>_low`` where the table has it,
        else the score itself).

    Returns
    -------
    pandas.Series of bool
        ``False`` for the controls themselves; every measure ``True`` when the table has no control.

    Examples
    --------
    >>> table = pd.DataFrame({"family": ["rival", "paper", "control"], "pgdl": [30.0, 12.0, 20.0],
    ...                       "pgdl_low": [25.0, 8.0, 15.0]})
    >>> beats_controls(table, "pgdl").tolist()
    [True, False, False]
    """
    low = low or (f"{score}_low" if f"{score}_low" in table else score)
    controls = table.loc[table["family"] == "control", score]
    best = controls.max() if controls.notna().any() else -np.inf
    return (table["family"] != "control") & (table[low] > best + 1e-9)  # a tie is no credit


def benchmark_headline(table):
    """The benchmark's verdict in one sentence (pasted into the book as is).

    The best measure is named only if it separates better than the controls
    (how well each network fits its training labels) do; when several share
    the best separation (many reach 1.00 on a clear-cut set), naming one
    "best" would be an accident of sorting: the sentence names them all.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`benchmark_scores`.

    Examples
    --------
    >>> table = pd.DataFrame({"measure": ["A", "B", "C"], "family": ["rival", "paper", "paper"],
    ...                       "separation": [1.0, 1.0, 0.7], "tau": [0.5, -0.4, 0.1]})
    >>> print(benchmark_headline(table))
    2 measures separate memorizing from clean networks equally well (separation 1.00): A, B; 1 of the papers' and 1
    rival. Of these, A tracks the generalization gap most closely (Kendall tau +0.50).
    >>> control = pd.DataFrame({"measure": ["training accuracy"], "family": ["control"], "separation": [1.0],
    ...                         "tau": [-0.9]})
    >>> print(benchmark_headline(pd.concat([table, control])))
    No measure separates memorizing from clean networks better than how well they fit their training labels:
    training accuracy reaches a separation of 1.00, and the best measure, A, 1.00.
    """
    table = table[np.isfinite(table["separation"])]
    measures, controls = table[table["family"] != "control"], table[table["family"] == "control"]
    if measures.empty:
        return "No measure could be scored on these networks."
    top = measures["separation"].max()
    tied = measures[np.isclose(measures["separation"], top, rtol=0, atol=1e-9)]
    lead = tied.iloc[tied["tau"].abs().fillna(-1).to_numpy().argmax()]
    if len(controls) and controls["separation"].max() >= top - 1e-9:
        best = controls.iloc[controls["separation"].to_numpy().argmax()]
        return (f"No measure separates memorizing from clean networks better than how well they fit their "
                f"training labels: {best['measure']} reaches a separation of {best['separation']:.2f}, and the best "
                f"measure, {lead['measure']}, {top:.2f}.")
    if len(tied) > 1:
        n_ours = int(tied["family"].isin(OURS).sum())
        n_rivals = len(tied) - n_ours
        return (f"{len(tied)} measures separate memorizing from clean networks equally well (separation "
                f"{top:.2f}): {', '.join(tied['measure'])}; {n_ours} of the papers' and {n_rivals} "
                f"rival{'s' if n_rivals != 1 else ''}. Of these, {lead['measure']} tracks the generalization gap "
                f"most closely (Kendall tau {lead['tau']:+.2f}).")
    family = "one of the papers' indicators" if lead["family"] in OURS else "a rival"
    rest = measures.drop(index=lead.name)
    following = (f"; the next is {rest.iloc[0]['measure']} ({rest.iloc[0]['separation']:.2f})" if len(rest) else "")
    return (f"The best separator of memorizing from clean networks is {lead['measure']} (separation {top:.2f}; "
            f"Kendall tau with the gap {lead['tau']:+.2f}), {family}{following}.")


def weightwatcher_coverage(frame):
    """Where WeightWatcher could be used on these networks, in one sentence.

    WeightWatcher skips layers with too few eigenvalues for its power-law fit
    (``min_evals``); each network's ``ww_status`` records whether it analysed
    the observed layer, and why not. Networks are named by architecture, width,
    condition and seed.

    Examples
    --------
    >>> frame = pd.DataFrame({"cell_id": ["a", "b"], "model": ["MLP", "MLP"], "width": [64, 4],
    ...                       "condition": ["generalizing"] * 2, "seed": [0, 1],
    ...                       "ww_status": ["ok", "WeightWatcher did not analyse layer 'observed'"]})
    >>> print(weightwatcher_coverage(frame))
    WeightWatcher analysed the observed layer of 1 of 2 networks (observed layers of 4 to 64 nodes); it could not
    be used on MLP-4, seed 1 (WeightWatcher did not analyse layer 'observed').
    """
    from .labels import network_name

    status = frame["ww_status"] if "ww_status" in frame else pd.Series("not recorded", index=frame.index)
    usable = status == "ok"
    sentence = (f"WeightWatcher analysed the observed layer of {int(usable.sum())} of {len(frame)} networks "
                f"(observed layers of {frame['width'].min()} to {frame['width'].max()} nodes)")
    if usable.all():
        return sentence + "."
    skipped = [f"{network_name(row)} ({why})" for (_, row), why in zip(frame[~usable].iterrows(), status[~usable])]
    return sentence + "; it could not be used on " + "; ".join(skipped) + "."


def few_sample_scores(frame, sizes=(100, 300, 1000, 3000)):
    """Separation (AUROC) and tracking (tau) of the paper's indicators from the first few training samples.

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, samples): ``measure, samples`` (``"all"`` for the whole training
        recording), ``auroc, separation, tau``.
    """
    rows = []
    for column in PAPER_INDICATORS:
        for n in (*sizes, "all"):
            name = column if n == "all" else f"{column}@{n}"
            if name not in frame or frame[name].notna().sum() < 3:
                continue
            value = _separation(frame, name)
            tau, _ = _tracking(frame, name)
            rows.append({"measure": measure(column).label, "samples": n, "auroc": value,
                         "separation": max(value, 1 - value) if np.isfinite(value) else np.nan, "tau": tau})
    return pd.DataFrame(rows)


def benchmark_overview(frame):
    """The benchmark set in words, and its accuracies by label noise: ``(sentence, table)``."""
    noise_levels, widths, seeds = (sorted(frame[c].unique()) for c in ("label_noise", "width", "seed"))
    by_profile = frame["profile"].value_counts() if "profile" in frame else pd.Series(dtype=int)
    sources = (and_list(f"{n} of the {name} profile" for name, n in by_profile.items()) + "; "
               if len(by_profile) > 1 else "")
    sentence = (
        f"{len(frame)} networks ({sources}random and penalised networks left out; memorizing conditions count as label "
        f"noise 1), {', '.join(sorted(frame['model'].unique()))} at widths {', '.join(map(str, widths))}, label "
        f"noise {', '.join(f'{n:g}' for n in noise_levels)}, {len(seeds)} seed{'s' if len(seeds) != 1 else ''}. "
        f"Memorizing: noise of at least {MEMORIZING_NOISE:g} ({int((frame['label_noise'] >= MEMORIZING_NOISE).sum())} "
        f"networks); clean: {int((frame['label_noise'] == CLEAN).sum())} networks.")
    noisy = frame[frame["label_noise"] >= MEMORIZING_NOISE]
    if len(noisy):  # trained on shuffled labels is not the same as having fit them: say how far they did
        sentence += (f" The memorizing group is defined by its labels, not by its fit: it fits "
                     f"{noisy['train_accuracy'].min():.0%} to {noisy['train_accuracy'].max():.0%} of the labels it "
                     "was trained with, so it holds networks that memorized their shuffled labels and networks that "
                     "mostly did not; the page on memorization at equal fit compares networks that fit them.")
    table = frame.groupby("label_noise")[["train_accuracy", "test_accuracy"]].mean().mul(100)
    # the gap is training minus test accuracy, network by network, so its mean is the difference of the means:
    # taken from the printed means, a row reads 72.6, 75.4, −2.8 and not −2.9
    table["gap"] = table["train_accuracy"].round(1) - table["test_accuracy"].round(1)
    table.index = pd.Index([f"{n:g}" for n in table.index], name="label noise")
    return sentence, table.rename(columns={"train_accuracy": "training accuracy, labels trained with (%)",
                                           "test_accuracy": "test accuracy (%)", "gap": "gap (percentage points)"})


def _direction_text(row):
    word = {"higher": "higher", "lower": "lower"}[row["direction"]]
    if row["family"] == "control" or row["expected"] == 0:
        return word
    expected = "higher" if row["expected"] > 0 else "lower"
    return word if word == expected else f"{word} (its source: {expected})"


def benchmark_view(table):
    """:func:`benchmark_scores` as the book shows it: intervals in brackets, readable headers, the
    direction measured beside the one its source expects."""
    return pd.DataFrame({
        "measure": table["measure"], "family": table["family"].map(FAMILY_LABELS),
        "memorizing networks score": [_direction_text(row) for _, row in table.iterrows()],
        **_separation_columns(table),
        "AUROC": [interval(a, lo, hi) for a, lo, hi in zip(table["auroc"], table["auroc_low"], table["auroc_high"])],
        "Kendall tau with the gap": [interval(t, lo, hi, sign=True) for t, lo, hi in
                                     zip(table["tau"], table["tau_low"], table["tau_high"])],
        "Spearman rho with the noise": [signed(v) for v in table["rho_noise"]],
        "seconds per network": table["seconds"]})


def _separation_columns(table):
    """The separation, and beside it in brackets the fitted-only separation where there is one: one column, so
    that the table still fits a desktop page."""
    if "separation_fitted" not in table or not table["separation_fitted"].notna().any():
        return {"separation": table["separation"]}
    n = int(table["n_fitted"].iloc[0])
    return {f"separation (the {n} fitted only)": [
        f"{a:.2f}" + (f" ({b:.2f})" if np.isfinite(b) else "") for a, b in zip(table["separation"],
                                                                            table["separation_fitted"])]}


def benchmark_numbers(table, frame):
    """The numbers other pages quote from the benchmark table, by name, and the ranking in a paragraph.

    Returns
    -------
    numbers : dict
        ``best``, ``best_separation``, ``best_ours`` (and ``_separation``), ``best_rival`` (and
        ``_separation``), ``best_control`` (and ``_separation``), ``best_tau`` (and ``_value``),
        ``headline``, ``weightwatcher_coverage``, ``ranking``.
    paragraph : str
    """
    measures = table[table["family"] != "control"]
    best, by_tau = measures.iloc[0], measures.iloc[measures["tau"].abs().argmax()]
    ours = measures[measures["family"].isin(OURS)].iloc[0]
    rival = measures[measures["family"] == "rival"].iloc[0]
    controls = table[table["family"] == "control"]
    coverage = weightwatcher_coverage(frame)
    numbers = {"best": best["measure"], "best_separation": float(best["separation"]),
               "best_ours": ours["measure"], "best_ours_separation": float(ours["separation"]),
               "best_rival": rival["measure"], "best_rival_separation": float(rival["separation"]),
               "best_tau": by_tau["measure"], "best_tau_value": float(by_tau["tau"]),
               "headline": benchmark_headline(table), "weightwatcher_coverage": coverage,
               "ranking": "; ".join(f"{i + 1}. {row.measure} ({row.separation:.2f})"
                                    for i, row in enumerate(measures.head(5).itertuples()))}
    if len(controls):
        numbers.update(best_control=controls.iloc[0]["measure"],
                       best_control_separation=float(controls.iloc[0]["separation"]))
    paragraph = (f"The best of the papers' indicators is **{ours['measure']}** (separation {ours['separation']:.2f}, "
                 f"tau {ours['tau']:+.2f}); the best rival is **{rival['measure']}** ({rival['separation']:.2f}, "
                 f"tau {rival['tau']:+.2f}). The strongest tracker of the gap is {by_tau['measure']} (tau "
                 f"{by_tau['tau']:+.2f}). "
                 + (f"The best control, {controls.iloc[0]['measure']} (how well a network fits its labels), "
                    f"separates at {controls.iloc[0]['separation']:.2f}. " if len(controls) else "") + coverage)
    fitted = _fitted_sentence(table)
    numbers["fitted"] = fitted
    return numbers, paragraph + (" " + fitted if fitted else "")


def _fitted_sentence(table):
    """The separation when the memorizing group keeps only networks that fit their labels, in one sentence:
    whether the indicators still separate once fit no longer does it for them."""
    if "separation_fitted" not in table or not table["separation_fitted"].notna().any():
        return ""
    scored = table[table["separation_fitted"].notna()]
    best = {}
    for name, families in (("the papers'", OURS), ("rival", ("rival",)), ("control", ("control",))):
        rows = scored[scored["family"].isin(families)]
        if len(rows):
            best[name] = rows.iloc[rows["separation_fitted"].to_numpy().argmax()]
    parts = [f"{row['measure']} ({name}, {row['separation_fitted']:.2f})" for name, row in best.items()]
    n = int(table["n_fitted"].iloc[0])
    sentence = (f"Counting only the {n} memorizing network{'s' if n != 1 else ''} that fit at least {FITTED:.0%} of "
                f"the labels {'they were' if n != 1 else 'it was'} trained with (against every clean network), the "
                f"best separations are {and_list(parts)}")
    if "control" in best and "the papers'" in best:
        beaten = best["the papers'"]["separation_fitted"] > best["control"]["separation_fitted"] + 1e-9
        sentence += (": the indicators separate them better than their fit does" if beaten else
                     ": no indicator of the papers separates them better than their fit does")
    return (sentence + f". With {n} such networks this is a check that could have failed, not a verdict."
            ).replace("%", " %")


def few_sample_views(few):
    """:func:`few_sample_scores` as the book shows it: ``[(table, caption)]`` for separation and for tau."""
    views = []
    for value, caption in (("separation", "separation (the larger of AUROC and 1 − AUROC)"),
                           ("tau", "Kendall tau with the generalization gap")):
        wide = few.pivot(index="measure", columns="samples", values=value)
        wide.columns = [f"{c:,} samples" if c != "all" else "all samples" for c in wide.columns]
        if value == "tau":  # a tau is signed wherever the book prints one
            wide = wide.map(signed)
        views.append((wide, caption))
    return views
