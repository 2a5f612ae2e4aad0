"""Aggregating results files into the paper's tables, beside the paper's own values.

Everything here reads only results files (``metrics.json``, ``nodes.npz``,
``curve.npz`` of each cell, and the run's ``manifest.json``); nothing trains.

Functions
---------
collect
    One row per (cell, split): parameters, accuracies and indicators.
paper_tables
    The paper's Tables 1, 2 and 5 as transcribed in ``data/paper/``.
table1, table2, table5
    Replication beside paper, with the difference.
ks_marks
    The KS-test similarity symbols of Table 2, Bonferroni-corrected.
assumption_table
    Ljung-Box (Pearson and Fisher), ADF and change points per network.
curves
    Firing rate during training (Figure 5) of every curve cell.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .compare import bonferroni, ks_compare
from .exceptions import DataError
from .experiment import CURVE, MEMORIZING, read_metrics, read_nodes

__all__ = ["collect", "paper_tables", "table1", "table2", "table5", "ks_marks",
           "assumption_table", "curves", "read_manifest", "CONDITION_ORDER", "PAPER_THRESHOLD"]

CONDITION_ORDER = ["generalizing", "mem_retrain_last", "mem_random_last", "mem_retrain_all", "random"]
CONDITION_LABELS = {"generalizing": "Generalizing", "mem_retrain_last": "MemRetrainLast",
                    "mem_random_last": "MemRandomLast", "mem_retrain_all": "MemRetrainAll", "random": "Random"}
MODEL_NAMES = {"mlp": "MLP", "cnn": "CNN", "densenet": "DenseNet"}
DATASET_NAMES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10"}
#: The paper's Table 2 threshold ("p-value > 0.00027", its Bonferroni-corrected alpha).
PAPER_THRESHOLD = 0.00027
KEYS = ["model", "width", "dataset", "split", "condition"]


def _cell_dirs(root):
    cells = Path(root) / "cells"
    if not cells.is_dir():
        raise DataError(f"No results in {root}: run `spikelib run --profile {Path(root).name}` first.")
    return sorted(p for p in cells.iterdir() if (p / "metrics.json").is_file())


def collect(root, protocol="cell"):
    """One row per (cell, split) of a profile's complete cells.

    Columns: ``cell_id, dataset, model, width, condition, seed, split``, the
    accuracies (fractions), ``generalization_gap``, the indicators ``mfr,
    cv_fr, mf, cv_mf`` (fractions) and the assumption-check summaries.
    ``model`` and ``dataset`` use the paper's spelling (``MLP``, ``FashionMNIST``).
    """
    rows = []
    for directory in _cell_dirs(root):
        metrics = read_metrics(directory)
        parameters = metrics["parameters"]
        if parameters.get("protocol", "cell") != protocol or not metrics.get("complete"):
            continue
        for split, stats in metrics["splits"].items():
            rows.append({
                "cell_id": metrics["cell_id"], "directory": str(directory),
                "dataset": DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
                "model": MODEL_NAMES[parameters["model"]], "width": parameters["width"],
                "condition": parameters["condition"], "seed": parameters["seed"], "split": split,
                "epochs": parameters["epochs"], "memorize_epochs": parameters["memorize_epochs"],
                **{k: metrics[k] for k in ("train_accuracy", "validation_accuracy", "test_accuracy",
                                           "generalization_gap", "wall_time_s")},
                **stats,
            })
    if not rows:
        raise DataError(f"No complete {protocol} cells in {root}.")
    frame = pd.DataFrame(rows)
    frame["condition"] = pd.Categorical(frame["condition"], CONDITION_ORDER, ordered=True)
    return frame.sort_values(["model", "dataset", "width", "condition", "split"]).reset_index(drop=True)


def paper_tables(folder=None):
    """The paper's Tables 1, 2, 5 and the KS symbols (``data/paper/*.csv``) as DataFrames."""
    folder = Path(folder or paths.DATA / "paper")
    return {
        "table1": pd.read_csv(folder / "table1_accuracy.csv"),
        "table2": pd.read_csv(folder / "table2_firing_rate.csv"),
        "ks": pd.read_csv(folder / "table2_ks_symbols.csv"),
        "table5": pd.read_csv(folder / "table5_fano.csv", comment="#"),
    }


