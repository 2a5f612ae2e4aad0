"""Where a network's measures fall among comparable reference networks, and what that supports.

Rules, printed with every diagnosis:

- **Comparable** reference networks have the same family (MLP or CNN), a width within a factor of
  :data:`WIDTH_FACTOR` of the network's, and a training recording within the same factor of the samples
  the network is diagnosed on (the nearest when none is that close).
- A measure **supports** a verdict when it separated the reference networks trained on shuffled labels from
  those trained on clean ones at equal training accuracy at :data:`STRONG` or more (the profiles ``memorized``
  and ``clean``, Fashion-MNIST with SGD), and no other domain of the reference (the transfer networks: digits,
  Fashion-MNIST and a synthetic task with Adam) found it on the other side. The
  network's value is then *memorizing-like* when it lies beyond every comparable clean network's value in
  the memorizing direction, *clean-like* when beyond every comparable memorizing network's value in the
  clean direction, and *in the overlap* otherwise.
- A value beyond both groups' whole ranges reads *outside the reference*: the network is unlike every
  comparable reference network, and their ranges say nothing about it; the verdict is then "cannot tell",
  and the sentence names what the reference holds and suggests the calibrated diagnosis.
- The verdict is memorizing-like (or clean-like) when at least one supporting measure reads so and none
  reads the other way; "cannot tell" otherwise.
- The clean group holds networks trained on clean labels only; those trained on a little label noise (less
  than the memorizing share) belong to neither group.
- No verdict is given about the size of a generalization gap on clean labels: the sentence says what the
  model zoo found about it.

Functions
---------
comparable
    The reference networks comparable to a network.
supporting_measures
    The measures whose side the reference established, and no domain of it contradicts.
calibrate
    Each measure's percentile among comparable clean and memorizing networks, and what it supports.
overall
    The verdict, or "cannot tell", and what it rests on.
leave_one_out
    Each reference network diagnosed against all the others (or all of other data sets): how often a verdict is
    given, and right.
expected_verdict
    The verdict that is right for a network trained with a given share of shuffled labels.
"""

import numpy as np
import pandas as pd

from ..experiment.measures import measure as registered
from ..report.render import and_list

__all__ = ["comparable", "calibrate", "overall", "leave_one_out", "expected_verdict", "zoo_sentence",
           "supporting_measures", "domain_separations", "WIDTH_FACTOR", "STRONG", "HALF_NOISE"]

#: Widths within this factor of the network's count as comparable.
WIDTH_FACTOR = 2.0
#: The label-noise separation a measure needs before it supports a verdict.
STRONG = 0.9


def comparable(reference, model, width, n_samples=None, far=None):
    """The reference networks of the same family with a width within :data:`WIDTH_FACTOR` (else the nearest
    widths), and, given ``n_samples``, a training recording within the same factor of it (else the nearest
    lengths): a network's measures move with its width and with how many samples it fitted.

    Parameters
    ----------
    far : list, optional
        Receives a sentence for each rule that could not be kept (no network within the factor), naming how far
        the nearest are.

    Returns
    -------
    pandas.DataFrame
    """
    family = reference[reference["model"].str.upper() == str(model).upper()]
    if family.empty:  # a family the reference lacks: every network, and the counts say so
        family = reference
    near = _within(family, "width", width, far, "width")
    if n_samples is not None and "recorded_samples" in near:
        near = _within(near, "recorded_samples", n_samples, far, "samples recorded")
    return near


def _within(frame, column, value, far=None, what=""):
    """The rows whose ``column`` lies within :data:`WIDTH_FACTOR` of ``value``, else those nearest it."""
    close = frame[(frame[column] >= value / WIDTH_FACTOR) & (frame[column] <= value * WIDTH_FACTOR)]
    if len(close):
        return close
    distance = (np.log(frame[column]) - np.log(value)).abs()
    nearest = frame[distance == distance.min()]
    if far is not None and len(nearest):
        other = float(nearest[column].iloc[0])
        factor = max(other, value) / min(other, value)
        far.append(f"no reference network has {what} within a factor of {WIDTH_FACTOR:g} of {value:,.0f}: the nearest "
                   f"have {other:,.0f}, {factor:.1f} times {'more' if other > value else 'fewer'}")
    return nearest


