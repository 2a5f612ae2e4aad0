"""The paper's Tables 1, 2 and 5, rebuilt from results and set beside the paper's values.

Functions
---------
paper_tables
    The paper's Tables 1, 2 and 5 as transcribed in ``data/paper/``.
table1, table2, table5
    Replication beside paper, long form, with the difference.
ks_marks
    The KS-test similarity symbols of Table 2, Bonferroni-corrected.
paper_layout
    A long table laid out as the paper prints it: one row per model and width
    (and split), conditions as columns, each cell ``ours (paper)``, with the
    cells that depart from the paper by more than a tolerance marked.
agreement
    How many of the paper's numbers were reproduced within their tolerance.
training_table
    How each network was trained: epochs per phase, why each phase stopped,
    and its training accuracy (running and evaluated) beside the paper's.
assumption_table
    Ljung-Box (Pearson and Fisher), ADF and change points per network.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..compare import bonferroni, ks_compare
from ..experiment.cellfiles import read_nodes
from ..experiment.config import MEMORIZING

__all__ = ["paper_tables", "table1", "table2", "table5", "ks_marks", "assumption_table", "paper_layout",
           "agreement", "training_table", "suspect_paper_values", "fano_at_equal_windows", "PAPER_THRESHOLD", "KEYS", "TOLERANCES", "DEPARTS",
           "SUSPECT", "SUSPECT_VALIDATION_MARGIN", "SUSPECT_CV_RATIO"]

#: The paper's Table 2 threshold ("p-value > 0.00027", its Bonferroni-corrected alpha).
PAPER_THRESHOLD = 0.00027
KEYS = ["model", "width", "dataset", "split", "condition"]
#: How far a value of ours may lie from the paper's before the tables mark it: accuracy in
#: percentage points, MFR and MF in their own units (0 to 1), CV of FR in percentage points.
TOLERANCES = {"accuracy": 3.0, "mfr": 0.05, "cv_fr": 15.0, "mf": 0.05}
#: The mark of a value that departs from the paper's by more than its tolerance.
DEPARTS = "†"
ROWS = ["dataset", "model", "width", "split"]
#: The mark of a value of the paper's that is likely an error in the paper (:func:`suspect_paper_values`).
SUSPECT = "‡"
#: A generalizing network's validation accuracy this many points above its training accuracy is suspect.
SUSPECT_VALIDATION_MARGIN = 3.0
#: A CV of FR this many times the median of the other widths of its model, data set, split and condition.
SUSPECT_CV_RATIO = 2.0


def suspect_paper_values(paper):
    """Values of the paper's Tables 1 and 2 that are likely errors in the paper, by three fixed rules.

    - **Copied rows**: a Fashion-MNIST row of Table 2 whose MFR and CV of FR
      both equal those of the MNIST row of the same network, split and
      condition (two numbers to two decimals agreeing by chance is unlikely).
    - **Validation above training**: a generalizing network of Table 1 whose
      validation accuracy exceeds its training accuracy by more than
      :data:`SUSPECT_VALIDATION_MARGIN` points (both values are marked).
    - **Outlying CV**: a CV of FR more than :data:`SUSPECT_CV_RATIO` times the
      median of the other widths of its model, data set, split and condition.

    Returns
    -------
    pandas.DataFrame
        ``model, width, dataset, split, condition, quantity`` (``accuracy``,
        ``mfr`` or ``cv_fr``) and ``reason``.
    """
    rows = []
    key = ["model", "width", "split", "condition"]
    t2 = paper["table2"]
    mnist = t2[t2["dataset"] == "MNIST"].set_index(key)[["mfr", "cv_fr"]].add_suffix("_mnist")
    fashion = t2[t2["dataset"] == "FashionMNIST"].join(mnist, on=key, how="inner")
    copied = (fashion["mfr"] == fashion["mfr_mnist"]) & (fashion["cv_fr"] == fashion["cv_fr_mnist"])
    for row in fashion[copied].itertuples():
        for quantity in ("mfr", "cv_fr"):
            rows.append({**{k: getattr(row, k) for k in KEYS}, "quantity": quantity,
                         "reason": "MFR and CV equal to the MNIST row's"})
    t1 = paper["table1"]
    wide = t1[t1["condition"] == "generalizing"].pivot_table(index=["model", "width", "dataset", "condition"],
                                                             columns="split", values="accuracy")
    for (model, width, dataset, condition), values in wide.iterrows():
        if values.get("validation", np.nan) > values.get("train", np.nan) + SUSPECT_VALIDATION_MARGIN:
            for split in ("train", "validation"):
                rows.append({"model": model, "width": width, "dataset": dataset, "split": split,
                             "condition": condition, "quantity": "accuracy",
                             "reason": f"validation {values['validation']:.2f} % above training "
                                       f"{values['train']:.2f} %"})
    for _, group in t2.groupby(["model", "dataset", "split", "condition"]):
        for index, row in group.iterrows():
            others = group.drop(index)["cv_fr"]
            if len(others) and row["cv_fr"] > SUSPECT_CV_RATIO * others.median():
                rows.append({**{k: row[k] for k in KEYS}, "quantity": "cv_fr",
                             "reason": f"CV {row['cv_fr']:.1f} against a median of {others.median():.1f} at "
                                       "the other widths"})
    frame = pd.DataFrame(rows, columns=KEYS + ["quantity", "reason"])
    return frame.drop_duplicates(KEYS + ["quantity"]).reset_index(drop=True)


def _mark_suspect(long, paper, quantities):
    """``<quantity>_suspect``: whether the paper's value beside ours is one of :func:`suspect_paper_values`."""
    suspect = suspect_paper_values(paper)
    for quantity in quantities:
        flagged = suspect[suspect["quantity"] == quantity][KEYS].assign(**{f"{quantity}_suspect": True})
        long = long.merge(flagged, on=KEYS, how="left")
        long[f"{quantity}_suspect"] = long[f"{quantity}_suspect"].fillna(False).astype(bool)
    return long


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
    out = _mark_suspect(_merge(long, paper["table1"], ["accuracy"]), paper, ["accuracy"])
    return out.sort_values(["model", "dataset", "width", "split", "condition"]).reset_index(drop=True)


