"""The model zoo: does a measure predict the generalization gap beyond how well each network fits?

Profile ``zoo``: clean labels, a factorial of five hyperparameters, every
network trained to one fitting criterion (a training accuracy of 99 %
evaluated on its training samples). The gap then varies for reasons other
than label noise or under-fitting. Every measure of the registry is scored,
the controls (training accuracy, final training loss, training cross-entropy)
exactly like the measures, so that a measure earns credit only where it does
better than they do:

- the PGDL competition's conditional mutual information (×100, the minimum
  over ordered pairs of hyperparameters held fixed; it has no sign);
- Jiang et al.'s granulated Kendall tau Ψ;
- Kendall's tau with the gap over all networks, whose sign is the measure's
  direction, with a bootstrap interval;
- the partial Spearman correlation with the gap given the controls (what the
  measure says beyond the fit);
- the worst sign error over pairs that differ in one hyperparameter by more
  than seed noise (Dziugaite et al.; a coin flip scores 0.5);
- the worst balanced accuracy of a threshold fitted on the other
  architectures, or widths.

Functions
---------
zoo_networks
    The zoo's networks, and which of them met the fitting criterion.
zoo_scores
    Every measure's and control's scores, with intervals.
zoo_headline
    The best measure that beats the controls, or that none does.
pgdl_note
    The PGDL competition's published scores, for scale.
zoo_description
    What the zoo holds, in sentences.
zoo_view, short_view
    The score table, and the networks left out, as the book shows them.
budget_table, budget_view
    How the paper's indicators track the gap from 50 to 1,000 probe samples.
"""

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..experiment.measures import FAMILY_LABELS, MEASURES, PAPER_INDICATORS, measure
from .benchmark import beats_controls
from .labels import FACTOR_LABELS, MEASURE_LABELS, network_name
from .networks import network_table, reached_criterion
from .pgdl import PgdlScorer
from .render import and_list, interval, signed
from .resampling import (
    bootstrap_counts,
    kendall_tau_b,
    percentile_interval,
    subset_counts,
)
from .scores import (
    granulated_tau,
    leave_one_group_out,
    partial_rank_correlation,
    seed_noise,
    sign_errors,
)

__all__ = ["zoo_networks", "zoo_scores", "zoo_headline", "pgdl_note", "zoo_description", "zoo_view", "short_view", "figure_measures", "budget_table",
           "budget_view",
           "direction_word", "FACTORS", "MIN_GROUP", "MIN_ENVIRONMENT_PAIRS", "SUBSET_SHARE"]

#: The zoo's factorial hyperparameters (the PGDL score conditions on every ordered pair of them).
FACTORS = ("depth", "width", "dropout", "weight_decay", "learning_rate")
#: The share of the factorial's networks in each random subset that gives the PGDL score's interval.
SUBSET_SHARE = 0.8
#: Held-out groups (an architecture, a width) of fewer networks than this are too small to score.
MIN_GROUP = 5
#: Environments of the sign error with fewer pairs than this are too small to call a worst case.
MIN_ENVIRONMENT_PAIRS = 5


def zoo_networks(root):
    """The zoo's trained networks: ``(scored, short)``.

    ``scored`` are the networks that met their fitting criterion (the scores
    use only these); ``short`` the ones that stopped at their cap of epochs
    short of it, named on the page and left out by that rule. Networks whose
    training diverged have no results (the run's manifest names them).

    Raises
    ------
    DataError
        If the folder has no network trained to the fitting criterion.
    """
    frame = network_table(root)
    frame = frame[frame["generalize_until"] == "fit"].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"No network trained to the fitting criterion in {root}.")
    reached = reached_criterion(frame).to_numpy()
    return frame[reached].reset_index(drop=True), frame[~reached].reset_index(drop=True)


def _factorial(frame):
    """The networks of the factorial: the MLPs of seed 0."""
    return frame[(frame["model"] == "MLP") & (frame["seed"] == 0)].reset_index(drop=True)