def domain_separations(record, column, exclude=None):
    """Each domain's evidence for ``column``: ``{domain: {"separation", "direction", ...}}`` (networks fitting
    shuffled against clean labels at equal fit), without the domain ``exclude``. A record without domains gives
    its one matched (else label-noise) comparison."""
    detects = record["detects"].get(column, {})
    if "by_domain" in detects:
        return {name: found for name, found in detects["by_domain"].items() if name != exclude}
    found = detects.get("matched_fit") or detects.get("label_noise")
    return {"reference": found} if found else {}


def supporting_measures(record, exclude=None, domain=None):
    """The measures a verdict may read: those that separated networks fitting shuffled labels from networks
    fitting clean ones at equal training fit on the compendium's own networks at :data:`STRONG` or more, and
    that no other domain (data set and optimizer) of the reference, but ``exclude``, found on the other side.

    A domain where a measure does not separate the groups at all (a tie) neither confirms nor contradicts it; one
    that puts the memorizing networks on the other side rules the measure out: its side depends on the data.

    With ``domain`` (a network whose data set and optimizer the reference holds), the measures that separated the
    two groups at :data:`STRONG` or more in that domain alone: on its own data a measure needs no other.

    Returns
    -------
    dict
        Column -> ``(direction, separation)``: where the memorizing networks lie (``"higher"``/``"lower"``) and the
        separation on the compendium's own networks (or in ``domain``).
    """
    found = {}
    for column, detects in record["detects"].items():
        if registered(column).family == "control":
            continue
        if domain is not None and domain in detects.get("by_domain", {}):
            own = detects["by_domain"][domain]
            if own.get("separation", 0) >= STRONG and own.get("direction") in ("higher", "lower"):
                found[column] = (own["direction"], own["separation"])
            continue
        main = detects.get("matched_fit") or {}
        if main.get("separation", 0) < STRONG or main.get("direction") not in ("higher", "lower"):
            continue
        sides = {d.get("direction") for d in domain_separations(record, column, exclude).values()
                 if d.get("separation", 0.5) > 0.5 and d.get("direction") in ("higher", "lower")}
        if sides <= {main["direction"]}:
            found[column] = (main["direction"], main["separation"])
    return found


def _percentile(values, value):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size or not np.isfinite(value):
        return float("nan")
    return float(100 * ((values < value).sum() + 0.5 * (values == value).sum()) / values.size)


def calibrate(values, reference, record, model, width, n_samples=None, exclude=None, domain=None):
    """Each measure of the network among comparable reference networks.

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure, column, value``, ``percentile_clean`` and ``percentile_memorizing``
        (among comparable clean / memorizing networks), ``clean_range``/``memorizing_range``, the
        ``separation`` and ``direction`` found on the reference networks and the ``evidence`` they come from
        (``matched_fit``: memorizing and clean networks at equal training accuracy, else ``label_noise``),
        ``supports`` (whether it may give a verdict),
        ``reading`` (memorizing-like, clean-like, in the overlap, or no verdict), the clean-label ``tau``
        within architecture and whether it beat the controls on the zoo.
    """
    far = []
    if domain is not None and "domain" in reference:  # a network whose data set is known: its own first
        own = reference[reference["domain"] == domain]
        if own["memorizing"].any() and ((own["label_noise"] == 0) & ~own["memorizing"]).any():
            reference = own
        else:
            domain = None
    support = supporting_measures(record, exclude, domain)
    near = comparable(reference, model, width, n_samples, far)
    # the clean group holds networks trained on clean labels only: those trained on some noise are neither group
    clean, memorizing = near[(near["label_noise"] == 0) & ~near["memorizing"]], near[near["memorizing"]]
    rows = []
    for column, value in values.items():
        if column not in reference:  # a reference of an older version: the measure is shown, not placed
            reference = reference.assign(**{column: np.nan})
            near, clean, memorizing = (frame.assign(**{column: np.nan}) for frame in (near, clean, memorizing))
        detects = record["detects"].get(column, {})
        # the evidence: memorizing against clean networks at equal training accuracy, in every domain of the
        # reference (a measure that only follows the training fit, or whose side changes with the data, cannot
        # pass it); else the label-noise benchmark
        evidence = "matched_fit" if "matched_fit" in detects else "label_noise"
        domains = domain_separations(record, column, exclude)
        separation = detects.get(evidence, {}).get("separation", float("nan"))
        direction = support[column][0] if column in support else detects.get(evidence, {}).get("direction")
        # a control (the training fit) is context, not evidence: it never gives a reading
        is_control = registered(column).family == "control"
        supports = bool(not is_control and column in support and len(clean) and len(memorizing))
        low_c, high_c = (clean[column].min(), clean[column].max()) if len(clean) else (np.nan, np.nan)
        low_m, high_m = (memorizing[column].min(), memorizing[column].max()) if len(memorizing) else (np.nan, np.nan)
        reading = "control" if is_control else "no verdict"
        if supports and np.isfinite(value):
            higher = direction == "higher"
            beyond_clean = value > high_c if higher else value < low_c
            beyond_memorizing = value < low_m if higher else value > high_m
            # beyond both groups: outside what the reference holds, which says nothing about either side
            outside = value > max(high_c, high_m) or value < min(low_c, low_m)
            reading = ("outside the reference" if outside else "memorizing-like" if beyond_clean else
                       "clean-like" if beyond_memorizing else "in the overlap")
        rows.append({
            "measure": registered(column).label, "column": column, "value": value,
            "percentile_clean": _percentile(clean[column], value),
            "percentile_memorizing": _percentile(memorizing[column], value),
            "clean_range": (low_c, high_c), "memorizing_range": (low_m, high_m),
            "separation": separation, "direction": direction, "evidence": evidence, "domains": len(domains),
            "supports": supports,
            "reading": reading,
            "tau_clean_labels": detects.get("clean_label_gap", {}).get("tau_within_architecture", float("nan")),
            "beats_controls_zoo": detects.get("zoo_gap", {}).get("beats_controls", False),
        })
    same_family = bool((reference["model"].str.upper() == str(model).upper()).any())
    return pd.DataFrame(rows), {"comparable": len(near), "clean": len(clean), "memorizing": len(memorizing),
                                "widths": sorted(near["width"].unique().tolist()), "same_family": same_family,
                                "samples": (int(near["recorded_samples"].min()), int(near["recorded_samples"].max()))
                                if "recorded_samples" in near and len(near) else None,
                                "family": str(model), "far": far}