def table2(cells, paper):
    """MFR and CV of FR (percent) per cell and split, beside the paper's Table 2."""
    ours = cells[KEYS + ["mfr", "cv_fr"]].copy()
    ours["cv_fr"] = 100 * ours["cv_fr"]
    ours["condition"] = ours["condition"].astype(str)
    return _mark_suspect(_merge(ours, paper["table2"], ["mfr", "cv_fr"]), paper, ["mfr", "cv_fr"])


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


def _format(value, digits):
    return "–" if pd.isna(value) else f"{value:.{digits}f}"


def paper_layout(long, value, tolerance, digits=2, star=None):
    """Lay a long table out as the paper prints it, ours beside the paper's.

    Parameters
    ----------
    long : pandas.DataFrame
        From :func:`table1`, :func:`table2` or :func:`table5`: columns
        ``dataset, model, width, split, condition``, ``value`` and
        ``value + "_paper"``. Several seeds of one network are averaged.
    value : str
        The column to show.
    tolerance : float
        Cells whose ``|ours - paper|`` exceeds it get :data:`DEPARTS`.
    digits : int
        Decimals shown.
    star : str, optional
        A boolean column (and its ``_paper`` twin) that adds the paper's ``*``.

    The paper's values that :func:`suspect_paper_values` flags (a
    ``<value>_suspect`` column) carry :data:`SUSPECT`; they are not marked as
    departures, since the paper's value is the doubtful one.

    Returns
    -------
    text : pandas.DataFrame
        One row per (dataset, network, split), the network written as
        ``MLP-64``; one column per condition
        (the paper's order), cells ``"0.49 (0.48)"``; ``"0.49"`` where the
        paper has no value.
    departs : pandas.DataFrame of bool
        Same shape: the marked cells.
    """
    from .labels import CONDITION_LABELS
    from .results import CONDITION_ORDER

    numeric = [value, f"{value}_paper"]
    flags = ([star, f"{star}_paper"] if star else []) + ([f"{value}_suspect"] if f"{value}_suspect" in long else [])
    frame = long.copy()
    for column in flags:
        frame[column] = frame[column].map({True: 1.0, False: 0.0, "True": 1.0, "False": 0.0, "true": 1.0,
                                           "false": 0.0})
    frame = frame.groupby(ROWS + ["condition"], observed=True, as_index=False)[numeric + flags].mean()
    difference = (frame[value] - frame[f"{value}_paper"]).abs()
    suspect = frame[f"{value}_suspect"] > 0.5 if f"{value}_suspect" in frame else pd.Series(False, frame.index)
    frame["departs"] = (difference > tolerance) & ~suspect
    frame["suspect"] = suspect

    def text(row):
        ours = _format(row[value], digits) + ("*" if star and row[star] > 0.5 else "")
        if pd.isna(row[f"{value}_paper"]):
            return ours
        paper = (_format(row[f"{value}_paper"], digits) + ("*" if star and row[f"{star}_paper"] > 0.5 else "")
                 + (f"\u00a0{SUSPECT}" if row["suspect"] else ""))
        # a marker stays on the line of the value it marks (no-break space)
        return f"{ours} ({paper})" + (f"\u00a0{DEPARTS}" if row["departs"] else "")

    frame["text"] = frame.apply(text, axis=1)
    order = [c for c in CONDITION_ORDER if c in set(frame["condition"])]
    layout = frame.pivot(index=ROWS, columns="condition", values="text").reindex(columns=order)
    departs = frame.pivot(index=ROWS, columns="condition", values="departs").reindex(columns=order)
    rows = _paper_order(layout.index)
    layout, departs = layout.loc[rows], departs.loc[rows]
    # The paper's row labels: "MLP-64, train" reads better than four narrow columns.
    index = pd.MultiIndex.from_tuples([(d, f"{m}-{w}", s) for d, m, w, s in rows],
                                      names=["dataset", "network", "split"])
    layout.index = departs.index = index
    layout.columns = [CONDITION_LABELS[c] for c in order]
    departs.columns = layout.columns
    return layout.fillna(""), departs.fillna(False).astype(bool)