def _worst(held_out):
    """The lowest balanced accuracy over held-out groups of at least :data:`MIN_GROUP` networks."""
    scores = held_out.loc[held_out["n"] >= MIN_GROUP, "balanced_accuracy"]
    return float(scores.min()) if scores.notna().any() else float("nan")


def direction_word(tau, threshold=0.1, interval=None):
    """How a measure moves with the gap, from the sign of its tau: ``"rises"``, ``"falls"`` or ``"flat"``.

    With its 95 % ``interval`` (low, high), a tau is flat exactly when the interval holds 0; without one, when it
    is smaller than ``threshold`` in size.

    >>> direction_word(0.3), direction_word(-0.25), direction_word(0.02)
    ('rises', 'falls', 'flat')
    >>> direction_word(-0.0998, interval=(-0.17, -0.01)), direction_word(0.15, interval=(-0.02, 0.3))
    ('falls', 'flat')
    """
    if not np.isfinite(tau):
        return "flat"
    if interval is not None and all(np.isfinite(interval)):
        if interval[0] <= 0 <= interval[1]:
            return "flat"
    elif abs(tau) < threshold:
        return "flat"
    return "rises" if tau > 0 else "falls"


def zoo_scores(frame, n_boot=200, seed=0):
    """Every measure's and control's scores on the zoo (the networks that met the criterion).

    Parameters
    ----------
    frame : pandas.DataFrame
        The scored networks of :func:`zoo_networks`.
    n_boot : int
        Resamples for the intervals: bootstrap resamples of the networks for
        tau; for the PGDL score, random subsets of :data:`SUBSET_SHARE` of the
        factorial's networks without replacement (a copy of a network paired
        with itself would inflate the score).
    seed : int

    Returns
    -------
    table : pandas.DataFrame
        One row per measure with at least three values: ``measure, column,
        family, expected``; ``pgdl`` (×100, on the factorial) with
        ``pgdl_low, pgdl_high``; ``psi`` (granulated tau) and
        ``psi_weakest`` (the hyperparameter whose tau is furthest from Ψ's
        sign); ``tau`` with the gap over all networks and its interval;
        ``direction`` (:func:`direction_word`); ``rho_beyond`` (partial
        Spearman correlation given the controls; ``nan`` for controls);
        ``sign_error_worst`` and ``sign_error_where`` (over environments of at
        least :data:`MIN_ENVIRONMENT_PAIRS` pairs outside seed noise, the
        measure oriented by the sign of its tau), ``sign_error_mean``;
        ``loao_worst``/``lowo_worst`` (the lowest balanced accuracy of a
        threshold fitted on the other architectures / widths, predicting a
        gap above the zoo's median); ``beats_controls``; ``n``. Sorted by
        ``pgdl``.
    context : dict
        ``n_networks, n_factorial, seed_noise`` (of the gap, in points),
        ``min_gap_difference``, ``median_gap``, ``architectures``, ``widths``,
        ``n_repeated``, ``factors`` (their names for readers), ``grid`` (the
        factorial's cells present, and of how many).

    Raises
    ------
    DataError
        If the factorial has fewer than 8 networks or varies fewer than two hyperparameters.
    """
    factorial = _factorial(frame)
    varied = [name for name in FACTORS if factorial[name].nunique() > 1]
    if len(factorial) < 8 or len(varied) < 2:
        raise DataError(f"The zoo has {len(factorial)} networks in its factorial that met the criterion, varying "
                        f"{varied}; at least 8 networks and two hyperparameters are needed.")
    factors = {name: factorial[name].to_numpy() for name in varied}
    noise = seed_noise(frame["gap"], frame["configuration"])
    min_difference = 2 * np.sqrt(2) * noise if np.isfinite(noise) else 0.0
    median_gap = float(frame["gap"].median())
    target = (frame["gap"] > median_gap).to_numpy()
    counts_all = bootstrap_counts(n_boot, seed, n=len(frame))
    counts_factorial = subset_counts(n_boot, seed, len(factorial), int(SUBSET_SHARE * len(factorial)))
    gap_all, gap_factorial = frame["gap"].to_numpy(float), factorial["gap"].to_numpy(float)
    score_pgdl = PgdlScorer(gap_factorial, factors)
    controls = [m.column for m in MEASURES if m.family == "control" and m.column in frame
                and frame[m.column].notna().all() and frame[m.column].nunique() > 1]
    rows = []
    for item in MEASURES:
        column = item.column
        if column not in frame or frame[column].notna().sum() < 3:
            continue
        values, values_factorial = frame[column].to_numpy(float), factorial[column].to_numpy(float)
        psi, per_factor = granulated_tau(values_factorial, gap_factorial, factors)
        tau = kendall_tau_b(values, gap_all)
        errors = sign_errors(values_factorial, gap_factorial, factors, min_difference,
                             orientation=1 if not tau < 0 else -1)
        errors = errors[errors["pairs"] >= MIN_ENVIRONMENT_PAIRS]
        worst = errors.loc[errors["error"].idxmax()] if len(errors) else None
        weakest = min(per_factor, key=lambda k: per_factor[k] * np.sign(psi) if np.isfinite(per_factor[k]) else np.inf)
        pgdl_low, pgdl_high = percentile_interval(score_pgdl(values_factorial, counts_factorial) * 100)
        tau_low, tau_high = percentile_interval(kendall_tau_b(values, gap_all, counts_all))
        rows.append({
            "measure": item.label, "column": column, "family": item.family, "expected": item.expected,
            "pgdl": score_pgdl(values_factorial)[0] * 100, "pgdl_low": pgdl_low, "pgdl_high": pgdl_high,
            "psi": psi, "psi_weakest": FACTOR_LABELS[weakest], "psi_weakest_value": per_factor[weakest],
            "tau": tau, "tau_low": tau_low, "tau_high": tau_high, "direction": direction_word(tau, interval=(tau_low, tau_high)),
            "rho_beyond": (partial_rank_correlation(values, gap_all, frame[controls].to_numpy(float))
                           if item.family != "control" and controls else np.nan),
            "sign_error_worst": float(worst["error"]) if worst is not None else np.nan,
            "sign_error_where": (f"{FACTOR_LABELS[worst['factor']]} {worst['low']:g} → {worst['high']:g}"
                                 if worst is not None else ""),
            "sign_error_mean": float(np.average(errors["error"], weights=errors["pairs"])) if len(errors) else np.nan,
            "loao_worst": _worst(leave_one_group_out(values, target, frame["architecture"].to_numpy())),
            "lowo_worst": _worst(leave_one_group_out(values, target, frame["width"].to_numpy())),
            "n": int(np.isfinite(values).sum()),
        })
    table = pd.DataFrame(rows).sort_values("pgdl", ascending=False, na_position="last").reset_index(drop=True)
    table["beats_controls"] = beats_controls(table, "pgdl")
    levels = [factorial[name].nunique() for name in varied]
    cells = factorial[varied].drop_duplicates()
    context = {"n_networks": len(frame), "n_factorial": len(factorial), "seed_noise": noise * 100,
               "min_gap_difference": min_difference * 100, "median_gap": median_gap * 100,
               "architectures": sorted(frame["architecture"].unique()), "widths": sorted(frame["width"].unique()),
               "n_repeated": int(frame.groupby("configuration")["seed"].transform("size").gt(1).sum()),
               "factors": [FACTOR_LABELS[name] for name in varied], "controls": [measure(c).label for c in controls],
               "grid": (len(cells), int(np.prod(levels)))}
    return table, context


