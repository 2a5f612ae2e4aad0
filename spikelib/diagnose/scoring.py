"""The transfer and held-out networks (:mod:`spikelib.diagnose.transfer`) scored: each diagnosed every way and
set against the truth of its labels; and the transfer networks as rows of the committed reference, with what each
measure showed in their domains.

Functions
---------
domain
    A network's domain: its data set and optimizer.
reference_rows
    The diagnosed networks as rows of the reference table.
domain_evidence
    Per domain (data set and optimizer), how well each measure separated clean from shuffled networks at equal fit.
transfer_scores, held_out_scores, transfer_summary
    Each network (of the transfer set, of the held-out set) diagnosed every way (:data:`MODES`) and scored against
    its truth; the counts.
"""

import json
from pathlib import Path

from .. import paths
from .transfer import FOLDER, HELD_OUT_FOLDER, OPTIMIZER, transfer_table

__all__ = ["domain", "reference_rows", "domain_evidence", "transfer_scores", "held_out_scores", "transfer_summary",
           "MODES"]


def domain(dataset, optimizer):
    """A reference network's domain: its data set and optimizer (``"digits, Adam"``): what a diagnosis that
    transfers must carry over, and what leave-one-data-set-out leaves out."""
    return f"{dataset}, {optimizer}"


def reference_rows(root=None, source=FOLDER):
    """The diagnosed transfer networks as rows of the reference table (:mod:`spikelib.diagnose.reference`).

    Their measures are the diagnosis's own, on all their training samples with their (noisy) labels.

    Parameters
    ----------
    source : str
        Their ``source`` (the held-out set's rows are diagnosed as networks the reference does not hold).

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    from ..report.networks import MEMORIZING_NOISE

    rows = []
    for record in transfer_table(root).itertuples():
        network, diagnosis = record.network, record.diagnosis
        values = diagnosis["values"]
        family = "CNN" if network["model"] == "cnn" else "MLP"
        rows.append({"source": source, "cell_id": network["id"], "model": family,
                     "architecture": "CNN" if family == "CNN" else f"MLP-{network['depth']}", "depth": network["depth"],
                     "width": network["width"], "train_samples": network["samples"],
                     "recorded_samples": diagnosis["n_samples"], "seed": network["seed"],
                     "condition": "memorizing" if network["noise"] >= MEMORIZING_NOISE else "generalizing",
                     "label_noise": float(network["noise"]), "memorizing": network["noise"] >= MEMORIZING_NOISE,
                     "test_accuracy": network["test_accuracy"],
                     "gap": values.get("train_accuracy", network["fit"]) - network["test_accuracy"],
                     "dataset": network["dataset"], "optimizer": OPTIMIZER,
                     "domain": domain(network["dataset"], OPTIMIZER),
                     **values, **{f"rate_hist_{b}": share for b, share in enumerate(diagnosis["rate_histogram"])}})
    return pd.DataFrame(rows)


def domain_evidence(table, columns, n_boot=200):
    """How well each measure told networks fitting shuffled labels from networks fitting clean ones, per domain.

    Within each domain of ``table`` (its ``domain`` column) the networks trained on shuffled labels (noise 1) are
    set against those trained on clean labels in the same stratum (family, depth, width, training samples) by the
    stratified AUROC of :func:`spikelib.report.matched.matched_scores`; domains without both groups are left out.

    Returns
    -------
    dict
        Column -> domain -> ``{"separation", "direction", "networks", "strata"}``.
    """
    from ..report.matched import matched_scores

    found = {}
    for name, frame in table.groupby("domain"):
        frame = frame[(frame["label_noise"] == 0) | (frame["label_noise"] == 1)].copy()
        frame["memorized"] = frame["label_noise"] == 1
        frame["stratum"] = (frame["architecture"] + "-" + frame["width"].astype(str) + ", "
                            + frame["train_samples"].astype(int).astype(str) + " samples")
        both = frame.groupby("stratum")["memorized"].nunique()
        frame = frame[frame["stratum"].isin(both[both == 2].index)]
        if frame.empty:
            continue
        scores = matched_scores(frame.reset_index(drop=True), n_boot=n_boot).set_index("column")
        for column in columns:
            if column in scores.index:
                row = scores.loc[column]
                found.setdefault(column, {})[name] = {"separation": float(row["separation"]),
                                                      "direction": row["direction"], "networks": len(frame),
                                                      "strata": int(row["strata"])}
    return found


#: How each diagnosis is scored in :func:`transfer_scores`, in the order the tables show them.
MODES = {"reference, leave one out": "against the reference, the network itself left out where it holds it",
         "reference, leave one data set out": "against the reference without the network's data set and optimizer",
         "calibrated": "against controls trained on its own samples (the command's defaults: batches of 64); "
                       "measures established without its data set",
         "calibrated, its batch size": "the same, with --batch-size the network was trained with",
         "training signal": "epochs to fit, own labels against permuted (beside the verdict, not in it)"}


def transfer_scores(table, record, root=None, outcomes=None):
    """Every transfer network diagnosed every way of :data:`MODES`, each verdict scored against its truth.

    Parameters
    ----------
    table, record
        The reference (:func:`spikelib.diagnose.reference.load_reference`), which holds the transfer networks.
    outcomes : dict, optional
        The reference's leave-one-out and leave-one-data-set-out outcomes, if already computed (keyed by mode).

    Returns
    -------
    pandas.DataFrame
        One row per transfer network and mode: ``network, dataset, model, width, samples, noise, truth, fit,
        test_accuracy, mode, verdict, outcome`` ("right", "wrong", "cannot tell").
    """
    import pandas as pd

    from .calibrated import calibrated_readings, calibrated_verdict
    from .controls import Controls
    from .measure import RECORDING_MEASURES
    from .verdict import leave_one_out

    outcomes = outcomes or {"reference, leave one out": leave_one_out(table, record, RECORDING_MEASURES),
                            "reference, leave one data set out": leave_one_out(table, record, RECORDING_MEASURES,
                                                                               by="dataset")}
    verdicts = {mode: dict(zip(frame["cell_id"], frame["verdict"])) for mode, frame in outcomes.items()}
    def calibrated_of(stored, network):
        controls = Controls(**stored["controls"])
        readings = calibrated_readings(stored["values"], controls, record,
                                       exclude=domain(network["dataset"], OPTIMIZER))
        return calibrated_verdict(readings, controls, stored["fit"], stored["labels_source"])

    rows = []
    root = Path(root or paths.results_dir() / FOLDER)
    for item in transfer_table(root).itertuples():
        network, diagnosis = item.network, item.diagnosis
        calibrated = calibrated_of(diagnosis["calibrated"], network)
        own_batch = root / network["id"] / "diagnosis-own-batch.json"
        with_batch = (calibrated_of(json.loads(own_batch.read_text())["calibrated"], network)["verdict"]
                      if own_batch.is_file() else "cannot tell")
        said = {**{mode: verdicts[mode].get(network["id"], "cannot tell") for mode in verdicts},
                "calibrated": calibrated["verdict"], "calibrated, its batch size": with_batch,
                "training signal": "clean-like" if calibrated["epochs"]["reading"] == "structure" else "memorizing-like"}
        for mode, verdict in said.items():
            outcome = "cannot tell" if verdict == "cannot tell" else "right" if verdict == network["truth"] else "wrong"
            rows.append({"network": network["id"], "dataset": network["dataset"], "model": network["model"],
                         "width": network["width"], "samples": network["samples"], "noise": network["noise"],
                         "truth": network["truth"], "fit": network["fit"], "test_accuracy": network["test_accuracy"],
                         "mode": mode, "verdict": verdict, "outcome": outcome,
                         "position": calibrated["position"], "own_position": calibrated["own_position"],
                         "network_reading": calibrated["network"], "labels_reading": calibrated["labels"],
                         "reason": calibrated["reason"], "measures": len(calibrated["measures"]),
                         "epoch_ratio": calibrated["epochs"]["ratio"]})
    return pd.DataFrame(rows)


def held_out_scores(table, record, root=None):
    """The held-out networks (:func:`~spikelib.diagnose.transfer.held_out_networks`) diagnosed as the transfer networks are, and scored.

    None of them is in the reference, so "leave one out" compares each with the whole reference and "leave one
    data set out" with the reference without its data set; the calibrated verdicts read the measures established
    without its data set, as the transfer networks' do. The rules and thresholds were fixed before these
    networks were trained.

    Returns
    -------
    pandas.DataFrame
        As :func:`transfer_scores`.
    """
    from .measure import RECORDING_MEASURES
    from .verdict import leave_one_out

    root = Path(root or paths.results_dir() / HELD_OUT_FOLDER)
    rows = reference_rows(root, source=HELD_OUT_FOLDER)
    outcomes = {"reference, leave one out": leave_one_out(table, record, RECORDING_MEASURES, networks=rows),
                "reference, leave one data set out": leave_one_out(table, record, RECORDING_MEASURES, by="dataset",
                                                                   networks=rows)}
    return transfer_scores(table, record, root, outcomes)


def transfer_summary(scores):
    """Counts of right, wrong and cannot-tell per mode, overall and per label condition.

    Returns
    -------
    pandas.DataFrame
        Index: mode; columns ``networks, right, wrong, cannot tell, right share`` and ``right (clean)``,
        ``right (half-shuffled)``, ``right (shuffled)`` as "k of n".
    """
    import pandas as pd

    names = {0.0: "clean", 0.5: "half-shuffled", 1.0: "shuffled"}
    rows = []
    for mode in MODES:
        frame = scores[scores["mode"] == mode]
        counts = frame["outcome"].value_counts()
        row = {"mode": mode, "networks": len(frame), "right": int(counts.get("right", 0)),
               "wrong": int(counts.get("wrong", 0)), "cannot tell": int(counts.get("cannot tell", 0))}
        row["right share"] = row["right"] / max(1, len(frame))
        for noise, name in names.items():
            group = frame[frame["noise"] == noise]
            row[f"right ({name})"] = f"{int((group['outcome'] == 'right').sum())} of {len(group)}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("mode")
