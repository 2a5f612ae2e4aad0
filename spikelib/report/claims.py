"""The follow-up paper's claims, one by one: what this compendium computed, and whether the claim holds.

Every sentence and every verdict here is built from tables the follow-up
page computes (:mod:`spikelib.report.followup`,
:mod:`spikelib.report.population`); nothing is typed by hand. A verdict is
one of ``holds``, ``partly holds``, ``does not hold`` or ``not tested``,
chosen by the rules below, which a reader can check against the numbers
printed beside it.

Rules
-----
Separation
    ``s = max(AUROC, 1 - AUROC)`` of memorizing against generalizing
    networks: at least :data:`SEPARATES` separates, below :data:`NO_SEPARATION`
    does not.
A fitted model
    Fits when its Kolmogorov-Smirnov distance is at most :data:`KS_FITS` and
    it predicts MFR and CV of FR within a factor :data:`RATIO_FITS` of the
    observed values, for every network.

Functions
---------
followup_claims
    The claim-by-claim table.
rules
    The rules above in one sentence, with their thresholds, for the page.
tally
    How many claims hold, partly hold, do not hold or are not tested, in a sentence.
"""

import numpy as np
import pandas as pd

from ..experiment.measures import measure
from .labels import CONDITION_LABELS
from .render import format_kind

__all__ = ["followup_claims", "rules", "tally", "POPULATION_CLAIM", "SEPARATES", "NO_SEPARATION", "KS_FITS", "RATIO_FITS", "RISES"]

#: Separation (max of AUROC and 1 - AUROC) from which a statistic is said to separate the groups.
SEPARATES = 0.8
#: Separation below which it is said not to.
NO_SEPARATION = 0.65
#: The largest Kolmogorov-Smirnov distance of a model said to fit a network's rates.
KS_FITS = 0.1
#: The largest factor between a predicted and an observed indicator of a model said to fit.
RATIO_FITS = 1.25
#: A rank correlation above this is said to rise with the activation probability.
RISES = 0.2
_COLUMNS = ["the follow-up claims", "what this compendium computed", "verdict"]


def _separation(auroc):
    return max(auroc, 1 - auroc)


def _separation_word(auroc):
    value = _separation(auroc)
    if np.isnan(value):
        return "not tested"
    return "holds" if value >= SEPARATES else ("does not hold" if value < NO_SEPARATION else "partly holds")


def _span(values, digits=2):
    values = pd.Series(values, dtype=float).dropna()
    return f"{values.min():.{digits}f} to {values.max():.{digits}f}"


def _percent_span(values):
    values = pd.Series(values, dtype=float).dropna()
    return f"{100 * values.min():.1f} to {100 * values.max():.1f}%"


def _rare_nodes(separation):
    auc = separation.loc["share_rare_5", "AUROC memorizing vs generalizing"]
    name = measure("share_rare_5").label
    text = (f"{name[0].upper() + name[1:]} (λ < 0.05): {format_kind(separation.loc['share_rare_5', 'generalizing mean'], 'fraction_percent')} "
            f"generalizing against {format_kind(separation.loc['share_rare_5', 'memorizing mean'], 'fraction_percent')} memorizing on "
            f"average, AUROC {auc:.2f}.")
    if "lambda_q50" in separation.index:
        median = separation.loc["lambda_q50", "AUROC memorizing vs generalizing"]
        text += (f" The median activation probability separates at AUROC {median:.2f}: memorizing nodes fire "
                 "less often overall, which is the paper's MFR again, not a count of rare nodes.")
    verdict = _separation_word(auc)
    if np.isfinite(auc) and auc < 0.5 and verdict != "does not hold":
        # the claim has a side: memorizing networks hold *more* rare nodes; a separation the other way refutes it
        verdict = "does not hold"
        text += " Memorizing networks hold fewer rare nodes here, not more: a separation, but the other way."
    return ("Activation probability, read as the share of rarely active nodes, distinguishes memorizing from "
            "generalizing networks.", text, verdict)


def _rare_by_condition(activation):
    generalizing = activation[activation["condition"] == "generalizing"]["share_rare_5"]
    memorizing = activation[activation["condition"].astype(str).str.startswith("mem_")]
    if generalizing.empty or memorizing.empty:
        return None
    ceiling = float(generalizing.max())
    above = memorizing[memorizing["share_rare_5"] > ceiling]
    conditions = sorted({CONDITION_LABELS.get(c, c) for c in above["condition"]})
    have = "has" if len(above) == 1 else "have"
    which = ("it is" if len(above) == 1 else "all of them are") if len(conditions) == 1 else ""
    text = (f"{len(above)} of {len(memorizing)} memorizing networks {have} more rare nodes than the most of any "
            f"generalizing network ({format_kind(ceiling, 'fraction_percent')})" + (f"; {which} {', '.join(conditions)}." if len(
                conditions) == 1 else (f": {', '.join(conditions)}." if conditions else ".")))
    verdict = "holds" if len(above) == len(memorizing) else ("partly holds" if len(above) else "does not hold")
    return ("Memorization is the learning of rare features: memorizing networks have many rarely active nodes.",
            text, verdict)