def pgdl_note():
    """The PGDL competition's published scores, for scale: another zoo, not a like-for-like comparison."""
    from .pgdl import PGDL_PUBLISHED

    return (f"For reference, the PGDL competition's winning measure scored {PGDL_PUBLISHED['overall']} overall and "
            f"{PGDL_PUBLISHED['fashion_mnist_task8']} on its Fashion-MNIST task: another zoo, not a like-for-like "
            "comparison.")


def zoo_headline(table, context):
    """The zoo's verdict in sentences: the best measure that beats the controls, or that none does;
    where MFR stands; every direction from the sign of the measure's tau.

    Examples
    --------
    >>> table = pd.DataFrame({"measure": ["A", "training accuracy", "MFR"], "column": ["a", "train_accuracy", "mfr"],
    ...                       "family": ["rival", "control", "paper"], "pgdl": [30.0, 20.0, 0.5],
    ...                       "pgdl_low": [25.0, 15.0, 0.1], "pgdl_high": [35.0, 24.0, 2.0],
    ...                       "tau": [0.5, -0.3, -0.1], "rho_beyond": [0.3, np.nan, 0.0],
    ...                       "beats_controls": [True, False, False]})
    >>> print(zoo_headline(table, {"n_networks": 20, "n_factorial": 18, "factors": ["depth", "width"]}))
    On the zoo's 20 networks that met the fitting criterion (the PGDL score takes one network of each of the 18
    configurations of its factorial, which varies depth and width), the best measure that beats the controls is A, a
    rival: PGDL score 30.0 [25.0, 35.0] of 100, above training accuracy's 20.0; it rises with the gap (Kendall tau
    +0.50; partial ρ +0.30 beyond the controls). MFR scores 0.5 [0.1, 2.0] and falls with the gap (tau −0.10).
    """
    scored = table[np.isfinite(table["pgdl"])]
    if scored.empty:
        return "No measure could be scored on the zoo."
    factors = and_list(context["factors"])
    text = (f"On the zoo's {context['n_networks']} networks that met the fitting criterion (the PGDL score takes one "
            f"network of each of the {context['n_factorial']} configurations of its factorial, which varies "
            f"{factors}), ")
    controls = scored[scored["family"] == "control"]
    control = controls.iloc[0] if len(controls) else None
    winners = scored[scored["beats_controls"]]
    if len(winners):
        best = winners.iloc[0]
        family = "one of the papers' indicators" if best["family"] in ("paper", "followup") else "a rival"
        text += (f"the best measure that beats the controls is {best['measure']}, {family}: PGDL score "
                 f"{best['pgdl']:.1f} [{best['pgdl_low']:.1f}, {best['pgdl_high']:.1f}] of 100"
                 + (f", above {control['measure']}'s {control['pgdl']:.1f}" if control is not None else "")
                 + f"; it {_moves(best)} with the gap (Kendall tau {signed(best['tau'])}; "
                 f"partial ρ {signed(best['rho_beyond'])} beyond the controls).")
    else:
        best = scored[scored["family"] != "control"].iloc[0]
        text += (f"no measure beats the controls: {control['measure']} alone scores {control['pgdl']:.1f} of 100, and "
                 f"the best measure, {best['measure']}, {best['pgdl']:.1f} [{best['pgdl_low']:.1f}, "
                 f"{best['pgdl_high']:.1f}]; what the measures track is mostly how well each network fits.")
    mfr = scored[scored["column"] == "mfr"]
    if len(mfr) and mfr.index[0] != best.name:
        row = mfr.iloc[0]
        text += (f" MFR scores {row['pgdl']:.1f} [{row['pgdl_low']:.1f}, {row['pgdl_high']:.1f}] and "
                 f"{_moves(row)} with the gap (tau {signed(row['tau'])}).")
    return text