def _merge(ours, paper, value_columns):
    merged = ours.merge(paper, on=KEYS, how="left", suffixes=("", "_paper"))
    for column in value_columns:
        merged[f"{column}_difference"] = merged[column] - merged[f"{column}_paper"]
    return merged


def table1(cells, paper):
    """Train and validation accuracy (percent) per cell, beside the paper's Table 1."""
    first = cells.drop_duplicates("cell_id")
    long = pd.concat([
        first.assign(split="train", accuracy=100 * first["train_accuracy"]),
        first.assign(split="validation", accuracy=100 * first["validation_accuracy"]),
    ])[KEYS + ["accuracy"]]
    long["condition"] = long["condition"].astype(str)
    out = _merge(long, paper["table1"], ["accuracy"])
    return out.sort_values(["model", "dataset", "width", "split", "condition"]).reset_index(drop=True)


def table2(cells, paper):
    """MFR and CV of FR (percent) per cell and split, beside the paper's Table 2."""
    ours = cells[KEYS + ["mfr", "cv_fr"]].copy()
    ours["cv_fr"] = 100 * ours["cv_fr"]
    ours["condition"] = ours["condition"].astype(str)
    return _merge(ours, paper["table2"], ["mfr", "cv_fr"])


def table5(cells, paper, majority=0.5):
    """Mean Fano factor per cell and split, the Eden-Kramer marker, and the paper's Table 5.

    The paper's ``*`` is not defined in its caption; here a network is marked
    when more than ``majority`` of its testable nodes (neither silent nor
    always on) are compatible with F = 1 (two-sided, alpha 0.05).
    """
    ours = cells[KEYS + ["mf", "fano_compatible_fraction"]].copy()
    ours["condition"] = ours["condition"].astype(str)
    ours["significant"] = ours["fano_compatible_fraction"] > majority
    ours["one_minus_mfr"] = 1 - cells["mfr"].to_numpy()
    paper5 = paper["table5"].rename(columns={"mean_ff": "mf"})
    merged = _merge(ours, paper5, ["mf"])
    return merged


def _rates(directory, split):
    return read_nodes(directory)[split]["firing_rate"]


def ks_marks(cells, alpha=0.05, family_size=None):
    """The KS-test similarity marks of the paper's Table 2, for each (model, width, data set).

    Comparisons of the nodes' firing-rate distributions (two-sample KS):
    train vs test for every condition (mark ♣ when all are similar),
    generalizing vs random (♡, on both splits), each memorizing condition vs
    random (♢) and vs generalizing (♠); ``*`` when a ♢ or ♠ holds only for
    ``mem_retrain_all``. "Similar" means equality is not rejected after
    Bonferroni correction over the whole family (default: every comparison
    made here), as in the paper; the paper's own threshold (p > 0.00027) is
    reported too.

    Returns
    -------
    marks : pandas.DataFrame
        One row per (model, width, dataset): ``symbols`` and ``symbols_paper_threshold``.
    tests : pandas.DataFrame
        Every comparison with its statistic, p-value and adjusted p-value.
    """
    tests = []
    groups = cells.drop_duplicates("cell_id").groupby(["model", "width", "dataset"], observed=True)
    for (model, width, dataset), group in groups:
        by_condition = {str(row.condition): row.directory for row in group.itertuples()}
        def add(kind, label, a, b, split_a, split_b):
            stat, p = ks_compare(_rates(a, split_a), _rates(b, split_b))
            tests.append({"model": model, "width": width, "dataset": dataset, "kind": kind,
                          "comparison": label, "statistic": stat, "pvalue": p})
        for condition, directory in by_condition.items():
            add("train/test", f"{condition}: train vs test", directory, directory, "train", "test")
        for split in ("train", "test"):
            if "generalizing" in by_condition and "random" in by_condition:
                add("gen/random", f"generalizing vs random ({split})", by_condition["generalizing"],
                    by_condition["random"], split, split)
            for memorizing in MEMORIZING:
                if memorizing not in by_condition:
                    continue
                if "random" in by_condition:
                    add("mem/random", f"{memorizing} vs random ({split})", by_condition[memorizing],
                        by_condition["random"], split, split)
                if "generalizing" in by_condition:
                    add("gen/mem", f"generalizing vs {memorizing} ({split})", by_condition["generalizing"],
                        by_condition[memorizing], split, split)
    tests = pd.DataFrame(tests)
    tests["pvalue_adjusted"] = bonferroni(tests["pvalue"].to_numpy(), family_size)
    tests["similar"] = tests["pvalue_adjusted"] > alpha
    tests["similar_paper_threshold"] = tests["pvalue"] > PAPER_THRESHOLD
    rows = []
    for (model, width, dataset), group in tests.groupby(["model", "width", "dataset"]):
        rows.append({"model": model, "width": width, "dataset": dataset,
                     "symbols": _symbols(group, "similar"),
                     "symbols_paper_threshold": _symbols(group, "similar_paper_threshold")})
    return pd.DataFrame(rows), tests