#: The follow-up's claim the population model tests (the follow-up chapter quotes its verdict).
POPULATION_CLAIM = ("A population in which a fraction of the nodes memorize (fire rarely) explains the memorizing "
                    "networks.")


def _population(fitted):
    if fitted is None or fitted.empty:
        return None
    ratios = {name: fitted[f"{name}_predicted"] / fitted[name] for name in ("mfr", "cv_fr")}
    fits = (fitted["ks_distance"].max() <= KS_FITS
            and all(((r <= RATIO_FITS) & (r >= 1 / RATIO_FITS)).all() for r in ratios.values()))
    text = (f"Fitted to {len(fitted)} memorizing networks, the share of rare nodes is "
            f"{_percent_span(fitted['fraction'])}, but the fit is {'close' if fits else 'poor'}: Kolmogorov-Smirnov "
            f"distance {_span(fitted['ks_distance'])}, predicted MFR {_span(ratios['mfr'], 1)} times and CV of FR "
            f"{_span(ratios['cv_fr'], 1)} times the observed.")
    return (POPULATION_CLAIM, text, "holds" if fits else "does not hold")


def _correlation(separation, beyond):
    if "mean_abs_r" not in separation.index:
        return None
    mean_r = separation.loc["mean_abs_r", "AUROC memorizing vs generalizing"]
    text = f"Mean |r| separates at AUROC {mean_r:.2f}"
    if "participation_ratio" in separation.index:
        text += f", the participation ratio at {separation.loc['participation_ratio', 'AUROC memorizing vs generalizing']:.2f}"
    verdict = _separation_word(mean_r)
    rows = beyond.set_index("statistic") if beyond is not None and len(beyond) else pd.DataFrame()
    residual = [rows.loc[name, "beyond_rate"] for name in ("mean |r|", "participation ratio") if name in rows.index]
    if residual:
        adds = max(residual) >= NO_SEPARATION
        text += (f". Beyond what MFR explains, they separate at {_span(residual)} (0.5 is chance)"
                 + ("" if adds else ": correlation adds nothing the firing rate does not already say"))
        if verdict == "holds" and not adds:
            verdict = "partly holds"
    return ("The correlation structure within a layer distinguishes memorizing from generalizing networks.",
            text + ".", verdict)


def _weights(weights):
    if weights is None or weights.empty:
        return None
    rising = int((weights["rho_in_l2_rate"] > RISES).sum())
    text = (f"Not simulated here. Measured instead, across {len(weights)} networks: the rank correlation of a "
            f"node's incoming L2 norm with its activation probability is {_span(weights['rho_in_l2_rate'])} (above "
            f"{RISES:g} in {rising}), of its bias {_span(weights['rho_bias_rate'])}; a Gaussian pre-activation "
            f"predicts the nodes' rates with a mean absolute error of at most {weights['gaussian_rate_mae'].max():.3f} "
            "per network. "
            "Which of bias and weights makes a node rare is not settled by these numbers.")
    return ("Memorizing neurons change the distributions of the weight matrices (shown by simulation).", text,
            "not tested")


#: How much more of its shuffled labels a penalty must cost a memorizing network than it costs the same network
#: on clean labels (its control) for the penalty to count as acting on memorization.
PENALTY_MARGIN = 0.05
#: The share of silent nodes from which a penalty counts as switching the layer off, not shaping it.
SWITCHED_OFF = 0.5


def _penalties(penalties):
    """The L1/L2 claim: a penalty acts on memorization where it costs the memorizing network more of its shuffled
    labels than it costs the same network of its clean fit (by :data:`PENALTY_MARGIN`) without switching off
    most of the layer (:data:`SWITCHED_OFF`); each kind of penalty is read at its strongest strength."""
    if penalties is None or penalties.empty or not (penalties["kind"] != "none").any():
        return None
    sentences, verdicts = [], []
    fit = penalties.set_index(["network", "condition", "penalty"])["train_accuracy"]
    for network, rows in penalties[penalties["condition"] == "mem_random_last"].groupby("network", sort=False):
        if not (rows["kind"] == "none").any():
            continue
        base = float(rows.loc[rows["kind"] == "none", "train_accuracy"].iloc[0])
        for kind, penalised in rows[rows["kind"] != "none"].groupby("kind", sort=True):
            strongest = penalised.loc[penalised["strength"].idxmax()]
            drop = base - float(strongest["train_accuracy"])
            clean = (network, "generalizing", strongest["penalty"]), (network, "generalizing", "none")
            if not all(key in fit.index for key in clean):
                continue
            clean_drop = float(fit[clean[1]] - fit[clean[0]])
            silent = float(strongest.get("share_silent", 0.0) or 0.0)
            verdicts.append(drop > clean_drop + PENALTY_MARGIN and silent < SWITCHED_OFF)
            sentences.append(
                f"under {strongest['penalty']} {network} fits {100 * float(strongest['train_accuracy']):.1f} % of its "
                f"shuffled labels against {100 * base:.1f} % without it, and {100 * float(fit[clean[0]]):.1f} % of "
                f"its clean labels against {100 * float(fit[clean[1]]):.1f} %"
                + (f", with {100 * silent:.0f} % of its observed nodes silent (the penalty switches the layer off)"
                   if silent >= SWITCHED_OFF else ""))
    general = penalties[(penalties["condition"] == "generalizing") & (penalties["kind"] != "none")]
    if "share_silent" in penalties and len(general) and general["share_rare_5"].max() > 0:
        rarest = general.loc[general["share_rare_5"].idxmax()]
        unpenalised = penalties[(penalties["network"] == rarest["network"]) & (penalties["condition"] == "generalizing")
                                & (penalties["kind"] == "none")]
        silent = float(rarest["share_silent"]) / float(rarest["share_rare_5"])
        reading = ("most of them nodes the penalty switched off, not rare features" if silent >= 0.5 else
                   "most of them still firing now and then: rare, not switched off")
        without = (f" against {100 * float(unpenalised['share_rare_5'].iloc[0]):.1f} % without a penalty"
                   if len(unpenalised) else "")
        sentences.append(f"the penalised generalizing network with the most rare nodes is {rarest['network']} under "
                         f"{rarest['penalty']}, {100 * rarest['share_rare_5']:.1f} %{without}, and "
                         f"{100 * silent:.0f} % of them are silent ({reading})")
    if not verdicts:
        return None
    text = "; ".join(sentences) + "."
    text = text[0].upper() + text[1:]
    verdict = "holds" if all(verdicts) else ("partly holds" if any(verdicts) else "does not hold")
    return ("L1/L2 regularisation of the weight matrices is connected to memorization.", text, verdict)