def _moves(row):
    """A row's direction in words: the table's own (read with its interval) where it has one, so that the
    headline and the table never disagree."""
    direction = row.get("direction")
    return {"rises": "rises", "falls": "falls", "flat": "hardly moves"}[direction or direction_word(row["tau"])]


def zoo_description(scored, short, context, completion=""):
    """What the zoo holds: its networks by architecture, the criterion, the networks left out (by name),
    how complete the factorial is, the gaps and how the sign error treats seed noise."""
    sizes = scored.groupby("architecture").size()
    cells, planned = context["grid"]
    text = (f"{len(scored)} networks met the fitting criterion ({', '.join(f'{a}: {n}' for a, n in sizes.items())}); "
            f"the factorial varies {', '.join(context['factors'])}, and {cells} of its {planned} cells hold a network "
            "that met it. ")
    if len(short):
        text += (f"{len(short)} stopped at their cap short of the criterion and are left out of every score: "
                 + "; ".join(f"{network_name(row)} ({100 * row['train_accuracy']:.1f} % after {int(row['epochs']):,} "
                             "epochs)" for _, row in short.iterrows()) + ". ")
    if cells < planned:
        text += ("The PGDL score compares pairs of networks within bins of two hyperparameters' values; a bin "
                 "without a pair is left out, so the missing cells shrink the bins that held them. ")
    text += (f"Gaps {scored['gap'].min() * 100:.1f} to {scored['gap'].max() * 100:.1f} points (median "
             f"{context['median_gap']:.1f}). " + _seed_noise_sentence(context))
    return (completion + " " + text).strip()