def _symbols(group, column):
    def holds(kind):
        rows = group[group["kind"] == kind]
        return len(rows) > 0 and rows[column].all()

    def by_memorizing(kind):
        rows = group[(group["kind"] == kind) & group[column]]
        conditions = {c.split(" vs ")[0 if kind == "mem/random" else 1].split(" (")[0] for c in rows["comparison"]}
        # A memorizing condition counts when it is similar on both splits.
        full = [c for c in conditions
                if group[(group["kind"] == kind) & group["comparison"].str.contains(c, regex=False)][column].all()]
        return full

    symbols = ""
    if holds("train/test"):
        symbols += "♣"
    for kind, mark in (("mem/random", "♢"), ("gen/random", "♡"), ("gen/mem", "♠")):
        if kind == "gen/random":
            if holds(kind):
                symbols += mark
            continue
        similar = by_memorizing(kind)
        if similar:
            symbols += mark + ("*" if similar == ["mem_retrain_all"] else "")
    return symbols


def assumption_table(cells):
    """Per network (test split): Fano-test, Ljung-Box, ADF and change-point summaries."""
    test = cells[cells["split"] == "test"]
    columns = ["model", "width", "dataset", "condition", "mfr", "fano_below", "fano_compatible", "fano_above",
               "ljung_box_pearson_p", "ljung_box_fisher_p", "ljung_box_rejected_fraction",
               "adf_stationary_fraction", "adf_max_pvalue", "change_point_nodes", "n_nodes", "n_silent"]
    return test[[c for c in columns if c in test.columns]].reset_index(drop=True)