def followup_claims(separation, activation=None, fitted=None, weights=None, penalties=None, beyond=None):
    """The follow-up's claims, one row each, with what was computed and a verdict from the numbers.

    Parameters
    ----------
    separation : pandas.DataFrame
        :func:`spikelib.report.followup.condition_means` (``statistic`` rows).
    activation : pandas.DataFrame, optional
        One row per network: ``condition``, ``share_rare_5``.
    fitted : pandas.DataFrame, optional
        :func:`spikelib.report.population.fit_fractions`.
    weights : pandas.DataFrame, optional
        One row per network: ``rho_in_l2_rate``, ``rho_bias_rate``, ``gaussian_rate_mae``.
    penalties : pandas.DataFrame, optional
        :func:`spikelib.report.followup.penalty_table`.
    beyond : pandas.DataFrame, optional
        :func:`spikelib.report.followup.beyond_rate`, with labels ``mean |r|`` and ``participation ratio``.

    Returns
    -------
    pandas.DataFrame
        Columns ``the follow-up claims``, ``what this compendium computed``, ``verdict``; a claim whose
        inputs are missing is left out.

    Examples
    --------
    >>> separation = pd.DataFrame({"statistic": ["share_rare_5"], "generalizing mean": [0.09],
    ...                            "memorizing mean": [0.21], "AUROC memorizing vs generalizing": [0.49]})
    >>> followup_claims(separation)["verdict"].tolist()
    ['does not hold']
    """
    separation = separation.set_index("statistic")
    rows = [_rare_nodes(separation) if "share_rare_5" in separation.index else None,
            _rare_by_condition(activation) if activation is not None and len(activation) else None,
            _population(fitted), _correlation(separation, beyond), _weights(weights), _penalties(penalties)]
    return pd.DataFrame([row for row in rows if row is not None], columns=_COLUMNS)


def rules():
    """The verdicts' rules in one sentence, with the thresholds this module uses."""
    return (f"A statistic separates memorizing from generalizing networks when its AUROC is at least {SEPARATES:g} "
            f"or at most {1 - SEPARATES:.2g}, and does not when it lies between {1 - NO_SEPARATION:.2g} and "
            f"{NO_SEPARATION:g}; a fitted model fits when its Kolmogorov-Smirnov distance is at most {KS_FITS:g} and "
            f"it predicts MFR and CV of FR within a factor {RATIO_FITS:g} of the observed values; a penalty acts on "
            f"memorization when it costs a memorizing network at least {100 * PENALTY_MARGIN:.0f} percentage points "
            f"more of its shuffled labels than the same network loses of its clean fit, with fewer than "
            f"{100 * SWITCHED_OFF:.0f} % of its nodes silent.")


def tally(table):
    """How the claims of :func:`followup_claims` fared, in a sentence.

    Examples
    --------
    >>> tally(pd.DataFrame({"verdict": ["holds", "does not hold", "does not hold", "not tested"]}))
    'Of its 4 claims, 1 holds, 2 do not hold and 1 is not tested here.'
    """
    counts = table["verdict"].value_counts()
    words = {"holds": ("holds", "hold"), "partly holds": ("partly holds", "partly hold"),
             "does not hold": ("does not hold", "do not hold"), "not tested": ("is not tested here",
                                                                              "are not tested here")}
    parts = [f"{counts[v]} {words[v][int(counts[v] != 1)]}" for v in words if counts.get(v, 0)]
    if not parts:
        return "No claim could be tested on these results."
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Of its {len(table)} claims, {listed}."
