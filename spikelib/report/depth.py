"""Every hidden layer beside the generalizing network's: the depth view that tests the paper's H6.

Functions
---------
depth_changes
    Each hidden layer's indicators beside the same layer of the generalizing network.
depth_summary
    What the depth view says about H6, in sentences from that table.
deep_networks
    The rows of the networks with more than one hidden layer, and that summary.
"""

from .labels import CONDITION_LABELS

__all__ = ["depth_changes", "depth_summary", "deep_networks"]

_NETWORK = ["model", "width", "seed"]


def depth_changes(layers, columns=("mfr", "cv_fr", "mf")):
    """Each hidden layer's indicators beside the same layer of the generalizing network.

    Parameters
    ----------
    layers : pandas.DataFrame
        :func:`spikelib.report.results.layers`.
    columns : sequence of str
        The indicators to compare.

    Returns
    -------
    pandas.DataFrame
        The rows of ``layers`` whose network (model, width, seed) has a
        generalizing cell, with ``<column>_change``: the indicator minus the
        generalizing network's in the same layer (0 in the generalizing rows).

    Examples
    --------
    >>> import pandas as pd
    >>> layers = pd.DataFrame({"model": "CNN", "width": 64, "seed": 0, "layer": ["conv", "observed"] * 2,
    ...                        "position": [0, 1] * 2, "mfr": [0.5, 0.4, 0.3, 0.1],
    ...                        "condition": ["generalizing"] * 2 + ["mem_retrain_all"] * 2})
    >>> depth_changes(layers, columns=["mfr"])["mfr_change"].round(2).tolist()
    [0.0, 0.0, -0.2, -0.3]
    """
    columns = list(columns)
    reference = layers[layers["condition"] == "generalizing"].set_index(_NETWORK + ["layer"])[columns]
    joined = layers.join(reference.add_suffix("_generalizing"), on=_NETWORK + ["layer"], how="inner")
    for column in columns:
        joined[f"{column}_change"] = joined[column] - joined.pop(f"{column}_generalizing")
    return joined.reset_index(drop=True)


def depth_summary(changes):
    """What the depth view says about H6, one sentence per network with more than one hidden layer.

    The paper's H6: memorization in earlier layers hides it from the observed
    layer. A network that may memorize in every layer (MemRetrainAll) should
    then change the observed layer's MFR less, relative to the generalizing
    network, than one whose earlier layers are frozen (MemRetrainLast), and
    its first hidden layer should change where MemRetrainLast's cannot.

    Parameters
    ----------
    changes : pandas.DataFrame
        :func:`depth_changes`.

    Returns
    -------
    str
        The sentences, or a statement of what is missing.
    """
    deep = changes[changes.groupby(_NETWORK)["position"].transform("max") > 0] if len(changes) else changes
    sentences = []
    for (model, width, seed), rows in deep.groupby(_NETWORK, sort=True):
        by = rows.set_index(["condition", "position"], drop=False)
        needed = {"mem_retrain_all", "mem_retrain_last"}
        if not needed <= set(rows["condition"].astype(str)):
            missing = " or ".join(CONDITION_LABELS[c] for c in sorted(needed - set(rows["condition"].astype(str))))
            sentences.append(f"{model}-{width} (seed {seed}): no {missing} network has finished yet, so the depth "
                             "view cannot test H6.")
            continue
        last = int(rows["position"].max())
        first_name, last_name = by.loc[("generalizing", 0), "layer"], by.loc[("generalizing", last), "layer"]

        def mfr(condition, position):  # as printed: a change is the difference of printed values (-0.340 from
            return round(float(by.loc[(condition, position), "mfr"]), 3)  # 0.064 - 0.404, whatever the 4th decimal)

        general_first, general_last = mfr("generalizing", 0), mfr("generalizing", last)
        all_first, all_last = mfr("mem_retrain_all", 0), mfr("mem_retrain_all", last)
        frozen_first, frozen_last = mfr("mem_retrain_last", 0), mfr("mem_retrain_last", last)
        all_last_change, frozen_last_change = all_last - general_last, frozen_last - general_last
        frozen_first_change = frozen_first - general_first
        named_last = "" if last_name == "observed" else f" ({last_name})"  # a name that adds nothing is left out
        stays = ("(unchanged)" if frozen_first_change == 0 else f"(change {frozen_first_change:+.3f})")
        hidden = abs(all_last_change) < abs(frozen_last_change)
        sentences.append(
            f"{model}-{width} (seed {seed}), MFR against the generalizing network's: with every layer trained on "
            f"shuffled labels (MemRetrainAll) the first hidden layer ({first_name}) goes from {general_first:.3f} "
            f"to {all_first:.3f} and the observed layer{named_last} from {general_last:.3f} to {all_last:.3f}; "
            f"with the earlier layers frozen (MemRetrainLast) the first stays at {frozen_first:.3f} "
            f"{stays} and the observed layer goes to {frozen_last:.3f}. "
            f"The observed layer moves {'less' if hidden else 'more'} when the earlier layers may memorize "
            f"({all_last_change:+.3f} against {frozen_last_change:+.3f}), "
            + ("as H6 expects." if hidden else "against what H6 expects.")
            + _memorized_how_far(by, hidden))
    return " ".join(sentences) if sentences else "No network of this profile has more than one hidden layer."


def _memorized_how_far(by, hidden):
    """Whether how far each network memorized could explain the depth view's verdict (a sentence, or '')."""
    if "train_accuracy" not in by:
        return ""
    everything, frozen = (float(by.loc[(condition, 0), "train_accuracy"])
                          for condition in ("mem_retrain_all", "mem_retrain_last"))
    more = everything > frozen
    figures = f"({100 * everything:.1f} % training accuracy on shuffled labels against {100 * frozen:.1f} %)"
    if abs(everything - frozen) < 0.01:  # within a point: neither memorized notably further
        return f" Both memorized about as far {figures}."
    if hidden != more:  # a smaller change from less memorizing, or a larger one from more
        return (f" But MemRetrainAll also memorized {'more' if more else 'less'} {figures}, which alone could "
                f"explain a {'larger' if more else 'smaller'} change.")
    return f" MemRetrainAll memorized {'more' if more else 'less'} {figures}, so this is not for want of memorizing."


def deep_networks(layers):
    """The depth view of a profile: ``(rows, summary)``.

    ``rows`` are :func:`depth_changes` of the networks with more than one
    hidden layer (empty when none), ``summary`` :func:`depth_summary`'s
    sentences, or what is missing.

    Parameters
    ----------
    layers : pandas.DataFrame
        :func:`spikelib.report.results.layers`.
    """
    if layers is None or len(layers) == 0:
        return layers, "No cell of this profile recorded its layers."
    changes = depth_changes(layers)
    deep = changes[changes.groupby(_NETWORK)["position"].transform("max") > 0] if len(changes) else changes
    return deep.reset_index(drop=True), depth_summary(changes)