def curves(root):
    """Firing rate during training of every curve cell: a long DataFrame per batch."""
    frames = []
    for directory in _cell_dirs(root):
        metrics = read_metrics(directory)
        parameters = metrics["parameters"]
        if parameters.get("protocol") != "curve":
            continue
        with np.load(directory / CURVE, allow_pickle=False) as curve:
            n = len(curve["mfr_train"])
            frames.append(pd.DataFrame({
                "cell_id": metrics["cell_id"], "model": MODEL_NAMES[parameters["model"]],
                "width": parameters["width"], "condition": parameters["condition"],
                "dataset": DATASET_NAMES.get(metrics["dataset"]["name"], metrics["dataset"]["name"]),
                "batch": np.arange(1, n + 1), "phase": curve["phase"],
                "mfr_train": curve["mfr_train"], "mfr_test": curve["mfr_test"],
                "switch_batch": int(curve["batches_true_labels"]), "epochs": parameters["epochs"],
            }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_manifest(root):
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise DataError(f"No manifest in {root}: run the profile with `spikelib run` first.")
    return json.loads(path.read_text())


#: The paper's eight hypotheses (section 3.2), in short, with the paper's own verdict (3.3.4).
HYPOTHESES = {
    1: ("Memorizing networks fire less (lower MFR) than generalizing ones.", "strong support"),
    2: ("The Poisson model fits generalizing and random networks better than memorizing ones.", "rejected"),
    3: ("Random and generalizing networks behave alike; memorizing networks deviate.", "strong support"),
    4: ("Firing rates vary more across the nodes (higher CV of FR) in memorizing networks.", "weak evidence against"),
    5: ("Wider layers dilute the difference between memorizing and generalizing networks.", "weak support"),
    6: ("Depth matters: memorization in earlier layers hides it from the observed layer.", "weak support"),
    7: ("Activation patterns are alike on training and test data.", "strong support"),
    8: ("Firing rates are stable during training, with a visible change when memorization starts.", "strong support"),
}


def _paired(cells, condition_a, condition_b, column):
    keys = ["model", "width", "dataset", "split"]
    a = cells[cells["condition"] == condition_a].set_index(keys)[column]
    b = cells[cells["condition"] == condition_b].set_index(keys)[column]
    joined = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
    return joined


def _memorizing_pairs(cells, column):
    frames = [_paired(cells, m, "generalizing", column).assign(memorizing=m) for m in MEMORIZING]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames) if frames else pd.DataFrame(columns=["a", "b", "memorizing"])


def _verdict(fraction, strong=0.8, weak=0.6):
    if np.isnan(fraction):
        return "not testable here"
    if fraction >= strong:
        return "supported"
    if fraction >= weak:
        return "weakly supported"
    if fraction <= 1 - strong:
        return "contradicted"
    return "not supported"


def hypotheses(cells, ks_tests, curve_frame):
    """This replication's evidence on each of the paper's eight hypotheses.

    Returns a DataFrame: ``hypothesis``, ``statement``, ``paper`` (the
    paper's verdict), ``evidence`` (what was measured, with the numbers) and
    ``verdict`` (here). Every number comes from the results passed in.
    """
    from scipy import stats

    rows = []

    def add(number, evidence, verdict):
        statement, paper_verdict = HYPOTHESES[number]
        rows.append({"hypothesis": number, "statement": statement, "paper": paper_verdict,
                     "evidence": evidence, "verdict": verdict})

    mfr = _memorizing_pairs(cells, "mfr")
    lower = float((mfr["a"] < mfr["b"]).mean()) if len(mfr) else np.nan
    add(1, f"Memorizing MFR below the generalizing MFR of the same network and split in "
           f"{int((mfr['a'] < mfr['b']).sum())} of {len(mfr)} comparisons; median ratio "
           f"{np.median(mfr['a'] / mfr['b']) if len(mfr) else np.nan:.2f}.", _verdict(lower))

    compatible = cells.groupby(cells["condition"].astype(str).str.startswith("mem_"))["fano_compatible_fraction"].mean()
    mem_fit, other_fit = compatible.get(True, np.nan), compatible.get(False, np.nan)
    add(2, f"Share of nodes compatible with F = 1 (Eden & Kramer): {other_fit:.2f} on average in "
           f"generalizing and random networks, {mem_fit:.2f} in memorizing ones. A binary train has "
           f"F = 1 - rate, so the test favours rarely firing (memorizing) networks by construction.",
        "not supported" if mem_fit >= other_fit else "supported")

    gen_random = ks_tests[ks_tests["kind"] == "gen/random"]["similar"].mean()
    mem_random = ks_tests[ks_tests["kind"] == "mem/random"]["similar"].mean()
    gap_gen = _paired(cells, "generalizing", "random", "mfr")
    gap_mem = pd.concat([_paired(cells, m, "random", "mfr") for m in MEMORIZING])
    d_gen = float((gap_gen["a"] - gap_gen["b"]).abs().mean()) if len(gap_gen) else np.nan
    d_mem = float((gap_mem["a"] - gap_mem["b"]).abs().mean()) if len(gap_mem) else np.nan
    add(3, f"Firing-rate distributions similar (KS, Bonferroni) for generalizing vs random in "
           f"{gen_random:.0%} of comparisons, memorizing vs random in {mem_random:.0%}; mean |MFR "
           f"difference| to the random network {d_gen:.3f} (generalizing) vs {d_mem:.3f} (memorizing).",
        "supported" if d_gen < d_mem and gen_random >= mem_random else "not supported")

    cv = _memorizing_pairs(cells, "cv_fr")
    higher = float((cv["a"] > cv["b"]).mean()) if len(cv) else np.nan
    add(4, f"CV of FR higher for memorizing than generalizing in {int((cv['a'] > cv['b']).sum())} of "
           f"{len(cv)} comparisons.", _verdict(higher))

    by_width = mfr.assign(gap=(mfr["a"] - mfr["b"]).abs()).reset_index().groupby("width")["gap"].mean()
    if len(by_width) >= 3:
        rho = stats.spearmanr(by_width.index, by_width.to_numpy()).statistic
        add(5, "Mean |MFR(memorizing) - MFR(generalizing)| by width: " +
            ", ".join(f"{w}: {g:.3f}" for w, g in by_width.items()) + f" (Spearman rho {rho:+.2f}).",
            "supported" if rho <= -0.8 else "weakly supported" if rho < 0 else "not supported")
    else:
        add(5, f"Only {len(by_width)} width(s) in this profile.", "not testable here")

    depth = mfr.assign(gap=(mfr["a"] - mfr["b"]).abs()).reset_index()
    retrain = depth[depth["memorizing"].isin(["mem_retrain_last", "mem_retrain_all"])]
    deep = retrain[retrain["model"] != "MLP"].groupby("memorizing")["gap"].mean()
    if {"mem_retrain_last", "mem_retrain_all"} <= set(deep.index):
        add(6, f"In the deeper networks the MFR gap to the generalizing network is "
               f"{deep['mem_retrain_all']:.3f} when all layers may memorize (MemRetrainAll) vs "
               f"{deep['mem_retrain_last']:.3f} when only the last two may (MemRetrainLast).",
            "supported" if deep["mem_retrain_all"] < deep["mem_retrain_last"] else "not supported")
    else:
        add(6, "No deeper network with both retraining conditions in this profile.", "not testable here")

    train_test = ks_tests[ks_tests["kind"] == "train/test"]
    wide = cells.pivot_table(index=["model", "width", "dataset", "condition"], columns="split", values="mfr",
                             observed=True)
    max_gap = float((wide["train"] - wide["test"]).abs().max()) if {"train", "test"} <= set(wide.columns) else np.nan
    add(7, f"Train and test firing-rate distributions similar (KS, Bonferroni) in "
           f"{train_test['similar'].mean():.0%} of {len(train_test)} networks; largest |MFR(train) - "
           f"MFR(test)| {max_gap:.3f}.", _verdict(float(train_test["similar"].mean())))

    if len(curve_frame):
        parts = []
        supported = []
        for cell, frame in curve_frame.groupby("cell_id"):
            switch = int(frame["switch_batch"].iloc[0])
            true_end = frame[frame["phase"] == 0]["mfr_train"].to_numpy()
            shuffled = frame[frame["phase"] == 1]["mfr_train"].to_numpy()
            tail_true, tail_shuffled = true_end[len(true_end) // 2:], shuffled[len(shuffled) // 2:]
            located = _best_split(frame["mfr_train"].to_numpy())
            parts.append(f"{cell}: MFR {tail_true.mean():.3f} ± {tail_true.std():.3f} (second half of true-label "
                         f"training) and {tail_shuffled.mean():.3f} ± {tail_shuffled.std():.3f} (second half of "
                         f"shuffled-label training); the single best change point of the curve is at batch "
                         f"{located}, the labels were shuffled after batch {switch}")
            batches_per_epoch = max(1, switch // int(frame["epochs"].iloc[0]))
            # Supported: the curve's best change point lies within one epoch of the switch, and
            # the two plateaus differ by more than three times their batch-to-batch spread.
            supported.append(abs(located - switch) <= batches_per_epoch and
                             abs(tail_true.mean() - tail_shuffled.mean()) > 3 * max(tail_true.std(), tail_shuffled.std()))
        add(8, "; ".join(parts) + ".", "supported" if all(supported) else "not supported")
    else:
        add(8, "No firing-rate-during-training run in this profile.", "not testable here")
    return pd.DataFrame(rows)


def _best_split(values):
    """Index of the single mean-shift change point that minimises the squared error."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    cumulative = np.cumsum(values)
    squares = np.cumsum(values**2)
    k = np.arange(1, n)
    left = squares[k - 1] - cumulative[k - 1] ** 2 / k
    right = (squares[-1] - squares[k - 1]) - (cumulative[-1] - cumulative[k - 1]) ** 2 / (n - k)
    return int(k[np.argmin(left + right)])
