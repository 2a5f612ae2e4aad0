"""The online monitor replayed on recorded runs: when does it alarm, and how often falsely?

:func:`spikelib.experiment.monitor.memorization_monitor` feeds the observed
layer's mean firing rate at the end of every epoch to a one-sided CUSUM
(:class:`spikelib.onset.OnsetDetector`). Here the same rule runs on series the
cells recorded: the switch runs (true labels, then shuffled labels at a known
epoch) give its delay; the runs trained on noisy labels from the start give
its alarms, and on clean labels its false alarms.

Functions
---------
monitor_evaluation
    The rule on one profile's recorded runs.
monitor_summary
    Its alarms over several profiles, in tables and one sentence.
"""

import numpy as np
import pandas as pd

from ..experiment.cellfiles import read_curve, read_training
from ..onset import OnsetDetector
from .labels import network_name
from .results import finished_cells

__all__ = ["monitor_evaluation", "monitor_summary"]


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
            switches.append({"cell_id": metrics["cell_id"], "run": network_name(parameters),
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


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def monitor_summary(evaluations, where=""):
    """The online monitor over the runs of :func:`monitor_evaluation` (one pair per profile); a cell that several
    profiles ran is counted once. ``where`` names the runs in the sentence (``"the training-curve runs of the
    noise profile"``): other pages count other networks that switched.

    Returns
    -------
    switches : pandas.DataFrame
        The switch runs, with their alarms.
    rates : pandas.DataFrame
        Runs, alarms and the median alarm epoch per label noise of the noisy-label runs.
    sentence : str
        How often it alarmed, how late, and how often falsely.
    """
    # A cell two profiles both ran (same id: same parameters and seed) is one run, counted once: the first's.
    switches = pd.concat([switch for switch, _ in evaluations], ignore_index=True)
    noisy = pd.concat([run for _, run in evaluations], ignore_index=True)
    switches = switches.drop_duplicates("cell_id", ignore_index=True) if len(switches) else switches
    noisy = noisy.drop_duplicates("cell_id", ignore_index=True) if len(noisy) else noisy
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
    return switches, rates, "The online monitor" + (f", on {where}," if where else "") + " " + " and ".join(parts) + "."
