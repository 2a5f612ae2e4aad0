"""A diagnosis calibrated on the researcher's own samples: their network between two data-matched anchors.

Absolute values of the measures do not carry over from one data set to another (a clean digits network fires
more than a shuffled-label Fashion-MNIST one, and a clean network of a synthetic task as much as a shuffled
one). Two anchors trained on the researcher's own samples give each measure a scale there
(:mod:`spikelib.diagnose.controls`):

- the **permuted controls** (the given labels permuted): networks known to memorize these samples, at 0;
- the **teacher controls** (labels a fresh copy of the architecture assigns): networks known to learn a rule
  on these samples, at 1.

The verdict stands on three things, each shown:

1. **The network's position** on that scale: per measure, its distance from the permuted controls' mean as a
   share of the distance from the permuted to the teacher controls' mean; the median over the measures.
   Clean-like from :data:`CLEAN` on, memorizing-like below :data:`MEMORIZING`.
2. **The own-label controls' position** (the architecture re-initialized and trained on the same labels), read
   the same way: labels with structure this architecture can use, or labels it cannot tell from noise. They
   are not clean controls: when the labels are noise they memorize too, and sit near 0.
3. **Agreement** of the two: where they disagree, or either falls between the thresholds, "cannot tell".

A measure counts only where (a) the committed reference found it on one side in every domain it separated
(:func:`spikelib.diagnose.verdict.supporting_measures`: MFR, MF and CV of MF among the measures), and (b) on
these samples the two anchors lie at least :data:`SENSITIVE` pooled seed standard deviations apart: the
measure can see the difference here. Where no measure can, there is no verdict.

Beside it, never inside it: how many epochs each group needed to reach the fit (the label-randomization signal
of Zhang et al. 2017): labels with structure fit in fewer epochs than the same labels permuted, and the ratio of
the medians reads "structure" below :data:`EPOCH_RATIO`. It is a training signal, not an activation one.

No verdict stands on controls that did not reach the fit, or on a network that fits fewer than :data:`MIN_FIT`
of the labels it is given.

Functions
---------
calibrated_readings
    Each measure: the network, the three groups' ranges, the anchors' separation, and the positions.
calibrated_verdict
    The verdict, the training signal, and the sentence.
"""

import numpy as np
import pandas as pd

from ..experiment.measures import measure as registered
from ..report.render import and_list
from .verdict import supporting_measures

__all__ = ["calibrated_readings", "calibrated_verdict", "CLEAN", "MEMORIZING", "SENSITIVE", "EPOCH_RATIO",
           "MIN_FIT"]

#: A median position (0: the permuted controls, 1: the teacher controls) from which a network reads clean-like.
CLEAN = 2 / 3
#: Below this median position a network reads memorizing-like; between the two, "cannot tell".
MEMORIZING = 1 / 3
#: The anchors must lie this many pooled seed standard deviations apart for a measure to count on these samples.
SENSITIVE = 3.0
#: Own-label epochs over permuted epochs below this read "labels with structure" (the training signal).
EPOCH_RATIO = 0.75
#: The premise: a network that fits fewer of its labels than this is not asked whether it memorized them.
MIN_FIT = 0.90


def _pooled_sd(*groups):
    parts = [(g.var(ddof=1), len(g) - 1) for g in (g[np.isfinite(g)] for g in groups) if len(g) > 1]
    if not parts or not sum(d for _, d in parts):
        return float("nan")
    return float(np.sqrt(sum(v * d for v, d in parts) / sum(d for _, d in parts)))


def calibrated_readings(values, controls, record, exclude=None):
    """Each measure of the network between its data-matched anchors.

    Parameters
    ----------
    values : dict
        The network's measures on the controls' samples.
    controls : Controls
    record : dict
        The committed reference's record (which measures may count).
    exclude : str, optional
        A domain whose evidence is left out (scoring the verdict on a data set the reference did not see).

    Returns
    -------
    pandas.DataFrame
        One row per measure of the recording: ``measure, column, value``, ``own_range``, ``teacher_range``,
        ``permuted_range``, ``separation`` (the anchors' distance in pooled seed sds), ``established`` (the
        reference allows it), ``counts`` (it is established and separates the anchors here), ``position`` (the
        network's: 0 at the permuted mean, 1 at the teacher mean) and ``own_position``.
    """
    allowed = supporting_measures(record, exclude)
    rows = []
    for column, value in values.items():
        if registered(column).family == "control" or column not in controls.groups["own"][0]["values"]:
            continue
        own, teacher, permuted = (controls.values(group, column) for group in ("own", "teacher", "permuted"))
        with np.errstate(all="ignore"):
            span = np.nanmean(teacher) - np.nanmean(permuted)
            sd = _pooled_sd(teacher, permuted)
            separation = abs(span) / sd if sd > 0 else (np.inf if span else 0.0)
            position = (value - np.nanmean(permuted)) / span if span else np.nan
            own_position = (np.nanmean(own) - np.nanmean(permuted)) / span if span else np.nan
        counts = bool(column in allowed and np.isfinite(separation) and separation >= SENSITIVE
                      and np.isfinite(position))
        rows.append({"measure": registered(column).label, "column": column, "value": value,
                     "own_range": (float(np.nanmin(own)), float(np.nanmax(own))),
                     "teacher_range": (float(np.nanmin(teacher)), float(np.nanmax(teacher))),
                     "permuted_range": (float(np.nanmin(permuted)), float(np.nanmax(permuted))),
                     "separation": float(separation), "established": column in allowed, "counts": counts,
                     "position": float(position), "own_position": float(own_position)})
    return pd.DataFrame(rows)


