"""Clean-label memorization as a dose-response: does an indicator follow the gap at a fixed architecture?

Networks of one architecture trained until they fit training subsets of
different sizes (profile ``clean``): the fewer samples, the larger the gap
between training and test accuracy, which is what they memorized. Width and
depth move both the gap and the indicators, so a verdict pooled over
architectures can be a verdict about width. Each measure (and each control)
is therefore scored within each architecture, and by a stratified Kendall tau
that counts only pairs of networks of the same architecture.

Functions
---------
clean_networks
    The dose-response's networks, by architecture.
clean_summary
    Accuracies and the gap per architecture and subset size.
clean_scores
    Every measure's tau with the gap within each architecture, stratified, pooled, and beyond the controls.
clean_verdict
    What the dose-response says about MFR, in sentences computed from the signs.
clean_view, gap_view
    The scores and the gaps as the book shows them.
"""

import numpy as np
import pandas as pd
from scipy import stats

from ..experiment.measures import MEASURES
from .render import and_list, format_kind, signed
from .resampling import kendall_tau_b
from .scores import partial_rank_correlation, partial_rank_pvalue, stratified_tau

__all__ = ["clean_networks", "clean_summary", "clean_scores", "clean_verdict", "clean_view", "gap_view", "CONTROLS",
           "SIGNIFICANCE"]

#: The two-sided level below which a tau (or a correlation beyond the controls) counts as more than chance.
SIGNIFICANCE = 0.05
#: The controls every table scores beside the measures (the registry's ``control`` family).
CONTROLS = tuple(m.column for m in MEASURES if m.family == "control")


def clean_networks(root):
    """The networks of a clean-label dose-response folder (trained to the fitting criterion), each with its
    ``stratum`` (architecture and width, e.g. ``MLP-1-128``): ``(scored, short)`` as for the zoo.

    Raises
    ------
    DataError
        If the folder has no network trained to the fitting criterion.
    """
    from .zoo import zoo_networks

    scored, short = zoo_networks(root)
    return scored.assign(stratum=_strata(scored)), short


def clean_summary(frame):
    """Per (architecture, training samples): mean accuracies and gap over seeds (points), the gap's SD, seeds."""
    grouped = frame.groupby(["stratum", "train_samples"])
    summary = grouped[["train_accuracy", "test_accuracy", "gap"]].mean().mul(100)
    summary["gap_sd"] = grouped["gap"].std().mul(100)
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def gap_view(summary):
    """The mean gap (points) by training samples (rows) and architecture (columns), as the book shows it."""
    wide = summary.pivot(index="train_samples", columns="stratum", values="gap")
    wide = wide[sorted(wide.columns, key=_stratum_order)]
    return wide.rename_axis(index="training samples", columns=None)


def _strata(frame):
    return frame["architecture"].astype(str) + "-" + frame["width"].astype(str)


