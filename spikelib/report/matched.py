"""Memorization at equal training fit: networks that fit shuffled labels against networks that fit clean ones.

The label-noise benchmark (:mod:`spikelib.report.benchmark`) compares networks trained for a budget of
epochs: those on shuffled labels fit their training samples less well, so any measure that follows the
training fit passes it. Here both groups are trained until they fit their samples (99 % evaluated training
accuracy): the profile ``memorized`` (all labels shuffled) against the clean-label dose-response (profile
``clean``), the same architectures, training subsets and seeds. Networks are compared only within a stratum
of one architecture and one training-set size, so neither the width nor the data size can make a measure
look good; the training fit is a control that should score near chance.

Functions
---------
matched_networks
    The two groups' networks that met the criterion, in the strata both have.
matched_scores
    Each measure's within-stratum AUROC (memorized against clean), its interval, and its direction beside
    the label-noise benchmark's.
matched_headline
    The finding in one paragraph.
matched_view
    The scores as the book shows them.
"""

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..experiment.measures import by_family
from ..experiment.measures import measure as registered
from .render import and_list
from .resampling import bootstrap_counts, percentile_interval, stratified_auroc

__all__ = ["matched_networks", "matched_scores", "matched_headline", "matched_view", "MATCHED_COLUMNS"]

#: The measures compared: the papers' and the follow-up's from the recording, and the controls.
MATCHED_COLUMNS = tuple(m.column for m in by_family("paper", "followup", "control"))


def matched_networks(clean_root, memorized_root):
    """The networks of both profiles that met the fitting criterion, in the strata (architecture and training
    samples) both have; ``memorized`` marks the ones trained on shuffled labels.

    Returns
    -------
    frame : pandas.DataFrame
        With ``stratum`` (e.g. ``MLP-1-128, 2000 samples``) and ``memorized``.
    short : pandas.DataFrame
        The networks of the same strata that stopped at their cap short of the criterion (left out).

    Raises
    ------
    DataError
        If no stratum has networks of both groups.
    """
    from .clean import clean_networks

    parts, shorts = [], []
    for root, memorized in ((clean_root, False), (memorized_root, True)):
        scored, short = clean_networks(root)
        parts.append(scored.assign(memorized=memorized))
        shorts.append(short.assign(memorized=memorized))
    frame = pd.concat(parts, ignore_index=True)
    frame["stratum"] = frame["stratum"] + ", " + frame["train_samples"].astype(int).astype(str) + " samples"
    both = frame.groupby("stratum")["memorized"].nunique()
    keep = both[both == 2].index
    if keep.empty:
        raise DataError(f"No stratum (architecture and training samples) has networks of both {clean_root} and "
                        f"{memorized_root} that met the fitting criterion.")
    short = pd.concat(shorts, ignore_index=True)
    if len(short):
        short = short[short["train_samples"].isin(frame.loc[frame["stratum"].isin(keep), "train_samples"])]
    return frame[frame["stratum"].isin(keep)].reset_index(drop=True), short.reset_index(drop=True)


def matched_scores(frame, noise_directions=None, n_boot=1000, seed=0):
    """How well each measure tells the memorized networks from the clean ones of the same stratum.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`matched_networks`.
    noise_directions : dict, optional
        Column -> ``"higher"``/``"lower"``: where the label-noise benchmark put the memorizing networks.
    n_boot : int
        Bootstrap resamples of the networks.

    Returns
    -------
    pandas.DataFrame
        Per measure: ``column, measure, family``, ``auroc`` (memorized higher; 0.5 is chance), its interval
        ``auroc_low``/``auroc_high``, ``separation`` (``max(auroc, 1 − auroc)``), ``direction`` (where the
        memorized networks lie), ``noise_direction`` and ``same_direction``, ``clear`` (the interval excludes
        0.5), ``pairs`` and ``strata``.
    """
    noise_directions = noise_directions or {}
    memorized = frame["memorized"].to_numpy()
    strata = frame["stratum"].to_numpy()
    counts = bootstrap_counts(n_boot, seed, n=len(frame))
    pairs = sum((frame[frame["stratum"] == s]["memorized"].sum()) * (~frame[frame["stratum"] == s]["memorized"]).sum()
                for s in np.unique(strata))
    rows = []
    for column in MATCHED_COLUMNS:
        if column not in frame or frame[column].notna().sum() < 2:
            continue
        values = frame[column].to_numpy(dtype=float)
        score = stratified_auroc(values, memorized, ~memorized, strata)
        low, high = percentile_interval(stratified_auroc(values, memorized, ~memorized, strata, counts))
        direction = "higher" if score > 0.5 else "lower" if score < 0.5 else "tied"
        noise = noise_directions.get(column)
        rows.append({"column": column, "measure": registered(column).label, "family": registered(column).family,
                     "auroc": score, "auroc_low": low, "auroc_high": high, "separation": max(score, 1 - score),
                     "direction": direction, "noise_direction": noise or "–",
                     "same_direction": (noise == direction) if noise else None,
                     "clear": bool(low > 0.5 or high < 0.5), "pairs": int(pairs), "strata": int(len(np.unique(strata)))})
    return pd.DataFrame(rows)