#: The paper's order of models and splits in its tables.
MODEL_ORDER = ["MLP", "CNN", "DenseNet"]
SPLIT_ORDER = ["train", "validation", "test"]


def _paper_order(index):
    def key(row):
        dataset, model, width, split = row
        return (str(dataset), MODEL_ORDER.index(model) if model in MODEL_ORDER else len(MODEL_ORDER), str(model),
                int(width), SPLIT_ORDER.index(split) if split in SPLIT_ORDER else len(SPLIT_ORDER))

    return sorted(index, key=key)


def agreement(comparisons):
    """How many of the paper's numbers this replication reproduced within their tolerance.

    Parameters
    ----------
    comparisons : dict of str to (pandas.DataFrame, str, float)
        Name -> (long table, value column, tolerance), e.g.
        ``{"Table 2, MFR": (t2, "mfr", 0.05)}``.

    Returns
    -------
    pandas.DataFrame
        One row per comparison: ``quantity, tolerance, paired`` (values the
        paper also reports), ``within`` and ``share``; and the same without
        the paper's suspect values (``paired_trusted``, ``within_trusted``,
        ``share_trusted``; :func:`suspect_paper_values`).
    """
    rows = []
    for name, (long, value, tolerance) in comparisons.items():
        paired = long.dropna(subset=[value, f"{value}_paper"])
        close = (paired[value] - paired[f"{value}_paper"]).abs() <= tolerance
        trusted = ~paired[f"{value}_suspect"] if f"{value}_suspect" in paired else pd.Series(True, paired.index)
        within, within_trusted = int(close.sum()), int((close & trusted).sum())
        rows.append({"quantity": name, "tolerance": tolerance, "paired": len(paired), "within": within,
                     "share": within / len(paired) if len(paired) else np.nan,
                     "paired_trusted": int(trusted.sum()), "within_trusted": within_trusted,
                     "share_trusted": within_trusted / trusted.sum() if trusted.sum() else np.nan})
    return pd.DataFrame(rows)