def _seed_noise_sentence(context):
    if not np.isfinite(context["seed_noise"]):
        return ("No configuration was trained with more than one seed, so no pair of networks is set aside as within "
                "seed noise.")
    return (f"The gap varies by {context['seed_noise']:.2f} points (standard deviation) between seeds of one "
            f"configuration ({context['n_repeated']} networks of repeated configurations), so pairs of networks whose "
            f"gaps differ by less than {context['min_gap_difference']:.2f} points are left out of the sign error.")


def zoo_view(table):
    """The score table as the book shows it: the columns that carry the argument (the rest in its CSV)."""
    return pd.DataFrame({
        "measure": table["measure"] + np.where(table["beats_controls"], " ✓", ""),
        "family": table["family"].map(FAMILY_LABELS),
        "with a larger gap": table["direction"].map({"rises": "higher", "falls": "lower", "flat": "flat"}),
        "PGDL score (×100)": [interval(v, lo, hi, 1) for v, lo, hi in zip(table["pgdl"], table["pgdl_low"],
                                                                        table["pgdl_high"])],
        "Kendall tau with the gap": [interval(v, lo, hi, 2, True) for v, lo, hi in
                                     zip(table["tau"], table["tau_low"], table["tau_high"])],
        "beyond the controls (ρ)": [signed(v) if np.isfinite(v) else "–" for v in table["rho_beyond"]],
        "worst sign error": [f"{e:.2f} ({w})" if np.isfinite(e) else "–"
                             for e, w in zip(table["sign_error_worst"], table["sign_error_where"])],
    })


def figure_measures(table, always=("mfr", "cv_mf")):
    """The measures Figure Z1 draws: ``always``, the best-scoring measure and the best-scoring control."""
    best = table.loc[table["family"] != "control", "column"].head(1).tolist()
    control = table.loc[table["family"] == "control", "column"].head(1).tolist()
    return list(dict.fromkeys([*[c for c in always if c in set(table["column"])], *best, *control]))


def short_view(short):
    """The networks left out (short of the criterion at their cap) as the book lists them."""
    return pd.DataFrame({"network": [network_name(row) for _, row in short.iterrows()],
                         "training accuracy (%)": 100 * short["train_accuracy"], "epochs": short["epochs"]})


def budget_table(frame, columns=PAPER_INDICATORS, sizes=(50, 100, 300, 1000), n_boot=200, seed=0):
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
            rows.append({"column": column, "samples": size, "tau": kendall_tau_b(values, gap), "tau_low": low,
                         "tau_high": high, "n": int(np.isfinite(values).sum())})
    return pd.DataFrame(rows)


def budget_view(budget):
    """:func:`budget_table` as the book shows it: tau with its interval, measures by probe samples."""
    shown = budget.assign(tau_text=[interval(t, lo, hi, 2, True) for t, lo, hi in
                                    zip(budget["tau"], budget["tau_low"], budget["tau_high"])])
    return (shown.pivot(index="column", columns="samples", values="tau_text").rename(index=MEASURE_LABELS)
            .rename_axis(index="measure", columns="probe samples"))