def clean_scores(frame):
    """How each measure and control follows the gap on the clean-label dose-response.

    Returns
    -------
    pandas.DataFrame
        One row per measure with at least three values: ``measure, column,
        family, expected``; ``tau_<architecture>`` (Kendall's tau with the gap
        within each architecture and width) and ``p_<architecture>`` (its
        two-sided p-value, scipy's test of tau-b); ``tau_stratified`` (pairs
        within an architecture only); ``tau_pooled`` (every pair);
        ``rho_beyond`` (partial Spearman correlation with the gap given the
        controls' values, for measures; ``nan`` for the controls) and
        ``p_beyond`` (its p-value, :func:`~spikelib.report.scores.partial_rank_pvalue`); ``n``.
    """
    strata = _strata(frame)
    gap = frame["gap"].to_numpy(float)
    controls = [c for c in CONTROLS if c in frame and frame[c].notna().sum() >= 3 and frame[c].nunique() > 1]
    rows = []
    for item in MEASURES:
        if item.column not in frame or frame[item.column].notna().sum() < 3:
            continue
        values = frame[item.column].to_numpy(float)
        row = {"measure": item.label, "column": item.column, "family": item.family, "expected": item.expected}
        for name in sorted(strata.unique(), key=_stratum_order):
            inside = (strata == name).to_numpy()
            row[f"tau_{name}"] = kendall_tau_b(values[inside], gap[inside])
            row[f"p_{name}"] = _kendall_p(values[inside], gap[inside])
        row["tau_stratified"] = stratified_tau(values, gap, strata.to_numpy())
        row["tau_pooled"] = kendall_tau_b(values, gap)
        row["rho_beyond"] = row["p_beyond"] = np.nan  # the controls themselves have nothing beyond the controls
        if item.family != "control" and controls:
            covariates = frame[controls].to_numpy(float)
            row["rho_beyond"] = partial_rank_correlation(values, gap, covariates)
            row["p_beyond"] = partial_rank_pvalue(values, gap, covariates, rho=row["rho_beyond"])
        row["n"] = int(np.isfinite(values).sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _kendall_p(x, y):
    """The two-sided p-value of Kendall's tau-b (scipy), ``nan`` where it has none."""
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
        return np.nan
    return float(stats.kendalltau(x[keep], y[keep]).pvalue)


def _stratum_order(name):
    architecture, width = name.rsplit("-", 1)
    return architecture, int(width)


def _signed(tau, threshold=0.1):
    """-1, 0 or +1: the direction of a tau, 0 within ``threshold`` of no relation."""
    return 0 if not np.isfinite(tau) or abs(tau) < threshold else int(np.sign(tau))


def clean_verdict(scores, frame, column="mfr"):
    """What the dose-response says about one indicator, in sentences computed from the signs.

    The verdict rests on the tau within each architecture: networks that
    memorize more (a larger gap) fire more, fire less, or neither, where all
    architectures agree; mixed where they do not. Where the pooled tau (every
    pair of networks) points the other way, or the between-architecture
    differences would lead to another verdict, the sentence names that
    confound.

    Examples
    --------
    >>> scores = pd.DataFrame({"column": ["mfr"], "measure": ["MFR"], "tau_MLP-1-128": [-0.5],
    ...                        "tau_MLP-1-512": [-0.4], "tau_stratified": [-0.45], "tau_pooled": [0.2]})
    >>> frame = pd.DataFrame({"gap": [0.1, 0.3], "train_samples": [250, 20000], "seed": [0, 1],
    ...                       "architecture": ["MLP-1", "MLP-1"], "width": [128, 512]})
    >>> print(clean_verdict(scores, frame))
    Within each of the 2 architectures, networks that memorize more of their clean training subset fire less:
    MFR's Kendall tau with the gap is −0.50 (MLP-1-128) and −0.40 (MLP-1-512), −0.45 over pairs of one
    architecture (2 networks, 2 subset sizes from 250 to 20,000 samples, 2 seeds, gaps 10.0 to 30.0 points). Pooled
    over architectures the tau is +0.20: the differences between architectures point the other way, and a
    verdict that pooled them would read the opposite.

    With fewer than three networks at the criterion (no row for ``column``) there is no verdict, and the
    sentence says so.
    """
    if "column" not in scores or column not in set(scores["column"]):
        return (f"Too few networks of the dose-response met the fitting criterion to score it ({len(frame)}; a "
                "Kendall tau needs at least three): no verdict.")
    row = scores.set_index("column").loc[column]
    within = {name[4:]: row[name] for name in row.index if name.startswith("tau_") and name[4:] not in
              ("stratified", "pooled")}
    signs = {_signed(value) for value in within.values()}
    label = row["measure"]
    evidence = (f"{len(frame)} networks, {frame['train_samples'].nunique()} subset sizes from "
                f"{int(frame['train_samples'].min()):,} to {int(frame['train_samples'].max()):,} samples, "
                f"{frame['seed'].nunique()} seeds, gaps {frame['gap'].min() * 100:.1f} to "
                f"{frame['gap'].max() * 100:.1f} points")
    listed = and_list(f"{signed(value)} ({name})" for name, value in within.items())
    chance = [name for name in within if np.isfinite(row.get(f"p_{name}", np.nan))
              and row[f"p_{name}"] >= SIGNIFICANCE]
    if signs == {1} or signs == {-1}:
        word = "more" if signs == {1} else "less"
        where = (f"Within each of the {len(within)} architectures, networks" if not chance else
                 f"In {len(within) - len(chance)} of the {len(within)} architectures beyond chance, networks")
        text = (f"{where} that memorize more of their clean training "
                f"subset fire {word}: {label}'s Kendall tau with the gap is {listed}, {signed(row['tau_stratified'])} "
                f"over pairs of one architecture ({evidence}).")
        if chance:
            per_stratum = int(round(len(frame) / len(within)))
            levels = and_list("p = " + format_kind(row["p_" + name], "p") for name in chance)
            text += (f" In {and_list(chance)} that tau points the same way but is within what chance gives for "
                     f"about {per_stratum} networks ({levels}).")
    elif signs == {0}:
        text = (f"Within each architecture, {label} hardly follows how much a network memorized of its clean training "
                f"subset: its Kendall tau with the gap is {listed} ({evidence}).")
    else:
        text = (f"The architectures disagree: {label}'s Kendall tau with the gap is {listed} "
                f"({signed(row['tau_stratified'])} over pairs of one architecture; {evidence}), so the dose-response "
                f"gives no direction that holds at a fixed architecture.")
    if "rho_beyond" in row and np.isfinite(row["rho_beyond"]):
        text += (f" Beyond what the controls (how well each network fits its samples) explain, its rank correlation "
                 f"with the gap is {signed(row['rho_beyond'])}.")
    pooled, stratified = _signed(row["tau_pooled"]), _signed(row["tau_stratified"])
    if pooled and pooled != stratified:
        text += (f" Pooled over architectures the tau is {signed(row['tau_pooled'])}: the differences between "
                 "architectures point the other way, and a verdict that pooled them would read the opposite.")
    return text


def clean_view(scores):
    """:func:`clean_scores` as the book shows it: tau within each architecture, stratified, pooled, beyond the
    controls; the measures' names as row labels."""
    from ..experiment.measures import FAMILY_LABELS

    within = [c for c in scores.columns if c.startswith("tau_") and c not in ("tau_stratified", "tau_pooled")]
    shown = {"measure": scores["measure"], "family": scores["family"].map(FAMILY_LABELS)}
    shown.update({f"within {c[4:]}": [signed(v) for v in scores[c]] for c in within})
    shown.update({"pairs within an architecture": [signed(v) for v in scores["tau_stratified"]],
                  "all pairs": [signed(v) for v in scores["tau_pooled"]],
                  "beyond the controls (ρ)": [signed(v) for v in scores["rho_beyond"]]})
    return pd.DataFrame(shown)
