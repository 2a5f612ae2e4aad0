"""A diagnosis calibrated on the researcher's own samples: their network against data-matched controls.

The verdict stands on three things, each shown:

1. **The network against the permuted controls**, a known memorizing anchor on
   *these* samples. Each measure whose direction the committed reference
   established in every one of its domains (it separated networks fitting
   shuffled labels from networks fitting clean ones at equal training fit,
   :data:`spikelib.diagnose.verdict.STRONG` or better, on the same side for every
   data set and optimizer; :func:`spikelib.diagnose.verdict.supporting_measures`)
   is read in that direction, as a distance from the permuted
   controls' mean in units of the controls' seed-to-seed standard deviation
   (pooled over both groups). The network is *unlike the permuted controls*
   when the median distance over those measures is :data:`BEYOND` or more on
   the clean side; *like them* when it is below :data:`WITHIN`.
2. **The own-label controls against the permuted ones**, read the same way:
   labels with structure that this architecture can use (the own-label
   controls lie :data:`BEYOND` or more from the permuted ones), or labels it
   cannot tell from noise (below :data:`WITHIN`). Own-label controls are not
   clean controls: when the labels are noise, they memorize too.
3. **Agreement**: clean-like when both say "unlike permuted / structure",
   memorizing-like when both say "like permuted / noise", "cannot tell"
   otherwise (between the two thresholds, or the two disagreeing).

Beside it, never inside it: how many epochs each group needed to reach the
fit (the label-randomization signal of Zhang et al. 2017). Labels with
structure fit in fewer epochs than the same labels permuted; the ratio of the
medians reads "structure" below :data:`EPOCH_RATIO`. It is a training signal,
not an activation one.

No verdict stands on controls that did not reach the fit, or on a network
that fits fewer than :data:`MIN_FIT` of the labels it is given.

Functions
---------
calibrated_readings
    Each measure: the network, the controls' ranges, the distances, and what they read.
calibrated_verdict
    The verdict, the epochs signal, and the sentence.
"""

import numpy as np
import pandas as pd

from ..experiment.measures import measure as registered
from .verdict import supporting_measures as established

__all__ = ["calibrated_readings", "calibrated_verdict", "supporting_measures", "BEYOND", "WITHIN", "EPOCH_RATIO",
           "MIN_FIT"]

#: The median distance (in pooled seed standard deviations) from the permuted controls that reads "unlike them".
BEYOND = 3.0
#: Below this median distance the network (or the own-label controls) reads "like the permuted controls".
WITHIN = 1.5
#: Own-label epochs over permuted epochs below this read "labels with structure" (the training signal).
EPOCH_RATIO = 0.75
#: The premise: a network that fits fewer of its labels than this is not asked whether it memorized them.
MIN_FIT = 0.90


def supporting_measures(record, exclude=None):
    """The measures whose side the committed reference established in every domain (but ``exclude``), with it.

    Returns
    -------
    dict
        Column -> +1 (higher on clean labels) or -1 (lower on clean labels).
    """
    # "direction" is where memorizing networks lie: clean networks lie on the other side
    return {column: -1 if direction == "higher" else 1
            for column, (direction, _) in established(record, exclude).items()}


def _pooled_sd(own, permuted):
    own, permuted = own[np.isfinite(own)], permuted[np.isfinite(permuted)]
    parts = [(a.var(ddof=1), len(a) - 1) for a in (own, permuted) if len(a) > 1]
    if not parts:
        return float("nan")
    return float(np.sqrt(sum(v * d for v, d in parts) / sum(d for _, d in parts)))


def calibrated_readings(values, controls, record, exclude=None):
    """Each measure of the network against its data-matched controls.

    Parameters
    ----------
    values : dict
        The network's measures on the controls' samples.
    controls : Controls
    record : dict
        The committed reference's record (for the directions).
    exclude : str, optional
        A domain whose evidence is left out (scoring the verdict on a data set the reference did not see).

    Returns
    -------
    pandas.DataFrame
        One row per measure of the recording: ``measure, column, value``, ``own_range``, ``permuted_range``,
        ``sd`` (pooled), ``clean_side`` (+1 or -1, where the reference established one), ``distance`` (the network
        from the permuted mean, in pooled sds, toward the clean side) and ``own_distance`` (the own-label mean).
    """
    directions = supporting_measures(record, exclude)
    rows = []
    for column, value in values.items():
        if registered(column).family == "control" or column not in controls.groups["own"][0]["values"]:
            continue
        own, permuted = controls.values("own", column), controls.values("permuted", column)
        sd = _pooled_sd(own, permuted)
        side = directions.get(column)
        with np.errstate(all="ignore"):
            scale = sd if np.isfinite(sd) and sd > 0 else np.nan
            distance = side * (value - np.nanmean(permuted)) / scale if side else np.nan
            own_distance = side * (np.nanmean(own) - np.nanmean(permuted)) / scale if side else np.nan
        rows.append({"measure": registered(column).label, "column": column, "value": value,
                     "own_range": (float(np.nanmin(own)), float(np.nanmax(own))),
                     "permuted_range": (float(np.nanmin(permuted)), float(np.nanmax(permuted))),
                     "sd": sd, "clean_side": side or 0, "distance": float(distance), "own_distance": float(own_distance)})
    return pd.DataFrame(rows)