def _reading(position):
    if not np.isfinite(position):
        return "unknown"
    return "clean-like" if position >= CLEAN else "memorizing-like" if position < MEMORIZING else "between"


def calibrated_verdict(readings, controls, fit, labels_source):
    """The calibrated verdict and what it rests on.

    Parameters
    ----------
    readings : pandas.DataFrame
        From :func:`calibrated_readings`.
    controls : Controls
    fit : float
        The network's training fit on the samples (1.0 under ``--no-labels``: its own predictions).
    labels_source : {"given", "predictions"}

    Returns
    -------
    dict
        ``verdict`` ({"memorizing-like", "clean-like", "cannot tell"}), ``position`` and ``own_position`` (the
        medians over the measures that count) with their readings ``network`` and ``labels``, ``measures`` (those
        that count), ``epochs`` (the training signal: median epochs per group, ``ratio``, ``reading``), ``reason``
        (why there is no verdict, if so), and ``sentence``.
    """
    used = readings[readings["counts"]] if len(readings) else readings
    position = float(np.median(used["position"])) if len(used) else float("nan")
    own_position = float(np.median(used["own_position"])) if len(used) else float("nan")
    medians = {group: float(np.median(controls.epochs(group))) for group in controls.groups}
    ratio = medians["own"] / medians["permuted"] if medians["permuted"] else float("nan")
    epochs = {**medians, "ratio": ratio, "reading": "structure" if ratio < EPOCH_RATIO else "noise-like"}
    out = {"network": _reading(position), "labels": _reading(own_position), "position": position,
           "own_position": own_position, "epochs": epochs, "measures": list(used["measure"]) if len(used) else [],
           "reason": None}
    if fit < MIN_FIT:
        out["reason"] = (f"the network fits only {fit:.1%} of the labels it is given; the question is whether a "
                         f"network that fits its samples memorized them, and it needs a fit of at least {MIN_FIT:.0%}")
    elif not controls.all_reached:
        short = [f"{c['fit']:.1%}" for g in controls.groups.values() for c in g if not c["reached"]]
        out["reason"] = (f"{len(short)} of the controls did not reach the fit of {controls.target:.1%} within the "
                         f"budget (they reached {', '.join(short)}); no verdict stands on controls that did not fit")
    elif used.empty:
        established = list(readings.loc[readings["established"], "measure"]) if len(readings) else []
        out["reason"] = ("on these samples none of the measures the reference established ("
                         f"{', '.join(established) or 'none'}) tells the teacher controls from the permuted ones by "
                         f"{SENSITIVE:g} seed standard deviations: here the activations cannot see the difference")
    if out["reason"]:
        verdict = "cannot tell"
    elif out["network"] == out["labels"] and out["network"] in ("clean-like", "memorizing-like"):
        verdict = out["network"]
    else:
        verdict = "cannot tell"
    out["verdict"] = verdict
    out["sentence"] = _sentence(out, controls, labels_source)
    return out


def _sentence(out, controls, labels_source):
    k = len(controls.groups["own"])
    own = "your labels" if labels_source == "given" else "your network's own predictions (the labels it fits)"
    basis = (f"{k} controls per group, the architecture re-initialized and trained on {own} (own-label), on labels a "
             f"fresh copy of it assigns (teacher: a rule it can learn) and on {own} permuted (permuted: noise), each "
             f"to {controls.target:.1%} of the {controls.samples:,} samples")
    epochs = out["epochs"]
    signal = (f"Beside it, the training signal: the own-label controls needed {epochs['own']:.0f} epochs, the permuted "
              f"{epochs['permuted']:.0f} (ratio {epochs['ratio']:.2f}; labels with structure fit faster, so this reads "
              f"{'structure' if epochs['reading'] == 'structure' else 'labels like noise'}).")
    if out["reason"]:
        return f"Cannot tell on your own data: {out['reason']}. Controls: {basis}. {signal}"
    where = (f"On {and_list(out['measures'])}, with the permuted controls at 0 and the teacher controls at 1, your "
             f"network lies at {out['position']:.2f} and the own-label controls at {out['own_position']:.2f} (median "
             f"over the measures; clean-like from {CLEAN:.2f}, memorizing-like below {MEMORIZING:.2f}).")
    if out["verdict"] == "clean-like":
        head = ("Clean-like on your own data: your network and networks trained on your labels stand with networks "
                "that learned a rule on these samples, far from those that memorized them.")
    elif out["verdict"] == "memorizing-like":
        head = ("Memorizing-like on your own data: your network and networks trained on your labels stand with "
                "networks that memorized these samples' permuted labels: the labels carry little this architecture "
                "can use, and fitting them is memorizing them.")
    elif out["network"] != out["labels"]:
        # the network reads otherwise than networks of its architecture trained on the same labels: most often it was
        # trained otherwise (a batch size, a schedule) than the controls were
        head = (f"Cannot tell on your own data: your network reads {out['network']}, the controls trained on your "
                f"labels {out['labels']}. Networks trained otherwise than the controls can sit apart from them: if you "
                f"know the batch size your network was trained with, give it (--batch-size; the controls used "
                f"{controls.batch_size}).")
    else:
        head = "Cannot tell on your own data: the two positions disagree, or fall between the thresholds."
    return f"{head} {where} Controls: {basis}. {signal}"