def zoo_sentence(record):
    """What the model zoo says about the gap on clean labels, from the record."""
    beating = [registered(c).label for c, d in record["detects"].items() if d.get("zoo_gap", {}).get("beats_controls")]
    networks = next((d["zoo_gap"]["networks"] for d in record["detects"].values() if "zoo_gap" in d), 0)
    if not beating:
        return (f"on the model zoo's {networks} networks trained on clean labels no measure predicted the gap beyond "
                "how well each network fits its training samples")
    return (f"on the model zoo's {networks} networks trained on clean labels only {and_list(beating)} predicted the "
            "gap beyond how well each network fits its training samples")


def _lie(names):
    """``"MFR lies"`` or ``"MFR and MF lie"``: the measures named, with their verb."""
    return f"{and_list(names)} {'lies' if len(names) == 1 else 'lie'}"


def overall(calibration, counts, record):
    """The verdict from the supporting measures, with what it rests on.

    Parameters
    ----------
    calibration, counts
        From :func:`calibrate`.
    record : dict
        The reference's record (:func:`spikelib.diagnose.reference.load_reference`).

    Returns
    -------
    verdict : {"memorizing-like", "clean-like", "cannot tell"}
    sentence : str
    """
    supporting = calibration[calibration["supports"]]
    readings = set(supporting["reading"])
    shuffled = f"{record.get('memorizing_noise', 1.0):.0%}".replace("%", " %")
    samples = counts.get("samples")
    recorded = f", recorded on {samples[0]:,} to {samples[1]:,} samples" if samples else ""
    rests = (f"{counts['comparable']} comparable reference networks (widths {', '.join(map(str, counts['widths']))}"
             f"{recorded}: "
             f"{counts['clean']} trained on clean labels, {counts['memorizing']} on labels at least {shuffled} "
             "shuffled)")
    if not counts.get("same_family", True):
        rests += (f"; the reference holds no {counts.get('family')} networks, so these are of other families and "
                  "the comparison is weaker")
    if counts.get("far"):
        rests += "; " + "; ".join(counts["far"]) + ", so these are the nearest, not comparable ones"
    outside = list(supporting.loc[supporting["reading"] == "outside the reference", "measure"])
    if outside:
        scope = record.get("scope", "networks trained on Fashion-MNIST with SGD")
        verb = "lies" if len(outside) == 1 else "lie"
        return "cannot tell", (f"Outside the reference: {', '.join(outside)} {verb} beyond every comparable reference "
                               f"network, those trained on clean labels and those trained on shuffled labels alike; "
                               f"among {rests}. The reference holds {scope}; a network trained on other data or in "
                               "another way can lie outside all of them, and then their ranges say nothing about it. "
                               "Calibrate on your own samples instead: without --reference, spikelib diagnose trains "
                               "controls on them.")
    if supporting.empty:
        return "cannot tell", ("Cannot tell from activations alone: no measure separated clean from memorizing "
                               f"reference networks strongly enough on {rests}. A held-out labelled set would tell "
                               "(the gap between training and test accuracy).")
    said = {reading: list(supporting.loc[supporting["reading"] == reading, "measure"])
            for reading in ("memorizing-like", "clean-like", "in the overlap")}
    overlap = (f"; {and_list(said['in the overlap'])} in the overlap of the two groups"
               if said["in the overlap"] else "")
    if said["memorizing-like"] and not said["clean-like"]:
        return "memorizing-like", (f"Memorizing-like: {_lie(said['memorizing-like'])} beyond every "
                                   f"comparable network trained on clean labels, on the side of those trained on "
                                   f"shuffled labels{overlap}; among {rests}. Such a network fits labels it cannot "
                                   "predict on new samples; a held-out labelled set would confirm it.")
    if said["clean-like"] and not said["memorizing-like"]:
        return "clean-like", (f"Clean-like: {_lie(said['clean-like'])} beyond every comparable network "
                              f"trained on shuffled labels, on the side of those trained on clean labels{overlap}; "
                              f"among {rests}. This says nothing about how large its generalization gap is: "
                              f"{zoo_sentence(record)}. A held-out labelled set would tell.")
    readings = "; ".join(f"{and_list(names)} {reading}" for reading, names in said.items() if names)
    return "cannot tell", (f"Cannot tell from activations alone: {readings}; among {rests}. A held-out labelled "
                           "set would tell.")