def _side(distance):
    if not np.isfinite(distance):
        return "unknown"
    return "unlike" if distance >= BEYOND else "like" if distance < WITHIN else "between"


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
        ``verdict`` ({"memorizing-like", "clean-like", "cannot tell"}), ``network`` and ``labels`` (the two readings:
        "unlike", "like", "between"), ``distance`` and ``own_distance`` (the medians), ``epochs`` (the training
        signal: ``own``, ``permuted``, ``ratio``, ``reading``), ``reason`` (why there is no verdict, if so), and
        ``sentence``.
    """
    used = readings[readings["clean_side"] != 0]
    distance = float(np.nanmedian(used["distance"])) if len(used) else float("nan")
    own_distance = float(np.nanmedian(used["own_distance"])) if len(used) else float("nan")
    own_epochs, permuted_epochs = np.median(controls.epochs("own")), np.median(controls.epochs("permuted"))
    ratio = float(own_epochs / permuted_epochs) if permuted_epochs else float("nan")
    epochs = {"own": float(own_epochs), "permuted": float(permuted_epochs), "ratio": ratio,
              "reading": "structure" if ratio < EPOCH_RATIO else "noise-like"}
    network, labels = _side(distance), _side(own_distance)
    out = {"network": network, "labels": labels, "distance": distance, "own_distance": own_distance,
           "epochs": epochs, "measures": list(used["measure"]), "reason": None}
    if fit < MIN_FIT:
        out["reason"] = (f"the network fits only {fit:.1%} of the labels it is given; the question is whether a network "
                         f"that fits its samples memorized them, and it needs a fit of at least {MIN_FIT:.0%}")
    elif not controls.all_reached:
        short = [f"{c['fit']:.1%}" for g in controls.groups.values() for c in g if not c["reached"]]
        out["reason"] = (f"{len(short)} of the controls did not reach the fit of {controls.target:.1%} within the "
                         f"budget (they reached {', '.join(short)}); no verdict stands on controls that did not fit")
    elif used.empty:
        out["reason"] = "no measure has a direction established by the committed reference"
    if out["reason"]:
        verdict = "cannot tell"
    elif network == "unlike" and labels == "unlike":
        verdict = "clean-like"
    elif network == "like" and labels == "like":
        verdict = "memorizing-like"
    else:
        verdict = "cannot tell"
    out["verdict"] = verdict
    out["sentence"] = _sentence(out, controls, labels_source)
    return out


def _sentence(out, controls, labels_source):
    k = len(controls.groups["own"])
    own = "your labels" if labels_source == "given" else "your network's own predictions (the labels it fits)"
    basis = (f"{k} own-label controls (the architecture re-initialized and trained on {own}) and {k} permuted controls "
             f"(the same labels permuted), each trained to {controls.target:.1%} of the {controls.samples:,} samples")
    sides = {"unlike": "far from", "like": "close to", "between": "between close to and far from",
             "unknown": "not comparable with"}
    measures = ", ".join(out["measures"])
    where = (f"On {measures} (median distance in seed standard deviations, toward the clean side), your network lies "
             f"{sides[out['network']]} the permuted controls ({out['distance']:+.1f}) and the own-label controls lie "
             f"{sides[out['labels']]} them ({out['own_distance']:+.1f}).")
    epochs = out["epochs"]
    signal = (f"Beside it, the training signal: the own-label controls needed {epochs['own']:.0f} epochs, the permuted "
              f"{epochs['permuted']:.0f} (ratio {epochs['ratio']:.2f}; labels with structure fit faster, so this reads "
              f"{'structure' if epochs['reading'] == 'structure' else 'labels like noise'}).")
    if out["reason"]:
        return f"Cannot tell: {out['reason']}. Controls: {basis}. {signal}"
    if out["verdict"] == "clean-like":
        head = ("Clean-like on your own data: your network and the controls trained on your labels both stand far from "
                "networks that fit these samples with permuted labels.")
    elif out["verdict"] == "memorizing-like":
        head = ("Memorizing-like on your own data: your network and the controls trained on your labels look like "
                "networks that fit these samples with permuted labels: the labels carry little this architecture can "
                "use, and fitting them is memorizing them.")
    else:
        head = "Cannot tell on your own data: the two comparisons do not agree, or fall between the thresholds."
    return f"{head} {where} Controls: {basis}. {signal}"
