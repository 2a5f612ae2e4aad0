"""What the indicators do while a network trains: towards its gap, at the switch to shuffled labels.

Functions
---------
gap_course
    The probe's indicators and the gap epoch by epoch while each network trained.
switch_course
    What the firing rate does after the switch to shuffled labels, per network.
switch_sentence
    That course in one sentence.
recording_effect
    What recording the training split with or without its validation samples changes.
"""

import numpy as np
import pandas as pd

from .labels import MEASURE_LABELS
from .render import and_list
from .results import finished_cells

__all__ = ["gap_course", "switch_course", "switch_sentence", "recording_effect"]


def gap_course(root):
    """The probe's indicators and the gap while each network trained, one row per traced epoch.

    The gap at an epoch is the training accuracy minus the validation
    accuracy (samples of the training set held out, the labels trained with)
    of that epoch: the training accuracy evaluated after the epoch where the
    cell recorded it (networks trained to the fitting criterion), Keras'
    running accuracy otherwise. The test accuracy is measured only after
    training, so this is the course of the validation gap.

    Returns
    -------
    pandas.DataFrame
        ``cell_id, architecture, width, train_samples, seed, epoch, accuracy, val_accuracy, gap, mfr, cv_fr, mf,
        cv_mf``.
    """
    from ..experiment.cellfiles import read_training

    frames = []
    for directory, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != "cell":
            continue
        for phase in read_training(directory).get("phases", []):
            traces = pd.DataFrame(phase["traces"])
            history = pd.DataFrame(phase["history"])
            if traces.empty or history.empty:
                continue
            accuracy = "fit_accuracy" if "fit_accuracy" in history else "accuracy"
            merged = traces[traces["epoch"] > 0].drop(columns="accuracy").merge(
                history[["epoch", accuracy, "val_accuracy"]].rename(columns={accuracy: "accuracy"}), on="epoch")
            depth = parameters.get("depth", 1)
            frames.append(merged.assign(cell_id=directory.name, architecture=f"MLP-{depth}", width=parameters["width"],
                                        train_samples=parameters.get("train_samples"), seed=parameters["seed"],
                                        gap=merged["accuracy"] - merged["val_accuracy"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def switch_course(traces):
    """What the probe's MFR does after each network's switch to shuffled labels.

    Parameters
    ----------
    traces : pandas.DataFrame
        From :func:`spikelib.report.results.traces`.

    Returns
    -------
    pandas.DataFrame
        One row per network with a shuffled-label phase: ``cell_id, model,
        width, condition``; ``mfr_start`` (before the phase), ``mfr_first``,
        ``epoch_first`` and ``accuracy_first`` (at the first trace after the
        switch, with the running training accuracy on the shuffled labels
        then), ``mfr_low`` (the lowest traced value), ``mfr_end`` and
        ``accuracy_end`` (at the phase's last trace), ``epochs``.
    """
    shuffled = traces[traces["phase"] == "shuffled labels"]
    rows = []
    for cell, group in shuffled.groupby("cell_id", sort=True):
        group = group.sort_values("epoch")
        after = group[group["epoch"] > 0]
        if after.empty:
            continue
        first = after.iloc[0]
        rows.append({"cell_id": cell, "model": group["model"].iloc[0], "width": group["width"].iloc[0],
                     "n_classes": group["n_classes"].iloc[0] if "n_classes" in group else np.nan,
                     "condition": group["condition"].iloc[0], "mfr_start": float(group["mfr"].iloc[0]),
                     "mfr_first": float(first["mfr"]), "epoch_first": int(first["epoch"]),
                     "accuracy_first": float(first["accuracy"]), "mfr_low": float(after["mfr"].min()),
                     "mfr_end": float(after["mfr"].iloc[-1]),
                     "accuracy_end": float(after["accuracy"].iloc[-1]), "epochs": int(after["epoch"].iloc[-1])})
    return pd.DataFrame(rows)


def _range(values, digits=2, scale=1.0):
    values = np.asarray(values, dtype=float) * scale
    low, high = np.nanmin(values), np.nanmax(values)
    return f"{low:.{digits}f}" if np.isclose(low, high) else f"{low:.{digits}f}–{high:.{digits}f}"


def _small(value):
    """A difference to three decimals; one that rounds to zero without being zero reads ``< 0.001``."""
    if value == 0:
        return "0"
    return f"{value:.3f}" if abs(value) >= 0.0005 else "< 0.001"


def _chance(course):
    classes = course["n_classes"].dropna().unique() if "n_classes" in course else []
    return f" (chance {100 / classes[0]:.0f} % with {int(classes[0])} classes)" if len(classes) == 1 else ""


def _moved(before, after):
    """The verb for a change from ``before`` to ``after`` in every network, computed from the signs."""
    fell, rose = int((after < before).sum()), int((after > before).sum())
    if fell == len(before):
        return "fell"
    if rose == len(before):
        return "rose"
    return f"fell in {fell} of them and rose in {rose}, going"


def switch_sentence(course, where=""):
    """What MFR did after the switch to shuffled labels, in sentences from :func:`switch_course`.

    Every direction (fell, rose) is computed from the values, network by network; ``where`` names the
    networks' profile (``"of the fashion profile"``), since other pages count other switch runs.

    Examples
    --------
    >>> course = pd.DataFrame({"mfr_start": [0.45, 0.5], "mfr_first": [0.1, 0.2], "epoch_first": [10, 10],
    ...                        "accuracy_first": [0.11, 0.13], "mfr_low": [0.09, 0.2], "mfr_end": [0.15, 0.3],
    ...                        "accuracy_end": [0.3, 0.6], "n_classes": [10, 10]})
    >>> print(switch_sentence(course))
    In all 2 networks trained on shuffled labels, MFR fell from 0.45–0.50 before the switch to 0.10–0.20 at the
    first trace after it (epoch 10), while their running training accuracy on the shuffled labels was still
    11–13 % (chance 10 % with 10 classes). As they went on to memorize, it rose from its lowest value after the
    switch in 2 of them, ending at 0.15–0.30 with 30–60 % of the shuffled labels fitted (2 of these 2 still below their rate before the switch).
    """
    if course.empty:
        return "No network of these profiles recorded traces after a switch to shuffled labels."
    sentence = (f"In all {len(course)} networks{' ' + where if where else ''} trained on shuffled labels, MFR "
                f"{_moved(course['mfr_start'], course['mfr_first'])} from {_range(course['mfr_start'])} before the "
                f"switch to {_range(course['mfr_first'])} at the first trace after it (epoch "
                f"{_range(course['epoch_first'], 0)}), while their running training accuracy on the shuffled labels "
                f"was still {_range(course['accuracy_first'], 0, 100)} %{_chance(course)}.")
    rose = course[course["mfr_end"] > course["mfr_low"] + 0.01]
    if len(rose):
        below = int((rose["mfr_end"] < rose["mfr_start"]).sum())
        sentence += (f" As they went on to memorize, it rose from its lowest value after the switch in {len(rose)} of "
                     f"them, ending at "
                     f"{_range(rose['mfr_end'])} with {_range(rose['accuracy_end'], 0, 100)} % of the shuffled labels "
                     f"fitted ({below} of these {len(rose)} still below their rate before the switch).")
    else:
        sentence += " It did not rise from its lowest value after the switch in any of them."
    return sentence


def recording_effect(root):
    """What the validation samples in the training recording change: the same networks recorded both ways.

    Parameters
    ----------
    root : path
        A profile whose networks are each recorded on every training sample (the paper's way,
        ``train_recording: all``) and on the fitted samples only (``fit``, the validation samples recorded
        apart), with the same training.

    Returns
    -------
    table : pandas.DataFrame
        One row per network: ``training samples, width, seed, gap (points)``, and each indicator of the
        training split as the paper records it, on the fitted samples only, and on the validation samples alone.
    sentence : str
        The largest and the median change of each indicator, and where the validation samples alone lie.
    """
    by_recording = {"all": {}, "fit": {}}
    for _, metrics in finished_cells(root):
        parameters = metrics["parameters"]
        key = (parameters.get("train_samples"), parameters["width"], parameters["seed"])
        by_recording[parameters.get("train_recording", "all")][key] = metrics
    everything, fitted = by_recording["all"], by_recording["fit"]
    rows = []
    for key in sorted(set(everything) & set(fitted), key=lambda k: tuple(-1 if v is None else v for v in k)):
        a, f = everything[key]["splits"]["train"], fitted[key]["splits"]["train"]
        validation = fitted[key].get("validation_recording", {})
        row = {"training samples": key[0], "width": key[1], "seed": key[2],
               "gap (percentage points)": 100 * everything[key]["generalization_gap"]}
        for column in ("mfr", "cv_fr", "mf"):
            name = MEASURE_LABELS[column]
            row[f"{name}, all"], row[f"{name}, fitted"] = a[column], f[column]
            row[f"{name}, validation"] = validation.get(column, np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table, "No network was recorded both ways."
    parts = []
    for column in ("mfr", "cv_fr", "mf"):
        name = MEASURE_LABELS[column]
        change = (table[f"{name}, fitted"] - table[f"{name}, all"]).abs()
        parts.append(f"{name} by at most {_small(change.max())} (median {_small(change.median())})")
    validation_mfr = table[f"{MEASURE_LABELS['mfr']}, validation"] - table[f"{MEASURE_LABELS['mfr']}, fitted"]
    return table, (f"Recording the {len(table)} clean-label networks on the samples they were trained on only, "
                   f"instead of every training sample as the paper does, changes {and_list(parts)}. The validation "
                   f"samples alone give an MFR {_range(validation_mfr.abs(), 3)} away from the fitted samples'.")