def _pair_share(row):
    """``(share, low, high)``: the share of pairs in which the memorizing network lies on ``row``'s side, with its
    interval (the AUROC, or 1 − AUROC for a measure lower when memorizing)."""
    if row["direction"] == "higher":
        return row["auroc"], row["auroc_low"], row["auroc_high"]
    return 1 - row["auroc"], 1 - row["auroc_high"], 1 - row["auroc_low"]


def matched_headline(scores, frame):
    """The finding: which measures tell memorized from clean networks at equal fit, and which way."""
    measures = scores[scores["family"] != "control"]
    clear = measures[measures["clear"]].sort_values("separation", ascending=False)
    flipped = clear[clear["same_direction"] == False]  # noqa: E712 - None means no benchmark direction
    control = scores[scores["family"] == "control"]
    n_memorized, n_clean = int(frame["memorized"].sum()), int((~frame["memorized"]).sum())
    strata, pairs = int(scores["strata"].iloc[0]), int(scores["pairs"].iloc[0])
    size = (f"{n_memorized} networks that fit shuffled labels against {n_clean} that fit clean ones, compared only "
            f"within the same architecture and training-set size: {strata} {'stratum' if strata == 1 else 'strata'}, "
            f"{pairs} {'pair' if pairs == 1 else 'pairs'}")
    if clear.empty:
        text = f"At equal training fit no measure tells memorizing from clean networks: {size}."
    else:
        best = clear.iloc[0]
        share, low, high = _pair_share(best)
        text = (f"At equal training fit, {and_list(clear['measure'])} still tell memorizing from clean networks "
                f"({size}); the clearest is {best['measure']}, {best['direction']} in the memorizing network in "
                f"{share:.0%} of the pairs (95 % interval {low:.0%}–{high:.0%}).")
        if len(flipped):
            text += (f" {and_list(flipped['measure'])} move the other way than on the label-noise benchmark, where "
                     "memorizing networks also fit their samples less well.")
    if len(control):
        fit = control.sort_values("separation", ascending=False).iloc[0]
        best_separation = float(clear["separation"].max()) if len(clear) else 0.5
        if fit["clear"] and fit["separation"] >= best_separation:
            share, low, high = _pair_share(fit)
            text += (f" But the control {fit['measure']} separates them as well ({fit['direction']} in the memorizing "
                     f"network in {share:.0%} of the pairs, 95 % interval {low:.0%}–{high:.0%}): at equal "
                     "training accuracy the memorizing networks still fit their labels less confidently, so here "
                     "the activation measures earn no credit beyond the training fit; what they add is that they "
                     "need no labels.")
        else:
            share, low, high = _pair_share(fit)
            text += (f" The strongest control, {fit['measure']}, is {fit['direction']} in the memorizing network in "
                     f"{share:.0%} of the pairs ({low:.0%}–{high:.0%}), below the best measure: the measures see "
                     "more than the training fit.")
    return text


def matched_view(scores):
    """The scores sorted by separation, with the directions in words."""
    table = scores.sort_values("separation", ascending=False)
    same = {True: "yes", False: "no", None: "–"}
    return pd.DataFrame({
        "measure": table["measure"].to_numpy(),
        "kind": table["family"].map({"paper": "paper", "followup": "follow-up", "rival": "rival",
                                     "control": "control (training fit)"}).to_numpy(),
        "AUROC (memorized higher)": table["auroc"].to_numpy(),
        "95 % interval": [f"{low:.2f}–{high:.2f}" for low, high in zip(table["auroc_low"], table["auroc_high"])],
        "memorized networks score": table["direction"].to_numpy(),
        "as under label noise": [same[v] for v in table["same_direction"]],
    })
