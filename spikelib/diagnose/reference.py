"""The reference networks a diagnosis is set against: a small committed table, with its version and hash.

Built from the compendium's committed results (``python -m spikelib.diagnose.reference``): the model zoo's
networks that met the fitting criterion (clean labels), the clean-label dose-response, the networks that fit
shuffled labels to the same criterion (profile ``memorized``), and the label-noise
networks (the ``noise`` and ``fashion`` profiles, whose memorizing conditions count as label noise 1). One
row per network: what it is (model, depth, width, training samples), how it was trained (label noise,
memorizing by the benchmark's rule), its gap, every measure the registry computes from a recording, its
training accuracy and output margin, and a 20-bin histogram of its nodes' firing rates. Beside the table, a
record of what the benchmark says each measure can and cannot detect, computed from the same networks.

Functions
---------
build_reference
    The table and its record, from results folders.
write_reference, load_reference
    The committed files (``data/reference/``), written and read with their SHA-256 checked.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..exceptions import DataError
from ..experiment.cellfiles import read_nodes
from ..report.networks import MEMORIZING_NOISE, network_table, reached_criterion
from ..storage import sha256, write_atomically, write_json
from .measure import RECORDING_MEASURES

__all__ = ["build_reference", "write_reference", "load_reference", "REFERENCE", "SOURCES", "MEASURES",
           "HISTOGRAM_BINS", "VERSION"]

#: Where the committed reference lives.
REFERENCE = paths.REFERENCE
#: Version of the table's layout (a diagnosis reports it). 2: the transfer networks, and each network's domain.
VERSION = 2
#: The profiles the reference is built from, and what each contributes.
SOURCES = {"zoo": "model zoo (clean labels, trained to the fitting criterion)",
           "clean": "clean-label dose-response (clean labels, trained to the fitting criterion)",
           "memorized": "networks fitting shuffled labels (trained to the fitting criterion)",
           "noise": "label noise", "fashion": "the paper's conditions",
           "transfer": "networks trained with Adam on digits, Fashion-MNIST and a synthetic task (to the fit)"}
#: The compendium's own profiles' data set and optimizer.
COMPENDIUM_DOMAIN = ("fashion_mnist", "SGD")
#: The measures a diagnosis computes from a recording, and the label-using ones it adds with labels.
MEASURES = RECORDING_MEASURES + ("train_accuracy", "output_margin", "hidden_margin")
HISTOGRAM_BINS = 20


def _histogram(directory):
    rates = read_nodes(directory)["train"]["firing_rate"]
    counts, _ = np.histogram(rates, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    return counts / max(1, counts.sum())


def build_reference(results=None):
    """The reference table and its record (what each measure detects on these networks).

    Returns
    -------
    table : pandas.DataFrame
    record : dict

    Raises
    ------
    DataError
        If a source profile has no results.
    """
    from ..report.benchmark import benchmark_scores
    from ..report.clean import clean_scores
    from ..report.matched import matched_networks, matched_scores
    from ..report.networks import benchmark_set
    from ..report.zoo import zoo_networks, zoo_scores

    from .scoring import domain, domain_evidence, reference_rows
    from .transfer import FOLDER

    results = Path(results or paths.results_dir())
    frames = []
    for profile in SOURCES:
        root = results / profile
        if profile == FOLDER:
            continue
        if not paths.has_cells(root):
            raise DataError(f"The reference needs the results of the {profile} profile; run it first.")
        frame = network_table(root)
        if profile in ("zoo", "clean", "memorized"):
            frame = frame[reached_criterion(frame)]
        elif profile == "fashion":
            frame = frame[frame["design"] == "paper"]
        else:
            frame = frame[frame["design"].isin(["paper", "label noise"])]
        frame = frame.assign(source=profile, directory=[str(paths.cells_dir(root) / c) for c in frame["cell_id"]])
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["label_noise"] = table["label_noise"].astype(float)
    table["memorizing"] = table["label_noise"] >= MEMORIZING_NOISE
    table["dataset"], table["optimizer"] = COMPENDIUM_DOMAIN
    histograms = np.array([_histogram(d) for d in table["directory"]])
    keep = ["source", "cell_id", "dataset", "optimizer", "model", "architecture", "depth", "width", "train_samples",
            "recorded_samples", "seed", "condition", "label_noise", "memorizing", "test_accuracy", "gap", *MEASURES]
    out = table[keep].copy()
    for b in range(HISTOGRAM_BINS):
        out[f"rate_hist_{b}"] = histograms[:, b]
    transfer = reference_rows(results / FOLDER) if (results / FOLDER).is_dir() else pd.DataFrame()
    if not transfer.empty:
        out = pd.concat([out, transfer[[c for c in out.columns if c in transfer]]], ignore_index=True)
    out["domain"] = [domain(d, o) for d, o in zip(out["dataset"], out["optimizer"])]
    noisy = benchmark_set([results / "noise", results / "fashion"])
    separation = benchmark_scores(noisy, n_boot=200).set_index("column")
    clean = clean_scores(clean_networks_frame(results / "clean")).set_index("column")
    zoo_table, zoo_context = zoo_scores(zoo_networks(results / "zoo")[0], n_boot=100)
    matched_frame, _ = matched_networks(results / "clean", results / "memorized")
    matched = matched_scores(matched_frame, n_boot=200).set_index("column")
    zoo_table = zoo_table.set_index("column")
    by_domain = domain_evidence(out[out["source"] == FOLDER], MEASURES) if not transfer.empty else {}
    detects = {}
    for column in MEASURES:
        entry = {}
        if column in separation.index:
            row = separation.loc[column]
            entry["label_noise"] = {"separation": float(row["separation"]), "direction": row["direction"],
                                    "auroc_low": float(row["auroc_low"]), "auroc_high": float(row["auroc_high"]),
                                    "networks": int(row["n"])}
        if column in matched.index:
            row = matched.loc[column]
            entry["matched_fit"] = {"separation": float(row["separation"]), "direction": row["direction"],
                                    "auroc_low": float(row["auroc_low"]), "auroc_high": float(row["auroc_high"]),
                                    "networks": len(matched_frame), "strata": int(row["strata"])}
            # the compendium's own domain's evidence is the matched comparison; the transfer domains' their own
            entry["by_domain"] = {domain(*COMPENDIUM_DOMAIN): {"separation": float(row["separation"]),
                                                               "direction": row["direction"],
                                                               "networks": len(matched_frame),
                                                               "strata": int(row["strata"])},
                                  **by_domain.get(column, {})}
        if column in clean.index:
            entry["clean_label_gap"] = {"tau_within_architecture": float(clean.loc[column, "tau_stratified"]),
                                        "networks": int(clean.loc[column, "n"])}
        if column in zoo_table.index:
            entry["zoo_gap"] = {"pgdl": float(zoo_table.loc[column, "pgdl"]),
                                "beats_controls": bool(zoo_table.loc[column, "beats_controls"]),
                                "tau": float(zoo_table.loc[column, "tau"]), "networks": zoo_context["n_networks"]}
        detects[column] = entry
    manifests = {p: sha256(paths.manifest_path(results / p))[:16] for p in SOURCES if p != FOLDER}
    if not transfer.empty:
        manifests[FOLDER] = _folder_digest(results / FOLDER)
    domains = sorted(out["domain"].unique())
    record = {"version": VERSION, "networks": len(out), "memorizing_noise": MEMORIZING_NOISE,
              "sources": {p: SOURCES[p] for p in SOURCES}, "manifests": manifests, "domains": domains,
              "scope": _scope(out), "detects": detects}
    return out, record


def _folder_digest(folder):
    """A digest of the transfer networks' records (their ``network.json`` and ``diagnosis.json``)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(folder).glob("*/*.json")):
        digest.update(path.parent.name.encode() + path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _scope(table):
    """What the reference holds, in words: its networks' families, widths and sizes, per data set and optimizer."""
    names = {"fashion_mnist": "Fashion-MNIST", "digits": "scikit-learn's digits", "synthetic": "a synthetic task"}
    parts = []
    for (dataset, optimizer), frame in table.groupby(["dataset", "optimizer"], sort=False):
        families = " and ".join(sorted(frame["model"].unique()))
        parts.append(f"{len(frame)} {families} networks on {names.get(dataset, dataset)} trained with {optimizer} "
                     f"(widths {frame['width'].min():,} to {frame['width'].max():,}, "
                     f"{frame['recorded_samples'].min():,} to {frame['recorded_samples'].max():,} samples)")
    return "; ".join(parts)


def clean_networks_frame(root):
    """The dose-response's networks with their stratum (see :func:`spikelib.report.clean.clean_networks`)."""
    from ..report.clean import clean_networks

    return clean_networks(root)[0]


def write_reference(table, record, folder=REFERENCE):
    """Write ``networks.csv`` and ``reference.json`` (which records the table's SHA-256); return the folder."""
    folder = Path(folder)
    csv = folder / "networks.csv"
    write_atomically(csv, lambda handle: handle.write(table.to_csv(index=False, float_format="%.6g").encode()))
    write_json(folder / "reference.json", {**record, "sha256": sha256(csv)})
    return folder


#: What a reference table must hold besides the measures (the comparison and the figure read them).
REQUIRED_COLUMNS = ("source", "cell_id", "model", "width", "recorded_samples", "label_noise", "memorizing")


def load_reference(folder=REFERENCE):
    """The committed reference: ``(table, record)``.

    Raises
    ------
    DataError
        If a file is missing, ``reference.json`` is not the record this module writes, the table does not match
        the SHA-256 its record gives, or the table lacks networks or the columns a diagnosis reads.
    """
    folder = Path(folder)
    csv, meta = folder / "networks.csv", folder / "reference.json"
    where = paths.repository_relative(folder)
    if not csv.is_file() or not meta.is_file():
        raise DataError(f"`reference`: no reference networks in {where} (it needs networks.csv and reference.json); "
                        "build them with python -m spikelib.diagnose.reference.")
    try:
        record = json.loads(meta.read_text())
    except (OSError, UnicodeDecodeError, ValueError):
        raise DataError(f"`reference`: {where}/reference.json is not readable JSON; rebuild the reference with "
                        "python -m spikelib.diagnose.reference.") from None
    missing = [key for key in ("sha256", "detects", "version", "networks") if not isinstance(record, dict)
               or key not in record]
    if missing or not isinstance(record.get("detects"), dict):
        raise DataError(f"`reference`: {where}/reference.json is not a reference record (it lacks "
                        f"{', '.join(missing) or 'detects as a mapping'}); rebuild it with "
                        "python -m spikelib.diagnose.reference.")
    if sha256(csv) != record.get("sha256"):
        raise DataError(f"`reference`: {where}/networks.csv does not match the SHA-256 in reference.json: the "
                        "reference was changed by hand. Rebuild it with python -m spikelib.diagnose.reference.")
    try:
        table = pd.read_csv(csv)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        raise DataError(f"`reference`: {where}/networks.csv is not a readable table.") from None
    lacking = [c for c in REQUIRED_COLUMNS if c not in table]
    if lacking or table.empty:
        raise DataError(f"`reference`: {where}/networks.csv " + (f"lacks the columns {lacking}" if lacking else
                        "holds no networks") + "; rebuild it with python -m spikelib.diagnose.reference.")
    return table, record


def main():
    table, record = build_reference()
    folder = write_reference(table, record)
    print(f"{len(table)} reference networks written to {paths.repository_relative(folder)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
