"""Is this network memorizing? The indicators benchmarked against rival diagnostics.

Everything here reads results files (through :mod:`spikelib.report.results`)
and computes scores; nothing trains.

Scores
------
Separation
    AUROC of clean networks (label noise 0) against memorizing ones (label
    noise of at least 0.6): the probability that a memorizing network scores
    higher than a clean one (ties count half). 0.5 is no separation; an
    indicator that is *lower* for memorizing networks has AUROC below 0.5, and
    its separation is ``1 - AUROC``.
Tracking
    Kendall's tau of the indicator with the generalization gap (training
    accuracy on the labels trained with, minus test accuracy) across all
    networks, and Spearman's rho with the noise fraction.
Uncertainty
    95 % intervals from a cluster bootstrap over seeds: seeds are drawn with
    replacement and each brings all its networks, so the networks that share
    a seed's data order and initialisation stay together.
Cost
    The seconds each indicator took per network.

Functions
---------
networks
    One row per network: identity, accuracies, gap, our indicators and the rivals.
benchmark_set
    The networks of the benchmark from one or more profiles.
scores
    The benchmark table with bootstrap intervals.
headline
    The table's verdict in one sentence, saying when indicators tie.
weightwatcher_coverage
    Where WeightWatcher could and could not be used, in one sentence.
few_sample_scores
    Separation and tracking of our indicators from 100, 300, 1,000, 3,000 samples.
monitor_evaluation
    The online monitor's alarms on switch runs and on the noisy-label runs.
overview, shown_scores, page_numbers, few_sample_views, monitor_summary
    The benchmark page's views of these tables, sentences and quoted numbers.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..experiment.cellfiles import read_curve, read_training
from ..exceptions import DataError
from ..onset import OnsetDetector
from .labels import CONDITION_LABELS, MODEL_NAMES
from .results import design, finished_cells
from .resampling import bootstrap_counts, group_auroc, kendall_tau_b, percentile_interval

__all__ = ["networks", "benchmark_set", "HYPERPARAMETERS", "scores", "headline", "weightwatcher_coverage", "few_sample_scores", "monitor_evaluation", "overview", "shown_scores", "page_numbers", "few_sample_views",
           "monitor_summary", "INDICATORS", "RIVALS",
           "CLEAN", "MEMORIZING_NOISE"]

#: Our indicators: (column, label, the seconds group of the analysis that computes it).
INDICATORS = [
    ("mfr", "MFR", "paper_indicators"), ("cv_fr", "CV of FR", "paper_indicators"),
    ("mf", "MF", "paper_indicators"), ("cv_mf", "CV of MF", "paper_indicators"),
    ("excess_fano_mean", "excess Fano", "bernoulli"), ("share_rare_5", "share of rare nodes", "activation_probability"),
    ("mean_abs_r", "mean |r|", "correlation"), ("participation_ratio", "participation ratio", "correlation"),
]
#: The rival diagnostics: (column, label, seconds group).
RIVALS = [
    ("alpha", "WeightWatcher alpha", "weightwatcher"), ("alpha_weighted", "WeightWatcher alpha_weighted", "weightwatcher"),
    ("log_spectral_norm", "WeightWatcher log spectral norm", "weightwatcher"),
    ("stable_rank", "WeightWatcher stable rank", "weightwatcher"),
    ("ablation_area", "single-direction ablation (area)", "ablation"),
    ("frobenius_observed", "Frobenius norm (observed layer)", "weight_norms"),
    ("spectral_observed", "spectral norm (observed layer)", "weight_norms"),
    ("frobenius_all", "Frobenius norm (all weights)", "weight_norms"),
    ("distance_from_init", "distance from initialisation", "weight_norms"),
    ("sharpness", "sharpness (loss increase under perturbation)", "sharpness"),
    ("output_margin", "output margin (10th percentile)", "margins"),
    ("hidden_margin", "hidden-layer margin (10th percentile)", "margins"),
    ("mixup_davies_bouldin", "Davies-Bouldin index with mixup (PGDL winner)", "mixup_davies_bouldin"),
]
#: The hyperparameters of a network as the zoo varies them (absent from older cells: the defaults).
HYPERPARAMETERS = {"depth": 1, "dropout": 0.0, "weight_decay": 0.0, "learning_rate": 0.1, "batch_size": 256,
                   "train_samples": None}
CLEAN, MEMORIZING_NOISE = 0.0, 0.6


def networks(root):
    """One row per trained network of a profile (cell protocol): identity, accuracies, indicators, rivals.

    Columns: ``cell_id, model, width, condition, seed, label_noise``;
    ``train_accuracy`` (an evaluation pass, on the labels trained with),
    ``test_accuracy``, ``gap`` (their difference); our indicators on the
    training recording (:data:`INDICATORS`); the rivals (:data:`RIVALS`);
    ``ww_status`` (whether WeightWatcher could analyse the observed layer);
    ``seconds_<group>`` for the cost; and ``<indicator>@<n>`` from the first
    ``n`` training samples.

    Raises
    ------
    DataError
        If the profile has no analysed network with the rival diagnostics.
    """
    rows = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell" or "diagnostics" not in metrics:
            continue
        train = metrics["splits"]["train"]
        row = {"cell_id": metrics["cell_id"], "model": MODEL_NAMES[parameters["model"]], "width": parameters["width"],
               "condition": parameters["condition"], "seed": parameters["seed"],
               "label_noise": metrics["labels"]["noise"], "l1": parameters.get("l1", 0.0),
               "l2": parameters.get("l2", 0.0), "profile": Path(root).name, "design": design(parameters),
               **{name: parameters.get(name, default) for name, default in HYPERPARAMETERS.items()},
               "train_accuracy_true_labels": metrics.get("train_accuracy_true_labels", np.nan),
               "train_accuracy": metrics["train_accuracy_evaluated"], "test_accuracy": metrics["test_accuracy"],
               "gap": metrics["train_accuracy_evaluated"] - metrics["test_accuracy"]}
        row.update({key: value for key, value in train.items() if isinstance(value, (int, float))})
        row.update({column: train.get(column, np.nan) for column, _, _ in INDICATORS})
        row.update({column: metrics["diagnostics"].get(column, np.nan) for column, _, _ in RIVALS})
        row["ww_status"] = metrics["diagnostics"].get("ww_status", "not recorded")
        seconds = {**metrics["seconds"]["train_split"], **metrics["seconds"]["diagnostics"]}
        row.update({f"seconds_{group}": value for group, value in seconds.items()})
        for n, values in metrics.get("few_samples", {}).items():
            row.update({f"{column}@{n}": value for column, value in values.items() if column != "window"})
        rows.append(row)
    if not rows:
        raise DataError(f"No network in {root} has the rival diagnostics: run its profile with this version.")
    return pd.DataFrame(rows)


def benchmark_set(roots):
    """The networks of the benchmark: trained networks of the given profiles, of the paper's design or
    the label-noise sweep (no penalties, no zoo or subset networks).

    Random (untrained) networks are left out: they neither generalize nor
    memorize. Memorizing conditions count as label noise 1, generalizing ones
    as 0.

    Raises
    ------
    DataError
        If no profile has a network with the rival diagnostics.
    """
    frames = []
    for root in roots:
        try:
            frames.append(networks(root))
        except DataError:
            continue
    if not frames:
        raise DataError(f"No network with the rival diagnostics in {[str(r) for r in roots]}.")
    frame = pd.concat(frames, ignore_index=True)
    keep = (frame["condition"] != "random") & frame["design"].isin(["paper", "label noise"])
    return frame[keep].reset_index(drop=True)


def _groups(frame):
    """Which networks are memorizing (label noise of at least :data:`MEMORIZING_NOISE`) and which clean."""
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


def scores(frame, n_boot=1000, seed=0, columns=None):
    """The benchmark table: separation, tracking and cost of every indicator, with intervals.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`networks`.
    n_boot : int
        Bootstrap resamples of the seeds.
    seed : int
    columns : list of (column, label, group), optional
        Default: :data:`INDICATORS` then :data:`RIVALS`.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``indicator, family`` ("ours" or "rival"),
        ``auroc`` (memorizing scored higher), its interval, ``separation``
        (``max(auroc, 1 - auroc)``), ``direction`` (``higher`` or ``lower``
        when memorizing), ``tau`` with the gap and its interval, ``rho_noise``,
        ``seconds`` (median per network), ``n``; sorted by separation.
    """
    columns = columns or INDICATORS + RIVALS
    ours = {column for column, _, _ in INDICATORS}
    # A cluster bootstrap over seeds: each drawn seed brings all its networks.
    counts = bootstrap_counts(n_boot, seed, clusters=frame["seed"].to_numpy())
    gap = frame["gap"].to_numpy(float)
    rows = []
    for column, label, group in columns:
        if column not in frame or frame[column].notna().sum() < 3:
            continue
        value = _separation(frame, column)
        low, high = percentile_interval(_separation(frame, column, counts))
        tau, rho = _tracking(frame, column)
        tau_low, tau_high = percentile_interval(kendall_tau_b(frame[column].to_numpy(float), gap, counts))
        seconds = frame.get(f"seconds_{group}")
        rows.append({"indicator": label, "column": column, "family": "ours" if column in ours else "rival",
                     "auroc": value, "auroc_low": low, "auroc_high": high,
                     "separation": max(value, 1 - value) if np.isfinite(value) else np.nan,
                     "direction": "higher" if value >= 0.5 else "lower",
                     "tau": tau, "tau_low": tau_low, "tau_high": tau_high, "rho_noise": rho,
                     "seconds": float(seconds.median()) if seconds is not None else np.nan,
                     "n": int(frame[column].notna().sum())})
    table = pd.DataFrame(rows)
    return table.sort_values(["separation", "tau"], ascending=False, key=lambda s: s.abs()).reset_index(drop=True)


def headline(table):
    """The benchmark's verdict in one sentence (pasted into the book as is).

    When several indicators share the best separation (on a clear-cut set,
    many reach 1.00), naming one "best" would be an accident of sorting: the
    sentence names them all, how many are the papers' and how many rivals,
    and which of them tracks the generalization gap most closely.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`scores` (sorted by separation, then by ``|tau|``).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"indicator": ["A", "B", "C"], "family": ["rival", "ours", "ours"],
    ...                       "separation": [1.0, 1.0, 0.7], "tau": [0.5, -0.4, 0.1]})
    >>> print(headline(table))
    2 indicators separate memorizing from clean networks equally well (separation 1.00): A, B;
    1 of the papers' and 1 rival. Of these, A tracks the generalization gap most closely (Kendall tau +0.50).
    >>> print(headline(table.iloc[1:]))
    The best separator of memorizing from clean networks is B (separation 1.00; Kendall tau with the gap -0.40),
    one of the papers' indicators; the next is C (0.70).
    """
    table = table[np.isfinite(table["separation"])]
    if table.empty:
        return "No indicator could be scored on these networks."
    top = table["separation"].max()
    tied = table[np.isclose(table["separation"], top, rtol=0, atol=1e-9)]
    lead = tied.iloc[tied["tau"].abs().fillna(-1).to_numpy().argmax()]
    if len(tied) > 1:
        n_ours = int((tied["family"] == "ours").sum())
        n_rivals = len(tied) - n_ours
        return (f"{len(tied)} indicators separate memorizing from clean networks equally well (separation "
                f"{top:.2f}): {', '.join(tied['indicator'])}; {n_ours} of the papers' and {n_rivals} "
                f"rival{'s' if n_rivals != 1 else ''}. Of these, {lead['indicator']} tracks the generalization gap "
                f"most closely (Kendall tau {lead['tau']:+.2f}).")
    family = "one of the papers' indicators" if lead["family"] == "ours" else "a rival"
    rest = table.drop(index=lead.name)
    following = (f"; the next is {rest.iloc[0]['indicator']} ({rest.iloc[0]['separation']:.2f})" if len(rest) else "")
    return (f"The best separator of memorizing from clean networks is {lead['indicator']} (separation {top:.2f}; "
            f"Kendall tau with the gap {lead['tau']:+.2f}), {family}{following}.")


def weightwatcher_coverage(frame):
    """Where WeightWatcher could be used on these networks, in one sentence.

    WeightWatcher skips layers with too few eigenvalues for its power-law fit
    (``min_evals``); each network's ``ww_status`` records whether it analysed
    the observed layer, and why not.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"cell_id": ["a", "b"], "width": [64, 4],
    ...                       "ww_status": ["ok", "WeightWatcher did not analyse layer 'observed'"]})
    >>> print(weightwatcher_coverage(frame))
    WeightWatcher analysed the observed layer of 1 of 2 networks (observed layers of 4 to 64 nodes);
    it could not be used on b (WeightWatcher did not analyse layer 'observed').
    """
    status = frame["ww_status"] if "ww_status" in frame else pd.Series("not recorded", index=frame.index)
    usable = status == "ok"
    sentence = (f"WeightWatcher analysed the observed layer of {int(usable.sum())} of {len(frame)} networks "
                f"(observed layers of {frame['width'].min()} to {frame['width'].max()} nodes)")
    if usable.all():
        return sentence + "."
    skipped = frame.loc[~usable, "cell_id"].astype(str) + " (" + status[~usable].astype(str) + ")"
    return sentence + "; it could not be used on " + "; ".join(skipped) + "."


def few_sample_scores(frame, sizes=(100, 300, 1000, 3000)):
    """Separation (AUROC) and tracking (tau) of our indicators from the first few training samples.

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, samples); ``samples`` is ``"all"`` for the
        whole training recording.
    """
    rows = []
    for column, label, _ in INDICATORS:
        for n in (*sizes, "all"):
            name = column if n == "all" else f"{column}@{n}"
            if name not in frame or frame[name].notna().sum() < 3:
                continue
            value = _separation(frame.assign(_x=frame[name]), "_x")
            tau, _ = _tracking(frame.assign(_x=frame[name]), "_x")
            rows.append({"indicator": label, "samples": n, "auroc": value,
                         "separation": max(value, 1 - value) if np.isfinite(value) else np.nan, "tau": tau})
    return pd.DataFrame(rows)


def _run_name(parameters):
    """A run as a reader names it: ``MLP-128 MemRetrainLast, seed 0``."""
    return (f"{MODEL_NAMES.get(parameters['model'], parameters['model'])}-{parameters['width']} "
            f"{CONDITION_LABELS.get(parameters['condition'], parameters['condition'])}, seed {parameters['seed']}")


def monitor_evaluation(root, detector=None):
    """Run the online monitor's change-point rule on a profile's recorded runs.

    Switch runs (the curve protocol: true labels, then shuffled ones at a
    known epoch) give the alarm delay; the networks trained on noisy labels
    from the start, with indicators traced every epoch, give the alarms (and
    on clean labels, the false alarms). The rule sees one value per epoch: the
    probe's mean firing rate at the end of the epoch.

    Returns
    -------
    switches : pandas.DataFrame
        One row per switch run: ``cell_id, run`` (its name for readers), ``width, seed, switch_epoch,
        alarm_epoch, delay`` (``nan`` without an alarm), ``values`` (the series).
    noisy : pandas.DataFrame
        One row per noisy-label run: ``cell_id, width, seed, label_noise,
        alarm_epoch``, ``values``.
    """
    detector = detector or OnsetDetector()
    switches, noisy = [], []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol") == "curve":
            curve = read_curve(directory)
            training = read_training(directory)
            epochs_true = training["epochs"]["true labels"]
            per_batch = np.asarray(curve["mfr_train"])
            batches = int(curve["batches_true_labels"]) // epochs_true
            values = per_batch[batches - 1::batches]  # the value after each epoch's last batch
            alarm = detector.run(values)
            switches.append({"cell_id": metrics["cell_id"], "run": _run_name(parameters),
                             "width": parameters["width"], "seed": parameters["seed"],
                             "switch_epoch": epochs_true, "alarm_epoch": alarm.epoch if alarm else np.nan,
                             "delay": alarm.epoch - epochs_true if alarm else np.nan, "values": values.tolist()})
            continue
        if parameters.get("trace_every") != 1 or metrics["labels"]["noise"] is None:
            continue
        phases = read_training(directory)["phases"]
        if len(phases) != 1:
            continue
        traces = phases[0]["traces"]
        values = np.asarray(traces["mfr"][1:])  # after each epoch (index 0 is before training)
        alarm = detector.run(values)
        noisy.append({"cell_id": metrics["cell_id"], "width": parameters["width"], "seed": parameters["seed"],
                      "label_noise": metrics["labels"]["noise"], "alarm_epoch": alarm.epoch if alarm else np.nan,
                      "values": values.tolist()})
    return pd.DataFrame(switches), pd.DataFrame(noisy)


def overview(frame):
    """The benchmark set in words, and its accuracies by label noise: ``(sentence, table)``."""
    noise_levels, widths, seeds = (sorted(frame[c].unique()) for c in ("label_noise", "width", "seed"))
    sentence = (
        f"**Profiles {', '.join(f'`{name}`' for name in sorted(frame['profile'].unique()))}**: {len(frame)} networks "
        f"(random and penalised networks left out; memorizing conditions count as label noise 1), "
        f"{', '.join(sorted(frame['model'].unique()))} at widths {', '.join(map(str, widths))}, label noise "
        f"{', '.join(f'{n:g}' for n in noise_levels)}, seeds {', '.join(map(str, seeds))}. Memorizing: noise of at "
        f"least {MEMORIZING_NOISE:g} ({int((frame['label_noise'] >= MEMORIZING_NOISE).sum())} networks); clean: "
        f"{int((frame['label_noise'] == 0).sum())} networks.")
    table = frame.groupby("label_noise")[["train_accuracy", "test_accuracy", "gap"]].mean().mul(100).round(1)
    table.index = pd.Index([f"{n:g}" for n in table.index], name="label noise")
    return sentence, table.rename(columns={"train_accuracy": "train accuracy (labels trained with, %)",
                                           "test_accuracy": "test accuracy (%)", "gap": "gap (points)"})


def shown_scores(table):
    """:func:`scores` as the book shows it: intervals in brackets, readable headers."""
    return table.assign(
        AUROC=[f"{a:.2f} [{lo:.2f}, {hi:.2f}]" for a, lo, hi in zip(table["auroc"], table["auroc_low"],
                                                                     table["auroc_high"])],
        tau=[f"{t:+.2f} [{lo:+.2f}, {hi:+.2f}]" for t, lo, hi in zip(table["tau"], table["tau_low"], table["tau_high"])],
    )[["indicator", "family", "direction", "separation", "AUROC", "tau", "rho_noise", "seconds"]].rename(
        columns={"tau": "Kendall tau with the gap", "rho_noise": "Spearman rho with noise",
                 "seconds": "seconds per network"})


def page_numbers(table, frame):
    """The numbers other pages quote from the benchmark table, by name, and the ranking in a paragraph.

    Returns
    -------
    numbers : dict
        ``best``, ``best_separation``, ``best_ours`` (and ``_separation``), ``best_rival`` (and
        ``_separation``), ``best_tau`` (and ``_value``), ``headline``, ``weightwatcher_coverage``, ``ranking``.
    paragraph : str
    """
    best, by_tau = table.iloc[0], table.iloc[table["tau"].abs().argmax()]
    ours, rival = (table[table["family"] == family].iloc[0] for family in ("ours", "rival"))
    coverage = weightwatcher_coverage(frame)
    numbers = {"best": best["indicator"], "best_separation": float(best["separation"]),
               "best_ours": ours["indicator"], "best_ours_separation": float(ours["separation"]),
               "best_rival": rival["indicator"], "best_rival_separation": float(rival["separation"]),
               "best_tau": by_tau["indicator"], "best_tau_value": float(by_tau["tau"]), "headline": headline(table),
               "weightwatcher_coverage": coverage,
               "ranking": "; ".join(f"{i + 1}. {row.indicator} ({row.separation:.2f})"
                                    for i, row in enumerate(table.head(5).itertuples()))}
    ranked = "; ".join(f"{i + 1}. {row.indicator} ({row.separation:.2f})" for i, row in enumerate(table.itertuples()))
    paragraph = (f"Ranked by separation: {ranked}. The best of the papers' indicators is **{ours['indicator']}** "
                 f"(separation {ours['separation']:.2f}, tau {ours['tau']:+.2f}); the best rival is "
                 f"**{rival['indicator']}** ({rival['separation']:.2f}, tau {rival['tau']:+.2f}). The strongest "
                 f"tracker of the gap is {by_tau['indicator']} (tau {by_tau['tau']:+.2f}). " + coverage)
    return numbers, paragraph


def few_sample_views(few):
    """:func:`few_sample_scores` as the book shows it: ``[(table, caption)]`` for separation and for tau."""
    views = []
    for value, caption in (("separation", "separation (max of AUROC and 1 - AUROC)"),
                           ("tau", "Kendall tau with the generalization gap")):
        wide = few.pivot(index="indicator", columns="samples", values=value)
        wide.columns = [f"{c} samples" if c != "all" else "all samples" for c in wide.columns]
        views.append((wide, caption))
    return views


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def monitor_summary(evaluations):
    """The online monitor over the runs of :func:`monitor_evaluation` (one pair per profile).

    Returns
    -------
    switches : pandas.DataFrame
        The switch runs, with their alarms.
    rates : pandas.DataFrame
        Runs, alarms and the median alarm epoch per label noise of the noisy-label runs.
    sentence : str
        How often it alarmed, how late, and how often falsely.
    """
    switches = pd.concat([switch for switch, _ in evaluations], ignore_index=True)
    noisy = pd.concat([run for _, run in evaluations], ignore_index=True)
    parts = []
    if len(switches):
        delays = switches["delay"].dropna()
        if len(delays) == 1:
            timing = f", {_plural(int(delays.iloc[0]), 'epoch')} after the switch"
        elif len(delays) and delays.min() == delays.max():
            timing = f", each {_plural(int(delays.iloc[0]), 'epoch')} after the switch"
        elif len(delays):
            timing = (f", a median of {delays.median():g} epochs (range {delays.min():.0f} to {delays.max():.0f}) "
                      "after the switch")
        else:
            timing = ""
        parts.append(f"alarmed in {len(delays)} of {_plural(len(switches), 'run')} that switched to shuffled "
                     f"labels{timing}")
    else:
        parts.append("has no finished switch run to be timed on yet")
    rates = pd.DataFrame()
    if len(noisy):
        rates = noisy.assign(alarm=noisy["alarm_epoch"].notna()).groupby("label_noise").agg(
            runs=("alarm", "size"), alarms=("alarm", "sum"), median_alarm_epoch=("alarm_epoch", "median"))
        rates.index = pd.Index([f"{n:g}" for n in rates.index], name="label noise")
        clean = noisy[noisy["label_noise"] == 0]
        parts.append(f"alarmed falsely in {int(clean['alarm_epoch'].notna().sum())} of "
                     f"{_plural(len(clean), 'run')} on clean labels")
    return switches, rates, "The online monitor " + " and ".join(parts) + "."