def training_table(cells, paper):
    """One row per network: the epochs of each phase, why it stopped, and the accuracy it reached.

    ``train_accuracy`` is Keras' running accuracy of the last epoch (what the
    paper's Table 1 most likely shows), ``train_accuracy_evaluated`` an
    evaluation pass after training; both in percent, with the paper's.
    """
    from .labels import CONDITION_LABELS

    first = cells.drop_duplicates("cell_id").copy()
    paper1 = paper["table1"][paper["table1"]["split"] == "train"].rename(columns={"accuracy": "paper"})
    first["condition"] = first["condition"].astype(str)
    merged = first.merge(paper1.drop(columns="split"), on=["model", "width", "dataset", "condition"], how="left")
    rows = pd.DataFrame({
        "network": merged["model"] + "-" + merged["width"].astype(str),
        "condition": merged["condition"].map(CONDITION_LABELS),
        "true-label epochs": merged["epochs_true"].where(merged["epochs_true"] > 0),
        "true labels: stopped by": merged["stop_true"],
        "shuffled-label epochs": merged["epochs_shuffled"].where(merged["epochs_shuffled"] > 0),
        "shuffled labels: stopped by": merged["stop_shuffled"],
        "train accuracy, running": 100 * merged["train_accuracy"],
        "evaluated": 100 * merged["train_accuracy_evaluated"],
        "paper": merged["paper"],
    })
    order = [tuple(_paper_order([(d, m, w, "train")])[0]) for d, m, w in zip(merged["dataset"], merged["model"],
                                                                             merged["width"])]
    rows["_key"] = [(MODEL_ORDER.index(m) if m in MODEL_ORDER else 9, int(w)) for _, m, w, _ in order]
    rows["_condition"] = merged["condition"].map({c: i for i, c in enumerate(
        ["generalizing", "mem_retrain_last", "mem_random_last", "mem_retrain_all", "random"])})
    return rows.sort_values(["_key", "_condition"]).drop(columns=["_key", "_condition"]).reset_index(drop=True)


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




def fano_at_equal_windows(cells, alpha=0.05):
    """The Eden & Kramer test's share of compatible nodes in the training split, as recorded and at the test
    split's window count.

    The training recording has more windows than the test recording (e.g.
    600 against 100), and the same Fano factor is more significant from more
    windows; so the training split shows fewer nodes compatible with F = 1 for
    the same firing. Testing each node's stored sample Fano factor at the test
    split's window count (:func:`spikelib.variability.fano_pvalue`) puts both
    splits on one footing.

    Returns
    -------
    pandas.DataFrame
        One row per network: ``model, width, dataset, condition, windows (train), windows (test)``, the
        compatible share of the training split as recorded, at the test split's window count, and of the
        test split.
    """
    from ..variability import fano_pvalue

    train = cells[cells["split"] == "train"].set_index("cell_id")
    test = cells[cells["split"] == "test"].set_index("cell_id")
    rows = []
    for cell_id, row in train.iterrows():
        if cell_id not in test.index:
            continue
        nodes = read_nodes(row["directory"])["train"]
        testable = np.isfinite(nodes["fano_pvalue"])  # the recorded test's own: neither silent nor always on
        n_test = int(test.loc[cell_id, "n_samples"] // test.loc[cell_id, "window"])
        again = fano_pvalue(nodes["fano_statistic"][testable], n_test) >= alpha
        rows.append({"model": row["model"], "width": row["width"], "dataset": row["dataset"],
                     "condition": str(row["condition"]), "windows (train)": int(row["n_samples"] // row["window"]),
                     "windows (test)": n_test, "share compatible: train": row["fano_compatible_fraction"],
                     "share compatible: train at the test's windows": float(again.mean()) if testable.any() else np.nan,
                     "share compatible: test": test.loc[cell_id, "fano_compatible_fraction"]})
    return pd.DataFrame(rows)