def expected_verdict(label_noise):
    """The verdict that is right for a network trained on labels with this share shuffled: clean-like for clean
    labels, memorizing-like from :data:`HALF_NOISE` on (it fits at least as many labels it cannot predict as
    labels it can), ``None`` between (neither answer is right or wrong)."""
    if label_noise == 0:
        return "clean-like"
    return "memorizing-like" if label_noise >= HALF_NOISE else None


#: From this share of shuffled labels on, a network that fits them counts as memorizing when verdicts are scored.
HALF_NOISE = 0.5


def leave_one_out(reference, record, columns, by="network", networks=None):
    """Each reference network's verdict from ``columns`` of its own values, set against the other networks.

    Parameters
    ----------
    by : {"network", "dataset"}
        Leave out the network alone, and compare it with the networks of its own domain (its data set and
        optimizer) where that domain holds both groups; or leave out every network of its domain, and that
        domain's evidence for the measures (the test of a verdict on data the reference never saw).
    networks : pandas.DataFrame, optional
        Networks the reference does not hold (rows of its layout, with a ``domain``), diagnosed instead of its own:
        against the whole reference (``by="network"``: nothing of theirs is in it to leave out) or against the
        reference without their domain (``by="dataset"``).

    Returns
    -------
    pandas.DataFrame
        One row per reference network: ``source, cell_id, model, width, memorizing, label_noise``, the
        ``verdict``, and ``right`` (``None`` for "cannot tell" and for a network trained on a little label noise;
        else whether the verdict is :func:`expected_verdict`).
    """
    rows = []
    datasets = reference["domain"] if "domain" in reference else pd.Series("reference", index=reference.index)
    outside = networks is not None
    diagnosed = networks if outside else reference
    for index, row in diagnosed.iterrows():
        values = {column: row[column] for column in columns}
        own = row["domain"] if outside else datasets[index]
        if by == "network":
            others = reference if outside else reference.drop(index)
        else:
            others = reference[datasets != own]
        calibration, counts = calibrate(values, others, record, row["model"], row["width"], row["recorded_samples"],
                                        exclude=None if by == "network" else own,
                                        domain=own if by == "network" and "domain" in reference else None)
        verdict, _ = overall(calibration, counts, record)
        expected = expected_verdict(float(row["label_noise"]))
        rows.append({"source": row["source"], "cell_id": row["cell_id"], "model": row["model"], "width": row["width"],
                     "dataset": own, "memorizing": bool(row["memorizing"]),
                     "label_noise": float(row["label_noise"]), "verdict": verdict,
                     "right": None if verdict == "cannot tell" or expected is None else verdict == expected})
    return pd.DataFrame(rows)
